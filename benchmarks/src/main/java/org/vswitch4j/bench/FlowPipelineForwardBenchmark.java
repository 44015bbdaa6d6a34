package org.vswitch4j.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
import org.vswitch4j.flow.FlowPipeline;

/**
 * Forwarding through an OpenFlow pipeline, the cache-hit case of issue 4: the {@link L2ForwardBenchmark} harness
 * (one thread, synchronous datapath polled by the benchmark, {@link GeneratorPort}s, bursts of 32 64-byte UDP
 * frames from ofport 1 to ofport 2) with the bridge decided by a {@link FlowPipeline} holding the 1,000 rules of
 * {@link FlowRules}: three tables chained by goto_table, 20 distinct masks, the last action an output.
 *
 * <p>{@code flows} distinct IPv4 quadruples (source, destination, ports; see {@link FlowRules#flow}) are sent
 * round robin: with 4 each buffer keeps its frame, with 10,000 the generator stamps the quadruple into each buffer
 * that comes back (two 8-byte stores). Before measuring, two rounds of every flow install the megaflows, so the
 * measured packets are served by the caches: the exact-match cache first (its raw-header table), the megaflow
 * classifier for what the EMC does not hold. The tear-down prints where the measured packets were served, the
 * upcalls during measurement (0 expected) and the megaflows and megaflow masks installed.
 *
 * <p>Parameters beyond the case: {@code emc=off} gives the datapath a 2-entry exact-match cache that
 * megaflow hits never enter, so nearly every packet is a megaflow-classifier hit; {@code revalidateMs} is the
 * datapath's revalidation interval (500 ms by default, as the switch's). The revalidation pass visits every
 * megaflow used since the last pass, on this thread, under the slow-path lock, and has the pipeline count the use
 * into its rules ({@code FlowPipeline.refresh}, no re-translation): part of the cost of the cache-hit case in
 * synchronous mode.
 * The score is packets per second ({@code ops/s}, each invocation is one burst of 32); with {@code -prof gc},
 * {@code gc.alloc.rate.norm} is the allocation per packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(FlowPipelineForwardBenchmark.BURST)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class FlowPipelineForwardBenchmark {
    static final int BURST = 32;
    static final int RULES = 1_000;
    /** Distinct destination ports in the traffic. */
    static final int DST_PORTS = 10;

    @Param({"4", "10000"})
    public int flows;

    /** "on": the datapath's default exact-match cache; "off": a 2-entry one that megaflow hits never enter. */
    @Param({"on"})
    public String emc;

    @Param({"500"})
    public int revalidateMs;

    private PipelineHarness h;
    private long expected;
    private DatapathStats before;

    @Setup(Level.Trial)
    public void setUp() {
        Datapath.Builder b = Datapath.builder().revalidateInterval(Duration.ofMillis(revalidateMs));
        switch (emc) {
            case "on" -> { }
            case "off" -> b.emcEntries(2).emcInsertInverseProbability(0);
            default -> throw new IllegalArgumentException("emc " + emc + ": allowed on, off");
        }
        h = new PipelineHarness(b, RULES);
        h.p1.ipv4Flows(FlowRules.distinctFlows(flows, FlowRules.counts(RULES), 42, DST_PORTS));
        for (int i = 0; i < 2 * flows / BURST + 16; i++) {
            h.poll();
        }
        h.checkAllForwarded();
        expected = h.p2.txPackets;
        before = h.dp.stats();
    }

    @Benchmark
    public int forward() {
        return h.poll();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (h.p2.txPackets - expected <= 0) {
            throw new IllegalStateException("nothing was forwarded to p2");
        }
        h.printServedBy(before, "flows=" + flows + ", emc=" + emc + ", revalidate " + revalidateMs + " ms");
        h.close();
    }
}
