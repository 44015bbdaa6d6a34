package org.vswitch4j.core.ring;

import static org.vswitch4j.core.ring.Rings.CONSUMER_INDEX;
import static org.vswitch4j.core.ring.Rings.PRODUCER_INDEX;
import static org.vswitch4j.core.ring.Rings.PRODUCER_LIMIT;
import static org.vswitch4j.core.ring.Rings.SLOT;

import java.util.Arrays;

/**
 * A {@link LongRing} for any number of producer threads and one consumer thread.
 *
 * <p>Shape: a power-of-two {@code long[]} of slots, a shared producer index claimed with
 * {@code compareAndSet}, and a consumer index written by the consumer alone. A free slot holds
 * {@link #EMPTY} ({@code -1}, never a legal value). A producer claims one or more consecutive slots by moving
 * the producer index forward, then writes each claimed slot with a release store; the consumer reads the
 * slot at its index with an acquire load and takes it only when it is no longer {@code EMPTY}, so it never
 * reads a claimed-but-unwritten slot and never needs to read the producer index at all. Producers share a
 * cached limit ({@code consumerIndex + capacity} as last seen) and read the consumer index only when a claim
 * would pass it, as JCTools' {@code producerLimit} does.
 *
 * <p>Relaxed emptiness: when a producer has claimed the oldest slot but not written it yet (it is between
 * its {@code compareAndSet} and its slot store, perhaps descheduled), {@link #poll()} returns {@link #EMPTY}
 * and {@link #drain} stops there, even if later slots are written; the values appear on a later call. The
 * consumer never spins on a producer. Per producer, values come out in the order it offered them.
 *
 * <p>Thread-safety: {@code offer} from any threads concurrently; {@code poll}/{@code drain} from one thread
 * at a time (the consumer; a change of consumer thread needs its own happens-before edge). {@code size} and
 * {@code capacity} from any thread. Memory-consistency: actions of a producer before {@code offer(v)}
 * happen-before actions of the consumer after the {@code poll} or {@code drain} that returns {@code v}.
 *
 * <p>Implementation note (invariants). For every slot {@code s} and lap: the slot is {@code EMPTY} from the
 * moment the consumer resets it until the producer that claimed index {@code i} (with {@code i & mask == s})
 * writes it; a producer may claim {@code i} only if {@code i < consumerIndex + capacity} as read by an
 * acquire that follows the consumer's reset of slot {@code i - capacity}. Linearization point of an offer:
 * the slot store; of a poll: the slot load that sees the value.
 *
 * <p>Padded (see {@code Rings}): the producers' {@code producerIndex}/{@code producerLimit}, the consumer's
 * {@code consumerIndex} and the fields both only read sit on separate lines. Unpadded, each poll's index
 * store pulled the line the producer CASes and every operation's read of {@code slots}/{@code mask} missed;
 * {@code RingPairBenchmark} (one producer, one consumer, two cores) showed the padded ring several times
 * faster (figures in the commit that added the padding).
 */
public final class MpscLongRing extends Rings.PaddedIndices implements LongRing {
    private final long[] slots;
    private final int mask;

    // Inherited fields and their access:
    // producerIndex: next index to claim; written by producers (compareAndSet), read by them (getAcquire)
    //   and by size() (getAcquire).
    // producerLimit: consumerIndex + capacity as some producer last read it, never above the truth;
    //   through PRODUCER_LIMIT (and the constructor). On the producers' line: they read it beside the CAS.
    // consumerIndex: next index to take; written by the consumer only (setRelease), read by the consumer
    //   (getOpaque), by producers past their limit and by size() (getAcquire).

    /** A ring of {@code capacity} slots: a power of two in 1..2^30. */
    public MpscLongRing(int capacity) {
        this.slots = new long[Rings.checkCapacity(capacity)];
        this.mask = capacity - 1;
        Arrays.fill(slots, EMPTY);
        // The EMPTY slots are covered by the final field 'slots' however the ring is published. A thread
        // that sees this plain limit as 0 (racy publication) merely re-reads the consumer index.
        this.producerLimit = capacity;
    }

    @Override
    public boolean offer(long value) {
        Rings.checkValue(value);
        // Acquire: pairs with the setRelease in refreshProducerLimit, extending the chain from the
        // consumer's release of consumerIndex (its reset of the slots below the limit) to our slot store.
        long limit = (long) PRODUCER_LIMIT.getAcquire(this);
        long p;
        do {
            p = (long) PRODUCER_INDEX.getAcquire(this); // a guess for the CAS, which validates it
            if (p >= limit) {
                limit = refreshProducerLimit();
                if (p >= limit) {
                    return false;
                }
            }
        } while (!PRODUCER_INDEX.compareAndSet(this, p, p + 1));
        // Release: publishes the value, and everything this producer did before offering it, to the
        // consumer's getAcquire of the slot. This store is what makes the claimed slot non-EMPTY.
        SLOT.setRelease(slots, (int) p & mask, value);
        return true;
    }

    @Override
    public int offer(long[] src, int off, int n) {
        Rings.checkValues(src, off, n); // before claiming: a claimed slot must be written with a legal value
        if (n == 0) {
            return 0;
        }
        long limit = (long) PRODUCER_LIMIT.getAcquire(this); // pairs with refreshProducerLimit's release
        long p;
        int k;
        do {
            p = (long) PRODUCER_INDEX.getAcquire(this); // a guess for the CAS
            long room = limit - p;
            if (room < n) {
                limit = refreshProducerLimit();
                room = limit - p;
                if (room <= 0) {
                    return 0;
                }
            }
            k = (int) Math.min(room, n);
        } while (!PRODUCER_INDEX.compareAndSet(this, p, p + k));
        for (int i = 0; i < k; i++) {
            // Release, per slot: the consumer checks each slot on its own, so each is published on its own.
            SLOT.setRelease(slots, (int) (p + i) & mask, src[off + i]);
        }
        return k;
    }

    /** Re-reads the consumer index and shares the new limit with the other producers. */
    private long refreshProducerLimit() {
        // Acquire: pairs with the consumer's setRelease of consumerIndex, so its resets of the slots it
        // freed happen-before any producer's write to them.
        long limit = (long) CONSUMER_INDEX.getAcquire(this) + slots.length;
        // Release: hands that edge on to producers that acquire the limit. Benign race: a slower producer
        // may overwrite a newer limit with an older, smaller one; that costs another re-read, never a
        // claim past the consumer.
        if (limit != (long) PRODUCER_LIMIT.getOpaque(this)) {
            PRODUCER_LIMIT.setRelease(this, limit); // only on change: offers into a full ring then write nothing
        }
        return limit;
    }

    @Override
    public long poll() {
        long c = (long) CONSUMER_INDEX.getOpaque(this); // own field: only this thread writes it
        int s = (int) c & mask;
        // Acquire: pairs with the producer's setRelease of this slot, so the value and everything the
        // producer did before offering it are visible. EMPTY means free or claimed-but-unwritten.
        long v = (long) SLOT.getAcquire(slots, s);
        if (v == EMPTY) {
            return EMPTY;
        }
        // Plain: ordered before the release below, which is what a producer acquires before reusing the slot.
        slots[s] = EMPTY;
        // Release: frees the slot (publishes the reset above) to producers' getAcquire of consumerIndex.
        CONSUMER_INDEX.setRelease(this, c + 1);
        return v;
    }

    @Override
    public int drain(long[] dst, int off, int max) {
        Rings.checkRange(dst, off, max);
        long c = (long) CONSUMER_INDEX.getOpaque(this);
        int k = 0;
        while (k < max) {
            int s = (int) (c + k) & mask;
            long v = (long) SLOT.getAcquire(slots, s); // pairs with the producer's slot setRelease
            if (v == EMPTY) {
                break;
            }
            dst[off + k] = v;
            slots[s] = EMPTY; // plain: published by the release below
            k++;
        }
        if (k > 0) {
            // Release: frees the k slots at once (pairs with producers' getAcquire of consumerIndex).
            CONSUMER_INDEX.setRelease(this, c + k);
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
        return "MpscLongRing[size=" + size() + ", capacity=" + slots.length + "]";
    }
}
