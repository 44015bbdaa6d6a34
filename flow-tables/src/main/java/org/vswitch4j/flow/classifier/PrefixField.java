package org.vswitch4j.flow.classifier;

import org.vswitch4j.core.key.FlowField;

/**
 * Where a prefix-tracked field lives in the key words, and its conversions to and from the trie's
 * left-aligned 128-bit values.
 */
final class PrefixField {
    final FlowField field;
    private final int word;
    private final int shift;
    private final int width;
    /** Ones over the field's width, in the low bits (narrow fields only). */
    private final long ones;

    PrefixField(FlowField field) {
        this.field = field;
        this.word = field.word();
        this.shift = field.shift();
        this.width = field.width();
        this.ones = width >= 64 ? -1L : (1L << width) - 1;
    }

    int width() {
        return width;
    }

    /** High word of the field's value in {@code w}, left-aligned. */
    long hi(long[] w) {
        return width == 128 ? w[word] : ((w[word] >>> shift) & ones) << (64 - width);
    }

    /** Low word of the field's value in {@code w}, left-aligned (0 for fields of 64 bits or fewer). */
    long lo(long[] w) {
        return width == 128 ? w[word + 1] : 0;
    }

    /** The prefix length of {@code mask} on this field: 0 when wildcarded, -1 when not a CIDR prefix. */
    int prefixLength(long[] mask) {
        long h = hi(mask);
        long l = lo(mask);
        int len = h == -1L ? 64 + Long.numberOfLeadingZeros(~l) : Long.numberOfLeadingZeros(~h);
        return h == PrefixTrie.truncHi(-1L, len) && l == PrefixTrie.truncLo(-1L, len) ? len : -1;
    }

    /** ORs the field's top {@code bits} bits into {@code dst}. */
    void orTop(long[] dst, int bits) {
        if (width == 128) {
            dst[word] |= PrefixTrie.truncHi(-1L, bits);
            dst[word + 1] |= PrefixTrie.truncLo(-1L, bits);
        } else {
            dst[word] |= (PrefixTrie.truncHi(-1L, bits) >>> (64 - width)) << shift;
        }
    }
}
