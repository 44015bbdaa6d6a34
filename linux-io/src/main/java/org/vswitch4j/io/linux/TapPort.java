package org.vswitch4j.io.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.io.linux.internal.Libc;
import org.vswitch4j.io.linux.internal.BurstLock;
import org.vswitch4j.io.linux.internal.LinkWatch;
import org.vswitch4j.io.linux.internal.Native;
import org.vswitch4j.io.linux.internal.NetDevice;
import org.vswitch4j.io.linux.internal.NetNs;
import org.vswitch4j.io.linux.internal.PortCounters;
import org.vswitch4j.io.linux.internal.RxWakeups;
import org.vswitch4j.io.linux.internal.Tun;

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
 * flows over them). A receive reads frames one {@code read(2)} each until the burst is full or the fd says
 * {@code EAGAIN}; a transmit writes each frame with {@code write(2)} straight from its buffer, whatever memory
 * it lives in (no copy). The TAP has no batched syscall (readv fills one frame per call); io_uring could
 * batch them and is not used yet. No {@code IFF_VNET_HDR}: the kernel completes checksums and segments
 * before frames reach us, so hosts need no offload settings.
 *
 * <h2>Idle</h2>
 * Each queue's fd is registered with the module's epoll thread; {@link #armRxWakeup} lets a poll thread sleep
 * until the fd is readable, unless the port was built with {@link Builder#busyPoll(boolean) busyPoll(true)}.
 *
 * <h2>Link</h2>
 * {@link #linkUp()} is the device's IFF_UP and IFF_RUNNING (read at most every 10 ms). When the device is
 * set down the port is down (transmits are dropped and counted) and comes back with it. When the device is
 * deleted under traffic the queues' fds die; the poll thread of each queue re-attaches when a device of that
 * name exists again (checked at most every 100 ms), so the port comes back when the device does.
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

    private final String name;
    private final String namespace;
    private final boolean multiQueue;
    private final boolean busyPoll;
    private final PacketMemory memory;
    private final boolean ownsMemory;
    private final int maxFrame;
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
        if (b.memory != null) {
            this.memory = b.memory;
            this.ownsMemory = false;
        } else {
            this.memory = BufferPool.builder().count(2048 * b.queues).build();
            this.ownsMemory = true;
        }
        this.maxFrame = memory.bufferSize() - memory.headroom();
        if (!memory.region().isNative()) {
            throw new IllegalArgumentException("a TAP port needs native packet memory (the kernel reads and writes it)");
        }
        this.queues = new Queue[b.queues];
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
                        r[q] = Tun.openQueue(name, multiQueue);
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
                queues[q] = new Queue(fds[q]);
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
            long r = Libc.readAt(err, fd, regionAddr + memory.bufferOffset(h) + headroom, maxFrame);
            if (r <= 0) {
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
            batch.add().bind(memory, h, headroom, (int) r);
            n++;
            bytes += r;
        }
        if (n > 0) {
            counters.rxPackets.add(n);
            counters.rxBytes.add(bytes);
        }
        return n;
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
            MemorySegment err = q.txErr;
            for (int i = 0; i < n; i++) {
                Packet p = batch.get(i);
                int len = p.length();
                if (fd < 0 || len > maxFrame) {
                    dropped++;
                } else {
                    long r = Libc.writeAt(err, fd, p.region().address() + p.address(), len);
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
            q.txLock.lock();
            try {
                q.close();
            } finally {
                q.txLock.unlock();
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
        final Arena arena = Arena.ofShared();
        final MemorySegment rxErr = Libc.errnoSlot(arena);
        final MemorySegment txErr = Libc.errnoSlot(arena);
        volatile int fd;
        volatile RxWakeups.Registration wake;
        /** A buffer allocated for a read that found nothing, kept for the next one (rx thread only). */
        long spare = -1;
        long lastAttempt;

        Queue(int fd) {
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
                nfd = NetNs.call(namespace, () -> Tun.openQueue(name, multiQueue));
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
            arena.close();
        }
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

        /** Opens the TAP. @throws LinuxIoException naming what failed and what to do */
        public TapPort build() {
            return new TapPort(this);
        }
    }
}
