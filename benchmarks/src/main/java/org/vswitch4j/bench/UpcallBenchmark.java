package org.vswitch4j.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vswitch4j.core.datapath.Datapath;
import org.vswitch4j.core.datapath.DatapathStats;

/**
 * The miss path of issue 4: every packet is a flow the caches have not seen, so every packet is an upcall through
 * the same 1,000-rule, three-table pipeline as {@link FlowPipelineForwardBenchmark}, in the same harness.
 *
 * <p>How nearly every packet misses: the traffic's destination ports go through {@value #PORT_SPAN} consecutive
 * values, with sources and destinations drawn as in the hit benchmark, and every {@value #FLUSH_ROUNDS} bursts
 * ({@value #FLUSH_ROUNDS} × 32 packets, fewer than {@value #PORT_SPAN}) the benchmark drops every cached flow
 * ({@link Datapath#invalidateAll()}), so the megaflow cache stays below its 65,536-entry limit and every upcall
 * installs its megaflow. The classifier's ports trie un-wildcards only the tp_dst bits that tell a packet from the
 * ACL's rules, so some packets share a megaflow with an earlier one (85 % misses on 2026-12-01): the score counts
 * packets, and the secondary result {@code upcalls} (a JMH auxiliary counter, per second) is the upcall rate
 * itself. The tear-down checks that most measured packets were misses (at least 50 %) and prints the split.
 *
 * <p>One op is one packet: the generator's rx and its stamping on return (two 8-byte stores), the raw-header
 * table's probe (a miss), the parse into the flow key, the megaflow classifier's probe of every mask it holds (a
 * miss), the upcall (slow-path lock; {@code FlowPipeline.translate}: three table lookups with staged lookup and
 * prefix tracking, the tags, the datapath actions; compiling them; the megaflow, its insertion into the
 * classifier, and into the raw-header table on 1 in 100 upcalls, the datapath's default insertion draw), the output to ofport 2 in the burst's tx, and 1/{@value #FLUSH_ROUNDS}·32
 * of a full cache flush (the flush's own cost per upcall is small: clearing at most 16,384 megaflows and the
 * exact-match tables, about 2 MB of arrays); a packet that shares an earlier packet's megaflow costs a megaflow
 * hit instead of the upcall. Score: packets per second ({@code ops/s}); {@code upcalls}: upcalls per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(UpcallBenchmark.BURST)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class UpcallBenchmark {
    static final int BURST = 32;
    /** Consecutive destination ports in the traffic: no megaflow serves two packets within this many. */
    static final int PORT_SPAN = 20_000;
    /** Bursts between two cache flushes. */
    static final int FLUSH_ROUNDS = 512;

    @Param({"1000"})
    public int rules;

    private PipelineHarness h;
    private int rounds;
    private DatapathStats before;
    private long expected;

    @Setup(Level.Trial)
    public void setUp() {
        h = new PipelineHarness(Datapath.builder(), rules);
        h.p1.ipv4Flows(traffic(rules));
        Upcalls warm = new Upcalls();
        for (int i = 0; i < 4 * FLUSH_ROUNDS; i++) {
            upcalls(warm);
        }
        upcallsSeen = h.dp.stats().upcalls();
        h.checkAllForwarded();
        before = h.dp.stats();
        expected = h.p2.txPackets;
    }

    /**
     * The traffic (source, destination, source port, destination port per packet, sent in turn): the hit
     * benchmark's sources and destinations with the destination port stepping through {@value #PORT_SPAN}
     * values. {@link FlowReplayFiles} writes the same packets for Open vSwitch.
     */
    static int[][] traffic(int rules) {
        int[] counts = FlowRules.counts(rules);
        SplittableRandom r = new SplittableRandom(7);
        int[][] quads = new int[3 * PORT_SPAN][];
        for (int k = 0; k < quads.length; k++) {
            quads[k] = FlowRules.flow(counts, r, 1);
            quads[k][3] = FlowRules.TP_DST_BASE + k % PORT_SPAN;
        }
        return quads;
    }

    /** The upcalls made, reported by JMH per second beside the packet rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Upcalls {
        /** Upcalls during the iteration (read from the datapath's counters once per flush period). */
        public long upcalls;
    }

    private long upcallsSeen;

    @Benchmark
    public int upcalls(Upcalls u) {
        if (++rounds == FLUSH_ROUNDS) {
            rounds = 0;
            long now = h.dp.stats().upcalls();
            u.upcalls += now - upcallsSeen;
            upcallsSeen = now;
            h.dp.invalidateAll(); // applied at the start of this poll
        }
        return h.poll();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        DatapathStats st = h.dp.stats();
        h.printServedBy(before, "upcalls, " + rules + " rules");
        long all = st.lookups() - before.lookups();
        long misses = st.misses() - before.misses();
        long forwarded = h.p2.txPackets - expected;
        h.close();
        if (forwarded != all || misses < 0.5 * all) {
            throw new IllegalStateException("not an upcall benchmark: " + misses + " misses of " + all
                    + " packets, " + forwarded + " forwarded");
        }
    }
}
