package org.vswitch4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
import org.vswitch4j.core.packet.Packet;

/**
 * The machine's yardstick for {@link L2ForwardBenchmark}, run beside it: the least an L2 switch can do per
 * packet in Java — read the two MACs and the EtherType of a 64-byte frame in off-heap memory and look both
 * MACs up in an open-addressing table — with no parsing, no flow key, no actions and no counters.
 *
 * <p>Two variants ({@code stamp}): {@code false} is the loop the issue that set the forwarding targets quotes
 * (about 300 Mpps there, 180 Mpps with 10,000 MACs): frames written once, only read, packed 128 bytes apart
 * (as {@link GeneratorPort} sends when the flows fit in its buffers). {@code true} adds the generator's work
 * when they do not (the 10,000-pair case): 512 recycled 2 KB buffers, each stamped with the next flow's MAC
 * pair (two 8-byte stores) a burst before it is read, as {@link GeneratorPort} stamps a buffer when it comes
 * back. The ratio between the forwarding benchmark and the unstamped loop in one run is what carries from
 * machine to machine.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(BareLoopBenchmark.BURST)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class BareLoopBenchmark {
    static final int BURST = 32;
    static final int BUFFERS = 512;
    /** 2 KB buffers placed as BufferPool places them: 33 cache lines apart (see BufferPool on set aliasing). */
    static final int BUFFER_SIZE = 2048 + 64;

    @Param({"4", "10000"})
    public int flows;

    /**
     * Whether each frame is first stamped with its flow's MACs, as the forwarding benchmark's generator does
     * ({@code true}), or the frames are written once in set-up and only read ({@code false}: the loop the
     * issue quotes).
     */
    @Param({"true", "false"})
    public boolean stamp;

    private Arena arena;
    private MemorySegment frames;
    private long[] srcMacs;
    private long[] dstMacs;
    private int nextFlow;
    private long[] tableKeys;
    private int[] tableValues;
    private int tableMask;
    private int next;
    private int buffers;
    private long stride;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        // Stamped: 512 recycled 2 KB buffers, as the generator. Unstamped: one frame per flow (at least 512),
        // packed 128 bytes apart, so every flow is really read and the frames stay cache-friendly (a best case).
        buffers = stamp ? BUFFERS : Math.max(BUFFERS, Integer.highestOneBit(flows - 1) << 1);
        stride = stamp ? BUFFER_SIZE : 128;
        frames = arena.allocate(buffers * stride, 4096);
        int size = Integer.highestOneBit(Math.max(16, 4 * 2 * flows)) * 2;
        tableKeys = new long[size];
        tableValues = new int[size];
        tableMask = size - 1;
        srcMacs = new long[flows];
        dstMacs = new long[flows];
        for (int f = 0; f < flows; f++) {
            dstMacs[f] = 0x02_20_00_00_00_00L | f;
            srcMacs[f] = 0x02_10_00_00_00_00L | f;
            put(dstMacs[f], 2);
            put(srcMacs[f], 1);
        }
        // The frames as the unstamped loop reads them: buffer b holds flow b % flows, as stamping would leave it.
        for (int b = 0; b < buffers; b++) {
            long a = b * stride + (stamp ? 256 : 0);
            int f = b % flows;
            frames.set(Packet.BE_LONG, a, dstMacs[f] << 16 | srcMacs[f] >>> 32);
            frames.set(Packet.BE_LONG, a + 6, srcMacs[f] << 16 | 0x0800);
        }
    }

    private void put(long mac, int port) {
        int i = slot(mac);
        while (tableKeys[i] != 0 && tableKeys[i] != mac) {
            i = (i + 1) & tableMask;
        }
        tableKeys[i] = mac;
        tableValues[i] = port;
    }

    private int slot(long mac) {
        return (int) ((mac * 0x9E3779B97F4A7C15L) >>> 40) & tableMask;
    }

    private int find(long mac) {
        int i = slot(mac);
        while (true) {
            long k = tableKeys[i];
            if (k == mac) {
                return tableValues[i];
            }
            if (k == 0) {
                return -1;
            }
            i = (i + 1) & tableMask;
        }
    }

    /** One burst of 32 frames, cycling over the buffers (stamping one burst ahead when {@code stamp}). */
    @Benchmark
    public int burst() {
        MemorySegment s = frames;
        int n = next;
        int f = nextFlow;
        int sum = 0;
        boolean st = stamp;
        int bm = buffers - 1;
        for (int i = 0; i < BURST; i++) {
            long a = st ? (long) ((n + i) & (BUFFERS - 1)) * BUFFER_SIZE + 256 : ((n + i) & bm) * 128L;
            if (st) {
                // Stamp the buffer one burst ahead, as the generator stamps a buffer when it comes back:
                // stores right before loads of the same bytes would stall (see GeneratorPort).
                long ahead = (long) ((n + i + BURST) & (BUFFERS - 1)) * BUFFER_SIZE + 256;
                long src = srcMacs[f];
                s.set(Packet.BE_LONG, ahead, dstMacs[f] << 16 | src >>> 32);
                s.set(Packet.BE_LONG, ahead + 6, src << 16 | 0x0800);
                if (++f == flows) {
                    f = 0;
                }
            }
            long w0 = s.get(Packet.BE_LONG, a);
            long w1 = s.get(Packet.BE_LONG, a + 6);
            int type = (int) w1 & 0xffff;
            sum += find(w0 >>> 16) + find(w1 >>> 16) + type;
        }
        next = n + BURST;
        nextFlow = f;
        return sum;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }
}
