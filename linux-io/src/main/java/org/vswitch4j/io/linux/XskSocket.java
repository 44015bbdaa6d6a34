package org.vswitch4j.io.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.LockSupport;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.io.linux.internal.Bpf;
import org.vswitch4j.io.linux.internal.Libc;
import org.vswitch4j.io.linux.internal.Native;

/**
 * One AF_XDP socket bound to (device, queue): its UMEM registration (the whole {@link XdpUmem} area), its four
 * rings, and the rx and tx bursts over them.
 *
 * <p>Setup, in the kernel's order: {@code socket(AF_XDP)}, {@code XDP_UMEM_REG}, ring sizes
 * ({@code XDP_UMEM_FILL_RING}, {@code XDP_UMEM_COMPLETION_RING}, {@code XDP_RX_RING}, {@code XDP_TX_RING}),
 * {@code XDP_MMAP_OFFSETS}, one {@code mmap} per ring at its page offset, {@code bind(sockaddr_xdp)}.
 * Structures (checked by NativeLayoutTest): {@code xdp_umem_reg} {addr 0, len 8, chunk_size 16, headroom 20,
 * flags 24; 32 bytes}; {@code sockaddr_xdp} {family 0, flags 2, ifindex 4, queue_id 8, shared_umem_fd 12};
 * {@code xdp_mmap_offsets} {rx 0, tx 32, fr 64, cr 96, each {producer 0, consumer 8, desc 16, flags 24}};
 * {@code xdp_desc} {addr u64, len u32, options u32}; {@code xdp_statistics} six u64.
 *
 * <p>Thread-safety: {@link #receive} and the fill ring belong to the queue's poll thread; {@link #transmit},
 * {@link #reapCompletions} and the tx and completion rings to the holder of the port queue's tx lock;
 * {@link #close} needs both.
 */
final class XskSocket {
    static final int SOL_XDP = 283;
    static final int XDP_MMAP_OFFSETS = 1;
    static final int XDP_RX_RING = 2;
    static final int XDP_TX_RING = 3;
    static final int XDP_UMEM_REG = 4;
    static final int XDP_UMEM_FILL_RING = 5;
    static final int XDP_UMEM_COMPLETION_RING = 6;
    static final int XDP_STATISTICS = 7;
    static final int XDP_COPY = 2;
    static final int XDP_ZEROCOPY = 4;
    static final int XDP_USE_NEED_WAKEUP = 8;
    /** Binds retried on EBUSY, 2 ms apart (see open). */
    static final int BUSY_RETRIES = 250;
    static final long PGOFF_RX = 0;
    static final long PGOFF_TX = 0x80000000L;
    static final long PGOFF_FILL = 0x100000000L;
    static final long PGOFF_COMPLETION = 0x180000000L;

    final int fd;
    final int ifindex;
    final int queue;
    final boolean zeroCopy;
    final boolean needWakeup;
    private final XdpUmem umem;
    private final int slot;
    private final XskRing fill;
    private final XskRing comp;
    private final XskRing rx;
    private final XskRing tx;
    private final int fillTarget;
    private final long[] scratch;
    private final long[] txScratch;
    private final Arena arena = Arena.ofShared();
    /** errno slots: one for the rx thread, one for the tx lock holder. */
    private final MemorySegment rxErr = Libc.errnoSlot(arena);
    private final MemorySegment txErr = Libc.errnoSlot(arena);
    private boolean closed;
    /** Kicks (sendto) made and wake-ups asked for (recvfrom): need_wakeup's cost, for tests and stats. */
    long kicks;
    long rxWakeups;

    private XskSocket(int fd, int ifindex, int queue, boolean zeroCopy, boolean needWakeup, XdpUmem umem, int slot,
                      XskRing fill, XskRing comp, XskRing rx, XskRing tx) {
        this.fd = fd;
        this.ifindex = ifindex;
        this.queue = queue;
        this.zeroCopy = zeroCopy;
        this.needWakeup = needWakeup;
        this.umem = umem;
        this.slot = slot;
        this.fill = fill;
        this.comp = comp;
        this.rx = rx;
        this.tx = tx;
        this.fillTarget = umem.fillTarget(fill.size);
        this.scratch = new long[fill.size];
        this.txScratch = new long[comp.size];
    }

    /**
     * Opens a socket on device {@code ifindex} ({@code device} names it in errors), queue {@code queue}, in the
     * calling thread's namespace. {@code zeroCopy} asks for XDP_ZEROCOPY (fails with EOPNOTSUPP where the
     * driver has none), else XDP_COPY.
     */
    static XskSocket open(XdpUmem umem, String device, int ifindex, int queue, int ringSize, boolean zeroCopy,
                          boolean needWakeup) {
        int slot = umem.attachSocket();
        int fd = -1;
        XskRing[] rings = new XskRing[4];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Libc.errnoSlot(a);
            fd = Libc.socket(err, Libc.AF_XDP, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                int e = Libc.errno(err);
                throw Native.error("cannot open an AF_XDP socket", e, e == Libc.EPERM || e == Libc.EACCES
                        ? Native.privilegeHint(e, Bpf.AF_XDP_CAPS)
                        : "the kernel needs CONFIG_XDP_SOCKETS");
            }
            Memlock.raiseFor(umem.size());
            MemorySegment reg = a.allocate(32, 8);
            reg.set(ValueLayout.JAVA_LONG, 0, umem.address());
            reg.set(ValueLayout.JAVA_LONG, 8, umem.size());
            reg.set(ValueLayout.JAVA_INT, 16, umem.bufferSize());
            reg.set(ValueLayout.JAVA_INT, 20, 0);
            reg.set(ValueLayout.JAVA_INT, 24, 0);
            if (Libc.setsockopt(err, fd, SOL_XDP, XDP_UMEM_REG, reg, 32) != 0) {
                int e = Libc.errno(err);
                throw Native.error("cannot register the " + (umem.size() >> 20) + " MiB UMEM for " + device, e,
                        e == Libc.ENOBUFS || e == Libc.ENOMEM || e == Libc.EPERM
                                ? Memlock.hint(umem.size()) : null);
            }
            MemorySegment size = a.allocate(ValueLayout.JAVA_INT);
            size.set(ValueLayout.JAVA_INT, 0, ringSize);
            for (int opt : new int[] {XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING, XDP_RX_RING, XDP_TX_RING}) {
                if (Libc.setsockopt(err, fd, SOL_XDP, opt, size, 4) != 0) {
                    throw Native.error("cannot size AF_XDP ring " + opt + " to " + ringSize, Libc.errno(err), null);
                }
            }
            MemorySegment off = a.allocate(128, 8);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 128);
            if (Libc.getsockopt(err, fd, SOL_XDP, XDP_MMAP_OFFSETS, off, len) != 0) {
                throw Native.error("cannot read the AF_XDP ring offsets", Libc.errno(err), null);
            }
            rings[0] = map(err, fd, off, 64, PGOFF_FILL, ringSize, 8, true);
            rings[1] = map(err, fd, off, 96, PGOFF_COMPLETION, ringSize, 8, false);
            rings[2] = map(err, fd, off, 0, PGOFF_RX, ringSize, 16, false);
            rings[3] = map(err, fd, off, 32, PGOFF_TX, ringSize, 16, true);
            MemorySegment sxdp = a.allocate(16, 8);
            sxdp.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_XDP);
            sxdp.set(ValueLayout.JAVA_SHORT, 2, (short) ((zeroCopy ? XDP_ZEROCOPY : XDP_COPY)
                    | (needWakeup ? XDP_USE_NEED_WAKEUP : 0)));
            sxdp.set(ValueLayout.JAVA_INT, 4, ifindex);
            sxdp.set(ValueLayout.JAVA_INT, 8, queue);
            int rc = Libc.bind(err, fd, sxdp, 16);
            // The kernel frees a closed socket's hold on the queue from a work queue, a little after close:
            // a port re-opened at once (a quick close/open, a re-attach) sees EBUSY for a moment.
            for (int i = 0; rc != 0 && Libc.errno(err) == Libc.EBUSY && i < BUSY_RETRIES; i++) {
                LockSupport.parkNanos(2_000_000L);
                rc = Libc.bind(err, fd, sxdp, 16);
            }
            if (rc != 0) {
                int e = Libc.errno(err);
                throw Native.error("cannot bind an AF_XDP socket to " + device + " queue " + queue
                        + (zeroCopy ? " in zero-copy mode" : " in copy mode"), e,
                        e == Libc.EOPNOTSUPP ? "the driver of " + device + " has no AF_XDP zero-copy; use copy mode"
                        : e == Libc.EINVAL ? device + " has no rx queue " + queue + " (ethtool -l " + device + ")"
                        : e == Libc.EBUSY ? "another AF_XDP socket is bound to " + device + " queue " + queue + " (for 0.5 s)"
                        : e == Libc.ENODEV ? "no network device with index " + ifindex + " (it was removed)"
                        : null);
            }
            XskSocket s = new XskSocket(fd, ifindex, queue, zeroCopy, needWakeup, umem, slot, rings[0], rings[1],
                    rings[2], rings[3]);
            s.refill();
            return s;
        } catch (RuntimeException e) {
            for (XskRing r : rings) {
                if (r != null) {
                    unmap(r);
                }
            }
            Native.closeQuietly(fd);
            umem.detachSocket(slot);
            throw e;
        }
    }

    private static XskRing map(MemorySegment err, int fd, MemorySegment off, long base, long pgoff, int n,
                               int entrySize, boolean producerRing) {
        long prod = off.get(ValueLayout.JAVA_LONG, base);
        long cons = off.get(ValueLayout.JAVA_LONG, base + 8);
        long desc = off.get(ValueLayout.JAVA_LONG, base + 16);
        long flags = off.get(ValueLayout.JAVA_LONG, base + 24);
        long size = desc + (long) n * entrySize;
        long addr = Libc.mmap(err, size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE, fd,
                pgoff);
        if (addr == -1L) {
            throw Native.error("cannot map an AF_XDP ring", Libc.errno(err), null);
        }
        return new XskRing(addr, size, prod, cons, flags, desc, n, entrySize, producerRing);
    }

    private static void unmap(XskRing r) {
        try (Arena a = Arena.ofConfined()) {
            Libc.munmap(Libc.errnoSlot(a), r.mapAddress, r.mapSize);
        }
    }

    // ---- rx (the queue's poll thread) -----------------------------------------------------------------

    /** Tops the fill ring up to its target from the UMEM's free frames. */
    void refill() {
        int inFill = fill.size - fill.free(fill.size);
        int want = fillTarget - inFill;
        if (want < 16 && inFill > 0) {
            return; // not worth a lock yet
        }
        want = fill.free(Math.max(0, want));
        int got = umem.allocate(scratch, 0, want);
        int p = fill.cachedProd;
        for (int i = 0; i < got; i++) {
            long h = scratch[i];
            umem.toKernel(h, slot);
            fill.map.set(ValueLayout.JAVA_LONG, fill.entry(p + i), umem.bufferOffset(h));
        }
        if (got > 0) {
            fill.submit(got);
        }
    }

    /** Receives up to {@code batch.remaining()} frames into the batch; returns the number and the bytes. */
    int receive(PacketBatch batch, long[] bytesOut) {
        refill();
        int n = rx.available(batch.remaining());
        if (n == 0) {
            if (needWakeup && fill.needsWakeup()) {
                rxWakeups++;
                Libc.wakeRx(rxErr, fd); // the driver waits for a syscall before it uses the fill ring again
            }
            return 0;
        }
        int c = rx.cachedCons;
        int shift = umem.shift();
        long mask = (1L << shift) - 1;
        long bytes = 0;
        MemorySegment m = rx.map;
        for (int i = 0; i < n; i++) {
            long e = rx.entry(c + i);
            long addr = m.get(ValueLayout.JAVA_LONG, e);
            int len = m.get(ValueLayout.JAVA_INT, e + 8);
            long h = addr >>> shift;
            umem.fromKernel(h);
            batch.add().bind(umem, h, (int) (addr & mask), len);
            bytes += len;
        }
        rx.release(n);
        bytesOut[0] = bytes;
        return n;
    }

    // ---- tx (the holder of the tx lock) --------------------------------------------------------------

    /** Frees the frames whose transmission completed. */
    void reapCompletions() {
        int n = comp.available(txScratch.length);
        if (n == 0) {
            return;
        }
        int c = comp.cachedCons;
        int shift = umem.shift();
        for (int i = 0; i < n; i++) {
            txScratch[i] = comp.map.get(ValueLayout.JAVA_LONG, comp.entry(c + i)) >>> shift;
        }
        comp.release(n);
        umem.freeFromKernel(txScratch, n, slot);
    }

    /** Whether completions wait to be reaped; safe from a thread that does not hold the tx lock. */
    boolean completionsPending() {
        return comp.peekAvailable();
    }

    /**
     * Queues every packet of {@code batch} on the tx ring (by address when it lives in this UMEM, else copied
     * into a free frame) and kicks the kernel when it asks for it; releases what it cannot send. Returns
     * {sent, bytes, dropped} in {@code out}. Leaves the batch empty.
     */
    void transmit(PacketBatch batch, long[] out) {
        reapCompletions();
        int n = batch.size();
        int room = tx.free(n);
        int p = tx.cachedProd;
        int k = 0;
        long bytes = 0;
        int dropped = 0;
        int max = umem.bufferSize() - XdpUmem.HEADROOM;
        MemorySegment m = tx.map;
        for (int i = 0; i < n; i++) {
            Packet pk = batch.get(i);
            int len = pk.length();
            boolean own = pk.memory() == umem;
            if (k == room || !own && len > max) {
                pk.release();
                dropped++;
                continue;
            }
            long addr;
            if (own) {
                long h = pk.handle();
                addr = umem.bufferOffset(h) + pk.dataOffset();
                pk.unbind();
                umem.toKernel(h, slot);
            } else {
                long h = umem.allocate();
                if (h < 0) {
                    pk.release();
                    dropped++;
                    continue;
                }
                addr = umem.bufferOffset(h) + XdpUmem.HEADROOM;
                MemorySegment.copy(pk.region(), pk.address(), umem.region(), addr, len);
                pk.release();
                umem.toKernel(h, slot);
            }
            long e = tx.entry(p + k);
            m.set(ValueLayout.JAVA_LONG, e, addr);
            m.set(ValueLayout.JAVA_INT, e + 8, len);
            m.set(ValueLayout.JAVA_INT, e + 12, 0);
            bytes += len;
            k++;
        }
        batch.size(0);
        if (k > 0) {
            tx.submit(k);
        }
        kick();
        out[0] = k;
        out[1] = bytes;
        out[2] = dropped;
    }

    /**
     * Makes the kernel send what the tx ring holds: in copy mode it transmits only inside {@code sendto}
     * (at most a few dozen frames per call), so this kicks until the ring is drained or the kernel says busy;
     * with need_wakeup in zero-copy mode only when the kernel sets the flag. Returns the errno of a failed
     * kick that is not "try again" (ENETDOWN, ENXIO: the device is down or gone), else 0.
     */
    int kick() {
        for (int i = 0; i < 16 && tx.pending() > 0; i++) {
            if (zeroCopy && needWakeup && !tx.needsWakeup()) {
                return 0;
            }
            kicks++;
            if (Libc.kick(txErr, fd) < 0) {
                int e = Libc.errno(txErr);
                return e == Libc.EAGAIN || e == Libc.EBUSY || e == Libc.ENOBUFS || e == Libc.EINTR ? 0 : e;
            }
        }
        return 0;
    }

    /** Kernel counters: {rx_dropped, rx_invalid_descs, tx_invalid_descs, rx_ring_full, fill_ring_empty, tx_ring_empty}. */
    long[] statistics() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(48, 8);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 48);
            if (Libc.getsockopt(Libc.errnoSlot(a), fd, SOL_XDP, XDP_STATISTICS, st, len) != 0) {
                return new long[6];
            }
            return st.toArray(ValueLayout.JAVA_LONG);
        }
    }

    /** Unmaps the rings, closes the socket and gives every frame it held back to the UMEM. Idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (XskRing r : new XskRing[] {fill, comp, rx, tx}) {
            unmap(r);
        }
        Libc.close(txErr, fd);
        umem.detachSocket(slot);
        arena.close();
    }
}
