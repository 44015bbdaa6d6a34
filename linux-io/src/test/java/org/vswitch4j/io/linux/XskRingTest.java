package org.vswitch4j.io.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The AF_XDP ring protocol against a simulated kernel on a ring laid out as the kernel lays it out
 * (producer, consumer and flags words, then the entries): in random interleavings, from indices just below
 * the u32 wrap, every entry arrives once and in order, a producer never overwrites an unconsumed entry and a
 * consumer never reads an unpublished one, and a peek from a thread that does not own the ring changes nothing.
 * Seeded: a failure prints the seed; {@code -Dvs4j.seed=N} replays it.
 */
class XskRingTest {
    static final long PROD = 0;
    static final long CONS = 64;
    static final long FLAGS = 128;
    static final long DESC = 192;

    static LongStream seeds() {
        String fixed = System.getProperty("vs4j.seed");
        if (fixed != null && !fixed.isEmpty() && !fixed.startsWith("$")) {
            return LongStream.of(Long.parseLong(fixed));
        }
        long base = System.nanoTime();
        return LongStream.range(0, 20).map(i -> base + i);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aProducerRingCarriesEveryEntryOnceInOrderAcrossTheIndexWrap(long seed) {
        Random rnd = new Random(seed);
        int size = 1 << (3 + rnd.nextInt(5));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(DESC + 8L * size, 64);
            int start = -1 - rnd.nextInt(3 * size); // just below 2^32
            m.set(ValueLayout.JAVA_INT, PROD, start);
            m.set(ValueLayout.JAVA_INT, CONS, start);
            XskRing ring = new XskRing(m.address(), m.byteSize(), PROD, CONS, FLAGS, DESC, size, 8, true);
            long next = 0;
            long expect = 0;
            int kernelCons = start;
            for (int step = 0; step < 5000; step++) {
                if (rnd.nextBoolean()) { // we produce
                    int n = ring.free(1 + rnd.nextInt(size));
                    int inFlight = ring.cachedProd - kernelCons;
                    assertTrue(inFlight + n <= size, "seed " + seed + ": would overwrite unconsumed entries");
                    for (int i = 0; i < n; i++) {
                        m.set(ValueLayout.JAVA_LONG, ring.entry(ring.cachedProd + i), next++);
                    }
                    ring.submit(n);
                } else { // the kernel consumes
                    int prod = m.get(ValueLayout.JAVA_INT, PROD);
                    int n = rnd.nextInt(prod - kernelCons + 1);
                    for (int i = 0; i < n; i++) {
                        long v = m.get(ValueLayout.JAVA_LONG, DESC + 8L * ((kernelCons + i) & (size - 1)));
                        assertEquals(expect++, v, "seed " + seed + ": entry out of order");
                    }
                    kernelCons += n;
                    m.set(ValueLayout.JAVA_INT, CONS, kernelCons);
                }
            }
            assertEquals(next - expect, ring.pending(), "seed " + seed + ": pending entries");
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aConsumerRingReadsOnlyPublishedEntriesOnceInOrderAcrossTheIndexWrap(long seed) {
        Random rnd = new Random(seed);
        int size = 1 << (3 + rnd.nextInt(5));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(DESC + 16L * size, 64);
            int start = -1 - rnd.nextInt(3 * size);
            m.set(ValueLayout.JAVA_INT, PROD, start);
            m.set(ValueLayout.JAVA_INT, CONS, start);
            XskRing ring = new XskRing(m.address(), m.byteSize(), PROD, CONS, FLAGS, DESC, size, 16, false);
            long next = 0;
            long expect = 0;
            int kernelProd = start;
            for (int step = 0; step < 5000; step++) {
                if (rnd.nextBoolean()) { // the kernel produces into the room our consumer index leaves
                    int room = size - (kernelProd - m.get(ValueLayout.JAVA_INT, CONS));
                    int n = rnd.nextInt(room + 1);
                    for (int i = 0; i < n; i++) {
                        m.set(ValueLayout.JAVA_LONG, DESC + 16L * ((kernelProd + i) & (size - 1)), next++);
                    }
                    kernelProd += n;
                    m.set(ValueLayout.JAVA_INT, PROD, kernelProd);
                } else if (rnd.nextInt(3) == 0) { // another thread asks whether entries wait (completionsPending)
                    int p = ring.cachedProd;
                    int c = ring.cachedCons;
                    assertEquals(kernelProd != c, ring.peekAvailable(), "seed " + seed + ": peek");
                    assertTrue(p == ring.cachedProd && c == ring.cachedCons,
                            "seed " + seed + ": a peek changed the owner's cached indices");
                } else { // we consume
                    int n = ring.available(1 + rnd.nextInt(size));
                    assertTrue(n <= kernelProd - ring.cachedCons, "seed " + seed + ": read past the producer");
                    for (int i = 0; i < n; i++) {
                        assertEquals(expect++, m.get(ValueLayout.JAVA_LONG, ring.entry(ring.cachedCons + i)),
                                "seed " + seed + ": entry out of order");
                    }
                    ring.release(n);
                    assertEquals(ring.cachedCons, m.get(ValueLayout.JAVA_INT, CONS), "seed " + seed);
                }
            }
        }
    }

    @Test
    void aBurstTakesEveryEntryTheKernelPublishedSinceTheLastReadUpToItsSize() {
        int size = 64;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(DESC + 16L * size, 64);
            XskRing ring = new XskRing(m.address(), m.byteSize(), PROD, CONS, FLAGS, DESC, size, 16, false);
            m.set(ValueLayout.JAVA_INT, PROD, 3);
            assertEquals(3, ring.available(32));
            ring.release(1); // two entries stay cached; the kernel publishes 40 more meanwhile
            m.set(ValueLayout.JAVA_INT, PROD, 43);
            assertEquals(32, ring.available(32), "a short cached count is refreshed, not returned as a short burst");
            ring.release(32);
            assertEquals(10, ring.available(32));
            ring.release(10);
            assertEquals(0, ring.available(32));
        }
    }
}
