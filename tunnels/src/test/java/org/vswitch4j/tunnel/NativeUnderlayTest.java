package org.vswitch4j.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
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

    private final Pump pump = new Pump() {
        @Override
        public int pumpOnce() {
            int moved = swA.poll() + swB.poll() + hostA.process() + hostB.process();
            byte[] f;
            while ((f = wireA.receive()) != null) {
                wireB.send(f);
                moved++;
            }
            while ((f = wireB.receive()) != null) {
                wireA.send(f);
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
        for (AutoCloseable c : new AutoCloseable[] {ta, tb, ua == null ? null : ua.localPort(),
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

    private void wire(TunnelType t, String localA, String localB, int prefix) throws Exception {
        TunnelConfig ca = TunnelConfig.builder(t).local(InetAddress.getByName(localA)).remote(InetAddress.getByName(localB))
                .key(1234).build();
        TunnelConfig cb = TunnelConfig.builder(t).local(InetAddress.getByName(localB)).remote(InetAddress.getByName(localA))
                .key(1234).build();
        ua = new NativeUnderlay(ca, prefix, "br-phy-a", 0x0200_0000_0a01L, pool, swA.datapath()::invalidateAll);
        ub = new NativeUnderlay(cb, prefix, "br-phy-b", 0x0200_0000_0b01L, pool, swB.datapath()::invalidateAll);
        ta = new TunnelPort("tun-a", ca, ua, pool);
        tb = new TunnelPort("tun-b", cb, ub, pool);
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
}
