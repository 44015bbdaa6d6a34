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
 *
 * <p>Values are {@code 0..Long.MAX_VALUE}; offering a negative value throws {@link IllegalArgumentException}
 * (a batch is checked before any of it is enqueued), because {@link #EMPTY} and, in {@link MpscLongRing},
 * a free slot are marked with {@code -1}.
 */
public interface LongRing {
    /** Returned by {@link #poll()} when the ring is empty. */
    long EMPTY = -1L;

    /** Appends {@code value} (≥ 0); false when the ring is full. Throws if {@code value} is negative. */
    boolean offer(long value);

    /**
     * Appends up to {@code n} values from {@code src[off..)}, in order; returns how many fit (the first ones).
     * Throws, enqueuing none, if any of the {@code n} values is negative.
     */
    int offer(long[] src, int off, int n);

    /**
     * Removes the oldest value, or returns {@link #EMPTY} when there is none. With several producers
     * ({@link MpscLongRing}) it also returns {@code EMPTY} while the oldest value's producer has claimed its
     * slot but not yet written it; that value comes on a later call. Consumer thread only.
     */
    long poll();

    /**
     * Removes up to {@code max} values into {@code dst[off..)}, oldest first; returns how many (stopping early
     * as {@link #poll()} would return {@code EMPTY}). Consumer thread only.
     */
    int drain(long[] dst, int off, int max);

    /** Values in the ring; approximate while producers or the consumer are active. */
    int size();

    /** Maximum number of values (a power of two). */
    int capacity();
}
