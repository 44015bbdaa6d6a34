package org.vswitch4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Virtual hosts over a plain hub (no bridge): the host's protocol behaviour on its own. */
class VirtualHostTest {
    private final HubPump hub = new HubPump();

    @AfterEach
    void close() {
        hub.close();
    }

    @Test
    void pingResolvesWithArpThenGetsAnEchoReply() {
        VirtualHost a = hub.host("a", 0x0200_0000_000aL, "192.0.2.1", null, 0);
        VirtualHost b = hub.host("b", 0x0200_0000_000bL, "192.0.2.2", null, 0);
        hub.nanosPerRound = 1_000;
        PingResult r = a.ping(b);
        assertTrue(r.success(), r.toString());
        assertEquals(0x0200_0000_000bL, a.neighbors().get(b.ipv4()));
        assertEquals(0x0200_0000_000aL, b.neighbors().get(a.ipv4()), "the target learnt the asker from its request");
        assertTrue(r.rttNanos() > 0, "rtt on the switch clock");
        PingResult again = a.ping(b);
        assertTrue(again.success());
        assertTrue(again.rounds() < r.rounds(), "no ARP the second time");
        assertEquals(0, a.badChecksums() + b.badChecksums());
    }

    @Test
    void pingToAnAddressNobodyHasFailsWithNoNeighbor() {
        VirtualHost a = hub.host("a", 0x0200_0000_000aL, "192.0.2.1", null, 0);
        hub.host("b", 0x0200_0000_000bL, "192.0.2.2", null, 0);
        PingResult r = a.ping(Addresses.ip("192.0.2.99"));
        assertEquals(PingResult.Status.NO_NEIGHBOR, r.status());
        assertFalse(r.success());
        assertTrue(r.toString().contains("no ARP/ND reply"), r.toString());
    }

    @Test
    void ping6ResolvesWithNeighbourDiscovery() {
        VirtualHost a = hub.host("a", 0x0200_0000_000aL, null, "2001:db8::a", 0);
        VirtualHost b = hub.host("b", 0x0200_0000_000bL, null, "2001:db8::b", 0);
        PingResult r = a.ping(b);
        assertTrue(r.success(), r.toString());
        assertEquals(0x0200_0000_000bL, a.neighbors().get(b.ipv6()));
        assertEquals(0x0200_0000_000aL, b.neighbors().get(a.ipv6()));
    }

    @Test
    void udpIsDeliveredWithPortsAndPayload() {
        VirtualHost a = hub.host("a", 0x0200_0000_000aL, "192.0.2.1", "2001:db8::a", 0);
        VirtualHost b = hub.host("b", 0x0200_0000_000bL, "192.0.2.2", "2001:db8::b", 0);
        assertTrue(a.sendUdp(b.ipv4(), 5000, 53, "hello".getBytes(StandardCharsets.ISO_8859_1)));
        assertTrue(a.sendUdp(b.ipv6(), 5001, 54, "hello6".getBytes(StandardCharsets.ISO_8859_1)));
        while (hub.pumpOnce() > 0) {
            // settle
        }
        assertEquals(2, b.receivedUdp().size());
        UdpDatagram d = b.receivedUdp().get(0);
        assertEquals(a.ipv4(), d.source());
        assertEquals(5000, d.sourcePort());
        assertEquals(53, d.destinationPort());
        assertEquals("hello", d.payloadText());
        assertEquals("hello6", b.receivedUdp().get(1).payloadText());
        assertEquals(a.ipv6(), b.receivedUdp().get(1).source());
        assertEquals(0, b.badChecksums());
    }

    @Test
    void hostsOnDifferentVlanTagsIgnoreEachOther() {
        VirtualHost a = hub.host("a", 0x0200_0000_000aL, "192.0.2.1", null, 10);
        VirtualHost b = hub.host("b", 0x0200_0000_000bL, "192.0.2.2", null, 20);
        VirtualHost c = hub.host("c", 0x0200_0000_000cL, "192.0.2.2", null, 10);
        PingResult r = a.ping(b.ipv4());
        assertTrue(r.success(), "c, on VLAN 10, answers for 192.0.2.2");
        assertEquals(c.mac(), a.neighbors().get(b.ipv4()));
        assertTrue(b.framesIgnored() > 0, "b saw VLAN 10 frames and ignored them");
    }

    @Test
    void framesForAnotherMacAreIgnored() {
        VirtualHost a = hub.host("a", 0x0200_0000_000aL, "192.0.2.1", null, 0);
        VirtualHost b = hub.host("b", 0x0200_0000_000bL, "192.0.2.2", null, 0);
        VirtualHost c = hub.host("c", 0x0200_0000_000cL, "192.0.2.3", null, 0);
        assertTrue(a.ping(b).success());
        assertTrue(c.framesIgnored() >= 2, "the hub repeats a's unicast to c, which ignores it");
        assertEquals(0, c.receivedUdp().size());
    }

    @Test
    void builderRefusesMissingPartsAndBadValues() {
        assertThrows(IllegalArgumentException.class, () -> VirtualHost.builder().vlan(4095));
        assertThrows(IllegalArgumentException.class, () -> VirtualHost.builder().mac("01:00:5e:00:00:01"));
        assertThrows(IllegalArgumentException.class, () -> VirtualHost.builder().ipv4("2001:db8::1"));
        assertThrows(IllegalArgumentException.class, () -> VirtualHost.builder().ipv4("not-an-ip"));
        assertThrows(IllegalStateException.class, () -> VirtualHost.builder().name("x").build());
    }

    @Test
    void staticNeighbourSkipsArpAndTheTargetRepliesToTheFramesSource() {
        VirtualHost a = hub.host("a", 0x0200_0000_000aL, "192.0.2.1", "2001:db8::a", 0);
        VirtualHost b = hub.host("b", 0x0200_0000_000bL, "192.0.2.2", "2001:db8::b", 0);
        a.addNeighbor(b.ipv4(), b.mac());
        a.addNeighbor(b.ipv6(), b.mac());
        PingResult r = a.ping(b);
        assertTrue(r.success(), r.toString());
        assertTrue(a.ping6(b).success());
        assertTrue(b.neighbors().isEmpty(), "b answered without resolving a");
    }
}
