package org.vswitch4j.tunnel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;

/**
 * A test underlay: what one side sends, the other receives, as a router between them would deliver it (outer
 * Ethernet and IP stripped, plus UDP for VXLAN and Geneve; the outer IPv4 addresses become the tunnel metadata).
 * Keeps a copy of every sent frame for assertions. Single-threaded.
 */
final class LoopUnderlay implements Underlay {
    /** A datagram and its outer addresses: IPv4 {@code src}/{@code dst}, or IPv6 {@code v6} (src then dst, 32 bytes). */
    record Held(byte[] data, int src, int dst, byte[] v6) {
    }

    private final PacketMemory memory;
    private final boolean udp;
    private LoopUnderlay peer;
    final ArrayDeque<Held> inbox = new ArrayDeque<>();
    final List<byte[]> sent = new ArrayList<>();

    LoopUnderlay(PacketMemory memory, TunnelType type) {
        this.memory = memory;
        this.udp = type.udp();
    }

    static LoopUnderlay[] pair(PacketMemory memory, TunnelType type) {
        LoopUnderlay a = new LoopUnderlay(memory, type);
        LoopUnderlay b = new LoopUnderlay(memory, type);
        a.peer = b;
        b.peer = a;
        return new LoopUnderlay[] {a, b};
    }

    /** Delivers {@code datagram} (starting at the tunnel header) as if from {@code src} to {@code dst}. */
    void inject(byte[] datagram, int src, int dst) {
        inbox.add(new Held(datagram, src, dst, null));
    }

    @Override
    public int receive(PacketBatch batch) {
        int n = 0;
        while (!batch.isFull() && !inbox.isEmpty()) {
            Held h = inbox.poll();
            Packet p = batch.add().bindEmpty(memory, memory.allocate());
            p.length(h.data.length);
            p.write(0, h.data, 0, h.data.length);
            p.tunnel(0, h.src, h.dst);
            if (h.v6 != null) {
                java.nio.ByteBuffer a = java.nio.ByteBuffer.wrap(h.v6);
                p.tunnelIpv6(a.getLong(0), a.getLong(8), a.getLong(16), a.getLong(24));
            }
            n++;
        }
        return n;
    }

    @Override
    public void send(PacketBatch batch) {
        for (int i = 0; i < batch.size(); i++) {
            Packet p = batch.get(i);
            byte[] f = p.toByteArray();
            sent.add(f);
            p.release();
            boolean v4 = (f[12] & 0xff) == 0x08;
            int ipHdr = v4 ? 4 * (f[14] & 0xf) : 40;
            int strip = 14 + ipHdr + (udp ? 8 : 0);
            int src = v4 ? be32(f, 26) : 0;
            int dst = v4 ? be32(f, 30) : 0;
            if (peer != null) {
                peer.inbox.add(new Held(java.util.Arrays.copyOfRange(f, strip, f.length), src, dst,
                        v4 ? null : java.util.Arrays.copyOfRange(f, 22, 54)));
            }
        }
        batch.size(0);
    }

    static int be32(byte[] b, int o) {
        return (b[o] & 0xff) << 24 | (b[o + 1] & 0xff) << 16 | (b[o + 2] & 0xff) << 8 | (b[o + 3] & 0xff);
    }

    @Override
    public long rxDropped() {
        return 0;
    }

    @Override
    public long txDropped() {
        return 0;
    }

    @Override
    public void close() {
        inbox.clear();
    }
}
