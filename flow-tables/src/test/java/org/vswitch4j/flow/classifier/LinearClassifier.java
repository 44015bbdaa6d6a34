package org.vswitch4j.flow.classifier;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The reference for the property tests: every stored rule in a list, every lookup a scan. It implements the
 * classifier's documented semantics (versions, gc, the tie order) and nothing of its machinery.
 */
final class LinearClassifier {
    private static final class Stored {
        final TestRule rule;
        final long add;
        long remove = Long.MAX_VALUE;
        final long seq;

        Stored(TestRule rule, long add, long seq) {
            this.rule = rule;
            this.add = add;
            this.seq = seq;
        }

        boolean visibleAt(long v) {
            return add <= v && v < remove;
        }
    }

    private final List<Stored> stored = new ArrayList<>();
    private long seq;

    void insert(TestRule r, long version) {
        stored.add(new Stored(r, version, seq++));
    }

    void remove(TestRule r, long version) {
        for (Stored s : stored) {
            if (s.rule == r && s.remove == Long.MAX_VALUE) {
                s.remove = version;
                return;
            }
        }
        throw new IllegalStateException("not live: " + r);
    }

    void gc(long oldest) {
        stored.removeIf(s -> s.remove <= oldest);
    }

    /** Highest priority among stored rules (any version) with this mask: the subtable's rank. */
    private int maskPriority(long[] mask) {
        int max = Integer.MIN_VALUE;
        for (Stored s : stored) {
            if (Arrays.equals(s.rule.mask, mask)) {
                max = Math.max(max, s.rule.priority);
            }
        }
        return max;
    }

    /** The documented order: priority desc, then subtable rank (its highest priority desc, mask), then insertion. */
    private Comparator<Stored> order() {
        return Comparator.<Stored>comparingInt(s -> -s.rule.priority)
                .thenComparingInt(s -> -maskPriority(s.rule.mask))
                .thenComparing((a, b) -> Arrays.compareUnsigned(a.rule.mask, b.rule.mask))
                .thenComparingLong(s -> s.seq);
    }

    List<TestRule> matches(long[] key, long version, int minPriority) {
        List<Stored> m = new ArrayList<>();
        for (Stored s : stored) {
            if (s.visibleAt(version) && s.rule.priority >= minPriority && s.rule.matches(key)) {
                m.add(s);
            }
        }
        m.sort(order());
        List<TestRule> out = new ArrayList<>();
        for (Stored s : m) {
            out.add(s.rule);
        }
        return out;
    }

    TestRule lookup(long[] key, long version) {
        List<TestRule> m = matches(key, version, Integer.MIN_VALUE);
        return m.isEmpty() ? null : m.get(0);
    }

    TestRule findExact(long[] value, long[] mask, int priority, long version) {
        Stored best = null;
        for (Stored s : stored) {
            if (s.visibleAt(version) && s.rule.priority == priority && Arrays.equals(s.rule.mask, mask)
                    && Arrays.equals(s.rule.value, value) && (best == null || s.seq < best.seq)) {
                best = s;
            }
        }
        return best == null ? null : best.rule;
    }

    List<TestRule> visible(long version) {
        List<TestRule> out = new ArrayList<>();
        for (Stored s : stored) {
            if (s.visibleAt(version)) {
                out.add(s.rule);
            }
        }
        return out;
    }

    int live() {
        int n = 0;
        for (Stored s : stored) {
            if (s.remove == Long.MAX_VALUE) {
                n++;
            }
        }
        return n;
    }

    int storedCount() {
        return stored.size();
    }

    int distinctMasks() {
        return (int) stored.stream().map(s -> Arrays.toString(s.rule.mask)).distinct().count();
    }
}
