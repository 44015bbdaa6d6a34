package org.vswitch4j.core.ring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Single-threaded edge cases of both ring kinds: capacities, wrap-around, full, empty, bad arguments. */
class LongRingTest {

    static Stream<Arguments> kinds() {
        return Stream.of(
                Arguments.of("spsc", (IntFunction<LongRing>) SpscLongRing::new),
                Arguments.of("mpsc", (IntFunction<LongRing>) MpscLongRing::new));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void capacityOneHoldsOneValueAndWrapsForever(String kind, IntFunction<LongRing> ring) {
        LongRing r = ring.apply(1);
        assertEquals(1, r.capacity());
        for (long v = 0; v < 1000; v++) {
            assertTrue(r.offer(v));
            assertFalse(r.offer(v + 1), "a second value does not fit in capacity 1");
            assertEquals(1, r.size());
            assertEquals(v, r.poll());
            assertEquals(LongRing.EMPTY, r.poll());
            assertEquals(0, r.size());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void capacityTwoWrapsAroundInOrder(String kind, IntFunction<LongRing> ring) {
        LongRing r = ring.apply(2);
        long next = 0;
        long expected = 0;
        for (int round = 0; round < 500; round++) {
            assertTrue(r.offer(next++));
            assertTrue(r.offer(next++));
            assertFalse(r.offer(next));
            assertEquals(expected++, r.poll());
            assertTrue(r.offer(next++), "one slot freed, one value fits");
            assertEquals(expected++, r.poll());
            assertEquals(expected++, r.poll());
            assertEquals(LongRing.EMPTY, r.poll());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void fullRingRefusesUntilTheConsumerFreesASlot(String kind, IntFunction<LongRing> ring) {
        LongRing r = ring.apply(8);
        for (long v = 0; v < 8; v++) {
            assertTrue(r.offer(v));
        }
        assertFalse(r.offer(8));
        assertEquals(0, r.offer(new long[] {8, 9}, 0, 2), "a batch into a full ring takes nothing");
        assertEquals(8, r.size());
        assertEquals(0, r.poll());
        assertTrue(r.offer(8));
        long[] out = new long[16];
        assertEquals(8, r.drain(out, 0, 16));
        assertArrayEquals(new long[] {1, 2, 3, 4, 5, 6, 7, 8}, java.util.Arrays.copyOf(out, 8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void emptyRingPollsEmptyAndDrainsNothing(String kind, IntFunction<LongRing> ring) {
        LongRing r = ring.apply(4);
        assertEquals(LongRing.EMPTY, r.poll());
        assertEquals(0, r.drain(new long[4], 0, 4));
        assertEquals(0, r.size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void batchOfferTakesWhatFitsAndDrainRespectsOffsetAndMax(String kind, IntFunction<LongRing> ring) {
        LongRing r = ring.apply(8);
        assertEquals(5, r.offer(new long[] {0, 1, 2, 3, 4}, 0, 5));
        assertEquals(3, r.offer(new long[] {-7, 5, 6, 7, 8, 9}, 1, 5), "only 3 of 5 fit");
        assertEquals(0, r.offer(new long[] {1}, 0, 0));
        long[] out = new long[10];
        assertEquals(3, r.drain(out, 2, 3));
        assertArrayEquals(new long[] {0, 0, 0, 1, 2, 0, 0, 0, 0, 0}, out);
        assertEquals(5, r.drain(out, 5, 5));
        assertArrayEquals(new long[] {0, 0, 0, 1, 2, 3, 4, 5, 6, 7}, out);
        assertEquals(0, r.drain(out, 0, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void extremeLegalValuesRoundTrip(String kind, IntFunction<LongRing> ring) {
        LongRing r = ring.apply(4);
        assertTrue(r.offer(0));
        assertTrue(r.offer(Long.MAX_VALUE));
        assertEquals(0, r.poll());
        assertEquals(Long.MAX_VALUE, r.poll());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void negativeValuesAreRefusedAndNothingIsEnqueued(String kind, IntFunction<LongRing> ring) {
        LongRing r = ring.apply(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.offer(-1));
        assertTrue(e.getMessage().contains("-1") && e.getMessage().contains("0.."), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.offer(new long[] {1, 2, Long.MIN_VALUE}, 0, 3));
        assertEquals(0, r.size());
        assertEquals(LongRing.EMPTY, r.poll(), "a refused batch leaves no partial values behind");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void outOfBoundsBatchRangesThrow(String kind, IntFunction<LongRing> ring) {
        LongRing r = ring.apply(4);
        assertThrows(IndexOutOfBoundsException.class, () -> r.offer(new long[2], 1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> r.drain(new long[2], -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> r.drain(new long[2], 0, 3));
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, -1, 3, 6, 1000, (1 << 30) + 1, Integer.MAX_VALUE, Integer.MIN_VALUE})
    void capacityMustBeAPowerOfTwo(int capacity) {
        for (IntFunction<LongRing> f : java.util.List.<IntFunction<LongRing>>of(SpscLongRing::new,
                MpscLongRing::new)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.apply(capacity));
            assertTrue(e.getMessage().contains("power of two in 1..1073741824"), e.getMessage());
        }
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {1, 2, 4, 1024, 1 << 16})
    void powersOfTwoAreAccepted(int capacity) {
        assertEquals(capacity, new SpscLongRing(capacity).capacity());
        assertEquals(capacity, new MpscLongRing(capacity).capacity());
    }
}
