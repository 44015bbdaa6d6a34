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
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;

/**
 * In-process L2 forwarding through the NORMAL learning bridge, one thread, bursts of 32 64-byte UDP frames:
 * the whole fast path per packet (parse into the flow key, exact-match cache, megaflow on an EMC miss,
 * action, tx batching, per-thread counters) plus a {@code net_null}-like generator port ({@link GeneratorPort}:
 * with 4 flows its frames are written once, with 10,000 it stamps two MACs into each buffer that comes back).
 *
 * <p>{@code flows} distinct MAC pairs are sent round-robin from port p1 to port p2; before measuring, p2
 * sends one frame from every destination MAC so the bridge has learned them all (known unicast, not flood),
 * and p1's first round installs the megaflows. With few flows every packet hits the exact-match cache; with
 * 10,000 the 16384-entry EMC holds most of them (its 1-in-100 insertion and two-way slots leave a few percent to
 * the megaflow classifier).
 * The score is packets per second ({@code ops/s}, each invocation is one burst of 32).
 * Check with {@code -prof gc}: {@code gc.alloc.rate.norm} is the allocation per packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(L2ForwardBenchmark.BURST)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class L2ForwardBenchmark {
    static final int BURST = 32;
    /** Buffers each generator port circulates: two bursts, kept warm as a per-core mempool cache keeps them. */
    static final int GENERATOR_BUFFERS = 64;

    @Param({"4", "10000"})
    public int flows;

    /**
     * 0: untagged frames (the raw-header table serves them without a parse); a VLAN id: frames tagged with it on
     * both trunk ports, which take the parse and the parsed-key EMC (run with {@code -p vlan=10}).
     */
    @Param({"0"})
    public int vlan;

    private BufferPool pool;
    private Switch sw;
    private GeneratorPort p1;
    private GeneratorPort p2;
    private long expected;

    @Setup(Level.Trial)
    public void setUp() {
        pool = BufferPool.builder().count(4096).build();
        sw = Switch.builder().build();
        Bridge br = sw.addBridge(Bridge.builder("br0").macTableSize(Math.max(8192, 4 * flows)));
        FrameBuilder fb = FrameBuilder.ethernet(0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L);
        if (vlan > 0) {
            fb.vlan(vlan);
        }
        byte[] template = fb.ipv4("192.0.2.1", "192.0.2.2").udp(1024, 2048).padTo(64).build();
        p1 = new GeneratorPort("p1", pool, template, GENERATOR_BUFFERS);
        p2 = new GeneratorPort("p2", pool, template, GENERATOR_BUFFERS);
        p1.recycleTo(p1);  // frames p1 → p2 come back to p1's generator
        p2.recycleTo(p1);
        br.addPort(p1, BridgePortConfig.trunk("p1"));
        br.addPort(p2, BridgePortConfig.trunk("p2"));
        long[] a = new long[flows];
        long[] b = new long[flows];
        for (int i = 0; i < flows; i++) {
            a[i] = 0x02_10_00_00_00_00L | i;
            b[i] = 0x02_20_00_00_00_00L | i;
        }
        // Teach the bridge every destination: p2 sends b[i] -> a[i] at least once each (p2's frames land on p1,
        // which hands them back to p2's generator; with more flows than buffers the first stamped ones may go out
        // last, hence the extra round of GENERATOR_BUFFERS).
        p1.recycleTo(p2);
        p2.flows(b, a);
        for (int sent = 0; sent < flows + GENERATOR_BUFFERS; sent += BURST) {
            sw.poll();
        }
        p2.flows(new long[0], new long[0]);
        p1.recycleTo(p1);
        p1.flows(a, b);
        for (int i = 0; i < 4 * flows / BURST + 16; i++) {
            sw.poll();
        }
        if (br.macTable().size() < 2 * flows) {
            throw new IllegalStateException("bridge learned " + br.macTable().size() + " MACs, expected " + 2 * flows);
        }
        expected = p2.txPackets;
    }

    @Benchmark
    public int forward() {
        return sw.poll();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long forwarded = p2.txPackets - expected;
        if (forwarded <= 0) {
            throw new IllegalStateException("nothing was forwarded to p2");
        }
        // Where the packets were served, for the record (printed with the fork's output).
        org.vswitch4j.core.datapath.DatapathStats st = sw.datapath().stats();
        double all = st.emcHits() + st.megaflowHits() + st.misses();
        System.out.printf("%n[flows=%d: %.1f %% EMC hits, %.1f %% megaflow hits, %d upcalls]%n", flows,
                100 * st.emcHits() / all, 100 * st.megaflowHits() / all, st.upcalls());
        sw.close();
        p1.close();
        p2.close();
        pool.close();
    }
}
