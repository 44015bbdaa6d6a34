package org.vswitch4j.core.ring;

import java.lang.invoke.VarHandle;
import java.util.Objects;

/** Argument checks and the size read shared by the ring implementations. */
final class Rings {
    /** Largest capacity: the largest power of two a Java array index can hold. */
    static final int MAX_CAPACITY = 1 << 30;

    private Rings() {
    }

    static int checkCapacity(int capacity) {
        if (capacity < 1 || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("ring capacity " + capacity
                    + " must be a power of two in 1.." + MAX_CAPACITY + " (1, 2, 4, ..., 1024, ...)");
        }
        return capacity;
    }

    static void checkValue(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("ring value " + value + " is negative; allowed 0.." + Long.MAX_VALUE);
        }
    }

    /** Checks the range and that every value in it is non-negative (before anything is claimed). */
    static void checkValues(long[] src, int off, int n) {
        checkRange(src, off, n);
        long all = 0;
        for (int i = 0; i < n; i++) {
            all |= src[off + i];
        }
        if (all < 0) {
            for (int i = 0; i < n; i++) {
                checkValue(src[off + i]);
            }
        }
    }

    static void checkRange(long[] array, int off, int n) {
        Objects.checkFromIndexSize(off, n, array.length);
    }

    /**
     * Values between the two indices. Re-reads the consumer index until it is stable around the producer
     * read so that the difference is one that existed (never negative, never above capacity).
     */
    static int size(Object ring, VarHandle producerIndex, VarHandle consumerIndex, int capacity) {
        long c = (long) consumerIndex.getAcquire(ring);
        while (true) {
            long before = c;
            long p = (long) producerIndex.getAcquire(ring);
            c = (long) consumerIndex.getAcquire(ring);
            if (c == before) {
                return (int) Math.max(0, Math.min(capacity, p - c));
            }
        }
    }
}
