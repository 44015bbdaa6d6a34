package org.vswitch4j.flow;

/**
 * Bit ranges of field values up to 128 bits, held as two longs ({@code hi}: bits 64..127, {@code lo}: bits 0..63).
 * Used by load, move, output-to-register and learn, which name fields by {@link FieldRef}.
 */
final class Bits {
    private Bits() {
    }

    /** Low 64 bits of {@code hi:lo >>> n} (0 <= n < 128). */
    static long shrLo(long hi, long lo, int n) {
        if (n == 0) {
            return lo;
        }
        return n < 64 ? (lo >>> n) | (hi << (64 - n)) : hi >>> (n - 64);
    }

    /** High 64 bits of {@code hi:lo >>> n}. */
    static long shrHi(long hi, int n) {
        return n < 64 ? hi >>> n : 0;
    }

    /** Low 64 bits of {@code hi:lo << n}. */
    static long shlLo(long lo, int n) {
        return n < 64 ? lo << n : 0;
    }

    /** High 64 bits of {@code hi:lo << n}. */
    static long shlHi(long hi, long lo, int n) {
        if (n == 0) {
            return hi;
        }
        return n < 64 ? (hi << n) | (lo >>> (64 - n)) : lo << (n - 64);
    }

    /** Low 64 bits of a mask of {@code n} ones (1..128). */
    static long onesLo(int n) {
        return n >= 64 ? -1L : (1L << n) - 1;
    }

    /** High 64 bits of a mask of {@code n} ones. */
    static long onesHi(int n) {
        return n <= 64 ? 0 : n >= 128 ? -1L : (1L << (n - 64)) - 1;
    }
}
