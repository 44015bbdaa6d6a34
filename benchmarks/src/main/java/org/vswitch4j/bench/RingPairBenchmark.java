package org.vswitch4j.bench;

import java.util.concurrent.TimeUnit;
import org.jctools.queues.atomic.MpscAtomicArrayQueue;
import org.jctools.queues.atomic.SpscAtomicArrayQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.vswitch4j.core.ring.LongRing;
import org.vswitch4j.core.ring.MpscLongRing;
import org.vswitch4j.core.ring.SpscLongRing;

/**
 * A producer thread and a consumer thread on one ring (JMH {@code @Group}): the cost of the cross-core
 * hand-off. Each call of a producer method tries once to offer (one value, or a burst of 32), each call of a
 * consumer method tries once to take; a full or empty ring counts as a failed attempt and returns at once
 * (nothing blocks). The score that matters is the {@code polled} counter: values moved per microsecond.
 * JCTools' queues get pre-boxed {@code Long}s.
 *
 * <p>Needs two free cores to mean anything; on a loaded machine the two threads take turns and the figure
 * measures the scheduler.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class RingPairBenchmark {
    static final int BURST = 32;
    static final int CAPACITY = 1024;
    static final Long[] BOXED = new Long[BURST];

    static {
        for (int i = 0; i < BURST; i++) {
            BOXED[i] = 1000L + i;
        }
    }

    /** The shared rings, one set per group. */
    @State(Scope.Group)
    public static class Rings {
        LongRing spsc;
        LongRing mpsc;
        SpscAtomicArrayQueue<Long> jcSpsc;
        MpscAtomicArrayQueue<Long> jcMpsc;

        @Setup(Level.Trial)
        public void setUp() {
            spsc = new SpscLongRing(CAPACITY);
            mpsc = new MpscLongRing(CAPACITY);
            jcSpsc = new SpscAtomicArrayQueue<>(CAPACITY);
            jcMpsc = new MpscAtomicArrayQueue<>(CAPACITY);
        }
    }

    /** Producer-side counts, reported by JMH per second of the unit. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Offers {
        public long offered;
        public long offerFailed;
        final long[] values = new long[BURST];
        int next;

        @Setup(Level.Iteration)
        public void reset() {
            offered = 0;
            offerFailed = 0;
            for (int i = 0; i < BURST; i++) {
                values[i] = 1000 + i;
            }
        }
    }

    /** Consumer-side counts. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Polls {
        public long polled;
        public long pollFailed;
        final long[] out = new long[BURST];

        @Setup(Level.Iteration)
        public void reset() {
            polled = 0;
            pollFailed = 0;
        }
    }

    // ---- SpscLongRing, one value per attempt ----

    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    public void spscOffer(Rings r, Offers o) {
        offerOne(r.spsc, o);
    }

    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    public long spscPoll(Rings r, Polls p) {
        return pollOne(r.spsc, p);
    }

    // ---- MpscLongRing (one producer here), one value per attempt ----

    @Benchmark
    @Group("mpsc")
    @GroupThreads(1)
    public void mpscOffer(Rings r, Offers o) {
        offerOne(r.mpsc, o);
    }

    @Benchmark
    @Group("mpsc")
    @GroupThreads(1)
    public long mpscPoll(Rings r, Polls p) {
        return pollOne(r.mpsc, p);
    }

    // ---- ours, bursts of 32 ----

    @Benchmark
    @Group("spscBatch")
    @GroupThreads(1)
    public void spscBatchOffer(Rings r, Offers o) {
        offerBurst(r.spsc, o);
    }

    @Benchmark
    @Group("spscBatch")
    @GroupThreads(1)
    public long spscBatchDrain(Rings r, Polls p) {
        return drainBurst(r.spsc, p);
    }

    @Benchmark
    @Group("mpscBatch")
    @GroupThreads(1)
    public void mpscBatchOffer(Rings r, Offers o) {
        offerBurst(r.mpsc, o);
    }

    @Benchmark
    @Group("mpscBatch")
    @GroupThreads(1)
    public long mpscBatchDrain(Rings r, Polls p) {
        return drainBurst(r.mpsc, p);
    }

    // ---- JCTools atomic queues, one value per attempt ----

    @Benchmark
    @Group("jctoolsSpsc")
    @GroupThreads(1)
    public void jctoolsSpscOffer(Rings r, Offers o) {
        if (r.jcSpsc.offer(BOXED[o.next++ & (BURST - 1)])) {
            o.offered++;
        } else {
            o.offerFailed++;
        }
    }

    @Benchmark
    @Group("jctoolsSpsc")
    @GroupThreads(1)
    public Long jctoolsSpscPoll(Rings r, Polls p) {
        Long v = r.jcSpsc.poll();
        if (v != null) {
            p.polled++;
        } else {
            p.pollFailed++;
        }
        return v;
    }

    @Benchmark
    @Group("jctoolsMpsc")
    @GroupThreads(1)
    public void jctoolsMpscOffer(Rings r, Offers o) {
        if (r.jcMpsc.offer(BOXED[o.next++ & (BURST - 1)])) {
            o.offered++;
        } else {
            o.offerFailed++;
        }
    }

    @Benchmark
    @Group("jctoolsMpsc")
    @GroupThreads(1)
    public Long jctoolsMpscPoll(Rings r, Polls p) {
        Long v = r.jcMpsc.poll();
        if (v != null) {
            p.polled++;
        } else {
            p.pollFailed++;
        }
        return v;
    }

    private static void offerOne(LongRing ring, Offers o) {
        if (ring.offer(o.values[o.next++ & (BURST - 1)])) {
            o.offered++;
        } else {
            o.offerFailed++;
        }
    }

    private static long pollOne(LongRing ring, Polls p) {
        long v = ring.poll();
        if (v != LongRing.EMPTY) {
            p.polled++;
        } else {
            p.pollFailed++;
        }
        return v;
    }

    private static void offerBurst(LongRing ring, Offers o) {
        int k = ring.offer(o.values, 0, BURST);
        o.offered += k;
        if (k == 0) {
            o.offerFailed++;
        }
    }

    private static long drainBurst(LongRing ring, Polls p) {
        int k = ring.drain(p.out, 0, BURST);
        p.polled += k;
        if (k == 0) {
            p.pollFailed++;
        }
        return k;
    }
}
