package org.vswitch4j.io.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.io.linux.internal.Libc;
import org.vswitch4j.io.linux.internal.BurstLock;
import org.vswitch4j.io.linux.internal.IoUring;
import org.vswitch4j.io.linux.internal.LinkWatch;
import org.vswitch4j.io.linux.internal.Native;
import org.vswitch4j.io.linux.internal.NetDevice;
import org.vswitch4j.io.linux.internal.NetNs;
import org.vswitch4j.io.linux.internal.PortCounters;
import org.vswitch4j.io.linux.internal.RxWakeups;
import org.vswitch4j.io.linux.internal.Tun;
import org.vswitch4j.io.linux.internal.VnetHeader;

/**
 * A port on a Linux TAP device ({@code /dev/net/tun}, {@code IFF_TAP | IFF_NO_PI}): frames the kernel sends
 * out of the TAP arrive here, frames transmitted here enter the kernel as if received on it. Creates the
 * device, or attaches to an existing one of that name (a persistent TAP made with {@code ip tuntap add}), in
 * this process's network namespace or in a named one ({@link Builder#namespace}).
 * <pre>{@code
 * try (TapPort tap = TapPort.builder("vsl-tap0").queues(2).mtu(1500).build()) {
 *     bridge.addPort(tap, BridgePortConfig.access("vsl-tap0", 10));
 * }
 * }</pre>
 *
 * <h2>I/O</h2>
 * Each queue is one non-blocking fd ({@code IFF_MULTI_QUEUE} when there are several; the kernel spreads
 * flows over them). A TAP moves one frame per {@code read} or {@code write} (it has no recvmmsg, and readv
 * fills one frame per call), so by default each queue batches them through two io_uring rings, one for its
 * receives and one for its transmits: a receive hands the kernel a burst of reads into fresh buffers in one
 * {@code io_uring_enter} (as many as the last burst found, doubled, at least {@value #MIN_READS}; the reads
 * that find nothing complete with {@code EAGAIN} and keep their buffers for the next burst), a transmit a
 * burst of writes straight from the frames' buffers, whatever memory they live in (no copy). Where the kernel
 * refuses io_uring (a sysctl or a container's seccomp filter), or with {@link Builder#ioUring(boolean)
 * ioUring(false)}, the port makes one {@code read(2)}/{@code write(2)} per frame instead.
 *
 * <h2>Offloads</h2>
 * By default the TAP has no {@code IFF_VNET_HDR}: the kernel completes checksums and segments before frames reach
 * us, so hosts need no offload settings, and every frame is at most MTU + 14 bytes. With
 * {@link Builder#offloads(boolean) offloads(true)} (what QEMU and Open vSwitch's userspace TSO do) the TAP is
 * opened with {@code IFF_VNET_HDR}, a 12-byte {@code virtio_net_hdr_v1} ({@code TUNSETVNETHDRSZ}) and
 * {@code TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)}: the kernel hands over frames with partial
 * checksums and TCP segments of up to 64 KB, which the port marks as the packet's offload state
 * ({@link Packet#offload}), and takes the same on transmit. Another TAP with offloads gets such a frame and its
 * header untouched (one write instead of ~45, and the receiving stack gets the large segment as GRO would
 * make it); every other port gets it completed and segmented by the datapath
 * ({@link org.vswitch4j.core.packet.Offloads}). The header lives in the 12 bytes of headroom before the frame,
 * so neither direction copies. Such frames need large buffers: without {@link Builder#memory} the port owns a
 * pool of {@value #OFFLOAD_BUFFERS_PER_QUEUE} buffers of {@value #OFFLOAD_BUFFER_SIZE} bytes per queue. A frame
 * whose header is malformed (a GSO type not asked for, offsets outside the frame) is dropped and counted in
 * {@code rx_errors} and {@link #vnetHeaderErrors()}.
 *
 * <h2>Idle</h2>
 * Each queue's fd is registered with the module's epoll thread; {@link #armRxWakeup} lets a poll thread sleep
 * until the fd is readable, unless the port was built with {@link Builder#busyPoll(boolean) busyPoll(true)}.
 *
 * <h2>Link</h2>
 * {@link #linkUp()} is the device's IFF_UP and its carrier ({@code ETHTOOL_GLINK}), read at most every 10 ms.
 * When the device is set down the port is down (transmits are dropped and counted) and comes back with it.
 * When the device is deleted under traffic the queues' fds die; the poll thread of each queue re-attaches
 * when a device of that name exists again (checked at most every 100 ms), so the port comes back when the
 * device does.
 *
 * <h2>Ownership</h2>
 * Received frames live in the port's memory ({@link Builder#memory}, else a pool the port owns and frees on
 * close). {@link #transmit} releases every frame after writing it. {@link #close()} closes every fd (a
 * non-persistent TAP the port created then disappears) and frees the pool it owns.
 *
 * <p>Thread-safety: as {@link Port} says. Each queue's rx state belongs to its poll thread; transmit picks a
 * queue by the calling thread and holds that queue's lock for the burst; status methods from any thread.
 */
public final class TapPort implements Port {
    private static final long REATTACH_NANOS = 100_000_000L;
    /** Reads per receive burst when the last one found nothing: an idle poll costs one io_uring_enter. */
    static final int MIN_READS = 2;
    /** Operations per io_uring_enter (a burst larger than this takes several). */
    static final int RING_ENTRIES = 64;
    /** Buffer size of the pool an offloading port owns: a 64 KB GSO frame, its vnet header and 256 bytes of headroom. */
    static final int OFFLOAD_BUFFER_SIZE = 66048;
    /** Buffers per queue of the pool an offloading port owns (33 MB per queue). */
    static final int OFFLOAD_BUFFERS_PER_QUEUE = 512;
    /** The largest frame an offloading port must be able to receive: 64 KB of IP packet, Ethernet and two tags. */
    static final int OFFLOAD_MAX_FRAME = 65535 + 14 + 8;

    private final String name;
    private final String namespace;
    private final boolean multiQueue;
    private final boolean busyPoll;
    /** IFF_VNET_HDR: every read and write carries a {@link VnetHeader} before the frame. */
    private final boolean offloads;
    /** Bytes before the frame a read or write starts at: the vnet header's size, or 0. */
    private final int hdr;
    private final LongAdder vnetHeaderErrors = new LongAdder();
    private final PacketMemory memory;
    private final boolean ownsMemory;
    private final int maxFrame;
    private final boolean ioUring;
    private final LinkWatch link;
    private final Queue[] queues;
    private final PortCounters counters = new PortCounters();
    private final int mtu;
    private final long mac;
    private volatile boolean closed;

    private TapPort(Builder b) {
        this.name = b.name;
        this.namespace = b.namespace;
        this.multiQueue = b.queues > 1;
        this.busyPoll = b.busyPoll;
        this.offloads = b.offloads;
        this.hdr = offloads ? VnetHeader.SIZE : 0;
        if (b.memory != null) {
            this.memory = b.memory;
            this.ownsMemory = false;
            if (offloads && (memory.headroom() < VnetHeader.SIZE
                    || memory.bufferSize() - memory.headroom() < OFFLOAD_MAX_FRAME)) {
                throw new IllegalArgumentException("a TAP port with offloads needs buffers with at least "
                        + VnetHeader.SIZE + " bytes of headroom and " + OFFLOAD_MAX_FRAME + " bytes after it (a 64 KB"
                        + " GSO frame); the memory given has " + memory.headroom() + " and "
                        + (memory.bufferSize() - memory.headroom()) + "; give a BufferPool with bufferSize("
                        + OFFLOAD_BUFFER_SIZE + "), or build the port with offloads(false)");
            }
        } else {
            this.memory = offloads
                    ? BufferPool.builder().bufferSize(OFFLOAD_BUFFER_SIZE).count(OFFLOAD_BUFFERS_PER_QUEUE * b.queues).build()
                    : BufferPool.builder().count(2048 * b.queues).build();
            this.ownsMemory = true;
        }
        this.maxFrame = memory.bufferSize() - memory.headroom();
        if (!memory.region().isNative()) {
            throw new IllegalArgumentException("a TAP port needs native packet memory (the kernel reads and writes it)");
        }
        this.queues = new Queue[b.queues];
        if (b.ioUring == Boolean.TRUE && !UringProbe.AVAILABLE) {
            IoUring.open(2).close(); // throws the reason, with what to do
        }
        this.ioUring = b.ioUring == null ? UringProbe.AVAILABLE : b.ioUring;
        LinkWatch lw = null;
        try {
            int[] fds = NetNs.call(namespace, () -> {
                if (b.attachOnly) {
                    try (NetDevice d = new NetDevice(name)) {
                        if (d.index() == 0) {
                            throw new LinuxIoException("no TAP device named " + name
                                    + (namespace == null ? "" : " in namespace " + namespace)
                                    + " to attach to; create it (ip tuntap add " + name + " mode tap) or build the"
                                    + " port without attachOnly()", Libc.ENODEV);
                        }
                    }
                }
                int[] r = new int[b.queues];
                java.util.Arrays.fill(r, -1);
                try {
                    for (int q = 0; q < r.length; q++) {
                        r[q] = Tun.openQueue(name, multiQueue, offloads);
                    }
                } catch (RuntimeException e) {
                    for (int fd : r) {
                        Native.closeQuietly(fd);
                    }
                    throw e;
                }
                return r;
            });
            for (int q = 0; q < queues.length; q++) {
                try {
                    queues[q] = new Queue(fds[q]);
                } catch (RuntimeException e) {
                    for (int r = q; r < fds.length; r++) {
                        Native.closeQuietly(fds[r]); // fds no queue owns yet
                    }
                    throw e;
                }
            }
            if (b.persistent != null) {
                Tun.setPersistent(fds[0], name, b.persistent);
            }
            lw = NetNs.call(namespace, () -> new LinkWatch(new NetDevice(name)));
            NetDevice d = lw.device();
            if (b.mtu > 0) {
                d.setMtu(b.mtu);
            }
            if (b.mac >= 0) {
                d.setMac(b.mac);
            }
            if (b.up) {
                d.setUp(true);
            }
            this.mtu = d.mtu();
            this.mac = d.mac();
            lw.refresh();
        } catch (RuntimeException e) {
            for (Queue q : queues) {
                if (q != null) {
                    q.close();
                }
            }
            if (lw != null) {
                lw.close();
            }
            if (ownsMemory && memory instanceof BufferPool p) {
                p.close();
            }
            throw e;
        }
        this.link = lw;
    }

    /** A builder for TAP {@code name} (1..15 bytes, as {@code ip link} allows). */
    public static Builder builder(String name) {
        return new Builder(name);
    }

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
        int fd = q.fd;
        if (fd < 0) {
            q.maybeReattach();
            return 0;
        }
        if (q.rxRing != null) {
            // Uncontended but for close(), which unmaps the rings this burst writes: one lock round per burst
            if (!q.rxLock.tryLock()) {
                return 0;
            }
            try {
                return q.rxRing.closed() ? 0 : receiveBatched(q, batch, fd);
            } finally {
                q.rxLock.unlock();
            }
        }
        MemorySegment err = q.rxErr;
        MemorySegment region = memory.region();
        long regionAddr = region.address();
        int headroom = memory.headroom();
        int n = 0;
        long bytes = 0;
        int want = batch.remaining();
        while (n < want) {
            long h = q.spare;
            if (h < 0) {
                h = memory.allocate();
                if (h < 0) {
                    counters.rxDropped.increment(); // the kernel keeps the frame; counted once per empty pool
                    break;
                }
            }
            long r = Libc.readAt(err, fd, regionAddr + memory.bufferOffset(h) + headroom - hdr, maxFrame + hdr) - hdr;
            if (r <= 0) {
                if (r > -hdr) {
                    counters.rxErrors.increment(); // shorter than a vnet header: nothing we can use
                    q.spare = h;
                    continue;
                }
                r += hdr; // the read's own result: 0 or -1
                q.spare = h;
                if (r < 0) {
                    int e = Libc.errno(err);
                    if (e != Libc.EAGAIN && e != Libc.EINTR) {
                        counters.rxErrors.increment();
                        if (e == Libc.EBADFD || e == Libc.EIO || e == Libc.ENXIO) {
                            q.lost(); // the device went away under us
                        }
                    }
                }
                break;
            }
            q.spare = -1;
            Packet p = batch.add().bind(memory, h, headroom, (int) r);
            if (offloads && !VnetHeader.read(p)) {
                rejectVnetHeader(batch, p);
                continue;
            }
            n++;
            bytes += r;
        }
        if (n > 0) {
            counters.rxPackets.add(n);
            counters.rxBytes.add(bytes);
        }
        return n;
    }

    /** One burst of reads through the queue's rx ring, into buffers the queue keeps between bursts. */
    private int receiveBatched(Queue q, PacketBatch batch, int fd) {
        IoUring ring = q.rxRing;
        long[] bufs = q.rxBufs;
        int k = Math.min(Math.min(batch.remaining(), ring.entries()), Math.max(MIN_READS, 2 * q.lastGot));
        if (q.held < k) {
            q.held += memory.allocate(bufs, q.held, k - q.held);
            if (q.held < k) {
                k = q.held;
                if (k == 0) {
                    counters.rxDropped.increment(); // the kernel keeps the frame; counted once per empty pool
                    return 0;
                }
            }
        }
        long base = memory.region().address();
        int headroom = memory.headroom();
        for (int i = 0; i < k; i++) {
            ring.prepare(IoUring.OP_READ, fd, base + memory.bufferOffset(bufs[i]) + headroom - hdr, maxFrame + hdr, i);
        }
        int[] res = q.rxRes;
        ring.submitAndWait(res);
        int n = 0;
        int keep = 0;
        long bytes = 0;
        boolean gone = false;
        for (int i = 0; i < k; i++) { // in submission order, which is the order the kernel ran the reads in
            int r = res[i];
            long h = bufs[i];
            if (r > hdr) {
                r -= hdr;
                Packet p = batch.add().bind(memory, h, headroom, r);
                if (offloads && !VnetHeader.read(p)) {
                    rejectVnetHeader(batch, p);
                    continue;
                }
                n++;
                bytes += r;
            } else if (r > 0) {
                bufs[keep++] = h;
                counters.rxErrors.increment(); // shorter than a vnet header: nothing we can use
            } else {
                bufs[keep++] = h;
                if (r < 0 && r != -Libc.EAGAIN && r != -Libc.EINTR) {
                    counters.rxErrors.increment();
                    gone |= r == -Libc.EBADFD || r == -Libc.EIO || r == -Libc.ENXIO;
                }
            }
        }
        for (int i = k; i < q.held; i++) {
            bufs[keep++] = bufs[i];
        }
        q.held = keep;
        q.lastGot = n;
        if (n > 0) {
            counters.rxPackets.add(n);
            counters.rxBytes.add(bytes);
        }
        if (gone) {
            q.lost(); // the device went away under us
        }
        return n;
    }

    /** Drops the frame just added to {@code batch} whose vnet header is malformed: counted, never thrown. */
    private void rejectVnetHeader(PacketBatch batch, Packet p) {
        counters.rxErrors.increment();
        vnetHeaderErrors.increment();
        p.release();
        batch.size(batch.size() - 1);
    }

    @Override
    public void transmit(PacketBatch batch) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        Queue q = queues.length == 1 ? queues[0] : queues[(int) (Thread.currentThread().threadId() % queues.length)];
        if (!link.up() || closed) {
            batch.releaseAll();
            counters.txDropped.add(n);
            return;
        }
        int sent = 0;
        int dropped = 0;
        int errors = 0;
        long bytes = 0;
        BurstLock.lock(q.txLock);
        try {
            int fd = q.fd;
            if (q.txRing != null && q.txRing.closed()) {
                dropped = n; // the port closed after the check above
            } else if (q.txRing != null) {
                long[] out = q.txOut;
                transmitBatched(q, batch, fd, out);
                sent = (int) out[0];
                bytes = out[1];
                dropped = (int) out[2];
                errors = (int) out[3];
            } else {
                MemorySegment err = q.txErr;
                for (int i = 0; i < n; i++) {
                    Packet p = batch.get(i);
                    int len = p.length();
                    if (fd < 0 || len > maxFrame || p.dataOffset() < hdr) {
                        dropped++;
                    } else {
                        if (offloads) {
                            VnetHeader.write(p);
                        }
                        long r = Libc.writeAt(err, fd, p.region().address() + p.address() - hdr, len + hdr) - hdr;
                        if (r == len) {
                            sent++;
                            bytes += len;
                        } else if (r < 0 && isDeviceGone(Libc.errno(err))) {
                            dropped++;
                        } else {
                            errors++;
                        }
                    }
                }
            }
        } finally {
            q.txLock.unlock();
        }
        batch.releaseAll();
        if (sent > 0) {
            counters.txPackets.add(sent);
            counters.txBytes.add(bytes);
        }
        if (dropped > 0) {
            counters.txDropped.add(dropped);
        }
        if (errors > 0) {
            counters.txErrors.add(errors);
        }
    }

    /** Writes the burst through the queue's tx ring: {sent, bytes, dropped, errors} into {@code out}. */
    private void transmitBatched(Queue q, PacketBatch batch, int fd, long[] out) {
        IoUring ring = q.txRing;
        int n = batch.size();
        if (q.txRes.length < n) {
            q.txRes = new int[Math.max(n, 2 * q.txRes.length)]; // a larger burst than before: once per size
        }
        int[] res = q.txRes;
        long sent = 0;
        long bytes = 0;
        long dropped = 0;
        long errors = 0;
        int i = 0;
        while (i < n) {
            int start = i;
            for (; i < n && ring.prepared() < ring.entries(); i++) {
                Packet p = batch.get(i);
                int len = p.length();
                if (fd < 0 || len > maxFrame || p.dataOffset() < hdr) {
                    res[i] = Integer.MIN_VALUE; // (no room for the vnet header: never for the core's memories)
                } else {
                    if (offloads) {
                        VnetHeader.write(p);
                    }
                    ring.prepare(IoUring.OP_WRITE, fd, p.region().address() + p.address() - hdr, len + hdr, i);
                }
            }
            ring.submitAndWait(res);
            for (int j = start; j < i; j++) {
                int r = res[j];
                if (r == Integer.MIN_VALUE) {
                    dropped++;
                } else if (r - hdr == batch.get(j).length()) {
                    sent++;
                    bytes += r - hdr;
                } else if (r < 0 && isDeviceGone(-r)) {
                    dropped++;
                } else {
                    errors++;
                }
            }
        }
        out[0] = sent;
        out[1] = bytes;
        out[2] = dropped;
        out[3] = errors;
    }

    private static boolean isDeviceGone(int e) {
        return e == Libc.EIO || e == Libc.EBADFD || e == Libc.ENXIO || e == Libc.ENETDOWN;
    }

    @Override
    public boolean armRxWakeup(int queue, Runnable wakeup) {
        if (busyPoll) {
            return false;
        }
        RxWakeups.Registration r = queues[queue].wake;
        return r != null && r.arm(wakeup);
    }

    @Override
    public PacketMemory memory() {
        return memory;
    }

    /** Whether the TAP was opened with IFF_VNET_HDR and offloads ({@link Builder#offloads(boolean)}). */
    @Override
    public boolean offloads() {
        return offloads;
    }

    /** Frames dropped on receive because their vnet header was malformed (also in {@code rx_errors}). */
    public long vnetHeaderErrors() {
        return vnetHeaderErrors.sum();
    }

    @Override
    public boolean linkUp() {
        if (closed) {
            return false;
        }
        for (Queue q : queues) {
            if (q.fd < 0) {
                return false;
            }
        }
        return link.up();
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
        return counters.snapshot(0, 0);
    }

    /** The namespace the device lives in, or null for this process's. */
    public String namespace() {
        return namespace;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Queue q : queues) {
            q.rxLock.lock();
            q.txLock.lock();
            try {
                q.close();
            } finally {
                q.txLock.unlock();
                q.rxLock.unlock();
            }
        }
        link.close();
        if (ownsMemory && memory instanceof BufferPool p) {
            p.close();
        }
    }

    @Override
    public String toString() {
        return "TapPort[" + name + (namespace == null ? "" : " in " + namespace) + ", " + queues.length + " queue"
                + (queues.length == 1 ? "" : "s") + "]";
    }

    /**
     * One queue fd. {@code fd} and {@code wake} are replaced only by the queue's poll thread (on re-attach)
     * under {@code txLock}, or by close; the rx fields belong to the poll thread.
     */
    private final class Queue {
        final ReentrantLock txLock = new ReentrantLock();
        /** Held by the rx thread for an io_uring burst and by close(); taken before txLock where both are. */
        final ReentrantLock rxLock = new ReentrantLock();
        final Arena arena = Arena.ofShared();
        final MemorySegment rxErr = Libc.errnoSlot(arena);
        final MemorySegment txErr = Libc.errnoSlot(arena);
        volatile int fd;
        volatile RxWakeups.Registration wake;
        /** A buffer allocated for a read that found nothing, kept for the next one (rx thread only). */
        long spare = -1;
        long lastAttempt;
        /** The io_uring rings (null without io_uring): rx for the poll thread, tx for the tx lock holder. */
        final IoUring rxRing;
        final IoUring txRing;
        /** Buffers for the rx ring's reads: rxBufs[0..held) are the queue's, kept between bursts. */
        final long[] rxBufs;
        final int[] rxRes;
        int held;
        int lastGot;
        int[] txRes;
        final long[] txOut = new long[4];

        Queue(int fd) {
            IoUring rx = null;
            IoUring tx = null;
            if (ioUring) {
                try {
                    rx = IoUring.open(RING_ENTRIES);
                    tx = IoUring.open(RING_ENTRIES);
                } catch (RuntimeException e) {
                    if (rx != null) {
                        rx.close();
                    }
                    arena.close();
                    throw e;
                }
            }
            this.rxRing = rx;
            this.txRing = tx;
            this.rxBufs = rx == null ? null : new long[rx.entries()];
            this.rxRes = rx == null ? null : new int[rx.entries()];
            this.txRes = tx == null ? null : new int[tx.entries()];
            this.fd = fd;
            this.wake = RxWakeups.get().register(fd);
        }

        /** The fd is dead (the device was deleted): closes it; the port is down until re-attached. */
        void lost() {
            txLock.lock();
            try {
                closeFd();
            } finally {
                txLock.unlock();
            }
            lastAttempt = System.nanoTime();
        }

        /** Re-opens the queue when a device of the port's name exists again (rx thread, rate-limited). */
        void maybeReattach() {
            long now = System.nanoTime();
            if (closed || now - lastAttempt < REATTACH_NANOS) {
                return;
            }
            lastAttempt = now;
            link.refresh();
            if (link.index() == 0) {
                return;
            }
            int nfd;
            try {
                nfd = NetNs.call(namespace, () -> Tun.openQueue(name, multiQueue, offloads));
            } catch (LinuxIoException e) {
                return; // not a TAP we can attach to (yet); try again later
            }
            txLock.lock();
            try {
                if (closed) {
                    Native.closeQuietly(nfd);
                    return;
                }
                wake = RxWakeups.get().register(nfd);
                fd = nfd;
            } finally {
                txLock.unlock();
            }
            link.refresh();
        }

        private void closeFd() {
            int f = fd;
            if (f >= 0) {
                fd = -1;
                RxWakeups.Registration r = wake;
                wake = null;
                if (r != null) {
                    r.close();
                }
                Libc.close(txErr, f);
            }
        }

        void close() {
            closeFd();
            if (spare >= 0) {
                memory.release(spare);
                spare = -1;
            }
            if (rxRing != null) {
                memory.release(rxBufs, 0, held);
                held = 0;
                rxRing.close();
                txRing.close();
            }
            arena.close();
        }
    }

    /** Whether io_uring works here, probed once per JVM. */
    private static final class UringProbe {
        static final boolean AVAILABLE = IoUring.available();
    }

    /** Whether this port batches its I/O through io_uring ({@link Builder#ioUring(boolean)}). */
    public boolean usesIoUring() {
        return ioUring;
    }

    /** Options for a {@link TapPort}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private String namespace;
        private int queues = 1;
        private Boolean persistent;
        private boolean attachOnly;
        private int mtu;
        private long mac = -1;
        private boolean up = true;
        private boolean busyPoll;
        private PacketMemory memory;
        private Boolean ioUring;
        private boolean offloads;

        private Builder(String name) {
            NetDevice.checkName(name);
            this.name = name;
        }

        /** The network namespace ({@code ip netns} name) the TAP lives in; default this process's. */
        public Builder namespace(String ns) {
            this.namespace = Objects.requireNonNull(ns, "namespace");
            return this;
        }

        /** Number of queues, 1..256 (default 1); more than one opens the TAP with IFF_MULTI_QUEUE. */
        public Builder queues(int n) {
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("TAP queues " + n + " is outside 1..256");
            }
            this.queues = n;
            return this;
        }

        /**
         * Whether the device outlives the port (TUNSETPERSIST). Default: left as it is (a TAP the port
         * creates is not persistent and disappears on close; a persistent one attached to stays).
         */
        public Builder persistent(boolean on) {
            this.persistent = on;
            return this;
        }

        /** Attach to an existing TAP only; fail if there is none (default: create it when missing). */
        public Builder attachOnly() {
            this.attachOnly = true;
            return this;
        }

        /** The device's MTU, 68..65535 (default: leave it; a new TAP has 1500). */
        public Builder mtu(int mtu) {
            if (mtu < 68 || mtu > 65535) {
                throw new IllegalArgumentException("MTU " + mtu + " is outside 68..65535");
            }
            this.mtu = mtu;
            return this;
        }

        /** The device's MAC address as the low 48 bits (default: the kernel's random one). */
        public Builder mac(long mac) {
            if (mac < 0 || mac >>> 48 != 0 || (mac & (1L << 40)) != 0) {
                throw new IllegalArgumentException(String.format(
                        "MAC %x is not a 48-bit unicast address (bit 40, the group bit, must be 0)", mac));
            }
            this.mac = mac;
            return this;
        }

        /** Set the device up when opening (default true). */
        public Builder up(boolean up) {
            this.up = up;
            return this;
        }

        /** Never let a poll thread sleep on this port's queues: lowest latency, one core busy (default false). */
        public Builder busyPoll(boolean on) {
            this.busyPoll = on;
            return this;
        }

        /** The memory frames are received into (default: a pool of 2048 buffers per queue, owned by the port). */
        public Builder memory(PacketMemory memory) {
            this.memory = Objects.requireNonNull(memory, "memory");
            return this;
        }

        /**
         * Batch each queue's reads and writes through io_uring (true), or make one system call per frame
         * (false). Default: io_uring when the kernel allows it. True where it does not makes {@link #build}
         * throw, naming why.
         */
        public Builder ioUring(boolean on) {
            this.ioUring = on;
            return this;
        }

        /**
         * Open the TAP with IFF_VNET_HDR and checksum and TCP segmentation offloads (true), or without (false, the
         * default); see "Offloads" in {@link TapPort}. An existing TAP attached to takes the setting too.
         */
        public Builder offloads(boolean on) {
            this.offloads = on;
            return this;
        }

        /** Opens the TAP. @throws LinuxIoException naming what failed and what to do */
        public TapPort build() {
            return new TapPort(this);
        }
    }
}
