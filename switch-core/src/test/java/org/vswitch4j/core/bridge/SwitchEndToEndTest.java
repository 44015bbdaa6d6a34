package org.vswitch4j.core.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.datapath.DropReason;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.time.VirtualClock;

/** The bridge through a real synchronous datapath: frames in, frames out, caches and invalidation included. */
class SwitchEndToEndTest {
    static final long A = 0x0200_0000_000aL;
    static final long B = 0x0200_0000_000bL;
    static final long C = 0x0200_0000_000cL;
    static final long BCAST = 0xffff_ffff_ffffL;

    private final VirtualClock clock = new VirtualClock(1_000_000_000L);
    private final Switch sw = Switch.builder().clock(clock).build();
    private final Bridge br = sw.addBridge("br0");
    private final List<FramePort> ports = new ArrayList<>();

    @AfterEach
    void close() {
        sw.close();
        ports.forEach(FramePort::close);
    }

    private FramePort port(BridgePortConfig cfg) {
        FramePort p = new FramePort(cfg.name(), sw.datapath().memory());
        ports.add(p);
        br.addPort(p, cfg);
        return p;
    }

    private static byte[] udp(long src, long dst) {
        return FrameBuilder.ethernet(src, dst).ipv4("192.0.2.1", "192.0.2.2").udp(1000, 2000).payload(18).build();
    }

    private static byte[] udpTagged(long src, long dst, int vid) {
        return FrameBuilder.ethernet(src, dst).vlan(vid).ipv4("192.0.2.1", "192.0.2.2").udp(1000, 2000).payload(18)
                .build();
    }

    private void send(FramePort p, byte[] f) {
        p.inject(f);
        sw.poll();
    }

    @Test
    void learnsFloodsThenForwardsOnlyToTheStation() {
        FramePort p1 = port(BridgePortConfig.access("p1", 10));
        FramePort p2 = port(BridgePortConfig.access("p2", 10));
        FramePort p3 = port(BridgePortConfig.access("p3", 20));
        FramePort t4 = port(BridgePortConfig.trunk("t4"));

        byte[] fromA = udp(A, BCAST);
        send(p1, fromA);
        assertArrayEquals(fromA, p2.single());
        assertEquals(0, p3.sent.size());
        assertArrayEquals(udpTagged(A, BCAST, 10), t4.single());

        byte[] bToA = udp(B, A);
        send(p2, bToA);
        assertArrayEquals(bToA, p1.single());
        assertEquals(0, t4.sent.size());

        for (int i = 0; i < 3; i++) {                                 // cache hits from now on
            send(p1, udp(A, B));
            assertArrayEquals(udp(A, B), p2.single());
        }
        assertEquals(0, t4.sent.size() + p3.sent.size());
        assertEquals(2, br.stats().learned());
        assertTrue(br.macTable().format().contains("    1    10  02:00:00:00:00:0a"), br.macTable().format());
        PortStats s1 = br.portStats("p1");
        assertEquals(4, s1.rxPackets());
        assertEquals(1, s1.txPackets());
    }

    @Test
    void taggedFrameOnAccessPortIsDroppedAndCounted() {
        FramePort p1 = port(BridgePortConfig.access("p1", 10));
        FramePort p2 = port(BridgePortConfig.access("p2", 10));
        send(p1, udpTagged(A, BCAST, 10));
        send(p1, udpTagged(A, BCAST, 20));
        assertEquals(0, p2.sent.size());
        assertEquals(2, sw.datapath().dropCount(br.ofport("p1"), DropReason.VLAN_MODE));
        assertEquals(2, br.stats().vlanDrops());
        assertEquals(2, br.portStats("p1").rxDropped());
        assertEquals(0, br.macTable().size());
    }

    @Test
    void trunkToAccessPopsAndAccessToTrunkPushes() {
        FramePort a = port(BridgePortConfig.access("a", 30));
        FramePort t = port(BridgePortConfig.trunk("t", 30));
        send(t, udpTagged(B, A, 30));
        assertArrayEquals(udp(B, A), a.single());
        send(a, udp(A, B));
        assertArrayEquals(udpTagged(A, B, 30), t.single());
    }

    @Test
    void silentStationAgesOutAndTrafficToItFloodsAgain() {
        FramePort p1 = port(BridgePortConfig.access("p1", 10));
        FramePort p2 = port(BridgePortConfig.access("p2", 10));
        FramePort p3 = port(BridgePortConfig.access("p3", 10));
        send(p1, udp(A, BCAST));
        send(p2, udp(B, A));
        assertArrayEquals(udp(B, A), p1.single());
        p2.sent.clear();
        p3.sent.clear();

        clock.advanceNanos(Duration.ofSeconds(300).toNanos() - 1);
        sw.poll();
        assertEquals(1, br.macTable().lookup(10, A), "present at T-1");
        clock.advanceNanos(1);
        sw.poll();
        assertEquals(0, br.macTable().lookup(10, A), "aged out at T");
        send(p2, udp(B, A));
        assertArrayEquals(udp(B, A), p1.single());
        assertArrayEquals(udp(B, A), p3.single(), "unknown again: flooded");
    }

    @Test
    void activeStationsWhosePacketsHitTheCacheDoNotAgeOut() {
        FramePort p1 = port(BridgePortConfig.access("p1", 10));
        FramePort p2 = port(BridgePortConfig.access("p2", 10));
        for (int s = 0; s < 400; s += 5) {
            send(p1, udp(A, B));
            send(p2, udp(B, A));
            clock.advance(Duration.ofSeconds(5));
        }
        assertEquals(0, br.stats().aged(), "revalidation refreshed the entries");
        assertEquals(2, br.stats().learned());
        assertTrue(sw.datapath().stats().upcalls() < 20, "most packets hit the caches: "
                + sw.datapath().stats());
    }

    @Test
    void stationMoveRedirectsCachedTraffic() {
        FramePort p1 = port(BridgePortConfig.access("p1", 10));
        FramePort p2 = port(BridgePortConfig.access("p2", 10));
        FramePort p3 = port(BridgePortConfig.access("p3", 10));
        send(p1, udp(A, BCAST));
        send(p2, udp(B, A));
        send(p2, udp(B, A));
        assertEquals(2, p1.sent.size());
        p1.sent.clear();
        p3.sent.clear();
        send(p3, udp(A, BCAST));                                      // A moved to p3
        p1.sent.clear();
        p2.sent.clear();
        send(p2, udp(B, A));
        assertEquals(0, p1.sent.size());
        assertArrayEquals(udp(B, A), p3.single(), "the cached unicast flow was invalidated by the move");
        assertEquals(1, br.stats().moved());
    }

    @Test
    void reservedMulticastIsDroppedAndCounted() {
        FramePort p1 = port(BridgePortConfig.access("p1", 10));
        FramePort p2 = port(BridgePortConfig.access("p2", 10));
        send(p1, FrameBuilder.ethernet(A, 0x0180_c200_0000L).ethLength().payload(40).build());
        assertEquals(0, p2.sent.size());
        assertEquals(1, br.stats().reservedDrops());
    }

    @Test
    void floodFollowsLinkStateOnceRevalidated() {
        FramePort p1 = port(BridgePortConfig.access("p1", 10));
        FramePort p2 = port(BridgePortConfig.access("p2", 10));
        FramePort p3 = port(BridgePortConfig.access("p3", 10));
        send(p1, udp(A, BCAST));
        assertEquals(1, p2.sent.size());
        assertEquals(1, p3.sent.size());
        p2.sent.clear();
        p3.sent.clear();
        p3.link = false;
        clock.advance(Duration.ofSeconds(1));                         // past the revalidation interval
        send(p1, udp(A, BCAST));                                      // counts as use of the flood megaflow
        clock.advance(Duration.ofSeconds(1));
        sw.poll();                                                    // revalidation re-translates it
        p2.sent.clear();
        p3.sent.clear();
        long droppedBefore = br.portStats("p3").txDropped();          // the stale flood sent to it once
        send(p1, udp(A, BCAST));
        assertEquals(1, p2.sent.size());
        assertEquals(0, p3.sent.size(), "a port whose link is down is left out of the flood");
        assertEquals(droppedBefore, br.portStats("p3").txDropped(), "not even sent to be dropped");
    }

    @Test
    void bridgesOfOneSwitchAreIsolated() {
        Bridge br1 = sw.addBridge(Bridge.builder("br1").ageing(Duration.ofSeconds(60)));
        FramePort p1 = port(BridgePortConfig.access("p1", 10));
        FramePort p2 = port(BridgePortConfig.access("p2", 10));
        FramePort q1 = new FramePort("q1", sw.datapath().memory());
        FramePort q2 = new FramePort("q2", sw.datapath().memory());
        ports.add(q1);
        ports.add(q2);
        br1.addPort(q1, BridgePortConfig.access("q1", 10));
        br1.addPort(q2, BridgePortConfig.access("q2", 10));
        send(p1, udp(A, BCAST));
        assertEquals(1, p2.sent.size());
        assertEquals(0, q1.sent.size() + q2.sent.size());
        send(q1, udp(B, BCAST));
        assertEquals(1, q2.sent.size());
        assertEquals(1, p2.sent.size() + p1.sent.size());
        assertEquals(1, br.macTable().size());
        assertEquals(1, br1.macTable().size());
        assertEquals(Duration.ofSeconds(60), br1.macTable().ageing());
        assertEquals(List.of(br, br1), sw.bridges());
        assertEquals(br1, sw.bridge("br1"));
    }

    @Test
    void switchRefusesDuplicateAndUnknownBridges() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> sw.addBridge("br0"));
        assertEquals("a bridge named br0 exists already", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> sw.bridge("nope"));
        assertEquals("no bridge named nope; bridges: [br0]", e.getMessage());
        sw.close();
        sw.close();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> sw.addBridge("br2"));
    }

    /** A port fed from a queue of byte arrays, capturing what it is sent. Single-threaded (synchronous mode). */
    static final class FramePort implements Port {
        final String name;
        final PacketMemory memory;
        final ArrayDeque<byte[]> in = new ArrayDeque<>();
        final List<byte[]> sent = new ArrayList<>();
        boolean link = true;

        FramePort(String name, PacketMemory memory) {
            this.name = name;
            this.memory = memory;
        }

        void inject(byte[] f) {
            in.add(f);
        }

        /** The one frame sent since the last call. */
        byte[] single() {
            assertEquals(1, sent.size(), name + " should have sent exactly one frame");
            return sent.removeFirst();
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int receive(int queue, PacketBatch batch) {
            int n = 0;
            while (batch.remaining() > 0 && !in.isEmpty()) {
                long h = memory.allocate();
                if (h < 0) {
                    break;
                }
                byte[] f = in.poll();
                Packet p = batch.add();
                p.bindEmpty(memory, h);
                p.write(0, f, 0, f.length);
                p.length(f.length);
                n++;
            }
            return n;
        }

        @Override
        public void transmit(PacketBatch batch) {
            for (int i = 0; i < batch.size(); i++) {
                Packet p = batch.get(i);
                sent.add(p.toByteArray());
                p.release();
            }
            batch.size(0);
        }

        @Override
        public PacketMemory memory() {
            return memory;
        }

        @Override
        public boolean linkUp() {
            return link;
        }

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public long mac() {
            return 0;
        }

        @Override
        public PortStats stats() {
            return PortStats.ZERO;
        }

        @Override
        public void close() {
        }
    }
}
