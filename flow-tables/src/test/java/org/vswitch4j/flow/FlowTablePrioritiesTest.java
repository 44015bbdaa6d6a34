package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The distinct priorities a {@link FlowTable} keeps (which priority tags an add invalidates) against a
 * {@code TreeMap} of counts, after random inserts and removes of entries with few and many distinct priorities.
 * Replay a failure with -Dvs4j.seed=N.
 */
class FlowTablePrioritiesTest {
    static Stream<Long> seeds() {
        return MegaflowSoundnessTest.seeds().limit(20);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void prioritiesBelowAreWhatATreeMapOfCountsSays(long seed) {
        Random rnd = new Random(seed);
        FlowTable tb = new FlowTable(0);
        TreeMap<Integer, Integer> ref = new TreeMap<>();
        List<FlowEntry> in = new ArrayList<>();
        int spread = rnd.nextBoolean() ? 5 : 300;
        long version = 1;
        long id = 1;
        for (int step = 0; step < 600; step++) {
            if (in.isEmpty() || rnd.nextInt(3) > 0) {
                int p = rnd.nextInt(spread) * 3;
                FlowMod m = FlowMod.add(0, p, MegaflowSoundnessTest.randomMatch(rnd), Instructions.apply(Action.Output.to(1)));
                FlowEntry e = new FlowEntry(id++, m, m.instructions(), 0);
                tb.insert(e, ++version);
                in.add(e);
                ref.merge(p, 1, Integer::sum);
            } else {
                FlowEntry e = in.remove(rnd.nextInt(in.size()));
                tb.remove(e, ++version);
                ref.computeIfPresent(e.priority, (k, v) -> v == 1 ? null : v - 1);
            }
            int q = rnd.nextInt(spread * 3 + 2) - 1;
            List<Integer> want = new ArrayList<>(ref.headMap(q, false).keySet());
            int n = tb.prioritiesBelow(q);
            List<Integer> got = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                got.add(tb.priorityAt(i));
            }
            assertEquals(want, got, "seed " + seed + " step " + step + ", priorities below " + q
                    + " (replay: -Dvs4j.seed=" + seed + ")");
        }
    }
}
