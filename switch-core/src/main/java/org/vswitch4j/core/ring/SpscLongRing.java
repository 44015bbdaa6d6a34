package org.vswitch4j.core.ring;

import static org.vswitch4j.core.ring.Rings.CONSUMER_INDEX;
import static org.vswitch4j.core.ring.Rings.PRODUCER_INDEX;
import static org.vswitch4j.core.ring.Rings.SLOT;

import java.util.Arrays;

/**
 * A {@link LongRing} for exactly one producer thread and one consumer thread.
 *
 * <p>Shape: a power-of-two {@code long[]} of slots; a free slot holds {@link #EMPTY} ({@code -1}, never a
 * legal value). The producer writes a value into the slot at its index with a release store; the consumer
 * reads the slot at its index with an acquire load, takes the value unless it is {@code EMPTY}, and frees the
 * slot with a release store of {@code EMPTY}. So neither side reads the other's index: the consumer learns
 * that a value is there from the slot itself, and the producer learns that slots are free by looking
 * {@code lookAheadStep} slots ahead (a quarter of the ring, at most 4096) and, when that one is free, writes
 * the whole run below it without looking again. In steady state the only lines both threads touch are the
 * slots being handed over; each side's index sits on its own padded line (see {@code Rings}) and is read by
 * the other side only in {@link #size()}.
 *
 * <p>Thread-safety: {@code offer} from one thread at a time (the producer), {@code poll}/{@code drain} from
 * one thread at a time (the consumer); the two may run concurrently. A change of producer or consumer thread
 * needs its own happens-before edge (for example a lock or {@code Thread.start}). {@code size} and
 * {@code capacity} may be called from any thread. Memory-consistency: actions of the producer before
 * {@code offer(v)} happen-before actions of the consumer after the {@code poll} or {@code drain} that
 * returns {@code v}.
 *
 * <p>Implementation note (invariants). The consumer takes indices in order, so at any moment the free slots
 * are exactly those of indices {@code producerIndex .. consumerIndex + capacity - 1}: a contiguous run from
 * the producer's position. The slot of index {@code i} is free when it holds {@code EMPTY}; for
 * {@code 0 <= j < capacity} the last index the producer wrote at the position of {@code p + j} is
 * {@code p + j - capacity}, so seeing that slot {@code EMPTY} (acquire, pairing with the consumer's release
 * that freed it, which follows its reads of every earlier slot) proves indices {@code p .. p + j} free.
 * Linearization point of an offer: the slot store; of a poll: the slot load that sees the value.
 *
 * <p>Padding, measured with {@code RingPairBenchmark} (one producer, one consumer, two cores): this slot-only
 * hand-off without the padded layers polled about as slowly as the old index-reading ring (38 values/us,
 * JCTools about 130-180), because both indices and the fields both sides read shared one line; with them it
 * polls at JCTools' rate or above (figures in the commit that added them).
 */
public final class SpscLongRing extends Rings.PaddedIndices implements LongRing {
    /** Largest look-ahead, as JCTools: a step past this buys nothing and reads a far line. */
    private static final int MAX_LOOK_AHEAD = 4096;

    private final long[] slots;
    private final int mask;
    // How far ahead the producer checks that a slot is free before writing the run below it; 0 for
    // capacities below 4 (then every offer checks its own slot).
    private final int lookAheadStep;

    // Inherited fields and their access:
    // producerIndex: the producer's next index; written by the producer only (setOpaque), read by the
    //   producer (getOpaque) and by size() (getAcquire).
    // producerLimit: producer-private (plain): indices below it are known free.
    // consumerIndex: the consumer's next index; written by the consumer only (setOpaque), read by the
    //   consumer (getOpaque) and by size() (getAcquire).

    /** A ring of {@code capacity} slots: a power of two in 1..2^30. */
    public SpscLongRing(int capacity) {
        this.slots = new long[Rings.checkCapacity(capacity)];
        this.mask = capacity - 1;
        this.lookAheadStep = Math.min(capacity / 4, MAX_LOOK_AHEAD);
        // The EMPTY slots are covered by the final field 'slots' however the ring is published.
        Arrays.fill(slots, EMPTY);
        // All slots are free. A producer that sees this plain limit as 0 (racy publication) merely looks.
        this.producerLimit = capacity;
    }

    @Override
    public boolean offer(long value) {
        Rings.checkValue(value);
        long p = (long) PRODUCER_INDEX.getOpaque(this); // own field: only this thread writes it
        if (p >= producerLimit && !lookAhead(p)) {
            return false;
        }
        // Release: publishes the value, and everything the producer did before offering it, to the
        // consumer's getAcquire of this slot. This store is what makes the slot non-EMPTY.
        SLOT.setRelease(slots, (int) p & mask, value);
        // Opaque: only size() reads the index, and it orders nothing.
        PRODUCER_INDEX.setOpaque(this, p + 1);
        return true;
    }

    /**
     * Producer only, at or past its limit: true if index {@code p} is free (raising the limit when the slot
     * {@code lookAheadStep} ahead is free too).
     */
    private boolean lookAhead(long p) {
        int step = lookAheadStep;
        // Acquire (both loads): pairs with the consumer's setRelease of EMPTY into that slot, which follows
        // its reads of every earlier slot; so the slots below are free and the consumer is done reading them.
        if (step > 0 && (long) SLOT.getAcquire(slots, (int) (p + step) & mask) == EMPTY) {
            producerLimit = p + step;
            return true;
        }
        return (long) SLOT.getAcquire(slots, (int) p & mask) == EMPTY;
    }

    @Override
    public int offer(long[] src, int off, int n) {
        Rings.checkValues(src, off, n);
        long p = (long) PRODUCER_INDEX.getOpaque(this);
        int k = p + n <= producerLimit ? n : freeRun(p, n);
        for (int i = 0; i < k; i++) {
            // Release, per slot: the consumer checks each slot on its own, so each is published on its own.
            SLOT.setRelease(slots, (int) (p + i) & mask, src[off + i]);
        }
        if (k > 0) {
            PRODUCER_INDEX.setOpaque(this, p + k); // opaque: for size() only
        }
        return k;
    }

    /**
     * Producer only: how many of the {@code n > 0} indices from {@code p} are free (the free slots are one
     * run from {@code p}, so a binary search over "is slot {@code p + j} EMPTY" finds its length); raises the
     * limit to what it saw. The consumer may free more meanwhile, which only makes the answer conservative.
     */
    private int freeRun(long p, int n) {
        if (n <= lookAheadStep && lookAhead(p)) {
            if (p + n <= producerLimit) {
                return n;
            }
        }
        int m = Math.min(n, slots.length);
        // lo is a count known free, hi one known not free (or m + 1 sentinel); each probe is an acquire
        // load pairing with the consumer's release of EMPTY, as in lookAhead.
        int lo = 0;
        int hi = m + 1;
        if ((long) SLOT.getAcquire(slots, (int) (p + m - 1) & mask) == EMPTY) {
            lo = m;
        } else {
            hi = m;
        }
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if ((long) SLOT.getAcquire(slots, (int) (p + mid - 1) & mask) == EMPTY) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        if (p + lo > producerLimit) {
            producerLimit = p + lo;
        }
        return lo;
    }

    @Override
    public long poll() {
        long c = (long) CONSUMER_INDEX.getOpaque(this); // own field: only this thread writes it
        int s = (int) c & mask;
        // Acquire: pairs with the producer's setRelease of this slot, so the value and everything the
        // producer did before offering it are visible. EMPTY means nothing offered yet.
        long v = (long) SLOT.getAcquire(slots, s);
        if (v == EMPTY) {
            return EMPTY;
        }
        // Release: frees the slot; orders our reads of it and of every earlier slot before the producer's
        // next writes there (pairs with the producer's look-ahead getAcquire).
        SLOT.setRelease(slots, s, EMPTY);
        CONSUMER_INDEX.setOpaque(this, c + 1); // opaque: for size() only
        return v;
    }

    @Override
    public int drain(long[] dst, int off, int max) {
        Rings.checkRange(dst, off, max);
        long c = (long) CONSUMER_INDEX.getOpaque(this);
        int k = 0;
        // Each slot is freed before the next is read, so past a full lap the loop meets its own EMPTY.
        while (k < max) {
            int s = (int) (c + k) & mask;
            long v = (long) SLOT.getAcquire(slots, s); // pairs with the producer's slot setRelease
            if (v == EMPTY) {
                break;
            }
            dst[off + k] = v;
            SLOT.setRelease(slots, s, EMPTY); // release: as in poll, pairs with the producer's look-ahead
            k++;
        }
        if (k > 0) {
            CONSUMER_INDEX.setOpaque(this, c + k); // opaque: for size() only
        }
        return k;
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
