package org.vswitch4j.core.port;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.pcap.PcapWriter;
import org.vswitch4j.core.ring.LongRing;
import org.vswitch4j.core.ring.MpscLongRing;

/**
 * An in-process port: the switch side is the {@link Port} SPI, the other side is driven by Java code — a
 * hypervisor's virtual NIC, an emulator, a test.
 *
 * <pre>
 *   user ── send / submit ──►  rx ring (MPSC)  ──► receive(queue, batch) ──► switch
 *   user ◄── receive / drain ── tx ring (MPSC) ◄── transmit(batch)       ◄── switch
 *        ◄── onReceive(listener), called inside transmit (no tx ring)
 * </pre>
 *
 * <p><b>Into the switch</b> ("rx", as the switch sees it). {@link #send(byte[])} and
 * {@link #send(MemorySegment)} copy the frame into a free buffer of the port's {@link #memory()}.
 * Zero-copy: {@link #allocate(Packet)} binds a view to a free buffer, the caller writes the frame into it
 * and {@link #submit(Packet)} passes the buffer on. Either way the buffer's handle goes into a bounded
 * multi-producer ring that the switch's poll thread drains; when the ring is full (or the link is down) the
 * frame is dropped, its buffer released and {@code rx_dropped} counted. Nothing blocks.
 *
 * <p><b>Out of the switch</b> ("tx"). {@link #transmit} puts each frame's handle into a bounded
 * multi-producer ring (several poll threads may transmit at once); the user takes frames out with
 * {@link #receive()} (a copy), {@link #receive(Packet)} or {@link #drain(PacketBatch)} (zero-copy: the caller
 * owns the buffer and releases it). A full ring drops and counts {@code tx_dropped}. Alternatively a
 * {@link FrameListener} set with {@link #onReceive} sees every frame inside {@code transmit}, on the
 * transmitting thread, through a view valid only during the call; the port then releases the buffer and
 * the tx ring is not used.
 *
 * <p>A frame that arrives for transmission in buffers of another {@link PacketMemory} is copied into this
 * port's memory (the one copy between memory kinds), so everything a user receives lives in
 * {@link #memory()}.
 *
 * <p>Ownership, in one rule per direction: {@code send} copies and the caller keeps its array or segment;
 * {@code submit} takes ownership of the view's buffer whether it succeeds or not (a refused frame is
 * released); a view bound by {@code receive(Packet)} or {@code drain} belongs to the caller, who must
 * {@link Packet#release()} it; a listener owns nothing.
 *
 * <p>Counters follow the switch's point of view: {@code rx_packets} counts frames the switch took from the
 * rx ring, {@code rx_dropped} frames refused at {@code send}/{@code submit} (ring full, no buffer, link down),
 * {@code rx_errors} frames too long for a buffer; {@code tx_packets} frames accepted by the tx ring or
 * delivered to the listener, {@code tx_dropped} frames refused (ring full, link down, no buffer for the copy,
 * longer than MTU + 14 + two tags), {@code tx_errors} frames whose listener threw.
 *
 * <p>Thread-safety: {@code send}/{@code submit}/{@link #allocate} from any number of threads; the switch
 * side ({@link #receive(int, PacketBatch)}) by one thread at a time; {@code transmit} from any number of
 * threads; the user's receive side ({@code receive}, {@code drain}, {@code receiveAll}) by one thread at a
 * time. Link state, MTU, listener and counters may be read and written from any thread (volatile).
 * {@link #close()} must be called once producers have stopped.
 */
public final class MemoryPort implements Port {
    /** Largest batch a view can be drained into ({@link PacketBatch} capacity limit). */
    private static final int MAX_BURST = 1024;
    /** Ethernet header plus two VLAN tags: what a frame may carry beyond the MTU. */
    private static final int L2_OVERHEAD = 14 + 2 * 4;
    /** Minimum MTU: IPv4's 68 bytes (RFC 791). */
    public static final int MIN_MTU = 68;

    // Descriptor = handle(29) | dataOffset(17) | length(17): what travels through the rings, so a frame's
    // position in its buffer crosses with its handle and the rings stay rings of longs.
    private static final int LEN_BITS = 17;
    private static final int OFF_BITS = 17;
    private static final long LEN_MASK = (1L << LEN_BITS) - 1;
    private static final long OFF_MASK = (1L << OFF_BITS) - 1;
    /** Handles must be below this to fit in a descriptor. */
    public static final long MAX_HANDLE = 1L << (63 - LEN_BITS - OFF_BITS);

    private final String name;
    private final PacketMemory memory;
    private final long mac;
    private final LongRing rxRing;
    private final LongRing txRing;
    private final int maxFrame;

    // Written by any thread (configuration).
    private volatile boolean linkUp;
    private volatile int mtu;
    private volatile FrameListener listener;
    private volatile PcapWriter capture;
    private final AtomicBoolean closed = new AtomicBoolean();

    // Written by the switch's rx poller only (one thread at a time); read by stats().
    private final long[] rxScratch = new long[MAX_BURST];
    private volatile long rxPackets;
    private volatile long rxBytes;

    // Written by the user's receiving thread only.
    private final long[] userScratch = new long[MAX_BURST];

    // Written by producers (send) and by transmitting poll threads: adders, touched once per frame on the
    // rare drop paths and once per burst on the transmit path.
    private final LongAdder rxDropped = new LongAdder();
    private final LongAdder rxErrors = new LongAdder();
    private final LongAdder txPackets = new LongAdder();
    private final LongAdder txBytes = new LongAdder();
    private final LongAdder txDropped = new LongAdder();
    private final LongAdder txErrors = new LongAdder();

    // One descriptor array per transmitting thread, shared by all memory ports (a transmit never nests in
    // another: listeners, which could transmit elsewhere, run only when the array is not in use), so a burst
    // enters the tx ring with one offer.
    private static final ThreadLocal<long[]> TX_SCRATCH = ThreadLocal.withInitial(() -> new long[MAX_BURST]);
    /** Descriptors of a {@link #submit(PacketBatch)} burst; per thread, since any thread may submit. */
    private static final ThreadLocal<long[]> SUBMIT_SCRATCH = ThreadLocal.withInitial(() -> new long[MAX_BURST]);

    private MemoryPort(Builder b) {
        this.name = b.name;
        this.memory = b.memory;
        this.mac = b.mac;
        this.mtu = b.mtu;
        this.linkUp = b.linkUp;
        this.rxRing = new MpscLongRing(b.rxRingSize); // producers: every injecting thread
        this.txRing = new MpscLongRing(b.txRingSize); // producers: every transmitting poll thread
        this.maxFrame = memory.bufferSize() - memory.headroom();
        if (maxFrame > LEN_MASK) {
            throw new IllegalArgumentException("memory buffers of " + memory.bufferSize()
                    + " bytes are larger than a memory port supports (" + LEN_MASK + ")");
        }
        validateMtu(b.mtu);
    }

    /** A builder; {@link Builder#name} and {@link Builder#memory} are required. */
    public static Builder builder() {
        return new Builder();
    }

    // ---- user side: into the switch --------------------------------------------------------------

    /**
     * Copies {@code frame} into a buffer and queues it for the switch. Returns false when the frame was
     * dropped (link down, port closed, no free buffer, rx ring full: {@code rx_dropped}; longer than a buffer:
     * {@code rx_errors}). The caller keeps {@code frame}.
     */
    public boolean send(byte[] frame) {
        return send(frame, 0, frame.length);
    }

    /** Copies {@code frame[off..off+len)} into a buffer and queues it; see {@link #send(byte[])}. */
    public boolean send(byte[] frame, int off, int len) {
        Objects.checkFromIndexSize(off, len, frame.length);
        long h = allocateFor(len);
        if (h < 0) {
            return false;
        }
        int dataOff = memory.headroom();
        MemorySegment.copy(frame, off, memory.region(), ValueLayout.JAVA_BYTE, memory.bufferOffset(h) + dataOff, len);
        return enqueueRx(h, dataOff, len);
    }

    /** Copies the bytes of {@code frame} into a buffer and queues it; see {@link #send(byte[])}. */
    public boolean send(MemorySegment frame) {
        long size = frame.byteSize();
        int len = size > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) size;
        long h = allocateFor(len);
        if (h < 0) {
            return false;
        }
        int dataOff = memory.headroom();
        MemorySegment.copy(frame, 0, memory.region(), memory.bufferOffset(h) + dataOff, len);
        return enqueueRx(h, dataOff, len);
    }

    /**
     * Zero-copy injection, step 1: binds {@code view} (which must be unbound) to a free buffer of this
     * port's memory with an empty frame after the headroom. The caller then sets the length
     * ({@link Packet#length(int)}, at most {@link Packet#tailroom()} + 0) and writes the bytes
     * ({@link Packet#write}, {@link Packet#u16(int, int)}, …, or {@link Packet#data()}), and passes the buffer on
     * with {@link #submit(Packet)} or gives it back with {@link Packet#release()}. Returns false when no
     * buffer is free (counted as {@code rx_dropped}).
     */
    public boolean allocate(Packet view) {
        if (view.isBound()) {
            throw new IllegalStateException("view is already bound to a buffer: " + view);
        }
        long h = memory.allocate();
        if (h < 0) {
            rxDropped.increment();
            return false;
        }
        view.bindEmpty(memory, h);
        return true;
    }

    /**
     * Takes ownership of {@code view}'s buffer and queues its frame for the switch; the view is unbound
     * afterwards, whatever the outcome. Returns false when the frame was dropped (and its buffer released).
     * A buffer of another memory is copied into this port's memory first.
     */
    public boolean submit(Packet view) {
        if (!view.isBound()) {
            throw new IllegalArgumentException("view is not bound to a buffer");
        }
        if (view.memory() != memory) {
            MemorySegment data = view.data();
            boolean ok = send(data);
            view.release();
            return ok;
        }
        long h = view.handle();
        int off = view.dataOffset();
        int len = view.length();
        if (!accepting()) {
            view.release();
            rxDropped.increment();
            return false;
        }
        view.unbind();
        return enqueueRx(h, off, len);
    }

    /**
     * Zero-copy with raw handles, for callers that manage buffers of {@link #memory()} themselves (a virtual
     * NIC's descriptor ring, a benchmark): takes ownership of buffer {@code handle}, whose frame occupies
     * {@code [dataOffset, dataOffset + length)} of the buffer (the buffer starts at
     * {@code memory().bufferOffset(handle)} in {@code memory().region()}), and queues it for the switch.
     * Returns false when it was dropped and released.
     */
    public boolean submit(long handle, int dataOffset, int length) {
        if (dataOffset < 0 || length < 0 || (long) dataOffset + length > memory.bufferSize()) {
            throw new IllegalArgumentException("frame [" + dataOffset + ", " + ((long) dataOffset + length)
                    + ") does not fit a " + memory.bufferSize() + "-byte buffer");
        }
        if (!accepting()) {
            memory.release(handle);
            rxDropped.increment();
            return false;
        }
        return enqueueRx(handle, dataOffset, length);
    }

    /**
     * Takes ownership of every buffer in {@code batch} and queues the frames for the switch in one burst, in
     * batch order; leaves the batch empty. Returns how many were queued; the rest (ring full, link down) were
     * dropped, released and counted in {@code rx_dropped}. The burst takes one ring claim (an atomic
     * compare-and-set), not one per frame, so producers contend once per burst. Frames in buffers of another
     * memory are copied in, as by {@link #submit(Packet)}. Throws before taking anything when a view of the batch
     * is not bound.
     */
    public int submit(PacketBatch batch) {
        int n = batch.size();
        for (int i = 0; i < n; i++) {
            if (!batch.get(i).isBound()) {
                throw new IllegalArgumentException("view " + i + " of the batch is not bound to a buffer");
            }
        }
        if (n == 0) {
            return 0;
        }
        if (!accepting()) {
            batch.releaseAll();
            rxDropped.add(n);
            return 0;
        }
        long[] d = SUBMIT_SCRATCH.get();
        int k = 0;
        int queued = 0;
        for (int i = 0; i < n; i++) {
            Packet v = batch.get(i);
            if (v.memory() != memory) {
                queued += enqueueRx(d, k); // what came before goes first: the ring keeps batch order
                k = 0;
                if (send(v.data())) {
                    queued++;
                }
                v.release();
                continue;
            }
            d[k++] = descriptor(v.handle(), v.dataOffset(), v.length());
            v.unbind();
        }
        queued += enqueueRx(d, k);
        batch.size(0);
        return queued;
    }

    /** Queues descriptors {@code d[0..k)} in one claim; releases and counts the ones the ring has no room for. */
    private int enqueueRx(long[] d, int k) {
        if (k == 0) {
            return 0;
        }
        int accepted = rxRing.offer(d, 0, k);
        for (int i = accepted; i < k; i++) {
            memory.release(d[i] >>> (LEN_BITS + OFF_BITS));
        }
        if (accepted < k) {
            rxDropped.add(k - accepted);
        }
        return accepted;
    }

    private long allocateFor(int len) {
        if (!accepting()) {
            rxDropped.increment();
            return -1;
        }
        if (len > maxFrame) {
            rxErrors.increment();
            return -1;
        }
        long h = memory.allocate();
        if (h < 0) {
            rxDropped.increment();
        }
        return h;
    }

    private boolean enqueueRx(long h, int off, int len) {
        if (!rxRing.offer(descriptor(h, off, len))) {
            memory.release(h);
            rxDropped.increment();
            return false;
        }
        return true;
    }

    private boolean accepting() {
        return linkUp && !closed.get();
    }

    // ---- switch side (Port SPI) -------------------------------------------------------------------

    @Override
    public String name() {
        return name;
    }

    /** Drains up to {@code batch.remaining()} queued frames into the batch; none while the link is down. */
    @Override
    public int receive(int queue, PacketBatch batch) {
        if (queue != 0) {
            throw new IllegalArgumentException("memory port " + name + " has one rx queue (0); asked for " + queue);
        }
        if (!linkUp || closed.get()) {
            return 0;
        }
        int n = rxRing.drain(rxScratch, 0, Math.min(batch.remaining(), MAX_BURST));
        if (n == 0) {
            return 0;
        }
        int base = batch.size();
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            long d = rxScratch[i];
            int len = (int) (d & LEN_MASK);
            batch.get(base + i).bind(memory, d >>> (LEN_BITS + OFF_BITS), (int) ((d >>> LEN_BITS) & OFF_MASK), len);
            bytes += len;
        }
        batch.size(base + n);
        PcapWriter w = capture;
        if (w != null) {
            for (int i = 0; i < n; i++) {
                w.write(batch.get(base + i));
            }
        }
        // Single writer (the rx poller): plain read-modify-write of a volatile is safe here.
        rxPackets = rxPackets + n;
        rxBytes = rxBytes + bytes;
        return n;
    }

    /**
     * Takes ownership of every packet in {@code batch}: hands each to the listener (then releases it) or
     * queues it on the tx ring for the user; drops and counts what cannot go. Leaves the batch empty.
     */
    @Override
    public void transmit(PacketBatch batch) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        if (!linkUp || closed.get()) {
            txDropped.add(n);
            batch.releaseAll();
            return;
        }
        FrameListener l = listener;
        PcapWriter w = capture;
        int limit = mtu + L2_OVERHEAD;
        long[] descs = l == null ? TX_SCRATCH.get() : null;
        int k = 0;
        int dropped = 0;
        int errors = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            Packet p = batch.get(i);
            if (w != null) {
                w.write(p);
            }
            int len = p.length();
            if (len > limit) {
                p.release();
                dropped++;
                continue;
            }
            if (l != null) {
                try {
                    l.onFrame(this, p);
                    bytes += len;
                    k++;
                } catch (RuntimeException e) {
                    errors++; // the listener's bug costs its frame, not the switch's poll loop
                }
                p.release();
                continue;
            }
            long d;
            if (p.memory() == memory) {
                d = descriptor(p.handle(), p.dataOffset(), len);
                p.unbind();
            } else {
                long h = memory.allocate();
                if (h < 0) {
                    p.release();
                    dropped++;
                    continue;
                }
                int off = Math.min(p.dataOffset(), maxFrame - len + memory.headroom());
                MemorySegment.copy(p.region(), p.address(), memory.region(), memory.bufferOffset(h) + off, len);
                p.release();
                d = descriptor(h, off, len);
            }
            descs[k++] = d;
            bytes += len;
        }
        batch.size(0);
        if (l == null && k > 0) {
            int accepted = txRing.offer(descs, 0, k);
            for (int i = accepted; i < k; i++) {
                long d = descs[i];
                bytes -= d & LEN_MASK;
                memory.release(d >>> (LEN_BITS + OFF_BITS));
            }
            dropped += k - accepted;
            k = accepted;
        }
        if (k > 0) {
            txPackets.add(k);
            txBytes.add(bytes);
        }
        if (dropped > 0) {
            txDropped.add(dropped);
        }
        if (errors > 0) {
            txErrors.add(errors);
        }
    }

    @Override
    public PacketMemory memory() {
        return memory;
    }

    @Override
    public boolean linkUp() {
        return linkUp;
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
        return new PortStats(rxPackets, rxBytes, rxDropped.sum(), rxErrors.sum(),
                txPackets.sum(), txBytes.sum(), txDropped.sum(), txErrors.sum());
    }

    // ---- user side: out of the switch -------------------------------------------------------------

    /** The next frame the switch sent, copied into a new array (its buffer released), or null when none. */
    public byte[] receive() {
        long d = txRing.poll();
        if (d == LongRing.EMPTY) {
            return null;
        }
        long h = d >>> (LEN_BITS + OFF_BITS);
        int len = (int) (d & LEN_MASK);
        byte[] out = new byte[len];
        MemorySegment.copy(memory.region(), ValueLayout.JAVA_BYTE,
                memory.bufferOffset(h) + ((d >>> LEN_BITS) & OFF_MASK), out, 0, len);
        memory.release(h);
        return out;
    }

    /**
     * Zero-copy: binds {@code view} (which must be unbound) to the next frame the switch sent and returns
     * true, or returns false when there is none. The caller owns the buffer and must release it.
     */
    public boolean receive(Packet view) {
        if (view.isBound()) {
            throw new IllegalStateException("view is already bound to a buffer: " + view);
        }
        long d = txRing.poll();
        if (d == LongRing.EMPTY) {
            return false;
        }
        bindDescriptor(view, d);
        return true;
    }

    /**
     * Zero-copy burst: binds up to {@code batch.remaining()} frames the switch sent to the batch's next
     * views and returns how many. The caller owns them (for instance {@link PacketBatch#releaseAll()}).
     */
    public int drain(PacketBatch batch) {
        int n = txRing.drain(userScratch, 0, Math.min(batch.remaining(), MAX_BURST));
        int base = batch.size();
        for (int i = 0; i < n; i++) {
            bindDescriptor(batch.get(base + i), userScratch[i]);
        }
        batch.size(base + n);
        return n;
    }

    /** Every frame waiting, copied, oldest first (their buffers released). For tests and slow paths. */
    public List<byte[]> receiveAll() {
        List<byte[]> out = new ArrayList<>();
        for (byte[] f = receive(); f != null; f = receive()) {
            out.add(f);
        }
        return out;
    }

    /** Frames the switch sent that the user has not taken yet (approximate while threads are active). */
    public int pending() {
        return txRing.size();
    }

    /** Frames queued towards the switch that it has not taken yet (approximate). */
    public int queuedToSwitch() {
        return rxRing.size();
    }

    /**
     * Sets the listener that sees every transmitted frame on the transmitting thread (see
     * {@link FrameListener} for ownership and threading), or removes it with null. Frames already on the tx
     * ring stay there for {@link #receive()}.
     */
    public void onReceive(FrameListener l) {
        this.listener = l;
    }

    /**
     * Writes every frame crossing the port to {@code writer}, as the switch sees them: frames it receives from
     * the port (when it takes them from the rx ring) and frames it transmits to the port (including those the
     * port then drops). Null stops capturing. The port does not close the writer. Capturing costs a lock and a
     * copy per frame: it is for tests and troubleshooting. {@code Bridge.capture} and {@code Datapath.capture}
     * record the same frames for any port type, at the datapath.
     */
    public void capture(PcapWriter writer) {
        this.capture = writer;
    }

    private void bindDescriptor(Packet view, long d) {
        view.bind(memory, d >>> (LEN_BITS + OFF_BITS), (int) ((d >>> LEN_BITS) & OFF_MASK), (int) (d & LEN_MASK));
    }

    // ---- configuration --------------------------------------------------------------------------

    /**
     * Sets the carrier. While down the port refuses injected frames ({@code rx_dropped}), the switch
     * receives nothing from it, and transmitted frames are dropped ({@code tx_dropped}); frames already
     * queued stay queued.
     */
    public void setLinkUp(boolean up) {
        this.linkUp = up;
    }

    /** Sets the MTU: {@value #MIN_MTU}..(buffer size − headroom − 22), so a frame of MTU + 2 tags fits a buffer. */
    public void setMtu(int newMtu) {
        validateMtu(newMtu);
        this.mtu = newMtu;
    }

    private void validateMtu(int m) {
        int max = maxFrame - L2_OVERHEAD;
        if (m < MIN_MTU || m > max) {
            throw new IllegalArgumentException("MTU " + m + " is outside " + MIN_MTU + ".." + max
                    + " (the largest frame, MTU + 22, must fit a " + memory.bufferSize() + "-byte buffer less "
                    + memory.headroom() + " bytes of headroom)");
        }
    }

    /** Releases every frame still queued in either direction. Idempotent; call once producers have stopped. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        releaseAll(rxRing);
        releaseAll(txRing);
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    private void releaseAll(LongRing ring) {
        for (long d = ring.poll(); d != LongRing.EMPTY; d = ring.poll()) {
            memory.release(d >>> (LEN_BITS + OFF_BITS));
        }
    }

    private static long descriptor(long handle, int off, int len) {
        if (handle < 0 || handle >= MAX_HANDLE) {
            throw new IllegalStateException("buffer handle " + handle + " is outside 0.." + (MAX_HANDLE - 1)
                    + ", which a memory port can carry");
        }
        return (handle << (LEN_BITS + OFF_BITS)) | ((long) off << LEN_BITS) | len;
    }

    @Override
    public String toString() {
        return "MemoryPort[" + name + ", link " + (linkUp ? "up" : "down") + ", mtu " + mtu + "]";
    }

    /** Options for a {@link MemoryPort}. Not thread-safe. */
    public static final class Builder {
        private String name;
        private PacketMemory memory;
        private long mac;
        private int mtu = 1500;
        private int rxRingSize = 1024;
        private int txRingSize = 1024;
        private boolean linkUp = true;

        private Builder() {
        }

        /** The port's name (required, non-empty), as an operator sees it: {@code vm1-eth0}. */
        public Builder name(String n) {
            if (n == null || n.isEmpty()) {
                throw new IllegalArgumentException("port name must be a non-empty string");
            }
            this.name = n;
            return this;
        }

        /** The memory frames are received into (required), usually a {@code BufferPool}. */
        public Builder memory(PacketMemory m) {
            this.memory = Objects.requireNonNull(m, "memory");
            return this;
        }

        /** The port's MAC as the low 48 bits (default 0: the port has no address of its own). */
        public Builder mac(long m) {
            if (m < 0 || m > 0xffff_ffff_ffffL) {
                throw new IllegalArgumentException(String.format("MAC 0x%x is outside 48 bits", m));
            }
            this.mac = m;
            return this;
        }

        /** MTU (default 1500); checked against the memory's buffers by {@link #build()}. */
        public Builder mtu(int m) {
            this.mtu = m;
            return this;
        }

        /** Slots of the ring into the switch: a power of two in 2..1048576 (default 1024). */
        public Builder rxRingSize(int slots) {
            this.rxRingSize = checkRing("rx", slots);
            return this;
        }

        /** Slots of the ring out of the switch: a power of two in 2..1048576 (default 1024). */
        public Builder txRingSize(int slots) {
            this.txRingSize = checkRing("tx", slots);
            return this;
        }

        /** Initial link state (default up). */
        public Builder linkUp(boolean up) {
            this.linkUp = up;
            return this;
        }

        private static int checkRing(String which, int slots) {
            if (slots < 2 || slots > (1 << 20) || Integer.bitCount(slots) != 1) {
                throw new IllegalArgumentException(which + " ring size " + slots
                        + " must be a power of two in 2..1048576");
            }
            return slots;
        }

        /** Builds the port. */
        public MemoryPort build() {
            if (name == null) {
                throw new IllegalStateException("a memory port needs a name: call name(...)");
            }
            if (memory == null) {
                throw new IllegalStateException("memory port " + name + " needs memory: call memory(...)");
            }
            return new MemoryPort(this);
        }
    }
}
