package org.vswitch4j.flow.classifier;

import org.vswitch4j.core.key.FlowKey;

/**
 * Every rule of a {@link Classifier} with one particular mask: a hash table of the rules' values, plus one
 * {@link StageIndex} per lookup stage but the last, and the prefix lengths the classifier's tries check.
 *
 * <p>Shape: the mask's bits are split into the stages of {@link #STAGE_BITS} (metadata, L2, L3, L4); the
 * hash is cumulative over the stages, so stage {@code s}'s index holds the hash of stages 0..s and the last
 * stage's hash is the hash of the whole value. The value table is open addressing with linear probing over
 * one {@code long[]} with a stride of 1 + (covered words): a tag ({@code hash << 32 | 1}, 0 = empty) and the
 * value's covered words, so a probe reads one cache line and touches no rule object until the value matched;
 * the chain heads sit in a parallel array. Deletion by backward shift; grown at 50% load.
 *
 * <p>Thread-safety: as {@link Classifier}: one writer, lookups kept apart from writes by the caller.
 */
final class Subtable {
    /**
     * The key bits of each lookup stage, as Open vSwitch's flow segments: metadata (in_port, tunnel,
     * metadata, registers), L2 (Ethernet, VLAN), L3 (IP, ARP, IPv6, ND, and tcp_flags, as OVS), L4 (ports,
     * ICMP type and code). Every key bit is in exactly one stage.
     */
    static final long[][] STAGE_BITS = new long[4][FlowKey.WORDS];
    private static final long TP_PORTS = 0xFFFF_FFFF_0000_0000L;

    static {
        long[] meta = STAGE_BITS[0];
        long[] l2 = STAGE_BITS[1];
        long[] l3 = STAGE_BITS[2];
        long[] l4 = STAGE_BITS[3];
        meta[FlowKey.W_IN_PORT] = -1L;
        for (int w = FlowKey.W_TUN_ID; w < FlowKey.WORDS; w++) {
            meta[w] = -1L;
        }
        for (int w = FlowKey.W_ETH_DST; w <= FlowKey.W_VLAN; w++) {
            l2[w] = -1L;
        }
        l3[FlowKey.W_NW] = -1L;
        l3[FlowKey.W_IP] = -1L;
        for (int w = FlowKey.W_IPV6_SRC; w < FlowKey.W_TUN_ID; w++) {
            l3[w] = -1L;
        }
        l3[FlowKey.W_TP] = ~TP_PORTS; // tcp_flags, and the unused bits beside them
        l4[FlowKey.W_TP] = TP_PORTS;
    }

    /** One odd constant per hashed item (cycled): the hash is a sum of independent products. */
    private static final long[] MULTIPLIERS = {
        0x9E37_79B9_7F4A_7C15L, 0xC2B2_AE3D_27D4_EB4FL, 0x1656_67B1_9E37_79F9L, 0xD6E8_FEB8_6659_FD93L,
        0xFF51_AFD7_ED55_8CCDL, 0xC4CE_B9FE_1A85_EC53L, 0x94D0_49BB_1331_11EBL, 0xBF58_476D_1CE4_E5B9L,
    };

    final long[] mask;
    /**
     * The mask array of a rule stored here (equal to {@link #mask}, unchanged while that rule is stored, by the
     * {@link Classifier.Rule} contract), or null: a caller passing this very array names this subtable.
     */
    long[] maskRef;
    /** The highest priority of any rule stored here (visible or not); the classifier orders by it. */
    int maxPriority;
    /** Stored rules per priority, for {@link #maxPriority} after removals. */
    private final PriorityCounts priorities = new PriorityCounts();
    /** Stored rules (every version, until freed). */
    private int rules;

    // Hashing: (word, bits, multiplier) items in stage order; stageEnd[s] = end of stage s's items.
    private final int[] hw;
    private final long[] hm;
    private final long[] hc;
    private final int[] stageEnd;
    private final int nStages;
    private final StageIndex[] indices;

    // Prefix tracking: the classifier's tries this subtable's mask has a CIDR prefix on, and the lengths.
    private final PrefixTrie[] tries;
    private final PrefixField[] fields;
    private final int[] trieIdx;
    private final int[] triePlen;
    /** The local stage at which the tries are checked, or -1. */
    private final int trieStage;

    // The L4 ports trie (as OVS's): the rules' masked tp_src|tp_dst, so that a miss in the last stage
    // un-wildcards only the port bits that separate the key from every rule here. Null without an L4 stage.
    private final PrefixTrie portsTrie;
    /** The mask's port bits (top 32 bits of the tp word) and their length up to the lowest one. */
    private final long portsMask;
    private final int portsLen;

    // The value table.
    private final int[] kw;
    private final long[] km;
    private final int stride;
    private long[] tab;
    private RuleEntry[] heads;
    private int used;

    Subtable(long[] mask, PrefixTrie[] tries, PrefixField[] fields, int jumpMin, int smallMin) {
        this.mask = mask.clone();
        this.tries = tries;
        this.fields = fields;
        int items = 0;
        int stages = 0;
        for (long[] sb : STAGE_BITS) {
            int before = items;
            for (int w = 0; w < FlowKey.WORDS; w++) {
                if ((mask[w] & sb[w]) != 0) {
                    items++;
                }
            }
            if (items > before) {
                stages++;
            }
        }
        hw = new int[items];
        hm = new long[items];
        hc = new long[items];
        stageEnd = new int[stages];
        nStages = stages;
        // The tries are checked on reaching the first stage that holds one of their fields (L3 for the IP
        // addresses, metadata for the tunnel addresses), so earlier stages can rule the subtable out first.
        int trieGlobal = Integer.MAX_VALUE;
        for (PrefixField f : fields) {
            if (f.prefixLength(mask) > 0) {
                trieGlobal = Math.min(trieGlobal, stageOf(f.field.word()));
            }
        }
        int i = 0;
        int s = 0;
        int firstTrieStage = -1;
        for (int g = 0; g < STAGE_BITS.length; g++) {
            int before = i;
            for (int w = 0; w < FlowKey.WORDS; w++) {
                long bits = mask[w] & STAGE_BITS[g][w];
                if (bits != 0) {
                    hw[i] = w;
                    hm[i] = bits;
                    hc[i] = MULTIPLIERS[i % MULTIPLIERS.length];
                    i++;
                }
            }
            if (i > before) {
                if (g == trieGlobal) {
                    firstTrieStage = s;
                }
                stageEnd[s++] = i;
            }
        }
        indices = new StageIndex[Math.max(0, stages - 1)];
        for (int k = 0; k < indices.length; k++) {
            indices[k] = new StageIndex();
        }
        int nt = 0;
        for (PrefixField f : fields) {
            if (f.prefixLength(mask) > 0) {
                nt++;
            }
        }
        trieIdx = new int[nt];
        triePlen = new int[nt];
        for (int t = 0, k = 0; t < fields.length; t++) {
            int plen = fields[t].prefixLength(mask);
            if (plen > 0) {
                trieIdx[k] = t;
                triePlen[k++] = plen;
            }
        }
        trieStage = firstTrieStage;
        portsMask = mask[FlowKey.W_TP] & TP_PORTS;
        portsLen = portsMask == 0 ? 0 : 64 - Long.numberOfTrailingZeros(portsMask);
        portsTrie = portsMask == 0 ? null : PrefixTrie.of(32, jumpMin, smallMin);
        int words = 0;
        for (long m : mask) {
            if (m != 0) {
                words++;
            }
        }
        kw = new int[words];
        km = new long[words];
        for (int w = 0, k = 0; w < FlowKey.WORDS; w++) {
            if (mask[w] != 0) {
                kw[k] = w;
                km[k++] = mask[w];
            }
        }
        stride = words + 1;
        heads = new RuleEntry[8];
        tab = new long[8 * stride];
    }

    /** The stage of a (prefix-tracked) field's word; every such word lies in one stage. */
    private static int stageOf(int word) {
        for (int g = 0; g < STAGE_BITS.length; g++) {
            if (STAGE_BITS[g][word] == -1L) {
                return g;
            }
        }
        throw new IllegalArgumentException("word " + word + " spans stages");
    }

    /** Stored rules, every version. */
    int rules() {
        return rules;
    }

    // ---- lookup ----------------------------------------------------------------------------------------

    /**
     * The chain of rules whose value matches {@code key}, or null; ORs into {@code consulted} the bits the
     * answer depends on (see {@link Classifier}). Allocation-free.
     */
    RuleEntry find(long[] key, long[] consulted, LookupScratch sc) {
        long acc = 0;
        int j = 0;
        int last = nStages - 1;
        // A trie whose answer would take a walk below its jump table is asked only if the subtable misses: a
        // hit means the key's prefix is stored (so no trie excludes the subtable), and the answer, the bits
        // consulted included, is the same whether the walk comes first or last.
        boolean trieLater = false;
        for (int s = 0; s < last; s++) {
            if (s == trieStage) {
                int t = trieFirst(key, consulted, sc);
                if (t == TRIE_EXCLUDES) {
                    return null;
                }
                trieLater = t == TRIE_LATER;
            }
            for (int end = stageEnd[s]; j < end; j++) {
                acc += (key[hw[j]] & hm[j]) * hc[j];
            }
            if (!indices[s].contains(fin(acc))) {
                if (trieLater && trieExcludes(key, consulted, sc)) {
                    return null;
                }
                orItems(consulted, j);
                return null;
            }
        }
        if (last >= 0 && last == trieStage) {
            int t = trieFirst(key, consulted, sc);
            if (t == TRIE_EXCLUDES) {
                return null;
            }
            trieLater = t == TRIE_LATER;
        }
        if (portsTrie != null && !trieLater) {
            // The ports trie first when its answer is a node or two away (its top is shared by every key, so
            // in cache): a miss then costs no probe of a large value table. The same answer and bits as the
            // trie after the probe's miss: no rule here has the key's ports, so the probe would miss.
            if (portsExclude(key, consulted, QUICK_PORT_STEPS)) {
                orItems(consulted, last == 0 ? 0 : stageEnd[last - 1]);
                return null;
            }
        }
        for (int end = hw.length; j < end; j++) {
            acc += (key[hw[j]] & hm[j]) * hc[j];
        }
        RuleEntry head = probe(key, fin(acc));
        if (head == null) {
            if (trieLater && trieExcludes(key, consulted, sc)) {
                return null;
            }
            if (portsTrie != null && portsExclude(key, consulted, Integer.MAX_VALUE)) {
                orItems(consulted, last == 0 ? 0 : stageEnd[last - 1]);
                return null;
            }
        }
        orItems(consulted, j);
        return head;
    }

    /** Nodes the ports trie may walk (past its jump tables) before the probe instead of after it. */
    private static final int QUICK_PORT_STEPS = 2;

    private static final int TRIE_KEEPS = 0;
    private static final int TRIE_EXCLUDES = 1;
    private static final int TRIE_LATER = 2;

    /**
     * {@link #trieExcludes} for the tries whose answer is cheap (walked already in this lookup, or decided by
     * the jump table), in the same order, up to the first that is not: TRIE_EXCLUDES (bits ORed, as
     * trieExcludes), TRIE_KEEPS (none excludes), or TRIE_LATER (ask trieExcludes on a miss).
     */
    private int trieFirst(long[] key, long[] consulted, LookupScratch sc) {
        return trieCheck(key, consulted, sc, true);
    }

    /**
     * Whether no rule here has the key's masked ports; if so, ORs the top port bits the walk depended on.
     * Called before the last stage's probe with a small {@code steps} (a short walk spares the probe), and on
     * a miss in the last stage (the L4 stage, whenever the mask has ports): then the earlier stages' bits and
     * these port bits decide the miss, not all of the ports. False also when the walk would take more than
     * {@code steps} nodes past the trie's jump tables.
     */
    private boolean portsExclude(long[] key, long[] consulted, int steps) {
        int bits = portsTrie.excludesWithin(key[FlowKey.W_TP] & portsMask, 0, portsLen, steps);
        if (bits < 0) { // present, or (past steps nodes) unknown
            return false;
        }
        consulted[FlowKey.W_TP] |= PrefixTrie.truncHi(-1L, bits) & portsMask;
        return true;
    }

    /**
     * Whether a trie shows that no rule in the classifier has this subtable's prefix on the key's address;
     * if so, ORs the top bits the trie walk depended on (never more than the prefix) into consulted.
     */
    private boolean trieExcludes(long[] key, long[] consulted, LookupScratch sc) {
        return trieCheck(key, consulted, sc, false) == TRIE_EXCLUDES;
    }

    /** The tries of this subtable in order (stopping at the first that is not cheap, if {@code cheapOnly}). */
    private int trieCheck(long[] key, long[] consulted, LookupScratch sc, boolean cheapOnly) {
        for (int k = 0; k < trieIdx.length; k++) {
            int t = trieIdx[k];
            if (cheapOnly && !sc.walked(t) && !tries[t].cheap(fields[t].hi(key))) {
                return TRIE_LATER;
            }
            int plen = triePlen[k];
            int check = sc.trie(t, tries[t], fields[t], key);
            if (!PrefixTrie.has(sc.plens, 2 * t, plen)) {
                fields[t].orTop(consulted, Math.min(check, plen));
                return TRIE_EXCLUDES;
            }
        }
        return TRIE_KEEPS;
    }

    private void orItems(long[] consulted, int end) {
        for (int i = 0; i < end; i++) {
            consulted[hw[i]] |= hm[i];
        }
    }

    /** The chain head whose value equals {@code w} under the mask ({@code w} a key or a value), or null. */
    private RuleEntry probe(long[] w, int h) {
        long tag = ((long) h << 32) | 1L;
        long[] t = tab;
        int m = heads.length - 1;
        for (int i = h & m; ; i = (i + 1) & m) {
            int o = i * stride;
            long e = t[o];
            if (e == 0) {
                return null;
            }
            if (e == tag && sameValue(t, o + 1, w)) {
                return heads[i];
            }
        }
    }

    private boolean sameValue(long[] t, int o, long[] w) {
        long d = 0;
        for (int k = 0; k < kw.length; k++) {
            d |= (w[kw[k]] & km[k]) ^ t[o + k];
        }
        return d == 0;
    }

    /** The chain of rules with exactly {@code value} (already masked), or null. */
    RuleEntry chainOf(long[] value) {
        return probe(value, hashOf(value));
    }

    /** {@link #chainOf(long[])} for a value whose {@link #hashOf} the caller has. */
    RuleEntry chainOf(long[] value, int h) {
        return probe(value, h);
    }

    /** The hash of a value (or key) under this mask: what {@link #chainOf(long[], int)} and {@link #insert} take. */
    int hashOf(long[] w) {
        long acc = 0;
        for (int j = 0; j < hw.length; j++) {
            acc += (w[hw[j]] & hm[j]) * hc[j];
        }
        return fin(acc);
    }

    /** Mixes a sum of products so that every bit reaches the low bits the tables index by. */
    private static int fin(long h) {
        h ^= h >>> 29;
        h *= 0xBF58_476D_1CE4_E5B9L;
        return (int) (h ^ (h >>> 32));
    }

    // ---- writes ----------------------------------------------------------------------------------------

    /** Stores {@code e}; returns whether {@link #maxPriority} rose. */
    boolean insert(RuleEntry e) {
        int h = hashOf(e.value);
        return insert(e, h, probe(e.value, h));
    }

    /**
     * Stores {@code e}, whose value hashes to {@code h} and whose chain is {@code head} ({@link #chainOf(long[],
     * int)} of its value, just read: one hash and one probe per insert); returns whether {@link #maxPriority} rose.
     */
    boolean insert(RuleEntry e, int h, RuleEntry head) {
        if (head == null) {
            newHead(e, h);
        } else if (e.priority > head.priority) {
            e.next = head;
            replaceHead(head, e, h);
        } else {
            RuleEntry p = head;
            while (p.next != null && p.next.priority >= e.priority) {
                p = p.next;
            }
            e.next = p.next;
            p.next = e;
        }
        rules++;
        priorities.add(e.priority);
        if (rules == 1 || e.priority > maxPriority) {
            maxPriority = e.priority;
            return true;
        }
        return false;
    }

    /** Frees {@code e}; returns whether {@link #maxPriority} changed (or the subtable became empty). */
    boolean remove(RuleEntry e) {
        long[] v = e.value;
        int h = hashOf(v);
        RuleEntry head = probe(v, h);
        if (head == e) {
            if (e.next != null) {
                replaceHead(e, e.next, h);
            } else {
                deleteSlot(e, h);
            }
        } else {
            RuleEntry p = head;
            while (p != null && p.next != e) {
                p = p.next;
            }
            if (p == null) {
                throw new IllegalStateException("rule is not stored in its subtable");
            }
            p.next = e.next;
        }
        e.next = null;
        rules--;
        priorities.remove(e.priority);
        if (rules == 0) {
            return true;
        }
        int max = priorities.max();
        if (max != maxPriority) {
            maxPriority = max;
            return true;
        }
        return false;
    }

    private void newHead(RuleEntry e, int h) {
        if ((used + 1) * 2 > heads.length) {
            grow();
        }
        int i = place(h);
        heads[i] = e;
        int o = i * stride;
        for (int k = 0; k < kw.length; k++) {
            tab[o + 1 + k] = e.value[kw[k]] & km[k];
        }
        used++;
        stageHashes(e.value, true);
        if (portsTrie != null) {
            portsTrie.insert(e.value[FlowKey.W_TP] & portsMask, 0, portsLen);
        }
        for (int k = 0; k < trieIdx.length; k++) {
            int t = trieIdx[k];
            tries[t].insert(fields[t].hi(e.value), fields[t].lo(e.value), triePlen[k]);
        }
    }

    /** Claims the first free slot of {@code h}'s probe sequence and writes its tag; returns the slot. */
    private int place(int h) {
        int m = heads.length - 1;
        int i = h & m;
        while (tab[i * stride] != 0) {
            i = (i + 1) & m;
        }
        tab[i * stride] = ((long) h << 32) | 1L;
        return i;
    }

    private void replaceHead(RuleEntry old, RuleEntry with, int h) {
        int m = heads.length - 1;
        int i = h & m;
        while (heads[i] != old) {
            i = (i + 1) & m;
        }
        heads[i] = with;
    }

    private void deleteSlot(RuleEntry e, int h) {
        RuleEntry[] s = heads;
        long[] t = tab;
        int m = s.length - 1;
        int i = h & m;
        while (s[i] != e) {
            i = (i + 1) & m;
        }
        int hole = i;
        for (int j = (i + 1) & m; s[j] != null; j = (j + 1) & m) {
            int home = (int) (t[j * stride] >>> 32) & m;
            boolean homeInRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!homeInRange) {
                s[hole] = s[j];
                System.arraycopy(t, j * stride, t, hole * stride, stride);
                hole = j;
            }
        }
        s[hole] = null;
        t[hole * stride] = 0;
        used--;
        stageHashes(e.value, false);
        if (portsTrie != null) {
            portsTrie.remove(e.value[FlowKey.W_TP] & portsMask, 0, portsLen);
        }
        for (int k = 0; k < trieIdx.length; k++) {
            int tr = trieIdx[k];
            tries[tr].remove(fields[tr].hi(e.value), fields[tr].lo(e.value), triePlen[k]);
        }
    }

    /** What {@link Classifier#touchInsert} reads here: the slots an insert of value {@code v} starts at. */
    long touch(long[] v) {
        long t = 0;
        long acc = 0;
        int j = 0;
        for (int s = 0; s < indices.length; s++) {
            for (int end = stageEnd[s]; j < end; j++) {
                acc += (v[hw[j]] & hm[j]) * hc[j];
            }
            t += indices[s].touch(fin(acc));
        }
        int i = hashOf(v) & (heads.length - 1);
        t += tab[i * stride];
        if (heads[i] != null) {
            t++;
        }
        for (int k = 0; k < trieIdx.length; k++) {
            int f = trieIdx[k];
            t += tries[f].touch(fields[f].hi(v), triePlen[k]);
        }
        return t;
    }

    /** Adds (or removes) a value's hashes over stages 0..s to (from) stage s's index, for every s but the last. */
    private void stageHashes(long[] v, boolean add) {
        long acc = 0;
        int j = 0;
        for (int s = 0; s < indices.length; s++) {
            for (int end = stageEnd[s]; j < end; j++) {
                acc += (v[hw[j]] & hm[j]) * hc[j];
            }
            if (add) {
                indices[s].add(fin(acc));
            } else {
                indices[s].remove(fin(acc));
            }
        }
    }

    private void grow() {
        RuleEntry[] oldHeads = heads;
        long[] oldTab = tab;
        heads = new RuleEntry[oldHeads.length * 2];
        tab = new long[heads.length * stride];
        for (int i = 0; i < oldHeads.length; i++) {
            if (oldHeads[i] != null) {
                int to = place((int) (oldTab[i * stride] >>> 32));
                heads[to] = oldHeads[i];
                System.arraycopy(oldTab, i * stride + 1, tab, to * stride + 1, stride - 1);
            }
        }
    }

    // ---- iteration -------------------------------------------------------------------------------------

    /** Capacity of the chain-head table; {@link #head} of 0..capacity-1 visits every chain. */
    int capacity() {
        return heads.length;
    }

    RuleEntry head(int slot) {
        return heads[slot];
    }

    /** For diagnostics: priorities stored, with counts. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("subtable{rules=").append(rules).append(", priorities=");
        for (int i = 0; i < priorities.distinct(); i++) {
            sb.append(priorities.at(i)).append('x').append(priorities.countAt(i)).append(' ');
        }
        return sb.append('}').toString();
    }
}
