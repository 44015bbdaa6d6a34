package org.vswitch4j.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.vswitch4j.core.ring.LongRing;

// Padding by inheritance: the JVM lays out a superclass's fields before a subclass's, so each group of
// hot fields sits between 128 bytes of unused longs (two cache lines, for the adjacent-line prefetcher).
abstract class Pad0 { long a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15; }
abstract class PadProducer extends Pad0 { long producerIndex; long producerLimit; }
abstract class Pad1 extends PadProducer { long b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15; }
abstract class PadConsumer extends Pad1 { long consumerIndex; long producerIndexCache; }
abstract class Pad2 extends PadConsumer { long c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15; }

/**
 * An experiment, not a product: {@link org.vswitch4j.core.ring.SpscLongRing}'s algorithm with the producer's
 * fields and the consumer's fields on separate cache lines, measured against it by
 * {@link RingPairBenchmark}'s {@code spscPadded} group. It exists to decide whether the core ring needs
 * padding (we pad only what a benchmark shows falsely shared); delete it once the figures have decided.
 * Argument checks are left out.
 */
public final class PaddedSpscLongRing extends Pad2 implements LongRing {
    private static final VarHandle PRODUCER_INDEX;
    private static final VarHandle CONSUMER_INDEX;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PRODUCER_INDEX = l.findVarHandle(PadProducer.class, "producerIndex", long.class);
            CONSUMER_INDEX = l.findVarHandle(PadConsumer.class, "consumerIndex", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] slots;
    private final int mask;

    /** A ring of {@code capacity} slots: a power of two in 1..2^30. */
    public PaddedSpscLongRing(int capacity) {
        this.slots = new long[capacity];
        this.mask = capacity - 1;
        this.producerLimit = capacity;
    }

    @Override
    public boolean offer(long value) {
        
        long p = (long) PRODUCER_INDEX.getOpaque(this); // own field: only this thread writes it
        if (p >= producerLimit && p >= refreshProducerLimit()) {
            return false;
        }
        slots[(int) p & mask] = value;
        // Release: publishes the slot write (and everything the producer did before) to the consumer's
        // getAcquire of producerIndex.
        PRODUCER_INDEX.setRelease(this, p + 1);
        return true;
    }

    @Override
    public int offer(long[] src, int off, int n) {
        
        long p = (long) PRODUCER_INDEX.getOpaque(this);
        long room = producerLimit - p;
        if (room < n) {
            room = refreshProducerLimit() - p;
        }
        int k = (int) Math.min(room, n);
        if (k <= 0) {
            return 0;
        }
        for (int i = 0; i < k; i++) {
            slots[(int) (p + i) & mask] = src[off + i];
        }
        // Release: publishes all k slot writes at once (pairs with the consumer's getAcquire).
        PRODUCER_INDEX.setRelease(this, p + k);
        return k;
    }

    /** Producer only: re-reads the consumer index; returns and caches the new limit. */
    private long refreshProducerLimit() {
        // Acquire: pairs with the consumer's setRelease of consumerIndex, so its reads of the slots it
        // freed happen-before our overwriting them.
        long limit = (long) CONSUMER_INDEX.getAcquire(this) + slots.length;
        if (limit != producerLimit) {
            producerLimit = limit; // only on change: a store to this shared line while full would bounce it
        }
        return limit;
    }

    @Override
    public long poll() {
        long c = (long) CONSUMER_INDEX.getOpaque(this); // own field
        if (c >= producerIndexCache && c >= refreshProducerIndexCache()) {
            return EMPTY;
        }
        long v = slots[(int) c & mask];
        // Release: tells the producer the slot is free; orders our read of it before its next write there.
        CONSUMER_INDEX.setRelease(this, c + 1);
        return v;
    }

    @Override
    public int drain(long[] dst, int off, int max) {
        
        long c = (long) CONSUMER_INDEX.getOpaque(this);
        long avail = producerIndexCache - c;
        if (avail < max) {
            avail = refreshProducerIndexCache() - c;
        }
        int k = (int) Math.min(avail, max);
        if (k <= 0) {
            return 0;
        }
        for (int i = 0; i < k; i++) {
            dst[off + i] = slots[(int) (c + i) & mask];
        }
        // Release: frees the k slots at once (pairs with the producer's getAcquire of consumerIndex).
        CONSUMER_INDEX.setRelease(this, c + k);
        return k;
    }

    /** Consumer only: re-reads the producer index; returns and caches it. */
    private long refreshProducerIndexCache() {
        // Acquire: pairs with the producer's setRelease, so the slots below it are seen written.
        long p = (long) PRODUCER_INDEX.getAcquire(this);
        if (p != producerIndexCache) {
            producerIndexCache = p; // only on change: polling an empty ring then writes nothing
        }
        return p;
    }

    @Override
    public int size() {
        return (int) ((long) PRODUCER_INDEX.getAcquire(this) - (long) CONSUMER_INDEX.getAcquire(this));
    }

    @Override
    public int capacity() {
        return slots.length;
    }

    @Override
    public String toString() {
        return "PaddedSpscLongRing[size=" + size() + ", capacity=" + slots.length + "]";
    }
}
