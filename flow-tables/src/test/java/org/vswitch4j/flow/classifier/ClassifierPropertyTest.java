package org.vswitch4j.flow.classifier;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The classifier against {@link LinearClassifier}, a list scanned per lookup: random rules (random masks
 * over realistic fields, random priorities with many ties), interleaved inserts, removes, re-inserts,
 * version bumps and gc, and lookups at old and new versions of keys drawn near the rules. Every lookup must
 * give the reference's answer, and its consulted mask must be sound: keys that agree with the looked-up key
 * on the consulted bits, whatever their other bits, get the same answer from the reference. A twin
 * classifier whose prefix tries keep their jump tables from a few prefixes on (instead of thousands), and so
 * defer walks below them until a subtable misses, gets every operation too and must give the same answers
 * and consult exactly the same bits.
 */
class ClassifierPropertyTest {
    private static final int PERTURBATIONS = 8;

    static LongStream seeds() {
        Random r = new Random(Seeds.BASE);
        return LongStream.generate(r::nextLong).limit(300);
    }

    @ParameterizedTest(name = "case {index}")
    @MethodSource("seeds")
    void agreesWithALinearScanAndConsultsEnoughBits(long seed) {
        new Run(seed).run();
    }

    private static final class Run {
        final long seed;
        final Random r;
        final RuleGen gen;
        final Classifier<TestRule> c;
        /**
         * {@link #c} with jump tables from a few prefixes on, or (half the runs) with no top table and a small trie's
         * node tables from a few prefixes below a node on: the same answers, the same consulted bits.
         */
        final Classifier<TestRule> jumping;
        final LinearClassifier ref = new LinearClassifier();
        final List<TestRule> live = new ArrayList<>();
        /** Removed rules with the version they were removed at, for re-inserts. */
        final List<TestRule> gone = new ArrayList<>();
        final List<Long> goneAt = new ArrayList<>();
        final List<Long> addedAt = new ArrayList<>();
        long version;
        long oldest;
        final StringBuilder log = new StringBuilder();

        Run(long seed) {
            this.seed = seed;
            r = new Random(seed);
            gen = new RuleGen(r, 1 + r.nextInt(20));
            int kind = r.nextInt(4);
            c = kind == 3 ? new Classifier<>() : builder(kind).build(TestRule.class);
            jumping = r.nextBoolean() ? builder(kind).jumpTablesFrom(1 + r.nextInt(8)).build(TestRule.class)
                    : builder(kind).smallTablesFrom(1 + r.nextInt(8)).build(TestRule.class);
        }

        static Classifier.Builder builder(int kind) {
            return switch (kind) {
                case 0 -> Classifier.builder().prefixFields();
                case 1 -> Classifier.builder().prefixFields(FlowField.IPV4_DST, FlowField.IPV6_SRC);
                case 2 -> Classifier.builder().prefixFields(FlowField.TUN_SRC, FlowField.IPV4_SRC);
                default -> Classifier.builder();
            };
        }

        String why(String what) {
            String tail = log.length() > 4000 ? log.substring(log.length() - 4000) : log.toString();
            return what + "\nrecent ops:\n" + tail + "\n" + c + Seeds.replay(seed);
        }

        void run() {
            int ops = 200 + r.nextInt(300);
            for (int i = 0; i < ops; i++) {
                int x = r.nextInt(100);
                if (x < 30) {
                    insert(gen.rule());
                } else if (x < 45 && !live.isEmpty()) {
                    remove();
                } else if (x < 48 && !gone.isEmpty()) {
                    reinsert();
                } else if (x < 53) {
                    version++;
                    log.append("publish ").append(version).append('\n');
                } else if (x < 57) {
                    oldest += r.nextInt((int) (version - oldest) + 1);
                    c.gc(oldest);
                    jumping.gc(oldest);
                    ref.gc(oldest);
                    log.append("gc ").append(oldest).append('\n');
                    checkCounts();
                } else if (x < 62) {
                    checkListings();
                } else if (x < 70) {
                    checkForEachMatch();
                } else {
                    checkLookup();
                }
            }
            checkCounts();
            checkListings();
        }

        /** A version lookups may use: any from the oldest in use to the next, unpublished one. */
        long someVersion() {
            return oldest + r.nextInt((int) (version + 1 - oldest) + 1);
        }

        void insert(TestRule rule) {
            long v = version + r.nextInt(2);
            c.insert(rule, v);
            jumping.insert(rule, v);
            ref.insert(rule, v);
            live.add(rule);
            addedAt.add(v);
            log.append("insert ").append(rule).append(" at ").append(v).append('\n');
        }

        void remove() {
            int i = r.nextInt(live.size());
            TestRule rule = live.remove(i);
            long v = Math.max(addedAt.remove(i), version + r.nextInt(2));
            c.remove(rule, v);
            jumping.remove(rule, v);
            ref.remove(rule, v);
            gone.add(rule);
            goneAt.add(v);
            log.append("remove ").append(rule.name).append(" at ").append(v).append('\n');
        }

        void reinsert() {
            int i = r.nextInt(gone.size());
            long v = Math.max(goneAt.get(i), version + r.nextInt(2));
            TestRule rule = gone.remove(i);
            goneAt.remove(i);
            c.insert(rule, v);
            jumping.insert(rule, v);
            ref.insert(rule, v);
            live.add(rule);
            addedAt.add(v);
            log.append("re-insert ").append(rule.name).append(" at ").append(v).append('\n');
        }

        void checkLookup() {
            long v = someVersion();
            FlowKey k = gen.keyNear(live);
            FlowMask consulted = new FlowMask();
            TestRule got = c.lookup(k, v, consulted);
            TestRule want = ref.lookup(k.w, v);
            assertSame(want, got, () -> why("lookup of " + k + " at version " + v));
            FlowMask jc = new FlowMask();
            assertSame(got, jumping.lookup(k, v, jc), () -> why("jump-table twin's lookup of " + k));
            assertEquals(consulted, jc, () -> why("jump-table twin consulted other bits for " + k));
            for (int i = 0; i < PERTURBATIONS; i++) {
                FlowKey p = gen.perturb(k, consulted.w, live);
                TestRule other = ref.lookup(p.w, v);
                assertSame(got, other, () -> why("unsound consulted mask " + consulted + ": lookup of " + k
                        + " gave " + got + " but " + p + ", which agrees on those bits, gives " + other
                        + " (version " + v + ")"));
            }
        }

        void checkForEachMatch() {
            long v = someVersion();
            FlowKey k = gen.keyNear(live);
            int min = r.nextBoolean() ? Integer.MIN_VALUE : r.nextInt(8);
            int limit = r.nextBoolean() ? Integer.MAX_VALUE : 1 + r.nextInt(3);
            FlowMask consulted = new FlowMask();
            List<TestRule> got = new ArrayList<>();
            c.forEachMatch(k, v, consulted, min, rule -> {
                got.add(rule);
                return got.size() < limit;
            });
            List<TestRule> want = ref.matches(k.w, v, min);
            List<TestRule> wantPrefix = want.subList(0, Math.min(limit, want.size()));
            assertEquals(names(wantPrefix), names(got), () -> why("forEachMatch of " + k + " at " + v
                    + ", min priority " + min + ", stop after " + limit));
            FlowMask jc = new FlowMask();
            List<TestRule> jgot = new ArrayList<>();
            jumping.forEachMatch(k, v, jc, min, rule -> {
                jgot.add(rule);
                return jgot.size() < limit;
            });
            assertEquals(names(got), names(jgot), () -> why("jump-table twin's forEachMatch of " + k));
            assertEquals(consulted, jc, () -> why("jump-table twin's forEachMatch consulted other bits for " + k));
            for (int i = 0; i < PERTURBATIONS; i++) {
                FlowKey p = gen.perturb(k, consulted.w, live);
                List<TestRule> other = ref.matches(p.w, v, min);
                List<TestRule> otherPrefix = other.subList(0, Math.min(limit, other.size()));
                assertEquals(names(got), names(otherPrefix), () -> why("unsound consulted mask " + consulted
                        + " of forEachMatch: " + k + " visited " + names(got) + " but " + p + " visits "
                        + names(otherPrefix)));
            }
        }

        void checkListings() {
            long v = someVersion();
            List<TestRule> got = new ArrayList<>();
            c.rules(v).forEach(got::add);
            List<TestRule> want = ref.visible(v);
            Comparator<TestRule> byName = Comparator.comparing(t -> t.name);
            got.sort(byName);
            want.sort(byName);
            assertEquals(names(want), names(got), () -> why("rules(" + v + ")"));
            for (int i = 0; i < 5 && !want.isEmpty(); i++) {
                TestRule t = want.get(r.nextInt(want.size()));
                TestRule e = ref.findExact(t.value, t.mask, t.priority, v);
                assertSame(e, c.findExact(t.value, t.mask, t.priority, v), () -> why("findExact " + t));
                assertSame(ref.findExact(t.value, t.mask, t.priority + 1, v),
                        c.findExact(t.value, t.mask, t.priority + 1, v), () -> why("findExact +1 " + t));
            }
        }

        void checkCounts() {
            assertEquals(ref.live(), c.size(), () -> why("size"));
            assertEquals(ref.storedCount(), c.storedCount(), () -> why("storedCount"));
            assertEquals(ref.distinctMasks(), c.subtableCount(), () -> why("subtableCount"));
        }

        static List<String> names(List<TestRule> rules) {
            return Arrays.asList(rules.stream().map(t -> t.name).toArray(String[]::new));
        }
    }
}
