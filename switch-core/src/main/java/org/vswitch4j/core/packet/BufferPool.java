package org.vswitch4j.core.packet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The core's packet memory: {@code count} fixed-size buffers in one off-heap segment, each with headroom
 * for headers pushed later. A handle is a buffer's index; buffer {@code h} starts at
 * {@code h * stride} in {@link #region()}, where the stride is the buffer size (a multiple of 64) made an odd number
 * of 64-byte cache lines.
 *
 * <p>Why an odd number of lines: with a power-of-two stride (2048 bytes) every frame's first line falls into
 * the same two of the 64 sets of an L1 data cache (address bits 6-11 repeat), so only 16 frames' headers can
 * be cached at once, and the datapath's header reads and a port's header writes miss L1 for nearly every
 * packet. An odd number of lines walks consecutive buffers through all the sets (DPDK's mempool spreads its
 * objects for the same reason). The cost is one line per buffer (3 % of 2 KB).
 *
 * <p>Shape: a lock-free shared free list of indices (a multi-producer multi-consumer ring that moves a run of
 * up to {@value #CACHE_BULK} indices per compare-and-set, see {@code FreeList}) and, in pools of at least
 * {@value #CACHE_THRESHOLD} buffers, a cache of up to {@value #CACHE_MAX} indices per thread. A thread
 * allocates from and releases into its own cache; an empty cache takes {@value #CACHE_BULK} indices from
 * the shared list at once and a full one gives back its {@value #CACHE_BULK} oldest at once (keeping the
 * recently released, cache-warm buffers), so the shared list is touched about once per
 * {@value #CACHE_BULK} operations. Small pools go to the shared list on every operation instead, because
 * per-thread caches would strand a large share of their buffers (a thread holds up to {@value #CACHE_MAX}).
 *
 * <p>Finding the thread's cache is on the hot path. The pool remembers one "preferred" cache in a plain
 * field and checks its owner against {@code Thread.currentThread()} (an intrinsic: one load and a compare)
 * before falling back to a {@code ThreadLocal} lookup (a hash probe, a few nanoseconds). The preferred cache
 * is that of the first thread that used the pool, or of the thread that called
 * {@link #preferCurrentThread()} (a poll thread does, at start), and changes only then or when its owner has
 * died: threads never take it from each other per operation, which would bounce its cache line. Caches of
 * threads that have died are returned to the shared list when a new thread registers or when the shared
 * list runs dry.
 *
 * <p>Costs of the per-thread caches: {@link #allocate()} may return {@code -1} while other threads' caches
 * still hold free buffers (at most {@value #CACHE_MAX} per live thread); {@link #flushThreadCache()} hands
 * a thread's cache back (call it before a thread idles for long or ends). {@link #freeCount()} sums the
 * shared list and every cache, exact when the pool is quiescent. The shared list is lock-free but not
 * wait-free for its readers: if a releasing thread is descheduled between claiming slots and filling them,
 * allocations wait for it a few microseconds and then return {@code -1} (a drop, counted by the caller),
 * even though later slots may hold free buffers.
 *
 * <p>Strict mode ({@link Builder#strict(boolean)}) keeps a state per buffer (never allocated, allocated,
 * released) updated atomically, throws {@link IllegalStateException} naming the handle on a double release or
 * on releasing a handle never allocated, and lists the buffers still in use with {@link #leakCheck()} and
 * {@link #assertNoLeaks()}. Tests run with it on.
 *
 * <p>Memory: one segment from a shared {@link Arena}, aligned to 2 MB when the pool is 2 MB or more, so that
 * transparent huge pages can back it where the kernel's THP mode is {@code always}. Asking for them
 * explicitly ({@code madvise(MADV_HUGEPAGE)}) or mapping hugetlbfs needs restricted FFM calls and is left to
 * the I/O modules.
 *
 * <p>Thread-safety: every method may be called from any thread; a given handle is owned by one thread at a
 * time (see {@link PacketMemory}). Memory-consistency: a release of a buffer happens-before the allocation
 * that returns the same handle (through the free list's release/acquire, or program order within a
 * thread's cache), so the next owner never races with the last one's writes.
 */
public final class BufferPool implements PacketMemory, AutoCloseable {
    /** Indices moved between a thread's cache and the shared free list at once. */
    static final int CACHE_BULK = 32;
    /** Most indices a thread's cache holds. */
    static final int CACHE_MAX = 2 * CACHE_BULK;
    /** Pools of at least this many buffers get per-thread caches unless {@link Builder#threadCaches} says no. */
    static final int CACHE_THRESHOLD = 1024;
    /** Alignment that lets transparent huge pages back the region. */
    static final long HUGE_PAGE = 2L << 20;

    private static final VarHandle STATE = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int NEVER_ALLOCATED = 0;
    private static final int ALLOCATED = 1;
    private static final int RELEASED = 2;
    /**
     * Times an allocation re-tries a shared list that looks non-empty but has its oldest slot still being
     * written by a releasing thread (claimed, not yet published), before it gives up and returns -1. A few
     * microseconds: enough for a thread that is running, not for one the scheduler has just descheduled.
     */
    private static final int POP_PATIENCE = 256;
    /** Failed pushes of an index that is not in the list before we call the list overfull (a double release). */
    private static final int PUSH_PATIENCE = 1 << 22;

    private final Arena arena;
    private final MemorySegment region;
    private final int bufferSize;
    /** Distance between buffers: bufferSize, plus one line when it is an even number of lines (class comment). */
    private final long stride;
    private final int headroom;
    private final int count;
    private final boolean strict;
    private final boolean threadCaches;
    private final FreeList free;

    /** Strict mode: one of NEVER_ALLOCATED, ALLOCATED, RELEASED per buffer, updated with atomic exchanges. */
    private final int[] state;

    private final ThreadLocal<Cache> caches = ThreadLocal.withInitial(this::register);
    /** Every live thread's cache (and dead ones not yet reclaimed): for freeCount and reclamation. */
    private final ConcurrentLinkedQueue<Cache> allCaches = new ConcurrentLinkedQueue<>();
    /**
     * The preferred cache (see the class comment). Benign race: plain reads and writes from any thread; a
     * reader uses it only if its final {@code owner} is the reader itself, which final-field semantics make
     * reliable however the reference was seen.
     */
    private Cache preferred;

    private BufferPool(Builder b) {
        this.bufferSize = b.bufferSize;
        this.headroom = b.headroom;
        this.count = b.count;
        this.strict = b.strict;
        this.threadCaches = b.threadCaches != null ? b.threadCaches : count >= CACHE_THRESHOLD;
        long lines = bufferSize >>> 6; // the builder allows multiples of 64 only
        this.stride = ((lines & 1) == 0 ? lines + 1 : lines) << 6;
        long bytes = stride * count;
        this.arena = Arena.ofShared();
        this.region = arena.allocate(bytes, bytes >= HUGE_PAGE ? HUGE_PAGE : 4096);
        this.free = new FreeList(count);
        int[] all = new int[count];
        for (int i = 0; i < count; i++) {
            all[i] = i;
        }
        for (int off = 0; off < count; ) {
            off += free.push(all, off, Math.min(CACHE_BULK, count - off)); // single-threaded: never fails
        }
        this.state = strict ? new int[count] : null;
    }

    /** A builder with defaults: 2048-byte buffers, 256 bytes of headroom, 16384 buffers, not strict. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public MemorySegment region() {
        return region;
    }

    @Override
    public int bufferSize() {
        return bufferSize;
    }

    @Override
    public int headroom() {
        return headroom;
    }

    @Override
    public long bufferOffset(long handle) {
        return handle * stride;
    }

    @Override
    public long allocate() {
        int idx;
        if (threadCaches) {
            Cache c = cache();
            int n = c.n;
            if (n == 0 && (n = refill(c)) == 0) {
                return -1;
            }
            idx = c.idx[--n];
            c.setCount(n);
        } else if ((idx = popOne()) < 0) {
            return -1;
        }
        if (strict) {
            markAllocated(idx);
        }
        return idx;
    }

    @Override
    public int allocate(long[] handles, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, handles.length);
        if (!threadCaches) {
            int got = 0;
            int idx;
            while (got < n && (idx = popOne()) >= 0) {
                if (strict) {
                    markAllocated(idx);
                }
                handles[offset + got++] = idx;
            }
            return got;
        }
        Cache c = cache();
        int[] cached = c.idx;
        int have = c.n;
        int got = 0;
        while (got < n) {
            if (have == 0 && (have = refill(c)) == 0) {
                break;
            }
            int k = Math.min(have, n - got);
            for (int i = 0; i < k; i++) {
                int idx = cached[--have];
                if (strict) {
                    markAllocated(idx);
                }
                handles[offset + got++] = idx;
            }
            c.setCount(have);
        }
        return got;
    }

    @Override
    public void release(long handle) {
        int idx = checkHandle(handle);
        if (strict) {
            markReleased(idx);
        }
        if (!threadCaches) {
            pushOne(idx);
            return;
        }
        Cache c = cache();
        int n = c.n;
        if (n == CACHE_MAX) {
            n = flush(c);
        }
        c.idx[n] = idx;
        c.setCount(n + 1);
    }

    @Override
    public void release(long[] handles, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, handles.length);
        if (!threadCaches) {
            for (int i = 0; i < n; i++) {
                release(handles[offset + i]);
            }
            return;
        }
        Cache c = cache(); // one lookup for the whole burst
        int have = c.n;
        try {
            for (int i = 0; i < n; i++) {
                int idx = checkHandle(handles[offset + i]);
                if (strict) {
                    markReleased(idx);
                }
                if (have == CACHE_MAX) {
                    have = flush(c);
                }
                c.idx[have++] = idx;
            }
        } finally {
            c.setCount(have); // also when a strict check throws: the handles before it were released
        }
    }

    @Override
    public long freeCount() {
        long sum = free.size();
        for (Cache c : allCaches) {
            sum += c.countOpaque();
        }
        return Math.max(0, Math.min(count, sum));
    }

    @Override
    public long usedCount() {
        return count - freeCount();
    }

    @Override
    public long capacity() {
        return count;
    }

    /** Whether this pool checks every release (see {@link Builder#strict(boolean)}). */
    public boolean isStrict() {
        return strict;
    }

    /** Whether threads keep caches of free buffers (see {@link Builder#threadCaches(boolean)}). */
    public boolean hasThreadCaches() {
        return threadCaches;
    }

    /**
     * Makes the calling thread's cache the one found without a {@code ThreadLocal} lookup. A poll thread
     * calls it once when it starts; harmless (and of no use) in pools without thread caches.
     */
    public void preferCurrentThread() {
        if (threadCaches) {
            preferred = caches.get();
        }
    }

    /**
     * Gives the calling thread's cached free buffers back to the shared list, so that other threads can
     * allocate them. Call before a thread ends or idles for long; cheap when the cache is empty.
     */
    public void flushThreadCache() {
        if (!threadCaches) {
            return;
        }
        Cache c = caches.get();
        int n = c.n;
        int off = 0;
        while (off < n) {
            off += pushSome(c.idx, off, n - off);
            c.setCount(n - off); // keep freeCount from counting the pushed ones twice for long
        }
        c.setCount(0);
    }

    /**
     * The handles of all buffers currently allocated (strict mode only), in increasing order. Exact when no
     * thread allocates or releases meanwhile.
     *
     * @throws IllegalStateException if the pool is not strict
     */
    public long[] leakCheck() {
        if (!strict) {
            throw new IllegalStateException("leakCheck needs a strict pool: BufferPool.builder().strict(true)");
        }
        long[] used = new long[16];
        int n = 0;
        for (int i = 0; i < count; i++) {
            if ((int) STATE.getAcquire(state, i) == ALLOCATED) {
                if (n == used.length) {
                    used = Arrays.copyOf(used, n * 2);
                }
                used[n++] = i;
            }
        }
        return Arrays.copyOf(used, n);
    }

    /**
     * Throws if any buffer is still allocated, naming up to 32 of them (strict mode), or giving their number
     * (other pools). Tests call it at the end, once every thread using the pool has stopped.
     *
     * @throws IllegalStateException naming the buffers still in use
     */
    public void assertNoLeaks() {
        if (strict) {
            long[] used = leakCheck();
            if (used.length > 0) {
                String list = Arrays.toString(Arrays.copyOf(used, Math.min(32, used.length)));
                throw new IllegalStateException(used.length + " buffer(s) still in use, handles "
                        + (used.length > 32 ? list.replace("]", ", ...]") : list));
            }
        } else {
            long used = usedCount();
            if (used != 0) {
                throw new IllegalStateException(used + " buffer(s) still in use (build the pool with strict(true)"
                        + " to see which)");
            }
        }
    }

    /** Frees the memory. Buffers still in use become invalid; touching them afterwards fails. */
    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "BufferPool[" + count + " x " + bufferSize + " B, headroom " + headroom + ", free " + freeCount()
                + (strict ? ", strict" : "") + (threadCaches ? ", thread caches" : "") + "]";
    }

    // ---- internals ----------------------------------------------------------------------------------

    private Cache cache() {
        Cache p = preferred; // benign race, see the field
        if (p != null && p.owner == Thread.currentThread()) {
            return p;
        }
        return caches.get();
    }

    /** ThreadLocal initializer: a new thread's cache. Reclaims dead threads' caches so the list stays short. */
    private Cache register() {
        reclaimDeadCaches();
        Cache c = new Cache(Thread.currentThread());
        allCaches.add(c);
        Cache p = preferred;
        if (p == null || !p.owner.isAlive()) {
            preferred = c;
        }
        return c;
    }

    /** Empty cache: takes a run from the shared list; returns the new count (0 when the pool is dry). */
    private int refill(Cache c) {
        int k = free.pop(c.idx, 0, CACHE_BULK);
        for (int spin = 0; k == 0 && spin < POP_PATIENCE && free.size() > 0; spin++) {
            Thread.onSpinWait(); // a releasing thread is between its claim and its stores
            k = free.pop(c.idx, 0, CACHE_BULK);
        }
        if (k == 0 && reclaimDeadCaches()) {
            k = free.pop(c.idx, 0, CACHE_BULK);
        }
        c.setCount(k);
        return k;
    }

    /** One index from the shared list (pools without thread caches), or -1. */
    private int popOne() {
        int idx = free.pop();
        for (int spin = 0; idx < 0 && spin < POP_PATIENCE && free.size() > 0; spin++) {
            Thread.onSpinWait(); // as in refill
            idx = free.pop();
        }
        return idx;
    }

    /** Full cache: gives its oldest run back; returns the new count. */
    private int flush(Cache c) {
        int k = pushSome(c.idx, 0, CACHE_BULK);
        System.arraycopy(c.idx, k, c.idx, 0, CACHE_MAX - k);
        int n = CACHE_MAX - k;
        c.setCount(n);
        return n;
    }

    /** Pushes at least one of {@code src[off..off+n)}; waits out a transient failure (see FreeList). */
    private int pushSome(int[] src, int off, int n) {
        for (int attempt = 0; ; attempt++) {
            int k = free.push(src, off, n);
            if (k > 0) {
                return k;
            }
            backOff(attempt);
        }
    }

    private void pushOne(int idx) {
        for (int attempt = 0; !free.push(idx); attempt++) {
            backOff(attempt);
        }
    }

    /**
     * A push of indices that are not in the list fails only while a consumer a lap behind finishes its run;
     * if that lasts millions of attempts, more indices were released than exist.
     */
    private void backOff(int attempt) {
        if (attempt >= PUSH_PATIENCE) {
            throw new IllegalStateException("buffer pool free list is full: more buffers were released than"
                    + " allocated (a double release; build the pool with strict(true) to find it)");
        }
        if ((attempt & 63) == 63) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
    }

    /** Returns the caches of threads that have ended to the shared list; true if it returned any index. */
    private boolean reclaimDeadCaches() {
        boolean any = false;
        for (Cache c : allCaches) {
            // isAlive() == false: the owner's last action happens-before this (JLS 17.4.4), so its cache is
            // ours to read; the CAS keeps two reclaimers from returning the same indices twice.
            if (!c.owner.isAlive() && c.claimForReclaim()) {
                int n = c.n;
                c.setCount(0);
                int off = 0;
                while (off < n) {
                    off += pushSome(c.idx, off, n - off);
                }
                any |= n > 0;
                allCaches.remove(c);
            }
        }
        return any;
    }

    private int checkHandle(long handle) {
        if (handle < 0 || handle >= count) {
            throw new IllegalArgumentException("buffer handle " + handle + " is outside 0.." + (count - 1));
        }
        return (int) handle;
    }

    private void markAllocated(int idx) {
        int was = (int) STATE.getAndSet(state, idx, ALLOCATED);
        if (was == ALLOCATED) {
            throw new IllegalStateException("buffer handle " + idx + " handed out while already allocated: the"
                    + " free list is corrupt");
        }
    }

    private void markReleased(int idx) {
        int was = (int) STATE.compareAndExchange(state, idx, ALLOCATED, RELEASED);
        if (was != ALLOCATED) {
            throw new IllegalStateException(was == RELEASED
                    ? "buffer handle " + idx + " released twice"
                    : "buffer handle " + idx + " released but never allocated");
        }
    }

    /**
     * One thread's cache of free indices. Static (no reference to the pool) so that a thread's ThreadLocal
     * map does not keep a closed pool reachable.
     *
     * <p>Thread-safety: {@code idx} and {@code n} are written by the owner only (or by a reclaimer once the
     * owner has died); {@code n} is stored opaquely so that counters on other threads can read it racily.
     */
    private static final class Cache {
        private static final VarHandle N;
        private static final VarHandle RECLAIMED;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                N = l.findVarHandle(Cache.class, "n", int.class);
                RECLAIMED = l.findVarHandle(Cache.class, "reclaimed", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Thread owner;
        final int[] idx = new int[CACHE_MAX];
        /** Valid entries: idx[0..n). Read plainly by the owner, opaquely by others. */
        int n;
        @SuppressWarnings("unused") // accessed through RECLAIMED
        private boolean reclaimed;

        Cache(Thread owner) {
            this.owner = owner;
        }

        void setCount(int count) {
            N.setOpaque(this, count); // opaque: counters on other threads read it (benign race)
        }

        int countOpaque() {
            return (int) N.getOpaque(this);
        }

        boolean claimForReclaim() {
            return RECLAIMED.compareAndSet(this, false, true);
        }
    }

    /** Options for a {@link BufferPool}. */
    public static final class Builder {
        private int bufferSize = 2048;
        private int headroom = 256;
        private int count = 16384;
        private boolean strict;
        private Boolean threadCaches;

        private Builder() {
        }

        /** Bytes per buffer, headroom included: 256..131072, a multiple of 64 (above 64 KB: GSO frames, see {@link Offloads}). */
        public Builder bufferSize(int bytes) {
            if (bytes < 256 || bytes > 131072 || bytes % 64 != 0) {
                throw new IllegalArgumentException("buffer size " + bytes + " must be a multiple of 64 in 256..131072");
            }
            this.bufferSize = bytes;
            return this;
        }

        /** Headroom per buffer: 0..bufferSize-128. */
        public Builder headroom(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("headroom " + bytes + " must be >= 0");
            }
            this.headroom = bytes;
            return this;
        }

        /** Number of buffers: 1..16777216. */
        public Builder count(int buffers) {
            if (buffers < 1 || buffers > (1 << 24)) {
                throw new IllegalArgumentException("buffer count " + buffers + " is outside 1..16777216");
            }
            this.count = buffers;
            return this;
        }

        /** Check every release for double release and release of never-allocated buffers; track leaks (tests). */
        public Builder strict(boolean on) {
            this.strict = on;
            return this;
        }

        /**
         * Per-thread caches of free buffers (see {@link BufferPool}). Default: on for pools of at least
         * 1024 buffers, off for smaller ones, where they would strand too many buffers.
         */
        public Builder threadCaches(boolean on) {
            this.threadCaches = on;
            return this;
        }

        /** A new pool; throws if the headroom leaves less than 128 bytes of the buffer. */
        public BufferPool build() {
            if (headroom > bufferSize - 128) {
                throw new IllegalArgumentException("headroom " + headroom + " leaves less than 128 bytes of a "
                        + bufferSize + "-byte buffer; allowed 0.." + (bufferSize - 128));
            }
            return new BufferPool(this);
        }
    }
}
