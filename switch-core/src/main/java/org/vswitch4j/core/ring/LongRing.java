package org.vswitch4j.core.ring;

/**
 * A bounded lock-free ring of non-negative {@code long} values (buffer handles), first in, first out.
 *
 * <p>Full rings refuse: {@link #offer} returns false (or a short count) and the caller drops and counts;
 * nothing blocks. Two implementations: {@link SpscLongRing} (one producer thread, one consumer thread) and
 * {@link MpscLongRing} (any number of producers, one consumer).
 *
 * <p>Memory-consistency: writes a producer made before offering a value happen-before the consumer's
 * actions after polling it (so a buffer filled and then offered is seen filled).
 */
public interface LongRing {
    /** Returned by {@link #poll()} when the ring is empty. */
    long EMPTY = -1L;

    /** Appends {@code value} (≥ 0); false when the ring is full. */
    boolean offer(long value);

    /** Appends up to {@code n} values from {@code src[off..)}; returns how many fit. */
    int offer(long[] src, int off, int n);

    /** Removes the oldest value, or returns {@link #EMPTY}. Consumer thread only. */
    long poll();

    /** Removes up to {@code max} values into {@code dst[off..)}; returns how many. Consumer thread only. */
    int drain(long[] dst, int off, int max);

    /** Values in the ring; approximate while producers or the consumer are active. */
    int size();

    /** Maximum number of values (a power of two). */
    int capacity();
}
