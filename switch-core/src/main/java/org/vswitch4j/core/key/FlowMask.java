package org.vswitch4j.core.key;

import java.util.Arrays;

/**
 * Which bits of a {@link FlowKey} a decision looked at: a 1 bit was consulted, a 0 bit is wildcarded.
 *
 * <p>The slow path un-wildcards every field it reads while translating a packet; the megaflow installed for
 * the result matches exactly those bits, so one upcall serves every packet that agrees on them.
 *
 * <p>Thread-safety: none.
 */
public final class FlowMask {
    /** The words, same layout as {@link FlowKey#w}. */
    public final long[] w = new long[FlowKey.WORDS];

    /** A mask that wildcards everything. */
    public FlowMask() {
    }

    /** Wildcards everything. */
    public void clear() {
        Arrays.fill(w, 0L);
    }

    /** Un-wildcards all bits of {@code f}. */
    public FlowMask exact(FlowField f) {
        f.orMask(w, -1L);
        return this;
    }

    /** Un-wildcards the bits of {@code f} that are set in {@code bits} (for ≤ 64-bit fields). */
    public FlowMask bits(FlowField f, long bits) {
        f.orMask(w, bits);
        return this;
    }

    /** The mask bits of a field of at most 64 bits. */
    public long get(FlowField f) {
        return f.get(w);
    }

    /** Adds every bit of {@code other} to this mask. */
    public void or(FlowMask other) {
        for (int i = 0; i < FlowKey.WORDS; i++) {
            w[i] |= other.w[i];
        }
    }

    public void copyFrom(FlowMask other) {
        System.arraycopy(other.w, 0, w, 0, FlowKey.WORDS);
    }

    public FlowMask copy() {
        FlowMask m = new FlowMask();
        m.copyFrom(this);
        return m;
    }

    /** Whether {@code a} and {@code b} agree on every bit of this mask. */
    public boolean matches(FlowKey a, FlowKey b) {
        for (int i = 0; i < FlowKey.WORDS; i++) {
            if (((a.w[i] ^ b.w[i]) & w[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(w);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowMask m && Arrays.equals(w, m.w);
    }

    /** The mask as field=bits, non-zero fields only. */
    @Override
    public String toString() {
        return FlowField.format(w, null);
    }
}
