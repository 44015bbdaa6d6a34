package org.vswitch4j.core.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Producers and one consumer on real threads: every value is seen exactly once and, per producer, in the
 * order offered. A value encodes (producer id &lt;&lt; 40 | sequence), so the consumer checks each one against
 * the next sequence it expects from that producer. Small capacities keep the ring full often, so full-ring
 * refusals and wrap-around happen thousands of times. Bounded in count and by a deadline; no sleeping (a
 * refused or empty side yields, since the machine may have fewer cores than threads).
 *
 * <p>Random batch sizes come from a seed printed in every failure; replay with {@code -Dvs4j.seed=N}.
 */
class LongRingStressTest {
    private static final int PER_PRODUCER = 200_000;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(20);
    private static final int SHIFT = 40;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("spsc", 1, false, 8),
                Arguments.of("spsc", 1, true, 8),
                Arguments.of("spsc", 1, true, 1024),
                Arguments.of("mpsc", 1, false, 8),
                Arguments.of("mpsc", 2, false, 8),
                Arguments.of("mpsc", 3, false, 16),
                Arguments.of("mpsc", 1, true, 8),
                Arguments.of("mpsc", 2, true, 32),
                Arguments.of("mpsc", 3, true, 64),
                Arguments.of("mpsc", 3, true, 1024));
    }

    @ParameterizedTest(name = "{0}, {1} producer(s), batch={2}, capacity {3}")
    @MethodSource("cases")
    void everyValueArrivesExactlyOnceInOrderPerProducer(String kind, int producers, boolean batch, int capacity)
            throws InterruptedException {
        long seed = seed();
        String ctx = kind + " producers=" + producers + " batch=" + batch + " capacity=" + capacity
                + " seed=" + seed + " (replay with -Dvs4j.seed=" + seed + ")";
        LongRing ring = kind.equals("spsc") ? new SpscLongRing(capacity) : new MpscLongRing(capacity);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        long[] refusals = new long[producers];

        Thread[] threads = new Thread[producers];
        for (int id = 0; id < producers; id++) {
            int pid = id;
            SplittableRandom rnd = new SplittableRandom(seed + pid);
            threads[id] = new Thread(() -> {
                try {
                    produce(ring, pid, batch, rnd, deadline, refusals, failure);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "producer-" + pid);
        }
        for (Thread t : threads) {
            t.setDaemon(true); // a thread stuck inside the ring must not keep the test JVM alive
            t.start();
        }
        long[] next = new long[producers];
        long received = consume(ring, producers, batch, new SplittableRandom(~seed), deadline, next, failure);
        for (Thread t : threads) {
            t.join(TimeUnit.NANOSECONDS.toMillis(Math.max(1, deadline - System.nanoTime())) + 5000);
            if (t.isAlive()) {
                throw new AssertionError(ctx + ": " + t.getName() + " is stuck inside the ring");
            }
        }
        assertNull(failure.get(), () -> ctx + ": " + failure.get());
        assertEquals((long) producers * PER_PRODUCER, received, ctx);
        for (int p = 0; p < producers; p++) {
            assertEquals(PER_PRODUCER, next[p], ctx + ": producer " + p);
        }
        assertEquals(LongRing.EMPTY, ring.poll(), ctx + ": nothing extra left behind");
        assertEquals(0, ring.size(), ctx);
        long refused = 0;
        for (long r : refusals) {
            refused += r;
        }
        System.out.println("LongRingStressTest " + ctx + ": " + received + " values, " + refused
                + " full-ring refusals");
    }

    private static void produce(LongRing ring, int pid, boolean batch, SplittableRandom rnd, long deadline,
            long[] refusals, AtomicReference<Throwable> failure) {
        long base = (long) pid << SHIFT;
        long[] buf = new long[32];
        long seq = 0;
        long refused = 0;
        while (seq < PER_PRODUCER && failure.get() == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("producer " + pid + " timed out at sequence " + seq);
            }
            if (batch) {
                int n = (int) Math.min(1 + rnd.nextInt(32), PER_PRODUCER - seq);
                for (int i = 0; i < n; i++) {
                    buf[i] = base | (seq + i);
                }
                int off = 0;
                while (off < n) {
                    int k = ring.offer(buf, off, n - off);
                    if (k == 0) {
                        refused++;
                        Thread.yield();
                        if (failure.get() != null || System.nanoTime() > deadline) {
                            break;
                        }
                    }
                    off += k;
                }
                seq += off;
            } else if (ring.offer(base | seq)) {
                seq++;
            } else {
                refused++;
                Thread.yield();
            }
        }
        refusals[pid] = refused;
    }

    private static long consume(LongRing ring, int producers, boolean batch, SplittableRandom rnd, long deadline,
            long[] next, AtomicReference<Throwable> failure) {
        long total = (long) producers * PER_PRODUCER;
        long received = 0;
        long[] buf = new long[32];
        while (received < total && failure.get() == null) {
            int k;
            if (batch) {
                k = ring.drain(buf, 0, 1 + rnd.nextInt(32));
            } else {
                long v = ring.poll();
                k = v == LongRing.EMPTY ? 0 : 1;
                buf[0] = v;
            }
            if (k == 0) {
                if (System.nanoTime() > deadline) {
                    failure.compareAndSet(null, new AssertionError("consumer timed out after " + received
                            + " of " + total + " values"));
                    break;
                }
                Thread.yield();
                continue;
            }
            for (int i = 0; i < k; i++) {
                long v = buf[i];
                int p = (int) (v >>> SHIFT);
                long s = v & ((1L << SHIFT) - 1);
                if (p >= producers || s != next[p]) {
                    failure.compareAndSet(null, new AssertionError("value " + Long.toHexString(v) + " (producer "
                            + p + ", sequence " + s + ") arrived; expected sequence "
                            + (p < producers ? next[p] : -1) + " after " + received + " values"));
                    return received;
                }
                next[p]++;
            }
            received += k;
        }
        return received;
    }

    private static long seed() {
        String s = System.getProperty("vs4j.seed");
        return s == null || s.isBlank() || s.startsWith("$") ? System.nanoTime() : Long.parseLong(s.trim());
    }
}
