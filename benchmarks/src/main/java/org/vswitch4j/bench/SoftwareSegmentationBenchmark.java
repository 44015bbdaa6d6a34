package org.vswitch4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Offloads;
import org.vswitch4j.core.packet.Packet;

/**
 * What the datapath does for a port without offloads when a TAP with offloads hands over a 64 KB TCP segment:
 * cut it into MSS-sized wire frames with complete checksums ({@link Offloads#segment}, 45 segments of 1448
 * bytes) and release them, as a transmit would. The score is GSO frames per second; multiply by 65160 payload
 * bytes for the software segmentation's throughput. Run with {@code -prof gc}: 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class SoftwareSegmentationBenchmark {
    @Param({"4", "6"})
    public int ipVersion;

    private BufferPool big;
    private BufferPool pool;
    private final Packet gso = new Packet();
    private final Packet seg = new Packet();

    @Setup
    public void setUp() {
        big = BufferPool.builder().bufferSize(66048).count(4).build();
        pool = BufferPool.builder().count(1024).build();
        FrameBuilder f = FrameBuilder.ethernet("02:00:00:00:00:01", "02:00:00:00:00:02");
        if (ipVersion == 4) {
            f.ipv4("192.0.2.1", "192.0.2.2");
        } else {
            f.ipv6("2001:db8::1", "2001:db8::2");
        }
        f.tcp(40000, 5201, 0x18).tcpSeq(1, 1).payload(45 * 1448);
        if (!f.writeTo(big, gso)) {
            throw new IllegalStateException("no buffer");
        }
        gso.offload(ipVersion == 4 ? 34 : 54, 16, ipVersion == 4 ? Packet.GSO_TCP4 : Packet.GSO_TCP6, 1448);
    }

    @TearDown
    public void tearDown() {
        gso.release();
        pool.close();
        big.close();
    }

    @Benchmark
    public int segment() {
        int n = Offloads.segmentCount(gso);
        int sum = 0;
        for (int k = 0; k < n; k++) {
            if (!Offloads.segment(gso, k, pool, seg)) {
                throw new IllegalStateException("segment " + k);
            }
            sum += seg.u16(seg.length() - 2);
            seg.release();
        }
        return sum;
    }
}
