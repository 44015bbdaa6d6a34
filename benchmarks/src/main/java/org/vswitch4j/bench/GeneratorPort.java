package org.vswitch4j.bench;

import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;

/**
 * A benchmark port in the manner of DPDK's {@code net_null}: its rx side hands out 64-byte frames from a
 * small set of recycled buffers, stamping each with the MAC pair of the next flow (two 8-byte stores, the
 * generator's whole per-packet work); its tx side counts what the switch sent it and gives the buffers back
 * to the generator it was paired with. Nothing is copied, nothing allocated.
 *
 * <p>Why two 8-byte stores at offsets 0 and 6: the parser reads the Ethernet header with 8-byte loads at those
 * offsets, and a load that spans several smaller, still-pending stores cannot be forwarded from the store
 * buffer (a stall of some 15 cycles per load on x86). Frames from a real NIC arrive long before they are read;
 * stamping with stores the loads can forward from keeps that stall, an artefact of this generator, out of
 * the figure.
 *
 * <p>Thread-safety: one thread (the benchmark's) drives both sides.
 */
final class GeneratorPort implements Port {
    private final String name;
    private final BufferPool pool;
    private final int frameLength;
    private final long[] free;
    private int nFree;
    private long[] srcMacs = new long[0];
    private long[] dstMacs = new long[0];
    private int nextFlow;
    private GeneratorPort recycleTo = this;
    private final int etherType;
    /** Frames transmitted to this port: what the benchmark checks the switch really forwarded. */
    long txPackets;
    long txBytes;

    GeneratorPort(String name, BufferPool pool, byte[] template, int buffers) {
        this.name = name;
        this.pool = pool;
        this.frameLength = template.length;
        this.free = new long[buffers];
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
            free[nFree++] = h;
        }
    }

    /** The flows this port emits, in round-robin order: frame i carries srcMacs[i] → dstMacs[i]. */
    void flows(long[] src, long[] dst) {
        this.srcMacs = src.clone();
        this.dstMacs = dst.clone();
        this.nextFlow = 0;
    }

    /** Buffers sent out of this port go back to {@code generator}'s free list. */
    void recycleTo(GeneratorPort generator) {
        this.recycleTo = generator;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int receive(int queue, PacketBatch batch) {
        int flows = srcMacs.length;
        if (flows == 0) {
            return 0;
        }
        int n = Math.min(batch.remaining(), nFree);
        int f = nextFlow;
        long type = etherType;
        for (int i = 0; i < n; i++) {
            Packet p = batch.add().bind(pool, free[--nFree], pool.headroom(), frameLength);
            long src = srcMacs[f];
            p.i64(0, dstMacs[f] << 16 | src >>> 32);  // dst(48) src(16 of 48)
            p.i64(6, src << 16 | type);                 // src(48) type(16)
            if (++f == flows) {
                f = 0;
            }
        }
        nextFlow = f;
        return n;
    }

    @Override
    public void transmit(PacketBatch batch) {
        GeneratorPort to = recycleTo;
        int n = batch.size();
        for (int i = 0; i < n; i++) {
            Packet p = batch.get(i);
            txBytes += p.length();
            if (p.memory() == to.pool && to.nFree < to.free.length) {
                to.free[to.nFree++] = p.handle();
                p.unbind();
            } else {
                p.release();
            }
        }
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
        for (int i = 0; i < nFree; i++) {
            pool.release(free[i]);
        }
        nFree = 0;
    }
}
