package org.vswitch4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.bridge.MacTable;

/** Hosts on a real NORMAL bridge: VLAN isolation, trunks, learning, ARP, ND, UDP. */
class TestNetworkTest {
    private final TestNetwork net = TestNetwork.builder().build();

    @AfterEach
    void noLeaks() {
        assertEquals(0, net.shutdown(), "buffers leaked");
    }

    @Test
    void twoHostsOnAccessPortsOfVlan10PingEachOther() {
        VirtualHost a = net.addHost("a").ipv4("192.0.2.1").access(10).add();
        VirtualHost b = net.addHost("b").ipv4("192.0.2.2").access(10).add();
        PingResult ab = a.ping(b);
        assertTrue(ab.success(), ab.toString());
        PingResult ba = b.ping(a);
        assertTrue(ba.success(), ba.toString());
        assertEquals(0, a.badChecksums() + b.badChecksums());
    }

    @Test
    void hostOnVlan20CannotReachHostsOnVlan10() {
        VirtualHost a = net.addHost("a").ipv4("192.0.2.1").access(10).add();
        VirtualHost b = net.addHost("b").ipv4("192.0.2.2").access(10).add();
        VirtualHost c = net.addHost("c").ipv4("192.0.2.3").access(20).add();
        PingResult ca = c.ping(a);
        assertEquals(PingResult.Status.NO_NEIGHBOR, ca.status(), ca.toString());
        assertEquals(PingResult.Status.NO_NEIGHBOR, a.ping(c).status());
        assertFalse(a.neighbors().containsKey(c.ipv4()), "c's ARP broadcast never reached VLAN 10");
        assertFalse(b.neighbors().containsKey(c.ipv4()));
        assertTrue(a.ping(b).success(), "VLAN 10 still works");
    }

    @Test
    void hostBehindTrunkSendingTaggedFramesReachesVlan10() {
        VirtualHost a = net.addHost("a").ipv4("192.0.2.1").access(10).add();
        VirtualHost c = net.addHost("c").ipv4("192.0.2.3").access(20).add();
        VirtualHost t = net.addHost("t").ipv4("192.0.2.4").vlan(10).trunk(10, 20).add();
        PingResult ta = t.ping(a);
        assertTrue(ta.success(), ta.toString());
        assertTrue(a.ping(t).success());
        assertFalse(t.ping(c).success(), "t tags with VLAN 10; c lives in VLAN 20");
    }

    @Test
    void taggedFrameFromHostOnAccessPortIsDropped() {
        VirtualHost a = net.addHost("a").ipv4("192.0.2.1").access(10).add();
        VirtualHost hopper = net.addHost("hopper").ipv4("192.0.2.9").vlan(10).access(20).add();
        assertFalse(hopper.ping(a).success(), "VLAN hopping through an access port");
        assertTrue(net.dumpPorts().contains("drop="), net.dumpPorts());
        assertEquals(0, a.framesReceived());
    }

    @Test
    void macTableLearnsEachHostOnItsPortAndVlan() {
        VirtualHost a = net.addHost("a").ipv4("192.0.2.1").access(10).add();
        VirtualHost b = net.addHost("b").ipv4("192.0.2.2").access(10).add();
        VirtualHost t = net.addHost("t").ipv4("192.0.2.4").vlan(10).trunk(10, 20).add();
        assertTrue(a.ping(b).success());
        assertTrue(t.ping(a).success());
        MacTable fdb = net.bridge().macTable();
        assertEquals(3, fdb.size(), net.fdbShow());
        Optional<MacTable.Entry> ea = fdb.entry(10, a.mac());
        assertTrue(ea.isPresent(), net.fdbShow());
        assertEquals(net.bridge().ofport("a"), ea.get().port());
        assertEquals(net.bridge().ofport("b"), fdb.entry(10, b.mac()).orElseThrow().port());
        assertEquals(net.bridge().ofport("t"), fdb.entry(10, t.mac()).orElseThrow().port());
        assertTrue(fdb.entry(20, t.mac()).isEmpty(), "t only sent in VLAN 10");
    }

    @Test
    void arpAndNeighbourDiscoveryFillBothCaches() {
        VirtualHost a = net.addHost("a").ipv4("192.0.2.1").ipv6("2001:db8::1").access(10).add();
        VirtualHost b = net.addHost("b").ipv4("192.0.2.2").ipv6("2001:db8::2").access(10).add();
        assertEquals(b.mac(), a.resolve(b.ipv4()));
        assertEquals(a.mac(), b.neighbors().get(a.ipv4()), "b learnt a from a's request");
        PingResult r6 = a.ping6(b);
        assertTrue(r6.success(), r6.toString());
        assertEquals(b.mac(), a.neighbors().get(b.ipv6()));
        assertEquals(a.mac(), b.neighbors().get(a.ipv6()));
    }

    @Test
    void udpIsDeliveredOverV4AndV6() {
        VirtualHost a = net.addHost("a").ipv4("192.0.2.1").ipv6("2001:db8::1").access(10).add();
        VirtualHost b = net.addHost("b").ipv4("192.0.2.2").ipv6("2001:db8::2").access(10).add();
        assertTrue(a.sendUdp(b.ipv4(), 4000, 7, "over v4".getBytes(StandardCharsets.ISO_8859_1)));
        assertTrue(a.sendUdp(b.ipv6(), 4001, 7, "over v6".getBytes(StandardCharsets.ISO_8859_1)));
        net.settle();
        assertEquals(2, b.receivedUdp().size());
        assertEquals("over v4", b.receivedUdp().get(0).payloadText());
        assertEquals(4000, b.receivedUdp().get(0).sourcePort());
        assertEquals("over v6", b.receivedUdp().get(1).payloadText());
        assertEquals(0, b.badChecksums());
    }

    @Test
    void pingRttIsMeasuredOnTheSwitchClock() {
        VirtualHost a = net.addHost("a").ipv4("192.0.2.1").access(10).add();
        VirtualHost b = net.addHost("b").ipv4("192.0.2.2").access(10).add();
        PingResult r = a.ping(b);
        assertEquals(0, r.rttNanos(), "nobody advanced the virtual clock");
    }

    @Test
    void captureOfAHostsPortRecordsWhatCrossesIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        VirtualHost a = net.addHost("a").ipv4("192.0.2.1").access(10).add();
        VirtualHost b = net.addHost("b").ipv4("192.0.2.2").access(10).add();
        org.vswitch4j.core.pcap.PcapWriter w = net.capture("b", dir.resolve("b.pcap"));
        assertTrue(a.ping(b).success());
        assertEquals(4, w.records(), "ARP request and reply, echo request and reply");
    }

    @Test
    void learnedMacsAgeOutOnTheVirtualClockWithoutSleeping() {
        VirtualHost a = net.addHost("a").ipv4("192.0.2.1").access(10).add();
        VirtualHost b = net.addHost("b").ipv4("192.0.2.2").access(10).add();
        assertTrue(a.ping(b).success());
        assertEquals(2, net.bridge().macTable().size());
        net.virtualClock().advance(java.time.Duration.ofSeconds(299));
        net.settle();
        assertEquals(2, net.bridge().macTable().size(), "still within the 300 s ageing time\n" + net.fdbShow());
        net.virtualClock().advance(java.time.Duration.ofSeconds(2));
        net.settle();
        assertEquals(0, net.bridge().macTable().size(), "aged out\n" + net.fdbShow());
        assertTrue(a.ping(b).success(), "and learnt again");
    }
}
