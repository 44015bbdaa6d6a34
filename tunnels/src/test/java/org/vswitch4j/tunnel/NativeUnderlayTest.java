package org.vswitch4j.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.port.MemoryPort;
import org.vswitch4j.core.time.Clock;
import org.vswitch4j.core.time.VirtualClock;
import org.vswitch4j.testkit.PingResult;
import org.vswitch4j.testkit.Pump;
import org.vswitch4j.testkit.VirtualHost;

/**
 * Native tunnelling between two switches, each with an integration bridge (a host and the tunnel port) and a
 * physical bridge (the underlay's local port and a "wire" port); the wires are joined by the test's pump. The
 * underlay ARPs for its next hop, answers ARP for its own address, and routes.
 */
class NativeUnderlayTest {
    private final BufferPool pool = BufferPool.builder().count(2048).strict(true).build();
    private final VirtualClock clock = new VirtualClock();
    private final Switch swA = Switch.builder().clock(clock).memory(pool).build();
    private final Switch swB = Switch.builder().clock(clock).memory(pool).build();
    private final MemoryPort pa = MemoryPort.builder().name("a").memory(pool).build();
    private final MemoryPort pb = MemoryPort.builder().name("b").memory(pool).build();
    private final MemoryPort wireA = MemoryPort.builder().name("wire-a").memory(pool).build();
    private final MemoryPort wireB = MemoryPort.builder().name("wire-b").memory(pool).build();
    private TunnelPort ta;
    private TunnelPort tb;
    private NativeUnderlay ua;
    private NativeUnderlay ub;
    private VirtualHost hostA;
    private VirtualHost hostB;
    private final java.util.List<VirtualHost> moreHosts = new java.util.ArrayList<>();

    private final Pump pump = new Pump() {
        @Override
        public int pumpOnce() {
            int moved = swA.poll() + swB.poll() + hostA.process() + hostB.process();
            for (VirtualHost h : moreHosts) {
                moved += h.process();
            }
            byte[] f;
            while ((f = wireA.receive()) != null) {
                if (!wireDown) {
                    wireB.send(f);
                }
                moved++;
            }
            while ((f = wireB.receive()) != null) {
                if (!wireDown) {
                    wireA.send(f);
                }
                moved++;
            }
            return moved;
        }

        @Override
        public Clock clock() {
            return clock;
        }
    };

    @AfterEach
    void close() {
        swA.close();
        swB.close();
        for (AutoCloseable c : new AutoCloseable[] {ta, tb, ua, ub, ua == null ? null : ua.localPort(),
                ub == null ? null : ub.localPort(), pa, pb, wireA, wireB}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }
        assertEquals(0, pool.usedCount(), "buffers leaked");
    }

    /** When set, the wires lose every frame (a link down, for the retry tests). */
    private boolean wireDown;

    private void wire(TunnelType t, String localA, String localB, int prefix) throws Exception {
        wire(t, localA, localB, prefix, NativeUnderlay.DEFAULT_AGEING);
    }

    private void wire(TunnelType t, String localA, String localB, int prefix, Duration ageing) throws Exception {
        TunnelConfig ca = TunnelConfig.builder(t).local(InetAddress.getByName(localA)).remote(InetAddress.getByName(localB))
                .key(1234).build();
        TunnelConfig cb = TunnelConfig.builder(t).local(InetAddress.getByName(localB)).remote(InetAddress.getByName(localA))
                .key(1234).build();
        ua = NativeUnderlay.builder().local(localA + "/" + prefix).port("br-phy-a", 0x0200_0000_0a01L).memory(pool)
                .clock(clock).ageing(ageing).onNeighbourChange(swA.datapath()::invalidateAll).build();
        ub = NativeUnderlay.builder().local(localB + "/" + prefix).port("br-phy-b", 0x0200_0000_0b01L).memory(pool)
                .clock(clock).ageing(ageing).onNeighbourChange(swB.datapath()::invalidateAll).build();
        ta = new TunnelPort("tun-a", ca, ua.tunnel(ca), pool);
        tb = new TunnelPort("tun-b", cb, ub.tunnel(cb), pool);
        Bridge intA = swA.addBridge("br-int-a");
        Bridge phyA = swA.addBridge("br-phy-a");
        Bridge intB = swB.addBridge("br-int-b");
        Bridge phyB = swB.addBridge("br-phy-b");
        intA.addPort(pa, BridgePortConfig.builder("a").build());
        intA.addPort(ta, BridgePortConfig.builder("tun-a").build());
        phyA.addPort(ua.localPort(), BridgePortConfig.builder("br-phy-a").build());
        phyA.addPort(wireA, BridgePortConfig.builder("wire-a").build());
        intB.addPort(pb, BridgePortConfig.builder("b").build());
        intB.addPort(tb, BridgePortConfig.builder("tun-b").build());
        phyB.addPort(ub.localPort(), BridgePortConfig.builder("br-phy-b").build());
        phyB.addPort(wireB, BridgePortConfig.builder("wire-b").build());
        hostA = VirtualHost.builder().name("a").mac(0x0200_0000_000aL).ipv4("192.0.2.1").port(pa).pump(pump).build();
        hostB = VirtualHost.builder().name("b").mac(0x0200_0000_000bL).ipv4("192.0.2.2").port(pb).pump(pump).build();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TunnelType.class)
    void hostsPingThroughANativeTunnelOnceTheUnderlayResolvedItsNextHop(TunnelType t) throws Exception {
        wire(t, "198.51.100.1", "198.51.100.2", 24);
        // The first attempt finds the next hop unresolved: the underlay ARPs and the overlay's ARP is dropped.
        PingResult first = hostA.ping(hostB);
        assertEquals("02:00:00:00:0b:01", ua.arpTable().get("198.51.100.2"), ua.arpTable() + " " + ua.counters());
        assertEquals("02:00:00:00:0a:01", ub.arpTable().get("198.51.100.1"), "b learnt a from its ARP request");
        for (int i = 0; i < 3; i++) {
            PingResult ab = hostA.ping(hostB);
            assertTrue(ab.success(), "a -> b #" + i + " (first attempt: " + first + "): " + ab + " " + ua.counters());
            PingResult ba = hostB.ping(hostA);
            assertTrue(ba.success(), "b -> a #" + i + ": " + ba);
        }
        assertTrue(tb.stats().rxPackets() >= 4 && ta.stats().rxPackets() >= 4, ta.stats() + " " + tb.stats());
        assertEquals(0, ta.stats().rxErrors() + tb.stats().rxErrors());
        assertEquals(1L, ua.counters().get("arp_requests_sent"));
        assertTrue(ub.counters().get("arp_replies_sent") >= 1);
    }

    @Test
    void aRemoteOffTheSubnetGoesThroughTheRoutesGateway() throws Exception {
        // a is 198.51.100.1/25, b 198.51.100.200: off a's subnet, reached through a gateway that is b itself here.
        wire(TunnelType.VXLAN, "198.51.100.1", "198.51.100.200", 25);
        hostA.ping(hostB);
        assertFalse(ua.arpTable().containsKey("198.51.100.200"), "no route: nothing resolved " + ua.arpTable());
        assertEquals(0L, ua.counters().get("arp_requests_sent"));
        ua.addRoute("198.51.100.128/25", "198.51.100.200");
        ub.addRoute("198.51.100.0/25", "198.51.100.1");
        hostA.ping(hostB); // resolves the gateway
        assertEquals(1L, ua.counters().get("arp_requests_sent"));
        assertTrue(hostA.ping(hostB).success());
        assertTrue(hostB.ping(hostA).success());
    }

    @Test
    void framesNotForTheUnderlayAreCountedAndDropped() throws Exception {
        wire(TunnelType.GRE, "198.51.100.1", "198.51.100.2", 24);
        // An IPv4 frame to the local port's MAC but another address, and a UDP one to an unknown port.
        byte[] other = org.vswitch4j.core.packet.FrameBuilder.ethernet(0x0200_0000_0b01L, 0x0200_0000_0a01L)
                .ipv4("198.51.100.2", "198.51.100.9").udp(1, 4789).payload(20).build();
        wireA.send(other);
        for (int i = 0; i < 3; i++) {
            pump.pumpOnce();
        }
        assertTrue(ua.counters().get("not_for_us") >= 1, ua.counters().toString());
        assertEquals(0, ta.stats().rxPackets());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TunnelType.class)
    void overAnIpv6UnderlayTheNextHopIsFoundByNeighbourDiscovery(TunnelType t) throws Exception {
        wire(t, "2001:db8:1::1", "2001:db8:1::2", 64);
        PingResult first = hostA.ping(hostB);
        assertEquals("02:00:00:00:0b:01", ua.arpTable().get("2001:db8:1:0:0:0:0:2"), ua.arpTable() + " " + ua.counters());
        assertEquals("02:00:00:00:0a:01", ub.arpTable().get("2001:db8:1:0:0:0:0:1"), "b learnt a from its solicitation");
        for (int i = 0; i < 3; i++) {
            PingResult ab = hostA.ping(hostB);
            assertTrue(ab.success(), "a -> b #" + i + " (first attempt: " + first + "): " + ab + " " + ua.counters());
            assertTrue(hostB.ping(hostA).success(), "b -> a #" + i);
        }
        assertEquals(1L, ua.counters().get("nd_solicitations_sent"));
        assertTrue(ub.counters().get("nd_advertisements_sent") >= 1);
        assertEquals(0, ta.stats().rxErrors() + tb.stats().rxErrors());
        String flows = swA.datapath().dumpFlows().toString();
        assertTrue(flows.contains("src=2001:db8:1::1,dst=2001:db8:1::2"), flows);
    }

    @Test
    void anIpv6RemoteOffTheSubnetGoesThroughTheRoutesGateway() throws Exception {
        wire(TunnelType.GENEVE, "2001:db8:1::1", "2001:db8:2::1", 64);
        hostA.ping(hostB);
        assertEquals(0L, ua.counters().get("nd_solicitations_sent"), "no route: nothing resolved");
        ua.addRoute("2001:db8:2::/64", "2001:db8:2::1");
        ub.addRoute("2001:db8:1::/64", "2001:db8:1::1");
        hostA.ping(hostB);
        assertTrue(hostA.ping(hostB).success(), ua.counters().toString());
        assertTrue(hostB.ping(hostA).success());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ua.addRoute("198.51.100.0/24", "198.51.100.1"));
        assertTrue(e.getMessage().contains("IPv6"), e.getMessage());
    }

    @Test
    void anUnansweredRequestIsRepeatedEverySecondOnTheSwitchClockThenGivenUp() throws Exception {
        wire(TunnelType.VXLAN, "198.51.100.1", "198.51.100.2", 24);
        wireDown = true;
        hostA.ping(hostB); // the translation asks for b's MAC; nothing answers
        assertEquals(1L, ua.counters().get("arp_requests_sent"));
        clock.advanceNanos(NativeUnderlay.RETRY.toNanos() - 1);
        pump.pumpOnce();
        assertEquals(1L, ua.counters().get("arp_requests_sent"), "not before the retry time");
        clock.advanceNanos(1);
        pump.pumpOnce();
        assertEquals(2L, ua.counters().get("arp_requests_sent"), "retried at 1 s");
        clock.advanceNanos(NativeUnderlay.RETRY.toNanos());
        pump.pumpOnce();
        assertEquals(3L, ua.counters().get("arp_requests_sent"));
        clock.advanceNanos(NativeUnderlay.RETRY.toNanos());
        pump.pumpOnce();
        assertEquals(3L, ua.counters().get("arp_requests_sent"), NativeUnderlay.ATTEMPTS + " requests in all");
        assertEquals(1L, ua.counters().get("resolve_failed"));
        // The link comes back: a retry that is answered resolves b without any new upcall.
        wireDown = false;
        swA.datapath().invalidateAll(); // a revalidation translates again and asks again
        hostA.ping(hostB);
        assertEquals("02:00:00:00:0b:01", ua.arpTable().get("198.51.100.2"));
        assertTrue(hostA.ping(hostB).success());
    }

    @Test
    void aRetryResolvesTheNextHopWhenTheFirstRequestWasLost() throws Exception {
        wire(TunnelType.GRE, "198.51.100.1", "198.51.100.2", 24);
        wireDown = true;
        hostA.ping(hostB);
        wireDown = false;
        assertTrue(ua.arpTable().isEmpty());
        clock.advanceNanos(NativeUnderlay.RETRY.toNanos());
        for (int i = 0; i < 4; i++) {
            pump.pumpOnce();
        }
        assertEquals(2L, ua.counters().get("arp_requests_sent"));
        assertEquals("02:00:00:00:0b:01", ua.arpTable().get("198.51.100.2"), "the retry's answer was learnt");
        assertTrue(hostA.ping(hostB).success());
    }

    @Test
    void aLiveNeighbourIsRefreshedBeforeItsAgeingSoTrafficNeverStops() throws Exception {
        wire(TunnelType.VXLAN, "198.51.100.1", "198.51.100.2", 24, Duration.ofSeconds(60));
        hostA.ping(hostB);
        assertTrue(hostA.ping(hostB).success());
        assertEquals(1L, ua.counters().get("arp_requests_sent"));
        long lead = NativeUnderlay.ATTEMPTS * NativeUnderlay.RETRY.toNanos();
        clock.advanceNanos(Duration.ofSeconds(60).toNanos() - lead - 1);
        pump.pumpOnce();
        assertEquals(1L, ua.counters().get("arp_requests_sent"), "no refresh before ageing - 3 s");
        clock.advanceNanos(1);
        for (int i = 0; i < 4; i++) {
            pump.pumpOnce();
        }
        assertEquals(2L, ua.counters().get("arp_requests_sent"), "refreshed at ageing - 3 s");
        assertEquals(1L, ua.counters().get("refreshes"));
        clock.advanceNanos(lead);
        pump.pumpOnce();
        assertEquals(0L, ua.counters().get("expired"), "the answer renewed it " + ua.counters());
        assertEquals("02:00:00:00:0b:01", ua.arpTable().get("198.51.100.2"));
        assertTrue(hostA.ping(hostB).success());
        assertEquals(2L, ua.counters().get("arp_requests_sent"), "no new resolution");
    }

    @Test
    void aNeighbourThatStopsAnsweringExpiresAtItsAgeingAndIsResolvedAgain() throws Exception {
        wire(TunnelType.VXLAN, "198.51.100.1", "198.51.100.2", 24, Duration.ofSeconds(60));
        ua.addNeighbour("198.51.100.99", 0x0200_0000_0099L);
        hostA.ping(hostB);
        assertTrue(hostA.ping(hostB).success());
        wireDown = true;
        long lead = NativeUnderlay.ATTEMPTS * NativeUnderlay.RETRY.toNanos();
        clock.advanceNanos(Duration.ofSeconds(60).toNanos() - lead);
        pump.pumpOnce();
        for (int i = 1; i < NativeUnderlay.ATTEMPTS; i++) {
            clock.advanceNanos(NativeUnderlay.RETRY.toNanos());
            pump.pumpOnce();
        }
        assertEquals(1L + NativeUnderlay.ATTEMPTS, ua.counters().get("arp_requests_sent"), "the refresh's requests");
        clock.advanceNanos(NativeUnderlay.RETRY.toNanos() - 1);
        pump.pumpOnce();
        assertEquals("02:00:00:00:0b:01", ua.arpTable().get("198.51.100.2"), "alive until its ageing");
        clock.advanceNanos(1);
        pump.pumpOnce();
        assertFalse(ua.arpTable().containsKey("198.51.100.2"), ua.arpTable().toString());
        assertEquals(1L, ua.counters().get("expired"));
        assertTrue(ua.arpTable().containsKey("198.51.100.99"), "static entries never expire");
        wireDown = false;
        hostA.ping(hostB); // the invalidated megaflow translates again and resolves b again
        assertEquals(2L + NativeUnderlay.ATTEMPTS, ua.counters().get("arp_requests_sent"));
        assertTrue(hostA.ping(hostB).success());
    }

    @Test
    void severalTunnelPortsShareOneUnderlayAndGetTheirOwnPacketsByKey() throws Exception {
        wire(TunnelType.VXLAN, "198.51.100.1", "198.51.100.2", 24);
        // A second VXLAN port with key 99 on each side, in a bridge of its own with a host.
        TunnelConfig c2a = TunnelConfig.builder(TunnelType.VXLAN).local(InetAddress.getByName("198.51.100.1"))
                .remote(InetAddress.getByName("198.51.100.2")).key(99).build();
        TunnelConfig c2b = TunnelConfig.builder(TunnelType.VXLAN).local(InetAddress.getByName("198.51.100.2"))
                .remote(InetAddress.getByName("198.51.100.1")).key(99).build();
        MemoryPort pc = MemoryPort.builder().name("c").memory(pool).build();
        MemoryPort pd = MemoryPort.builder().name("d").memory(pool).build();
        TunnelPort t2a = new TunnelPort("tun2-a", c2a, ua.tunnel(c2a), pool);
        TunnelPort t2b = new TunnelPort("tun2-b", c2b, ub.tunnel(c2b), pool);
        try {
            Bridge int2A = swA.addBridge("br-int2-a");
            Bridge int2B = swB.addBridge("br-int2-b");
            int2A.addPort(pc, BridgePortConfig.builder("c").build());
            int2A.addPort(t2a, BridgePortConfig.builder("tun2-a").build());
            int2B.addPort(pd, BridgePortConfig.builder("d").build());
            int2B.addPort(t2b, BridgePortConfig.builder("tun2-b").build());
            // Same inner addresses as a and b: only the key keeps the two overlays apart.
            VirtualHost hostC = VirtualHost.builder().name("c").mac(0x0200_0000_000cL).ipv4("192.0.2.1").port(pc)
                    .pump(pump).build();
            VirtualHost hostD = VirtualHost.builder().name("d").mac(0x0200_0000_000dL).ipv4("192.0.2.2").port(pd)
                    .pump(pump).build();
            hostA.ping(hostB);
            assertTrue(hostA.ping(hostB).success(), "overlay 1234");
            moreHosts.add(hostC);
            moreHosts.add(hostD);
            PingResult cd = hostC.ping(hostD);
            assertTrue(cd.success(), "overlay 99: " + cd + " " + t2a.stats() + " " + t2b.stats());
            assertEquals(0x0200_0000_000dL, hostC.neighbors().get(InetAddress.getByName("192.0.2.2")), "c reached d, not b");
            assertEquals(0x0200_0000_000bL, hostA.neighbors().get(InetAddress.getByName("192.0.2.2")), "a reached b, not d");
            assertEquals(0, ta.stats().rxErrors() + tb.stats().rxErrors() + t2a.stats().rxErrors() + t2b.stats().rxErrors(),
                    "every frame went to its own port: no unknown_key");
            assertTrue(t2b.stats().rxPackets() >= 2 && tb.stats().rxPackets() >= 2);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> ua.tunnel(c2a));
            assertTrue(e.getMessage().contains("already takes these packets"), e.getMessage());
        } finally {
            t2a.close();
            t2b.close();
            pc.close();
            pd.close();
        }
    }
}
