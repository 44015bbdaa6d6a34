package org.vswitch4j.core.packet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The core's packet memory: {@code count} fixed-size buffers in one off-heap segment, each with headroom
 * for headers pushed later.
 *
 * <p>Shape: a shared free stack holds buffer indices; each thread that allocates or releases keeps a small
 * cache of indices and refills or flushes it in bulk, so the shared stack is touched once per
 * {@link #CACHE_BULK} operations rather than per packet.
 *
 * <p>Strict mode ({@link Builder#strict(boolean)}) tracks each buffer's state and throws on a double release
 * or on releasing a buffer that was never allocated; tests run with it on.
 *
 * <p>Thread-safety: all methods may be called from any thread.
 */
public final class BufferPool implements PacketMemory, AutoCloseable {
    /** Indices moved between a thread's cache and the shared stack at once. */
    static final int CACHE_BULK = 32;
    static final int CACHE_MAX = 2 * CACHE_BULK;

    private final Arena arena;
    private final MemorySegment region;
    private final int bufferSize;
    private final int headroom;
    private final int count;
    private final boolean strict;

    // Shared free stack, guarded by lock.
    private final ReentrantLock lock = new ReentrantLock();
    private final int[] stack;
    private int top;

    // Strict mode: 1 = allocated, 0 = free; guarded by lock... per buffer, written by the owner thread.
    private final byte[] state;

    private final ThreadLocal<Cache> caches = ThreadLocal.withInitial(Cache::new);
    private final java.util.concurrent.ConcurrentLinkedQueue<Cache> allCaches = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private BufferPool(Builder b) {
        this.bufferSize = b.bufferSize;
        this.headroom = b.headroom;
        this.count = b.count;
        this.strict = b.strict;
        this.arena = Arena.ofShared();
        this.region = arena.allocate((long) bufferSize * count, 4096);
        this.stack = new int[count];
        for (int i = 0; i < count; i++) {
            stack[i] = count - 1 - i;
        }
        this.top = count;
        this.state = strict ? new byte[count] : null;
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
        return handle * bufferSize;
    }

    @Override
    public long allocate() {
        Cache c = caches.get();
        if (c.n == 0 && !c.refill()) {
            return -1;
        }
        int idx = c.idx[--c.n];
        markAllocated(idx);
        return idx;
    }

    @Override
    public int allocate(long[] handles, int offset, int n) {
        Cache c = caches.get();
        int got = 0;
        while (got < n) {
            if (c.n == 0 && !c.refill()) {
                break;
            }
            int idx = c.idx[--c.n];
            markAllocated(idx);
            handles[offset + got++] = idx;
        }
        return got;
    }

    @Override
    public void release(long handle) {
        int idx = checkHandle(handle);
        markFree(idx);
        Cache c = caches.get();
        if (c.n == CACHE_MAX) {
            c.flush();
        }
        c.idx[c.n++] = idx;
    }

    @Override
    public void release(long[] handles, int offset, int n) {
        for (int i = 0; i < n; i++) {
            release(handles[offset + i]);
        }
    }

    @Override
    public long freeCount() {
        long free;
        lock.lock();
        try {
            free = top;
        } finally {
            lock.unlock();
        }
        for (Cache c : allCaches) {
            free += c.n; // benign race: a cache's count is read without its owner's cooperation
        }
        return free;
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

    /** Frees the memory. Buffers still in use become invalid; touching them afterwards fails. */
    @Override
    public void close() {
        arena.close();
    }

    private int checkHandle(long handle) {
        if (handle < 0 || handle >= count) {
            throw new IllegalArgumentException("buffer handle " + handle + " is outside 0.." + (count - 1));
        }
        return (int) handle;
    }

    private void markAllocated(int idx) {
        if (strict) {
            synchronized (state) {
                state[idx] = 1;
            }
        }
    }

    private void markFree(int idx) {
        if (strict) {
            synchronized (state) {
                if (state[idx] != 1) {
                    throw new IllegalStateException("buffer " + idx + " released twice, or never allocated");
                }
                state[idx] = 0;
            }
        }
    }

    /** One thread's cache of free indices. Written by its thread only; {@code n} read racily by counters. */
    private final class Cache {
        final int[] idx = new int[CACHE_MAX];
        volatile int n;

        Cache() {
            allCaches.add(this);
        }

        boolean refill() {
            lock.lock();
            try {
                int k = Math.min(CACHE_BULK, top);
                for (int i = 0; i < k; i++) {
                    idx[i] = stack[--top];
                }
                n = k;
                return k > 0;
            } finally {
                lock.unlock();
            }
        }

        void flush() {
            lock.lock();
            try {
                for (int i = 0; i < CACHE_BULK; i++) {
                    stack[top++] = idx[--n];
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Options for a {@link BufferPool}. */
    public static final class Builder {
        private int bufferSize = 2048;
        private int headroom = 256;
        private int count = 16384;
        private boolean strict;

        private Builder() {
        }

        /** Bytes per buffer, headroom included: 256..65536, a multiple of 64. */
        public Builder bufferSize(int bytes) {
            if (bytes < 256 || bytes > 65536 || bytes % 64 != 0) {
                throw new IllegalArgumentException("buffer size " + bytes + " must be a multiple of 64 in 256..65536");
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

        /** Check every release for double release (tests). */
        public Builder strict(boolean on) {
            this.strict = on;
            return this;
        }

        public BufferPool build() {
            if (headroom > bufferSize - 128) {
                throw new IllegalArgumentException("headroom " + headroom + " leaves less than 128 bytes of a "
                        + bufferSize + "-byte buffer; allowed 0.." + (bufferSize - 128));
            }
            return new BufferPool(this);
        }
    }
}
