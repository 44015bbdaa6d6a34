package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.datapath.DatapathAction;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.flow.ofctl.Ofctl;

class FlowPipelineTest {
    static final String A = "02:00:00:00:00:0a";
    static final String B = "02:00:00:00:00:0b";

    static byte[] udp(String src, String dst, String ipSrc, String ipDst, int dport) {
        return FrameBuilder.ethernet(src, dst).ipv4(ipSrc, ipDst).udp(1000, dport).payload(18).build();
    }

    static byte[] udp() {
        return udp(A, B, "192.0.2.1", "192.0.2.2", 53);
    }

    static FlowMod flow(int table, int priority, Match match, Action... actions) {
        return FlowMod.add(table, priority, match, Instructions.apply(actions));
    }

    static Match.Builder m() {
        return Match.builder();
    }

    static Match ip() {
        return m().exact(MatchField.ETH_TYPE, 0x0800).build();
    }

    static Action out(long port) {
        return Action.Output.to(port);
    }

    @Test
    void standaloneStartsWithNormalAndForwardsLikeALearningSwitch() {
        try (Rig r = new Rig(3, FlowPipeline.FailMode.STANDALONE)) {
            List<FlowStats> flows = r.of.dumpFlows();
            assertEquals(1, flows.size());
            assertEquals(0, flows.get(0).flow().priority());
            assertEquals(List.of(out(OfPort.NORMAL)), flows.get(0).flow().instructions().applyActions());
            r.send(1, udp());                          // B unknown: flooded
            assertEquals(1, r.take(2).size());
            assertEquals(1, r.take(3).size());
            r.send(2, udp(B, A, "192.0.2.2", "192.0.2.1", 53)); // A was learned on port 1
            assertEquals(1, r.take(1).size());
            assertEquals(0, r.take(3).size());
        }
    }

    @Test
    void secureModeDropsEverythingOnTableMiss() {
        try (Rig r = new Rig(2)) {
            assertEquals(0, r.of.dumpFlows().size());
            r.send(1, udp());
            assertEquals(0, r.take(2).size());
            assertEquals(1, r.of.table(0).lookups());
            assertEquals(0, r.of.table(0).matches());
        }
    }

    @Test
    void highestPriorityEntryWinsAndOutputToTheInputPortSendsNothing() {
        try (Rig r = new Rig(3)) {
            r.of.apply(flow(0, 10, Match.ANY, out(2)));
            r.of.apply(flow(0, 20, ip(), out(3), out(1)));   // out(1) is the input port: nothing
            r.send(1, udp());
            assertEquals(0, r.take(2).size());
            assertEquals(1, r.take(3).size());
            assertEquals(0, r.take(1).size());
            r.of.apply(flow(0, 30, ip(), out(OfPort.IN_PORT)));
            r.send(1, udp());
            assertEquals(1, r.take(1).size());
        }
    }

    @Test
    void aFlowModTakesEffectForTheNextPacketWithoutFlushingOtherDecisions() {
        try (Rig r = new Rig(3)) {
            r.of.apply(flow(0, 10, ip(), out(2)));
            r.of.apply(flow(0, 30, m().exact(MatchField.ETH_TYPE, 0x0806).build(), out(2)));
            r.send(1, udp());
            assertEquals(1, r.take(2).size());
            byte[] arp = FrameBuilder.ethernet(A, "ff:ff:ff:ff:ff:ff").arp(1, A, "192.0.2.1", "00:00:00:00:00:00",
                    "192.0.2.2").build();
            r.send(1, arp);
            assertEquals(1, r.take(2).size());
            long upcalls = r.sw.datapath().stats().upcalls();
            // An entry above the IP one and below the ARP one: the IP decision goes, the ARP one stays cached.
            r.of.apply(flow(0, 20, m().exact(MatchField.ETH_TYPE, 0x0800).exact(MatchField.IP_PROTO, 17).build(),
                    out(3)));
            r.send(1, udp());
            assertEquals(0, r.take(2).size());
            assertEquals(1, r.take(3).size());
            r.send(1, arp);
            assertEquals(1, r.take(2).size());
            assertEquals(upcalls + 1, r.sw.datapath().stats().upcalls(), "only the UDP decision was re-translated");
        }
    }

    @Test
    void setFieldIsCommittedBeforeOutputAndRegistersNeverReachTheDatapath() {
        try (Rig r = new Rig(2)) {
            r.of.apply(flow(0, 10, ip(), Action.SetField.of(MatchField.ETH_DST, FrameBuilder.mac("02:00:00:00:00:99")),
                    Action.Load.of(FieldRef.of(MatchField.REG0), 7), out(2)));
            Trace t = r.of.trace(r.key(1, udp()));
            List<DatapathAction> acts = t.actions().actions();
            assertEquals(List.of(new DatapathAction.SetField(FlowField.ETH_DST, FrameBuilder.mac("02:00:00:00:00:99")),
                    new DatapathAction.Output(2)), acts);
            r.send(1, udp());
            byte[] got = r.take(2).get(0);
            assertEquals(0x99, got[5] & 0xff);
        }
    }

    @Test
    void gotoTableWriteMetadataAndMetadataMatch() {
        try (Rig r = new Rig(3)) {
            r.of.apply(FlowMod.add(0, 10, ip(), Instructions.apply().withWriteMetadata(0x5, 0xf).withGoto(4)));
            r.of.apply(flow(4, 10, m().masked(MatchField.METADATA, 0x5, 0xf).build(), out(3)));
            r.of.apply(flow(4, 5, Match.ANY, out(2)));
            r.send(1, udp());
            assertEquals(1, r.take(3).size());
            assertEquals(0, r.take(2).size());
            assertThrows(FlowModException.class, () -> r.of.apply(FlowMod.add(4, 1, Match.ANY,
                    Instructions.apply().withGoto(4))), "goto must go forward");
        }
    }

    @Test
    void resubmitLoadAndRegisterMatch() {
        try (Rig r = new Rig(3)) {
            r.of.apply(flow(0, 10, ip(), Action.Load.of(FieldRef.of(MatchField.REG0, 0, 15), 3),
                    new Action.Resubmit(OfPort.IN_PORT, 3)));
            r.of.apply(flow(3, 10, m().exact(MatchField.REG0, 3).build(), out(3)));
            r.of.apply(flow(3, 5, Match.ANY, out(2)));
            r.send(1, udp());
            assertEquals(1, r.take(3).size());
        }
    }

    @Test
    void resubmitWithAPortLooksUpAsIfFromThatPort() {
        try (Rig r = new Rig(3)) {
            r.of.apply(flow(0, 10, m().exact(MatchField.IN_PORT, 1).build(), new Action.Resubmit(2, 1)));
            r.of.apply(flow(1, 10, m().exact(MatchField.IN_PORT, 2).build(), out(3)));
            r.send(1, udp());
            assertEquals(1, r.take(3).size());
        }
    }

    /**
     * Found by OvsTraceAgreementTest; ovs-actions(7), resubmit: the port given is "just for searching the flow
     * table", not "visible to actions or to later flow table lookups". So the entry found as if from port 2 may
     * output to port 2 (the real input port is 1), and its goto looks up with in_port 1 again.
     */
    @Test
    void resubmitsPortIsOnlyForItsLookupNotForTheActionsOrLaterLookups() {
        try (Rig r = new Rig(4)) {
            ofctl(r, "table=0,priority=10,in_port=1 actions=resubmit(2,1),output:in_port",
                    "table=1,priority=10,in_port=2 actions=output:2,output:1,goto_table:2",
                    "table=2,priority=10,in_port=1 actions=output:3",
                    "table=2,priority=5,in_port=2 actions=output:4");
            assertEquals(List.of(dpOut(2), dpOut(3), dpOut(1)), r.of.trace(r.key(1, udp())).actions().actions());
        }
    }

    @Test
    void aTraceOfAFrameParsesItAsTheDatapathDoesAndRefusesWhatNoBufferHolds() {
        try (Rig r = new Rig(2)) {
            r.of.apply(flow(0, 10, ip(), out(2)));
            Trace byFrame = r.of.trace(1, udp());
            Trace byKey = r.of.trace(r.key(1, udp()));
            assertEquals(byKey.text(), byFrame.text(), "the same flow, the same trace");
            assertEquals(List.of(dpOut(2)), byFrame.actions().actions());
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                    () -> r.of.trace(1, new byte[70_000]));
            assertTrue(big.getMessage().contains("does not fit a buffer"), big.getMessage());
        }
    }

    /** As Open vSwitch 3.1: a translation that hits a resubmit limit fails, and its packet is dropped whole. */
    @Test
    void resubmitLoopsStopAtTheDepthLimitAndDropThePacket() {
        try (Rig r = new Rig(2)) {
            r.of.apply(flow(0, 10, Match.ANY, out(2), new Action.Resubmit(OfPort.IN_PORT, 0)));
            Trace t = r.of.trace(r.key(1, udp()));
            assertTrue(t.text().contains("resubmit limit"), t.text());
            assertEquals(DatapathActions.DROP, t.actions(), "none of the 64 outputs before the limit stays");
            r.send(1, udp());
            assertEquals(0, r.take(2).size());
        }
    }

    /** As Open vSwitch 3.1: only a resubmit to the same or an earlier table is a level of the depth limit. */
    @Test
    void aChainOfResubmitsToLaterTablesIsNotLimitedByDepth() {
        try (Rig r = new Rig(2)) {
            for (int t = 0; t < 200; t++) {
                ofctl(r, "table=" + t + ",priority=0 actions=resubmit(," + (t + 1) + ")");
            }
            ofctl(r, "table=200,priority=0 actions=output:2");
            assertEquals("2", r.of.trace(r.key(1, udp())).actions().toString());
        }
    }

    /**
     * A loop of 255 tables, each resubmitting to the next and the last back to the first: only one resubmit in 255
     * deepens Open vSwitch's depth, so its limit alone would let the translation nest ~16,000 tables deep. Our own
     * nesting bound fails it first, and the packet is dropped: no stack overflow reaches the poll thread.
     */
    @Test
    void aLongLoopOfForwardResubmitsFailsWithoutOverflowingTheStack() {
        try (Rig r = new Rig(2)) {
            for (int t = 0; t < 254; t++) {
                ofctl(r, "table=" + t + ",priority=0 actions=output:2,resubmit(," + (t + 1) + ")");
            }
            ofctl(r, "table=254,priority=0 actions=resubmit(,0)");
            Trace t = r.of.trace(r.key(1, udp()));
            assertEquals(DatapathActions.DROP, t.actions());
            r.send(1, udp());
            assertEquals(0, r.take(2).size());
            r.send(1, udp());
            assertEquals(0, r.take(2).size(), "the poll thread lives on");
        }
        try (Rig r = new Rig(2)) { // the same loop through goto_table
            for (int t = 0; t < 254; t++) {
                ofctl(r, "table=" + t + ",priority=0 actions=output:2,goto_table:" + (t + 1));
            }
            ofctl(r, "table=254,priority=0 actions=resubmit(,0)");
            assertEquals(DatapathActions.DROP, r.of.trace(r.key(1, udp())).actions());
        }
    }

    /** As Open vSwitch 3.1: output:FIELD reads an OpenFlow 1.0 port number (bundle_load writes IN_PORT as 0xfff8). */
    @Test
    void outputToAFieldTakesOpenFlow10PortNumbers() {
        try (Rig r = new Rig(3)) {
            ofctl(r, "table=0,priority=10,udp,tp_dst=53 actions=load:0xfff8->reg0[0..15],output:NXM_NX_REG0[0..15]",
                    "table=0,priority=10,udp,tp_dst=54 actions=load:0x10002->reg0,output:NXM_NX_REG0[]",
                    "table=0,priority=10,udp,tp_dst=55 actions=load:2->reg0,output:NXM_NX_REG0[]",
                    "table=0,priority=10,udp,tp_dst=56 actions=load:0xfff0->reg0,output:NXM_NX_REG0[]");
            assertEquals("1", r.of.trace(1, udp(A, B, "192.0.2.1", "192.0.2.2", 53)).actions().toString(), "IN_PORT");
            assertEquals("drop", r.of.trace(1, udp(A, B, "192.0.2.1", "192.0.2.2", 54)).actions().toString(),
                    "above 65535: out of range");
            assertEquals("2", r.of.trace(1, udp(A, B, "192.0.2.1", "192.0.2.2", 55)).actions().toString());
            assertEquals("drop", r.of.trace(1, udp(A, B, "192.0.2.1", "192.0.2.2", 56)).actions().toString(),
                    "an unassigned reserved number");
        }
    }

    /** A loop through a group's bucket fails at the same depth, before the group, as in Open vSwitch 3.1. */
    @Test
    void aLoopThroughAGroupBucketFailsTheTranslationToo() {
        try (Rig r = new Rig(2)) {
            r.of.apply(Ofctl.parseGroup("group_id=1,type=all,bucket=actions=resubmit(,0)", GroupMod.Command.ADD));
            ofctl(r, "table=0,priority=10 actions=output:2,group:1");
            Trace t = r.of.trace(r.key(1, udp()));
            assertTrue(t.text().contains("at group 1"), t.text());
            assertEquals(DatapathActions.DROP, t.actions());
        }
    }

    @Test
    void moveCopiesSourceMacToDestination() {
        try (Rig r = new Rig(2)) {
            r.of.apply(flow(0, 10, ip(), new Action.Move(FieldRef.of(MatchField.ETH_SRC), FieldRef.of(MatchField.ETH_DST)),
                    out(2)));
            Trace t = r.of.trace(r.key(1, udp()));
            assertEquals(-1L >>> 16, t.megaflow().w[FlowKey.W_ETH_SRC], "move read all of eth_src");
            r.send(1, udp());
            byte[] got = r.take(2).get(0);
            assertEquals(0x0a, got[5] & 0xff);
        }
    }

    @Test
    void pushVlanAndSetVidBecomeOnePushInTheDatapath() {
        try (Rig r = new Rig(2)) {
            r.of.apply(flow(0, 10, ip(), new Action.PushVlan(0x8100),
                    Action.SetField.of(MatchField.VLAN_VID, 0x1000 | 42), out(2)));
            Trace t = r.of.trace(r.key(1, udp()));
            assertEquals(List.of(new DatapathAction.PushVlan(0x8100, 42), new DatapathAction.Output(2)),
                    t.actions().actions());
            r.of.apply(flow(0, 20, m().exact(MatchField.ETH_TYPE, 0x0800).exact(MatchField.VLAN_VID, 0x1000 | 42)
                    .build(), new Action.PopVlan(), out(2)));
            byte[] tagged = FrameBuilder.ethernet(A, B).vlan(42).ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).build();
            r.send(1, tagged);
            byte[] got = r.take(2).get(0);
            assertEquals(tagged.length - 4, got.length);
        }
    }

    @Test
    void vlanVidNoneMatchesOnlyUntaggedFrames() {
        try (Rig r = new Rig(3)) {
            r.of.apply(flow(0, 10, m().exact(MatchField.VLAN_VID, 0).build(), out(2)));
            r.of.apply(flow(0, 10, m().masked(MatchField.VLAN_VID, 0x1000, 0x1000).build(), out(3)));
            r.send(1, udp());
            assertEquals(1, r.take(2).size());
            r.send(1, FrameBuilder.ethernet(A, B).vlan(7).ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).build());
            assertEquals(1, r.take(3).size());
            assertEquals(0, r.take(2).size());
        }
    }

    @Test
    void decTtlDecrementsAndExpiredPacketsGoNoFurther() {
        try (Rig r = new Rig(2)) {
            r.of.apply(flow(0, 10, ip(), new Action.DecTtl(List.of()), out(2)));
            Trace t = r.of.trace(r.key(1, FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").ttl(64).udp(1, 2)
                    .build()));
            assertEquals(List.of(new DatapathAction.SetField(FlowField.IP_TTL, 63), new DatapathAction.Output(2)),
                    t.actions().actions());
            r.send(1, FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").ttl(1).udp(1, 2).build());
            assertEquals(0, r.take(2).size());
            r.send(1, FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").ttl(2).udp(1, 2).build());
            assertEquals(1, r.take(2).size());
        }
    }

    @Test
    void enqueueOutputsToItsPortAndSetTunnelWritesTheTunnelIdLaterTablesMatch() {
        try (Rig r = new Rig(3)) {
            ofctl(r, "table=0,in_port=1,actions=set_tunnel:0x2a,resubmit(,1)",
                    "table=1,priority=10,tun_id=0x2a,actions=enqueue:3:7",
                    "table=1,priority=0,actions=output:2");
            r.send(1, udp());
            assertEquals(1, r.take(3).size());
            assertEquals(0, r.take(2).size());
            ofctl(r, "table=0,in_port=1,actions=set_tunnel64:0x2b,resubmit(,1)"); // replaces the first flow
            r.send(1, udp());
            assertEquals(0, r.take(3).size());
            assertEquals(1, r.take(2).size());
            // pop_queue has no place in an action set: refused as Open vSwitch refuses it (OFPBAC_BAD_TYPE).
            for (String bad : List.of("table=2,actions=write_actions(enqueue:1:2)",
                    "table=2,actions=write_actions(pop_queue)")) {
                FlowModException e = assertThrows(FlowModException.class, () -> ofctl(r, bad), bad);
                assertEquals(OfpError.BAD_ACTION_BAD_TYPE, e.error(), bad);
            }
        }
    }

    static void ofctl(Rig r, String... flows) {
        for (String f : flows) {
            r.of.apply(Ofctl.parseFlow(f, FlowMod.Command.ADD));
        }
    }

    static List<DatapathAction> traceTtl(Rig r, int ttl) {
        return r.of.trace(r.key(1, FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").ttl(ttl).udp(1, 2)
                .build())).actions().actions();
    }

    static DatapathAction dpOut(int port) {
        return new DatapathAction.Output(port);
    }

    /**
     * Found by OvsTraceAgreementTest, documented in ovs-actions(7): an expired dec_ttl stops the current action
     * list (and its entry's write-actions and goto), but the list that resubmitted to it goes on, and what earlier
     * tables wrote into the action set still runs.
     */
    @Test
    void anExpiredDecTtlSkipsTheRestOfItsListButResubmitCallersAndTheActionSetGoOn() {
        try (Rig r = new Rig(5)) {
            ofctl(r, "table=0,priority=10,ip actions=resubmit(,1),output:3,write_actions(output:4)",
                    "table=1,priority=10,ip actions=dec_ttl,output:2,write_actions(output:1),goto_table:2",
                    "table=2,priority=0 actions=output:5");
            assertEquals(List.of(dpOut(3), dpOut(4)), traceTtl(r, 1));
            assertEquals(List.of(new DatapathAction.SetField(FlowField.IP_TTL, 63), dpOut(2), dpOut(5), dpOut(3),
                    dpOut(4)), traceTtl(r, 64));
        }
    }

    /** As Open vSwitch 3.1's ofpacts_execute_action_set: resubmit may end an action set, ranked below output and group. */
    @Test
    void anActionSetOrABucketMayEndInAResubmit() {
        try (Rig r = new Rig(4)) {
            r.of.apply(Ofctl.parseGroup("group_id=1,type=all,bucket=actions=resubmit(,3),bucket=actions=output:4",
                    GroupMod.Command.ADD));
            ofctl(r, "table=0,priority=10,udp,tp_dst=53 actions=write_actions(resubmit(,2)),goto_table:1",
                    "table=0,priority=10,udp,tp_dst=54 actions=write_actions(resubmit(,2),output:3)",
                    "table=0,priority=10,udp,tp_dst=55 actions=write_actions(resubmit(,2),output:3,group:1)",
                    "table=1,priority=0 actions=mod_dl_dst:0a:00:00:00:00:09",
                    "table=2,priority=0 actions=output:2",
                    "table=3,priority=0 actions=mod_nw_ttl:9,output:2");
            assertEquals("set(eth_dst=0xa0000000009),2", r.of.trace(1, udp("02:00:00:00:00:01", "02:00:00:00:00:02",
                    "192.0.2.1", "192.0.2.2", 53)).actions().toString(), "the resubmit sees what the tables did");
            assertEquals("3", r.of.trace(1, udp("02:00:00:00:00:01", "02:00:00:00:00:02", "192.0.2.1", "192.0.2.2",
                    54)).actions().toString(), "an output outranks it");
            assertEquals("set(nw_ttl=0x9),2,set(nw_ttl=0x40),4", r.of.trace(1, udp("02:00:00:00:00:01",
                    "02:00:00:00:00:02", "192.0.2.1", "192.0.2.2", 55)).actions().toString(),
                    "a group outranks both; its first bucket resubmits");
        }
    }

    /** As Open vSwitch 3.1: set-type actions run in the order written; a set without a final action runs nothing. */
    @Test
    void theActionSetRunsSetsInTheOrderWrittenAndNothingWithoutAFinalAction() {
        try (Rig r = new Rig(3)) {
            ofctl(r, "table=0,priority=10,udp,tp_dst=53 actions=write_actions(move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]),"
                            + "goto_table:1",
                    "table=0,priority=10,udp,tp_dst=54 actions=write_actions(dec_ttl,mod_dl_src:0a:00:00:00:00:09)",
                    "table=1,priority=0 actions=write_actions(mod_dl_src:0a:00:00:00:00:09,output:2)");
            // the move, written first, copies the source as it was; then the source is set
            assertEquals("set(eth_src=0xa0000000009),set(eth_dst=0x20000000001),2", r.of.trace(1, udp(
                    "02:00:00:00:00:01", "02:00:00:00:00:02", "192.0.2.1", "192.0.2.2", 53)).actions().toString());
            r.of.setControllerConnected(true);
            r.send(1, FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").ttl(1).udp(1000, 54).build());
            assertEquals(0, r.of.drainPacketIns(p -> { }, 10), "no final action: not even dec_ttl ran");
        }
    }

    @Test
    void anExpiredDecTtlInAGroupBucketEndsOnlyThatBucket() {
        try (Rig r = new Rig(4)) {
            r.of.apply(Ofctl.parseGroup("group_id=1,type=all,bucket=actions=dec_ttl,output:2,bucket=actions=output:3",
                    GroupMod.Command.ADD));
            ofctl(r, "table=0,priority=10,ip actions=group:1,output:4");
            assertEquals(List.of(dpOut(3), dpOut(4)), traceTtl(r, 1));
        }
    }

    /** ovs-actions(7), "The exit action": every level of the pipeline stops, the action set still runs. */
    @Test
    void exitStopsEveryLevelButTheActionSetStillRuns() {
        try (Rig r = new Rig(5)) {
            ofctl(r, "table=0,priority=10,ip actions=write_actions(output:4),goto_table:1",
                    "table=1,priority=10,ip actions=output:5,resubmit(,2),output:3",
                    "table=2,priority=10,ip actions=exit,output:2");
            assertEquals(List.of(dpOut(5), dpOut(4)), traceTtl(r, 64));
        }
    }

    @Test
    void writeActionsRunAtTheEndInActionSetOrder() {
        try (Rig r = new Rig(3)) {
            r.of.apply(FlowMod.add(0, 10, ip(), Instructions.apply().withWriteActions(false,
                    List.of(out(2), Action.SetField.of(MatchField.IPV4_DST, FrameBuilder.ipv4("198.51.100.7") & 0xffffffffL)))
                    .withGoto(1)));
            r.of.apply(FlowMod.add(1, 10, Match.ANY, Instructions.apply().withWriteActions(false, List.of(out(3)))));
            Trace t = r.of.trace(r.key(1, udp()));
            assertEquals(List.of(new DatapathAction.SetField(FlowField.IPV4_DST, FrameBuilder.ipv4("198.51.100.7") & 0xffffffffL),
                    new DatapathAction.Output(3)), t.actions().actions(), "the later output replaced the earlier");
            r.of.apply(FlowMod.add(1, 20, Match.ANY, new Instructions(0, List.of(), true, null, 0, 0, -1)));
            r.send(1, udp());
            assertEquals(0, r.take(2).size() + r.take(3).size(), "clear_actions emptied the set");
        }
    }

    @Test
    void countersCountTheUpcallAndWhatRevalidationReports() {
        try (Rig r = new Rig(2)) {
            r.of.apply(flow(0, 10, ip(), out(2)));
            for (int i = 0; i < 5; i++) {
                r.send(1, udp());
            }
            assertEquals(5, r.take(2).size());
            r.revalidate();
            FlowStats s = r.of.dumpFlows().get(0);
            assertEquals(5, s.packets());
            assertEquals(5L * udp().length, s.bytes());
            assertEquals(5, r.of.table(0).matches());
        }
    }

    @Test
    void idleAndHardTimeoutsExpireOnTheSwitchClockAndTellTheListener() {
        try (Rig r = new Rig(2)) {
            List<String> removed = new ArrayList<>();
            r.of.setFlowRemovedListener((e, why) -> removed.add(e.flow().priority() + ":" + why));
            r.of.apply(flow(0, 10, ip(), out(2)).withTimeouts(2, 0).withFlags(Set.of(FlowFlag.SEND_FLOW_REM)));
            r.of.apply(flow(0, 5, Match.ANY, out(2)).withTimeouts(0, 3).withFlags(Set.of(FlowFlag.SEND_FLOW_REM)));
            r.clock.advanceMillis(1999);
            r.pump();
            assertEquals(2, r.of.dumpFlows().size());
            r.clock.advanceMillis(1);
            r.pump();
            assertEquals(1, r.of.dumpFlows().size());
            assertEquals(List.of("10:IDLE_TIMEOUT"), removed);
            r.clock.advanceMillis(1000);
            r.pump();
            assertEquals(0, r.of.dumpFlows().size());
            assertEquals(List.of("10:IDLE_TIMEOUT", "5:HARD_TIMEOUT"), removed);
        }
    }

    @Test
    void trafficKeepsAnIdleTimeoutFromExpiring() {
        try (Rig r = new Rig(2)) {
            r.of.apply(flow(0, 10, ip(), out(2)).withTimeouts(2, 0));
            for (int i = 0; i < 8; i++) {
                r.send(1, udp());
                r.revalidate(); // 600 ms each
            }
            assertEquals(1, r.of.dumpFlows().size(), "used every 600 ms, so never idle for 2 s");
            for (int i = 0; i < 5; i++) {
                r.revalidate();
            }
            assertEquals(0, r.of.dumpFlows().size());
        }
    }

    @Test
    void deleteAndModifyByStrictAndCoveringMatchAndCookie() {
        try (Rig r = new Rig(3)) {
            r.of.apply(flow(0, 10, ip(), out(2)).withCookie(0x11, 0));
            r.of.apply(flow(0, 20, m().exact(MatchField.ETH_TYPE, 0x0800).exact(MatchField.IP_PROTO, 17).build(),
                    out(2)).withCookie(0x22, 0));
            r.of.apply(flow(0, 30, m().exact(MatchField.ETH_TYPE, 0x0806).build(), out(2)));
            // modify by cookie only
            r.of.apply(new FlowMod(FlowMod.Command.MODIFY, 0, 0, Match.ANY, Instructions.apply(out(3)), 0x22, 0xff, 0, 0,
                    0, Set.of(), OfPort.ANY, FlowMod.ANY_GROUP));
            r.send(1, udp());
            assertEquals(1, r.take(3).size());
            // non-strict delete of everything ip covers: the two IP entries, not ARP
            r.of.apply(FlowMod.delete(0, ip()));
            assertEquals(1, r.of.dumpFlows().size());
            assertEquals(30, r.of.dumpFlows().get(0).flow().priority());
            // strict delete needs the priority
            r.of.apply(FlowMod.delete(0, m().exact(MatchField.ETH_TYPE, 0x0806).build())
                    .withCommand(FlowMod.Command.DELETE_STRICT));
            assertEquals(1, r.of.dumpFlows().size(), "priority 0 given, entry has 30: not deleted");
        }
    }

    @Test
    void aBundleSeesItsOwnEarlierModsSoTheSameFlowAddedTwiceIsOneEntry() {
        try (Rig r = new Rig(3)) {
            r.of.apply(List.of(flow(0, 10, ip(), out(2)), flow(0, 10, ip(), out(3))));
            assertEquals(1, r.of.dumpFlows(0).size(), "the second add replaced the first");
            r.send(1, udp());
            assertEquals(0, r.take(2).size());
            assertEquals(1, r.take(3).size());
            r.of.apply(List.of(flow(0, 20, ip(), out(2)), flow(0, 20, ip()).withCommand(FlowMod.Command.DELETE_STRICT)));
            assertEquals(1, r.of.dumpFlows(0).size(), "a bundle may delete what it added");
        }
    }

    @Test
    void aBundleWithOneBadModChangesNothing() {
        try (Rig r = new Rig(2)) {
            r.of.apply(flow(0, 10, ip(), out(2)));
            FlowModException e = assertThrows(FlowModException.class, () -> r.of.apply(List.of(
                    FlowMod.delete(0, Match.ANY),
                    flow(0, 20, Match.ANY, new Action.Group(99)))));
            assertEquals(OfpError.BAD_ACTION_BAD_OUT_GROUP, e.error());
            assertEquals(1, r.of.dumpFlows().size());
            r.send(1, udp());
            assertEquals(1, r.take(2).size());
        }
    }

    @Test
    void aBundleThatFailsHalfwayIsRolledBack() {
        try (Rig r = new Rig(3)) {
            r.of.apply(flow(0, 10, ip(), out(2)));
            Match udp = m().exact(MatchField.ETH_TYPE, 0x0800).exact(MatchField.IP_PROTO, 17).build();
            FlowModException e = assertThrows(FlowModException.class, () -> r.of.apply(List.of(
                    FlowMod.delete(0, ip()),                                          // applied, then undone
                    flow(0, 5, udp, out(3)),                                          // applied, then undone
                    flow(0, 10, ip(), out(3)),                                        // replaced, then restored
                    flow(0, 5, m().exact(MatchField.ETH_TYPE, 0x0800).build(), out(3))
                            .withFlags(Set.of(FlowFlag.CHECK_OVERLAP)))));             // overlaps the second
            assertEquals(OfpError.FLOW_MOD_FAILED_OVERLAP, e.error());
            List<FlowStats> flows = r.of.dumpFlows();
            assertEquals(1, flows.size());
            assertEquals(List.of(out(2)), flows.get(0).flow().instructions().applyActions());
            r.send(1, udp());
            assertEquals(1, r.take(2).size());
            assertEquals(0, r.take(3).size());
            r.of.apply(flow(0, 10, ip(), out(3)));                                    // and the table still works
            r.send(1, udp());
            assertEquals(1, r.take(3).size());
        }
    }

    @Test
    void modsAreRefusedWithTheErrorTheSpecificationNames() {
        try (Rig r = new Rig(2)) {
            assertEquals(OfpError.BAD_MATCH_BAD_PREREQ, assertThrows(FlowModException.class,
                    () -> m().exact(MatchField.TCP_DST, 80).build()).error());
            assertEquals(OfpError.BAD_ACTION_MATCH_INCONSISTENT, assertThrows(FlowModException.class,
                    () -> r.of.apply(flow(0, 1, ip(), Action.SetField.of(MatchField.TCP_DST, 80)))).error());
            assertEquals(OfpError.METER_MOD_FAILED_UNKNOWN_METER, assertThrows(FlowModException.class,
                    () -> r.of.apply(FlowMod.add(0, 1, ip(), Instructions.apply().withMeter(5)))).error());
            assertEquals(OfpError.BAD_INSTRUCTION_BAD_TABLE_ID, assertThrows(FlowModException.class,
                    () -> r.of.apply(FlowMod.add(3, 1, ip(), Instructions.apply().withGoto(2)))).error());
            assertEquals(OfpError.BAD_MATCH_BAD_MASK, assertThrows(FlowModException.class,
                    () -> m().masked(MatchField.IN_PORT, 1, 1)).error());
            r.of.apply(flow(0, 5, ip(), out(2)).withFlags(Set.of(FlowFlag.CHECK_OVERLAP)));
            assertEquals(OfpError.FLOW_MOD_FAILED_OVERLAP, assertThrows(FlowModException.class,
                    () -> r.of.apply(flow(0, 5, m().exact(MatchField.ETH_TYPE, 0x0800).exact(MatchField.IP_PROTO, 6)
                            .build(), out(2)).withFlags(Set.of(FlowFlag.CHECK_OVERLAP)))).error());
            assertEquals(1, r.of.dumpFlows().size());
        }
    }

    @Test
    void controllerOptionsReachThePacketInAndDecTtlTellsEachControllerItNames() {
        try (Rig r = new Rig(2)) {
            ofctl(r, "table=0,priority=10,udp,actions=controller(reason=no_match,max_len=20,id=3,userdata=0a.0b)",
                    "table=0,priority=20,udp,nw_ttl=1,actions=dec_ttl(1,2),output:2");
            r.send(1, udp());
            List<PacketIn> ins = new ArrayList<>();
            assertEquals(1, r.of.drainPacketIns(ins::add, 10));
            PacketIn pi = ins.get(0);
            assertEquals(20, pi.data().length);
            assertEquals(PacketIn.Reason.NO_MATCH, pi.reason());
            assertEquals(3, pi.controllerId());
            assertArrayEquals(new byte[] {0x0a, 0x0b}, pi.userdata());
            r.of.setControllerConnected(true); // dec_ttl's packet-ins go to a connected controller only
            r.send(1, FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").ttl(1).udp(1000, 53).build());
            ins.clear();
            assertEquals(2, r.of.drainPacketIns(ins::add, 10));
            assertEquals(List.of(1, 2), ins.stream().map(PacketIn::controllerId).toList());
            assertTrue(ins.stream().allMatch(p -> p.reason() == PacketIn.Reason.INVALID_TTL
                    && p.userdata().length == 0));
            assertEquals(0, r.take(2).size(), "the expired TTL ended the list");
        }
    }

    @Test
    void controllerActionQueuesAPacketInWithTheBytesUpToMaxLen() {
        try (Rig r = new Rig(2)) {
            r.of.apply(flow(0, 10, ip(), new Action.Output(OfPort.CONTROLLER, 20)).withCookie(0xabc, 0));
            r.send(1, udp());
            List<PacketIn> ins = new ArrayList<>();
            assertEquals(1, r.of.drainPacketIns(ins::add, 10));
            PacketIn pi = ins.get(0);
            assertEquals(20, pi.data().length);
            assertEquals(udp().length, pi.totalLen());
            assertEquals(1, pi.inPort());
            assertEquals(0xabc, pi.cookie());
            assertEquals(PacketIn.Reason.ACTION, pi.reason());
        }
    }

    @Test
    void aControllerActionAfterAnOutputStillSendsThePacketIn() {
        try (Rig r = new Rig(2)) {
            ofctl(r, "table=0,priority=10,udp,actions=output:2,controller(max_len=20)");
            for (int i = 0; i < 3; i++) { // the upcall, then the megaflow's datapath actions
                r.send(1, udp());
            }
            List<PacketIn> ins = new ArrayList<>();
            assertEquals(3, r.of.drainPacketIns(ins::add, 10), "a packet-in per packet, after the output too");
            assertEquals(3, r.take(2).size());
        }
    }
}
