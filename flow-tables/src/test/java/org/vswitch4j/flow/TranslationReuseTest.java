package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.datapath.Translation;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.core.packet.Packet;

/**
 * A translation reuses its pipeline's scratch (the action collector and its shared lists, the arrays of tables
 * looked up and entries matched, the action set): nothing of one upcall may reach the next. Random three-table
 * pipelines (goto, resubmit, set-field, write-actions, several outputs, misses), random keys; every key is
 * translated by a pipeline that translated the other keys first in one order, by a second pipeline with the
 * same rules that took them in the reverse order, and (the first few keys) by a fresh pipeline that translated
 * nothing before: the datapath actions, the megaflow mask, the tags and the memo must be the same in all.
 * Replay a failure with -Dvs4j.seed=N.
 */
class TranslationReuseTest {
    static Stream<Long> seeds() {
        return MegaflowSoundnessTest.seeds().limit(25);
    }

    /** What one translation told the datapath. */
    record Result(DatapathActions actions, List<Long> mask, List<Long> tags, String memo) {
    }

    /** The datapath's side of one translation, as the poll thread's context: collects the tags and the memo. */
    static final class Tx implements Translation {
        final List<Long> tags = new ArrayList<>();
        Object memo;

        @Override
        public long nowNanos() {
            return 0;
        }

        @Override
        public Packet packet() {
            return null;
        }

        @Override
        public boolean isRevalidation() {
            return false;
        }

        @Override
        public void addTag(long tag) {
            if (!tags.contains(tag)) {
                tags.add(tag);
            }
        }

        @Override
        public void setMemo(Object m) {
            memo = m;
        }
    }

    static List<FlowMod> randomRules(Random rnd) {
        List<FlowMod> rules = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            int table = rnd.nextInt(3);
            List<Action> acts = new ArrayList<>();
            switch (rnd.nextInt(6)) {
                case 0 -> acts.add(Action.SetField.of(MatchField.ETH_DST, 0x020000000077L + rnd.nextInt(3)));
                case 1 -> {
                    if (table < 2) {
                        acts.add(new Action.Resubmit(OfPort.IN_PORT, 2));
                    }
                }
                case 2 -> acts.add(Action.Load.of(FieldRef.of(MatchField.REG0, 0, 7), rnd.nextInt(4)));
                default -> {
                }
            }
            for (int o = rnd.nextInt(3); o > 0; o--) {
                acts.add(Action.Output.to(1 + rnd.nextInt(4)));
            }
            Instructions in = Instructions.apply(acts);
            if (table < 2 && rnd.nextBoolean()) {
                in = in.withGoto(table + 1);
            }
            if (rnd.nextInt(4) == 0) {
                in = in.withWriteActions(false, List.of(Action.Output.to(1 + rnd.nextInt(4))));
            }
            Match m = MegaflowSoundnessTest.randomMatch(rnd);
            if (table > 0 && rnd.nextBoolean()) {
                m = Match.Builder.from(m).exact(MatchField.REG0, rnd.nextInt(4)).build();
            }
            rules.add(FlowMod.add(table, rnd.nextInt(100), m, in));
        }
        return rules;
    }

    static Result translate(Rig r, FlowKey k) {
        FlowKey before = k.copy();
        Result[] out = new Result[1];
        r.sw.datapath().withSlowPathLock(() -> {
            FlowMask mask = new FlowMask();
            mask.exact(FlowField.IN_PORT);
            Tx tx = new Tx();
            DatapathActions a = r.of.translate(k, mask, tx);
            List<Long> m = new ArrayList<>();
            for (long w : mask.w) {
                m.add(w);
            }
            out[0] = new Result(a, m, tx.tags, memo(tx.memo));
        });
        // The translation reads the caller's key as its base until it first commits an edit: never writes it.
        assertEquals(java.util.Arrays.toString(before.w), java.util.Arrays.toString(k.w), "the translated key changed");
        return out[0];
    }

    /** A memo by table numbers and entry ids (the same in two pipelines given the same rules in one order). */
    static String memo(Object o) {
        if (!(o instanceof FlowPipeline.Memo m)) {
            return String.valueOf(o);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < m.size(); i++) {
            sb.append(m.table(i).id()).append(':').append(m.entry(i) == null ? "miss" : m.entry(i).id)
                    .append(' ');
        }
        return sb.toString();
    }

    static Rig rig(List<FlowMod> rules) {
        Rig r = new Rig(4);
        for (FlowMod f : rules) {
            r.of.apply(f);
        }
        return r;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aTranslationDependsOnItsKeyNotOnTheOnesBefore(long seed) {
        Random rnd = new Random(seed);
        List<FlowMod> rules = randomRules(rnd);
        List<FlowKey> keys = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            keys.add(MegaflowSoundnessTest.randomKey(rnd));
        }
        String ctx = "seed " + seed + " (replay: -Dvs4j.seed=" + seed + ")";
        try (Rig a = rig(rules); Rig b = rig(rules)) {
            List<Result> forward = new ArrayList<>();
            for (FlowKey k : keys) {
                forward.add(translate(a, k));
            }
            for (int i = keys.size() - 1; i >= 0; i--) {
                assertEquals(forward.get(i), translate(b, keys.get(i)), ctx + ", key " + i + " " + keys.get(i)
                        + " translated after the others in reverse order");
            }
            for (int i = 0; i < 3; i++) {
                try (Rig fresh = rig(rules)) {
                    assertEquals(forward.get(i), translate(fresh, keys.get(i)), ctx + ", key " + i + " "
                            + keys.get(i) + " translated first");
                }
            }
        }
    }
}
