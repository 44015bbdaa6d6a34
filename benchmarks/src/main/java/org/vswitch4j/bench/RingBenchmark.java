package org.vswitch4j.bench;

import java.util.concurrent.TimeUnit;
import org.jctools.queues.atomic.MpscAtomicArrayQueue;
import org.jctools.queues.atomic.SpscAtomicArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.vswitch4j.core.ring.LongRing;
import org.vswitch4j.core.ring.MpscLongRing;
import org.vswitch4j.core.ring.SpscLongRing;

/**
 * One thread offers a burst of 32 values and polls them back: the cost of the ring operations themselves,
 * uncontended, with every line in the thread's own cache. Scores are values per microsecond (each
 * invocation moves 32). Ours carry primitive longs; JCTools' atomic queues carry objects, so they get
 * pre-boxed {@code Long}s (no boxing inside the measurement, which is the fairest comparison; a real
 * caller of theirs would also pay for boxing or for a pool of holder objects).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@OperationsPerInvocation(RingBenchmark.BURST)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class RingBenchmark {
    static final int BURST = 32;
    static final int CAPACITY = 1024;

    private final long[] values = new long[BURST];
    private final long[] out = new long[BURST];
    private final Long[] boxed = new Long[BURST];

    private LongRing spsc;
    private LongRing mpsc;
    private SpscAtomicArrayQueue<Long> jcSpsc;
    private MpscAtomicArrayQueue<Long> jcMpsc;

    @Setup
    public void setUp() {
        for (int i = 0; i < BURST; i++) {
            values[i] = 1000 + i;
            boxed[i] = values[i];
        }
        spsc = new SpscLongRing(CAPACITY);
        mpsc = new MpscLongRing(CAPACITY);
        jcSpsc = new SpscAtomicArrayQueue<>(CAPACITY);
        jcMpsc = new MpscAtomicArrayQueue<>(CAPACITY);
    }

    @Benchmark
    public long spscOfferPoll() {
        return offerPoll(spsc);
    }

    @Benchmark
    public long mpscOfferPoll() {
        return offerPoll(mpsc);
    }

    @Benchmark
    public long spscBatch() {
        return batch(spsc);
    }

    @Benchmark
    public long mpscBatch() {
        return batch(mpsc);
    }

    @Benchmark
    public long jctoolsSpscOfferPoll() {
        SpscAtomicArrayQueue<Long> q = jcSpsc;
        for (int i = 0; i < BURST; i++) {
            q.offer(boxed[i]);
        }
        long sum = 0;
        for (int i = 0; i < BURST; i++) {
            sum += q.poll();
        }
        return sum;
    }

    @Benchmark
    public long jctoolsMpscOfferPoll() {
        MpscAtomicArrayQueue<Long> q = jcMpsc;
        for (int i = 0; i < BURST; i++) {
            q.offer(boxed[i]);
        }
        long sum = 0;
        for (int i = 0; i < BURST; i++) {
            sum += q.poll();
        }
        return sum;
    }

    private long offerPoll(LongRing r) {
        for (int i = 0; i < BURST; i++) {
            r.offer(values[i]);
        }
        long sum = 0;
        for (int i = 0; i < BURST; i++) {
            sum += r.poll();
        }
        return sum;
    }

    private long batch(LongRing r) {
        r.offer(values, 0, BURST);
        return r.drain(out, 0, BURST) + out[BURST - 1];
    }
}
