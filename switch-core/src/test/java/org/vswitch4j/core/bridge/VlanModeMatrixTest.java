package org.vswitch4j.core.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vswitch4j.core.bridge.BridgeHarness.BROADCAST;
import static org.vswitch4j.core.bridge.BridgeHarness.ETH_IPV4;
import static org.vswitch4j.core.bridge.BridgeHarness.ad;
import static org.vswitch4j.core.bridge.BridgeHarness.frame;
import static org.vswitch4j.core.bridge.BridgeHarness.mac;
import static org.vswitch4j.core.bridge.BridgeHarness.q;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.key.FlowKey;

/**
 * The VLAN mode matrix: every ingress mode against every kind of received frame, and every kind of frame in the
 * bridge against every egress mode, asserting the datapath actions (a drop names its reason), as Open vSwitch's
 * tests assert datapath actions.
 */
class VlanModeMatrixTest {

    // ---- ingress configurations (port 1) ----
    static BridgePortConfig access10() {
        return BridgePortConfig.access("in", 10);
    }

    static BridgePortConfig trunkAll() {
        return BridgePortConfig.trunk("in");
    }

    static BridgePortConfig trunk10and20() {
        return BridgePortConfig.trunk("in", 10, 20);
    }

    static BridgePortConfig nativeTagged10() {
        return BridgePortConfig.builder("in").mode(VlanMode.NATIVE_TAGGED).tag(10).trunks(20).build();
    }

    static BridgePortConfig nativeUntagged10() {
        return BridgePortConfig.builder("in").mode(VlanMode.NATIVE_UNTAGGED).tag(10).trunks(20).build();
    }

    static BridgePortConfig tunnel10() {
        return BridgePortConfig.builder("in").mode(VlanMode.DOT1Q_TUNNEL).tag(10).build();
    }

    static BridgePortConfig tunnel10cvlan100() {
        return BridgePortConfig.builder("in").mode(VlanMode.DOT1Q_TUNNEL).tag(10).cvlans(100).build();
    }

    // ---- received frames: outer tag, inner tag, eth_type ----
    enum Frame {
        UNTAGGED(0, 0, ETH_IPV4),
        PRIORITY_PCP5(q(5, 0), 0, ETH_IPV4),
        TAGGED_10_PCP3(q(3, 10), 0, ETH_IPV4),
        TAGGED_30(q(3, 30), 0, ETH_IPV4),
        TAGGED_100(q(3, 100), 0, ETH_IPV4),
        DOUBLE_10_IN_100(q(3, 10), q(0, 100), ETH_IPV4),
        PRIORITY_THEN_TAG_20(q(0, 0), q(0, 20), ETH_IPV4),
        AD_TAGGED_10(ad(3, 10), 0, ETH_IPV4),
        VID_4095(q(0, 4095), 0, ETH_IPV4),
        CUT_TAG(0, 0, 0x8100),
        TAG_9100_IS_NOT_A_TAG(0, 0, 0x9100);

        final int vlan0;
        final int vlan1;
        final int ethType;

        Frame(int vlan0, int vlan1, int ethType) {
            this.vlan0 = vlan0;
            this.vlan1 = vlan1;
            this.ethType = ethType;
        }

        FlowKey key(int inPort) {
            return frame(inPort, mac(1), BROADCAST, vlan0, vlan1, ethType);
        }
    }

    static final String DROP = "drop(vlan_mode)";
    static final String PUSH10 = "push_vlan(tpid=0x8100,vid=10,pcp=0),2";
    static final String REPUSH10_PCP5 = "pop_vlan,push_vlan(tpid=0x8100,vid=10,pcp=5),2";
    static final String PUSH_S10 = "push_vlan(tpid=0x88a8,vid=10,pcp=0),2";
    static final String AS_IS = "2";

    /** Ingress matrix: the frame enters port 1 and is flooded to port 2, a trunk of every VLAN. */
    static Stream<Arguments> ingress() {
        List<Arguments> rows = new ArrayList<>();
        add(rows, "access10", access10(),
                PUSH10, REPUSH10_PCP5, DROP, DROP, DROP, DROP, DROP, DROP, DROP, DROP, PUSH10);
        add(rows, "trunk(all)", trunkAll(),
                AS_IS, "pop_vlan,2", AS_IS, AS_IS, AS_IS, AS_IS, DROP, AS_IS, DROP, DROP, AS_IS);
        add(rows, "trunk(10,20)", trunk10and20(),
                DROP, DROP, AS_IS, DROP, DROP, AS_IS, DROP, AS_IS, DROP, DROP, DROP);
        add(rows, "native-tagged(10;20)", nativeTagged10(),
                PUSH10, REPUSH10_PCP5, AS_IS, DROP, DROP, AS_IS, DROP, AS_IS, DROP, DROP, PUSH10);
        add(rows, "native-untagged(10;20)", nativeUntagged10(),
                PUSH10, REPUSH10_PCP5, AS_IS, DROP, DROP, AS_IS, DROP, AS_IS, DROP, DROP, PUSH10);
        add(rows, "dot1q-tunnel(10)", tunnel10(),
                PUSH_S10, PUSH_S10, PUSH_S10, PUSH_S10, PUSH_S10, PUSH_S10, PUSH_S10, PUSH_S10, PUSH_S10, PUSH_S10,
                PUSH_S10);
        add(rows, "dot1q-tunnel(10;cvlans 100)", tunnel10cvlan100(),
                DROP, DROP, DROP, DROP, PUSH_S10, DROP, DROP, DROP, DROP, DROP, DROP);
        return rows.stream();
    }

    private static void add(List<Arguments> rows, String name, BridgePortConfig in, String... expected) {
        Frame[] frames = Frame.values();
        assertEquals(frames.length, expected.length, name + ": one expectation per frame kind");
        for (int i = 0; i < frames.length; i++) {
            rows.add(Arguments.of(name, in, frames[i], expected[i]));
        }
    }

    @ParameterizedTest(name = "{0} receives {2}: {3}")
    @MethodSource("ingress")
    void ingressModeDecidesTheVlanOrDrops(String name, BridgePortConfig in, Frame frame, String expected) {
        BridgeHarness h = new BridgeHarness();
        h.add(in);
        h.add(BridgePortConfig.trunk("out"));
        assertEquals(expected, h.translate(frame.key(1)).toString(), name + " receiving " + frame);
    }

    // ---- egress: a frame of VLAN 10 that entered as ... leaves port 2 configured as ... ----

    record Source(String name, BridgePortConfig in, FlowKey key) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Source[] sources() {
        return new Source[] {
            new Source("untagged on access10", access10(), Frame.UNTAGGED.key(1)),
            new Source("priority pcp5 on access10", access10(), Frame.PRIORITY_PCP5.key(1)),
            new Source("tagged 10 pcp3 on trunk", trunkAll(), Frame.TAGGED_10_PCP3.key(1)),
            new Source("0x88a8 tagged 10 pcp3 on trunk", trunkAll(), Frame.AD_TAGGED_10.key(1)),
            new Source("double-tagged 10/100 on trunk", trunkAll(), Frame.DOUBLE_10_IN_100.key(1)),
            new Source("customer tag 100 on dot1q-tunnel10", tunnel10(), Frame.TAGGED_100.key(1)),
        };
    }

    static BridgePortConfig[] egressPorts() {
        return new BridgePortConfig[] {
            BridgePortConfig.access("out", 10),
            BridgePortConfig.trunk("out"),
            BridgePortConfig.builder("out").mode(VlanMode.NATIVE_TAGGED).tag(10).build(),
            BridgePortConfig.builder("out").mode(VlanMode.NATIVE_UNTAGGED).tag(10).build(),
            BridgePortConfig.builder("out").mode(VlanMode.NATIVE_UNTAGGED).tag(99).trunks(10).build(),
            BridgePortConfig.builder("out").mode(VlanMode.DOT1Q_TUNNEL).tag(10).build(),
            BridgePortConfig.builder("out").tag(10).priorityTags(PriorityTags.IF_NONZERO).build(),
            BridgePortConfig.builder("out").tag(10).priorityTags(PriorityTags.ALWAYS).build(),
        };
    }

    static final String POP = "pop_vlan,2";
    static final String PRIO_PCP3 = "pop_vlan,push_vlan(tpid=0x8100,vid=0,pcp=3),2";

    /** Rows: sources; columns: egress ports in the order of {@link #egressPorts()}. */
    static final String[][] EGRESS = {
        // access, trunk, native-tagged 10, native-untagged 10, native-untagged 99 (10 trunked), dot1q-tunnel 10,
        // access if-nonzero, access always
        {AS_IS, PUSH10, PUSH10, AS_IS, PUSH10, AS_IS, AS_IS, "push_vlan(tpid=0x8100,vid=0,pcp=0),2"},
        {POP, REPUSH10_PCP5, REPUSH10_PCP5, POP, REPUSH10_PCP5, POP, AS_IS, AS_IS},
        {POP, AS_IS, AS_IS, POP, AS_IS, POP, PRIO_PCP3, PRIO_PCP3},
        {POP, AS_IS, AS_IS, POP, AS_IS, POP, PRIO_PCP3, PRIO_PCP3},
        {POP, AS_IS, AS_IS, POP, AS_IS, POP, PRIO_PCP3, PRIO_PCP3},
        {AS_IS, PUSH_S10, PUSH_S10, AS_IS, PUSH_S10, AS_IS, AS_IS, "push_vlan(tpid=0x8100,vid=0,pcp=0),2"},
    };

    static Stream<Arguments> egress() {
        List<Arguments> rows = new ArrayList<>();
        Source[] s = sources();
        BridgePortConfig[] e = egressPorts();
        for (int i = 0; i < s.length; i++) {
            for (int j = 0; j < e.length; j++) {
                rows.add(Arguments.of(s[i], e[j], EGRESS[i][j]));
            }
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0} leaving {1}: {2}")
    @MethodSource("egress")
    void egressModeDecidesTheTagging(Source source, BridgePortConfig out, String expected) {
        BridgeHarness h = new BridgeHarness();
        h.add(source.in());
        h.add(out);
        assertEquals(expected, h.translate(source.key()).toString(), source + " leaving " + out);
    }

    @Test
    void floodGroupsOutputsByTaggingSoEachTagIsPushedOnce() {
        BridgeHarness h = new BridgeHarness();
        h.add(access10());                                        // 1
        h.add(BridgePortConfig.trunk("t1"));                      // 2
        h.add(BridgePortConfig.access("a2", 10));                 // 3
        h.add(BridgePortConfig.trunk("t2", 10));                  // 4
        h.add(BridgePortConfig.access("a3", 20));                 // 5: other VLAN
        h.add(BridgePortConfig.builder("nu").mode(VlanMode.NATIVE_UNTAGGED).tag(10).build()); // 6
        assertEquals("3,6,push_vlan(tpid=0x8100,vid=10,pcp=0),2,4",
                h.translate(Frame.UNTAGGED.key(1)).toString());
    }

    @Test
    void floodFromTrunkKeepsTheTagForTrunksFirstThenPops() {
        BridgeHarness h = new BridgeHarness();
        h.add(trunkAll());                                        // 1
        h.add(BridgePortConfig.access("a1", 10));                 // 2
        h.add(BridgePortConfig.trunk("t1"));                      // 3
        h.add(BridgePortConfig.access("a2", 10));                 // 4
        assertEquals("3,pop_vlan,2,4", h.translate(Frame.TAGGED_10_PCP3.key(1)).toString());
    }

    @Test
    void vlanHoppingThroughAccessPortIsBlocked() {
        // Open vSwitch 3.1 forwards this frame out of a native-untagged trunk as a VLAN 20 frame.
        BridgeHarness h = new BridgeHarness();
        h.add(access10());
        h.add(BridgePortConfig.builder("nu").mode(VlanMode.NATIVE_UNTAGGED).tag(10).trunks(20).build());
        assertEquals(DROP, h.translate(Frame.PRIORITY_THEN_TAG_20.key(1)).toString());
    }
}
