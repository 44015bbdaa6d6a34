package org.vswitch4j.io.linux;

import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.io.linux.internal.Bpf;
import org.vswitch4j.io.linux.internal.Libc;
import org.vswitch4j.io.linux.internal.BurstLock;
import org.vswitch4j.io.linux.internal.LinkWatch;
import org.vswitch4j.io.linux.internal.Native;
import org.vswitch4j.io.linux.internal.NetDevice;
import org.vswitch4j.io.linux.internal.NetNs;
import org.vswitch4j.io.linux.internal.PortCounters;
import org.vswitch4j.io.linux.internal.RxWakeups;

/**
 * A port on any Linux network device through AF_XDP sockets, one per queue: an XDP program on the device
 * redirects every frame of a queue that has a socket into it, the rest go on to the kernel stack.
 * <pre>{@code
 * try (XdpUmem umem = XdpUmem.builder().frames(8192).build();
 *      AfXdpPort a = AfXdpPort.builder("vsl-v1b").umem(umem).build();
 *      AfXdpPort b = AfXdpPort.builder("vsl-v2b").umem(umem).build()) {   // a <-> b forwards without a copy
 *     bridge.addPort(a, BridgePortConfig.access("a", 10));
 *     bridge.addPort(b, BridgePortConfig.access("b", 10));
 * }
 * }</pre>
 *
 * <h2>Modes</h2>
 * XDP attach: {@link XdpMode#NATIVE} (the driver runs the program; veth has it), {@link XdpMode#GENERIC} (the
 * stack runs it on an skb; every driver), {@link XdpMode#AUTO} native first. Binding: {@link BindMode#ZERO_COPY}
 * (the NIC DMAs into the UMEM; veth has none), {@link BindMode#COPY}, {@link BindMode#AUTO} zero-copy first.
 * The program is a five-instruction redirect loaded and attached with the {@code bpf()} system call through a
 * BPF link, so it goes away when the port closes or the process dies. need_wakeup is on by default: the
 * kernel then asks for a syscall only when it needs one (in copy mode every transmit needs a {@code sendto}
 * kick; see {@code XskSocket#kick}).
 *
 * <h2>Memory</h2>
 * Frames are received into the port's {@link XdpUmem} and transmitted from it by address; a frame from other
 * memory (a TAP or memory port) is copied into a free UMEM frame on transmit. Ports that share one UMEM
 * forward between each other without a copy; give the switch the same UMEM as its memory
 * ({@code Switch.builder().memory(umem)}) and the copies it makes for floods land in it too.
 *
 * <h2>Idle, link</h2>
 * As for {@link TapPort}: the sockets' fds wake sleeping poll threads through epoll (unless
 * {@link Builder#busyPoll busyPoll}); {@link #linkUp()} is the device's IFF_UP and its carrier
 * ({@code ETHTOOL_GLINK}, which follows the carrier at once where IFF_RUNNING may lag it by up to a second).
 * A device that is deleted and created again (a new ifindex) gets a new program and new sockets: each
 * queue's poll thread re-attaches its socket within about 100 ms of seeing the device back, so the port comes
 * back when the device does; frames the dead socket held return to the UMEM.
 *
 * <h2>Offloads</h2>
 * XDP sees the frame's bytes and nothing beside them. A peer that leaves work to "the hardware" loses it on
 * the way here: on a veth, turn off the peer's checksum and segmentation offloads ({@code ethtool -K PEER tx
 * off tso off gso off}) and its tx VLAN offload ({@code txvlan off}), else frames arrive without checksums,
 * above the MTU, or without their 802.1Q tag (which the kernel then carries out of band). On a NIC, the same
 * goes for rx VLAN stripping ({@code rxvlan off}).
 *
 * <h2>Needs</h2>
 * Kernel 5.9+ with CONFIG_XDP_SOCKETS and CONFIG_BPF_SYSCALL; CAP_NET_RAW, CAP_NET_ADMIN and CAP_BPF (or
 * root); locked memory for the UMEM (see {@link XdpUmem}). Errors say which is missing.
 *
 * <p>Thread-safety: as {@link Port} says. A queue's socket rx side belongs to its poll thread; transmit picks
 * a queue by the calling thread and holds that queue's lock for the burst; status methods from any thread.
 */
public final class AfXdpPort implements Port {
    private static final long REATTACH_NANOS = 100_000_000L;

    /** Where the XDP program runs. */
    public enum XdpMode {
        /** Native if the driver supports it, else generic. */
        AUTO,
        /** In the driver (XDP_FLAGS_DRV_MODE). */
        NATIVE,
        /** In the stack, on an skb (XDP_FLAGS_SKB_MODE). */
        GENERIC
    }

    /** How frames reach the UMEM. */
    public enum BindMode {
        /** Zero-copy if the driver supports it, else copy. */
        AUTO,
        /** The kernel copies frames into and out of the UMEM (XDP_COPY). */
        COPY,
        /** The driver uses the UMEM directly (XDP_ZEROCOPY). */
        ZERO_COPY
    }

    private final String name;
    private final String namespace;
    private final XdpUmem umem;
    private final boolean ownsUmem;
    private final int ringSize;
    private final XdpMode xdpMode;
    private final BindMode bindMode;
    private final boolean needWakeup;
    private final boolean busyPoll;
    private final LinkWatch link;
    private final Queue[] queues;
    private final PortCounters counters = new PortCounters();
    private final int mtu;
    private final long mac;
    private volatile boolean closed;

    // ---- the XDP attachment, guarded by this ----
    private int mapFd = -1;
    private int progFd = -1;
    private int linkFd = -1;
    private int attachedIndex;
    private XdpMode attachedMode;
    /** Kernel statistics of sockets already closed, so that stats() does not go backwards. */
    private final long[] closedStats = new long[6];

    private AfXdpPort(Builder b) {
        this.name = b.name;
        this.namespace = b.namespace;
        this.ringSize = b.ringSize;
        this.xdpMode = b.xdpMode;
        this.bindMode = b.bindMode;
        this.needWakeup = b.needWakeup;
        this.busyPoll = b.busyPoll;
        if (b.umem != null) {
            this.umem = b.umem;
            this.ownsUmem = false;
        } else {
            this.umem = XdpUmem.builder().frames(Math.max(4096, b.queues * 2 * b.ringSize)).build();
            this.ownsUmem = true;
        }
        this.queues = new Queue[b.queues];
        LinkWatch lw = null;
        try {
            lw = NetNs.call(namespace, () -> new LinkWatch(new NetDevice(name)));
            this.link = lw;
            int index = lw.index();
            if (index == 0) {
                throw new LinuxIoException("no network device named " + name
                        + (namespace == null ? "" : " in namespace " + namespace) + " (ip link show"
                        + (namespace == null ? "" : " in ip netns exec " + namespace) + ")", Libc.ENODEV);
            }
            NetDevice d = lw.device();
            this.mtu = d.mtu();
            this.mac = d.mac();
            if (mtu + 18 > umem.bufferSize() - XdpUmem.HEADROOM) {
                throw new IllegalArgumentException("MTU " + mtu + " of " + name + " does not fit a "
                        + umem.bufferSize() + "-byte UMEM frame (" + (umem.bufferSize() - XdpUmem.HEADROOM)
                        + " bytes after the headroom); build the XdpUmem with frameSize(4096)");
            }
            NetNs.call(namespace, () -> {
                attach(index);
                for (int q = 0; q < queues.length; q++) {
                    queues[q] = new Queue(q, openSocket(index, q));
                }
                return null;
            });
        } catch (RuntimeException e) {
            for (Queue q : queues) {
                if (q != null) {
                    q.close();
                }
            }
            detach();
            if (lw != null) {
                lw.close();
            }
            if (ownsUmem) {
                umem.close();
            }
            throw e;
        }
    }

    /** A builder for device {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    // ---- setup (in the device's namespace) ---------------------------------------------------------

    /** Loads and attaches the redirect program to device {@code index}. Under this or during construction. */
    private synchronized void attach(int index) {
        detach();
        mapFd = Bpf.createXskMap(queues.length);
        progFd = Bpf.loadRedirectProgram(mapFd);
        if (xdpMode == XdpMode.GENERIC) {
            linkFd = Bpf.attachXdp(progFd, index, Bpf.XDP_FLAGS_SKB_MODE, name);
            attachedMode = XdpMode.GENERIC;
        } else {
            try {
                linkFd = Bpf.attachXdp(progFd, index, Bpf.XDP_FLAGS_DRV_MODE, name);
                attachedMode = XdpMode.NATIVE;
            } catch (LinuxIoException e) {
                if (xdpMode == XdpMode.NATIVE) {
                    throw e;
                }
                linkFd = Bpf.attachXdp(progFd, index, Bpf.XDP_FLAGS_SKB_MODE, name);
                attachedMode = XdpMode.GENERIC;
            }
        }
        attachedIndex = index;
    }

    private synchronized void detach() {
        Native.closeQuietly(linkFd); // the BPF link: closing it detaches the program
        Native.closeQuietly(progFd);
        Native.closeQuietly(mapFd);
        linkFd = progFd = mapFd = -1;
        attachedIndex = 0;
    }

    /** Opens queue {@code q}'s socket on device {@code index} and puts it into the map. */
    private synchronized XskSocket openSocket(int index, int q) {
        XskSocket s;
        if (bindMode == BindMode.COPY) {
            s = XskSocket.open(umem, name, index, q, ringSize, false, needWakeup);
        } else {
            try {
                s = XskSocket.open(umem, name, index, q, ringSize, true, needWakeup);
            } catch (LinuxIoException e) {
                if (bindMode == BindMode.ZERO_COPY) {
                    throw e;
                }
                s = XskSocket.open(umem, name, index, q, ringSize, false, needWakeup);
            }
        }
        try {
            Bpf.updateElement(mapFd, q, s.fd);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    // ---- Port ----------------------------------------------------------------------------------------

    @Override
    public String name() {
        return name;
    }

    @Override
    public int rxQueues() {
        return queues.length;
    }

    @Override
    public int receive(int queue, PacketBatch batch) {
        Queue q = queues[queue];
        // Uncontended but for close(): a socket closing under this burst would free frames the burst is taking
        // from its rx ring (they would then be freed twice). One lock round per burst.
        if (!q.rxLock.tryLock()) {
            return 0;
        }
        try {
            XskSocket s = q.socket;
            if (s == null || q.stale) {
                q.maybeReattach();
                return 0;
            }
            if (s.completionsPending() && q.txLock.tryLock()) {
                try {
                    s.reapCompletions(); // frames this socket sent, back to the UMEM for the fill ring
                } finally {
                    q.txLock.unlock();
                }
            }
            int n = s.receive(batch, q.rxBytes);
            if (n > 0) {
                counters.rxPackets.add(n);
                counters.rxBytes.add(q.rxBytes[0]);
            }
            return n;
        } finally {
            q.rxLock.unlock();
        }
    }

    @Override
    public void transmit(PacketBatch batch) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        Queue q = queues.length == 1 ? queues[0] : queues[(int) (Thread.currentThread().threadId() % queues.length)];
        if (closed || !link.up()) {
            batch.releaseAll();
            counters.txDropped.add(n);
            return;
        }
        BurstLock.lock(q.txLock);
        try {
            XskSocket s = q.socket;
            if (s == null || q.stale) {
                batch.releaseAll();
                counters.txDropped.add(n);
                return;
            }
            long[] out = q.txOut;
            s.transmit(batch, out);
            if (out[0] > 0) {
                counters.txPackets.add(out[0]);
                counters.txBytes.add(out[1]);
            }
            if (out[2] > 0) {
                counters.txDropped.add(out[2]);
            }
        } finally {
            q.txLock.unlock();
        }
    }

    @Override
    public boolean armRxWakeup(int queue, Runnable wakeup) {
        if (busyPoll) {
            return false;
        }
        Queue q = queues[queue];
        RxWakeups.Registration r = q.wake;
        return r != null && !q.stale && r.arm(wakeup);
    }

    @Override
    public PacketMemory memory() {
        return umem;
    }

    /** The UMEM this port's sockets use. */
    public XdpUmem umem() {
        return umem;
    }

    @Override
    public boolean linkUp() {
        if (closed) {
            return false;
        }
        boolean up = link.up();
        int index = link.index();
        boolean all = true;
        for (Queue q : queues) {
            XskSocket s = q.socket;
            if (s == null || s.ifindex != index) {
                q.stale = true; // the device went or was replaced: the queue's poll thread re-attaches
                all = false;
            }
        }
        return up && all;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public long mac() {
        return mac;
    }

    @Override
    public PortStats stats() {
        long[] k = kernelStatistics();
        // rx_dropped (no fill frame) and rx_ring_full lose frames; invalid tx descriptors count as tx errors.
        return counters.snapshot(k[0] + k[3], k[2]);
    }

    /**
     * The kernel's AF_XDP counters summed over the port's sockets (live and closed):
     * {rx_dropped, rx_invalid_descs, tx_invalid_descs, rx_ring_full, rx_fill_ring_empty_descs,
     * tx_ring_empty_descs}.
     */
    public synchronized long[] kernelStatistics() {
        long[] sum = closedStats.clone();
        for (Queue q : queues) {
            XskSocket s = q.socket;
            if (s != null) {
                long[] st = s.statistics();
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += st[i];
                }
            }
        }
        return sum;
    }

    /** Where the XDP program runs now (AUTO resolved). */
    public synchronized XdpMode xdpMode() {
        return attachedMode;
    }

    /** Whether queue {@code q}'s socket is bound in zero-copy mode. */
    public boolean zeroCopy(int q) {
        XskSocket s = queues[q].socket;
        return s != null && s.zeroCopy;
    }

    /** sendto kicks made so far over all queues (the cost of need_wakeup in copy mode). */
    public long kicks() {
        long k = 0;
        for (Queue q : queues) {
            XskSocket s = q.socket;
            if (s != null) {
                k += s.kicks;
            }
        }
        return k;
    }

    public String namespace() {
        return namespace;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (Queue q : queues) {
            q.close();
        }
        detach();
        link.close();
        if (ownsUmem) {
            umem.close();
        }
    }

    @Override
    public String toString() {
        return "AfXdpPort[" + name + (namespace == null ? "" : " in " + namespace) + ", " + queues.length
                + " queue(s), " + attachedMode + "]";
    }

    private synchronized void addClosedStats(XskSocket s) {
        long[] st = s.statistics();
        for (int i = 0; i < st.length; i++) {
            closedStats[i] += st[i];
        }
    }

    /**
     * One queue: its socket and epoll registration (replaced by the queue's poll thread on re-attach, under
     * {@code txLock}) and the scratch arrays of its rx thread and tx lock holder.
     */
    private final class Queue {
        final int index;
        final ReentrantLock txLock = new ReentrantLock();
        /** Held by the rx thread for a burst and by close(); taken before txLock where both are held. */
        final ReentrantLock rxLock = new ReentrantLock();
        final long[] rxBytes = new long[1];
        final long[] txOut = new long[3];
        volatile XskSocket socket;
        volatile RxWakeups.Registration wake;
        /** Set by linkUp() when the device went or was replaced; cleared by a re-attach. */
        volatile boolean stale;
        long lastAttempt;

        Queue(int index, XskSocket s) {
            this.index = index;
            this.socket = s;
            this.wake = RxWakeups.get().register(s.fd);
        }

        /** On the queue's poll thread: drops a dead socket and opens one on the device that is there now. */
        void maybeReattach() {
            long now = System.nanoTime();
            if (closed || now - lastAttempt < REATTACH_NANOS) {
                return;
            }
            lastAttempt = now;
            link.refresh();
            int idx = link.index();
            XskSocket s = socket;
            if (s != null && s.ifindex == idx) {
                stale = false; // a false alarm (read before the device settled)
                return;
            }
            txLock.lock();
            try {
                closeSocket(); // its frames go back to the UMEM now, whether or not the device returns
            } finally {
                txLock.unlock();
            }
            if (idx == 0) {
                return;
            }
            XskSocket ns;
            try {
                ns = NetNs.call(namespace, () -> {
                    synchronized (AfXdpPort.this) {
                        if (attachedIndex != idx) {
                            attach(idx);
                        }
                        return openSocket(idx, index);
                    }
                });
            } catch (RuntimeException e) {
                return; // not ready yet (e.g. the device is still being set up); try again later
            }
            txLock.lock();
            try {
                if (closed) {
                    ns.close();
                    return;
                }
                wake = RxWakeups.get().register(ns.fd);
                socket = ns;
                stale = false;
            } finally {
                txLock.unlock();
            }
        }

        private void closeSocket() {
            XskSocket s = socket;
            if (s != null) {
                socket = null;
                RxWakeups.Registration r = wake;
                wake = null;
                if (r != null) {
                    r.close();
                }
                addClosedStats(s);
                s.close();
            }
        }

        void close() {
            rxLock.lock();
            try {
                txLock.lock();
                try {
                    closeSocket();
                } finally {
                    txLock.unlock();
                }
            } finally {
                rxLock.unlock();
            }
        }
    }

    /** Options for an {@link AfXdpPort}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private String namespace;
        private int queues = 1;
        private XdpUmem umem;
        private int ringSize = 2048;
        private XdpMode xdpMode = XdpMode.AUTO;
        private BindMode bindMode = BindMode.AUTO;
        private boolean needWakeup = true;
        private boolean busyPoll;

        private Builder(String name) {
            NetDevice.checkName(name);
            this.name = name;
        }

        /** The network namespace ({@code ip netns} name) the device is in; default this process's. */
        public Builder namespace(String ns) {
            this.namespace = Objects.requireNonNull(ns, "namespace");
            return this;
        }

        /** Queues 0..n-1 of the device get a socket each, n in 1..64 (default 1). */
        public Builder queues(int n) {
            if (n < 1 || n > 64) {
                throw new IllegalArgumentException("AF_XDP queues " + n + " is outside 1..64");
            }
            this.queues = n;
            return this;
        }

        /** The UMEM to share with other ports (default: one of the port's own, closed with it). */
        public Builder umem(XdpUmem umem) {
            this.umem = Objects.requireNonNull(umem, "umem");
            return this;
        }

        /** Entries per ring (fill, completion, rx, tx): a power of two in 64..16384 (default 2048). */
        public Builder ringSize(int n) {
            if (n < 64 || n > 16384 || Integer.bitCount(n) != 1) {
                throw new IllegalArgumentException("ring size " + n + " must be a power of two in 64..16384");
            }
            this.ringSize = n;
            return this;
        }

        public Builder xdpMode(XdpMode mode) {
            this.xdpMode = Objects.requireNonNull(mode, "xdpMode");
            return this;
        }

        public Builder bindMode(BindMode mode) {
            this.bindMode = Objects.requireNonNull(mode, "bindMode");
            return this;
        }

        /** XDP_USE_NEED_WAKEUP (default true): syscalls only when the kernel asks for them. */
        public Builder needWakeup(boolean on) {
            this.needWakeup = on;
            return this;
        }

        /** Never let a poll thread sleep on this port's queues (default false). */
        public Builder busyPoll(boolean on) {
            this.busyPoll = on;
            return this;
        }

        /** Opens the port. @throws LinuxIoException naming what failed and what to do */
        public AfXdpPort build() {
            return new AfXdpPort(this);
        }
    }
}
