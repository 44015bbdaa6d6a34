package org.vswitch4j.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
import org.vswitch4j.core.packet.BufferPool;

/**
 * One thread allocates a burst of 32 buffers and releases them, as a poll thread does per batch: in bulk,
 * and one at a time (as {@code PacketBatch.releaseAll} does). Scores are buffers per microsecond.
 * {@code preferred=true}: the benchmark thread holds the pool's preferred cache (found by a thread compare);
 * {@code false}: another thread holds it, so every lookup goes through the {@code ThreadLocal}.
 * {@code caches=false} measures the shared free list alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@OperationsPerInvocation(BufferPoolBenchmark.BURST)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class BufferPoolBenchmark {
    static final int BURST = 32;

    @Param({"true", "false"})
    public boolean preferred;

    @Param({"true", "false"})
    public boolean caches;

    private BufferPool pool;
    private final long[] handles = new long[BURST];
    private final CountDownLatch done = new CountDownLatch(1);
    private Thread other;

    @Setup
    public void setUp() throws InterruptedException {
        pool = BufferPool.builder().count(16384).threadCaches(caches).build();
        if (preferred) {
            pool.preferCurrentThread();
        } else {
            pool.release(pool.allocate()); // registers this thread's cache
            CountDownLatch preferredTaken = new CountDownLatch(1);
            other = new Thread(() -> {
                pool.preferCurrentThread(); // takes the preference and stays alive, so it keeps it
                preferredTaken.countDown();
                try {
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "preferred-elsewhere");
            other.setDaemon(true);
            other.start();
            preferredTaken.await();
        }
    }

    @TearDown
    public void tearDown() throws InterruptedException {
        done.countDown();
        if (other != null) {
            other.join();
        }
        pool.close();
    }

    @Benchmark
    public long bulkAllocateBulkRelease() {
        int n = pool.allocate(handles, 0, BURST);
        pool.release(handles, 0, n);
        return n;
    }

    @Benchmark
    public long singleAllocateSingleRelease() {
        long sum = 0;
        for (int i = 0; i < BURST; i++) {
            handles[i] = pool.allocate();
        }
        for (int i = 0; i < BURST; i++) {
            sum += handles[i];
            pool.release(handles[i]);
        }
        return sum;
    }
}
