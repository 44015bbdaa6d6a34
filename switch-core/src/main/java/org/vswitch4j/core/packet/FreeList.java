package org.vswitch4j.core.packet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The buffer pool's shared free list: a bounded lock-free multi-producer multi-consumer ring of buffer
 * indices that moves up to {@link BufferPool#CACHE_BULK} indices per claim.
 *
 * <p>Shape (the per-slot sequence scheme of Dmitry Vyukov's bounded MPMC queue, extended to runs): two
 * ever-growing positions, {@code tail} (next position to fill) and {@code head} (next to empty), each
 * claimed with {@code compareAndSet}; each slot carries a sequence saying which position and state it is
 * in. For position {@code p} in slot {@code p & mask}: {@code seq == p} means free for a producer of
 * {@code p}; {@code seq == p + 1} means filled, ready for a consumer of {@code p}; a consumer that took it
 * sets {@code seq = p + capacity}, free for the next lap. A claimer first checks that the run of slots it
 * wants is in the state it needs, then moves its position over the whole run with one CAS: the run becomes
 * its own (no one else can claim positions the position has passed), so a run of 32 costs one CAS and one
 * contended line rather than 32. A claimer never waits for another thread: a slot that is not ready ends
 * the run (and, if it is the first, the call returns 0).
 *
 * <p>Why not a Treiber stack: a stack of indices needs an ABA tag and a linked {@code next} per index, pops
 * one element per CAS, and every thread hammers the single head; the ring spreads producers and consumers
 * over two positions and moves a run per CAS, and bulk moves are what the per-thread caches do.
 *
 * <p>Capacity is a power of two at least the number of buffers, so it can hold every index at once; a
 * {@code push} of an index that is not in the list can fail only for a moment (a consumer has claimed the
 * slot a lap earlier and not yet marked it free). A {@code pop} can likewise return 0 for a moment while
 * a producer is between its claim and its stores.
 *
 * <p>Thread-safety: every method from any thread. Memory-consistency: a producer's stores of the indices
 * happen-before a consumer's reads of them (release/acquire on the slot sequence).
 */
final class FreeList {
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle SEQ = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(FreeList.class, "head", long.class);
            TAIL = l.findVarHandle(FreeList.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int[] values;
    private final long[] seqs;
    private final int mask;
    private final int capacity;

    // Claimed by consumers (compareAndSet); accessed through HEAD only.
    private long head;
    // Claimed by producers (compareAndSet); accessed through TAIL only.
    private long tail;

    /** An empty list able to hold {@code atLeast} indices (rounded up to a power of two). */
    FreeList(int atLeast) {
        int cap = atLeast <= 1 ? 1 : Integer.highestOneBit(atLeast - 1) << 1;
        this.capacity = cap;
        this.mask = cap - 1;
        this.values = new int[cap];
        this.seqs = new long[cap];
        for (int i = 0; i < cap; i++) {
            seqs[i] = i; // free for position i; published with the list by the final field
        }
    }

    int capacity() {
        return capacity;
    }

    /** Adds up to {@code n} indices from {@code src[off..)}; returns how many (0 only transiently or if full). */
    int push(int[] src, int off, int n) {
        while (true) {
            long t = (long) TAIL.getAcquire(this); // a guess for the CAS, which validates it
            int k = 0;
            while (k < n) {
                // Acquire: pairs with the consumer's setRelease that freed the slot, so its read of the old
                // value happens-before our store of the new one.
                long s = (long) SEQ.getAcquire(seqs, (int) (t + k) & mask);
                if (s != t + k) {
                    break;
                }
                k++;
            }
            if (k == 0) {
                long s = (long) SEQ.getAcquire(seqs, (int) t & mask);
                if (s < t) {
                    return 0; // full (or its last consumer has not marked it free yet)
                }
                continue; // s > t: another producer claimed t; re-read the tail
            }
            if (TAIL.compareAndSet(this, t, t + k)) {
                for (int i = 0; i < k; i++) {
                    int slot = (int) (t + i) & mask;
                    values[slot] = src[off + i];
                    // Release: publishes the value to the consumer's getAcquire of the sequence.
                    SEQ.setRelease(seqs, slot, t + i + 1);
                }
                return k;
            }
        }
    }

    /** Adds one index; false only transiently or if full. */
    boolean push(int value) {
        while (true) {
            long t = (long) TAIL.getAcquire(this);
            int slot = (int) t & mask;
            long s = (long) SEQ.getAcquire(seqs, slot); // pairs with the consumer's release that freed it
            if (s == t) {
                if (TAIL.compareAndSet(this, t, t + 1)) {
                    values[slot] = value;
                    SEQ.setRelease(seqs, slot, t + 1); // publishes the value
                    return true;
                }
            } else if (s < t) {
                return false;
            }
        }
    }

    /** Removes up to {@code n} indices into {@code dst[off..)}; returns how many (0 when empty, or transiently). */
    int pop(int[] dst, int off, int n) {
        while (true) {
            long h = (long) HEAD.getAcquire(this); // a guess for the CAS
            int k = 0;
            while (k < n) {
                // Acquire: pairs with the producer's setRelease of the sequence, so its value is visible.
                long s = (long) SEQ.getAcquire(seqs, (int) (h + k) & mask);
                if (s != h + k + 1) {
                    break;
                }
                k++;
            }
            if (k == 0) {
                long s = (long) SEQ.getAcquire(seqs, (int) h & mask);
                if (s < h + 1) {
                    return 0; // empty, or the producer of h has claimed but not yet published
                }
                continue; // another consumer took h
            }
            if (HEAD.compareAndSet(this, h, h + k)) {
                for (int i = 0; i < k; i++) {
                    int slot = (int) (h + i) & mask;
                    dst[off + i] = values[slot];
                    // Release: frees the slot for the next lap; orders our read before the next producer's store.
                    SEQ.setRelease(seqs, slot, h + i + capacity);
                }
                return k;
            }
        }
    }

    /** Removes one index, or returns -1 when empty (or transiently). */
    int pop() {
        while (true) {
            long h = (long) HEAD.getAcquire(this);
            int slot = (int) h & mask;
            long s = (long) SEQ.getAcquire(seqs, slot); // pairs with the producer's release
            if (s == h + 1) {
                if (HEAD.compareAndSet(this, h, h + 1)) {
                    int v = values[slot];
                    SEQ.setRelease(seqs, slot, h + capacity); // frees the slot for the next lap
                    return v;
                }
            } else if (s < h + 1) {
                return -1;
            }
        }
    }

    /** Indices in the list, counting runs being moved; approximate while others operate. */
    int size() {
        long h = (long) HEAD.getAcquire(this);
        while (true) {
            long before = h;
            long t = (long) TAIL.getAcquire(this);
            h = (long) HEAD.getAcquire(this);
            if (h == before) {
                return (int) Math.max(0, Math.min(capacity, t - h));
            }
        }
    }
}
