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
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.port.MemoryPort;

/**
 * {@link L2ForwardBenchmark} with the in-process ports a hypervisor uses instead of the {@code net_null}-like
 * generator: two {@link MemoryPort}s on the NORMAL bridge, and the benchmark's thread playing both virtual NICs.
 * Per burst it submits 32 frames zero-copy into p1's rx ring ({@link MemoryPort#submit(PacketBatch)}: views bound
 * to the buffers, one ring claim), polls the switch, and drains p2's tx ring (one batched poll), so the figure adds
 * both rings and the user side of both ports to the switch.
 *
 * <p>The frames: {@code max(64, flows)} buffers, buffer {@code j} written once with MAC pair {@code j % flows},
 * going round first in first out (the user side keeps the ones not in flight), so the k-th frame sent carries
 * pair {@code k % flows} and no frame is written after set-up. With 10,000 flows that is 10,000 buffers (21 MB of
 * frames), unlike the generator, which stamps 64 warm buffers instead.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(MemoryPortForwardBenchmark.BURST)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class MemoryPortForwardBenchmark {
    static final int BURST = 32;

    @Param({"4", "10000"})
    public int flows;

    private BufferPool pool;
    private Switch sw;
    private MemoryPort p1;
    private MemoryPort p2;
    private Bridge br;
    /** The buffers on the user side, in sending order: {@code count} of them from {@code head}. */
    private long[] fifo;
    private int head;
    private int count;
    private int headroom;
    private int frameLength;
    private final PacketBatch in = new PacketBatch(BURST);
    private final PacketBatch out = new PacketBatch(BURST);
    private long sent;
    private long forwarded;

    @Setup(Level.Trial)
    public void setUp() {
        int buffers = Math.max(64, flows);
        pool = BufferPool.builder().count(buffers + 4096).build();
        sw = Switch.builder().memory(pool).build();
        br = sw.addBridge(Bridge.builder("br0").macTableSize(Math.max(8192, 4 * flows)));
        p1 = MemoryPort.builder().name("p1").memory(pool).build();
        p2 = MemoryPort.builder().name("p2").memory(pool).build();
        br.addPort(p1, BridgePortConfig.trunk("p1"));
        br.addPort(p2, BridgePortConfig.trunk("p2"));
        headroom = pool.headroom();
        // Teach the bridge every destination (p2 sends b[i] -> a[i] once each; the floods out of p1 are dropped).
        for (int i = 0; i < flows; i++) {
            p2.send(frame(0x02_20_00_00_00_00L | i, 0x02_10_00_00_00_00L | i));
            if (i % BURST == BURST - 1 || i == flows - 1) {
                sw.poll();
                drainAndRelease(p1);
            }
        }
        fifo = new long[buffers];
        Packet view = new Packet();
        for (int j = 0; j < buffers; j++) {
            int f = j % flows;
            byte[] frame = frame(0x02_10_00_00_00_00L | f, 0x02_20_00_00_00_00L | f);
            frameLength = frame.length;
            long h = pool.allocate();
            view.bind(pool, h, headroom, frame.length);
            view.write(0, frame, 0, frame.length);
            view.unbind();
            fifo[j] = h;
        }
        count = buffers;
        // The first round of every flow installs its megaflows; then the measured bursts are cache hits.
        for (int r = 0; r < 4 * buffers / BURST + 16; r++) {
            forward();
        }
        if (br.macTable().size() < 2 * flows) {
            throw new IllegalStateException("bridge learned " + br.macTable().size() + " MACs, expected " + 2 * flows);
        }
        sent = 0;
        forwarded = 0;
    }

    private static byte[] frame(long src, long dst) {
        return FrameBuilder.ethernet(src, dst).ipv4("192.0.2.1", "192.0.2.2").udp(1024, 2048).padTo(64).build();
    }

    private void drainAndRelease(MemoryPort p) {
        while (p.drain(out) > 0) {
            out.releaseAll();
        }
    }

    @Benchmark
    public int forward() {
        long[] q = fifo;
        int cap = q.length;
        int j = head;
        int n = Math.min(BURST, count);
        PacketBatch b = in;
        for (int i = 0; i < n; i++) {
            b.get(i).bind(pool, q[j], headroom, frameLength);
            if (++j == cap) {
                j = 0;
            }
        }
        b.size(n);
        p1.submit(b); // one ring claim for the burst
        head = j;
        count -= n;
        sent += n;
        int polled = sw.poll();
        int got = p2.drain(out);
        int tail = head + count;
        if (tail >= cap) {
            tail -= cap;
        }
        for (int i = 0; i < got; i++) {
            Packet p = out.get(i);
            q[tail] = p.handle();
            p.unbind();
            if (++tail == cap) {
                tail = 0;
            }
        }
        out.size(0);
        count += got;
        forwarded += got;
        return polled;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (forwarded != sent || count != fifo.length) {
            throw new IllegalStateException("sent " + sent + " frames, " + forwarded + " came out of p2, "
                    + (fifo.length - count) + " buffers missing");
        }
        org.vswitch4j.core.datapath.DatapathStats st = sw.datapath().stats();
        double all = st.emcHits() + st.megaflowHits() + st.misses();
        System.out.printf("%n[flows=%d: %.1f %% EMC hits, %.1f %% megaflow hits, %d upcalls]%n", flows,
                100 * st.emcHits() / all, 100 * st.megaflowHits() / all, st.upcalls());
        sw.close();
        for (int i = 0, k = head; i < count; i++) {
            pool.release(fifo[k]);
            if (++k == fifo.length) {
                k = 0;
            }
        }
        p1.close();
        p2.close();
        pool.close();
    }
}
