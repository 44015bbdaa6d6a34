package org.vswitch4j.flow.classifier;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Predicate;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

/**
 * A flow classifier: rules (a value, a mask and a priority each) over {@link FlowKey}s, and the lookup of
 * the highest-priority rule matching a key. One OpenFlow table is one classifier. The design is Open
 * vSwitch's ({@code lib/classifier.h}); this comment says what it does here and what it costs.
 *
 * <h2>Un-wildcarding</h2>
 * Besides its answer, a lookup reports the key bits the answer depends on, ORed into a {@link FlowMask}:
 * for a match, the bits that made it match and the bits that ruled out every higher-priority candidate; for
 * a miss, the bits that ruled out all. The slow path installs a megaflow with that mask, so the mask must be
 * sound (every key that agrees with the looked-up key on those bits gets the same answer) and should be
 * narrow (every bit it leaves out lets one megaflow serve more packets). An extra bit is never wrong, only
 * costly; a missing bit forwards packets the wrong way.
 *
 * <h2>Tuple-space search</h2>
 * Rules with the same mask live in one {@link Subtable}, a hash table of their values. A lookup masks the
 * key with each subtable's mask and probes; cost O(distinct masks), independent of the number of rules.
 * Subtables are ordered by the highest priority of any rule they hold, so once a match of priority P is
 * found, the lookup stops at the first subtable whose highest priority is &le; P: the skipped subtables cost
 * neither time nor un-wildcarded bits. Rules with the same value and mask (differing in priority or in
 * version) share one slot, as a chain in descending priority.
 *
 * <p><b>Ties.</b> When several visible rules of the highest priority match, the answer is deterministic:
 * the one in the first subtable in the order above, subtables ranked by their highest priority (over every
 * rule stored, visible or not, until {@link #gc} frees it) and, at equal highest priority, by their masks
 * compared as unsigned words from word 0, smaller first; within a chain (same value and mask), the rule
 * inserted first. OpenFlow leaves overlapping equal-priority rules undefined; this order keeps the early
 * exit, which matters because most tables hold many rules at one priority.
 *
 * <h2>Staged lookup</h2>
 * A subtable's mask is split into four stages (metadata: in_port, tunnel, metadata, registers; L2; L3;
 * L4: ports), and each stage but the last has an index of its rules' hashes over the stages so far. A probe
 * hashes stage by stage and stops at the first stage whose index lacks the hash, un-wildcarding only the
 * stages it read: a packet from the wrong in_port does not un-wildcard the TCP ports of an in_port+tcp_dst
 * rule. Absence in an index is exact; presence may be a hash collision, which the full compare settles.
 * When the last stage is L4 and misses, a per-subtable trie of its rules' ports (as Open vSwitch's) limits
 * the un-wildcarding to the port bits that separate the key from every rule there: a packet to port 443
 * against a tp_dst=80 rule un-wildcards the top 8 bits of tp_dst, not 16.
 *
 * <h2>Prefix tracking</h2>
 * For the prefix fields (by default ipv4_src, ipv4_dst, ipv6_src, ipv6_dst; at most
 * {@value #MAX_PREFIX_FIELDS}, set with {@link Builder#prefixFields}) the classifier keeps a {@link
 * PrefixTrie} of every stored rule's prefix on that field. When a probe reaches the L3 stage of a subtable
 * whose mask is a /p prefix on such a field, it first walks the trie (once per lookup): if no rule anywhere
 * has a /p prefix equal to the key's top p bits, the subtable is skipped and only the bits the walk depended
 * on (at most p) are un-wildcarded. With rules for 10.1.0.0/16 and 10.1.2.0/24, a packet to 192.0.2.1
 * un-wildcards one bit of ip_dst, not 24.
 *
 * <h2>Versions</h2>
 * A rule carries the version it was added at and the version it was removed at; a lookup at version v sees
 * the rules with add &le; v &lt; remove. A writer adds and removes a batch of rules at version v+1 while
 * lookups still run at v, then publishes v+1 (the caller's job: it passes the version to each lookup), so
 * the batch becomes visible at once and a packet sees the table before or after, never a mix. Removed rules
 * stay stored, invisible to newer versions, until {@link #gc} is told that no lookup at an older version can
 * still run. A caller may hold several rules with the same value, mask and priority as long as at most one
 * is visible at any version (modify-flow replaces one by another at one version).
 *
 * <h2>Costs</h2>
 * Lookup: per subtable visited, one hash per stage read and one probe (plus a ports-trie walk on an L4
 * miss), plus one trie walk per prefix field per lookup; allocates nothing. The trie walks are chains of
 * dependent loads, so with many rules (cold tries) they were a lookup's largest cost: a large trie keeps jump
 * tables ({@link PrefixTrie}, "Jump table") that replace its top 16 levels by one load and its dense parts by
 * one load per 8 levels (a small trie keeps such tables at its dense clusters only, "Small tries"), and a walk
 * that would go below them waits until the subtable's probe misses (a hit needs no walk: its prefix is stored);
 * the ports trie is asked before the probe when its answer is a node or two away. None of this changes an
 * answer or a consulted bit. A classifier built with no prefix fields trades wider miss masks for the remaining
 * walks. Insert: one subtable probe, the stage
 * indices and the tries (new values only; a long prefix's insert starts at its jump entry, and recomputes
 * the jump entries its change passes through, none for a change below them), and a re-sort of the subtable
 * order when the subtable's highest priority rises (O(subtables)).
 * Remove marks a version (O(1)); {@link #gc} then does the reverse of insert for each freed rule.
 *
 * <h2>Thread-safety</h2>
 * One writer at a time ({@link #insert}, {@link #remove}, {@link #gc}); any number of concurrent readers
 * ({@link #lookup}, {@link #forEachMatch}, {@link #findExact}, {@link #rules}, the counts) but never while a
 * write runs: the caller serialises writers against readers with its own lock (a read-write lock, or one
 * lock for all), and that lock's happens-before edges publish each write to later readers. Versions are not
 * a concurrency mechanism here; they make a batch of writes visible to lookups at once. A lookup's only
 * mutable state (which tries it walked) is per thread.
 *
 * @param <R> the caller's rule type
 */
public final class Classifier<R extends Classifier.Rule> {
    /**
     * What the classifier needs of a rule. Value and mask are {@link FlowKey#WORDS} words each, with no
     * value bit outside the mask; the three must not change while the rule is inserted.
     */
    public interface Rule {
        /** The bits to match, in {@link FlowKey} layout; zero wherever the mask is zero. */
        long[] value();

        /** Which bits to match: 1 = must equal the value, 0 = wildcarded. */
        long[] mask();

        /** Larger numbers win. */
        int priority();

        /**
         * Whether {@link #value} and {@link #mask} are well-formed by construction ({@link FlowKey#WORDS} words
         * each, no value bit outside the mask) and never change, as an immutable match's are: the classifier then
         * skips checking them, which would read all of both arrays (with a large batch of new rules, cache misses
         * that cost a third of an insert). Default false: checked.
         */
        default boolean wellFormed() {
            return false;
        }
    }

    /** Up to this many subtables, a mask is found by comparing it with each ({@link #existingSubtable}). */
    private static final int LINEAR_MASK_SEARCH = 16;

    /** The most prefix fields one classifier tracks (each costs a trie walk per lookup). */
    public static final int MAX_PREFIX_FIELDS = 4;

    /** Fields that may be prefix-tracked: address fields whose masks are usually CIDR prefixes. */
    private static final List<FlowField> PREFIX_CAPABLE = List.of(FlowField.IPV4_SRC, FlowField.IPV4_DST,
            FlowField.IPV6_SRC, FlowField.IPV6_DST, FlowField.TUN_SRC, FlowField.TUN_DST, FlowField.ND_TARGET);

    private static final List<FlowField> DEFAULT_PREFIXES = List.of(FlowField.IPV4_SRC, FlowField.IPV4_DST,
            FlowField.IPV6_SRC, FlowField.IPV6_DST);

    /** Builds a classifier; the only option so far is which fields get prefix tracking. */
    public static final class Builder {
        private List<FlowField> prefixFields = DEFAULT_PREFIXES;
        private int jumpMin = PrefixTrie.JUMP_MIN;
        private int smallMin = -1;

        private Builder() {
        }

        /**
         * The fields to track prefixes on (default ipv4_src, ipv4_dst, ipv6_src, ipv6_dst; none disables
         * prefix tracking). Allowed: ip_src (arp_spa), ip_dst (arp_tpa), ipv6_src, ipv6_dst, tun_src,
         * tun_dst, nd_target; at most {@value #MAX_PREFIX_FIELDS}, no field twice.
         */
        public Builder prefixFields(FlowField... fields) {
            List<FlowField> list = new ArrayList<>();
            for (FlowField f : fields) {
                FlowField canon = switch (Objects.requireNonNull(f, "prefix field")) {
                    case ARP_SPA -> FlowField.IPV4_SRC;
                    case ARP_TPA -> FlowField.IPV4_DST;
                    default -> f;
                };
                if (!PREFIX_CAPABLE.contains(canon)) {
                    throw new IllegalArgumentException(f.ovsName() + " cannot be prefix-tracked; allowed: "
                            + names(PREFIX_CAPABLE));
                }
                if (list.contains(canon)) {
                    throw new IllegalArgumentException(f.ovsName() + " is listed twice as a prefix field");
                }
                list.add(canon);
            }
            if (list.size() > MAX_PREFIX_FIELDS) {
                throw new IllegalArgumentException(list.size() + " prefix fields given; at most "
                        + MAX_PREFIX_FIELDS + " are tracked");
            }
            prefixFields = List.copyOf(list);
            return this;
        }

        /** For tests: the trie size from which on a trie keeps its jump table (see {@link PrefixTrie}). */
        Builder jumpTablesFrom(int prefixes) {
            jumpMin = prefixes;
            return this;
        }

        /**
         * For tests: the prefixes below a node from which on a trie without a top table gives it a table of its own
         * (see {@link PrefixTrie}, "Small tries"; default: as {@link #jumpTablesFrom} when that is set).
         */
        Builder smallTablesFrom(int prefixes) {
            smallMin = prefixes;
            return this;
        }

        private int smallMin() {
            return smallMin >= 0 ? smallMin : jumpMin == PrefixTrie.JUMP_MIN ? PrefixTrie.SMALL_SUB_MIN : jumpMin;
        }

        /** Builds a classifier of any {@link Rule}. */
        public Classifier<Rule> build() {
            return new Classifier<>(prefixFields, jumpMin, smallMin());
        }

        /** Builds a classifier of a particular rule type. */
        public <T extends Rule> Classifier<T> build(Class<T> ruleType) {
            Objects.requireNonNull(ruleType, "ruleType");
            return new Classifier<>(prefixFields, jumpMin, smallMin());
        }

        private static String names(List<FlowField> fs) {
            StringBuilder sb = new StringBuilder();
            for (FlowField f : fs) {
                sb.append(sb.isEmpty() ? "" : ", ").append(f.ovsName());
            }
            return sb.toString();
        }
    }

    /** A builder, for classifiers with other prefix fields than the default. */
    public static Builder builder() {
        return new Builder();
    }

    // ---- state (writer: insert/remove/gc; readers see it under the caller's lock) ----------------------

    private final List<FlowField> prefixFields;
    /** Passed to every trie (see {@link PrefixTrie#JUMP_MIN}). */
    private final int jumpMin;
    /** Passed to every trie (see {@link PrefixTrie#SMALL_SUB_MIN}). */
    private final int smallMin;
    private final PrefixField[] fields;
    private final PrefixTrie[] tries;
    /** Subtables in lookup order (see "Ties"). */
    private Subtable[] order = new Subtable[8];
    private int nSub;
    private final HashMap<MaskKey, Subtable> byMask = new HashMap<>();
    /** Entries with a remove version, waiting for {@link #gc}. */
    private final ArrayList<RuleEntry> removed = new ArrayList<>();
    /** Rules inserted and not removed. */
    private int live;
    /** Entries stored (live or waiting for gc). */
    private int stored;
    /** The subtable of the last insert; freed subtables have no rules, which {@link #subtableFor} checks. */
    private Subtable lastInserted;

    /** A classifier with prefix tracking on ipv4_src, ipv4_dst, ipv6_src and ipv6_dst. */
    public Classifier() {
        this(DEFAULT_PREFIXES, PrefixTrie.JUMP_MIN, PrefixTrie.SMALL_SUB_MIN);
    }

    private Classifier(List<FlowField> prefixFields, int jumpMin, int smallMin) {
        this.prefixFields = prefixFields;
        this.jumpMin = jumpMin;
        this.smallMin = smallMin;
        fields = new PrefixField[prefixFields.size()];
        tries = new PrefixTrie[fields.length];
        for (int i = 0; i < fields.length; i++) {
            fields[i] = new PrefixField(prefixFields.get(i));
            tries[i] = PrefixTrie.of(fields[i].width(), jumpMin, smallMin);
        }
    }

    /** The prefix-tracked fields. */
    public List<FlowField> prefixFields() {
        return prefixFields;
    }

    // ---- writes ----------------------------------------------------------------------------------------

    /**
     * Makes {@code rule} visible to lookups at versions &ge; {@code version} (until removed). A rule object
     * may be inserted again once removed, at a version no earlier than its removal.
     *
     * @throws IllegalArgumentException if the value or mask is not {@link FlowKey#WORDS} words, or the
     *     value has a bit outside the mask
     * @throws IllegalStateException if the rule is inserted and not removed, or removed at a later version
     */
    public void insert(R rule, long version) {
        Objects.requireNonNull(rule, "rule");
        long[] value = rule.value();
        long[] mask = rule.mask();
        if (!rule.wellFormed()) {
            checkMatch(value, mask);
        }
        Subtable st = subtableFor(mask);
        st.maskRef = mask; // this rule's array: equal to the mask, unchanged while the rule is stored
        int h = st.hashOf(value);
        RuleEntry head = st.chainOf(value, h);
        // The rule's earlier entries, if any, are in the same chain (same value and mask).
        for (RuleEntry cur = head; cur != null; cur = cur.next) {
            if (cur.rule != rule) {
                continue;
            }
            if (cur.removeVersion == RuleEntry.NEVER) {
                throw new IllegalStateException("rule is already in the classifier (added at version "
                        + cur.addVersion + "); remove it before inserting it again");
            }
            if (version < cur.removeVersion) {
                throw new IllegalStateException("rule re-inserted at version " + version
                        + ", before its removal at version " + cur.removeVersion + " takes effect");
            }
        }
        RuleEntry e = new RuleEntry(rule, rule.priority(), value, st, version);
        if (st.insert(e, h, head)) {
            reposition(st);
        }
        live++;
        stored++;
    }

    /**
     * Makes {@code rule} invisible to lookups at versions &ge; {@code version}; it stays stored, for older
     * lookups, until {@link #gc} frees it.
     *
     * @throws IllegalStateException if the rule is not in the classifier or was removed already
     * @throws IllegalArgumentException if {@code version} is before the rule's add version, or is
     *     {@link Long#MAX_VALUE}
     */
    public void remove(R rule, long version) {
        Objects.requireNonNull(rule, "rule");
        long[] value = rule.value();
        long[] mask = rule.mask();
        checkMatch(value, mask);
        Subtable st = existingSubtable(mask);
        RuleEntry e = null;
        long removedAt = RuleEntry.NEVER;
        for (RuleEntry cur = st == null ? null : st.chainOf(value); cur != null; cur = cur.next) {
            if (cur.rule == rule) {
                if (cur.removeVersion == RuleEntry.NEVER) {
                    e = cur;
                    break;
                }
                removedAt = cur.removeVersion;
            }
        }
        if (e == null) {
            throw new IllegalStateException(removedAt == RuleEntry.NEVER ? "rule is not in the classifier"
                    : "rule was already removed at version " + removedAt);
        }
        if (version < e.addVersion || version == RuleEntry.NEVER) {
            throw new IllegalArgumentException("remove version " + version + " must be in " + e.addVersion
                    + " (the rule's add version).." + (RuleEntry.NEVER - 1));
        }
        e.removeVersion = version;
        removed.add(e);
        live--;
    }

    /**
     * Frees the rules removed at versions &le; {@code oldestVersionInUse}; the owner calls it when no
     * lookup at an older version can still run.
     */
    public void gc(long oldestVersionInUse) {
        if (removed.isEmpty()) {
            return; // the common case for a change that only added: no list view, no pass
        }
        int keep = 0;
        for (int i = 0, n = removed.size(); i < n; i++) {
            RuleEntry e = removed.get(i);
            if (e.removeVersion <= oldestVersionInUse) {
                free(e);
            } else {
                removed.set(keep++, e);
            }
        }
        removed.subList(keep, removed.size()).clear();
    }

    private void free(RuleEntry e) {
        Subtable st = e.subtable;
        if (st.maskRef == e.rule.mask()) {
            st.maskRef = null; // the caller may reuse a freed rule's array: no longer vouched for
        }
        boolean changed = st.remove(e);
        stored--;
        if (st.rules() == 0) {
            if (lastInserted == st) {
                lastInserted = null;
            }
            byMask.remove(new MaskKey(st.mask));
            int i = indexOf(st);
            System.arraycopy(order, i + 1, order, i, nSub - i - 1);
            order[--nSub] = null;
        } else if (changed) {
            reposition(st);
        }
    }

    /**
     * Reads, and changes nothing, what an {@link #insert} or {@link #findExactWellFormed} of a rule with this value
     * and mask reads first: its subtable's value-table slot and stage-index slots, and the tries' jump entries. For
     * a writer with several rules to insert (a bundle): touching a few before inserting any lets their cache misses
     * overlap instead of coming one after the other. Returns a meaningless number, for the caller to keep
     * somewhere so that the reads are not optimised away.
     */
    public long touchInsert(long[] value, long[] mask) {
        Subtable st = existingSubtable(mask);
        return st == null ? 0 : st.touch(value);
    }

    /** The subtable for {@code mask}, or null. */
    private Subtable existingSubtable(long[] mask) {
        Subtable last = lastInserted;
        Subtable[] ts = order;
        // The very array of a stored rule (matches share their mask arrays, see Match): found without reading
        // the mask, whose words a new rule's caller may not have in cache. Flow-mods come in runs of one shape
        // (a controller installs a batch of similar flows): the last subtable first.
        if (last != null && last.maskRef == mask && last.rules() > 0) {
            return last;
        }
        if (nSub <= LINEAR_MASK_SEARCH) {
            for (int i = 0; i < nSub; i++) {
                if (ts[i].maskRef == mask) {
                    return ts[i];
                }
            }
        }
        if (last != null && last.rules() > 0 && Arrays.equals(last.mask, mask)) {
            return last;
        }
        if (nSub <= LINEAR_MASK_SEARCH) {
            // Few masks (the usual table): comparing them, which stops at the first differing word, is cheaper
            // than hashing all the mask's words into a new map key.
            for (int i = 0; i < nSub; i++) {
                if (Arrays.equals(ts[i].mask, mask)) {
                    return ts[i];
                }
            }
            return null;
        }
        return byMask.get(new MaskKey(mask));
    }

    private Subtable subtableFor(long[] mask) {
        Subtable st = existingSubtable(mask);
        if (st == null) {
            st = new Subtable(mask, tries, fields, jumpMin, smallMin);
            byMask.put(new MaskKey(st.mask), st);
            if (nSub == order.length) {
                order = Arrays.copyOf(order, nSub * 2);
            }
            order[nSub++] = st; // placed by reposition once its first rule sets its priority
        }
        lastInserted = st;
        return st;
    }

    /** Moves {@code st} to its place in {@link #order} after its highest priority changed. */
    private void reposition(Subtable st) {
        int i = indexOf(st);
        while (i > 0 && rank(st, order[i - 1]) < 0) {
            order[i] = order[i - 1];
            i--;
        }
        while (i < nSub - 1 && rank(st, order[i + 1]) > 0) {
            order[i] = order[i + 1];
            i++;
        }
        order[i] = st;
    }

    private int indexOf(Subtable st) {
        for (int i = 0; i < nSub; i++) {
            if (order[i] == st) {
                return i;
            }
        }
        throw new IllegalStateException("subtable missing from the lookup order");
    }

    /** Lookup order: higher highest priority first, then masks as unsigned words from word 0. */
    private static int rank(Subtable a, Subtable b) {
        if (a.maxPriority != b.maxPriority) {
            return a.maxPriority > b.maxPriority ? -1 : 1;
        }
        return Arrays.compareUnsigned(a.mask, b.mask);
    }

    private static void checkMatch(long[] value, long[] mask) {
        Objects.requireNonNull(value, "rule value");
        Objects.requireNonNull(mask, "rule mask");
        if (value.length != FlowKey.WORDS || mask.length != FlowKey.WORDS) {
            throw new IllegalArgumentException("rule value and mask must have " + FlowKey.WORDS
                    + " words each, not " + value.length + " and " + mask.length);
        }
        for (int w = 0; w < FlowKey.WORDS; w++) {
            if ((value[w] & ~mask[w]) != 0) {
                throw new IllegalArgumentException("rule value has bits outside its mask in word " + w
                        + ": value 0x" + Long.toHexString(value[w]) + ", mask 0x" + Long.toHexString(mask[w]));
            }
        }
    }

    // ---- lookups ---------------------------------------------------------------------------------------

    /**
     * The highest-priority rule visible at {@code version} that matches {@code key} (ties: see "Ties"), or
     * null; ORs into {@code consulted} every key bit the answer depends on. Allocates nothing.
     */
    public R lookup(FlowKey key, long version, FlowMask consulted) {
        long[] k = key.w;
        long[] c = consulted.w;
        LookupScratch sc = fields.length == 0 ? null : LookupScratch.CURRENT.get().reset();
        RuleEntry best = null;
        Subtable[] ts = order;
        for (int i = 0, n = nSub; i < n; i++) {
            Subtable st = ts[i];
            if (best != null && st.maxPriority <= best.priority) {
                break;
            }
            for (RuleEntry e = st.find(k, c, sc); e != null; e = e.next) {
                if (e.visibleAt(version)) {
                    if (best == null || e.priority > best.priority) {
                        best = e;
                    }
                    break;
                }
            }
        }
        return best == null ? null : ruleOf(best);
    }

    /**
     * Visits every rule visible at {@code version} that matches {@code key} with priority &ge;
     * {@code minPriority}, in descending priority (equal priorities in the order of "Ties"), until the
     * visitor returns false; ORs into {@code consulted} the bits that decided the rules visited (for
     * conjunctive matches, which need every match at one priority). Subtables that cannot hold a rule above
     * the ones still to visit are probed only when the visitor asks for more. Allocates a little per call;
     * the visitor must not modify the classifier.
     */
    public void forEachMatch(FlowKey key, long version, FlowMask consulted, int minPriority,
            Predicate<R> visitor) {
        Objects.requireNonNull(visitor, "visitor");
        long[] k = key.w;
        long[] c = consulted.w;
        // Own scratch: the visitor may run lookups on this thread, which reset the thread's scratch.
        LookupScratch sc = fields.length == 0 ? null : new LookupScratch();
        RuleEntry[] pending = new RuleEntry[8];
        int np = 0;
        int next = 0;
        for (int i = 0; i < nSub; i++) {
            Subtable st = order[i];
            if (st.maxPriority < minPriority) {
                break;
            }
            // Nothing from here on can outrank a pending rule above st's highest priority: visit those.
            while (next < np && pending[next].priority > st.maxPriority) {
                if (!visitor.test(ruleOf(pending[next++]))) {
                    return;
                }
            }
            for (RuleEntry e = st.find(k, c, sc); e != null; e = e.next) {
                if (e.priority < minPriority) {
                    break;
                }
                if (e.visibleAt(version)) {
                    if (np == pending.length) {
                        pending = Arrays.copyOf(pending, np * 2);
                    }
                    int j = np++;
                    while (j > next && pending[j - 1].priority < e.priority) { // stable: after equals
                        pending[j] = pending[j - 1];
                        j--;
                    }
                    pending[j] = e;
                }
            }
        }
        while (next < np) {
            if (!visitor.test(ruleOf(pending[next++]))) {
                return;
            }
        }
    }

    /**
     * The rule visible at {@code version} with exactly this value, mask and priority (strict flow-mods,
     * check_overlap), or null. If the caller broke the one-visible-duplicate rule, the first inserted.
     */
    public R findExact(long[] value, long[] mask, int priority, long version) {
        checkMatch(value, mask);
        return findExactChecked(value, mask, priority, version);
    }

    /**
     * {@link #findExact(long[], long[], int, long)} for arrays that are well-formed by construction (see {@link
     * Rule#wellFormed}): not checked.
     */
    public R findExactWellFormed(long[] value, long[] mask, int priority, long version) {
        return findExactChecked(value, mask, priority, version);
    }

    private R findExactChecked(long[] value, long[] mask, int priority, long version) {
        Subtable st = existingSubtable(mask);
        if (st == null) {
            return null;
        }
        for (RuleEntry e = st.chainOf(value); e != null; e = e.next) {
            if (e.priority == priority && e.visibleAt(version)) {
                return ruleOf(e);
            }
            if (e.priority < priority) {
                break;
            }
        }
        return null;
    }

    /**
     * The rules visible at {@code version}, for dump-flows and non-strict modify and delete: subtable by
     * subtable, so in no useful order. A live view; the caller must not write while iterating.
     */
    public Iterable<R> rules(long version) {
        return () -> new RuleIterator(version);
    }

    /** Rules inserted and not removed (whatever their versions). */
    public int size() {
        return live;
    }

    /** Distinct masks among the stored rules (removed rules count until {@link #gc} frees them). */
    public int subtableCount() {
        return nSub;
    }

    /** Rules stored: live ones plus removed ones that {@link #gc} has not freed yet. */
    public int storedCount() {
        return stored;
    }

    @SuppressWarnings("unchecked")
    private R ruleOf(RuleEntry e) {
        return (R) e.rule;
    }

    private final class RuleIterator implements Iterator<R> {
        private final long version;
        private final Subtable[] subs = nSub == 0 ? new Subtable[0] : Arrays.copyOf(order, nSub);
        private int sub;
        private int slot = -1;
        private RuleEntry at;

        RuleIterator(long version) {
            this.version = version;
            advance();
        }

        private void advance() {
            if (at != null) {
                at = at.next;
            }
            while (true) {
                for (; at != null; at = at.next) {
                    if (at.visibleAt(version)) {
                        return;
                    }
                }
                if (sub == subs.length) {
                    return;
                }
                Subtable st = subs[sub];
                if (++slot == st.capacity()) {
                    sub++;
                    slot = -1;
                    continue;
                }
                at = st.head(slot);
            }
        }

        @Override
        public boolean hasNext() {
            return at != null;
        }

        @Override
        public R next() {
            if (at == null) {
                throw new NoSuchElementException();
            }
            R r = ruleOf(at);
            advance();
            return r;
        }
    }

    /** A mask as a hash-map key. */
    private static final class MaskKey {
        final long[] mask;
        private final int hash;

        MaskKey(long[] mask) {
            this.mask = mask;
            this.hash = Arrays.hashCode(mask);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MaskKey k && Arrays.equals(mask, k.mask);
        }
    }

    /** For diagnostics: the subtables in lookup order. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("classifier{rules=").append(live).append(", subtables=[");
        for (int i = 0; i < nSub; i++) {
            FlowMask m = new FlowMask();
            System.arraycopy(order[i].mask, 0, m.w, 0, FlowKey.WORDS);
            sb.append(i == 0 ? "" : "; ").append(m).append(' ').append(order[i]);
        }
        return sb.append("]}").toString();
    }
}
