package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.key.FlowField;

/**
 * {@link ActionCollector}, reused across translations, against a fresh {@code DatapathActions.builder()} per
 * list (what translation used before): every list equals the reference, nothing of one translation leaks into
 * the next, and lists handed out earlier stay as they were while the collector is reused. Replay a failure with
 * -Dvs4j.seed=N.
 */
class ActionCollectorTest {
    static Stream<Long> seeds() {
        return MegaflowSoundnessTest.seeds().limit(20);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void reusedCollectorBuildsWhatAFreshBuilderBuilds(long seed) {
        Random rnd = new Random(seed);
        ActionCollector c = new ActionCollector();
        List<DatapathActions> built = new ArrayList<>();
        List<DatapathActions> expected = new ArrayList<>();
        for (int t = 0; t < 2000; t++) {
            c.reset();
            DatapathActions.Builder ref = DatapathActions.builder();
            // Mostly nothing or one output (the shared lists), sometimes longer lists with edits.
            int n = rnd.nextInt(4) == 0 ? rnd.nextInt(12) : rnd.nextInt(2);
            for (int i = 0; i < n; i++) {
                int port = rnd.nextInt(8) == 0 ? ActionCollector.SHARED_PORTS + rnd.nextInt(3) : 1 + rnd.nextInt(40);
                switch (rnd.nextInt(5)) {
                    case 0 -> {
                        int tci = rnd.nextInt(4096);
                        c.pushVlan(0x8100, tci);
                        ref.pushVlan(0x8100, tci);
                    }
                    case 1 -> {
                        c.popVlan();
                        ref.popVlan();
                    }
                    case 2 -> {
                        long v = rnd.nextLong() & 0xffff_ffffL;
                        c.setField(FlowField.IPV4_DST, v);
                        ref.setField(FlowField.IPV4_DST, v);
                    }
                    default -> {
                        c.output(port);
                        ref.output(port);
                    }
                }
            }
            DatapathActions got = c.build();
            DatapathActions want = ref.build();
            assertEquals(want, got, "seed " + seed + " translation " + t + " (replay: -Dvs4j.seed=" + seed + ")");
            built.add(got);
            expected.add(want);
        }
        // The collector's reuse changed none of the lists it handed out.
        assertEquals(expected, built, "seed " + seed + ": a list changed after it was built");
    }

    @Test
    void oneOutputIsOneSharedListPerPort() {
        ActionCollector c = new ActionCollector();
        c.output(3);
        DatapathActions first = c.build();
        c.reset();
        c.output(3);
        assertSame(first, c.build());
        c.reset();
        assertSame(DatapathActions.DROP, c.build());
        c.reset();
        c.output(4);
        assertEquals(DatapathActions.builder().output(4).build(), c.build());
    }
}
