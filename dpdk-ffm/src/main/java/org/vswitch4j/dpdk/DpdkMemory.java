package org.vswitch4j.dpdk;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.dpdk.internal.Layouts;
import org.vswitch4j.dpdk.internal.Mbuf;
import org.vswitch4j.dpdk.internal.Rte;

/**
 * The core's {@link PacketMemory} over a DPDK mbuf pool, so that a {@link org.vswitch4j.core.packet.Packet}
 * received from a DPDK port is a view of the mbuf itself and crosses to another DPDK port without a copy.
 *
 * <h2>Handles and offsets</h2>
 * A handle is the mbuf's address ({@code struct rte_mbuf *}), so the tx path writes handles straight into the
 * PMD's pointer array. {@link #region()} spans every mbuf of the pool (from the lowest to the end of the highest,
 * found once with {@code rte_mempool_obj_iter}); a buffer starts at the mbuf's {@code buf_addr}, right after its
 * 128-byte header ({@link #bufferOffset}), so a view's {@code dataOffset} is the mbuf's {@code data_off} and its
 * length the mbuf's {@code data_len}. The mbuf header is not kept in step while the datapath edits a frame
 * (push/pop VLAN, truncation); the port writes {@code data_off}, {@code data_len} and {@code pkt_len} back
 * from the view just before tx.
 *
 * <h2>Allocation and release</h2>
 * {@code rte_pktmbuf_alloc} is inline in DPDK's headers; {@link #allocate} rebuilds it: the pool's ops
 * {@code dequeue} (by function pointer) then the field reset {@code rte_pktmbuf_reset} does. It takes from the
 * pool's shared ring, not the lcore cache: it serves copies (a frame from a non-DPDK port, a flood), not the
 * zero-copy path, where the PMDs allocate themselves. {@link #release} is the exported
 * {@code rte_pktmbuf_free_bulk}, which uses the calling lcore's cache.
 *
 * <p>Thread-safety: every method may be called from any thread (DPDK's ring and per-lcore caches are).
 */
@SuppressWarnings("restricted")
public final class DpdkMemory implements PacketMemory, AutoCloseable {
    /** Pointers per native scratch array (per thread, for the single-handle calls). */
    private static final int SCRATCH = 256;
    private static final ThreadLocal<MemorySegment> SCRATCH_ARRAYS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(JAVA_LONG, SCRATCH));

    private final Dpdk dpdk;
    private final String name;
    final long pool;
    private final long base;
    private final long extent;
    private final MemorySegment region;
    private final int bufferSize;
    private final long capacity;
    private final MemorySegment dequeue;
    private boolean closed; // guarded by this
    private int ports; // guarded by this: ports whose rx queues allocate from this pool

    private DpdkMemory(Dpdk dpdk, String name, long pool, long base, long extent, int bufferSize, long capacity) {
        this.dpdk = dpdk;
        this.name = name;
        this.pool = pool;
        this.base = base;
        this.extent = extent;
        this.region = Mbuf.ALL.asSlice(base, extent);
        this.bufferSize = bufferSize;
        this.capacity = capacity;
        int opsIndex = Mbuf.ALL.get(JAVA_INT, pool + Layouts.MEMPOOL_OPS_INDEX);
        long fn = Rte.MEMPOOL_OPS_TABLE.get(JAVA_LONG,
                Layouts.MEMPOOL_OPS_TABLE_OPS + opsIndex * Layouts.MEMPOOL_OPS_SIZE + Layouts.MEMPOOL_OPS_DEQUEUE);
        this.dequeue = MemorySegment.ofAddress(fn);
    }

    static DpdkMemory create(Dpdk dpdk, String name, int mbufs) {
        if (name == null || name.isEmpty() || name.length() >= Layouts.RTE_MEMPOOL_NAMESIZE) {
            throw new IllegalArgumentException("mbuf pool name '" + name + "' must have 1.."
                    + (Layouts.RTE_MEMPOOL_NAMESIZE - 1) + " characters");
        }
        if (mbufs < 64 || mbufs > 0xff_ffff) {
            throw new IllegalArgumentException("mbufs " + mbufs + " is outside 64..16777215");
        }
        MemorySegment mp;
        try (Arena a = Arena.ofConfined()) {
            mp = (MemorySegment) Rte.PKTMBUF_POOL_CREATE.invokeExact(a.allocateFrom(name), mbufs, 256, (short) 0,
                    (short) Layouts.RTE_MBUF_DEFAULT_BUF_SIZE, dpdk.socket());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new DpdkException("rte_pktmbuf_pool_create failed", t);
        }
        if (mp.address() == 0) {
            int err = Rte.errno();
            throw new DpdkException("DPDK could not create mbuf pool '" + name + "' of " + mbufs + " mbufs: "
                    + Rte.strerror(err) + " (rte_errno " + err + "). Fix: a name not in use, fewer mbufs, or more "
                    + "DPDK memory (Dpdk.builder().memoryMegabytes(...); each mbuf takes about 2.4 KB).");
        }
        long pool = mp.address();
        long[] range = {Long.MAX_VALUE, 0};
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cb = Linker.nativeLinker().upcallStub(
                    MethodHandles.lookup().findStatic(DpdkMemory.class, "visit",
                            MethodType.methodType(void.class, long[].class, MemorySegment.class, MemorySegment.class,
                                    MemorySegment.class, int.class)).bindTo(range),
                    FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS, JAVA_INT), a);
            int n = (int) Rte.MEMPOOL_OBJ_ITER.invokeExact(pool, cb, MemorySegment.NULL);
            if (n != mbufs) {
                throw new DpdkException("mbuf pool '" + name + "' has " + n + " objects, " + mbufs + " expected");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new DpdkException("rte_mempool_obj_iter failed", t);
        }
        long first = range[0];
        if (Mbuf.privSize(first) != 0 || Mbuf.bufAddr(first) != first + Layouts.MBUF_SIZE) {
            throw new DpdkException("mbuf pool '" + name + "' does not have the layout this binding expects "
                    + "(priv_size 0, buffer right after the 128-byte header)");
        }
        int elt = Mbuf.ALL.get(JAVA_INT, pool + Layouts.MEMPOOL_ELT_SIZE);
        return new DpdkMemory(dpdk, name, pool, first, range[1] + elt - first, Mbuf.bufLen(first), mbufs);
    }

    @SuppressWarnings("unused") // called by rte_mempool_obj_iter through the upcall stub
    private static void visit(long[] range, MemorySegment mp, MemorySegment opaque, MemorySegment obj, int idx) {
        long a = obj.address();
        range[0] = Math.min(range[0], a);
        range[1] = Math.max(range[1], a);
    }

    /** The pool's name, as DPDK knows it. */
    public String name() {
        return name;
    }

    /** Whether {@code handle} is an mbuf of this pool (in its extent). */
    public boolean contains(long handle) {
        return Long.compareUnsigned(handle - base, extent) < 0;
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
        return Layouts.RTE_PKTMBUF_HEADROOM;
    }

    @Override
    public long bufferOffset(long handle) {
        return handle - base + Layouts.MBUF_SIZE;
    }

    @Override
    public long allocate() {
        MemorySegment s = SCRATCH_ARRAYS.get();
        return dequeue(s.address(), 1) == 1 ? s.get(JAVA_LONG, 0) : -1;
    }

    @Override
    public int allocate(long[] handles, int offset, int n) {
        MemorySegment s = SCRATCH_ARRAYS.get();
        int got = 0;
        while (got < n) {
            int k = dequeue(s.address(), Math.min(SCRATCH, n - got));
            for (int i = 0; i < k; i++) {
                handles[offset + got + i] = s.getAtIndex(JAVA_LONG, i);
            }
            got += k;
            if (k == 0) {
                break;
            }
        }
        return got;
    }

    /**
     * Takes up to {@code n} mbufs into the native pointer array at {@code objs}, reset as
     * {@code rte_pktmbuf_alloc} leaves them; returns how many (fewer only when the pool runs dry).
     */
    int dequeue(long objs, int n) {
        int want = n;
        while (want > 0) {
            int rc;
            try {
                rc = (int) Rte.DEQUEUE.invokeExact(dequeue, pool, objs, want);
            } catch (Throwable t) {
                throw new DpdkException("mempool dequeue failed", t);
            }
            if (rc == 0) {
                for (int i = 0; i < want; i++) {
                    Mbuf.reset(Mbuf.ALL.get(JAVA_LONG, objs + 8L * i), Layouts.RTE_PKTMBUF_HEADROOM);
                }
                return want;
            }
            want >>= 1; // all or nothing: ask for less when the ring holds fewer
        }
        return 0;
    }

    @Override
    public void release(long handle) {
        check(handle);
        MemorySegment s = SCRATCH_ARRAYS.get();
        s.set(JAVA_LONG, 0, handle);
        free(s.address(), 1);
    }

    @Override
    public void release(long[] handles, int offset, int n) {
        MemorySegment s = SCRATCH_ARRAYS.get();
        for (int done = 0; done < n; ) {
            int k = Math.min(SCRATCH, n - done);
            for (int i = 0; i < k; i++) {
                long h = handles[offset + done + i];
                check(h);
                s.setAtIndex(JAVA_LONG, i, h);
            }
            free(s.address(), k);
            done += k;
        }
    }

    private void check(long handle) {
        if (!contains(handle)) {
            throw new IllegalArgumentException("handle 0x" + Long.toHexString(handle) + " is not an mbuf of pool '"
                    + name + "'");
        }
    }

    /** {@code rte_pktmbuf_free_bulk} on {@code n} pointers at {@code objs}. */
    static void free(long objs, int n) {
        try {
            Rte.PKTMBUF_FREE_BULK.invokeExact(objs, n);
        } catch (Throwable t) {
            throw new DpdkException("rte_pktmbuf_free_bulk failed", t);
        }
    }

    @Override
    public long freeCount() {
        try {
            return Integer.toUnsignedLong((int) Rte.MEMPOOL_AVAIL_COUNT.invokeExact(pool));
        } catch (Throwable t) {
            throw new DpdkException("rte_mempool_avail_count failed", t);
        }
    }

    @Override
    public long usedCount() {
        return capacity - freeCount();
    }

    @Override
    public long capacity() {
        return capacity;
    }

    /**
     * Frees the pool ({@code rte_mempool_free}). Only when no open port receives into it and every mbuf is
     * back: otherwise the pool is kept (freeing it would leave dangling pointers in a device) and this throws
     * {@link IllegalStateException}.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (ports != 0) {
            throw new IllegalStateException("mbuf pool '" + name + "' is the rx pool of " + ports
                    + " open port(s); close them first");
        }
        long used = usedCount();
        if (used != 0) {
            throw new IllegalStateException("mbuf pool '" + name + "' still has " + used + " mbufs in use "
                    + "(ports' rx rings or packets not released); close its ports first");
        }
        closed = true;
        dpdk.forget(this);
        try {
            Rte.MEMPOOL_FREE.invokeExact(pool);
        } catch (Throwable t) {
            throw new DpdkException("rte_mempool_free failed", t);
        }
    }

    /** A port starts receiving into this pool. */
    synchronized void attach() {
        if (closed) {
            throw new IllegalStateException("mbuf pool '" + name + "' is closed");
        }
        ports++;
    }

    /** A port no longer receives into this pool. */
    synchronized void detach() {
        ports--;
    }

    @Override
    public String toString() {
        return "DpdkMemory[" + name + ", " + capacity + " mbufs of " + bufferSize + " B, " + freeCount() + " free]";
    }
}
