package org.vswitch4j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
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
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.datapath.DatapathStats;
import org.vswitch4j.core.datapath.Pipeline;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.dpdk.Dpdk;
import org.vswitch4j.dpdk.DpdkPort;
import org.vswitch4j.dpdk.PmdCpuMask;
import org.vswitch4j.flow.FlowPipeline;
import org.vswitch4j.flow.FlowStats;

/**
 * vswitch4j on real DPDK ports, one poll thread (the benchmark thread, pinned like OVS's {@code pmd-cpu-mask}
 * and registered as a DPDK lcore), both directions, as {@code benchmarks/dpdk-side-by-side.sh} runs Open
 * vSwitch-DPDK next to it:
 * <ul>
 * <li>{@code devices=null}: {@code net_null0} ↔ {@code net_null1} with {@code in_port=1→2, 2→1} (OVS's
 * {@code ovs-ofctl add-flow br0 in_port=1,actions=output:2}); packets stay in their mbufs;</li>
 * <li>{@code devices=ring}: {@code net_ring0} and {@code net_ring1} (loopbacks) with 256 IPv4/UDP frames
 * circulating per port, the same rules: the port code and the datapath without a PMD that allocates or frees;</li>
 * <li>{@code devices=pcap}: two {@code net_pcap} ports replaying ({@code infinite_rx=1}) the capture files
 * {@code -Dvsd.pcap0} and {@code -Dvsd.pcap1} (10,000 MAC pairs, one per direction) through the NORMAL bridge;</li>
 * <li>{@code devices=flows} (the case 4): {@code net_pcap0} replaying ({@code infinite_rx=1}) 10,000
 * distinct IPv4/UDP flows into ofport 1, {@code net_null1,no-rx=1} as ofport 2, bridge br0 decided by a
 * flow-tables {@link FlowPipeline} (fail-mode secure) holding the 1,000 rules of {@link FlowRules} in three
 * tables, every flow forwarded to ofport 2. The rules and the capture are {@link FlowReplayFiles}'s, read from
 * the directory {@code -Dvsd.flowsDir} (the side-by-side script writes them there and loads the same rules into
 * OVS with {@code ovs-ofctl add-flows}); without it they are written to a temporary directory. One direction
 * only: the rule set forwards ofport 1 → 2. The tear-down prints, per table, the packets its rules counted and how
 * many rules matched any, to compare with OVS's {@code dump-flows} n_packets.</li>
 * </ul>
 * Score: {@code packets} (the auxiliary counter), received packets per second summed over both ports, the
 * figure OVS's {@code dump-ports} rx counters give. Each iteration also prints the packets per second of the poll
 * thread's own CPU time ({@code [cpu: ...]}), which a loaded machine disturbs less. The EAL runs on 2 MB
 * hugepages ({@code --in-memory}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class DpdkForwardBenchmark {
    @Param({"null"})
    public String devices;

    @Param({"1"})
    public int cpu;

    private Switch sw;
    private DpdkPort p0;
    private DpdkPort p1;
    private FlowPipeline pipeline;

    /** Packets received per second (both ports): the score to read. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Packets {
        public long packets;
    }

    @Setup(Level.Trial)
    public void setUp() {
        // EAL first (its lcore 0 and control threads get every CPU this thread may use), then pin the benchmark
        // thread, which is the poll thread, to its CPU; DPDK registers it on its first burst. 65535 mbufs: a
        // net_pcap port with infinite_rx=1 keeps the whole capture (10,000 frames per port) in mbufs.
        Dpdk dpdk = Dpdk.builder().hugepages(true).filePrefix(System.getProperty("vsd.filePrefix", "vsd-bench"))
                .memoryMegabytes(512).mbufs(65535).start();
        PmdCpuMask.of(cpu).started(0);
        sw = Switch.builder().build();
        if (devices.equals("null") || devices.equals("ring")) {
            boolean ring = devices.equals("ring");
            p0 = DpdkPort.builder(dpdk, ring ? "net_ring0" : "net_null0").build();
            p1 = DpdkPort.builder(dpdk, ring ? "net_ring1" : "net_null1").build();
            if (ring) {
                prime(p0);
                prime(p1);
            }
            Pipeline inPortToOutput = (key, mask, tx) -> {
                mask.exact(FlowField.IN_PORT);
                return DatapathActions.builder().output(key.inPort() == 1 ? 2 : 1).build();
            };
            sw.datapath().addPort(p0, inPortToOutput);
            sw.datapath().addPort(p1, inPortToOutput);
        } else if (devices.equals("pcap")) {
            String f0 = System.getProperty("vsd.pcap0");
            String f1 = System.getProperty("vsd.pcap1");
            if (f0 == null || f1 == null) {
                throw new IllegalStateException("devices=pcap needs -Dvsd.pcap0=FILE -Dvsd.pcap1=FILE (jvmArgsAppend)");
            }
            p0 = DpdkPort.builder(dpdk, "net_pcap0,rx_pcap=" + f0 + ",infinite_rx=1").build();
            p1 = DpdkPort.builder(dpdk, "net_pcap1,rx_pcap=" + f1 + ",infinite_rx=1").build();
            Bridge br = sw.addBridge(Bridge.builder("br0").macTableSize(65536));
            br.addPort(p0, BridgePortConfig.trunk("p0"));
            br.addPort(p1, BridgePortConfig.trunk("p1"));
        } else if (devices.equals("flows")) {
            Path dir = flowsDir();
            p0 = DpdkPort.builder(dpdk, "net_pcap0,rx_pcap=" + dir.resolve(FlowReplayFiles.FLOWS) + ",infinite_rx=1")
                    .build();
            p1 = DpdkPort.builder(dpdk, "net_null1,no-rx=1").build();
            Bridge br = sw.addBridge("br0");
            if (br.addPort(p0, BridgePortConfig.trunk("p0")) != 1 || br.addPort(p1, BridgePortConfig.trunk("p1")) != 2) {
                throw new IllegalStateException("expected ofports 1 and 2");
            }
            pipeline = FlowPipeline.attach(br, sw.datapath(), FlowPipeline.FailMode.SECURE);
            pipeline.apply(FlowReplayFiles.readRules(dir.resolve(FlowReplayFiles.RULES)));
        } else {
            throw new IllegalArgumentException("devices '" + devices + "' is not one of null, ring, pcap, flows");
        }
        for (int i = 0; i < 100_000; i++) {
            sw.poll();
        }
    }

    /**
     * net_ring's loopback (each port's tx ring is its rx ring) with 256 IPv4/UDP frames per port circulating: no
     * PMD allocates or frees, so this measures the port code and the datapath alone (testpmd's --tx-first).
     */
    private static void prime(DpdkPort p) {
        byte[] frame = FrameBuilder.ethernet(0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L)
                .ipv4("192.0.2.1", "192.0.2.2").udp(1024, 2048).padTo(64).build();
        try (BufferPool pool = BufferPool.builder().count(64).build()) {
            for (int burst = 0; burst < 8; burst++) {
                PacketBatch b = new PacketBatch();
                for (int i = 0; i < b.capacity(); i++) {
                    Packet v = b.add().bindEmpty(pool, pool.allocate());
                    v.length(frame.length);
                    v.write(0, frame, 0, frame.length);
                }
                p.transmit(b); // copied once into mbufs of the port's pool
            }
        }
    }

    /** {@code -Dvsd.flowsDir}, or a temporary directory with {@link FlowReplayFiles}'s files written into it. */
    private static Path flowsDir() {
        String d = System.getProperty("vsd.flowsDir");
        if (d != null) {
            return Path.of(d);
        }
        try {
            Path dir = Files.createTempDirectory("vsd-flows");
            FlowReplayFiles.write(dir, 10_000);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Benchmark
    public int forward(Packets counter) {
        int n = sw.poll();
        counter.packets += n;
        polled += n;
        return n;
    }

    // Per iteration, the poll thread's packets per second of its own CPU time: on a shared machine the wall-clock
    // score also counts the time the thread was descheduled; this one does not (it still counts what the other
    // processes do to its caches).
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private long polled;
    private long cpuAtStart;
    private long polledAtStart;

    @Setup(Level.Iteration)
    public void iterationStart() {
        cpuAtStart = THREADS.getCurrentThreadCpuTime();
        polledAtStart = polled;
    }

    @TearDown(Level.Iteration)
    public void iterationEnd() {
        long cpu = THREADS.getCurrentThreadCpuTime() - cpuAtStart;
        System.out.printf("[cpu: %.2f Mpps per poll-thread CPU second]%n", (polled - polledAtStart) * 1e3 / cpu);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        DatapathStats st = sw.datapath().stats();
        System.out.printf("[devices=%s] emc hits %d, megaflow hits %d, misses %d; p0 %s; p1 %s%n", devices,
                st.emcHits(), st.megaflowHits(), st.misses(), p0.stats(), p1.stats());
        if (pipeline != null) {
            printTableHits();
        }
        if (p0.stats().txPackets() + p1.stats().txPackets() == 0) {
            throw new IllegalStateException("nothing was forwarded");
        }
        sw.close();
        p0.close();
        p1.close();
    }

    /**
     * Per table: packets its rules counted, rules that matched any packet, rules in all; and the megaflows. The
     * side-by-side script prints the same from OVS's {@code dump-flows}, so the two can be seen to agree.
     */
    private void printTableHits() {
        StringBuilder sb = new StringBuilder("[tables:");
        for (int t = 0; t < 3; t++) {
            long packets = 0;
            int hit = 0;
            List<FlowStats> fs = pipeline.dumpFlows(t);
            for (FlowStats f : fs) {
                packets += f.packets();
                hit += f.packets() > 0 ? 1 : 0;
            }
            sb.append(String.format(" table %d %d packets, %d of %d rules hit;", t, packets, hit, fs.size()));
        }
        System.out.println(sb.append(" megaflows ").append(sw.datapath().dumpFlows().size()).append(']'));
    }
}
