package org.vswitch4j.core.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Single-threaded behaviour of the pool, with and without per-thread caches. */
class BufferPoolTest {

    private static BufferPool pool(int count, boolean caches) {
        return BufferPool.builder().count(count).bufferSize(256).headroom(64).strict(true).threadCaches(caches)
                .build();
    }

    @ParameterizedTest(name = "thread caches {0}")
    @ValueSource(booleans = {false, true})
    void allocateAndReleaseKeepTheCountsExact(boolean caches) {
        try (BufferPool p = pool(100, caches)) {
            assertEquals(100, p.capacity());
            assertEquals(100, p.freeCount());
            long a = p.allocate();
            long b = p.allocate();
            assertEquals(98, p.freeCount());
            assertEquals(2, p.usedCount());
            p.release(a);
            assertEquals(1, p.usedCount());
            p.release(b);
            assertEquals(0, p.usedCount());
            assertEquals(100, p.freeCount());
            p.assertNoLeaks();
        }
    }

    @ParameterizedTest(name = "thread caches {0}")
    @ValueSource(booleans = {false, true})
    void exhaustedPoolReturnsMinusOneAndEveryHandleIsDistinct(boolean caches) {
        try (BufferPool p = pool(70, caches)) {
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 70; i++) {
                long h = p.allocate();
                assertTrue(h >= 0 && h < 70, "handle " + h);
                assertTrue(seen.add(h), "handle " + h + " handed out twice");
            }
            assertEquals(-1, p.allocate());
            assertEquals(0, p.allocate(new long[4], 0, 4));
            assertEquals(70, p.usedCount());
            for (long h : seen) {
                p.release(h);
            }
            assertEquals(70, p.freeCount());
            p.assertNoLeaks();
        }
    }

    @ParameterizedTest(name = "thread caches {0}")
    @ValueSource(booleans = {false, true})
    void bulkAllocateReturnsWhatIsLeft(boolean caches) {
        try (BufferPool p = pool(50, caches)) {
            long[] h = new long[64];
            assertEquals(40, p.allocate(h, 0, 40));
            assertEquals(10, p.allocate(h, 40, 20), "only 10 buffers were left");
            assertEquals(0, p.allocate(h, 50, 5));
            assertEquals(50, new HashSet<>(java.util.Arrays.stream(h, 0, 50).boxed().toList()).size());
            p.release(h, 0, 50);
            assertEquals(50, p.freeCount());
            p.assertNoLeaks();
        }
    }

    @Test
    void cachedPoolMovesRunsBetweenCacheAndSharedList() {
        try (BufferPool p = pool(4096, true)) {
            assertTrue(p.hasThreadCaches());
            long[] h = new long[1000];
            assertEquals(1000, p.allocate(h, 0, 1000));
            assertEquals(3096, p.freeCount());
            p.release(h, 0, 1000); // flushes runs of 32 whenever the cache reaches 64
            assertEquals(4096, p.freeCount());
            p.flushThreadCache();
            assertEquals(4096, p.freeCount());
            assertEquals(4096, p.allocate(new long[4096], 0, 4096), "all of it is reachable again");
            assertEquals(-1, p.allocate());
        }
    }

    @Test
    void smallPoolsHaveNoThreadCachesByDefault() {
        try (BufferPool small = BufferPool.builder().count(1023).build();
                BufferPool large = BufferPool.builder().count(1024).build()) {
            assertFalse(small.hasThreadCaches());
            assertTrue(large.hasThreadCaches());
        }
    }

    @ParameterizedTest(name = "thread caches {0}")
    @ValueSource(booleans = {false, true})
    void strictPoolThrowsOnDoubleReleaseNamingTheHandle(boolean caches) {
        try (BufferPool p = pool(64, caches)) {
            long h = p.allocate();
            p.release(h);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.release(h));
            assertEquals("buffer handle " + h + " released twice", e.getMessage());
            assertEquals(64, p.freeCount(), "the refused release changed nothing");
        }
    }

    @ParameterizedTest(name = "thread caches {0}")
    @ValueSource(booleans = {false, true})
    void bulkReleaseStopsAtTheFirstBadHandleKeepingTheOnesBefore(boolean caches) {
        try (BufferPool p = pool(128, caches)) {
            long[] h = new long[100];
            assertEquals(100, p.allocate(h, 0, 100));
            h[70] = h[10]; // h[10] is released first, then again at index 70
            long lost = -1;
            for (long x : p.leakCheck()) {
                boolean listed = false;
                for (long y : h) {
                    listed |= x == y;
                }
                if (!listed) {
                    lost = x; // the handle overwritten by the duplicate
                }
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.release(h, 0, 100));
            assertEquals("buffer handle " + h[10] + " released twice", e.getMessage());
            assertEquals(128 - 100 + 70, p.freeCount(), "the 70 handles before the bad one were released");
            p.release(h, 71, 29);
            p.release(lost);
            p.assertNoLeaks();
            assertEquals(128, p.freeCount());
        }
    }

    @ParameterizedTest(name = "thread caches {0}")
    @ValueSource(booleans = {false, true})
    void strictPoolThrowsOnReleaseOfAHandleNeverAllocated(boolean caches) {
        try (BufferPool p = pool(64, caches)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.release(17));
            assertEquals("buffer handle 17 released but never allocated", e.getMessage());
            assertEquals(64, p.freeCount());
        }
    }

    @Test
    void handlesOutsideThePoolAreRefusedInAnyMode() {
        try (BufferPool p = BufferPool.builder().count(8).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.release(8));
            assertEquals("buffer handle 8 is outside 0..7", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> p.release(-1));
        }
    }

    @ParameterizedTest(name = "thread caches {0}")
    @ValueSource(booleans = {false, true})
    void leakCheckListsTheBuffersStillInUse(boolean caches) {
        try (BufferPool p = pool(64, caches)) {
            long[] h = new long[5];
            p.allocate(h, 0, 5);
            p.release(h[1]);
            p.release(h[3]);
            long[] expected = {h[0], h[2], h[4]};
            java.util.Arrays.sort(expected);
            assertArrayEquals(expected, p.leakCheck());
            IllegalStateException e = assertThrows(IllegalStateException.class, p::assertNoLeaks);
            assertEquals("3 buffer(s) still in use, handles " + java.util.Arrays.toString(expected), e.getMessage());
            p.release(h[0]);
            p.release(h[2]);
            p.release(h[4]);
            assertEquals(0, p.leakCheck().length);
            p.assertNoLeaks();
        }
    }

    @Test
    void nonStrictPoolReportsLeaksByNumberOnly() {
        try (BufferPool p = BufferPool.builder().count(16).build()) {
            long h = p.allocate();
            assertThrows(IllegalStateException.class, p::leakCheck);
            IllegalStateException e = assertThrows(IllegalStateException.class, p::assertNoLeaks);
            assertTrue(e.getMessage().startsWith("1 buffer(s) still in use"), e.getMessage());
            p.release(h);
            p.assertNoLeaks();
        }
    }

    @Test
    void buffersAreLaidOutAnOddNumberOfCacheLinesApartInOneRegion() {
        // 512 bytes = 8 lines, an even number: the stride grows to 9 lines (576 bytes), see BufferPool.
        try (BufferPool p = BufferPool.builder().count(10).bufferSize(512).headroom(128).build()) {
            assertEquals(10L * 576, p.region().byteSize());
            assertEquals(0, p.bufferOffset(0));
            assertEquals(9L * 576, p.bufferOffset(9));
            assertEquals(0, p.region().address() % 4096, "page aligned");
        }
        // 1088 bytes are 17 lines already.
        try (BufferPool p = BufferPool.builder().count(4).bufferSize(1088).headroom(128).build()) {
            assertEquals(1088, p.bufferOffset(1));
        }
    }

    @Test
    void framesOfConsecutiveBuffersFallIntoEveryL1Set() {
        // The point of the odd stride: the first line of 64 consecutive frames covers all 64 sets of a
        // 64-set L1 (address bits 6..11), instead of 2 with a 2048-byte stride.
        try (BufferPool p = BufferPool.builder().count(64).bufferSize(2048).build()) {
            java.util.Set<Long> sets = new java.util.HashSet<>();
            for (int h = 0; h < 64; h++) {
                sets.add(((p.region().address() + p.bufferOffset(h) + p.headroom()) >>> 6) & 63);
            }
            assertEquals(64, sets.size());
        }
    }

    @Test
    void poolsOfTwoMegabytesOrMoreAreAlignedForHugePages() {
        try (BufferPool p = BufferPool.builder().count(1024).bufferSize(2048).build()) {
            assertEquals(1024L * (2048 + 64), p.region().byteSize());
            assertEquals(0, p.region().address() % (2L << 20));
        }
    }

    @Test
    void cachesOfThreadsThatEndedAreReclaimed() throws InterruptedException {
        try (BufferPool p = pool(1024, true)) {
            long[] held = new long[1024 - 40];
            p.release(p.allocate()); // this thread's cache exists first, so nothing is reclaimed at registration
            Thread t = new Thread(() -> {
                long h = p.allocate(); // takes a run of 32 into this thread's cache, then ends holding 31
                p.release(h);
            });
            t.start();
            t.join();
            assertEquals(1024, p.freeCount(), "a dead thread's cache still counts as free");
            assertEquals(held.length, p.allocate(held, 0, held.length), "caller takes what the shared list has");
            long[] rest = new long[40];
            assertEquals(40, p.allocate(rest, 0, 40), "the rest comes back from the dead thread's cache once the shared list runs dry");
            assertEquals(-1, p.allocate());
            p.release(held, 0, held.length);
            p.release(rest, 0, 40);
            p.assertNoLeaks();
        }
    }

    @Test
    void builderRefusesBadOptionsNamingTheAllowedValues() {
        assertEquals("buffer count 0 is outside 1..16777216",
                assertThrows(IllegalArgumentException.class, () -> BufferPool.builder().count(0)).getMessage());
        assertEquals("buffer size 300 must be a multiple of 64 in 256..131072",
                assertThrows(IllegalArgumentException.class, () -> BufferPool.builder().bufferSize(300)).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> BufferPool.builder().bufferSize(256).headroom(200).build());
    }
}
