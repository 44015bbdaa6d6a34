package org.vswitch4j.bench;

import java.net.InetAddress;
import java.net.UnknownHostException;
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
import org.vswitch4j.core.datapath.DatapathAction;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.datapath.Pipeline;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.port.TunnelHeader;
import org.vswitch4j.tunnel.TunnelConfig;
import org.vswitch4j.tunnel.TunnelPort;
import org.vswitch4j.tunnel.TunnelType;
import org.vswitch4j.tunnel.Underlay;

/**
 * VXLAN through the datapath, one thread, bursts of 32 frames of 64 bytes (inner), every packet an exact-match
 * cache hit. Score: packets per second.
 *
 * <ul>
 * <li>{@code encap}: a {@link GeneratorPort} sends IPv4/UDP frames; the flow says {@code tnl_push} to a VXLAN port
 * (VNI 5001, 198.51.100.1 → 198.51.100.2, outer IPv4 checksum per packet, entropy source port from the inner
 * flow hash; {@code csum} adds the UDP checksum over the whole frame); the port's underlay hands the 114-byte
 * encapsulated frames to a sink that gives the buffers back to the generator.</li>
 * <li>{@code decap}: the VXLAN port's underlay hands out 72-byte datagrams (VXLAN header + 64-byte inner frame, as a
 * UDP socket delivers them); the port validates the I flag and the VNI and strips the header, the datapath puts
 * tun_id/tun_src/tun_dst in the key, and the flow outputs to the sink.</li>
 * </ul>
 * Neither copies a frame; {@code -prof gc} shows what they allocate.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(VxlanBenchmark.BURST)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class VxlanBenchmark {
    static final int BURST = 32;
    static final int SRC = 0xc633_6402; // 198.51.100.2
    static final int DST = 0xc633_6401;

    @Param({"false"})
    public boolean csum;

    /** What both benchmarks set up: the pool, the datapath, the 64-byte inner frame, the sink and the tunnel port. */
    public abstract static class Rig {
        BufferPool pool;
        Datapath dp;
        GeneratorPort gen;
        GeneratorPort sink;
        TunnelPort tunnel;
        long before;
        final byte[] inner = FrameBuilder.ethernet(0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L)
                .ipv4("192.0.2.1", "192.0.2.2").udp(1024, 2048).padTo(64).build();

        /** Builds the rig around a generator of {@code template} frames; {@code underlay} wraps gen or sink. */
        void build(byte[] template, boolean csum, java.util.function.Function<Rig, Underlay> underlay)
                throws UnknownHostException {
            pool = BufferPool.builder().count(4096).build();
            dp = Datapath.builder().memory(pool).build();
            gen = new GeneratorPort("gen", pool, template, L2ForwardBenchmark.GENERATOR_BUFFERS);
            sink = new GeneratorPort("sink", pool, inner, 1);
            sink.recycleTo(gen);
            tunnel = new TunnelPort("vxlan0", config(csum), underlay.apply(this), pool);
        }

        /** Warms the flow up and notes the sink's count. */
        void warm() {
            for (int i = 0; i < 16; i++) {
                dp.poll();
            }
            before = sink.txPackets;
        }

        /** Fails unless frames of {@code length} bytes reached the sink. */
        void check(int length, String what) {
            if (sink.txPackets - before <= 0 || tunnel.stats().rxErrors() != 0
                    || sink.txBytes / Math.max(1, sink.txPackets) != length) {
                throw new IllegalStateException("no " + what + " reached the sink: " + sink.txPackets + " frames, "
                        + sink.txBytes + " bytes; tunnel " + tunnel.stats() + " " + tunnel.decapErrors());
            }
            dp.close();
            tunnel.close();
            gen.close();
            sink.close();
            pool.close();
        }
    }

    /** Encap: the generator's frames, pushed into VXLAN. */
    @State(Scope.Thread)
    public static class Encap extends Rig {
        @Setup(Level.Trial)
        public void setUp(VxlanBenchmark b) throws UnknownHostException {
            build(inner, b.csum, r -> new SinkUnderlay(r.sink));
            TunnelHeader[] header = new TunnelHeader[1];
            Pipeline toTunnel = (key, mask, tx) -> {
                mask.exact(FlowField.IN_PORT);
                return DatapathActions.builder().add(new DatapathAction.TunnelPush(2, header[0])).build();
            };
            dp.addPort(gen, toTunnel);
            dp.addPort(tunnel, toTunnel);
            header[0] = tunnel.tunnelHeader(new org.vswitch4j.core.key.FlowKey(), new org.vswitch4j.core.key.FlowMask());
            gen.flows(new long[] {0x02_10_00_00_00_01L}, new long[] {0x02_20_00_00_00_01L});
            warm();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            check(64 + 50, "114-byte VXLAN frames");
        }
    }

    /** Decap: VXLAN datagrams into the tunnel port, inner frames out to the sink. */
    @State(Scope.Thread)
    public static class Decap extends Rig {
        @Setup(Level.Trial)
        public void setUp(VxlanBenchmark b) throws UnknownHostException {
            byte[] datagram = new byte[8 + inner.length];
            datagram[0] = 0x08; // I flag
            datagram[5] = 0x13; // VNI 5001 = 0x001389
            datagram[6] = (byte) 0x89;
            System.arraycopy(inner, 0, datagram, 8, inner.length);
            build(datagram, b.csum, r -> new GeneratorUnderlay(r.gen));
            Pipeline toSink = (key, mask, tx) -> {
                mask.exact(FlowField.IN_PORT);
                mask.exact(FlowField.TUN_ID);
                return key.inPort() == 1 && key.get(FlowField.TUN_ID) == 5001
                        ? DatapathActions.builder().output(2).build() : DatapathActions.DROP;
            };
            dp.addPort(tunnel, toSink);
            dp.addPort(sink, toSink);
            // One "flow" whose pair is the datagram's own first 12 bytes, so the generator's stamping rewrites them
            // unchanged (it stamps dst(48) src(48) at offsets 0 and 6 and re-writes bytes 12-13 from the template).
            gen.flows(new long[] {be48(datagram, 6)}, new long[] {be48(datagram, 0)});
            warm();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            check(64, "decapsulated 64-byte frames");
        }
    }

    static long be48(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }

    static TunnelConfig config(boolean csum) throws UnknownHostException {
        return TunnelConfig.builder(TunnelType.VXLAN).local(InetAddress.getByName("198.51.100.1"))
                .remote(InetAddress.getByName("198.51.100.2")).key(5001).csum(csum).build();
    }

    @Benchmark
    public int encap(Encap s) {
        return s.dp.poll();
    }

    @Benchmark
    public int decap(Decap s) {
        return s.dp.poll();
    }

    /** The encap benchmark's underlay: encapsulated frames go to the sink (which recycles them). */
    static final class SinkUnderlay implements Underlay {
        private final GeneratorPort sink;

        SinkUnderlay(GeneratorPort sink) {
            this.sink = sink;
        }

        @Override
        public int receive(PacketBatch batch) {
            return 0;
        }

        @Override
        public void send(PacketBatch batch) {
            sink.transmit(batch);
        }

        @Override
        public long rxDropped() {
            return 0;
        }

        @Override
        public long txDropped() {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    /** The decap benchmark's underlay: the generator's datagrams, as from 198.51.100.2 to 198.51.100.1. */
    static final class GeneratorUnderlay implements Underlay {
        private final GeneratorPort gen;

        GeneratorUnderlay(GeneratorPort gen) {
            this.gen = gen;
        }

        @Override
        public int receive(PacketBatch batch) {
            int at = batch.size();
            int n = gen.receive(0, batch);
            for (int i = at; i < at + n; i++) {
                batch.get(i).tunnel(0, SRC, DST);
            }
            return n;
        }

        @Override
        public void send(PacketBatch batch) {
            batch.releaseAll();
        }

        @Override
        public long rxDropped() {
            return 0;
        }

        @Override
        public long txDropped() {
            return 0;
        }

        @Override
        public void close() {
        }
    }
}
