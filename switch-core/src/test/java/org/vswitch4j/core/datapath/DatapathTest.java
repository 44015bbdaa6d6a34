package org.vswitch4j.core.datapath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.time.VirtualClock;

/** The datapath in synchronous mode with in-test ports and pipelines, on a strict pool and a virtual clock. */
class DatapathTest {
    private BufferPool pool;
    private VirtualClock clock;
    private Datapath dp;
    private TestPort p1;
    private TestPort p2;
    private TestPort p3;
    private final List<String> calls = new ArrayList<>();

    @BeforeEach
    void setUp() {
        pool = BufferPool.builder().count(512).strict(true).build();
        clock = new VirtualClock();
        dp = Datapath.builder().clock(clock).memory(pool).emcEntries(64).emcInsertInverseProbability(1).build();
        p1 = new TestPort("p1", pool);
        p2 = new TestPort("p2", pool);
        p3 = new TestPort("p3", pool);
    }

    @AfterEach
    void noBufferLeaks() {
        dp.close();
        assertEquals(0, pool.usedCount(), "buffers still in use after the test: a leak");
        pool.close();
    }

    /** "in_port 1 → output 2, else drop", consulting in_port only. */
    private final Pipeline oneToTwo = (key, mask, tx) -> {
        calls.add((tx.isRevalidation() ? "reval " : "upcall ") + key.inPort());
        return key.inPort() == 1 ? DatapathActions.builder().output(2).build() : DatapathActions.DROP;
    };

    private void addThree(Pipeline p) {
        assertEquals(1, dp.addPort(p1, p));
        assertEquals(2, dp.addPort(p2, p));
        assertEquals(3, dp.addPort(p3, p));
    }

    private static byte[] frame(int srcLow) {
        return Frames.udp(0x0a000001, 0x0a000002 + srcLow, 1000 + srcLow, 53);
    }

    @Test
    void firstPacketUpcallsAndTheRestHitTheExactMatchCache() {
        addThree(oneToTwo);
        byte[] f = frame(0);
        p1.inject(f).inject(f).inject(f);
        assertEquals(3, dp.poll());
        DatapathStats s = dp.stats();
        assertEquals(1, s.misses());
        assertEquals(1, s.upcalls());
        assertEquals(2, s.emcHits());
        assertEquals(0, s.megaflowHits());
        assertEquals(1, s.megaflows());
        List<byte[]> out = p2.drain();
        assertEquals(3, out.size());
        for (byte[] o : out) {
            assertArrayEquals(f, o);
        }
        assertEquals(1, p2.transmitCalls.get(), "one transmit per output port per rx batch");
        assertEquals(List.of("upcall 1"), calls);
    }

    /**
     * By UDP source port: 1xxx → port 2, 2000 → ports 2 and 3, 3000 → port 3, 4000 → drop. The datapath
     * leaves a run of packets for one port in the rx batch (deferred output); these bursts break the run in
     * every way and check that each port still gets its packets in arrival order.
     */
    private final Pipeline bySourcePort = (key, mask, tx) -> {
        mask.exact(FlowField.TP_SRC);
        long sport = key.get(FlowField.TP_SRC);
        if (sport == 2000) {
            return DatapathActions.builder().output(2).output(3).build();
        } else if (sport == 3000) {
            return DatapathActions.builder().output(3).build();
        } else if (sport == 4000) {
            return DatapathActions.DROP;
        }
        return DatapathActions.builder().output(2).build();
    };

    private static byte[] fromPort(int sport) {
        return Frames.udp(0x0a000001, 0x0a000002, sport, 53);
    }

    @Test
    void packetsLeaveEachPortInArrivalOrderWhateverBreaksARunForOnePort() {
        addThree(bySourcePort);
        int[][] bursts = {
            {1001, 1002, 1003},                                // the whole burst to one port
            {1001, 1002, 2000, 1003, 4000, 1004, 3000, 1005},  // multi-output, drop, other port mid-run
            {1001, 4000, 1002, 1003},                          // a drop breaks the run
            {1001, 1002, 4000},                                // the run ends with drops
            {3000, 1001, 1002},                                // another port first
            {4000, 1001, 1002},                                // a drop first
        };
        for (int round = 0; round < 2; round++) { // round 0 upcalls, round 1 hits the caches
            for (int[] burst : bursts) {
                List<Integer> want2 = new ArrayList<>();
                List<Integer> want3 = new ArrayList<>();
                for (int sport : burst) {
                    p1.inject(fromPort(sport));
                    if (sport != 3000 && sport != 4000) {
                        want2.add(sport);
                    }
                    if (sport == 2000 || sport == 3000) {
                        want3.add(sport);
                    }
                }
                assertEquals(burst.length, dp.poll());
                assertEquals(want2, sourcePorts(p2.drain()), "port 2, burst " + java.util.Arrays.toString(burst));
                assertEquals(want3, sourcePorts(p3.drain()), "port 3, burst " + java.util.Arrays.toString(burst));
            }
        }
        assertEquals(8, dp.stats().upcalls(), "one upcall per source port (8), in round 0 only");
    }

    private static List<Integer> sourcePorts(List<byte[]> frames) {
        List<Integer> r = new ArrayList<>();
        for (byte[] f : frames) {
            r.add(((f[34] & 0xff) << 8) | (f[35] & 0xff)); // UDP source port after Ethernet (14) + IPv4 (20)
        }
        return r;
    }

    /** Sends 200 bursts of 32 frames cycling over four keys (one megaflow) and returns the counters. */
    private static DatapathStats fourKeys(MiniNet net) {
        net.dp.poll();
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < 32; i++) {
                net.in.inject(frame(1 + (i & 3)));
            }
            net.dp.poll();
            net.out.drain();
        }
        DatapathStats s = net.dp.stats();
        assertEquals(1, s.upcalls());
        assertEquals(200 * 32, s.emcHits() + s.megaflowHits() + s.upcalls(), s.toString());
        return s;
    }

    @Test
    void insertionZeroLeavesTheExactMatchCachesUnused() {
        try (MiniNet net = new MiniNet(0, 16384)) {
            DatapathStats s = fourKeys(net);
            assertEquals(0, s.emcHits(), "never inserted, on an upcall or a megaflow hit: " + s);
        }
    }

    @Test
    void aKeyWhoseRawSlotIsFreeEntersAtItsFirstMegaflowHitWhateverTheDraw() {
        try (MiniNet net = new MiniNet(100, 16384)) {
            DatapathStats s = fourKeys(net);
            // the upcall does not insert (its draw fails), so each of the four keys enters at its first megaflow hit
            assertEquals(4, s.megaflowHits(), s.toString());
        }
    }

    @Test
    void anInsertionThatWouldEvictWaitsForTheDraw() {
        // Two raw slots for four keys: at most two are resident, and the others' megaflow hits would evict. With a
        // one-in-a-million draw (the xorshift sequence is fixed, and none of its first 6,400 draws passes) none does,
        // so at least two keys never hit the raw table, and the first keeps the slot it took at its first megaflow hit.
        try (MiniNet net = new MiniNet(1_000_000, 2)) {
            DatapathStats s = fourKeys(net);
            RawHeaderCache raw = net.dp.worker(0).raw;
            assertEquals(0, raw.evictingInserts, s.toString());
            assertTrue(raw.liveCount() <= 2);
            assertTrue(s.emcHits() >= 200 * 8 - 1, s.toString());
            assertTrue(s.megaflowHits() >= 2 * 200 * 8, s.toString());
        }
        // With every insertion drawn (1), each megaflow hit tries to evict, but for one that can take the second
        // slot while it is free (the upcall took the first: its draw passes).
        try (MiniNet net = new MiniNet(1, 2)) {
            DatapathStats s = fourKeys(net);
            assertTrue(net.dp.worker(0).raw.evictingInserts >= s.megaflowHits() - 1, s.toString());
        }
    }

    /** A datapath with one test port in and one out, forwarding 1 → 2, for tests that need their own options. */
    private final class MiniNet implements AutoCloseable {
        final Datapath dp;
        final TestPort in = new TestPort("in", pool);
        final TestPort out = new TestPort("out", pool);

        MiniNet(int emcInsertInverseProbability, int emcEntries) {
            dp = Datapath.builder().clock(clock).memory(pool).emcInsertInverseProbability(emcInsertInverseProbability)
                    .emcEntries(emcEntries).build();
            dp.addPort(in, oneToTwo);
            dp.addPort(out, oneToTwo);
            dp.portOnlyBursts(false); // the EMC is under test: an in_port-only megaflow would bypass it
        }

        @Override
        public void close() {
            dp.close();
            in.close();
            out.close();
        }
    }

    @Test
    void oneMegaflowServesEveryPacketThatAgreesOnTheMask() {
        addThree(oneToTwo);
        dp.portOnlyBursts(false); // the EMC is under test: an in_port-only megaflow would bypass it
        for (int i = 0; i < 10; i++) {
            p1.inject(frame(i));
        }
        dp.poll();
        DatapathStats s = dp.stats();
        assertEquals(1, s.upcalls());
        assertEquals(9, s.megaflowHits(), "different keys, same in_port: the megaflow matches them all");
        assertEquals(10, p2.drain().size());
        p1.inject(frame(3));
        dp.poll();
        assertEquals(1, dp.stats().emcHits(), "a repeated key now hits the exact-match cache");
        List<MegaflowEntry> flows = dp.dumpFlows();
        assertEquals(1, flows.size());
        MegaflowEntry e = flows.get(0);
        assertEquals(1, e.key().inPort());
        assertEquals(0xffff_ffffL, e.mask().get(FlowField.IN_PORT));
        assertEquals(0, e.mask().get(FlowField.ETH_SRC));
        assertEquals(11, e.packets());
        assertTrue(e.format().contains("actions:2"), e.format());
    }

    @Test
    void megaflowsMatchOnlyTheBitsThePipelineConsulted() {
        // Output by the low bit of ip_dst: two megaflows, ip_dst masked to one bit.
        Pipeline byLowBit = (key, mask, tx) -> {
            mask.bits(FlowField.IPV4_DST, 1);
            mask.exact(FlowField.ETH_TYPE);
            return DatapathActions.builder().output((key.get(FlowField.IPV4_DST) & 1) == 0 ? 2 : 3).build();
        };
        addThree(byLowBit);
        for (int i = 0; i < 8; i++) {
            p1.inject(Frames.udp(0x0a000001, 0x0a000010 + i, 1, 2));
        }
        dp.poll();
        assertEquals(2, dp.stats().upcalls());
        assertEquals(4, p2.drain().size());
        assertEquals(4, p3.drain().size());
    }

    @Test
    void reconfigureTakesEffectForTheVeryNextPoll() {
        AtomicInteger outPort = new AtomicInteger(2);
        addThree((key, mask, tx) -> DatapathActions.builder().output(outPort.get()).build());
        p1.inject(frame(0));
        dp.poll();
        assertEquals(1, p2.drain().size());
        dp.reconfigure(() -> outPort.set(3));
        p1.inject(frame(0));
        dp.poll();
        assertEquals(0, p2.drain().size());
        assertEquals(1, p3.drain().size());
        assertEquals(2, dp.stats().upcalls(), "the cached flow was dropped by the new epoch");
    }

    @Test
    void reconfigureFromInsideTranslateDoesNotDeadlockAndIsNotInstalled() {
        AtomicInteger outPort = new AtomicInteger(2);
        addThree((key, mask, tx) -> {
            if (outPort.get() == 2) {
                dp.reconfigure(() -> outPort.set(3)); // e.g. a pipeline that learns and reconfigures
            }
            return DatapathActions.builder().output(outPort.get()).build();
        });
        p1.inject(frame(0)).inject(frame(0));
        dp.poll();
        assertEquals(2, p3.drain().size());
        assertEquals(0, dp.stats().megaflows() - 1, "the second packet's upcall installed the flow");
        assertEquals(2, dp.stats().upcalls(), "the translation during which the epoch moved was not installed");
    }

    @Test
    void reconfigureFromAPortCallbackInsidePollAppliesToTheRestOfTheRound() {
        AtomicInteger outPort = new AtomicInteger(2);
        addThree((key, mask, tx) -> DatapathActions.builder().output(outPort.get()).build());
        p1.inject(frame(0));
        dp.poll();
        assertEquals(1, p2.drain().size());
        p1.onReceive = () -> {
            p1.onReceive = null;
            dp.reconfigure(() -> outPort.set(3));
        };
        p1.inject(frame(0));
        dp.poll();
        assertEquals(0, p2.drain().size());
        assertEquals(1, p3.drain().size());
    }

    @Test
    void invalidateRemovesExactlyTheFlowsCarryingTheTag() {
        Pipeline bySrc = (key, mask, tx) -> {
            mask.exact(FlowField.IPV4_SRC);
            tx.addTag(key.get(FlowField.IPV4_SRC));
            return DatapathActions.builder().output(2).build();
        };
        addThree(bySrc);
        p1.inject(Frames.udp(0x0a000001, 9, 1, 1)).inject(Frames.udp(0x0a000002, 9, 1, 1))
                .inject(Frames.udp(0x0a000003, 9, 1, 1));
        dp.poll();
        assertEquals(3, dp.dumpFlows().size());
        dp.invalidate(0x0a000002);
        dp.poll();
        List<MegaflowEntry> flows = dp.dumpFlows();
        assertEquals(2, flows.size());
        for (MegaflowEntry e : flows) {
            assertTrue(e.key().get(FlowField.IPV4_SRC) != 0x0a000002, e.format());
        }
        assertEquals(1, dp.stats().invalidations());
        p1.inject(Frames.udp(0x0a000002, 9, 1, 1)).inject(Frames.udp(0x0a000001, 9, 1, 1));
        dp.poll();
        assertEquals(4, dp.stats().upcalls(), "only the invalidated flow upcalls again");
        p2.drain();
    }

    @Test
    void invalidatingSeveralTagsAtOnceRemovesExactlyTheirFlows() {
        Pipeline bySrc = (key, mask, tx) -> {
            mask.exact(FlowField.IPV4_SRC);
            tx.addTag(key.get(FlowField.IPV4_SRC));
            return DatapathActions.builder().output(2).build();
        };
        addThree(bySrc);
        for (int a = 1; a <= 4; a++) {
            p1.inject(Frames.udp(0x0a000000 + a, 9, 1, 1));
        }
        dp.poll();
        assertEquals(4, dp.dumpFlows().size());
        // Tags 2 and 4 and one no flow carries; the last array element is past count and must stay alive.
        dp.invalidate(new long[] {0x0a000002, 0x0b000000, 0x0a000004, 0x0a000001}, 3);
        dp.poll();
        List<MegaflowEntry> flows = dp.dumpFlows();
        assertEquals(2, flows.size());
        for (MegaflowEntry e : flows) {
            long src = e.key().get(FlowField.IPV4_SRC);
            assertTrue(src == 0x0a000001 || src == 0x0a000003, e.format());
        }
        assertEquals(2, dp.stats().invalidations());
        dp.invalidate(new long[0], 0);
        assertThrows(IllegalArgumentException.class, () -> dp.invalidate(new long[2], 3));
        p2.drain();
    }

    @Test
    void aBatchLargerThanTheLogDropsEverything() {
        addThree((key, mask, tx) -> {
            tx.addTag(1);
            return DatapathActions.builder().output(2).build();
        });
        p1.inject(frame(0));
        dp.poll();
        long[] tags = new long[Datapath.LOG_SIZE + 1];
        for (int i = 0; i < tags.length; i++) {
            tags[i] = 1000 + i; // none is the flow's tag, but the batch overflows the log
        }
        dp.invalidate(tags, tags.length);
        dp.poll();
        assertEquals(0, dp.stats().megaflows());
        p2.drain();
    }

    @Test
    void invalidationDuringTheFlowsOwnTranslationDoesNotKillIt() {
        addThree((key, mask, tx) -> {
            tx.addTag(7);
            dp.invalidate(7); // a bridge learning a MAC invalidates flows that depended on not knowing it
            return DatapathActions.builder().output(2).build();
        });
        p1.inject(frame(0));
        dp.poll();
        dp.poll();
        assertEquals(1, dp.stats().megaflows());
        p2.drain();
    }

    @Test
    void aThreadThatFellBehindTheLogDropsEverything() {
        addThree((key, mask, tx) -> {
            tx.addTag(1);
            return DatapathActions.builder().output(2).build();
        });
        p1.inject(frame(0));
        dp.poll();
        for (int i = 0; i < Datapath.LOG_SIZE + 1; i++) {
            dp.invalidate(1000 + i); // none is the flow's tag, but the log overflowed
        }
        dp.poll();
        assertEquals(0, dp.stats().megaflows());
        p2.drain();
    }

    @Test
    void withSlowPathLockHoldsTheLockAndKeepsTheCaches() {
        addThree(oneToTwo);
        p1.inject(frame(0));
        dp.poll();
        boolean[] held = new boolean[1];
        dp.withSlowPathLock(() -> held[0] = dp.slowPathLock().isHeldByCurrentThread());
        assertTrue(held[0]);
        assertFalse(dp.slowPathLock().isHeldByCurrentThread());
        p1.inject(frame(0));
        dp.poll();
        assertEquals(1, dp.stats().upcalls(), "no epoch bump, no flush");
        assertEquals(2, p2.drain().size());
    }

    @Test
    void invalidateAllDropsEveryFlow() {
        addThree(oneToTwo);
        p1.inject(frame(0));
        dp.poll();
        dp.invalidateAll();
        dp.poll();
        assertEquals(0, dp.stats().megaflows());
        p2.drain();
    }

    @Test
    void idleFlowExpiresExactlyAtMaxIdle() {
        addThree(oneToTwo);
        p1.inject(frame(0));
        dp.poll();
        long t = Duration.ofSeconds(10).toNanos();
        clock.set(t - 1);
        dp.poll();
        assertEquals(1, dp.stats().megaflows(), "at max-idle - 1 ns the flow stays");
        clock.set(t);
        dp.poll();
        assertEquals(0, dp.stats().megaflows(), "at max-idle it is gone");
        assertEquals(List.of("upcall 1"), calls, "an unused flow is not re-translated");
        p2.drain();
    }

    @Test
    void usedFlowsAreRevalidatedAndKeptAlive() {
        List<Boolean> packetSeen = new ArrayList<>();
        addThree((key, mask, tx) -> {
            calls.add(tx.isRevalidation() ? "reval" : "upcall");
            packetSeen.add(tx.packet() != null);
            return DatapathActions.builder().output(2).build();
        });
        p1.inject(frame(0));
        dp.poll();
        clock.advanceMillis(100);
        p1.inject(frame(0));
        dp.poll();
        clock.advanceMillis(400); // t = 500 ms: revalidation due; the flow was used since install
        dp.poll();
        assertEquals(List.of("upcall", "reval"), calls);
        assertEquals(List.of(true, false), packetSeen, "a revalidation has no packet");
        assertEquals(1, dp.stats().revalidations());
        clock.advanceMillis(500); // unused since the last pass: no re-translation
        dp.poll();
        assertEquals(1, dp.stats().revalidations());
        // Last use at 100 ms: expires at 10.1 s.
        clock.set(Duration.ofMillis(10_100).toNanos() - 1);
        dp.poll();
        assertEquals(1, dp.stats().megaflows());
        clock.set(Duration.ofMillis(10_100).toNanos());
        dp.poll();
        assertEquals(0, dp.stats().megaflows());
        p2.drain();
    }

    /** "in_port 1 → output 2", consulting in_port only, whose {@code refresh} answers {@code answer}. */
    private Pipeline refreshing(java.util.function.Supplier<Boolean> answer) {
        return new Pipeline() {
            @Override
            public DatapathActions translate(FlowKey key, FlowMask mask, Translation tx) {
                return oneToTwo.translate(key, mask, tx);
            }

            @Override
            public boolean refresh(FlowKey key, FlowMask mask, Translation tx) {
                FlowMask expected = new FlowMask().exact(FlowField.IN_PORT);
                calls.add("refresh " + key.inPort() + (mask.equals(expected) ? "" : " wrong mask " + mask)
                        + (tx.isRevalidation() && tx.packet() == null && tx.nowNanos() == clock.nanos() ? "" : " bad tx"));
                mask.exact(FlowField.ETH_SRC); // read-only: must not leak into the megaflow
                tx.addTag(42);                // ignored
                return answer.get();
            }
        };
    }

    @Test
    void aPipelineWhoseRefreshSaysTheDecisionStandsIsNotReTranslated() {
        addThree(refreshing(() -> true));
        p1.inject(frame(0));
        dp.poll();
        p1.inject(frame(0));
        dp.poll();
        clock.advanceMillis(500);
        dp.poll();
        assertEquals(List.of("upcall 1", "refresh 1"), calls, "refreshed with the megaflow's mask, not translated");
        assertEquals(1, dp.stats().revalidations());
        assertEquals(1, dp.stats().megaflows());
        assertEquals("in_port=0x1, packets:2, bytes:" + 2 * frame(0).length + ", used:0ns, actions:2",
                dp.dumpFlows().get(0).format(), "mask and actions unchanged");
        dp.invalidate(42);
        p1.inject(frame(0));
        dp.poll();
        assertEquals(1, dp.stats().megaflows(), "a tag added by refresh is ignored");
        assertEquals(0, dp.stats().invalidations());
        assertEquals(3, p2.drain().size());
    }

    @Test
    void theMemoATranslationKeepsIsHandedToRefreshAndReplacedByARetranslation() {
        AtomicInteger translations = new AtomicInteger();
        AtomicInteger refreshes = new AtomicInteger();
        List<Object> seen = new ArrayList<>();
        addThree(new Pipeline() {
            @Override
            public DatapathActions translate(FlowKey key, FlowMask mask, Translation tx) {
                seen.add("translate sees " + tx.memo());
                tx.setMemo("memo " + translations.incrementAndGet());
                return oneToTwo.translate(key, mask, tx);
            }

            @Override
            public boolean refresh(FlowKey key, FlowMask mask, Translation tx) {
                seen.add("refresh sees " + tx.memo());
                return refreshes.incrementAndGet() != 2; // the second asks for a translation
            }
        });
        p1.inject(frame(0));
        dp.poll();
        for (int pass = 0; pass < 3; pass++) {
            p1.inject(frame(0));
            dp.poll();
            clock.advanceMillis(500);
            dp.poll();
        }
        assertEquals(List.of("translate sees null", "refresh sees memo 1", "refresh sees memo 1",
                "translate sees null", "refresh sees memo 2"), seen);
        assertEquals(1, dp.stats().upcalls());
        assertEquals(4, p2.drain().size());
    }

    @Test
    void aPipelineWhoseRefreshSaysFalseOrThrowsIsReTranslatedAsBefore() {
        AtomicInteger n = new AtomicInteger();
        addThree(refreshing(() -> {
            if (n.incrementAndGet() == 2) {
                throw new IllegalStateException("cannot tell");
            }
            return false;
        }));
        p1.inject(frame(0));
        dp.poll();
        for (int pass = 0; pass < 2; pass++) {
            p1.inject(frame(0));
            dp.poll();                // a use since the last pass
            clock.advanceMillis(500);
            dp.poll();                // the pass
        }
        assertEquals(List.of("upcall 1", "refresh 1", "reval 1", "refresh 1", "reval 1"), calls);
        assertEquals(2, dp.stats().revalidations());
        assertEquals(1, dp.stats().megaflows());
        assertEquals(1, dp.stats().upcalls());
        assertEquals(3, p2.drain().size());
    }

    @Test
    void pipelinesThatDoNotOverrideRefreshAreReTranslated() {
        Pipeline plain = oneToTwo::translate;
        assertFalse(plain.refresh(new FlowKey(), new FlowMask(), null));
    }

    /** The frames of a pcap file written by {@code PcapWriter} (little-endian, classic format). */
    private static List<byte[]> pcapFrames(java.nio.file.Path f) throws java.io.IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(f))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, b.getInt(0));
        List<byte[]> out = new ArrayList<>();
        for (int pos = 24; pos < b.limit(); ) {
            int cap = b.getInt(pos + 8);
            byte[] fr = new byte[cap];
            b.get(pos + 16, fr);
            out.add(fr);
            pos += 16 + cap;
        }
        return out;
    }

    @Test
    void captureRecordsWhatAnyPortTypeReceivesAndIsSentUntilStopped(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        addThree(oneToTwo);
        byte[] f0 = frame(0);
        byte[] f1 = frame(1);
        p1.inject(f0);
        dp.poll();                                             // before the capture: not recorded
        java.nio.file.Path in = dir.resolve("p1.pcap");
        java.nio.file.Path out = dir.resolve("p2.pcap");
        try (org.vswitch4j.core.pcap.PcapWriter w1 = org.vswitch4j.core.pcap.PcapWriter.open(in, clock);
             org.vswitch4j.core.pcap.PcapWriter w2 = org.vswitch4j.core.pcap.PcapWriter.open(out, clock)) {
            dp.capture(1, w1);
            dp.capture(2, w2);
            assertEquals(p1, dp.port(1), "port() is the device, also while captured");
            p1.inject(f1);
            p2.inject(f0);                                     // p2's frames are dropped: rx recorded anyway
            dp.poll();
            assertEquals(1, w1.records());
            assertEquals(2, w2.records(), "one sent to p2, one received from it");
            assertTrue(dp.stopCapture(1));
            assertFalse(dp.stopCapture(1));
            p1.inject(f0);
            dp.poll();
            assertEquals(1, w1.records(), "stopped");
            assertEquals(3, w2.records());
        }
        List<byte[]> got = pcapFrames(in);
        assertEquals(1, got.size());
        assertArrayEquals(f1, got.get(0));
        got = pcapFrames(out);
        assertEquals(3, got.size());
        assertArrayEquals(f1, got.get(0), "sent to p2");
        assertArrayEquals(f0, got.get(1), "received from p2");
        assertArrayEquals(f0, got.get(2));
        assertEquals(3, dp.portStats(1).rxPackets(), "counters go on across capture start and stop");
        assertEquals(3, dp.portStats(2).txPackets());
        assertEquals(3, p2.drain().size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dp.stopCapture(9));
        assertTrue(e.getMessage().startsWith("no datapath port 9"), e.getMessage());
    }

    @Test
    void revalidationReplacesChangedActionsAndDropsChangedMasks() {
        AtomicInteger out = new AtomicInteger(2);
        AtomicInteger extraMask = new AtomicInteger();
        addThree((key, mask, tx) -> {
            if (extraMask.get() != 0) {
                mask.exact(FlowField.ETH_SRC);
            }
            return DatapathActions.builder().output(out.get()).build();
        });
        p1.inject(frame(0));
        dp.poll();
        p1.inject(frame(0));
        dp.poll();
        out.set(3); // state changed without a reconfigure or tag: revalidation must catch it
        clock.advanceMillis(500);
        dp.poll();
        assertEquals(1, dp.stats().megaflows());
        assertEquals("3", dp.dumpFlows().get(0).actions().toString());
        p1.inject(frame(0));
        dp.poll();
        assertEquals(1, p3.drain().size());
        extraMask.set(1);
        clock.advanceMillis(500);
        dp.poll();
        assertEquals(0, dp.stats().megaflows(), "a new mask removes the flow; the next packet upcalls");
        p2.drain();
    }

    @Test
    void multipleOutputsCopyForAllButTheLast() {
        addThree((key, mask, tx) -> DatapathActions.builder().output(2).output(3).output(1).build());
        byte[] f = frame(0);
        p1.inject(f).inject(f);
        dp.poll();
        for (TestPort p : new TestPort[] {p1, p2, p3}) {
            List<byte[]> out = p.drain();
            assertEquals(2, out.size(), p.name());
            assertArrayEquals(f, out.get(0));
            assertEquals(1, p.transmitCalls.get(), p.name());
        }
        assertEquals(6, dp.portStats(2).txPackets() + dp.portStats(3).txPackets() + dp.portStats(1).txPackets());
    }

    @Test
    void aCopyWithoutAFreeBufferCountsNoBufferAndTheLastOutputStillSends() {
        try (BufferPool tiny = BufferPool.builder().count(1).strict(true).build()) {
            long held = tiny.allocate();
            Datapath d = Datapath.builder().clock(clock).memory(tiny).build();
            d.addPort(p1, (key, mask, tx) -> DatapathActions.builder().output(2).output(3).build());
            d.addPort(p2, oneToTwo);
            d.addPort(p3, oneToTwo);
            p1.inject(frame(0));
            d.poll();
            assertEquals(0, p2.drain().size());
            assertEquals(1, p3.drain().size());
            assertEquals(1, d.dropCount(1, DropReason.NO_BUFFER));
            d.close();
            tiny.release(held);
        }
    }

    @Test
    void outputToTheInputPortIsAllowed() {
        addThree((key, mask, tx) -> DatapathActions.builder().output(key.inPort()).build());
        p1.inject(frame(0));
        dp.poll();
        assertEquals(1, p1.drain().size());
    }

    @Test
    void emptyActionsAndExplicitDropsAreCountedByReason() {
        addThree((key, mask, tx) -> key.inPort() == 1 ? DatapathActions.DROP
                : DatapathActions.builder().drop(DropReason.VLAN_MODE).build());
        p1.inject(frame(0));
        p2.inject(frame(0));
        dp.poll();
        assertEquals(1, dp.dropCount(1, DropReason.PIPELINE));
        assertEquals(1, dp.dropCount(2, DropReason.VLAN_MODE));
        assertEquals(1, dp.portStats(1).rxDropped());
        assertEquals(1, dp.portStats(2).rxDropped());
    }

    @Test
    void outputToAnAdminDownOrLinkDownPortDropsAsPortDown() {
        addThree(oneToTwo);
        dp.portAdminUp(2, false);
        assertFalse(dp.portOperUp(2));
        p1.inject(frame(0));
        dp.poll();
        assertEquals(0, p2.drain().size());
        assertEquals(1, dp.dropCount(1, DropReason.PORT_DOWN));
        assertEquals(1, dp.portStats(2).txDropped());
        dp.portAdminUp(2, true);
        p2.link = false;
        assertFalse(dp.portOperUp(2));
        p1.inject(frame(0));
        dp.poll();
        assertEquals(2, dp.dropCount(1, DropReason.PORT_DOWN));
        p2.link = true;
        assertTrue(dp.portOperUp(2));
        p1.inject(frame(0));
        dp.poll();
        assertEquals(1, p2.drain().size());
    }

    @Test
    void anAdminDownPortIsNotPolled() {
        addThree(oneToTwo);
        dp.portAdminUp(1, false);
        p1.inject(frame(0));
        assertEquals(0, dp.poll());
        dp.portAdminUp(1, true);
        assertEquals(1, dp.poll());
        assertEquals(1, p2.drain().size());
    }

    @Test
    void framesOverTheMtuAreDroppedOnRxAndOnTx() {
        addThree(oneToTwo);
        p1.mtu = 100;
        p1.inject(Frames.ipv4(1, 2, new int[0], 17, 1, 2, 3, 4, 100 - 28, true)); // exactly 14 + 100
        p1.inject(Frames.ipv4(1, 2, new int[0], 17, 1, 2, 3, 4, 100 - 27, true)); // one byte over
        p1.inject(Frames.ipv4(1, 2, new int[] {0x8100_0005}, 17, 1, 2, 3, 4, 100 - 28, true)); // tag allowance
        dp.poll();
        assertEquals(1, dp.dropCount(1, DropReason.OVER_MTU));
        assertEquals(1, dp.portStats(1).rxErrors());
        assertEquals(2, p2.drain().size());
        p2.mtu = 40; // the 60-byte frame is over 14 + 40
        p1.inject(frame(0));
        dp.poll();
        assertEquals(1, dp.dropCount(1, DropReason.TX_OVER_MTU));
        assertEquals(1, dp.portStats(2).txDropped());
        assertEquals(0, p2.drain().size());
    }

    /**
     * A burst that goes whole to one port unchanged skips the per-frame tx MTU check when the tx MTU is no smaller
     * than the rx MTU: every frame passed the rx check, so none may be lost, and the tx byte count must still be
     * exact (it comes from the rx side then).
     */
    @Test
    void aWholeBurstToAPortWithALargerMtuIsSentWhole() {
        addThree(oneToTwo);
        p1.mtu = 100;
        p2.mtu = 101;
        byte[][] frames = {
            Frames.ipv4(1, 2, new int[0], 17, 1, 2, 3, 4, 100 - 28, true),                // exactly 14 + 100
            Frames.ipv4(1, 2, new int[] {0x8100_0005}, 17, 1, 2, 3, 4, 100 - 28, true),  // 4 more: one tag
            frame(0),
        };
        long bytes = 0;
        for (byte[] f : frames) {
            p1.inject(f);
            bytes += f.length;
        }
        assertEquals(3, dp.poll());
        List<byte[]> got = p2.drain();
        assertEquals(3, got.size());
        for (int i = 0; i < frames.length; i++) {
            assertArrayEquals(frames[i], got.get(i), "frame " + i);
        }
        assertEquals(3, dp.portStats(2).txPackets());
        assertEquals(bytes, dp.portStats(2).txBytes());
        assertEquals(bytes, dp.portStats(1).rxBytes());
        assertEquals(0, dp.portStats(2).txDropped());
    }

    @Test
    void runtsAreDroppedAndMalformedFramesCountedAndStillForwarded() {
        addThree(oneToTwo);
        p1.inject(new byte[0]).inject(new byte[13]);
        byte[] cut = java.util.Arrays.copyOf(frame(0), 14 + 10); // IPv4 header cut short
        p1.inject(cut);
        dp.poll();
        assertEquals(2, dp.dropCount(1, DropReason.RUNT));
        assertEquals(1, dp.malformedCount(1));
        assertEquals(3, dp.portStats(1).rxErrors());
        assertEquals(3, dp.portStats(1).rxPackets());
        assertEquals(1, p2.drain().size(), "a malformed frame is translated and forwarded");
    }

    @Test
    void aPipelineThatThrowsLosesTheUpcallAndTheLoopLives() {
        addThree((key, mask, tx) -> {
            throw new IllegalStateException("boom");
        });
        p1.inject(frame(0));
        dp.poll();
        assertEquals(1, dp.stats().lost());
        assertEquals(1, dp.dropCount(1, DropReason.UPCALL_FAILED));
        assertEquals(0, dp.stats().megaflows());
    }

    @Test
    void anUnsupportedSetFieldFailsTheUpcall() {
        addThree((key, mask, tx) -> DatapathActions.builder().setField(FlowField.TUN_ID, 5).output(2).build());
        p1.inject(frame(0));
        dp.poll();
        assertEquals(1, dp.stats().lost());
    }

    @Test
    void aPortWhoseReceiveThrowsIsCountedAndTheOthersStillForward() {
        addThree(oneToTwo);
        p3.failReceive = new IllegalStateException("device gone");
        p1.inject(frame(0));
        dp.poll();
        assertEquals(1, p2.drain().size());
        assertEquals(1, dp.stats().portErrors());
        assertEquals(1, dp.portStats(3).rxErrors());
    }

    @Test
    void portCountersCountRxAndTxAndRestartForAReusedPortNumber() {
        addThree(oneToTwo);
        byte[] f = frame(0);
        p1.inject(f).inject(f);
        dp.poll();
        PortStats s1 = dp.portStats(1);
        assertEquals(2, s1.rxPackets());
        assertEquals(2L * f.length, s1.rxBytes());
        PortStats s2 = dp.portStats(2);
        assertEquals(2, s2.txPackets());
        assertEquals(2L * f.length, s2.txBytes());
        p2.drain();
        dp.removePort(1);
        assertThrows(IllegalArgumentException.class, () -> dp.portStats(1));
        TestPort p4 = new TestPort("p4", pool);
        assertEquals(1, dp.addPort(p4, oneToTwo), "the lowest free number is reused");
        assertEquals(PortStats.ZERO, dp.portStats(1));
        dp.poll();
        assertEquals(0, dp.stats().megaflows(), "removing a port dropped every flow before the next packet");
    }

    @Test
    void removedPortIsNoLongerPolled() {
        addThree(oneToTwo);
        dp.removePort(1);
        p1.inject(frame(0));
        assertEquals(0, dp.poll());
        p1.in.get(0).clear();
    }

    @Test
    void misuseThrowsWithAMessage() {
        addThree(oneToTwo);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dp.port(9));
        assertTrue(e.getMessage().contains("no datapath port 9"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> dp.addPort(p1, oneToTwo));
        assertThrows(IllegalArgumentException.class, () -> Datapath.builder().emcEntries(1000));
        assertThrows(IllegalArgumentException.class, () -> Datapath.builder().pollThreads(-1));
        Datapath threaded = Datapath.builder().memory(pool).pollThreads(1).build();
        assertThrows(IllegalStateException.class, threaded::poll);
        threaded.close();
    }

    @Test
    void maxMegaflowsLimitsInstallationButPacketsStillFlow() {
        Datapath d = Datapath.builder().clock(clock).memory(pool).maxMegaflows(2).build();
        d.addPort(p1, (key, mask, tx) -> {
            mask.exact(FlowField.IPV4_SRC);
            return DatapathActions.builder().output(2).build();
        });
        d.addPort(p2, oneToTwo);
        for (int i = 0; i < 5; i++) {
            p1.inject(Frames.udp(0x0a000001 + i, 9, 1, 1));
        }
        d.poll();
        assertEquals(2, d.stats().megaflows());
        assertEquals(5, p2.drain().size());
        d.close();
    }

    @Test
    void theFlowKeyCachedIsTheOriginalNotTheRewrittenOne() {
        addThree((key, mask, tx) -> {
            mask.exact(FlowField.ETH_SRC);
            return DatapathActions.builder().setField(FlowField.ETH_SRC, 0x02_ff_ff_ff_ff_ffL).output(2).build();
        });
        p1.inject(frame(0)).inject(frame(0));
        dp.poll();
        MegaflowEntry e = dp.dumpFlows().get(0);
        assertEquals(Frames.MAC_A, e.key().ethSrc());
        List<byte[]> out = p2.drain();
        assertEquals(0x02_ff_ff_ff_ff_ffL, Frames.mac(out.get(1), 6));
        assertEquals(1, dp.stats().emcHits());
    }

    @Test
    void translationSeesTheDatapathClockAndTheRealPacket() {
        long[] seen = new long[2];
        addThree((key, mask, tx) -> {
            seen[0] = tx.nowNanos();
            seen[1] = tx.packet().length();
            return DatapathActions.DROP;
        });
        clock.set(12345);
        byte[] f = frame(0);
        p1.inject(f);
        dp.poll();
        assertArrayEquals(new long[] {12345, f.length}, seen);
    }

    @Test
    void closeIsIdempotentAndPollAfterCloseIsRefused() {
        dp.close();
        dp.close();
        assertThrows(IllegalStateException.class, dp::poll);
        assertNull(null);
        FlowKey k = new FlowKey();
        FlowMask m = new FlowMask();
        assertTrue(m.matches(k, k));
    }

    @Test
    void aMeterActionDropsWhatItRefusesAndCountsItAsMeter() {
        AtomicInteger admitted = new AtomicInteger();
        PacketMeter everyOther = (now, bytes) -> admitted.getAndIncrement() % 2 == 0 ? 0 : PacketMeter.DROP;
        addThree((key, mask, tx) -> DatapathActions.builder().add(new DatapathAction.Meter(everyOther)).output(2).build());
        for (int i = 0; i < 6; i++) {
            p1.inject(frame(0));
        }
        dp.poll();
        assertEquals(3, p2.drain().size());
        assertEquals(3, dp.dropCount(1, DropReason.METER));
        assertEquals(6, admitted.get(), "the meter saw every packet, the upcall's included");
    }

    @Test
    void aUserspaceActionShowsThePacketAsEditedSoFarAndGoesOn() {
        List<String> seen = new ArrayList<>();
        PacketSink sink = (packet, cookie) -> seen.add(cookie + ":" + packet.u8(5));
        addThree((key, mask, tx) -> DatapathActions.builder().setField(FlowField.ETH_DST, 0x02000000_0099L)
                .add(new DatapathAction.Userspace(sink, 7)).output(2).build());
        p1.inject(frame(0)).inject(frame(0));
        dp.poll();
        assertEquals(List.of("7:153", "7:153"), seen);
        assertEquals(2, p2.drain().size());
    }

    @Test
    void aUserspaceOrMeterActionAfterTheLastOutputStillSeesEveryPacket() {
        List<Long> seen = new ArrayList<>();
        PacketSink sink = (packet, cookie) -> seen.add(cookie);
        AtomicInteger admitted = new AtomicInteger();
        PacketMeter never = (now, bytes) -> {
            admitted.getAndIncrement();
            return PacketMeter.DROP;
        };
        addThree((key, mask, tx) -> DatapathActions.builder().output(2).add(new DatapathAction.Userspace(sink, 5))
                .output(3).add(new DatapathAction.Meter(never)).add(new DatapathAction.Userspace(sink, 6)).build());
        for (int i = 0; i < 4; i++) {
            p1.inject(frame(0));
        }
        dp.poll();
        assertEquals(4, p2.drain().size());
        assertEquals(4, p3.drain().size());
        assertEquals(List.of(5L, 5L, 5L, 5L), seen, "the meter after the outputs stopped the second packet-in");
        assertEquals(4, admitted.get(), "the meter after the last output saw every packet");
        assertEquals(0, dp.dropCount(1, DropReason.METER), "the packets went out: the meter dropped no copy of them");
        assertEquals(0, dp.dropCount(1, DropReason.PIPELINE));
    }

    @Test
    void truncCutsTheNextOutputOnlyWhetherItCopiesOrMovesThePacket() {
        addThree((key, mask, tx) -> DatapathActions.builder().add(new DatapathAction.Trunc(20)).output(2)
                .output(3).add(new DatapathAction.Trunc(30)).setField(FlowField.ETH_DST, 0x02000000_0099L).output(3)
                .build());
        p1.inject(udpOfLength(58)).inject(udpOfLength(0));
        dp.poll();
        assertEquals(List.of(20, 20), p2.drain().stream().map(f -> f.length).toList());
        List<byte[]> three = p3.drain();
        assertEquals(List.of(100, 30, 42, 30), three.stream().map(f -> f.length).toList(),
                "whole, then cut (moved); and for the 42-byte frame too");
        assertEquals(0x99, three.get(1)[5] & 0xff, "the edit between the trunc and its output applies");
        assertEquals("trunc(20),2,3,trunc(30),set(eth_dst=0x20000000099),3", DatapathActions.builder()
                .add(new DatapathAction.Trunc(20)).output(2).output(3).add(new DatapathAction.Trunc(30))
                .setField(FlowField.ETH_DST, 0x02000000_0099L).output(3).build().toString());
        assertThrows(IllegalArgumentException.class, () -> new DatapathAction.Trunc(13));
    }

    /** A UDP frame of {@code 42 + payload} bytes (the same flow whatever the payload). */
    private static byte[] udpOfLength(int payload) {
        return Frames.ipv4(Frames.MAC_B, Frames.MAC_A, new int[0], 17, 0x0a000001, 0x0a000002, 1000, 53, payload,
                true);
    }

    @Test
    void checkPktLenAsTheLastActionSendsEachPacketByItsLength() {
        addThree((key, mask, tx) -> DatapathActions.builder().add(new DatapathAction.CheckPktLen(100,
                DatapathActions.builder().output(2).build(), DatapathActions.builder().output(3).build())).build());
        byte[] small = udpOfLength(58); // 100 bytes: not larger
        byte[] big = udpOfLength(59);
        p1.inject(small).inject(big).inject(small).inject(big);
        dp.poll();
        assertEquals(List.of(101, 101), p2.drain().stream().map(f -> f.length).toList());
        assertEquals(List.of(100, 100), p3.drain().stream().map(f -> f.length).toList());
        assertEquals(1, dp.stats().upcalls(), "one megaflow for both lengths: the branch is the datapath's");
        assertEquals(0, dp.dropCount(1, DropReason.PIPELINE));
    }

    @Test
    void checkPktLenBeforeOtherActionsRunsItsBranchOnACopy() {
        DatapathActions greater = DatapathActions.builder().setField(FlowField.ETH_DST, 0x02000000_0099L).output(2)
                .build();
        DatapathActions lessEqual = DatapathActions.builder().add(new DatapathAction.Drop(DropReason.PIPELINE))
                .build();
        addThree((key, mask, tx) -> DatapathActions.builder().add(new DatapathAction.CheckPktLen(60, greater,
                lessEqual)).output(3).add(new DatapathAction.CheckPktLen(1000, greater, DatapathActions.DROP))
                .build());
        p1.inject(udpOfLength(18)).inject(udpOfLength(100)).inject(udpOfLength(18));
        dp.poll();
        List<byte[]> two = p2.drain();
        assertEquals(1, two.size(), "only the 142-byte frame is larger than 60");
        assertEquals(0x99, two.get(0)[5] & 0xff, "the branch's edit");
        List<byte[]> three = p3.drain();
        assertEquals(3, three.size(), "every packet goes on after the first check");
        assertTrue(three.stream().allMatch(f -> (f[5] & 0xff) == (int) (Frames.MAC_B & 0xff)),
                "the branch edited its copy, not the packet");
        assertEquals(0, dp.dropCount(1, DropReason.PIPELINE), "the branches' drops were of copies");
        assertEquals(0, dp.portStats(1).rxDropped());
    }

    @Test
    void checkPktLenNestsAndAnEmptyLastBranchDropsThePacket() {
        DatapathActions inner = DatapathActions.builder().add(new DatapathAction.CheckPktLen(120,
                DatapathActions.builder().output(2).build(), DatapathActions.builder().output(3).build())).build();
        addThree((key, mask, tx) -> DatapathActions.builder().add(new DatapathAction.CheckPktLen(80, inner,
                DatapathActions.DROP)).build());
        p1.inject(udpOfLength(18)).inject(udpOfLength(60)).inject(udpOfLength(100));
        dp.poll();
        assertEquals(List.of(142), p2.drain().stream().map(f -> f.length).toList());
        assertEquals(List.of(102), p3.drain().stream().map(f -> f.length).toList());
        assertEquals(1, dp.dropCount(1, DropReason.PIPELINE), "the 60-byte frame took the empty branch");
        assertEquals("check_pkt_len(size=80,gt(check_pkt_len(size=120,gt(2),le(3))),le(drop))",
                DatapathActions.builder().add(new DatapathAction.CheckPktLen(80, inner, DatapathActions.DROP)).build()
                        .toString(), "Open vSwitch's datapath syntax");
    }

    @Test
    void revalidationReportsThePacketsAndBytesThatUsedTheMegaflowSinceLastTime() {
        List<long[]> used = new ArrayList<>();
        addThree((key, mask, tx) -> {
            if (tx.isRevalidation()) {
                used.add(new long[] {tx.usedPackets(), tx.usedBytes()});
            }
            return DatapathActions.builder().output(2).build();
        });
        byte[] f = frame(0);
        p1.inject(f).inject(f).inject(f);
        dp.poll();
        clock.advance(Duration.ofSeconds(1));
        dp.poll();
        p1.inject(f);
        dp.poll();
        clock.advance(Duration.ofSeconds(1));
        dp.poll();
        p2.drain();
        assertEquals(2, used.size());
        assertArrayEquals(new long[] {2, 2L * f.length}, used.get(0), "the upcall's own packet is not reported");
        assertArrayEquals(new long[] {1, f.length}, used.get(1));
    }

    @Test
    void awaitInvalidationsReturnsAtOnceInSynchronousMode() {
        addThree(oneToTwo);
        dp.invalidate(42);
        dp.awaitInvalidations();
        p1.inject(frame(0));
        assertEquals(1, dp.poll());
        p2.drain();
    }
}
