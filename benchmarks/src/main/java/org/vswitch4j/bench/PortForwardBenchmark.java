package org.vswitch4j.bench;

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
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.datapath.DatapathStats;
import org.vswitch4j.core.datapath.Pipeline;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;

/**
 * The datapath's simplest case, the one Open vSwitch's figures are usually quoted for: a pipeline that says
 * "in_port 1 → output 2" (OVS: {@code ovs-ofctl add-flow br0 in_port=1,actions=output:2}), one flow, every
 * packet an exact-match cache hit, one thread, bursts of 32 64-byte frames from a {@link GeneratorPort}.
 * {@code benchmarks/ovs-side-by-side.sh} runs it interleaved with OVS-DPDK on {@code net_null} ports
 * configured the same way. Score: packets per second.
 *
 * <p>{@code frames=udp}: IPv4/UDP frames (the raw-header table's IPv4 shape); {@code frames=zero}: all-zero
 * frames, what {@code net_null} delivers (EtherType 0, an 802.3 length: the table's L2 shape).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(PortForwardBenchmark.BURST)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class PortForwardBenchmark {
    static final int BURST = 32;

    @Param({"udp"})
    public String frames;

    private BufferPool pool;
    private Datapath dp;
    private GeneratorPort p1;
    private GeneratorPort p2;
    private long expected;

    @Setup(Level.Trial)
    public void setUp() {
        pool = BufferPool.builder().count(4096).build();
        dp = Datapath.builder().memory(pool).build();
        boolean zero = switch (frames) {
            case "udp" -> false;
            case "zero" -> true;
            default -> throw new IllegalArgumentException("frames " + frames + ": allowed udp, zero");
        };
        byte[] template = zero ? new byte[64] : FrameBuilder.ethernet(0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L)
                .ipv4("192.0.2.1", "192.0.2.2").udp(1024, 2048).padTo(64).build();
        p1 = new GeneratorPort("p1", pool, template, L2ForwardBenchmark.GENERATOR_BUFFERS);
        p2 = new GeneratorPort("p2", pool, template, L2ForwardBenchmark.GENERATOR_BUFFERS);
        p2.recycleTo(p1);
        Pipeline inPortToOutput = (key, mask, tx) -> {
            mask.exact(FlowField.IN_PORT);
            return DatapathActions.builder().output(key.inPort() == 1 ? 2 : 1).build();
        };
        dp.addPort(p1, inPortToOutput);
        dp.addPort(p2, inPortToOutput);
        if (zero) {
            p1.flows(new long[] {0}, new long[] {0});
        } else {
            p1.flows(new long[] {0x02_10_00_00_00_01L}, new long[] {0x02_20_00_00_00_01L});
        }
        for (int i = 0; i < 16; i++) {
            dp.poll();
        }
        expected = p2.txPackets;
    }

    @Benchmark
    public int forward() {
        return dp.poll();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (p2.txPackets - expected <= 0) {
            throw new IllegalStateException("nothing was forwarded to p2");
        }
        DatapathStats st = dp.stats();
        System.out.printf("%n[frames=%s: emc hits %d, megaflow hits %d, misses %d]%n", frames, st.emcHits(),
                st.megaflowHits(), st.misses());
        dp.close();
        p1.close();
        p2.close();
        pool.close();
    }
}
