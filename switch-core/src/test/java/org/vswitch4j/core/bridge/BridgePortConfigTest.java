package org.vswitch4j.core.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Port configuration: Open vSwitch's defaults, and misuse refused with a message naming what is allowed. */
class BridgePortConfigTest {

    private static String refused(Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }

    @Test
    void modeDefaultsToAccessWithATagAndTrunkWithout() {
        assertEquals(VlanMode.ACCESS, BridgePortConfig.builder("p").tag(10).build().mode());
        assertEquals(VlanMode.TRUNK, BridgePortConfig.builder("p").build().mode());
    }

    @Test
    void vlanIdsOutsideTheRangeAreRefused() {
        assertEquals("VLAN id 4096 is outside 0..4095 (tag)", refused(() -> BridgePortConfig.access("p", 4096)));
        assertEquals("VLAN id -2 is outside 0..4095 (trunks)", refused(() -> BridgePortConfig.trunk("p", 10, -2)));
        assertEquals("VLAN id 4095 is reserved by IEEE 802.1Q; use 0..4094 (cvlans)",
                refused(() -> BridgePortConfig.builder("p").cvlans(4095)));
    }

    @Test
    void modesThatNeedATagSayWhatIsAllowed() {
        assertEquals("port p: vlan_mode=access needs a tag (0..4094)",
                refused(() -> BridgePortConfig.builder("p").mode(VlanMode.ACCESS).build()));
        assertEquals("port p: vlan_mode=dot1q-tunnel needs a tag (0..4094)",
                refused(() -> BridgePortConfig.builder("p").mode(VlanMode.DOT1Q_TUNNEL).build()));
        assertEquals("port p: vlan_mode=trunk takes no tag (got 5); use native-tagged or native-untagged for a native VLAN",
                refused(() -> BridgePortConfig.builder("p").mode(VlanMode.TRUNK).tag(5).build()));
    }

    @Test
    void trunksAndCvlansOnlyWhereTheyApply() {
        assertEquals("port p: vlan_mode=access takes no trunks; trunks apply to trunk, native-tagged and native-untagged",
                refused(() -> BridgePortConfig.builder("p").tag(1).trunks(2).build()));
        assertEquals("port p: cvlans apply only to vlan_mode=dot1q-tunnel (this port is trunk)",
                refused(() -> BridgePortConfig.builder("p").cvlans(2).build()));
        assertEquals("QinQ ethertype 0x9100 is not 0x88a8 (802.1ad) or 0x8100 (802.1q)",
                refused(() -> BridgePortConfig.builder("p").qinqEthertype(0x9100)));
        assertEquals("a port name must not be blank", refused(() -> BridgePortConfig.builder(" ")));
    }

    @Test
    void trunksAreSortedAndEmptyMeansEveryVlan() {
        BridgePortConfig t = BridgePortConfig.trunk("t", 30, 10, 30);
        assertEquals(List.of(10, 30), t.trunks());
        assertTrue(t.carries(10));
        assertFalse(t.carries(20));
        assertFalse(t.carries(0));
        BridgePortConfig all = BridgePortConfig.trunk("t");
        assertTrue(all.carries(0));
        assertTrue(all.carries(4094));
        BridgePortConfig nat = BridgePortConfig.builder("n").mode(VlanMode.NATIVE_UNTAGGED).tag(5).trunks(7).build();
        assertTrue(nat.carries(5), "the native VLAN is always carried");
        assertTrue(nat.carries(7));
        assertFalse(nat.carries(8));
    }

    @Test
    void printsLikeOvsVsctl() {
        assertEquals("p1 vlan_mode=access tag=10", BridgePortConfig.access("p1", 10).toString());
        assertEquals("c vlan_mode=dot1q-tunnel tag=100 cvlans=1,2 other_config:qinq-ethtype=802.1q admin=down",
                BridgePortConfig.builder("c").mode(VlanMode.DOT1Q_TUNNEL).tag(100).cvlans(2, 1)
                        .qinqEthertype(0x8100).adminUp(false).build().toString());
        BridgePortConfig n = BridgePortConfig.builder("n").mode(VlanMode.NATIVE_TAGGED).tag(5).trunks(6, 7)
                .priorityTags(PriorityTags.IF_NONZERO).build();
        assertEquals("n vlan_mode=native-tagged tag=5 trunks=6,7 other_config:priority-tags=if-nonzero", n.toString());
        assertEquals(n, n.toBuilder().build());
    }

    @Test
    void qinqEthertypeChoosesTheServiceTagTpid() {
        BridgeHarness h = new BridgeHarness();
        h.add(BridgePortConfig.builder("c").mode(VlanMode.DOT1Q_TUNNEL).tag(100).qinqEthertype(0x8100).build());
        h.add(BridgePortConfig.trunk("t"));
        assertEquals("push_vlan(tpid=0x8100,vid=100,pcp=0),2",
                h.translate(BridgeHarness.frame(1, BridgeHarness.mac(1), BridgeHarness.BROADCAST)).toString());
    }
}
