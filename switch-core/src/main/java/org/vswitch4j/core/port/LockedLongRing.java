package org.vswitch4j.core.port;

import org.vswitch4j.core.ring.LongRing;

/**
 * Stand-in multi-producer ring used until the lock-free {@code MpscLongRing} is available; a monitor guards
 * a plain array. Correct under any number of producers and consumers, not fast.
 */
final class LockedLongRing implements LongRing {
    private final long[] slots;
    private final int mask;
    private long head; // next to poll
    private long tail; // next to fill

    LockedLongRing(int capacity) {
        slots = new long[capacity];
        mask = capacity - 1;
    }

    @Override
    public synchronized boolean offer(long value) {
        if (tail - head == slots.length) {
            return false;
        }
        slots[(int) (tail++ & mask)] = value;
        return true;
    }

    @Override
    public synchronized int offer(long[] src, int off, int n) {
        int k = (int) Math.min(n, slots.length - (tail - head));
        for (int i = 0; i < k; i++) {
            slots[(int) (tail++ & mask)] = src[off + i];
        }
        return k;
    }

    @Override
    public synchronized long poll() {
        return head == tail ? EMPTY : slots[(int) (head++ & mask)];
    }

    @Override
    public synchronized int drain(long[] dst, int off, int max) {
        int k = (int) Math.min(max, tail - head);
        for (int i = 0; i < k; i++) {
            dst[off + i] = slots[(int) (head++ & mask)];
        }
        return k;
    }

    @Override
    public synchronized int size() {
        return (int) (tail - head);
    }

    @Override
    public int capacity() {
        return slots.length;
    }
}
