package org.vswitch4j.io.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One AF_XDP ring (fill, completion, rx or tx) mapped from the socket: a producer index, a consumer index, a
 * flags word and {@code size} entries (a power of two), shared with the kernel. The protocol is the one
 * {@code <xdp/xsk.h>} implements in static inline functions, here in Java:
 * <ul>
 * <li>Each side keeps a cached copy of the other side's index and re-reads it (with acquire) only when the
 * cache says the ring is full (producer) or empty (consumer).</li>
 * <li>A producer writes entries, then publishes its index with a release store, so the kernel sees the
 * entries before the index; a consumer reads the producer's index with acquire, reads the entries, then
 * publishes its own index with release, so the kernel never overwrites an entry still being read.</li>
 * <li>Indices are free-running u32 counters; an entry's slot is {@code index & mask}.</li>
 * </ul>
 *
 * <p>Thread-safety: one thread at a time per ring (the socket's rx thread for fill and rx, the holder of the
 * tx lock for tx and completion).
 */
@SuppressWarnings("restricted") // the ring mapping is ours: reinterpret gives it its size
final class XskRing {
    static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();
    static final int NEED_WAKEUP = 1;

    final MemorySegment map;
    final long mapAddress;
    final long mapSize;
    private final long producer;
    private final long consumer;
    private final long flags;
    private final long desc;
    private final int entrySize;
    final int size;
    private final int mask;
    /** Our producer index (producer rings) or the kernel's, last read (consumer rings). */
    int cachedProd;
    /** The kernel's consumer index plus size (producer rings) or ours (consumer rings). */
    int cachedCons;

    XskRing(long mapAddress, long mapSize, long producer, long consumer, long flags, long desc, int size,
            int entrySize, boolean producerRing) {
        this.mapAddress = mapAddress;
        this.mapSize = mapSize;
        this.map = MemorySegment.ofAddress(mapAddress).reinterpret(mapSize);
        this.producer = producer;
        this.consumer = consumer;
        this.flags = flags;
        this.desc = desc;
        this.size = size;
        this.mask = size - 1;
        this.entrySize = entrySize;
        int p = (int) U32.getAcquire(map, producer);
        int c = (int) U32.getAcquire(map, consumer);
        this.cachedProd = p;
        this.cachedCons = producerRing ? c + size : c;
    }

    // ---- producer side (fill, tx) ------------------------------------------------------------------

    /** Free entries, up to {@code want}; re-reads the kernel's consumer index only when short. */
    int free(int want) {
        int f = cachedCons - cachedProd;
        if (f < want) {
            cachedCons = (int) U32.getAcquire(map, consumer) + size; // pairs with the kernel's release of it
            f = cachedCons - cachedProd;
        }
        return Math.min(f, want);
    }

    /** Entries produced and not yet consumed by the kernel (re-reads its index). */
    int pending() {
        return cachedProd - (int) U32.getAcquire(map, consumer);
    }

    /** Publishes {@code n} entries written at cachedProd..cachedProd+n. */
    void submit(int n) {
        cachedProd += n;
        U32.setRelease(map, producer, cachedProd); // entries before index
    }

    // ---- consumer side (rx, completion) ------------------------------------------------------------

    /**
     * Entries ready, up to {@code max}; re-reads the kernel's producer index when the cached count is short of
     * {@code max}. ({@code <xdp/xsk.h>} re-reads only when the cache is empty, so a burst taken right after a
     * stale read stays short although the kernel has produced more: on the rx ring every short burst is one
     * more {@code sendto} kick downstream. One acquire load per burst is cheaper than that.)
     */
    int available(int max) {
        int a = cachedProd - cachedCons;
        if (a < max) {
            cachedProd = (int) U32.getAcquire(map, producer); // pairs with the kernel's release: entries visible
            a = cachedProd - cachedCons;
        }
        return Math.min(a, max);
    }

    /**
     * Whether the kernel has produced entries this side has not consumed, as a hint for a thread that does not
     * own the ring: it reads but never writes the cached indices. (A non-owner that refreshed the cache could
     * store an older producer index over a newer one; the owner would then compute a negative count, move its
     * consumer index backwards and consume entries twice: frames freed twice.)
     */
    boolean peekAvailable() {
        return (int) U32.getAcquire(map, producer) != cachedCons;
    }

    /** Gives {@code n} consumed entries back. */
    void release(int n) {
        cachedCons += n;
        U32.setRelease(map, consumer, cachedCons); // our reads of the entries happen before the kernel reuses them
    }

    // ---- entries -------------------------------------------------------------------------------------

    /** Offset in {@link #map} of the entry with index {@code i}. */
    long entry(int i) {
        return desc + (long) (i & mask) * entrySize;
    }

    /** Whether the kernel asks for a syscall to go on (XDP_RING_NEED_WAKEUP). */
    boolean needsWakeup() {
        return ((int) U32.getOpaque(map, flags) & NEED_WAKEUP) != 0;
    }
}
