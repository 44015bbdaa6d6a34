package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.flow.ofctl.FlowSyntaxException;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * multipath, bundle and bundle_load: syntax as ovs-ofctl 3.1 parses and prints it, refusals, the algorithms'
 * properties (range, spread, symmetry, liveness), and megaflows that hold every bit the hash read. That the links
 * and members are Open vSwitch's own for the same packet is {@code OvsHashAgreementTest}'s part (it needs OVS).
 */
class MultipathBundleTest {

    @Test
    void parsesAndPrintsAsOvsOfctl() {
        // ovs-ofctl 3.1 parse-flow printed the right-hand sides
        String[][] cases = {
            {"multipath(symmetric_l4,1024,hrw,2,0,NXM_NX_REG0[0..15])", "multipath(symmetric_l4,1024,hrw,2,0,NXM_NX_REG0[0..15])"},
            {"multipath(nw_src, 0, iter_hash, 5, 16, reg2)", "multipath(nw_src,0,iter_hash,5,16,NXM_NX_REG2[])"},
            {"bundle(eth_src,0,hrw,ofport,members:4,8)", "bundle(eth_src,0,hrw,ofport,members:4,8)"},
            {"bundle_load(symmetric_l3l4+udp,7,active_backup,ofport,reg1[16..31],slaves:LOCAL,3)",
                "bundle_load(symmetric_l3l4+udp,7,active_backup,ofport,NXM_NX_REG1[16..31],members:LOCAL,3)"},
            {"bundle(eth_src,0,hrw,ofport,members:NONE,IN_PORT,65279)", "bundle(eth_src,0,hrw,ofport,members:ANY,IN_PORT,65279)"},
            {"bundle(eth_src,0,hrw,ofport,members:)", "bundle(eth_src,0,hrw,ofport,members:)"},
            {"bundle(SYMMETRIC_L3,65535,HRW,ofport,members:[1, 2])", "bundle(symmetric_l3,65535,hrw,ofport,members:1,2)"},
        };
        assertPrintsAs(cases);
    }

    /** Each {input, printed} pair: the input's actions print as ovs-ofctl printed them, and parse back the same. */
    static void assertPrintsAs(String[][] cases) {
        for (String[] c : cases) {
            List<Action> a = Ofctl.parseActions(c[0]);
            assertEquals(c[1], Ofctl.formatActions(a), c[0]);
            assertEquals(a, Ofctl.parseActions(Ofctl.formatActions(a)), "round trip of " + c[0]);
        }
    }

    @Test
    void badArgumentsAreRefusedWithTheReason() {
        assertTrue(assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions(
                "multipath(l4,0,hrw,2,0,reg0)")).getMessage().contains("symmetric_l4"));
        assertTrue(assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions(
                "multipath(eth_src,0,random,2,0,reg0)")).getMessage().contains("iter_hash"));
        assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions("multipath(eth_src,0,hrw,0,0,reg0)"));
        assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions("multipath(eth_src,0,hrw,65537,0,reg0)"));
        assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions("multipath(eth_src,0,hrw,2,0)"));
        // 3 bits hold 8 links, not 9 (as OVS refuses it)
        FlowModException narrow = assertThrows(FlowModException.class, () -> Ofctl.parseActions(
                "multipath(eth_src,0,hrw,9,0,reg0[0..2])"));
        assertEquals(OfpError.BAD_ACTION_BAD_ARGUMENT, narrow.error());
        assertEquals(OfpError.BAD_ACTION_BAD_OUT_PORT, assertThrows(FlowModException.class, () -> Ofctl.parseActions(
                "bundle(eth_src,0,hrw,ofport,members:1,CONTROLLER)")).error());
        assertEquals(OfpError.BAD_ACTION_BAD_OUT_PORT, assertThrows(FlowModException.class, () -> Ofctl.parseActions(
                "bundle(eth_src,0,hrw,ofport,members:65280)")).error());
        assertTrue(assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions(
                "bundle(eth_src,0,hrw,ofport,1,2)")).getMessage().contains("members"));
        assertTrue(assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions(
                "bundle(eth_src,0,hrw,port,members:1)")).getMessage().contains("ofport"));
        assertEquals(OfpError.BAD_ACTION_BAD_SET_TYPE, assertThrows(FlowModException.class, () -> Ofctl.parseActions(
                "multipath(eth_src,0,hrw,2,0,NXM_OF_ETH_TYPE[])")).error());
        try (Rig r = new Rig(2)) {
            // not in an action set, as in OVS
            assertEquals(OfpError.BAD_ACTION_BAD_TYPE, assertThrows(FlowModException.class, () -> r.of.apply(
                    Ofctl.parseFlow("actions=write_actions(bundle(eth_src,0,hrw,ofport,members:1))"))).error());
            // writing tcp_dst needs tcp in the match
            assertEquals(OfpError.BAD_ACTION_MATCH_INCONSISTENT, assertThrows(FlowModException.class, () -> r.of.apply(
                    Ofctl.parseFlow("actions=multipath(eth_src,0,hrw,2,0,NXM_OF_TCP_DST[])"))).error());
            r.of.apply(Ofctl.parseFlow("tcp,actions=multipath(eth_src,0,hrw,2,0,NXM_OF_TCP_DST[])"));
        }
    }

    @Test
    void everyAlgorithmStaysInRangeAndSpreads() {
        Random rnd = new Random(5);
        for (Action.MultipathAlgorithm alg : Action.MultipathAlgorithm.values()) {
            for (int links : new int[] {1, 2, 3, 7, 64, 65, 1000, 65536}) {
                Set<Integer> seen = new HashSet<>();
                for (int i = 0; i < 4000; i++) {
                    int link = Xlate.multipathLink(rnd.nextInt(), alg, links, rnd.nextInt(3) == 0 ? 1 << 17 : 0);
                    assertTrue(link >= 0 && link < links, alg + " gave " + link + " of " + links);
                    seen.add(link);
                }
                assertTrue(seen.size() >= Math.min(links, 4000) * 0.6, alg + " over " + links + " links took only "
                        + seen.size());
            }
        }
    }

    @Test
    void symmetricFieldsGiveBothDirectionsOneLink() {
        Random rnd = new Random(11);
        for (Action.HashFields f : List.of(Action.HashFields.SYMMETRIC_L4, Action.HashFields.SYMMETRIC_L3L4,
                Action.HashFields.SYMMETRIC_L3L4_UDP, Action.HashFields.SYMMETRIC_L3)) {
            Set<Integer> hashes = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                FlowKey k = key(rnd);
                FlowKey back = k.copy();
                long[] w = back.w;
                w[FlowKey.W_ETH_SRC] = k.w[FlowKey.W_ETH_DST];
                w[FlowKey.W_ETH_DST] = k.w[FlowKey.W_ETH_SRC];
                w[FlowKey.W_NW] = k.w[FlowKey.W_NW] << 32 | k.w[FlowKey.W_NW] >>> 32;
                w[FlowKey.W_TP] = (k.w[FlowKey.W_TP] & 0xffffL << 48) >>> 16 | (k.w[FlowKey.W_TP] & 0xffffL << 32) << 16
                        | k.w[FlowKey.W_TP] & 0xffff_ffffL;
                System.arraycopy(k.w, FlowKey.W_IPV6_SRC, w, FlowKey.W_IPV6_DST, 2);
                System.arraycopy(k.w, FlowKey.W_IPV6_DST, w, FlowKey.W_IPV6_SRC, 2);
                int h = FlowHash.hash(f, k.w, 99);
                assertEquals(h, FlowHash.hash(f, w, 99), f + ": " + k + " and its reverse");
                hashes.add(h);
            }
            assertTrue(hashes.size() > 20, f + " gave " + hashes.size() + " hashes for 200 flows");
        }
    }

    @Test
    void bundleTakesOnlyLiveMembersAndLoadsNoneWhenThereIsNone() {
        try (Rig r = new Rig(4)) {
            String a = "02:00:00:00:00:0a";
            r.of.apply(Ofctl.parseFlow("dl_dst=" + a + ",actions=bundle(eth_src,0,active_backup,ofport,members:9,2,3)"));
            r.of.apply(Ofctl.parseFlow("dl_dst=02:00:00:00:00:0b,actions=bundle_load(eth_src,0,hrw,ofport,"
                    + "NXM_NX_REG0[],members:3,4),output:NXM_NX_REG0[0..15]"));
            r.of.apply(Ofctl.parseFlow("dl_dst=02:00:00:00:00:0c,actions=bundle_load(eth_src,0,hrw,ofport,"
                    + "reg1[0..15],members:9),resubmit(,1)"));
            r.of.apply(Ofctl.parseFlow("table=1,reg1=0xffff,actions=output:4"));
            r.send(1, LearnGroupMeterTest.frame("02:00:00:00:00:01", a));
            assertEquals(1, r.take(2).size(), "active_backup: the first live member (9 is no port)");
            r.ports.get(2).setLinkUp(false);
            r.revalidate();
            r.send(1, LearnGroupMeterTest.frame("02:00:00:00:00:01", a));
            assertEquals(0, r.take(2).size());
            assertEquals(1, r.take(3).size(), "port 2's link went down: the next member");
            // hrw over 3 and 4: one of them, the same for the flow every time; 4 when 3 is down
            Set<Integer> got = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                r.send(1, LearnGroupMeterTest.frame("02:00:00:00:00:01", "02:00:00:00:00:0b"));
                for (int p = 3; p <= 4; p++) {
                    if (!r.take(p).isEmpty()) {
                        got.add(p);
                    }
                }
            }
            assertEquals(1, got.size(), "one member for one flow: " + got);
            r.ports.get(3).setLinkUp(false);
            r.revalidate();
            r.send(1, LearnGroupMeterTest.frame("02:00:00:00:00:01", "02:00:00:00:00:0b"));
            assertEquals(1, r.take(4).size());
            // no live member: bundle_load writes OpenFlow 1.0's NONE
            r.send(1, LearnGroupMeterTest.frame("02:00:00:00:00:01", "02:00:00:00:00:0c"));
            assertEquals(1, r.take(4).size());
        }
    }

    @Test
    void hrwBundleSpreadsFlowsOverItsMembers() {
        try (Rig r = new Rig(4)) {
            r.of.apply(Ofctl.parseFlow("actions=bundle(symmetric_l4,0,hrw,ofport,members:2,3,4)"));
            int[] per = new int[5];
            for (int i = 0; i < 300; i++) {
                r.send(1, LearnGroupMeterTest.frame(String.format("02:00:00:00:%02x:%02x", i >> 8, i & 0xff),
                        "02:00:00:00:00:99"));
                for (int p = 2; p <= 4; p++) {
                    per[p] += r.take(p).size();
                }
            }
            for (int p = 2; p <= 4; p++) {
                assertTrue(per[p] > 60, "member " + p + " got " + per[p] + " of 300 flows");
            }
        }
    }

    /** Every key that agrees with a traced one on its megaflow mask gets the same actions (and registers). */
    @Test
    void megaflowsHoldEveryBitTheHashRead() {
        Random rnd = new Random(3);
        for (int round = 0; round < 60; round++) {
            try (Rig r = new Rig(4)) {
                Action.HashFields fields = Action.HashFields.values()[round % Action.HashFields.values().length];
                String fn = fields.ovsName();
                String alg = Action.MultipathAlgorithm.values()[round / 7 % 4].ovsName();
                r.of.apply(Ofctl.parseFlow("actions=multipath(" + fn + "," + rnd.nextInt(65536) + "," + alg + ",4,0,"
                        + "reg0[0..1]),resubmit(,1)"));
                r.of.apply(Ofctl.parseFlow("table=1,priority=2,reg0=0,actions=output:1"));
                r.of.apply(Ofctl.parseFlow("table=1,priority=1,actions=bundle(" + fn + "," + rnd.nextInt(65536)
                        + ",hrw,ofport,members:2,3,4)"));
                for (int i = 0; i < 40; i++) {
                    FlowKey k = key(rnd);
                    Trace t = r.of.trace(k);
                    DatapathActions acts = t.actions();
                    for (int j = 0; j < 8; j++) {
                        FlowKey other = MegaflowSoundnessTest.sameUnderMask(k, t.megaflow(), key(rnd));
                        Trace o = r.of.trace(other);
                        assertEquals(acts, o.actions(), fn + " " + alg + ": " + k + " and " + other + " agree on "
                                + t.megaflow() + "\n" + t.text());
                        assertEquals(t.finalFlow().w[FlowKey.W_REGS], o.finalFlow().w[FlowKey.W_REGS]);
                    }
                }
            }
        }
    }

    /** Random keys over what the hashes read: IPv4 (TCP, UDP, SCTP, ICMP, fragments), IPv6, ARP, other; VLANs. */
    static FlowKey key(Random rnd) {
        FlowKey k = new FlowKey();
        long[] w = k.w;
        k.inPort(1 + rnd.nextInt(4));
        w[FlowKey.W_ETH_SRC] = 0x020000000000L | rnd.nextInt(8);
        w[FlowKey.W_ETH_DST] = 0x020000000000L | rnd.nextInt(8);
        switch (rnd.nextInt(3)) {
            case 0 -> w[FlowKey.W_VLAN] = 0x8100L << 48 | (long) rnd.nextInt(4) << 32;
            case 1 -> w[FlowKey.W_VLAN] = 0x88a8L << 48 | (long) rnd.nextInt(4) << 32 | 0x8100L << 16 | rnd.nextInt(4);
            default -> {
            }
        }
        int kind = rnd.nextInt(5);
        int[] protos = {6, 17, 132, 1, 58};
        int proto = protos[rnd.nextInt(protos.length)];
        if (kind <= 1) {
            w[FlowKey.W_ETH_TYPE] = 0x0800;
            w[FlowKey.W_NW] = (0xc0000200L | rnd.nextInt(8)) << 32 | (0xc6336400L | rnd.nextInt(8));
            w[FlowKey.W_IP] = (long) (rnd.nextInt(5) == 0 ? 1 + 2 * rnd.nextInt(2) : 0) << 24 | 64L << 16 | proto;
        } else if (kind == 2) {
            w[FlowKey.W_ETH_TYPE] = 0x86dd;
            w[FlowKey.W_IPV6_SRC] = 0x20010db800000000L | rnd.nextInt(4);
            w[FlowKey.W_IPV6_SRC + 1] = rnd.nextInt(8);
            w[FlowKey.W_IPV6_DST] = 0x20010db800000000L | rnd.nextInt(4);
            w[FlowKey.W_IPV6_DST + 1] = rnd.nextInt(8);
            w[FlowKey.W_IP] = 64L << 16 | proto;
        } else if (kind == 3) {
            w[FlowKey.W_ETH_TYPE] = 0x0806;
            w[FlowKey.W_NW] = (0xc0000200L | rnd.nextInt(8)) << 32 | (0xc6336400L | rnd.nextInt(8));
            w[FlowKey.W_IP] = 1 + rnd.nextInt(2);
        } else {
            w[FlowKey.W_ETH_TYPE] = 0x88b5;
        }
        if (kind <= 2) {
            w[FlowKey.W_TP] = (long) rnd.nextInt(8) << 48 | (long) rnd.nextInt(8) << 32 | rnd.nextInt(4);
        }
        return k;
    }
}
