package org.vswitch4j.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;

/**
 * A benchmark port in the manner of DPDK's {@code net_null}: its rx side hands out 64-byte frames from a ring of
 * recycled buffers; its tx side counts what the switch sent it and gives the buffers back to the generator it was
 * paired with. Nothing is copied, nothing allocated.
 *
 * <p>Traffic: {@link #flows} sets {@code n} MAC pairs, sent round robin ({@link #ipv4Flows}: {@code n} IPv4
 * address and port quadruples instead, stamped the same way at offsets 26 and 30). How, depends on {@code n}:
 * <ul>
 * <li>{@code n} ≤ the buffers: each buffer carries one pair for good. The ring is cut to a multiple of {@code n}
 * buffers, buffer {@code j} holds pair {@code j % n}, the buffers go round first in first out, and no frame is
 * written again: the k-th frame handed out carries pair {@code k % n} (as long as frames come back in the order
 * they left, as they do in the forwarding benchmarks). So the switch is charged with no work a NIC does by DMA:
 * {@code net_null} writes no frame either, and the yardstick loop ({@link BareLoopBenchmark} with
 * {@code stamp=false}) reads frames written once.</li>
 * <li>More pairs than buffers: a buffer coming back is stamped with the next pair (two 8-byte stores), and the
 * buffers go out last in first out, the warmest first: every burst carries consecutive pairs, and pair
 * {@code k % n} is the k-th one stamped. (The ones stamped up front by {@link #flows} below the top of the
 * stack go out only when the switch holds more than a burst, so send n + buffers frames to be sure every pair
 * left once.)</li>
 * </ul>
 *
 * <p>Why the stamping happens when a buffer comes back and not when it is handed out: a real NIC writes a
 * frame long before the driver reads it. Stores made right before the parser's loads of the same bytes are
 * an artefact: the parser's load at offset 0 spans both stamping stores (offset 0 and the overlapping one at
 * 6), which the store buffer cannot forward, and each such load stalls until the stores reach the cache
 * (measured: the bare yardstick loop runs at 77 Mpps stamping right before reading and 200 without
 * stamping). Stamped a round earlier, the stores have long drained when the frame is parsed.
 *
 * <p>Thread-safety: one thread (the benchmark's) drives both sides.
 */
final class GeneratorPort implements Port {
    private static final ValueLayout.OfLong NATIVE = ValueLayout.JAVA_LONG_UNALIGNED;

    private final String name;
    private final BufferPool pool;
    private final int frameLength;
    /** The free buffers in hand-out order: {@link #count} of them from {@link #head}, wrapping at {@link #cycle}. */
    private final long[] ring;
    /** Buffers on hand that {@link #flows} left out of the ring (fewer than the number of pairs). */
    private final long[] spare;
    private int nSpare;
    private int cycle;
    private int head;
    private int count;
    /** Whether a returning buffer is stamped (more pairs than buffers), see the class comment. */
    private boolean restamp;
    /**
     * Per flow, the frame's 8 bytes at {@link #offsetA} and the 8 at {@link #offsetB}, in the order the memory
     * stores them (MAC pairs: 0 and 6; IPv4 quadruples: 26 and 30).
     */
    private long[] word0 = new long[0];
    private long[] word6 = new long[0];
    private int offsetA;
    private int offsetB = 6;
    private int nextFlow;
    private GeneratorPort recycleTo = this;
    private final long etherType;
    private final int headroom;
    private final MemorySegment region;
    /** Frames transmitted to this port: what the benchmark checks the switch really forwarded. */
    long txPackets;
    long txBytes;

    GeneratorPort(String name, BufferPool pool, byte[] template, int buffers) {
        this.name = name;
        this.pool = pool;
        this.frameLength = template.length;
        this.ring = new long[buffers];
        this.spare = new long[buffers];
        this.region = pool.region();
        this.headroom = pool.headroom();
        this.etherType = ((template[12] & 0xff) << 8) | (template[13] & 0xff);
        Packet view = new Packet();
        for (int i = 0; i < buffers; i++) {
            long h = pool.allocate();
            if (h < 0) {
                throw new IllegalStateException("pool too small for " + buffers + " generator buffers");
            }
            view.bind(pool, h, pool.headroom(), template.length);
            view.write(0, template, 0, template.length);
            view.unbind();
            ring[i] = h;
        }
        cycle = buffers;
        count = buffers;
    }

    /**
     * The flows this port emits from now on, {@code src[i] → dst[i]} round robin (see the class comment); an empty
     * pair of arrays stops it. Call it with every buffer back on hand.
     */
    void flows(long[] src, long[] dst) {
        int n = src.length;
        long[] w0 = new long[n];
        long[] w6 = new long[n];
        for (int f = 0; f < n; f++) {
            // Byte-swapped once here, so that stamping is two plain native-order stores.
            w0[f] = toMemoryOrder(dst[f] << 16 | src[f] >>> 32); // dst(48) src(16 of 48)
            w6[f] = toMemoryOrder(src[f] << 16 | etherType);     // src(48) type(16)
        }
        install(w0, w6, 0, 6);
    }

    /**
     * The flows this port emits from now on, as {@link #flows} but each an IPv4 quadruple {@code {nw_src, nw_dst,
     * tp_src, tp_dst}} written into the template (an untagged IPv4 frame with a 20-byte header and TCP or UDP:
     * bytes 26..37). The checksums are left as the template had them; the switch does not check them.
     */
    void ipv4Flows(int[][] quads) {
        if (etherType != 0x0800) {
            throw new IllegalStateException(name + ": ipv4Flows needs an untagged IPv4 template");
        }
        int n = quads.length;
        long[] w0 = new long[n];
        long[] w1 = new long[n];
        for (int f = 0; f < n; f++) {
            int[] q = quads[f];
            w0[f] = toMemoryOrder((long) q[0] << 32 | q[1] & 0xFFFF_FFFFL);             // src(32) dst(32)
            w1[f] = toMemoryOrder((long) q[1] << 32 | (long) q[2] << 16 | q[3] & 0xFFFF); // dst(32) sport dport
        }
        install(w0, w1, 26, 30);
    }

    private void install(long[] w0, long[] w6, int offA, int offB) {
        int buffers = ring.length;
        if (count + nSpare != buffers) {
            throw new IllegalStateException(name + ": " + (buffers - count - nSpare) + " buffers are still out");
        }
        long[] all = new long[buffers];
        for (int j = 0, k = head; j < count; j++) {
            all[j] = ring[k];
            if (++k == cycle) {
                k = 0;
            }
        }
        System.arraycopy(spare, 0, all, count, nSpare);
        int n = w0.length;
        word0 = w0;
        word6 = w6;
        offsetA = offA;
        offsetB = offB;
        restamp = n > buffers;
        cycle = n == 0 || restamp ? buffers : buffers - buffers % n;
        System.arraycopy(all, 0, ring, 0, cycle);
        nSpare = buffers - cycle;
        System.arraycopy(all, cycle, spare, 0, nSpare);
        head = 0;
        count = cycle;
        nextFlow = 0;
        for (int j = 0; j < cycle && n > 0; j++) {
            nextFlow = stamp(ring[j], nextFlow);
        }
    }

    private static long toMemoryOrder(long bigEndianValue) {
        return NATIVE.order() == ByteOrder.BIG_ENDIAN ? bigEndianValue : Long.reverseBytes(bigEndianValue);
    }

    /** Writes flow {@code f} into buffer {@code h} (two 8-byte stores); returns the next flow. */
    private int stamp(long h, int f) {
        long[] w0 = word0;
        long a = pool.bufferOffset(h) + headroom;
        region.set(NATIVE, a + offsetA, w0[f]);
        region.set(NATIVE, a + offsetB, word6[f]);
        return f + 1 == w0.length ? 0 : f + 1;
    }

    /** Buffers sent out of this port go back to {@code generator}'s ring. */
    void recycleTo(GeneratorPort generator) {
        this.recycleTo = generator;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int receive(int queue, PacketBatch batch) {
        if (word0.length == 0) {
            return 0;
        }
        // Fields in locals, written back once: per frame, one load and the view's binding.
        int n = Math.min(batch.remaining(), count);
        int at = batch.size();
        long[] r = ring;
        int c = cycle;
        int j = head;
        for (int i = 0; i < n; i++) {
            batch.get(at + i).bind(pool, r[j], headroom, frameLength);
            if (++j == c) {
                j = 0;
            }
        }
        head = j;
        count -= n;
        batch.size(at + n);
        return n;
    }

    @Override
    public void transmit(PacketBatch batch) {
        GeneratorPort to = recycleTo;
        int n = batch.size();
        // The generator's state in locals, written back once (field stores in the loop cannot be merged: the
        // stamping stores to off-heap memory might alias them as far as the compiler knows).
        long[] r = to.ring;
        int c = to.cycle;
        int have = to.count;
        int tail = to.head + have;
        if (tail >= c) {
            tail -= c;
        }
        boolean restamp = to.restamp;
        int head = to.head;
        int flow = to.nextFlow;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            Packet p = batch.get(i);
            bytes += p.length();
            if (p.memory() == to.pool && have < c) {
                long h = p.handle();
                if (restamp) {
                    // Last in, first out (the buffers still warm in the cache go out again first), stamped in
                    // the order they come back.
                    flow = to.stamp(h, flow);
                    if (--head < 0) {
                        head = c - 1;
                    }
                    r[head] = h;
                } else {
                    r[tail] = h;
                    if (++tail == c) {
                        tail = 0;
                    }
                }
                have++;
                p.unbind();
            } else {
                p.release();
            }
        }
        to.head = head;
        to.count = have;
        to.nextFlow = flow;
        txBytes += bytes;
        txPackets += n;
        batch.size(0);
    }

    @Override
    public PacketMemory memory() {
        return pool;
    }

    @Override
    public boolean linkUp() {
        return true;
    }

    @Override
    public int mtu() {
        return 1500;
    }

    @Override
    public long mac() {
        return 0x02_00_00_00_00_00L;
    }

    @Override
    public PortStats stats() {
        return new PortStats(0, 0, 0, 0, txPackets, txBytes, 0, 0);
    }

    @Override
    public void close() {
        // Every buffer on hand: the ring's free ones and those flows() left out of it.
        for (int j = 0, k = head; j < count; j++) {
            pool.release(ring[k]);
            if (++k == cycle) {
                k = 0;
            }
        }
        for (int i = 0; i < nSpare; i++) {
            pool.release(spare[i]);
        }
        count = 0;
        nSpare = 0;
    }
}
