package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.vswitch4j.flow.FlowPipelineTest.A;
import static org.vswitch4j.flow.FlowPipelineTest.B;
import static org.vswitch4j.flow.FlowPipelineTest.ofctl;
import static org.vswitch4j.flow.FlowPipelineTest.udp;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.datapath.DatapathAction;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.flow.ofctl.Ofctl;

/** Open vSwitch's clone(...): the copy's outputs leave, its edits, registers and action set do not stay. */
class CloneTest {

    /** The frame's destination MAC, as {@link FrameBuilder#mac} gives one. */
    private static long dst(byte[] frame) {
        return ByteBuffer.wrap(frame).getLong(0) >>> 16;
    }

    @Test
    void theCopysEditsReachItsOutputsOnlyAndTheOriginalGoesOnUnchanged() {
        try (Rig r = new Rig(3)) {
            ofctl(r, "table=0,in_port=1,actions=clone(mod_dl_dst:02:00:00:00:00:99,output:2),output:3");
            r.send(1, udp());
            List<byte[]> two = r.take(2);
            List<byte[]> three = r.take(3);
            assertEquals(1, two.size());
            assertEquals(1, three.size());
            assertEquals(FrameBuilder.mac("02:00:00:00:00:99"), dst(two.get(0)));
            assertEquals(FrameBuilder.mac(B), dst(three.get(0)));
            assertArrayEquals(udp(), three.get(0), "the original leaves as it came");
        }
    }

    @Test
    void registersWrittenInsideAreBackAfterwards() {
        try (Rig r = new Rig(3)) {
            ofctl(r, "table=0,in_port=1,actions=clone(load:1->NXM_NX_REG0[]),resubmit(,1)",
                    "table=1,priority=10,reg0=1,actions=output:2",
                    "table=1,priority=0,actions=output:3");
            r.send(1, udp());
            assertEquals(0, r.take(2).size());
            assertEquals(1, r.take(3).size());
        }
    }

    @Test
    void theCloneStartsWithACopyOfTheActionSetAndRunsItAtItsEnd() {
        // Open vSwitch 3.1 (the peer of the agreement tests): the action set's output:4 runs at the end of the
        // clone's (empty) list, and again at the end of the pipeline. Its trace's datapath actions: 4,3,4.
        try (Rig r = new Rig(4)) {
            ofctl(r, "table=0,in_port=1,actions=write_actions(output:4),goto_table:1",
                    "table=1,actions=clone(drop),output:3");
            assertEquals(List.of(FlowPipelineTest.dpOut(4), FlowPipelineTest.dpOut(3), FlowPipelineTest.dpOut(4)),
                    r.of.trace(r.key(1, udp())).actions().actions());
            r.send(1, udp());
            assertEquals(2, r.take(4).size());
            assertEquals(1, r.take(3).size());
        }
    }

    @Test
    void whatTheCloneWritesToItsActionSetStaysInTheClone() {
        try (Rig r = new Rig(4)) {
            ofctl(r, "table=0,in_port=1,actions=write_actions(output:4),goto_table:1",
                    "table=1,actions=clone(resubmit(,2)),output:3",
                    "table=2,actions=clear_actions,write_actions(output:2)");
            r.send(1, udp());
            assertEquals(1, r.take(2).size(), "the clone's action set ran");
            assertEquals(1, r.take(3).size());
            assertEquals(1, r.take(4).size(), "the clone's clear_actions reached its own copy only");
            List<DatapathAction> acts = r.of.trace(r.key(1, udp())).actions().actions();
            assertEquals(List.of(FlowPipelineTest.dpOut(2), FlowPipelineTest.dpOut(3), FlowPipelineTest.dpOut(4)),
                    acts, "in that order: the clone's set at the clone's end, the outer set at the pipeline's");
        }
    }

    @Test
    void anExitInsideEndsTheCloneAndEverythingAfterIt() {
        try (Rig r = new Rig(3)) {
            ofctl(r, "table=0,in_port=1,actions=clone(output:2,exit,output:3),output:3");
            r.send(1, udp());
            assertEquals(1, r.take(2).size());
            assertEquals(0, r.take(3).size());
        }
    }

    @Test
    void anExpiredDecTtlInsideEndsTheClonesListOnly() {
        try (Rig r = new Rig(3)) {
            ofctl(r, "table=0,ip,actions=clone(dec_ttl,output:2),output:3");
            r.send(1, FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").ttl(1)
                    .udp(1, 2).build());
            assertEquals(0, r.take(2).size());
            assertEquals(1, r.take(3).size());
        }
    }

    @Test
    void anExpiredDecTtlInTheClonesActionSetEndsThatSetOnly() {
        try (Rig r = new Rig(3)) {
            ofctl(r, "table=0,ip,actions=write_actions(dec_ttl,output:2),goto_table:1",
                    "table=1,actions=clone(drop),output:3");
            r.send(1, FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").ttl(1).udp(1, 2).build());
            assertEquals(0, r.take(2).size(), "both runs of the action set stop at the expired TTL");
            assertEquals(1, r.take(3).size(), "the output after the clone still runs");
        }
    }

    @Test
    void theClonesActionsAreCheckedAndCountAsTheFlowsForGroupDeletion() {
        try (Rig r = new Rig(3)) {
            FlowModException missing = assertThrows(FlowModException.class,
                    () -> ofctl(r, "table=0,actions=clone(group:7)"));
            assertEquals(OfpError.BAD_ACTION_BAD_OUT_GROUP, missing.error());
            FlowModException prereq = assertThrows(FlowModException.class,
                    () -> ofctl(r, "table=0,actions=clone(mod_nw_dst:192.0.2.9,output:2)"));
            assertEquals(OfpError.BAD_ACTION_MATCH_INCONSISTENT, prereq.error());
            FlowModException inSet = assertThrows(FlowModException.class,
                    () -> ofctl(r, "table=0,actions=write_actions(clone(output:2))"));
            assertEquals(OfpError.BAD_ACTION_BAD_TYPE, inSet.error());

            r.of.apply(Ofctl.parseGroup("group_id=7,type=indirect,bucket=actions=output:2", GroupMod.Command.ADD));
            ofctl(r, "table=0,in_port=1,actions=clone(clone(group:7)),output:3");
            assertEquals(1, r.of.groups().get(0).refCount(), "the flow counts as the group's user");
            r.send(1, udp());
            assertEquals(1, r.take(2).size());
            assertEquals(1, r.take(3).size());
            r.of.apply(new GroupMod(GroupMod.Command.DELETE, 7, null, null));
            assertEquals(0, r.of.dumpFlows().size(), "deleting the group deleted the flow whose clone used it");
        }
    }
}
