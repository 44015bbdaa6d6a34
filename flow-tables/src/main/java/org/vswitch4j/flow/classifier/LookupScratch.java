package org.vswitch4j.flow.classifier;

/**
 * A lookup's memory of its trie walks, so each trie is walked at most once per lookup however many subtables
 * ask. One per thread (lookups may run on several threads at once), reset at the start of every lookup.
 */
final class LookupScratch {
    static final ThreadLocal<LookupScratch> CURRENT = ThreadLocal.withInitial(LookupScratch::new);

    /** Per trie t: matched prefix lengths in plens[2t], plens[2t+1] (see {@link PrefixTrie#lookup}). */
    final long[] plens = new long[2 * Classifier.MAX_PREFIX_FIELDS];
    private final int[] check = new int[Classifier.MAX_PREFIX_FIELDS];
    /** Bit t set: trie t was walked in this lookup. */
    private int walked;

    /** Forgets the previous lookup's walks. */
    LookupScratch reset() {
        walked = 0;
        return this;
    }

    /** Whether trie {@code t} was walked in this lookup. */
    boolean walked(int t) {
        return (walked & (1 << t)) != 0;
    }

    /** Walks trie {@code t} for {@code key} unless this lookup did already; returns the bits it depended on. */
    int trie(int t, PrefixTrie trie, PrefixField field, long[] key) {
        if ((walked & (1 << t)) == 0) {
            check[t] = trie.lookup(field.hi(key), field.lo(key), plens, 2 * t);
            walked |= 1 << t;
        }
        return check[t];
    }
}
