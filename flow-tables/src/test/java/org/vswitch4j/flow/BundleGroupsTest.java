package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code FlowPipeline.apply(List)} validates and applies a bundle in groups, each group first read ahead (its
 * mods' instructions and match words, and the table slots through {@code Classifier.touchInsert}): the reads must
 * change nothing. Random bundles of 1-80 mods (adds, re-adds of an earlier match, strict deletes and modifies,
 * some into tables not yet created), applied as one bundle to one pipeline and one by one to another: the same
 * flows must result, and the same translations. Replay a failure with -Dvs4j.seed=N.
 */
class BundleGroupsTest {
    static Stream<Long> seeds() {
        return MegaflowSoundnessTest.seeds().limit(30);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aBundleDoesWhatItsModsDoOneByOne(long seed) {
        Random rnd = new Random(seed);
        String ctx = "seed " + seed + " (replay: -Dvs4j.seed=" + seed + ")";
        try (Rig bundled = new Rig(4); Rig single = new Rig(4)) {
            List<FlowMod> done = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                List<FlowMod> bundle = new ArrayList<>();
                for (int i = 1 + rnd.nextInt(80); i > 0; i--) {
                    FlowMod m;
                    int kind = rnd.nextInt(8);
                    if (kind < 2 && !done.isEmpty()) {
                        FlowMod old = done.get(rnd.nextInt(done.size()));
                        m = kind == 0 ? old.withCommand(FlowMod.Command.DELETE_STRICT)
                                : new FlowMod(FlowMod.Command.MODIFY_STRICT, old.table(), old.priority(), old.match(),
                                        Instructions.apply(List.of(Action.Output.to(1 + rnd.nextInt(4)))), 0, 0, 0, 0,
                                        0, java.util.Set.of(), OfPort.ANY, FlowMod.ANY_GROUP);
                    } else if (kind == 2 && !done.isEmpty()) {
                        FlowMod old = done.get(rnd.nextInt(done.size()));
                        m = FlowMod.add(old.table(), old.priority(), old.match(),
                                Instructions.apply(List.of(Action.Output.to(1 + rnd.nextInt(4)))));
                    } else {
                        int table = rnd.nextInt(round + 2); // later rounds reach tables the earlier ones had not
                        Instructions in = Instructions.apply(List.of(Action.Output.to(1 + rnd.nextInt(4))));
                        if (table < 5 && rnd.nextBoolean()) {
                            in = in.withGoto(table + 1);
                        }
                        m = FlowMod.add(table, rnd.nextInt(50), MegaflowSoundnessTest.randomMatch(rnd), in);
                    }
                    bundle.add(m);
                    if (m.command() == FlowMod.Command.ADD) {
                        done.add(m);
                    }
                }
                bundled.of.apply(bundle);
                for (FlowMod m : bundle) {
                    single.of.apply(m);
                }
                assertEquals(flows(single.of), flows(bundled.of), ctx + ", round " + round + ", bundle " + bundle);
            }
            for (int i = 0; i < 60; i++) {
                var k = MegaflowSoundnessTest.randomKey(rnd);
                var a = TranslationReuseTest.translate(single, k);
                var b = TranslationReuseTest.translate(bundled, k);
                assertEquals(a.actions(), b.actions(), ctx + ", key " + k);
                assertEquals(a.mask(), b.mask(), ctx + ", key " + k);
            }
        }
    }

    /** The flows as text without counters and ids, sorted. */
    static List<String> flows(FlowPipeline of) {
        List<String> l = new ArrayList<>();
        for (FlowStats s : of.dumpFlows()) {
            l.add(s.flow().table() + " " + s.flow().priority() + " " + s.flow().match() + " " + s.flow().instructions());
        }
        l.sort(null);
        return l;
    }
}
