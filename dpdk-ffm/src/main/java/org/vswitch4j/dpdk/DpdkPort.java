package org.vswitch4j.dpdk;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.dpdk.internal.Layouts;
import org.vswitch4j.dpdk.internal.Mbuf;
import org.vswitch4j.dpdk.internal.Rte;

/**
 * A DPDK ethdev as a vswitch4j {@link Port}, attached by devargs as Open vSwitch's
 * {@code options:dpdk-devargs}: {@code net_null0}, {@code net_ring0}, {@code net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap},
 * {@code net_tap0,iface=tap0}, {@code net_af_packet0,iface=eth1}, {@code net_vhost0,iface=/run/vm1.sock} (a
 * vhost-user socket a VM's virtio NIC connects to, as OVS's {@code dpdkvhostuser}; its link is up while the guest
 * is connected), {@code net_memif0,role=server,socket=/run/memif.sock} (shared-memory packet interface, as VPP's; a
 * memif server sends only into buffers its client posted, that is after the client's first receive),
 * a PCI address with {@link Dpdk.Builder#pci}.
 * The builder hot-plugs the device ({@code rte_dev_probe}), configures its queues (RSS over several rx queues),
 * MTU and promiscuous mode, and starts it; {@link #close()} stops, closes and detaches it.
 *
 * <h2>Fast path</h2>
 * {@code rte_eth_rx_burst}/{@code rte_eth_tx_burst} are inline in DPDK's headers; this class does what they do:
 * it reads the port's {@code rte_eth_fp_ops} entry (the PMD's burst function and the queue's data pointer) and
 * calls the function through one constant downcall handle. Received mbufs become views of this port's
 * {@link DpdkMemory} ({@code data_off}, {@code data_len}); on tx, a view of any DPDK memory goes out as the
 * mbuf it is, after its {@code data_off}/{@code data_len}/{@code pkt_len} are written back from the view; a
 * frame of another memory is copied once into a fresh mbuf. Multi-segment mbufs (scatter is never enabled) and
 * mbufs of unknown pools are freed and counted as rx errors; what the PMD does not send is freed and counted as
 * tx dropped. Nothing allocates per packet.
 *
 * <p>Thread-safety: each rx queue is polled by one thread at a time, and the thread that polls it is
 * registered as a DPDK lcore on its first burst (see {@link Dpdk}). {@link #transmit} may be called by several
 * threads: a thread uses tx queue {@code threadId % txQueues} and holds that queue (a spin flag) for the burst,
 * so with at least as many tx queues as poll threads they rarely meet. Status methods may be called from any
 * thread. The port must not be polled while {@link #close()} runs: remove it from its bridge first (the
 * datapath then no longer polls it when {@code removePort} returns); a burst that still races with close
 * finds the PMD's function replaced at stop and returns nothing.
 */
@SuppressWarnings("restricted")
public final class DpdkPort implements Port {
    /** Most mbufs one rx burst takes (the datapath asks for its burst size, 32 by default). */
    static final int MAX_BURST = 512;
    /** Longs between two tx queues' counters and flags (no false sharing). */
    private static final int STRIDE = 16;
    /**
     * The longest a link state read is reused (a read is a syscall for some PMDs): by time, not by calls, so that
     * a control thread that asks now and then sees a change within 10 ms, as a poll thread does.
     */
    private static final long LINK_REFRESH_NANOS = 10_000_000L;

    private static final VarHandle TX_BUSY = MethodHandles.arrayElementVarHandle(long[].class);

    private final Dpdk dpdk;
    private final String name;
    private final String devargs;
    private final short portId;
    private final long device;
    private final String driver;
    private final DpdkMemory memory;
    private final int rxQueues;
    private final int txQueues;
    private final long fp; // offset of this port's entry in rte_eth_fp_ops
    private final long mac;
    private volatile int mtu;

    // Set at start, constant while started.
    private long rxFn;
    private MemorySegment rxFnSeg;
    private long txFn;
    private MemorySegment txFnSeg;
    private volatile boolean started;
    private boolean closed; // guarded by this

    // Per rx queue, written by its polling thread only.
    private final long[] rxArrays;
    private final Thread[] rxOwner;
    private final long[] rxErrors; // index q * STRIDE

    // Per tx queue, written under its busy flag: [q * STRIDE] = busy, +1 = dropped, +2 = copy count.
    private final long[] tx;
    private final long[] txArrays;
    private final long[] txScratch;

    private final MemorySegment linkBuf; // guarded by this (readLink)
    private long linkReadNanos;
    private volatile boolean linkUp;

    private DpdkPort(Builder b, short portId, long device, String driver, int mtu, long mac) {
        this.dpdk = b.dpdk;
        this.name = b.name;
        this.devargs = b.devargs;
        this.portId = portId;
        this.device = device;
        this.driver = driver;
        this.memory = b.memory;
        this.rxQueues = b.rxQueues;
        this.txQueues = b.txQueues;
        this.fp = Layouts.FP_OPS_SIZE * Short.toUnsignedInt(portId);
        this.mtu = mtu;
        this.mac = mac;
        Arena arena = Arena.ofAuto(); // freed with the port object, never while a thread can still hold it
        rxArrays = new long[rxQueues];
        rxOwner = new Thread[rxQueues];
        rxErrors = new long[rxQueues * STRIDE];
        for (int q = 0; q < rxQueues; q++) {
            rxArrays[q] = arena.allocate(JAVA_LONG, MAX_BURST).address();
        }
        tx = new long[txQueues * STRIDE];
        txArrays = new long[txQueues];
        txScratch = new long[txQueues];
        for (int q = 0; q < txQueues; q++) {
            txArrays[q] = arena.allocate(JAVA_LONG, PacketBatch.DEFAULT_BURST * 32L).address();
            txScratch[q] = arena.allocate(JAVA_LONG, PacketBatch.DEFAULT_BURST * 32L).address();
        }
        this.linkBuf = arena.allocate(Layouts.ETH_LINK_SIZE, 8);
        this.arenaRef = arena;
    }

    @SuppressWarnings("unused") // keeps the auto arena (and so the native arrays) alive as long as the port
    private final Arena arenaRef;

    /** A builder for a port on device {@code devargs} (a DPDK device string, as in OVS's {@code dpdk-devargs}). */
    public static Builder builder(Dpdk dpdk, String devargs) {
        return new Builder(dpdk, devargs);
    }

    // ---- Port --------------------------------------------------------------------------------------------

    @Override
    public String name() {
        return name;
    }

    @Override
    public int rxQueues() {
        return rxQueues;
    }

    /** Number of tx queues. */
    public int txQueues() {
        return txQueues;
    }

    @Override
    public int receive(int queue, PacketBatch batch) {
        if (queue < 0 || queue >= rxQueues) {
            throw new IllegalArgumentException("rx queue " + queue + " is outside 0.." + (rxQueues - 1) + " of " + name);
        }
        if (!started) {
            return 0;
        }
        Thread t = Thread.currentThread();
        if (rxOwner[queue] != t) {
            Dpdk.registerCurrentThread();
            rxOwner[queue] = t;
            rxThread = t;
        }
        refreshLinkSometimes();
        MemorySegment ops = Rte.ETH_FP_OPS;
        if (ops.get(JAVA_LONG, fp + Layouts.FP_RX_PKT_BURST) != rxFn) {
            return 0; // stopped under us: the PMD's function was replaced by DPDK's dummy
        }
        long qd = Mbuf.ALL.get(JAVA_LONG, ops.get(JAVA_LONG, fp + Layouts.FP_RXQ_DATA) + 8L * queue);
        int want = Math.min(batch.remaining(), MAX_BURST);
        if (want == 0) {
            return 0;
        }
        long arr = rxArrays[queue];
        int n;
        try {
            n = Short.toUnsignedInt((short) Rte.BURST.invokeExact(rxFnSeg, qd, arr, (short) want));
        } catch (Throwable e) {
            throw new DpdkException("rx burst failed on " + name, e);
        }
        DpdkMemory own = memory;
        int got = 0;
        for (int i = 0; i < n; i++) {
            long m = Mbuf.ALL.get(JAVA_LONG, arr + 8L * i);
            long pool = Mbuf.pool(m);
            DpdkMemory mem = pool == own.pool ? own : dpdk.memoryOf(pool);
            if (mem == null || Mbuf.nbSegs(m) != 1) {
                DpdkMemory.free(arr + 8L * i, 1);
                rxErrors[queue * STRIDE]++;
                continue;
            }
            batch.add().bind(mem, m, Mbuf.dataOff(m), Mbuf.dataLen(m));
            got++;
        }
        return got;
    }

    @Override
    public void transmit(PacketBatch batch) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        int q = txQueues == 1 ? 0 : (int) (Thread.currentThread().threadId() % txQueues); // no division for one queue
        int c = q * STRIDE;
        long[] t = tx;
        while (!TX_BUSY.compareAndSet(t, c, 0L, 1L)) { // acquire: the queue's arrays and counters are ours
            Thread.onSpinWait();
        }
        try {
            if (!started) {
                batch.releaseAll();
                t[c + 1] += n;
                return;
            }
            sendLocked(batch, n, q, c);
        } finally {
            TX_BUSY.setRelease(t, c, 0L); // publishes the counters to the next holder
        }
    }

    private void sendLocked(PacketBatch batch, int n, int q, int c) {
        long arr = txArrays[q];
        DpdkMemory own = memory;
        // Fresh mbufs for frames of other memories, taken in one dequeue when the first such frame comes (enough
        // for it and every frame after it), so that a burst of mbufs, the common case, is walked once.
        long scratch = txScratch[q];
        int fresh = -1; // not taken yet
        int usedFresh = 0;
        int k = 0;
        long dropped = 0;
        for (int i = 0; i < n; i++) {
            Packet p = batch.get(i);
            PacketMemory pm = p.memory();
            if (pm instanceof DpdkMemory) {
                long m = p.handle();
                Mbuf.setFrame(m, p.dataOffset(), p.length());
                Mbuf.ALL.set(JAVA_LONG, arr + 8L * k++, m);
                p.unbind();
            } else {
                int len = p.length();
                if (fresh < 0) {
                    fresh = own.dequeue(scratch, Math.min(n - i, PacketBatch.DEFAULT_BURST * 32));
                }
                if (usedFresh == fresh || len > own.bufferSize() - Layouts.RTE_PKTMBUF_HEADROOM) {
                    p.release();
                    dropped++;
                    continue;
                }
                long m = Mbuf.ALL.get(JAVA_LONG, scratch + 8L * usedFresh++);
                // The mbuf's buffer starts right after its header (checked when the pool was created).
                MemorySegment.copy(p.region(), p.address(), Mbuf.ALL,
                        m + Layouts.MBUF_SIZE + Layouts.RTE_PKTMBUF_HEADROOM, len);
                p.release();
                Mbuf.setFrame(m, Layouts.RTE_PKTMBUF_HEADROOM, len);
                Mbuf.ALL.set(JAVA_LONG, arr + 8L * k++, m);
            }
        }
        if (fresh > usedFresh) {
            DpdkMemory.free(scratch + 8L * usedFresh, fresh - usedFresh);
        }
        batch.size(0);
        int sent = 0;
        MemorySegment ops = Rte.ETH_FP_OPS;
        if (k > 0 && ops.get(JAVA_LONG, fp + Layouts.FP_TX_PKT_BURST) == txFn) {
            long qd = Mbuf.ALL.get(JAVA_LONG, ops.get(JAVA_LONG, fp + Layouts.FP_TXQ_DATA) + 8L * q);
            try {
                sent = Short.toUnsignedInt((short) Rte.BURST.invokeExact(txFnSeg, qd, arr, (short) k));
            } catch (Throwable e) {
                throw new DpdkException("tx burst failed on " + name, e);
            }
        }
        if (sent < k) {
            DpdkMemory.free(arr + 8L * sent, k - sent); // the device's queue is full: drop, as a NIC does
            dropped += k - sent;
        }
        tx[c + 1] += dropped;
    }

    @Override
    public PacketMemory memory() {
        return memory;
    }

    /** The pool this port receives into (the same object as {@link #memory()}). */
    public DpdkMemory dpdkMemory() {
        return memory;
    }

    @Override
    public boolean linkUp() {
        refreshLinkSometimes();
        return started && linkUp;
    }

    /**
     * The thread that last became an rx queue's owner (a poll thread). Its link checks read the clock only every
     * {@value #LINK_CLOCK_CALLS}th call: it makes four per round of two ports (receive, and linkUp before each
     * transmit), and a clock read (a vDSO call, ~20 ns) each was ~3 % of a net_null forward. Plain: a stale value
     * read by another thread is never that thread, which then reads the clock every call.
     */
    private Thread rxThread;
    private int linkCalls;
    private static final int LINK_CLOCK_CALLS = 16;

    private void refreshLinkSometimes() {
        if (Thread.currentThread() == rxThread && (++linkCalls & (LINK_CLOCK_CALLS - 1)) != 0) {
            return;
        }
        long now = System.nanoTime();
        if (now - linkReadNanos >= LINK_REFRESH_NANOS) { // benign race: two threads may both read it
            linkReadNanos = now;
            linkUp = readLink();
        }
    }

    /** Reads the link state into the port's own buffer (no allocation: the poll thread calls this). */
    private synchronized boolean readLink() {
        if (!started) {
            return false;
        }
        try {
            int rc = (int) Rte.ETH_LINK_GET_NOWAIT.invokeExact(portId, linkBuf);
            return rc == 0 && (linkBuf.get(JAVA_SHORT, Layouts.ETH_LINK_STATUS_WORD) & Layouts.ETH_LINK_STATUS_MASK) != 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /** The link speed in Mbit/s as the PMD reports it (0 when unknown or down). */
    public int linkSpeedMbps() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment link = a.allocate(Layouts.ETH_LINK_SIZE, 8);
            int rc = (int) Rte.ETH_LINK_GET_NOWAIT.invokeExact(portId, link);
            return rc == 0 ? link.get(JAVA_INT, Layouts.ETH_LINK_SPEED) : 0;
        } catch (Throwable t) {
            return 0;
        }
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /**
     * Sets the device's MTU ({@code rte_eth_dev_set_mtu}).
     *
     * @throws DpdkException when the PMD refuses (out of its min..max, or MTU not supported: net_ring, net_null)
     */
    public void mtu(int newMtu) {
        int rc;
        try {
            rc = (int) Rte.ETH_SET_MTU.invokeExact(portId, (short) newMtu);
        } catch (Throwable t) {
            throw new DpdkException("rte_eth_dev_set_mtu failed", t);
        }
        if (rc != 0) {
            throw new DpdkException("port " + name + " (" + driver + ") refused MTU " + newMtu + ": "
                    + Rte.strerror(-rc) + ". Fix: an MTU the device supports, or none (keep its default " + mtu + ").");
        }
        this.mtu = newMtu;
    }

    @Override
    public long mac() {
        return mac;
    }

    /** DPDK's port id ({@code rte_eth_dev_get_port_by_name}). */
    public int portId() {
        return Short.toUnsignedInt(portId);
    }

    /** The PMD's driver name ({@code net_null}, {@code net_tap}, ...). */
    public String driver() {
        return driver;
    }

    /** The devargs the device was attached with. */
    public String devargs() {
        return devargs;
    }

    /**
     * The device's counters ({@code rte_eth_stats_get}) plus this port's own drops: rx errors = the device's
     * ierrors + mbufs refused here (multi-segment, unknown pool); rx dropped = imissed + rx_nombuf; tx dropped =
     * frames the device did not take or no mbuf was free to copy into; tx errors = the device's oerrors.
     */
    @Override
    public PortStats stats() {
        long ours = 0;
        for (int q = 0; q < rxQueues; q++) {
            ours += rxErrors[q * STRIDE]; // racy read of the poller's counter: may lag, never tears
        }
        long txDrop = 0;
        for (int q = 0; q < txQueues; q++) {
            txDrop += (long) TX_BUSY.getAcquire(tx, q * STRIDE + 1);
        }
        if (!started) {
            return new PortStats(0, 0, 0, ours, 0, 0, txDrop, 0);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(Layouts.ETH_STATS_SIZE, 8);
            int rc = (int) Rte.ETH_STATS_GET.invokeExact(portId, s);
            if (rc != 0) {
                throw new DpdkException("rte_eth_stats_get(" + name + ") failed: " + Rte.strerror(-rc));
            }
            return new PortStats(s.get(JAVA_LONG, Layouts.ETH_STATS_IPACKETS), s.get(JAVA_LONG, Layouts.ETH_STATS_IBYTES),
                    s.get(JAVA_LONG, Layouts.ETH_STATS_IMISSED) + s.get(JAVA_LONG, Layouts.ETH_STATS_RX_NOMBUF),
                    s.get(JAVA_LONG, Layouts.ETH_STATS_IERRORS) + ours,
                    s.get(JAVA_LONG, Layouts.ETH_STATS_OPACKETS), s.get(JAVA_LONG, Layouts.ETH_STATS_OBYTES), txDrop,
                    s.get(JAVA_LONG, Layouts.ETH_STATS_OERRORS));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new DpdkException("rte_eth_stats_get failed", t);
        }
    }

    /** Stops the device, closes it and detaches it from DPDK. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        started = false;
        try {
            int rc = (int) Rte.ETH_DEV_STOP.invokeExact(portId);
            rc |= (int) Rte.ETH_DEV_CLOSE.invokeExact(portId);
            int rm = (int) Rte.DEV_REMOVE.invokeExact(device);
            memory.detach();
            if (rc != 0 || (rm != 0 && rm != -2)) {
                System.getLogger(DpdkPort.class.getName()).log(System.Logger.Level.WARNING,
                        "closing " + name + ": stop/close " + rc + ", remove " + rm);
            }
        } catch (Throwable t) {
            throw new DpdkException("closing " + name + " failed", t);
        }
    }

    @Override
    public String toString() {
        return "DpdkPort[" + name + ", " + devargs + ", port " + portId() + ", " + driver + ", rxq " + rxQueues
                + ", txq " + txQueues + "]";
    }

    private void start() {
        int rc;
        try {
            rc = (int) Rte.ETH_DEV_START.invokeExact(portId);
        } catch (Throwable t) {
            throw new DpdkException("rte_eth_dev_start failed", t);
        }
        if (rc != 0) {
            throw new DpdkException("DPDK could not start port " + name + " (" + devargs + "): " + Rte.strerror(-rc));
        }
        // rte_eth_fp_ops[port] is filled by start (and reset to dummies by stop): read it after every start.
        MemorySegment ops = Rte.ETH_FP_OPS;
        rxFn = ops.get(JAVA_LONG, fp + Layouts.FP_RX_PKT_BURST);
        txFn = ops.get(JAVA_LONG, fp + Layouts.FP_TX_PKT_BURST);
        rxFnSeg = MemorySegment.ofAddress(rxFn);
        txFnSeg = MemorySegment.ofAddress(txFn);
        // The inline burst functions also run rx/tx callbacks (pdump, latency stats); we install none and
        // refuse a port where someone did, rather than silently skip them.
        long rxc = ops.get(JAVA_LONG, fp + Layouts.FP_RXQ_CLBK);
        long txc = ops.get(JAVA_LONG, fp + Layouts.FP_TXQ_CLBK);
        for (int q = 0; q < rxQueues; q++) {
            if (Mbuf.ALL.get(JAVA_LONG, rxc + 8L * q) != 0) {
                throw new DpdkException("port " + name + " has rx callbacks installed, which this binding does not run");
            }
        }
        for (int q = 0; q < txQueues; q++) {
            if (Mbuf.ALL.get(JAVA_LONG, txc + 8L * q) != 0) {
                throw new DpdkException("port " + name + " has tx callbacks installed, which this binding does not run");
            }
        }
        started = true;
        linkUp = readLink();
    }

    /** Options of a {@link DpdkPort}. Not thread-safe. */
    public static final class Builder {
        private final Dpdk dpdk;
        private final String devargs;
        private String name;
        private int rxQueues = 1;
        private int txQueues = 1;
        private int rxDescriptors = 1024;
        private int txDescriptors = 1024;
        private int mtu = -1;
        private boolean promiscuous = true;
        private DpdkMemory memory;

        private Builder(Dpdk dpdk, String devargs) {
            this.dpdk = Objects.requireNonNull(dpdk, "dpdk");
            if (Objects.requireNonNull(devargs, "devargs").isBlank()) {
                throw new IllegalArgumentException("devargs must name a device, for example net_null0 or net_tap0,iface=tap0");
            }
            this.devargs = devargs.strip();
            this.name = deviceName(this.devargs);
        }

        /** The port's name as an operator sees it (default: the device name, the devargs before the first comma). */
        public Builder name(String portName) {
            if (Objects.requireNonNull(portName, "name").isEmpty()) {
                throw new IllegalArgumentException("port name must not be empty");
            }
            this.name = portName;
            return this;
        }

        /** Receive queues, 1..1024 (default 1); more than one spreads flows by RSS (IP, TCP, UDP hash). */
        public Builder rxQueues(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("rx queues " + n + " is outside 1..1024");
            }
            this.rxQueues = n;
            return this;
        }

        /** Transmit queues, 1..1024 (default 1); give one per poll thread that sends to this port. */
        public Builder txQueues(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("tx queues " + n + " is outside 1..1024");
            }
            this.txQueues = n;
            return this;
        }

        /** Descriptors per rx queue (OVS's {@code n_rxq_desc}), 1..32768 (default 1024); the PMD may round it. */
        public Builder rxDescriptors(int n) {
            if (n < 1 || n > 32768) {
                throw new IllegalArgumentException("rx descriptors " + n + " is outside 1..32768");
            }
            this.rxDescriptors = n;
            return this;
        }

        /** Descriptors per tx queue (OVS's {@code n_txq_desc}), 1..32768 (default 1024). */
        public Builder txDescriptors(int n) {
            if (n < 1 || n > 32768) {
                throw new IllegalArgumentException("tx descriptors " + n + " is outside 1..32768");
            }
            this.txDescriptors = n;
            return this;
        }

        /** The MTU to set (OVS's {@code mtu_request}), 68..65535; default: the device's own. */
        public Builder mtu(int n) {
            if (n < 68 || n > 65535) {
                throw new IllegalArgumentException("MTU " + n + " is outside 68..65535");
            }
            this.mtu = n;
            return this;
        }

        /** Whether to receive frames for any MAC (default true, as a switch port must). */
        public Builder promiscuous(boolean on) {
            this.promiscuous = on;
            return this;
        }

        /** The pool to receive into (default {@link Dpdk#memory()}, shared by all ports). */
        public Builder memory(DpdkMemory pool) {
            this.memory = Objects.requireNonNull(pool, "memory");
            return this;
        }

        /**
         * Attaches, configures and starts the device.
         *
         * @throws DpdkException when the devargs name no device DPDK can attach (the message lists examples), the
         *                       device is already in use, or refuses the queue count or MTU; nothing stays attached
         */
        public DpdkPort build() {
            if (memory == null) {
                memory = dpdk.memory();
            }
            String dev = deviceName(devargs);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment idSeg = a.allocate(JAVA_SHORT);
                int rc = (int) Rte.ETH_GET_PORT_BY_NAME.invokeExact(a.allocateFrom(dev), idSeg);
                if (rc == 0) {
                    throw new DpdkException("DPDK device " + dev + " is already attached (port "
                            + Short.toUnsignedInt(idSeg.get(JAVA_SHORT, 0)) + "); close the DpdkPort that uses it first, "
                            + "or name another device (net_null1, ...)");
                }
                rc = (int) Rte.DEV_PROBE.invokeExact(a.allocateFrom(devargs));
                if (rc != 0) {
                    throw new DpdkException("DPDK could not attach device '" + devargs + "': " + Rte.strerror(-rc)
                            + ". devargs name a driver instance and its options, for example net_null0, net_ring0, "
                            + "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap, net_tap0,iface=tap0, "
                            + "net_af_packet0,iface=eth1 (the PMDs in /usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0); "
                            + "a PCI address needs Dpdk.builder().pci(true) and the NIC bound to vfio-pci. EAL's log above "
                            + "names the option it refused.");
                }
                rc = (int) Rte.ETH_GET_PORT_BY_NAME.invokeExact(a.allocateFrom(dev), idSeg);
                if (rc != 0) {
                    throw new DpdkException("DPDK attached '" + devargs + "' but has no ethdev named " + dev
                            + "; give the device name first in the devargs");
                }
                short id = idSeg.get(JAVA_SHORT, 0);
                MemorySegment info = a.allocate(Layouts.DEV_INFO_SIZE, 8);
                rc = (int) Rte.ETH_DEV_INFO_GET.invokeExact(id, info);
                if (rc != 0) {
                    throw new DpdkException("rte_eth_dev_info_get(" + dev + ") failed: " + Rte.strerror(-rc));
                }
                long device = info.get(JAVA_LONG, Layouts.DEV_INFO_DEVICE);
                try {
                    return configure(a, id, info, device);
                } catch (RuntimeException e) {
                    try {
                        int ignored = (int) Rte.ETH_DEV_STOP.invokeExact(id);
                        ignored |= (int) Rte.ETH_DEV_CLOSE.invokeExact(id);
                        ignored |= (int) Rte.DEV_REMOVE.invokeExact(device);
                    } catch (Throwable t) {
                        e.addSuppressed(t);
                    }
                    throw e;
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new DpdkException("attaching " + devargs + " failed", t);
            }
        }

        private DpdkPort configure(Arena a, short id, MemorySegment info, long device) throws Throwable {
            String driver = info.get(JAVA_LONG, Layouts.DEV_INFO_DRIVER_NAME) == 0 ? "?"
                    : info.get(java.lang.foreign.ValueLayout.ADDRESS, Layouts.DEV_INFO_DRIVER_NAME).reinterpret(64).getString(0);
            int maxRx = Short.toUnsignedInt(info.get(JAVA_SHORT, Layouts.DEV_INFO_MAX_RX_QUEUES));
            int maxTx = Short.toUnsignedInt(info.get(JAVA_SHORT, Layouts.DEV_INFO_MAX_TX_QUEUES));
            if (rxQueues > maxRx || txQueues > maxTx) {
                throw new DpdkException("device " + devargs + " (" + driver + ") has at most " + maxRx + " rx and "
                        + maxTx + " tx queues; asked for " + rxQueues + " and " + txQueues);
            }
            MemorySegment conf = a.allocate(Layouts.ETH_CONF_SIZE, 8);
            if (rxQueues > 1) {
                long rss = info.get(JAVA_LONG, Layouts.DEV_INFO_FLOW_TYPE_RSS_OFFLOADS)
                        & (Layouts.RTE_ETH_RSS_IP | Layouts.RTE_ETH_RSS_TCP | Layouts.RTE_ETH_RSS_UDP);
                if (rss == 0) {
                    throw new DpdkException("device " + devargs + " (" + driver + ") has no RSS hash for IP/TCP/UDP, "
                            + "so it cannot spread flows over " + rxQueues + " rx queues; use rxQueues(1)");
                }
                conf.set(JAVA_INT, Layouts.ETH_CONF_RX_MQ_MODE, Layouts.RTE_ETH_MQ_RX_RSS);
                conf.set(JAVA_LONG, Layouts.ETH_CONF_RSS_HF, rss);
            }
            int rc = (int) Rte.ETH_DEV_CONFIGURE.invokeExact(id, (short) rxQueues, (short) txQueues, conf);
            if (rc != 0) {
                throw new DpdkException("DPDK refused to configure " + devargs + " with " + rxQueues + " rx / "
                        + txQueues + " tx queues: " + Rte.strerror(-rc));
            }
            int socket = (int) Rte.ETH_DEV_SOCKET_ID.invokeExact(id);
            if (socket < 0) {
                socket = dpdk.socket();
            }
            for (int q = 0; q < rxQueues; q++) {
                rc = (int) Rte.ETH_RX_QUEUE_SETUP.invokeExact(id, (short) q, (short) rxDescriptors, socket,
                        MemorySegment.NULL, memory.pool);
                if (rc != 0) {
                    throw new DpdkException("DPDK refused rx queue " + q + " of " + devargs + " (" + rxDescriptors
                            + " descriptors): " + Rte.strerror(-rc) + "; fewer descriptors or a larger pool may help");
                }
            }
            for (int q = 0; q < txQueues; q++) {
                rc = (int) Rte.ETH_TX_QUEUE_SETUP.invokeExact(id, (short) q, (short) txDescriptors, socket,
                        MemorySegment.NULL);
                if (rc != 0) {
                    throw new DpdkException("DPDK refused tx queue " + q + " of " + devargs + " (" + txDescriptors
                            + " descriptors): " + Rte.strerror(-rc));
                }
            }
            if (mtu > 0) {
                rc = (int) Rte.ETH_SET_MTU.invokeExact(id, (short) mtu);
                if (rc != 0) {
                    throw new DpdkException("device " + devargs + " (" + driver + ") refused MTU " + mtu + ": "
                            + Rte.strerror(-rc) + ". Fix: an MTU within the device's "
                            + Short.toUnsignedInt(info.get(JAVA_SHORT, Layouts.DEV_INFO_MIN_MTU)) + ".."
                            + Short.toUnsignedInt(info.get(JAVA_SHORT, Layouts.DEV_INFO_MAX_MTU)) + ", or none");
                }
            }
            MemorySegment mtuSeg = a.allocate(JAVA_SHORT);
            int actualMtu = (int) Rte.ETH_GET_MTU.invokeExact(id, mtuSeg) == 0
                    ? Short.toUnsignedInt(mtuSeg.get(JAVA_SHORT, 0)) : 1500;
            MemorySegment macSeg = a.allocate(8, 2);
            long mac = 0;
            if ((int) Rte.ETH_MACADDR_GET.invokeExact(id, macSeg) == 0) {
                for (int i = 0; i < 6; i++) {
                    mac = (mac << 8) | Byte.toUnsignedInt(macSeg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i));
                }
            }
            DpdkPort port = new DpdkPort(this, id, device, driver, actualMtu, mac);
            memory.attach();
            try {
                port.start();
            } catch (RuntimeException e) {
                memory.detach();
                throw e;
            }
            if (promiscuous) {
                rc = (int) Rte.ETH_PROMISCUOUS_ENABLE.invokeExact(id); // -ENOTSUP from PMDs without filters: fine
            }
            return port;
        }

        /** The device name inside devargs: what comes before the first comma. */
        static String deviceName(String devargs) {
            int comma = devargs.indexOf(',');
            return (comma < 0 ? devargs : devargs.substring(0, comma)).strip();
        }
    }
}
