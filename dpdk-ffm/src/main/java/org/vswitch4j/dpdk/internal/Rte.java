package org.vswitch4j.dpdk.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Downcall handles to DPDK's exported functions, one {@code static final} handle each, because only a constant
 * handle is a JIT constant: a handle kept in a field or bound per function pointer went through the generic
 * invoker and cost up to 30 % on the forwarding loop (notes: io-facts.md §C).
 *
 * <p>The functions DPDK declares {@code static inline} ({@code rte_eth_rx_burst}, {@code rte_eth_tx_burst},
 * {@code rte_pktmbuf_alloc}) are rebuilt in Java: the PMD's burst function and the mempool's dequeue are called
 * through {@link #BURST} and {@link #DEQUEUE}, which take the function pointer as their first argument.
 * Pointers are passed as {@code long} where the Java side holds raw addresses, so the fast path creates no
 * {@link MemorySegment}.
 *
 * <p>Loading this class requires {@link Libraries#lookup()} to have succeeded (callers check it first).
 */
@SuppressWarnings("restricted")
public final class Rte {
    private Rte() {
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = Libraries.lookup();
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    private static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment addr = LOOKUP.find(name).orElseThrow(() -> new org.vswitch4j.dpdk.DpdkException(
                "DPDK has no symbol " + name + ": this binding needs DPDK 22.11 (ABI 23). Fix: install Debian 12's dpdk package."));
        return LINKER.downcallHandle(addr, fd, options);
    }

    // ---- fast path (critical: no thread-state transition; none of them blocks for long) -----------------

    /** {@code uint16_t (*eth_rx_burst_t / eth_tx_burst_t)(void *queue, struct rte_mbuf **pkts, uint16_t n)}. */
    public static final MethodHandle BURST = LINKER.downcallHandle(
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG, JAVA_LONG, JAVA_SHORT), CRITICAL);

    /** {@code int (*rte_mempool_dequeue_t)(struct rte_mempool *mp, void **objs, unsigned n)}: all or nothing. */
    public static final MethodHandle DEQUEUE = LINKER.downcallHandle(
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), CRITICAL);

    /** {@code void rte_pktmbuf_free_bulk(struct rte_mbuf **mbufs, unsigned count)}: the only exported free. */
    public static final MethodHandle PKTMBUF_FREE_BULK = fn("rte_pktmbuf_free_bulk",
            FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_INT), CRITICAL);

    // ---- EAL ----------------------------------------------------------------------------------------------

    public static final MethodHandle EAL_INIT = fn("rte_eal_init", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    public static final MethodHandle THREAD_REGISTER = fn("rte_thread_register", FunctionDescriptor.of(JAVA_INT));
    public static final MethodHandle THREAD_UNREGISTER = fn("rte_thread_unregister", FunctionDescriptor.ofVoid());
    public static final MethodHandle STRERROR = fn("rte_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    public static final MethodHandle LCORE_COUNT = fn("rte_lcore_count", FunctionDescriptor.of(JAVA_INT));
    public static final MethodHandle SOCKET_ID = fn("rte_socket_id", FunctionDescriptor.of(JAVA_INT));
    public static final MethodHandle DEV_PROBE = fn("rte_dev_probe", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    public static final MethodHandle DEV_REMOVE = fn("rte_dev_remove", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));

    // ---- mempool / mbuf -----------------------------------------------------------------------------------

    public static final MethodHandle PKTMBUF_POOL_CREATE = fn("rte_pktmbuf_pool_create",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_INT));
    public static final MethodHandle MEMPOOL_FREE = fn("rte_mempool_free", FunctionDescriptor.ofVoid(JAVA_LONG));
    public static final MethodHandle MEMPOOL_AVAIL_COUNT = fn("rte_mempool_avail_count",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    public static final MethodHandle MEMPOOL_OBJ_ITER = fn("rte_mempool_obj_iter",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    /** {@code struct rte_mempool_ops_table rte_mempool_ops_table} (data). */
    public static final MemorySegment MEMPOOL_OPS_TABLE = LOOKUP.find("rte_mempool_ops_table").orElseThrow()
            .reinterpret(Layouts.MEMPOOL_OPS_TABLE_OPS + 16 * Layouts.MEMPOOL_OPS_SIZE);

    // ---- ethdev -------------------------------------------------------------------------------------------

    /** {@code struct rte_eth_fp_ops rte_eth_fp_ops[RTE_MAX_ETHPORTS]} (data). */
    public static final MemorySegment ETH_FP_OPS = LOOKUP.find("rte_eth_fp_ops").orElseThrow()
            .reinterpret(Layouts.FP_OPS_SIZE * Layouts.RTE_MAX_ETHPORTS);
    public static final MethodHandle ETH_GET_PORT_BY_NAME = fn("rte_eth_dev_get_port_by_name",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    public static final MethodHandle ETH_DEV_INFO_GET = fn("rte_eth_dev_info_get",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    public static final MethodHandle ETH_DEV_CONFIGURE = fn("rte_eth_dev_configure",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, ADDRESS));
    public static final MethodHandle ETH_RX_QUEUE_SETUP = fn("rte_eth_rx_queue_setup",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_INT, ADDRESS, JAVA_LONG));
    public static final MethodHandle ETH_TX_QUEUE_SETUP = fn("rte_eth_tx_queue_setup",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_INT, ADDRESS));
    public static final MethodHandle ETH_DEV_START = fn("rte_eth_dev_start", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    public static final MethodHandle ETH_DEV_STOP = fn("rte_eth_dev_stop", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    public static final MethodHandle ETH_DEV_CLOSE = fn("rte_eth_dev_close", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    public static final MethodHandle ETH_STATS_GET = fn("rte_eth_stats_get", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    public static final MethodHandle ETH_MACADDR_GET = fn("rte_eth_macaddr_get", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    public static final MethodHandle ETH_LINK_GET_NOWAIT = fn("rte_eth_link_get_nowait",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    public static final MethodHandle ETH_SET_MTU = fn("rte_eth_dev_set_mtu", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT));
    public static final MethodHandle ETH_GET_MTU = fn("rte_eth_dev_get_mtu", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    public static final MethodHandle ETH_PROMISCUOUS_ENABLE = fn("rte_eth_promiscuous_enable",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    public static final MethodHandle ETH_DEV_SOCKET_ID = fn("rte_eth_dev_socket_id", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));

    /**
     * {@code rte_errno} of the calling thread. It is a thread-local variable: glibc's {@code dlsym} returns the
     * calling thread's copy, so it is looked up on every call, on the thread that made the failing call.
     */
    public static int errno() {
        return LOOKUP.find("per_lcore__rte_errno").map(s -> s.reinterpret(4).get(JAVA_INT, 0)).orElse(0);
    }

    /** DPDK's text for error number {@code err} (positive). */
    public static String strerror(int err) {
        try {
            return ((MemorySegment) STRERROR.invokeExact(err)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "error " + err;
        }
    }

    /** A zeroed native scratch buffer in {@code arena}. */
    public static MemorySegment zeroed(Arena arena, long size) {
        return arena.allocate(size, 64);
    }
}
