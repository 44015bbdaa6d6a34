package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.datapath.DatapathAction;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * learn's {@code limit} and {@code result_dst} as Open vSwitch runs them (ovs-actions(7), {@code
 * ofproto_flow_mod_learn}): the limit counts the flows in the learned table that carry the learned cookie, whoever
 * added them; a refresh of a flow already there succeeds over the limit; {@code result_dst} gets 1 or 0, and a
 * decision cached on it follows the table when flows with that cookie come and go.
 */
class LearnLimitTest {
    static final String A = "02:00:00:00:00:0a";
    static final String B = "02:00:00:00:00:0b";
    static final String C = "02:00:00:00:00:0c";
    static final String D = "02:00:00:00:00:0d";

    static byte[] frame(String src) {
        return FrameBuilder.ethernet(src, "02:00:00:00:00:99").ipv4("192.0.2.1", "192.0.2.2").udp(1000, 53)
                .payload(18).build();
    }

    /** Learns "dst = this source" into table 10 under cookie 5, at most two; ports 2 (learned) and 3 (limit hit). */
    static void pipeline(Rig r, String learnArgs) {
        r.of.apply(Ofctl.parseFlow("table=0,actions=learn(table=10,cookie=0x5," + learnArgs
                + "NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),resubmit(,1)"));
        r.of.apply(Ofctl.parseFlow("table=1,priority=10,reg1=0x1/0x1,actions=output:2"));
        r.of.apply(Ofctl.parseFlow("table=1,priority=0,actions=output:3"));
    }

    /** Which of ports 2 and 3 one frame from {@code src} (into port 1) came out of. */
    static int sendFrom(Rig r, String src) {
        r.send(1, frame(src));
        int two = r.take(2).size();
        int three = r.take(3).size();
        assertEquals(1, two + three, "one copy out of port 2 or 3");
        return two == 1 ? 2 : 3;
    }

    @Test
    void theLimitStopsNewFlowsAndResultDstTellsTheRestOfThePipeline() {
        try (Rig r = new Rig(3)) {
            pipeline(r, "limit=2,result_dst=reg1[0],");
            assertEquals(2, sendFrom(r, A));
            assertEquals(2, sendFrom(r, B));
            assertEquals(3, sendFrom(r, C), "a third flow with cookie 5 is over the limit");
            assertEquals(2, r.of.dumpFlows(10).size());
            assertEquals(1, r.of.learnFailures());
            assertEquals(2, sendFrom(r, A), "relearning a flow that is there succeeds at the limit");
            assertEquals(2, r.of.dumpFlows(10).size());
        }
    }

    @Test
    void theLimitCountsEveryFlowWithTheCookieInThatTableNotOnlyTheLearnedOnes() {
        try (Rig r = new Rig(3)) {
            pipeline(r, "limit=2,result_dst=reg1[0],");
            r.of.apply(Ofctl.parseFlow("table=10,cookie=0x5,priority=1,dl_dst=" + D + ",actions=drop"));
            r.of.apply(Ofctl.parseFlow("table=10,cookie=0x6,priority=1,dl_dst=" + C + ",actions=drop"));
            r.of.apply(Ofctl.parseFlow("table=11,cookie=0x5,priority=1,dl_dst=" + C + ",actions=drop"));
            assertEquals(2, sendFrom(r, A), "one flow with cookie 5 in table 10 so far: A makes two");
            assertEquals(3, sendFrom(r, B), "two: B is over the limit");
        }
    }

    @Test
    void aDecisionMadeAtTheLimitIsRevisitedWhenAFlowWithTheCookieGoes() {
        try (Rig r = new Rig(3)) {
            pipeline(r, "limit=2,result_dst=reg1[0],");
            sendFrom(r, A);
            sendFrom(r, B);
            assertEquals(3, sendFrom(r, C));
            assertEquals(3, sendFrom(r, C), "the cached decision, while the table is full");
            r.of.apply(FlowMod.delete(10, Ofctl.parseMatch("dl_dst=" + A)));
            assertEquals(1, r.of.dumpFlows(10).size());
            assertEquals(2, sendFrom(r, C), "room again: C's next packet learns");
            assertEquals(2, r.of.dumpFlows(10).size());
            assertEquals(3, sendFrom(r, A), "and A, now new, is over the limit");
        }
    }

    /**
     * Random traffic from eight MACs, random deletes of learned flows, flows with the cookie added and deleted by a
     * controller, revalidations: every packet's port (through the datapath's caches) is the model's, and what a
     * trace of it said just before. A cached decision that outlived the table change it depended on shows here.
     *
     * <p>Each change is followed by a poll, which applies it to the datapath's caches, as a switch with poll threads
     * has done when {@code apply} returns. Without it, the Rig's next revalidation would revalidate the megaflow of
     * a MAC whose learned flow was just deleted, with the packets it counted before the delete, and so learn the
     * flow again: what Open vSwitch's revalidator does too when it pushes such a flow's stats (a removed learned
     * rule is recreated by {@code ofproto_flow_mod_learn_refresh}), but not what this model follows.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("org.vswitch4j.flow.MegaflowSoundnessTest#seeds")
    void randomTrafficAndTableChangesAgreeWithAModel(long seed) {
        Random rnd = new Random(seed);
        int limit = 1 + rnd.nextInt(4);
        String[] senders = new String[8];
        for (int i = 0; i < senders.length; i++) {
            senders[i] = String.format("02:00:00:00:01:%02x", i);
        }
        Set<String> learned = new LinkedHashSet<>();
        Set<String> added = new LinkedHashSet<>(); // controller flows with cookie 5 (other MACs): they count too
        try (Rig r = new Rig(3)) {
            pipeline(r, "limit=" + limit + ",result_dst=reg1[0],");
            for (int step = 0; step < 150; step++) {
                String why = "seed " + seed + ", limit " + limit + ", step " + step;
                int k = rnd.nextInt(10);
                if (k < 6) {
                    String mac = senders[rnd.nextInt(senders.length)];
                    boolean learns = learned.contains(mac) || learned.size() + added.size() < limit;
                    List<DatapathAction> traced = r.of.trace(r.key(1, frame(mac))).actions().actions();
                    assertEquals(List.of(new DatapathAction.Output(learns ? 2 : 3)), traced, why + ": trace");
                    assertEquals(learns ? 2 : 3, sendFrom(r, mac), why + ": " + mac);
                    if (learns) {
                        learned.add(mac);
                    }
                } else if (k < 8 && !learned.isEmpty()) {
                    String mac = List.copyOf(learned).get(rnd.nextInt(learned.size()));
                    r.of.apply(FlowMod.delete(10, Ofctl.parseMatch("dl_dst=" + mac)));
                    r.pump(); // the change reaches the datapath now, as with poll threads (see the class comment)
                    learned.remove(mac);
                } else if (k == 8) {
                    String mac = String.format("02:00:00:00:02:%02x", rnd.nextInt(3));
                    if (added.remove(mac)) {
                        r.of.apply(FlowMod.delete(10, Ofctl.parseMatch("dl_dst=" + mac)));
                    } else {
                        r.of.apply(Ofctl.parseFlow("table=10,cookie=0x5,priority=1,dl_dst=" + mac + ",actions=drop"));
                        added.add(mac);
                    }
                    r.pump();
                } else {
                    r.revalidate();
                }
                assertEquals(learned.size() + added.size(), r.of.dumpFlows(10).size(), why + ": table 10");
            }
        }
    }

    @Test
    void withoutALimitResultDstIsAlwaysOne() {
        try (Rig r = new Rig(3)) {
            pipeline(r, "result_dst=reg1[0],");
            for (String mac : List.of(A, B, C, D)) {
                assertEquals(2, sendFrom(r, mac));
            }
            assertEquals(4, r.of.dumpFlows(10).size());
        }
    }

    @Test
    void aLimitWithoutResultDstOnlyStopsLearning() {
        try (Rig r = new Rig(3)) {
            r.of.apply(Ofctl.parseFlow("table=0,actions=learn(table=10,cookie=0x5,limit=1,"
                    + "NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),output:2"));
            for (String mac : List.of(A, B, C)) {
                assertEquals(2, sendFrom(r, mac));
            }
            assertEquals(1, r.of.dumpFlows(10).size());
            assertEquals(2, r.of.learnFailures());
        }
    }

    @Test
    void aRevalidationThatMustNotLearnKeepsTheDecisionsResult() {
        try (Rig r = new Rig(3)) {
            pipeline(r, "limit=1,result_dst=reg1[0],");
            assertEquals(2, sendFrom(r, A));
            assertEquals(3, sendFrom(r, B));
            for (int i = 0; i < 3; i++) {
                r.revalidate(); // no packets: the megaflows are re-translated without learning
            }
            assertEquals(2, sendFrom(r, A));
            assertEquals(3, sendFrom(r, B));
            assertEquals(1, r.of.dumpFlows(10).size());
        }
    }

    /**
     * ofproto/trace in OVS 3.1 learns (and so writes the real outcome); ours changes nothing and writes the outcome
     * learning would have.
     */
    @Test
    void traceWritesTheOutcomeLearningWouldHaveAndLearnsNothing() {
        try (Rig r = new Rig(3)) {
            pipeline(r, "limit=1,result_dst=reg1[0],");
            Trace t = r.of.trace(r.key(1, frame(A)));
            assertTrue(t.text().contains("learn (not applied by trace)"), t.text());
            assertEquals(List.of(new DatapathAction.Output(2)), t.actions().actions());
            assertEquals(0, r.of.dumpFlows(10).size());
            assertEquals(2, sendFrom(r, A));
            Trace over = r.of.trace(r.key(1, frame(B)));
            assertTrue(over.text().contains("limit exceeded, learn would fail"), over.text());
            assertEquals(List.of(new DatapathAction.Output(3)), over.actions().actions());
            assertEquals(1, r.of.dumpFlows(10).size());
        }
    }

    @Test
    void resultDstIsOneWritableBitAndPrintsAsOvsDoes() {
        String text = "learn(table=10,cookie=0x5,limit=2,result_dst=reg1[3],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
                + "output:NXM_OF_IN_PORT[])";
        List<Action> acts = Ofctl.parseActions(text);
        LearnSpec s = ((Action.Learn) acts.get(0)).spec();
        assertEquals(FieldRef.of(MatchField.REG1, 3, 3), s.resultDst());
        // What ovs-ofctl 3.1 parse-flow prints for the same text.
        assertEquals("learn(table=10,cookie=0x5,limit=2,result_dst=NXM_NX_REG1[3],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
                + "output:NXM_OF_IN_PORT[])", Ofctl.formatActions(acts));
        assertEquals(acts, Ofctl.parseActions(Ofctl.formatActions(acts)));
        FlowModException wide = assertThrows(FlowModException.class,
                () -> Ofctl.parseActions("learn(result_dst=reg1[0..1],eth_type=0x800)"));
        assertTrue(wide.getMessage().contains("must be a single bit"), wide.getMessage());
        FlowModException ro = assertThrows(FlowModException.class,
                () -> Ofctl.parseActions("learn(result_dst=ip_proto[0],eth_type=0x800)"));
        assertTrue(ro.getMessage().contains("cannot be written"), ro.getMessage());
    }
}
