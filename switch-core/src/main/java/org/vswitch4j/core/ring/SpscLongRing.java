package org.vswitch4j.core.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A {@link LongRing} for exactly one producer thread and one consumer thread.
 *
 * <p>Shape: a power-of-two {@code long[]} indexed by two ever-growing {@code long} counters, the producer
 * index (next slot to write) and the consumer index (next slot to read). Each side publishes its own index
 * with a release store and reads the other side's with an acquire load, but only when its cached copy says
 * the ring looks full (producer) or empty (consumer); in steady state an operation touches no line the other
 * side writes except the slot itself. Batch operations move up to {@code n} values with one index store.
 *
 * <p>Thread-safety: {@code offer} from one thread at a time (the producer), {@code poll}/{@code drain} from
 * one thread at a time (the consumer); the two may run concurrently. A change of producer or consumer thread
 * needs its own happens-before edge (for example a lock or {@code Thread.start}). {@code size} and
 * {@code capacity} may be called from any thread. Memory-consistency: actions of the producer before
 * {@code offer(v)} happen-before actions of the consumer after the {@code poll} that returns {@code v}.
 *
 * <p>Not padded: the producer's fields ({@code producerIndex}, {@code producerLimit}) and the consumer's
 * ({@code consumerIndex}, {@code producerIndexCache}) share the object's cache lines, so when the two threads
 * run at once each index store may pull the line from the other core. A padded copy was measured beside this
 * class once (on a loaded 2-core machine both ranged from under 1 to about 45 million values/s from run to
 * run, so no false sharing was shown either way) and removed; pad when a run on quiet cores shows it.
 */
public final class SpscLongRing implements LongRing {
    private static final VarHandle PRODUCER_INDEX;
    private static final VarHandle CONSUMER_INDEX;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PRODUCER_INDEX = l.findVarHandle(SpscLongRing.class, "producerIndex", long.class);
            CONSUMER_INDEX = l.findVarHandle(SpscLongRing.class, "consumerIndex", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] slots;
    private final int mask;

    // Written by the producer only: next index to write, through PRODUCER_INDEX only.
    private long producerIndex;
    // Producer-private (plain): consumerIndex + capacity as last read; offers below it need no read of the
    // consumer's index.
    private long producerLimit;

    // Written by the consumer only: next index to read, through CONSUMER_INDEX only.
    private long consumerIndex;
    // Consumer-private (plain): producerIndex as last read; polls below it need no read of the producer's index.
    private long producerIndexCache;

    /** A ring of {@code capacity} slots: a power of two in 1..2^30. */
    public SpscLongRing(int capacity) {
        this.slots = new long[Rings.checkCapacity(capacity)];
        this.mask = capacity - 1;
        this.producerLimit = capacity;
    }

    @Override
    public boolean offer(long value) {
        Rings.checkValue(value);
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
        Rings.checkValues(src, off, n);
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
        Rings.checkRange(dst, off, max);
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
        return Rings.size(this, PRODUCER_INDEX, CONSUMER_INDEX, slots.length);
    }

    @Override
    public int capacity() {
        return slots.length;
    }

    @Override
    public String toString() {
        return "SpscLongRing[size=" + size() + ", capacity=" + slots.length + "]";
    }
}
