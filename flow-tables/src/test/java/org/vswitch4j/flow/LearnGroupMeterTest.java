package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.datapath.DatapathAction;
import org.vswitch4j.core.datapath.DropReason;
import org.vswitch4j.core.packet.FrameBuilder;

class LearnGroupMeterTest {
    static final String A = "02:00:00:00:00:0a";
    static final String B = "02:00:00:00:00:0b";

    static byte[] frame(String src, String dst) {
        return FrameBuilder.ethernet(src, dst).ipv4("192.0.2.1", "192.0.2.2").udp(1000, 53).payload(18).build();
    }

    static Action out(long p) {
        return Action.Output.to(p);
    }

    /** The learning example: table 2 learns "this MAC is on this port" into table 10 as reg0. */
    static LearnSpec macLearning(int idle) {
        return new LearnSpec(10, 0x8000, idle, 0, 0, 0, 0, false, false, 0, List.of(
                new LearnSpec.MatchField(FieldRef.of(MatchField.VLAN_TCI, 0, 11), FieldRef.of(MatchField.VLAN_TCI, 0, 11)),
                new LearnSpec.MatchField(FieldRef.of(MatchField.ETH_DST), FieldRef.of(MatchField.ETH_SRC)),
                new LearnSpec.LoadField(FieldRef.of(MatchField.IN_PORT, 0, 15), FieldRef.of(MatchField.REG0, 0, 15))));
    }

    @Test
    void learnAddsTheFlowForTheNextPacketAndAMultiTablePipelineSwitchesWithIt() {
        try (Rig r = new Rig(3)) {
            // table 0 -> 2 (learn, resubmit 3); table 3: resubmit 10 (lookup of dst) then output reg0, else flood
            r.of.apply(FlowMod.add(0, 0, Match.ANY, Instructions.apply().withGoto(2)));
            r.of.apply(FlowMod.add(2, 0, Match.ANY, Instructions.apply(new Action.Learn(macLearning(0)),
                    new Action.Resubmit(OfPort.IN_PORT, 3))));
            r.of.apply(FlowMod.add(3, 0, Match.ANY, Instructions.apply(new Action.Resubmit(OfPort.IN_PORT, 10),
                    new Action.Resubmit(OfPort.IN_PORT, 4))));
            r.of.apply(FlowMod.add(4, 10, Match.builder().exact(MatchField.REG0, 0).build(),
                    Instructions.apply(out(OfPort.FLOOD))));
            r.of.apply(FlowMod.add(4, 5, Match.ANY, Instructions.apply(new Action.OutputReg(FieldRef.of(MatchField.REG0, 0, 15), 0))));

            r.send(1, frame(A, B));                  // B unknown: flooded; A learned on port 1
            assertEquals(1, r.take(2).size());
            assertEquals(1, r.take(3).size());
            List<FlowStats> t10 = r.of.dumpFlows(10);
            assertEquals(1, t10.size());
            Match learned = t10.get(0).flow().match();
            assertEquals(FrameBuilder.mac(A), learned.get(MatchField.ETH_DST).value());
            assertEquals(0xfff, learned.get(MatchField.VLAN_TCI).mask());
            assertEquals(List.of(Action.Load.of(FieldRef.of(MatchField.REG0, 0, 15), 1)),
                    t10.get(0).flow().instructions().applyActions());

            r.send(2, frame(B, A));                  // to A: now known, only port 1
            assertEquals(1, r.take(1).size());
            assertEquals(0, r.take(3).size());
            r.send(1, frame(A, B));                  // B learned on 2 by the previous packet
            assertEquals(1, r.take(2).size());
            assertEquals(0, r.take(3).size());
            assertEquals(2, r.of.dumpFlows(10).size());
        }
    }

    @Test
    void relearningTheSameFlowRestartsItsTimeoutWithoutChangingIt() {
        try (Rig r = new Rig(2)) {
            r.of.apply(FlowMod.add(0, 0, Match.ANY, Instructions.apply(new Action.Learn(macLearning(3)), out(2))));
            r.send(1, frame(A, B));
            assertEquals(1, r.of.dumpFlows(10).size());
            for (int i = 0; i < 10; i++) {          // 6 s of traffic, a revalidation every 600 ms re-learns
                r.send(1, frame(A, B));
                r.revalidate();
            }
            assertEquals(1, r.of.dumpFlows(10).size(), "kept alive by the traffic that learns it");
            for (int i = 0; i < 6; i++) {
                r.revalidate();
            }
            assertEquals(0, r.of.dumpFlows(10).size(), "idle 3 s after the traffic stopped");
        }
    }

    /**
     * Found by OvsTraceAgreementTest: a packet that learns the same flow twice (two tables learning MACs) used to
     * leave two entries with one match and priority, so relearning from another port replaced only one of them
     * and lookups kept finding the stale port. A change must see its own earlier writes, as Open vSwitch's does.
     */
    @Test
    void aFlowLearnedTwiceByOnePacketIsOneEntryAndRelearningItFromAnotherPortMovesIt() {
        try (Rig r = new Rig(3)) {
            LearnSpec toPort = new LearnSpec(10, 1001, 0, 0, 0, 0, 0, false, false, 0, List.of(
                    new LearnSpec.MatchField(FieldRef.of(MatchField.ETH_DST), FieldRef.of(MatchField.ETH_SRC)),
                    new LearnSpec.OutputField(FieldRef.of(MatchField.IN_PORT, 0, 15))));
            r.of.apply(FlowMod.add(0, 0, Match.ANY, Instructions.apply(new Action.Learn(toPort),
                    new Action.Learn(toPort), new Action.Resubmit(OfPort.IN_PORT, 10))));
            r.send(1, frame(A, B));
            assertEquals(1, r.of.dumpFlows(10).size(), "one flow, learned twice");
            r.send(2, frame(A, B));                  // A moved to port 2
            List<FlowStats> t10 = r.of.dumpFlows(10);
            assertEquals(1, t10.size(), "relearned in place");
            assertEquals(List.of(out(2)), t10.get(0).flow().instructions().applyActions());
            r.send(3, frame(B, A));
            assertEquals(0, r.take(1).size(), "nothing to A's old port");
            assertEquals(1, r.take(2).size());
        }
    }

    @Test
    void deleteLearnedRemovesWhatTheFlowLearned() {
        try (Rig r = new Rig(2)) {
            LearnSpec s = macLearning(0);
            LearnSpec del = new LearnSpec(s.table(), s.priority(), 0, 0, 0, 0, 0, false, true, 0, s.items());
            r.of.apply(FlowMod.add(0, 7, Match.ANY, Instructions.apply(new Action.Learn(del), out(2))));
            r.send(1, frame(A, B));
            r.send(1, frame(B, A));
            assertEquals(2, r.of.dumpFlows(10).size());
            r.of.apply(FlowMod.delete(0, Match.ANY));
            assertEquals(0, r.of.dumpFlows().size());
        }
    }

    static GroupMod group(long id, GroupMod.Type type, GroupMod.Bucket... buckets) {
        return new GroupMod(GroupMod.Command.ADD, id, type, List.of(buckets));
    }

    @Test
    void allGroupCopiesToEveryBucketWithItsOwnEdits() {
        try (Rig r = new Rig(3)) {
            r.of.apply(group(1, GroupMod.Type.ALL,
                    GroupMod.Bucket.of(List.of(Action.SetField.of(MatchField.ETH_DST, 0x020000000099L), out(2))),
                    GroupMod.Bucket.of(List.of(out(3)))));
            r.of.apply(FlowMod.add(0, 1, Match.ANY, Instructions.apply(new Action.Group(1))));
            r.send(1, frame(A, B));
            assertEquals(0x99, r.take(2).get(0)[5] & 0xff);
            assertEquals(0x0b, r.take(3).get(0)[5] & 0xff, "the second bucket sees the packet unedited");
            r.revalidate();
            FlowPipeline.GroupStats gs = r.of.groups().get(0);
            assertEquals(1, gs.packets());
            assertEquals(1, gs.refCount());
        }
    }

    @Test
    void selectGroupSpreadsFlowsByWeightAndKeepsAFlowOnOneBucket() {
        try (Rig r = new Rig(3)) {
            r.of.apply(group(1, GroupMod.Type.SELECT,
                    new GroupMod.Bucket(3, OfPort.ANY, GroupMod.Bucket.NO_GROUP, List.of(out(2))),
                    new GroupMod.Bucket(1, OfPort.ANY, GroupMod.Bucket.NO_GROUP, List.of(out(3)))));
            r.of.apply(FlowMod.add(0, 1, Match.ANY, Instructions.apply(new Action.Group(1))));
            int[] per = new int[4];
            for (int f = 0; f < 400; f++) {
                byte[] fr = FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").udp(1000 + f, 53).build();
                r.send(1, fr);
                r.send(1, fr);
                int a = r.take(2).size();
                int b = r.take(3).size();
                assertTrue(a == 2 && b == 0 || a == 0 && b == 2, "a flow's packets take one bucket");
                per[a == 2 ? 2 : 3]++;
            }
            assertTrue(per[2] > 250 && per[2] < 350, "weights 3:1 over 400 flows gave " + per[2] + ":" + per[3]);
        }
    }

    /** Group 1 of {@code type}: a bucket to port 2 watching port 2, one to port 3 watching 3; table 0 sends to it. */
    private static void watchedBuckets(Rig r, GroupMod.Type type, int weight) {
        r.of.apply(group(1, type,
                new GroupMod.Bucket(weight, 2, GroupMod.Bucket.NO_GROUP, List.of(out(2))),
                new GroupMod.Bucket(weight, 3, GroupMod.Bucket.NO_GROUP, List.of(out(3)))));
        r.of.apply(FlowMod.add(0, 1, Match.ANY, Instructions.apply(new Action.Group(1))));
    }

    @Test
    void selectGroupChoosesAmongLiveBucketsOnly() {
        try (Rig r = new Rig(3)) {
            watchedBuckets(r, GroupMod.Type.SELECT, 1);
            r.ports.get(2).setLinkUp(false);
            r.revalidate();
            for (int f = 0; f < 40; f++) {
                r.send(1, FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").udp(1000 + f, 53).build());
            }
            assertEquals(0, r.take(2).size(), "the bucket watching the down port is never chosen");
            assertEquals(40, r.take(3).size());
            r.ports.get(3).setLinkUp(false);
            r.revalidate();
            r.send(1, frame(A, B));
            assertEquals(0, r.take(2).size() + r.take(3).size(), "no live bucket: nothing is sent");
            r.ports.get(2).setLinkUp(true);
            r.revalidate();
            r.send(1, frame(A, B));
            assertEquals(1, r.take(2).size(), "the port came back: its bucket is live again");
        }
    }

    @Test
    void fastFailoverTakesTheFirstBucketWhosePortIsLive() {
        try (Rig r = new Rig(3)) {
            watchedBuckets(r, GroupMod.Type.FAST_FAILOVER, 0);
            r.send(1, frame(A, B));
            assertEquals(1, r.take(2).size());
            r.ports.get(2).setLinkUp(false);
            r.revalidate();                           // the datapath notices link changes at housekeeping
            r.send(1, frame(A, B));
            assertEquals(0, r.take(2).size());
            assertEquals(1, r.take(3).size());
        }
    }

    @Test
    void groupsAreCheckedAndDeletingOneDeletesItsFlows() {
        try (Rig r = new Rig(2)) {
            r.of.apply(group(1, GroupMod.Type.INDIRECT, GroupMod.Bucket.of(List.of(out(2)))));
            assertEquals(OfpError.GROUP_MOD_FAILED_GROUP_EXISTS, assertThrows(FlowModException.class,
                    () -> r.of.apply(group(1, GroupMod.Type.INDIRECT, GroupMod.Bucket.of(List.of(out(2)))))).error());
            assertEquals(OfpError.GROUP_MOD_FAILED_BAD_BUCKET, assertThrows(FlowModException.class,
                    () -> group(2, GroupMod.Type.INDIRECT)).error());
            r.of.apply(FlowMod.add(0, 1, Match.ANY, Instructions.apply(new Action.Group(1))));
            r.send(1, frame(A, B));
            assertEquals(1, r.take(2).size());
            r.of.apply(new GroupMod(GroupMod.Command.DELETE, 1, null, null));
            assertEquals(0, r.of.dumpFlows().size());
            r.send(1, frame(A, B));
            assertEquals(0, r.take(2).size());
        }
    }

    @Test
    void aDropBandLetsThroughItsRateAndBurstPerSecondOfSwitchTime() {
        try (Rig r = new Rig(2)) {
            r.of.apply(new MeterMod(MeterMod.Command.ADD, 1, false, true, true,
                    List.of(new MeterMod.Band(MeterMod.BandType.DROP, 100, 10, 0))));
            r.of.apply(FlowMod.add(0, 1, Match.ANY, Instructions.apply(out(2)).withMeter(1)));
            Trace t = r.of.trace(r.key(1, frame(A, B)));
            assertTrue(t.actions().actions().get(0) instanceof DatapathAction.Meter);
            int passed = 0;
            for (int ms = 0; ms < 1000; ms++) {      // 1,000 packets/s offered to a 100 packets/s meter
                r.send(1, frame(A, B));
                passed += r.take(2).size();
                r.clock.advanceMillis(1);
            }
            assertTrue(passed >= 100 && passed <= 112, "passed " + passed + " (rate 100/s, burst 10)");
            assertEquals(1000 - passed, r.sw.datapath().dropCount(1, DropReason.METER));
            FlowPipeline.MeterStats ms = r.of.meters().get(0);
            assertEquals(1000, ms.packetsIn());
            assertEquals(1000 - passed, ms.bands().get(0)[0]);
        }
    }

    @Test
    void aDscpRemarkBandRaisesTheDropPrecedenceOfAssuredForwardingPackets() {
        try (Rig r = new Rig(2)) {
            r.of.apply(new MeterMod(MeterMod.Command.ADD, 1, false, true, false,
                    List.of(new MeterMod.Band(MeterMod.BandType.DSCP_REMARK, 1, 1, 1))));
            r.of.apply(FlowMod.add(0, 1, Match.ANY, Instructions.apply(out(2)).withMeter(1)));
            byte[] af11 = FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").tos(10, 0).udp(1, 2).build();
            r.send(1, af11);
            r.send(1, af11);
            r.send(1, af11);
            List<byte[]> got = r.take(2);
            assertEquals(3, got.size(), "remarked, not dropped");
            assertEquals(10 << 2, got.get(0)[15] & 0xff, "within the burst: AF11 kept");
            assertEquals(12 << 2, got.get(2)[15] & 0xff, "above the rate: AF11 became AF12");
            assertNotEquals(0, got.get(2)[24] | got.get(2)[25], "IPv4 checksum rewritten");
        }
    }
}
