package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.datapath.Translation;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * Revalidation without re-translation ({@link FlowPipeline#refresh}): a decision whose only side effects are
 * counting keeps a memo, and a use of its megaflow is counted into the same tables and entries; decisions with
 * other side effects (learn, groups, NORMAL, controller) and entries due to expire are translated again.
 */
class RefreshTest {
    /** A Translation as the datapath's: tags ignored, the memo kept, a given use and time. */
    private static final class Tx implements Translation {
        long now;
        long usedPackets;
        long usedBytes;
        boolean revalidation;
        Object memo;

        @Override
        public long nowNanos() {
            return now;
        }

        @Override
        public Packet packet() {
            return null;
        }

        @Override
        public boolean isRevalidation() {
            return revalidation;
        }

        @Override
        public void addTag(long tag) {
        }

        @Override
        public void setMemo(Object m) {
            memo = m;
        }

        @Override
        public Object memo() {
            return memo;
        }

        @Override
        public long usedPackets() {
            return usedPackets;
        }

        @Override
        public long usedBytes() {
            return usedBytes;
        }
    }

    private static FlowKey udpKey(Rig r) {
        return r.key(1, FlowPipelineTest.udp());
    }

    private static Tx translated(Rig r, FlowKey k) {
        Tx tx = new Tx();
        FlowMask m = new FlowMask();
        m.exact(FlowField.IN_PORT);
        r.of.translate(k, m, tx);
        return tx;
    }

    private static void flows(Rig r, String... text) {
        for (String t : text) {
            r.of.apply(Ofctl.parseFlow(t));
        }
    }

    @Test
    void aUseIsCountedIntoEveryTableAndEntryTheDecisionWentThroughWithoutTranslating() {
        try (Rig r = new Rig(2)) {
            flows(r, "table=0,priority=10,ip actions=goto_table:1",
                    "table=1,priority=5,udp actions=resubmit(,2),output:2",
                    "table=2,priority=1,tcp actions=drop"); // table 2 misses for UDP
            FlowKey k = udpKey(r);
            Tx tx = translated(r, k);
            assertNotNull(tx.memo, "a decision that only counts keeps a memo");
            tx.revalidation = true;
            tx.usedPackets = 7;
            tx.usedBytes = 700;
            tx.now = 5_000_000_000L;
            r.sw.datapath().withSlowPathLock(() -> assertTrue(r.of.refresh(k, new FlowMask(), tx)));
            List<FlowStats> d = r.of.dumpFlows();
            assertEquals(7, d.get(0).packets(), "table 0's entry");
            assertEquals(700, d.get(0).bytes());
            assertEquals(7, d.get(1).packets(), "table 1's entry");
            assertEquals(0, d.get(2).packets(), "table 2 was missed");
            assertEquals(7, r.of.table(0).lookups());
            assertEquals(7, r.of.table(1).matches());
            assertEquals(7, r.of.table(2).lookups(), "the resubmit's lookup counts too");
            assertEquals(0, r.of.table(2).matches());
        }
    }

    @Test
    void decisionsWithOtherSideEffectsKeepNoMemoAndAreTranslatedAgain() {
        for (String action : new String[] {"NORMAL", "controller",
                "learn(table=1,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),output:2"}) {
            try (Rig r = new Rig(2)) {
                flows(r, "table=0,priority=10,ip actions=" + action);
                FlowKey k = udpKey(r);
                Tx tx = translated(r, k);
                assertNull(tx.memo, action);
                r.sw.datapath().withSlowPathLock(() -> assertFalse(r.of.refresh(k, new FlowMask(), tx), action));
            }
        }
        try (Rig r = new Rig(2)) {
            r.of.apply(Ofctl.parseGroup("group_id=1,type=all,bucket=output:2", GroupMod.Command.ADD));
            flows(r, "table=0,priority=10,ip actions=group:1");
            Tx tx = translated(r, udpKey(r));
            assertNull(tx.memo, "group counters need the translation");
        }
    }

    @Test
    void anEntryDueToExpireIsTranslatedAgainSoThatItExpires() {
        try (Rig r = new Rig(2)) {
            flows(r, "table=0,priority=10,idle_timeout=2,ip actions=output:2");
            FlowKey k = udpKey(r);
            Tx tx = translated(r, k);
            tx.revalidation = true;
            tx.usedPackets = 1;
            tx.now = r.clock.nanos() + 1_999_999_999L;
            r.sw.datapath().withSlowPathLock(() -> assertTrue(r.of.refresh(k, new FlowMask(), tx), "T-1: stands"));
            tx.now = r.clock.nanos() + 1_999_999_999L + 2_000_000_000L; // idle again for 2 s after that use
            r.sw.datapath().withSlowPathLock(() -> assertFalse(r.of.refresh(k, new FlowMask(), tx), "T: translate"));
        }
    }

    @Test
    void revalidationThroughTheDatapathCountsEveryTableOfAMultiTableDecision() {
        try (Rig r = new Rig(2)) {
            flows(r, "table=0,priority=10,ip actions=goto_table:1", "table=1,priority=5,udp actions=output:2");
            for (int i = 0; i < 4; i++) {
                r.send(1, FlowPipelineTest.udp());
            }
            assertEquals(4, r.take(2).size());
            for (int round = 1; round <= 3; round++) {
                r.send(1, FlowPipelineTest.udp());
                r.revalidate();
                List<FlowStats> d = r.of.dumpFlows();
                assertEquals(4 + round, d.get(0).packets(), "table 0 after round " + round);
                assertEquals(4 + round, d.get(1).packets(), "table 1 after round " + round);
            }
            assertEquals(1, r.sw.datapath().stats().upcalls(), "one megaflow served everything");
        }
    }
    /** Packets of the flow with {@code priority} in table 0. */
    private static long packetsAt(Rig r, int priority) {
        return r.of.dumpFlows(0).stream().filter(f -> f.flow().priority() == priority).findFirst().orElseThrow().packets();
    }

    /**
     * A flow mod that invalidates a busy megaflow, and a flush of every cached flow, lose none of the packets it
     * served since its last revalidation: they are credited to the entries the packets matched then.
     */
    @Test
    void theUsesOfAMegaflowThatAChangeOrAFlushRemovesAreStillCounted() {
        byte[] frame = LearnLimitTest.frame(LearnLimitTest.A);
        try (Rig r = new Rig(3)) {
            r.of.apply(Ofctl.parseFlow("table=0,priority=5,actions=output:2"));
            for (int i = 0; i < 3; i++) {
                r.send(1, frame); // one upcall, then hits of its megaflow (and of the exact-match caches)
            }
            r.of.apply(Ofctl.parseFlow("table=0,priority=9,in_port=3,actions=output:1")); // above: invalidates it
            r.pump();
            assertEquals(0, r.sw.datapath().dumpFlows().size(), "the megaflow went with the change");
            r.revalidate();
            assertEquals(3, packetsAt(r, 5));
            for (int i = 0; i < 4; i++) {
                r.send(1, frame);
            }
            r.sw.datapath().invalidateAll();
            r.pump();
            r.revalidate();
            assertEquals(7, packetsAt(r, 5));
            assertEquals(0, packetsAt(r, 9));
        }
    }
}
