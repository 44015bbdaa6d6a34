package org.vswitch4j.core.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/** Argument checks, the size read, the VarHandles and the padded field layers shared by both rings. */
final class Rings {
    /** Largest capacity: the largest power of two a Java array index can hold. */
    static final int MAX_CAPACITY = 1 << 30;

    // The index fields of the layers below (each ring comments every access it makes through them).
    static final VarHandle PRODUCER_INDEX;
    static final VarHandle PRODUCER_LIMIT;
    static final VarHandle CONSUMER_INDEX;
    /** Slots of a ring's {@code long[]}. */
    static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PRODUCER_INDEX = l.findVarHandle(ProducerFields.class, "producerIndex", long.class);
            PRODUCER_LIMIT = l.findVarHandle(ProducerFields.class, "producerLimit", long.class);
            CONSUMER_INDEX = l.findVarHandle(ConsumerFields.class, "consumerIndex", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

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

    /*
     * Field layers for both rings, so that what the producer writes, what the consumer writes and what both
     * only read sit on different cache lines. HotSpot lays a superclass's fields before its subclass's, so
     * each layer below starts after the one it extends; 128 bytes (16 longs) of unused fields between layers
     * cover the adjacent-line prefetcher, which fetches lines in pairs. The object header (read by both sides'
     * type checks) and the rings' final fields (placed by HotSpot in the header's spare word and after the
     * last pad) are written by nobody once constructed. Checked on JDK 25 with Unsafe.objectFieldOffset:
     * header 0-15, pad 16-143, producer 144-159, pad, consumer 288, pad 296-423, final fields after that.
     * The pad fields are never read or written.
     */

    /** Padding between the object header and the producer's fields. */
    abstract static class PadBeforeProducer {
        long p00, p01, p02, p03, p04, p05, p06, p07;
        long p08, p09, p10, p11, p12, p13, p14, p15;
    }

    /** The producer side's line: written by the producer(s), read by the consumer never on the hot path. */
    abstract static class ProducerFields extends PadBeforeProducer {
        // Next index to write (SPSC) or to claim (MPSC); each ring says how it is accessed.
        long producerIndex;
        // The index below which the producer(s) may write without looking at the consumer's state; each ring
        // says how it is kept.
        long producerLimit;
    }

    /** Padding between the producer's and the consumer's lines. */
    abstract static class PadBeforeConsumer extends ProducerFields {
        long q00, q01, q02, q03, q04, q05, q06, q07;
        long q08, q09, q10, q11, q12, q13, q14, q15;
    }

    /** The consumer side's line: written by the consumer, read by producers rarely or never. */
    abstract static class ConsumerFields extends PadBeforeConsumer {
        // Next index to take; each ring says how it is accessed.
        long consumerIndex;
    }

    /** Padding between the consumer's line and the final fields and the next object in the heap. */
    abstract static class PaddedIndices extends ConsumerFields {
        long r00, r01, r02, r03, r04, r05, r06, r07;
        long r08, r09, r10, r11, r12, r13, r14, r15;
    }
}
