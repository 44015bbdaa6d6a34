package org.vswitch4j.tunnel;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.vswitch4j.core.packet.Checksums;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.ring.LongRing;
import org.vswitch4j.core.ring.MpscLongRing;

/**
 * A tunnel port's ICMP "fragmentation needed" replies ({@code pmtud=true}, RFC 1191): when {@link TunnelEncap#push}
 * refuses an inner IPv4 frame with DF as too big for the underlay, {@link #fragNeeded} builds the ICMP message the
 * sender needs (type 3 code 4 with the next-hop MTU that fits, quoting the IP header and 8 bytes of its payload, from
 * the inner destination's addresses, as Linux's bridged tunnels do) in a fresh buffer and queues it; the tunnel port's
 * receive delivers it into the bridge as if it came out of the tunnel, so the bridge takes it to the sender. ICMP
 * errors and fragments other than the first get no reply (RFC 1812 4.3.2.7).
 *
 * <p>Thread-safety: {@link #fragNeeded} from any poll thread (an MPSC ring of buffer handles); {@link #drain} from
 * the tunnel port's poll thread.
 */
final class PmtuReplies {
    private static final int ETH = 14;
    private final PacketMemory memory;
    private final LongRing ring = new MpscLongRing(256);
    private final AtomicReference<Runnable> wakeup = new AtomicReference<>();
    private final LongAdder sent = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    PmtuReplies(PacketMemory memory) {
        this.memory = memory;
    }

    /** Queues the reply to {@code p} (an inner frame, not taken) whose IP MTU through the tunnel is {@code mtu}. */
    void fragNeeded(Packet p, int mtu, long key, int remote, int local) {
        int len = p.length();
        if (len < ETH + 20 || p.u16(12) != 0x0800 || (p.u8(ETH) >>> 4) != 4 || (p.u16(ETH + 6) & 0x4000) == 0
                || (p.u16(ETH + 6) & 0x1fff) != 0) {
            return; // not IPv4 with DF, or a later fragment: dropped and counted only
        }
        int ihl = 4 * (p.u8(ETH) & 0xf);
        if (ihl < 20 || len < ETH + ihl) {
            return;
        }
        if (p.u8(ETH + 9) == 1 && len >= ETH + ihl + 1) {
            int type = p.u8(ETH + ihl);
            if (type != 0 && type != 8 && type != 13 && type != 14) {
                return; // never an ICMP error about an ICMP error
            }
        }
        int quoted = Math.min(len - ETH, ihl + 8);
        int frame = ETH + 20 + 8 + quoted;
        long h = memory.allocate();
        if (h < 0) {
            dropped.increment();
            return;
        }
        Packet r = new Packet().bind(memory, h, memory.headroom(), frame);
        r.mac(0, p.mac(6));
        r.mac(6, p.mac(0));
        r.u16(12, 0x0800);
        r.u32(ETH, 0x4500_0000L | (20 + 8 + quoted));
        r.u32(ETH + 4, 0);
        r.u32(ETH + 8, 64L << 24 | 1L << 16); // TTL 64, ICMP, checksum below
        r.u32(ETH + 12, p.u32(ETH + 16)); // from the inner destination ...
        r.u32(ETH + 16, p.u32(ETH + 12)); // ... to the sender
        Checksums.fixIpv4Header(r, ETH);
        int icmp = ETH + 20;
        r.u32(icmp, 0x0304_0000L);
        r.u32(icmp + 4, mtu & 0xffff);
        for (int i = 0; i < quoted; i++) {
            r.u8(icmp + 8 + i, p.u8(ETH + i));
        }
        r.u16(icmp + 2, Checksums.checksum(r, icmp, 8 + quoted));
        MemorySegment seg = memory.region();
        long base = memory.bufferOffset(h);
        seg.set(Packet.BE_INT, base, frame);
        seg.set(Packet.BE_LONG, base + 4, key);
        seg.set(Packet.BE_INT, base + 12, remote);
        seg.set(Packet.BE_INT, base + 16, local);
        r.unbind();
        if (!ring.offer(h)) {
            memory.release(h);
            dropped.increment();
            return;
        }
        sent.increment();
        Runnable w = wakeup.getAndSet(null);
        if (w != null) {
            w.run();
        }
    }

    /** Appends queued replies to {@code batch}, with the tunnel metadata of a frame from the remote. */
    int drain(PacketBatch batch) {
        int n = 0;
        MemorySegment seg = memory.region();
        while (!batch.isFull()) {
            long h = ring.poll();
            if (h == LongRing.EMPTY) {
                break;
            }
            long base = memory.bufferOffset(h);
            Packet p = batch.add();
            p.bind(memory, h, memory.headroom(), seg.get(Packet.BE_INT, base));
            p.tunnel(seg.get(Packet.BE_LONG, base + 4), seg.get(Packet.BE_INT, base + 12), seg.get(Packet.BE_INT, base + 16));
            n++;
        }
        return n;
    }

    /** Arms {@code w} to run when a reply is queued (at once when one already is). */
    void arm(Runnable w) {
        wakeup.set(w);
        if (ring.size() > 0) {
            Runnable again = wakeup.getAndSet(null);
            if (again != null) {
                again.run();
            }
        }
    }

    long sent() {
        return sent.sum();
    }

    long dropped() {
        return dropped.sum();
    }

    /** Releases queued replies. */
    void close() {
        long h;
        while ((h = ring.poll()) != LongRing.EMPTY) {
            memory.release(h);
        }
    }
}
