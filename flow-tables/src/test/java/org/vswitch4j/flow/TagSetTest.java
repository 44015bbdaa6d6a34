package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link TagSet} against a {@code LinkedHashSet<Long>}: the same tags in the same order after random adds and
 * clears (small changes and changes past the limit, tags that collide in the table), nothing carried from one
 * change into the next. Replay a failure with -Dvs4j.seed=N.
 */
class TagSetTest {
    static Stream<Long> seeds() {
        return MegaflowSoundnessTest.seeds().limit(20);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void holdsWhatAHashSetHoldsAcrossClears(long seed) {
        Random rnd = new Random(seed);
        TagSet set = new TagSet();
        for (int change = 0; change < 200; change++) {
            Set<Long> ref = new LinkedHashSet<>();
            boolean all = false;
            // Mostly small changes (a flow mod's few tags), some past the limit (a large bundle).
            int adds = rnd.nextInt(10) == 0 ? rnd.nextInt(2 * TagSet.LIMIT) : rnd.nextInt(12);
            // Few distinct values per change so that duplicates are common; high bits vary so probes collide.
            long base = rnd.nextLong();
            for (int i = 0; i < adds; i++) {
                long tag = rnd.nextInt(50) == 0 ? 0L : base ^ ((long) rnd.nextInt(adds + 1) << rnd.nextInt(60));
                set.add(tag);
                if (tag == 0) {
                    all = true;
                } else if (!all) {
                    ref.add(tag);
                    if (ref.size() > TagSet.LIMIT) {
                        all = true;
                    }
                }
            }
            String ctx = "seed " + seed + " change " + change + " (replay: -Dvs4j.seed=" + seed + ")";
            assertEquals(all, set.all(), ctx);
            if (!all) {
                assertEquals(ref.size(), set.size(), ctx);
                int i = 0;
                for (long t : ref) {
                    assertEquals(t, set.get(i++), ctx);
                    assertTrue(set.contains(t), ctx);
                }
                long absent = rnd.nextLong();
                assertEquals(ref.contains(absent), set.contains(absent), ctx);
            }
            set.clear();
            assertTrue(set.isEmpty(), ctx);
            for (long t : ref) {
                assertFalse(set.contains(t), ctx + ": tag " + t + " survived the clear");
            }
        }
    }

    @Test
    void tagZeroMeansEverything() {
        TagSet set = new TagSet();
        set.add(7);
        set.add(0);
        set.add(9);
        assertTrue(set.all());
        assertTrue(set.contains(0));
        set.clear();
        assertFalse(set.all());
        assertTrue(set.isEmpty());
    }

    @Test
    void oneTagPastTheLimitMeansEverything() {
        TagSet set = new TagSet();
        for (int i = 1; i <= TagSet.LIMIT; i++) {
            set.add(i);
        }
        assertFalse(set.all());
        set.add(1); // a duplicate is not a new tag
        assertFalse(set.all());
        set.add(TagSet.LIMIT + 1);
        assertTrue(set.all());
    }
}
