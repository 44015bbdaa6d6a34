package org.vswitch4j.flow;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vswitch4j.core.datapath.Translation;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.flow.classifier.Classifier;
import org.vswitch4j.flow.classifier.PriorityCounts;

/**
 * One OpenFlow table of a {@link FlowPipeline}: its entries in a tuple-space {@link Classifier}, and its
 * counters (lookups and matches, as OpenFlow's table statistics report them).
 *
 * <p>How a table names what its decisions depended on (megaflow tags, see {@code Translation.addTag}): a
 * translation that matched entry E at priority P in this table carries the tags "entry E" and "priority P of
 * this table"; one that missed carries "miss of this table". Removing or modifying E invalidates "entry E" only:
 * no other decision read it. Adding an entry at priority P invalidates "priority Q" for every Q below P and
 * "miss": only those decisions could now go to the new entry. (An entry at P itself cannot take packets from
 * another entry at P that overlaps it: OpenFlow leaves the choice among equal-priority overlapping entries
 * undefined, and {@code check_overlap} exists to refuse them.) So a flow mod drops the cached decisions it can
 * change, not the whole cache.
 *
 * <p>Thread-safety: every method runs under the datapath's slow-path lock (the pipeline takes it).
 */
public final class FlowTable {
    private final int id;
    final Classifier<FlowEntry> classifier = new Classifier<>();
    /** Flows that match {@code conj_id}, by conj_id: reached only through a completed conjunction. */
    private final Map<Long, Classifier<FlowEntry>> conjFlows = new HashMap<>();
    /**
     * The distinct priorities of the entries, with how many entries have each: which priority tags an add must
     * invalidate.
     */
    private final PriorityCounts priorities = new PriorityCounts();
    private int size;
    long lookups;
    long matches;

    FlowTable(int id) {
        this.id = id;
    }

    /** The table number (0..254). */
    public int id() {
        return id;
    }

    /** The number of entries. */
    public int activeCount() {
        return size;
    }

    /** Lookups in this table: packets that reached it (counted as revalidation reports datapath use). */
    public long lookups() {
        return lookups;
    }

    /** Lookups that matched an entry. */
    public long matches() {
        return matches;
    }

    /**
     * The entry a packet with key {@code key} matches at {@code version}, ORing consulted bits into {@code mask}
     * and naming what the answer depended on with {@code tags}.
     *
     * <p>Conjunctive matches, as Open vSwitch defines them: when the best match is a clause flow (its actions are
     * {@code conjunction(id, k/n)}), every matching flow of that priority is gathered; a conjunction whose n
     * clauses all matched leads to the best flow with {@code conj_id=id} that matches the packet. Without one,
     * a plain flow of that priority wins if there is one, else the search goes on at lower priorities.
     */
    FlowEntry lookup(FlowKey key, long version, FlowMask mask, Translation tags) {
        FlowEntry e = classifier.lookup(key, version, mask);
        if (e == null || e.conjunctions.isEmpty()) {
            return e;
        }
        ConjunctionSearch cs = new ConjunctionSearch(key, version, mask, tags);
        classifier.forEachMatch(key, version, mask, 0, cs);
        cs.endLevel();
        return cs.result;
    }

    /** Walks matches by descending priority, one priority level at a time (see {@link #lookup}). */
    private final class ConjunctionSearch implements java.util.function.Predicate<FlowEntry> {
        private final FlowKey key;
        private final long version;
        private final FlowMask mask;
        private final Translation tags;
        private final Map<Long, Long> clauses = new HashMap<>();
        private final Map<Long, Integer> needed = new HashMap<>();
        private int level = Integer.MIN_VALUE;
        private FlowEntry plain;
        FlowEntry result;

        ConjunctionSearch(FlowKey key, long version, FlowMask mask, Translation tags) {
            this.key = key;
            this.version = version;
            this.mask = mask;
            this.tags = tags;
        }

        @Override
        public boolean test(FlowEntry e) {
            if (e.priority != level) {
                if (endLevel()) {
                    return false;
                }
                level = e.priority;
            }
            if (e.conjunctions.isEmpty()) {
                if (plain == null) {
                    plain = e;
                }
                return true;
            }
            tags.addTag(e.entryTag); // removing this clause flow may undo a conjunction
            for (Action.Conjunction c : e.conjunctions) {
                clauses.merge(c.id(), 1L << (c.clause() - 1), (a, b) -> a | b);
                needed.put(c.id(), c.clauses());
            }
            return true;
        }

        /** Closes the current level; true when it decided. */
        boolean endLevel() {
            if (result != null) {
                return true;
            }
            if (level != Integer.MIN_VALUE) {
                tags.addTag(priorityTag(id, level)); // a new clause flow at this level may complete a conjunction
            }
            FlowEntry best = null;
            for (Map.Entry<Long, Long> c : clauses.entrySet()) {
                int n = needed.get(c.getKey());
                if (c.getValue() == (n == 64 ? -1L : (1L << n) - 1)) {
                    tags.addTag(conjTag(id, c.getKey()));
                    Classifier<FlowEntry> cc = conjFlows.get(c.getKey());
                    FlowEntry f = cc == null ? null : cc.lookup(key, version, mask);
                    if (f != null && (best == null || f.priority > best.priority)) {
                        best = f;
                    }
                }
            }
            clauses.clear();
            needed.clear();
            if (best == null) {
                best = plain;
            }
            plain = null;
            result = best;
            return best != null;
        }
    }

    /** The entry with exactly this match (conj_id included) and priority, visible at {@code version}, or null. */
    FlowEntry findExact(Match m, int priority, long version) {
        Classifier<FlowEntry> c = m.conjId() >= 0 ? conjFlows.get(m.conjId()) : classifier;
        return c == null ? null : c.findExactWellFormed(m.valueWords(), m.maskWords(), priority, version);
    }

    /** See {@link Classifier#touchInsert}: what an add or a strict find of {@code m} reads first here. */
    long touch(Match m) {
        Classifier<FlowEntry> c = m.conjId() >= 0 ? conjFlows.get(m.conjId()) : classifier;
        return c == null ? 0 : c.touchInsert(m.valueWords(), m.maskWords());
    }

    void insert(FlowEntry e, long version) {
        long cj = e.match.conjId();
        (cj >= 0 ? conjFlows.computeIfAbsent(cj, k -> new Classifier<>()) : classifier).insert(e, version);
        priorities.add(e.priority);
        size++;
        if (cookieCounts != null) {
            int[] c = cookieCounts.get(e.cookie);
            if (c != null) {
                c[0]++;
            }
        }
    }

    void remove(FlowEntry e, long version) {
        long cj = e.match.conjId();
        (cj >= 0 ? conjFlows.get(cj) : classifier).remove(e, version);
        e.removed = true;
        priorities.remove(e.priority);
        size--;
        if (cookieCounts != null) {
            int[] c = cookieCounts.get(e.cookie);
            if (c != null) {
                c[0]--;
            }
        }
    }

    /**
     * Entries per cookie, for the cookies a learn action's {@code limit} has asked about (null until one has):
     * what Open vSwitch's cookie index gives its learn limit, without a map update on every flow mod of a table
     * no limit looks at. Kept by {@link #insert} and {@link #remove}, which every add, delete, replacement and
     * bundle rollback goes through; an entry's cookie never changes while it is in the table (a modify keeps it).
     */
    private HashMap<Long, int[]> cookieCounts;

    /**
     * How many entries with {@code cookie} the table holds at {@code version}, the newest (under the slow-path
     * lock): counted once, then kept up to date.
     */
    int cookieCount(long cookie, long version) {
        if (cookieCounts == null) {
            cookieCounts = new HashMap<>();
        }
        int[] c = cookieCounts.get(cookie);
        if (c == null) {
            c = new int[1];
            for (FlowEntry e : entries(version)) {
                if (e.cookie == cookie) {
                    c[0]++;
                }
            }
            cookieCounts.put(cookie, c);
        }
        return c[0];
    }

    /** Whether a learn limit counts the entries with {@code cookie} (see {@link #limitTag}). */
    boolean countsCookie(long cookie) {
        return cookieCounts != null && cookieCounts.containsKey(cookie);
    }

    /** Entries visible at {@code version}, in no particular order. */
    List<FlowEntry> entries(long version) {
        List<FlowEntry> l = new ArrayList<>(size);
        for (FlowEntry e : classifier.rules(version)) {
            l.add(e);
        }
        for (Classifier<FlowEntry> c : conjFlows.values()) {
            for (FlowEntry e : c.rules(version)) {
                l.add(e);
            }
        }
        return l;
    }

    /** Frees what was removed before {@code version}. */
    void gc(long version) {
        classifier.gc(version);
        if (!conjFlows.isEmpty()) {
            conjFlows.values().removeIf(c -> {
                c.gc(version);
                return c.size() == 0;
            });
        }
    }

    /**
     * How many distinct priorities below {@code p} entries of this table have now; they are {@link #priorityAt}
     * 0 up to that count (exclusive).
     */
    int prioritiesBelow(int p) {
        return priorities.below(p);
    }

    /** The i-th distinct priority of the entries, ascending. */
    int priorityAt(int i) {
        return priorities.at(i);
    }

    // ---- tags ------------------------------------------------------------------------------------------

    static long entryTag(long entryId) {
        return mix(0x1000_0000_0000_0000L ^ entryId);
    }

    static long priorityTag(int table, int priority) {
        return mix(0x2000_0000_0000_0000L ^ ((long) table << 20) ^ priority);
    }

    static long missTag(int table) {
        return mix(0x3000_0000_0000_0000L ^ table);
    }

    static long conjTag(int table, long conjId) {
        return mix(0x6000_0000_0000_0000L ^ ((long) table << 40) ^ conjId);
    }

    static long groupTag(long groupId) {
        return mix(0x4000_0000_0000_0000L ^ groupId);
    }

    /**
     * Decisions that wrote a learn action's {@code result_dst} for a flow with {@code cookie} into {@code table}:
     * the outcome depends on how many such flows the table holds, so any add, delete or modify of one fires it.
     */
    static long limitTag(int table, long cookie) {
        return mix(0x7000_0000_0000_0000L ^ ((long) table << 52) ^ cookie);
    }

    static long meterTag(long meterId) {
        return mix(0x5000_0000_0000_0000L ^ meterId);
    }

    private static long mix(long x) {
        x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
        x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return x ^ (x >>> 33);
    }
}
