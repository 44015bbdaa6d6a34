package org.vswitch4j.core.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Threads allocate and release at random (single and bulk, and hand buffers to each other through a shared
 * exchange, so buffers are released on other threads than they were allocated on). Every thread marks each
 * buffer it owns in an ownership table, so two owners of one buffer at once are caught; at the end every
 * buffer is free again, strict mode finds no leak, and the counts return to capacity. Bounded by an operation
 * count and a deadline, no sleeping. The seed is printed in every failure; replay with {@code -Dvs4j.seed=N}.
 */
class BufferPoolStressTest {
    private static final int OPS_PER_THREAD = 200_000;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(20);

    @ParameterizedTest(name = "{0} threads, {1} buffers, thread caches {2}")
    @CsvSource({"2, 256, false", "3, 256, false", "2, 2048, true", "3, 4096, true", "3, 1024, true"})
    void concurrentAllocateAndReleaseNeverShareABufferAndReturnEveryOne(int threads, int count, boolean caches)
            throws InterruptedException {
        long seed = seed();
        String ctx = threads + " threads, " + count + " buffers, caches " + caches + ", seed " + seed
                + " (replay with -Dvs4j.seed=" + seed + ")";
        try (BufferPool pool = BufferPool.builder().count(count).bufferSize(256).headroom(0).strict(true)
                .threadCaches(caches).build()) {
            AtomicIntegerArray owner = new AtomicIntegerArray(count); // 0 = nobody, else thread id + 1
            AtomicReference<Throwable> failure = new AtomicReference<>();
            // Hand-off slots: a buffer put here is owned by the exchange until a thread takes it.
            java.util.concurrent.atomic.AtomicLongArray exchange = new java.util.concurrent.atomic.AtomicLongArray(64);
            for (int i = 0; i < exchange.length(); i++) {
                exchange.set(i, -1);
            }
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            Thread[] ts = new Thread[threads];
            for (int id = 0; id < threads; id++) {
                int me = id + 1;
                SplittableRandom rnd = new SplittableRandom(seed + id);
                ts[id] = new Thread(() -> {
                    try {
                        work(pool, me, rnd, owner, exchange, deadline, failure);
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }, "pool-stress-" + me);
            }
            for (Thread t : ts) {
                t.setDaemon(true); // a thread stuck inside the pool must not keep the test JVM alive
                t.start();
            }
            for (Thread t : ts) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) + 5000);
                if (t.isAlive()) {
                    throw new AssertionError(ctx + ": " + t.getName() + " is stuck inside the pool");
                }
            }
            assertNull(failure.get(), () -> ctx + ": " + failure.get());
            for (int i = 0; i < exchange.length(); i++) {
                long h = exchange.get(i);
                if (h >= 0) {
                    pool.release(h);
                }
            }
            pool.assertNoLeaks();
            assertEquals(count, pool.freeCount(), ctx);
            assertEquals(0, pool.usedCount(), ctx);
            assertEquals(count, pool.allocate(new long[count], 0, count), ctx + ": every buffer allocatable");
        }
    }

    private static void work(BufferPool pool, int me, SplittableRandom rnd, AtomicIntegerArray owner,
            java.util.concurrent.atomic.AtomicLongArray exchange, long deadline, AtomicReference<Throwable> failure) {
        long[] held = new long[128];
        int n = 0;
        long[] bulk = new long[32];
        for (int op = 0; op < OPS_PER_THREAD && failure.get() == null; op++) {
            if ((op & 1023) == 0 && System.nanoTime() > deadline) {
                throw new AssertionError("thread " + me + " timed out at operation " + op);
            }
            int choice = rnd.nextInt(10);
            if (choice < 3 && n < held.length) {
                long h = pool.allocate();
                if (h >= 0) {
                    take(owner, h, me);
                    held[n++] = h;
                }
            } else if (choice < 5 && n + 32 <= held.length) {
                int k = pool.allocate(bulk, 0, 1 + rnd.nextInt(32));
                for (int i = 0; i < k; i++) {
                    take(owner, bulk[i], me);
                    held[n++] = bulk[i];
                }
            } else if (choice < 7 && n > 0) {
                int i = rnd.nextInt(n);
                long h = held[i];
                held[i] = held[--n];
                give(owner, h, me);
                pool.release(h);
            } else if (choice < 8 && n > 0) {
                int k = 1 + rnd.nextInt(n);
                for (int i = 0; i < k; i++) {
                    give(owner, held[n - k + i], me);
                }
                pool.release(held, n - k, k);
                n -= k;
            } else if (n > 0) {
                // Hand one buffer to whoever takes it next (ownership moves through the exchange).
                int slot = rnd.nextInt(exchange.length());
                long theirs = exchange.get(slot);
                long mine = held[n - 1];
                give(owner, mine, me);
                if (exchange.compareAndSet(slot, theirs, mine)) {
                    n--;
                    if (theirs >= 0) {
                        take(owner, theirs, me);
                        held[n++] = theirs;
                    }
                } else {
                    take(owner, mine, me);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            give(owner, held[i], me);
        }
        pool.release(held, 0, n);
        pool.flushThreadCache();
    }

    private static void take(AtomicIntegerArray owner, long h, int me) {
        int was = owner.getAndSet((int) h, me);
        if (was != 0) {
            throw new AssertionError("buffer " + h + " handed to thread " + me + " while thread " + was + " owns it");
        }
    }

    private static void give(AtomicIntegerArray owner, long h, int me) {
        int was = owner.getAndSet((int) h, 0);
        if (was != me) {
            throw new AssertionError("thread " + me + " gives up buffer " + h + " owned by " + was);
        }
    }

    private static long seed() {
        String s = System.getProperty("vs4j.seed");
        return s == null || s.isBlank() || s.startsWith("$") ? System.nanoTime() : Long.parseLong(s.trim());
    }
}
