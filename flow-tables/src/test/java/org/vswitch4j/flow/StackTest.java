package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.datapath.DatapathAction;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * Nicira's push and pop as Open vSwitch runs them (nx-match.c, ofproto-dpif-xlate.c): one stack per packet's
 * pass, across resubmits; values zero-extended or cut to the popped field; an empty stack pops nothing; a clone
 * has a stack of its own; 64 kB on the stack fails the translation at the next resubmit.
 */
class StackTest {
    static final byte[] FRAME = FrameBuilder.ethernet("02:00:00:00:00:0a", "02:00:00:00:00:0b")
            .ipv4("192.0.2.1", "192.0.2.2").udp(1000, 53).payload(18).build();

    static void flows(Rig r, String... lines) {
        for (String l : lines) {
            r.of.apply(Ofctl.parseFlow(l));
        }
    }

    /** The datapath actions of a trace of FRAME from port 1. */
    static List<DatapathAction> trace(Rig r) {
        return r.of.trace(r.key(1, FRAME)).actions().actions();
    }

    static List<DatapathAction> out(int port) {
        return List.of(new DatapathAction.Output(port));
    }

    @Test
    void pushesAndPopsSwapTwoRegisters() {
        try (Rig r = new Rig(3)) {
            flows(r, "table=0,actions=load:0x2->reg0[],load:0x3->reg1[],push:reg0[],push:reg1[],pop:reg0[],pop:reg1[],"
                            + "resubmit(,1)",
                    "table=1,priority=10,reg0=0x3,reg1=0x2,actions=output:2",
                    "table=1,priority=0,actions=output:3");
            assertEquals(out(2), trace(r));
            r.send(1, FRAME);
            assertEquals(1, r.take(2).size(), "the switch itself agrees with the trace");
        }
    }

    @Test
    void theStackOutlivesAResubmit() {
        try (Rig r = new Rig(3)) {
            flows(r, "table=0,actions=load:0x2->reg0[],push:reg0[],load:0->reg0[],resubmit(,1)",
                    "table=1,actions=pop:reg1[],resubmit(,2)",
                    "table=2,priority=10,reg0=0,reg1=0x2,actions=output:2",
                    "table=2,priority=0,actions=output:3");
            assertEquals(out(2), trace(r));
        }
    }

    @Test
    void aNarrowValueIsZeroExtendedAndAWideOneCut() {
        try (Rig r = new Rig(3)) {
            flows(r, "table=0,actions=load:0xffffffff->reg1[],load:0x1234->reg0[0..15],push:reg0[0..15],pop:reg1[],"
                            + "load:0xabcdef12->reg2[],push:reg2[],pop:reg3[0..7],resubmit(,1)",
                    "table=1,priority=10,reg1=0x1234,reg3=0x12,actions=output:2",
                    "table=1,priority=0,actions=output:3");
            assertEquals(out(2), trace(r));
        }
    }

    @Test
    void popOnAnEmptyStackLeavesTheFieldAlone() {
        try (Rig r = new Rig(3)) {
            flows(r, "table=0,actions=load:0x7->reg1[],pop:reg1[],resubmit(,1)",
                    "table=1,priority=10,reg1=0x7,actions=output:2",
                    "table=1,priority=0,actions=output:3");
            Trace t = r.of.trace(r.key(1, FRAME));
            assertEquals(out(2), t.actions().actions());
            assertTrue(t.text().contains("stack underflow"), t.text());
        }
    }

    @Test
    void aCloneHasItsOwnStack() {
        try (Rig r = new Rig(4)) {
            // Inside the clone the outer value cannot be popped, and what the clone pushes is gone after it.
            flows(r, "table=0,actions=load:0x5->reg0[],push:reg0[],clone(pop:reg1[],push:reg0[],resubmit(,1)),"
                            + "pop:reg2[],pop:reg3[],resubmit(,2)",
                    "table=1,priority=10,reg1=0,actions=output:2",
                    "table=1,priority=0,actions=output:3",
                    "table=2,priority=10,reg2=0x5,reg3=0,actions=output:4",
                    "table=2,priority=0,actions=output:3");
            assertEquals(List.of(new DatapathAction.Output(2), new DatapathAction.Output(4)), trace(r));
        }
    }

    @Test
    void aPushReadsItsBitsIntoTheMegaflowAndAPopWritesThem() {
        try (Rig r = new Rig(3)) {
            flows(r, "table=0,actions=push:NXM_OF_ETH_SRC[0..15],pop:reg0[0..15],output:2");
            Trace t = r.of.trace(r.key(1, FRAME));
            assertEquals(0xffffL, t.megaflow().get(FlowField.ETH_SRC), "eth_src's pushed bits are consulted");
            assertEquals(out(2), t.actions().actions());
        }
    }

    @Test
    void sixtyFourKilobytesOnTheStackFailTheNextResubmit() {
        // Table 1 pushes 120 xreg0 values, 9 bytes each as OVS counts them: 1,080 bytes per resubmit to it.
        StringBuilder pushes = new StringBuilder("table=1,actions=");
        for (int i = 0; i < 120; i++) {
            pushes.append(i == 0 ? "" : ",").append("push:xreg0[]");
        }
        for (int n : new int[] {60, 62}) { // 60 x 1,080 = 64,800 bytes < 65,536; 61 x 1,080 = 65,880, over
            try (Rig r = new Rig(3)) {
                flows(r, "table=0,actions=" + "resubmit(,1),".repeat(n) + "output:2", pushes.toString());
                Trace t = r.of.trace(r.key(1, FRAME));
                if (n == 60) {
                    assertEquals(out(2), t.actions().actions(), t.text());
                } else {
                    assertEquals(List.of(), t.actions().actions(), "the failed translation drops");
                    assertTrue(t.text().contains("over 64 kB of stack"), t.text());
                }
            }
        }
    }

    @Test
    void popNeedsAWritableFieldAndBothNeedTheirPrerequisites() {
        FlowModException ro = assertThrows(FlowModException.class, () -> Ofctl.parseActions("pop:ip_proto[]"));
        assertTrue(ro.getMessage().contains("cannot be written"), ro.getMessage());
        try (Rig r = new Rig(2)) {
            FlowModException pre = assertThrows(FlowModException.class,
                    () -> r.of.apply(Ofctl.parseFlow("actions=push:NXM_OF_TCP_SRC[]")));
            assertEquals(OfpError.BAD_ACTION_MATCH_INCONSISTENT, pre.error());
            r.of.apply(Ofctl.parseFlow("tcp,actions=push:NXM_OF_TCP_SRC[],pop:reg0[0..15]"));
            FlowModException inSet = assertThrows(FlowModException.class,
                    () -> r.of.apply(Ofctl.parseFlow("actions=write_actions(push:reg0[])")));
            assertEquals(OfpError.BAD_ACTION_BAD_TYPE, inSet.error());
        }
    }
}
