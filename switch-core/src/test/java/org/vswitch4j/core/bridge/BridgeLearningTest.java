package org.vswitch4j.core.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vswitch4j.core.bridge.BridgeHarness.BROADCAST;
import static org.vswitch4j.core.bridge.BridgeHarness.ETH_ARP;
import static org.vswitch4j.core.bridge.BridgeHarness.ETH_IPV4;
import static org.vswitch4j.core.bridge.BridgeHarness.frame;
import static org.vswitch4j.core.bridge.BridgeHarness.mac;
import static org.vswitch4j.core.bridge.BridgeHarness.q;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowMask;

/** MAC learning, forwarding, flooding, masks and tags of the NORMAL bridge, driven by hand-built keys. */
class BridgeLearningTest {
    static final long A = mac(0xa);
    static final long B = mac(0xb);
    static final long C = mac(0xc);

    /** Three access ports of VLAN 10 and a trunk. */
    private static BridgeHarness threeAccessAndTrunk() {
        BridgeHarness h = new BridgeHarness();
        h.add(BridgePortConfig.access("p1", 10));
        h.add(BridgePortConfig.access("p2", 10));
        h.add(BridgePortConfig.access("p3", 10));
        h.add(BridgePortConfig.trunk("t4"));
        return h;
    }

    @Test
    void unknownUnicastFloodsThenLearnedDestinationIsUnicast() {
        BridgeHarness h = threeAccessAndTrunk();
        assertEquals("2,3,push_vlan(tpid=0x8100,vid=10,pcp=0),4", h.translate(frame(1, A, B)).toString());
        assertEquals(Set.of(h.tag(10, A), h.tag(10, B)), h.tags);
        // B answers from port 2: A is known, so unicast to port 1.
        assertEquals("1", h.translate(frame(2, B, A)).toString());
        assertEquals(Set.of(h.tag(10, B), h.tag(10, A)), h.tags);
        // And now A to B is unicast too.
        assertEquals("2", h.translate(frame(1, A, B)).toString());
        BridgeStats s = h.bridge.stats();
        assertEquals(2, s.learned());
        assertEquals(1, s.floodDecisions());
        assertEquals(2, s.macEntries());
    }

    @Test
    void learningANewStationInvalidatesItsTag() {
        BridgeHarness h = threeAccessAndTrunk();
        h.translate(frame(1, A, B));
        assertEquals(List.of(h.tag(10, A)), h.dp.invalidated);
        h.dp.invalidated.clear();
        h.translate(frame(1, A, C));                               // same port: a refresh, nothing cached changes
        assertEquals(List.of(), h.dp.invalidated);
    }

    @Test
    void stationMoveUpdatesTheEntryAndInvalidates() {
        BridgeHarness h = threeAccessAndTrunk();
        h.translate(frame(1, A, B));
        h.dp.invalidated.clear();
        h.translate(frame(3, A, B));
        assertEquals(List.of(h.tag(10, A)), h.dp.invalidated);
        assertEquals(3, h.bridge.macTable().lookup(10, A));
        assertEquals(1, h.bridge.stats().moved());
        assertEquals("3", h.translate(frame(2, B, A)).toString());
    }

    @Test
    void learningIsPerVlan() {
        BridgeHarness h = threeAccessAndTrunk();
        h.translate(frame(4, A, B, q(0, 20), 0, ETH_IPV4));          // A in VLAN 20 via the trunk
        assertEquals(4, h.bridge.macTable().lookup(20, A));
        assertEquals(0, h.bridge.macTable().lookup(10, A));
        // In VLAN 10, A is still unknown: flood.
        assertEquals("1,3,push_vlan(tpid=0x8100,vid=10,pcp=0),4", h.translate(frame(2, B, A)).toString());
    }

    @Test
    void destinationOnTheInputPortIsDroppedAsLoop() {
        BridgeHarness h = threeAccessAndTrunk();
        h.translate(frame(1, A, B));
        h.translate(frame(1, B, A));                                   // B is on port 1 too
        assertEquals("drop(loop)", h.translate(frame(1, A, B)).toString());
    }

    @Test
    void multicastAndBroadcastSourcesAreForwardedButNeverLearned() {
        BridgeHarness h = threeAccessAndTrunk();
        long mcast = 0x0100_5e00_0001L;
        assertEquals("2,3,push_vlan(tpid=0x8100,vid=10,pcp=0),4", h.translate(frame(1, mcast, B)).toString());
        assertEquals("2,3,push_vlan(tpid=0x8100,vid=10,pcp=0),4", h.translate(frame(1, BROADCAST, B)).toString());
        assertEquals(0, h.bridge.macTable().size());
        assertEquals(List.of(), h.dp.invalidated);
        // Only the group bit of eth_src was consulted.
        assertEquals(Mac.GROUP_BIT, h.mask.get(FlowField.ETH_SRC));
        assertEquals(Set.of(h.tag(10, B)), h.tags);
    }

    @Test
    void reservedMulticastIsDroppedUnlessForwardBpdu() {
        BridgeHarness h = threeAccessAndTrunk();
        long stp = 0x0180_c200_0000L;
        long lldp = 0x0180_c200_000eL;
        long cdp = 0x0100_0ccc_ccccL;
        for (long dst : new long[] {stp, lldp, cdp}) {
            assertEquals("drop(reserved_multicast)", h.translate(frame(1, A, dst)).toString(), Mac.format(dst));
            FlowMask m = new FlowMask().exact(FlowField.IN_PORT).exact(FlowField.ETH_DST);
            assertEquals(m, h.mask, "a reserved-multicast drop reads only in_port and eth_dst");
        }
        assertEquals(0, h.bridge.macTable().size(), "a dropped control frame teaches nothing");
        // 01:80:c2:00:00:10 is not reserved.
        assertEquals("2,3,push_vlan(tpid=0x8100,vid=10,pcp=0),4",
                h.translate(frame(1, A, 0x0180_c200_0010L)).toString());

        h.bridge.setForwardBpdu(true);
        assertEquals("2,3,push_vlan(tpid=0x8100,vid=10,pcp=0),4", h.translate(frame(1, A, stp)).toString());
    }

    @Test
    void floodSkipsPortsThatAreDownOrDoNotCarryTheVlan() {
        BridgeHarness h = threeAccessAndTrunk();
        h.add(BridgePortConfig.access("p5", 20));
        h.dp.operDown.add(3);
        h.bridge.setPortConfig("t4", BridgePortConfig.builder("t4").adminUp(false).build());
        assertEquals("2", h.translate(frame(1, A, B)).toString());
        assertTrue(h.dp.adminDown.contains(4), "admin state is passed to the datapath");
    }

    @Test
    void adminDownPortReceivesNothing() {
        BridgeHarness h = threeAccessAndTrunk();
        h.bridge.setPortConfig("p1", BridgePortConfig.builder("p1").tag(10).adminUp(false).build());
        assertEquals("drop", h.translate(frame(1, A, B)).toString());
        assertEquals(0, h.bridge.macTable().size());
    }

    @Test
    void knownUnicastMaskIsInPortMacsVlanIdAndOneEthTypeBit() {
        BridgeHarness h = threeAccessAndTrunk();
        h.translate(frame(2, B, A));
        assertEquals("2", h.translate(frame(1, A, B)).toString());
        FlowMask m = new FlowMask().exact(FlowField.IN_PORT).exact(FlowField.ETH_DST).exact(FlowField.ETH_SRC)
                .exact(FlowField.VLAN0_TPID).exact(FlowField.VLAN0_VID).bits(FlowField.ETH_TYPE, 0x8000);
        assertEquals(m, h.mask);
        // ARP (0x0806) shares the bit IPv4 needed: one megaflow serves both.
        h.translate(frame(1, A, B, 0, 0, ETH_ARP));
        assertEquals(m, h.mask);
    }

    @Test
    void trunkMaskLeavesPcpAndEthTypeWildcardedWhenTheTagIsKept() {
        BridgeHarness h = new BridgeHarness();
        h.add(BridgePortConfig.trunk("t1"));
        h.add(BridgePortConfig.trunk("t2"));
        h.translate(frame(2, B, A, q(0, 10), 0, ETH_IPV4));
        assertEquals("2", h.translate(frame(1, A, B, q(5, 10), 0, ETH_IPV4)).toString());
        FlowMask m = new FlowMask().exact(FlowField.IN_PORT).exact(FlowField.ETH_DST).exact(FlowField.ETH_SRC)
                .exact(FlowField.VLAN0_TPID).exact(FlowField.VLAN0_VID);
        assertEquals(m, h.mask);
    }

    @Test
    void pushingATagFromAPriorityTaggedFrameReadsItsPcp() {
        BridgeHarness h = new BridgeHarness();
        h.add(BridgePortConfig.access("a1", 10));
        h.add(BridgePortConfig.trunk("t2"));
        assertEquals("pop_vlan,push_vlan(tpid=0x8100,vid=10,pcp=5),2",
                h.translate(frame(1, A, BROADCAST, q(5, 0), 0, ETH_IPV4)).toString());
        FlowMask m = new FlowMask().exact(FlowField.IN_PORT).exact(FlowField.ETH_DST).exact(FlowField.ETH_SRC)
                .exact(FlowField.VLAN0).exact(FlowField.VLAN1_TPID).bits(FlowField.ETH_TYPE, 0x8000);
        assertEquals(m, h.mask);
    }

    @Test
    void vlanDropReadsOnlyWhatDecidedIt() {
        BridgeHarness h = threeAccessAndTrunk();
        assertEquals("drop(vlan_mode)", h.translate(frame(1, A, B, q(0, 10), 0, ETH_IPV4)).toString());
        FlowMask m = new FlowMask().exact(FlowField.IN_PORT).exact(FlowField.ETH_DST)
                .exact(FlowField.VLAN0_TPID).exact(FlowField.VLAN0_VID);
        assertEquals(m, h.mask);
        assertEquals(0, h.bridge.macTable().size(), "a dropped frame teaches nothing");
    }

    @Test
    void dot1qTunnelWithoutCvlansReadsNoVlanBits() {
        BridgeHarness h = new BridgeHarness();
        h.add(BridgePortConfig.builder("c1").mode(VlanMode.DOT1Q_TUNNEL).tag(10).build());
        h.add(BridgePortConfig.trunk("t2"));
        h.translate(frame(1, A, B, q(3, 100), 0, ETH_IPV4));
        FlowMask m = new FlowMask().exact(FlowField.IN_PORT).exact(FlowField.ETH_DST).exact(FlowField.ETH_SRC);
        assertEquals(m, h.mask);
        assertEquals(1, h.bridge.macTable().lookup(10, A), "customer MACs are learned in the service VLAN");
    }

    @Test
    void revalidationRefreshesButDoesNotLearn() {
        BridgeHarness h = BridgeHarness.withTable(100, Duration.ofSeconds(60));
        h.add(BridgePortConfig.access("p1", 10));
        h.add(BridgePortConfig.access("p2", 10));
        h.revalidate(frame(1, A, B));
        assertEquals(0, h.bridge.macTable().size(), "revalidation has no packet to learn from");

        h.translate(frame(1, A, B));
        h.clock.advance(Duration.ofSeconds(50));
        h.revalidate(frame(1, A, B));                                  // packets from A still hit the cache
        h.clock.advance(Duration.ofSeconds(50));                       // 100 s after learning, 50 after refresh
        assertEquals(1, h.bridge.macTable().lookup(10, A));
        // A revalidation from another port neither moves nor refreshes.
        h.revalidate(frame(2, A, B));
        assertEquals(1, h.bridge.macTable().lookup(10, A));
        h.clock.advance(Duration.ofSeconds(10));
        assertEquals(0, h.bridge.macTable().lookup(10, A));
    }

    @Test
    void refreshKeepsTheSourceAliveWithoutReTranslatingButNeitherLearnsNorMoves() {
        BridgeHarness h = BridgeHarness.withTable(100, Duration.ofSeconds(60));
        h.add(BridgePortConfig.access("p1", 10));
        h.add(BridgePortConfig.access("p2", 10));
        assertFalse(h.refresh(frame(1, A, B)), "nothing learned yet: not sure, re-translate");
        assertEquals(0, h.bridge.macTable().size(), "a refresh has no packet to learn from");

        h.translate(frame(1, A, B));
        h.dp.invalidated.clear();
        h.clock.advance(Duration.ofSeconds(30));
        assertTrue(h.refresh(frame(1, A, B)), "the flood to B stands: A and B are tagged");
        assertEquals(List.of(), h.dp.invalidated, "a refresh changes no cached decision");
        h.clock.advanceNanos(Duration.ofSeconds(60).toNanos() - 1);   // 90 s after learning, T-1 after refresh
        assertEquals(1, h.bridge.macTable().lookup(10, A), "present at T-1 after the refresh");
        assertFalse(h.refresh(frame(2, A, B)), "from another port: not refreshed, not moved, not sure");
        assertEquals(1, h.bridge.macTable().lookup(10, A));
        h.clock.advanceNanos(1);
        assertEquals(0, h.bridge.macTable().lookup(10, A), "aged at T after the refresh");
        assertFalse(h.refresh(frame(1, A, B)));
        assertEquals(List.of(h.tag(10, A)), h.dp.invalidated, "the refresh aged it out, which invalidates");
        assertEquals(1, h.bridge.stats().aged());
    }

    @Test
    void refreshAgesOutDueEntriesLikeATranslation() {
        BridgeHarness h = BridgeHarness.withTable(100, Duration.ofSeconds(15));
        h.add(BridgePortConfig.access("p1", 10));
        h.add(BridgePortConfig.access("p2", 10));
        h.translate(frame(1, A, BROADCAST));
        h.clock.advance(Duration.ofSeconds(10));
        h.translate(frame(2, B, A));
        h.clock.advance(Duration.ofSeconds(5));                         // A is due, B is not
        h.dp.invalidated.clear();
        assertTrue(h.refresh(frame(2, B, A)), "B refreshed; the unicast to A carries A's tag");
        assertEquals(List.of(h.tag(10, A)), h.dp.invalidated, "A aged out: its flows go before the next packet");
        assertEquals(0, h.bridge.macTable().lookup(10, A));
        assertEquals(2, h.bridge.macTable().lookup(10, B));
    }

    @Test
    void refreshStandsForDecisionsThatNeedNoEntryAndNotForAPortThatIsGone() {
        BridgeHarness h = threeAccessAndTrunk();
        h.bridge.macTable().addStatic(10, A, 1);
        assertTrue(h.refresh(frame(1, A, B)), "a static source on the input port: nothing to refresh");
        assertTrue(h.refresh(frame(1, BROADCAST, B)), "a multicast source is never learned");
        assertTrue(h.refresh(frame(1, C, B, q(0, 20), 0, ETH_IPV4)), "a VLAN drop depends on configuration only");
        assertTrue(h.refresh(frame(1, C, 0x0180_c200_0000L)), "so does a reserved-multicast drop");
        assertFalse(h.refresh(frame(9, C, B)), "not a port of the bridge");
        h.bridge.setPortConfig("p2", BridgePortConfig.builder("p2").tag(10).adminUp(false).build());
        assertFalse(h.refresh(frame(2, C, B)), "an administratively down input port");
        assertEquals(1, h.bridge.macTable().size(), "nothing learned");
    }

    @Test
    void entriesAgeOutAtExactlyTheAgeingTimeAndInvalidate() {
        BridgeHarness h = BridgeHarness.withTable(100, Duration.ofSeconds(60));
        h.add(BridgePortConfig.access("p1", 10));
        h.add(BridgePortConfig.access("p2", 10));
        h.translate(frame(1, A, B));
        h.dp.invalidated.clear();
        h.clock.advanceNanos(Duration.ofSeconds(60).toNanos() - 1);
        assertEquals(0, h.bridge.runMaintenance());
        assertEquals(1, h.bridge.macTable().lookup(10, A), "present at T-1");
        h.clock.advanceNanos(1);
        assertEquals(0, h.bridge.macTable().lookup(10, A), "gone at T");
        assertEquals(1, h.bridge.runMaintenance());
        assertEquals(List.of(h.tag(10, A)), h.dp.invalidated);
        assertEquals(1, h.bridge.stats().aged());
        assertEquals(0, h.bridge.macTable().size());
    }

    @Test
    void anUpcallAlsoAgesOutDueEntries() {
        BridgeHarness h = BridgeHarness.withTable(100, Duration.ofSeconds(15));
        h.add(BridgePortConfig.access("p1", 10));
        h.add(BridgePortConfig.access("p2", 10));
        h.translate(frame(1, A, B));
        h.clock.advance(Duration.ofSeconds(15));
        h.dp.invalidated.clear();
        assertEquals("1", h.translate(frame(2, C, A)).toString(), "A aged out: flooded");
        assertTrue(h.dp.invalidated.contains(h.tag(10, A)));
        assertEquals(1, h.bridge.stats().aged());
    }

    @Test
    void staticEntriesAreNotMovedByLearningAndNeverAge() {
        BridgeHarness h = BridgeHarness.withTable(100, Duration.ofSeconds(15));
        h.add(BridgePortConfig.access("p1", 10));
        h.add(BridgePortConfig.access("p2", 10));
        h.add(BridgePortConfig.access("p3", 10));
        h.bridge.macTable().addStatic(10, A, 1);
        assertEquals(List.of(h.tag(10, A)), h.dp.invalidated);
        h.translate(frame(2, A, B));                                   // A appears on port 2: not moved
        assertEquals(1, h.bridge.macTable().lookup(10, A));
        h.clock.advance(Duration.ofHours(2));
        h.bridge.runMaintenance();
        assertEquals("1", h.translate(frame(3, C, A)).toString());
        h.bridge.macTable().flush();
        assertEquals(1, h.bridge.macTable().lookup(10, A), "flush leaves static entries");
        assertTrue(h.bridge.macTable().removeStatic(10, A));
        assertFalse(h.bridge.macTable().removeStatic(10, A));
        assertEquals(0, h.bridge.macTable().lookup(10, A));
    }

    @Test
    void staticEntryOnAPortWithoutTheVlanDropsAndOnADownPortStillOutputs() {
        BridgeHarness h = threeAccessAndTrunk();
        h.add(BridgePortConfig.access("p5", 20));
        h.bridge.macTable().addStatic(10, C, 5);
        assertEquals("drop(vlan_mode)", h.translate(frame(1, A, C)).toString());
        h.bridge.macTable().addStatic(10, C, 3);
        h.bridge.setPortConfig("p3", BridgePortConfig.builder("p3").tag(10).adminUp(false).build());
        assertEquals("3", h.translate(frame(1, A, C)).toString(), "the datapath counts it as port_down at port 3");
    }

    @Test
    void staticEntryNeedsAUnicastMacAndAPortOfTheBridge() {
        BridgeHarness h = threeAccessAndTrunk();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> h.bridge.macTable().addStatic(10, A, 9));
        assertEquals("port 9 is not a port of this bridge", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> h.bridge.macTable().addStatic(10, BROADCAST, 1));
        assertEquals("MAC ff:ff:ff:ff:ff:ff is multicast; static entries take unicast MACs", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> h.bridge.macTable().addStatic(4096, A, 1));
        assertEquals("VLAN id 4096 is outside 0..4095 (static MAC entry)", e.getMessage());
    }

    @Test
    void flushByVlanAndByPort() {
        BridgeHarness h = threeAccessAndTrunk();
        h.translate(frame(1, A, BROADCAST));
        h.translate(frame(2, B, BROADCAST));
        h.translate(frame(4, C, BROADCAST, q(0, 20), 0, ETH_IPV4));
        h.translate(frame(4, A, BROADCAST, q(0, 30), 0, ETH_IPV4));
        h.bridge.macTable().flushVlan(20);
        assertEquals(0, h.bridge.macTable().lookup(20, C));
        assertEquals(3, h.bridge.macTable().size());
        h.dp.invalidated.clear();
        h.bridge.macTable().flushPort(4);
        assertEquals(List.of(h.tag(30, A)), h.dp.invalidated);
        assertEquals(2, h.bridge.macTable().size());
        h.bridge.macTable().flush();
        assertEquals(0, h.bridge.macTable().size());
        assertEquals(4, h.bridge.stats().flushed());
    }

    @Test
    void changingAPortsVlanFlushesItsEntriesAndInvalidatesEverything() {
        BridgeHarness h = threeAccessAndTrunk();
        h.translate(frame(1, A, BROADCAST));
        h.translate(frame(2, B, BROADCAST));
        int before = h.dp.invalidateAll;
        h.bridge.setPortConfig("p1", BridgePortConfig.access("p1", 20));
        assertEquals(0, h.bridge.macTable().lookup(10, A));
        assertEquals(2, h.bridge.macTable().lookup(10, B));
        assertEquals(before + 1, h.dp.invalidateAll);
        assertEquals("push_vlan(tpid=0x8100,vid=20,pcp=0),4", h.translate(frame(1, A, B)).toString(),
                "VLAN 20 now: only the trunk carries it");
    }

    @Test
    void removingAPortRemovesItsEntriesStaticOnesToo() {
        BridgeHarness h = threeAccessAndTrunk();
        h.translate(frame(1, A, BROADCAST));
        h.bridge.macTable().addStatic(10, C, 1);
        h.bridge.removePort("p1");
        assertEquals(0, h.bridge.macTable().size());
        assertEquals(List.of("p2", "p3", "t4"), h.bridge.portNames());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.bridge.removePort("p1"));
        assertEquals("bridge br0 has no port named p1; its ports: [p2, p3, t4]", e.getMessage());
    }

    @Test
    void duplicatePortNameIsRefused() {
        BridgeHarness h = threeAccessAndTrunk();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> h.add(BridgePortConfig.access("p1", 10)));
        assertEquals("bridge br0 already has a port named p1", e.getMessage());
    }

    @Test
    void fdbShowFormat() {
        BridgeHarness h = threeAccessAndTrunk();
        h.translate(frame(1, 0x5054_0000_0001L, BROADCAST));
        h.clock.advance(Duration.ofSeconds(7));
        h.translate(frame(4, 0x5054_0000_0002L, BROADCAST, q(0, 20), 0, ETH_IPV4));
        h.clock.advance(Duration.ofSeconds(1));
        h.bridge.macTable().addStatic(10, 0x5054_0000_0003L, 2);
        assertEquals(" port  VLAN  MAC                Age\n"
                + "    2    10  50:54:00:00:00:03  static\n"
                + "    1    10  50:54:00:00:00:01    8\n"
                + "    4    20  50:54:00:00:00:02    1\n", h.bridge.macTable().format());
    }

    @Test
    void fdbStatsShowFormat() {
        BridgeHarness h = threeAccessAndTrunk();
        h.translate(frame(1, A, BROADCAST));
        h.translate(frame(2, A, BROADCAST));
        h.translate(frame(2, B, BROADCAST));
        assertEquals("Statistics for bridge \"br0\":\n"
                + "  Current/maximum MAC entries in the table: 2/8192\n"
                + "  Total number of learned MAC entries     : 2\n"
                + "  Total number of expired MAC entries     : 0\n"
                + "  Total number of evicted MAC entries     : 0\n"
                + "  Total number of port moved MAC entries  : 1\n", h.bridge.formatMacStats());
    }

    @Test
    void dumpPortsFormat() {
        BridgeHarness h = new BridgeHarness();
        h.add(BridgePortConfig.access("p1", 10));
        h.add(BridgePortConfig.access("p2", 10));
        String nl = System.lineSeparator();
        assertEquals("OFPST_PORT reply: 2 ports\n"
                + "  port  1: rx pkts=1, bytes=60, drop=0, errs=0" + nl
                + "           tx pkts=0, bytes=0, drop=0, errs=0\n"
                + "  port  2: rx pkts=2, bytes=120, drop=0, errs=0" + nl
                + "           tx pkts=0, bytes=0, drop=0, errs=0\n", h.bridge.dumpPorts());
    }
}
