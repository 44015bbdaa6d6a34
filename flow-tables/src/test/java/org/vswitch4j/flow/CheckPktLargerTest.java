package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.flow.ofctl.FlowSyntaxException;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * check_pkt_larger: syntax as ovs-ofctl 3.1 parses and prints it, refusals, the two branches translated from the
 * same state into one check_pkt_len datapath action, and packets of both lengths through one megaflow. Agreement
 * with Open vSwitch's own translation is {@code OvsTraceAgreementTest}'s part.
 */
class CheckPktLargerTest {
    private static final String A = "02:00:00:00:00:01";
    private static final String B = "02:00:00:00:00:02";

    /** A UDP frame of 42 + {@code payload} bytes, the same flow whatever the payload. */
    private static byte[] udp(int payload) {
        return FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").udp(1000, 53).payload(payload).build();
    }

    private static void flows(Rig r, String... flows) {
        for (String f : flows) {
            r.of.apply(Ofctl.parseFlow(f));
        }
    }

    @Test
    void parsesAndPrintsAsOvsOfctl() {
        // ovs-ofctl 3.1 parse-flow printed the right-hand sides
        String[][] cases = {
            {"check_pkt_larger(1500)->reg0[0],resubmit(,1)", "check_pkt_larger(1500)->NXM_NX_REG0[0],resubmit(,1)"},
            {"check_pkt_larger(1500)->NXM_NX_REG0[3],output:2", "check_pkt_larger(1500)->NXM_NX_REG0[3],output:2"},
            {"check_pkt_larger(0)->xreg1[63]", "check_pkt_larger(0)->OXM_OF_PKT_REG1[63]"},
            {"check_pkt_larger(0x10)->reg1[31]", "check_pkt_larger(16)->NXM_NX_REG1[31]"},
        };
        MultipathBundleTest.assertPrintsAs(cases);
    }

    @Test
    void badArgumentsAreRefusedWithTheReason() {
        // "Only 1-bit destination field is allowed" (ovs-ofctl)
        FlowModException wide = assertThrows(FlowModException.class,
                () -> Ofctl.parseActions("check_pkt_larger(1500)->reg0[0..1]"));
        assertEquals(OfpError.BAD_ACTION_BAD_ARGUMENT, wide.error());
        assertTrue(wide.getMessage().contains("1-bit"), wide.getMessage());
        assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions("check_pkt_larger(70000)->reg0[0]"));
        assertTrue(assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions("check_pkt_larger(1500)"))
                .getMessage().contains("check_pkt_larger(LENGTH)->DST[BIT]"));
        assertEquals(OfpError.BAD_ACTION_BAD_SET_TYPE, assertThrows(FlowModException.class,
                () -> Ofctl.parseActions("check_pkt_larger(7)->tcp_flags[0]")).error());
        try (Rig r = new Rig(2)) {
            // "disallowed action in action set" (ovs-ofctl)
            assertEquals(OfpError.BAD_ACTION_BAD_TYPE, assertThrows(FlowModException.class, () -> r.of.apply(
                    Ofctl.parseFlow("actions=write_actions(check_pkt_larger(7)->reg0[0])"))).error());
            // writing tcp_dst needs tcp in the match
            assertEquals(OfpError.BAD_ACTION_MATCH_INCONSISTENT, assertThrows(FlowModException.class, () -> r.of.apply(
                    Ofctl.parseFlow("actions=check_pkt_larger(7)->NXM_OF_TCP_DST[0]"))).error());
        }
    }

    @Test
    void eachPacketTakesTheBranchOfItsLengthThroughOneMegaflow() {
        try (Rig r = new Rig(3)) {
            flows(r, "table=0,actions=check_pkt_larger(100)->reg0[0],resubmit(,1)",
                    "table=1,reg0=1,actions=output:2",
                    "table=1,reg0=0,actions=output:3");
            Trace t = r.of.trace(1, udp(58));
            assertEquals("check_pkt_len(size=100,gt(2),le(3))", t.actions().toString());
            assertTrue(t.text().contains("Final flow: unchanged"), "the check leaves the flow as it was:\n" + t.text());
            for (int i = 0; i < 3; i++) {
                r.send(1, udp(58)); // 100 bytes: not larger
                r.send(1, udp(59));
            }
            assertEquals(List.of(101, 101, 101), r.take(2).stream().map(f -> f.length).toList());
            assertEquals(List.of(100, 100, 100), r.take(3).stream().map(f -> f.length).toList());
            assertEquals(1, r.sw.datapath().stats().upcalls(), "the length is the datapath's to check, per packet");
        }
    }

    @Test
    void theOuterListGoesOnWithThePacketAsBeforeTheCheck() {
        try (Rig r = new Rig(4)) {
            flows(r, "table=0,actions=resubmit(,1),output:4",
                    "table=1,actions=check_pkt_larger(100)->reg0[0],mod_dl_dst:0a:00:00:00:00:09,output:2,"
                            + "resubmit(,2),output:1",
                    "table=2,reg0=1,actions=output:3");
            // the rest of table 1's list ran in each branch; output:1 there is the in_port, skipped as in OVS
            assertEquals("check_pkt_len(size=100,gt(set(eth_dst=0xa0000000009),2,3),le(set(eth_dst=0xa0000000009),2)),4",
                    r.of.trace(1, udp(18)).actions().toString());
            r.send(1, udp(100));
            r.send(1, udp(18));
            List<byte[]> two = r.take(2);
            assertEquals(2, two.size());
            assertTrue(two.stream().allMatch(f -> (f[5] & 0xff) == 9), "the branches' edit");
            assertEquals(List.of(142), r.take(3).stream().map(f -> f.length).toList());
            List<byte[]> four = r.take(4);
            assertEquals(2, four.size(), "the output after the resubmit, for both lengths");
            assertTrue(four.stream().allMatch(f -> (f[5] & 0xff) == 2), "with the destination it had before the check");
        }
    }

    @Test
    void theInstructionsAfterTheCheckRunInEachBranchAndTheActionSetAsInOvs() {
        try (Rig r = new Rig(4)) {
            // Open vSwitch 3.1 copies the action set once for both branches: the first branch runs it (and empties
            // it), the second finds it empty; after the check the set is as before, so output:4 runs once more at
            // the pipeline's end
            flows(r, "table=0,actions=write_actions(output:4),goto_table:1",
                    "table=1,actions=check_pkt_larger(60)->reg1[5],write_actions(output:3),goto_table:2",
                    "table=2,reg1=0x20,actions=output:2");
            // (an action set holds one output: the branch's write_actions(output:3) replaced output:4 in its copy)
            assertEquals("check_pkt_len(size=60,gt(2,3),le(3)),4", r.of.trace(1, udp(18)).actions().toString());
            r.send(1, udp(30));
            r.send(1, udp(18));
            assertEquals(1, r.take(2).size());
            assertEquals(2, r.take(3).size());
            assertEquals(2, r.take(4).size());
        }
    }

    @Test
    void theSecondBranchFindsTheStackAsTheFirstLeftItAndAfterTheCheckItIsBack() {
        try (Rig r = new Rig(4)) {
            // Open vSwitch 3.1 copies the stack once for both branches and restores it only after the check
            flows(r, "table=0,actions=load:2->reg2[0..15],push:NXM_NX_REG2[0..15],load:5->reg2[0..15],"
                            + "push:NXM_NX_REG2[0..15],resubmit(,1),pop:NXM_NX_REG6[0..15],resubmit(,3)",
                    "table=1,actions=check_pkt_larger(80)->reg3[0],pop:NXM_NX_REG4[0..15],pop:NXM_NX_REG5[0..15],"
                            + "resubmit(,2)",
                    "table=2,reg3=1,reg4=5,reg5=2,actions=output:2",
                    "table=2,reg3=0,reg4=0,reg5=0,actions=output:3",
                    "table=3,reg6=5,actions=output:4");
            // the first branch pops 5 and 2; the second finds the stack empty (its pops underflow); back in table 0
            // after the check, the stack is as it was: 5 on top
            Trace t = r.of.trace(1, udp(18));
            assertEquals("check_pkt_len(size=80,gt(2),le(3)),4", t.actions().toString(), t.text());
            assertTrue(t.text().contains("Final flow: udp,reg2=0x5,reg6=0x5,"), t.text());
        }
    }

    @Test
    void aCheckIsNoLevelOfTheDepthLimit() {
        // the longest chain of backward resubmits (each one a level of OVS's depth) that still outputs without a
        // check outputs with one too
        int longest = 0;
        for (int k = 40; k < 80; k++) {
            try (Rig r = new Rig(2)) {
                chain(r, k, "");
                if (r.of.trace(1, udp(18)).actions().toString().equals("2")) {
                    longest = k;
                }
            }
        }
        assertTrue(longest > 40 && longest < 79, "the depth limit is reached in the range tried: " + longest);
        try (Rig r = new Rig(2)) {
            chain(r, longest, "check_pkt_larger(100)->reg0[0],");
            assertEquals("check_pkt_len(size=100,gt(2),le(2))", r.of.trace(1, udp(18)).actions().toString());
        }
    }

    /** Table 0 does {@code first} then resubmit(,k); tables k..2 resubmit back to the one before; table 1 outputs. */
    private static void chain(Rig r, int k, String first) {
        flows(r, "table=0,actions=" + first + "resubmit(," + k + ")");
        for (int t = k; t > 1; t--) {
            flows(r, "table=" + t + ",actions=resubmit(," + (t - 1) + ")");
        }
        flows(r, "table=1,actions=output:2");
    }

    @Test
    void thirtyChecksInARowFailTheTranslationInsteadOfMakingABillionBranches() {
        try (Rig r = new Rig(2)) {
            StringBuilder a = new StringBuilder("actions=");
            for (int i = 0; i < 30; i++) {
                a.append("check_pkt_larger(").append(60 + i).append(")->reg").append(i % 16).append("[").append(i / 16)
                        .append("],");
            }
            flows(r, a.append("output:2").toString());
            // (without the bound this would not finish: 2^30 branches)
            assertEquals("drop", r.of.trace(1, udp(18)).actions().toString());
            r.send(1, udp(18));
            assertEquals(List.of(), r.take(2));
        }
    }
}
