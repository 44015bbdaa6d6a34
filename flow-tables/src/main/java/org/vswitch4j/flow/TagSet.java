package org.vswitch4j.flow;

import java.util.Arrays;

/**
 * The megaflow tags one change invalidates: a set of {@code long}s without boxing, emptied in time proportional to
 * what it held, that stops collecting once it holds more than {@link #LIMIT} (the change then invalidates every
 * cached decision, and naming more tags would be wasted work).
 *
 * <p>Why not a {@code HashSet<Long>}: a flow mod adds a few tags (its entry, a miss tag, one tag per lower
 * priority of its table), so boxing each, hashing it into a table that keeps the capacity of the largest change
 * ever made, and walking that capacity to iterate and clear, was a large part of a single flow mod's cost.
 *
 * <p>Tag 0 means "everything" ({@link #all()}), as the pipeline uses it.
 *
 * <p>Thread-safety: none; the pipeline uses it under the slow-path lock.
 */
final class TagSet {
    /** More distinct tags than this: {@link #all()} is true and nothing more is kept. */
    static final int LIMIT = 512;
    /** Open addressing at most half full: 2 × (LIMIT + 1) rounded up to a power of two. */
    private static final int SLOTS = 2048;

    /** Slots (0 = empty: tag 0 is kept in {@link #all} instead). */
    private final long[] table = new long[SLOTS];
    /** The tags in insertion order, for iteration and for clearing only the slots used. */
    private final long[] list = new long[LIMIT + 1];
    private int size;
    private boolean all;

    /** Adds {@code tag}; tag 0, or one tag past {@link #LIMIT}, turns the set into "everything". */
    void add(long tag) {
        if (all) {
            return;
        }
        if (tag == 0) {
            all = true;
            return;
        }
        int m = SLOTS - 1;
        for (int i = spread(tag) & m; ; i = (i + 1) & m) {
            long t = table[i];
            if (t == tag) {
                return;
            }
            if (t == 0) {
                if (size == LIMIT) {
                    all = true; // too broad to name decision by decision
                    return;
                }
                table[i] = tag;
                list[size++] = tag;
                return;
            }
        }
    }

    /** Marks the set as "everything" (as adding tag 0 does). */
    void addAll() {
        all = true;
    }

    /** Whether the change invalidates every cached decision (tag 0 was added, or more than {@link #LIMIT} tags). */
    boolean all() {
        return all;
    }

    boolean isEmpty() {
        return size == 0 && !all;
    }

    /** Distinct tags kept (not counting "everything"). */
    int size() {
        return size;
    }

    /** The i-th tag kept, in insertion order (0 ≤ i &lt; {@link #size}). */
    long get(int i) {
        return list[i];
    }

    /**
     * The kept tags, in insertion order, in the first {@link #size} elements of the returned array (the set's own:
     * for handing them on in one call, valid until the next change of the set).
     */
    long[] array() {
        return list;
    }

    /** Whether {@code tag} is kept (tag 0: whether the set is "everything"). */
    boolean contains(long tag) {
        if (tag == 0) {
            return all;
        }
        int m = SLOTS - 1;
        for (int i = spread(tag) & m; ; i = (i + 1) & m) {
            long t = table[i];
            if (t == tag) {
                return true;
            }
            if (t == 0) {
                return false;
            }
        }
    }

    /** Empties the set, in time proportional to what it held. */
    void clear() {
        if (size > LIMIT / 4) {
            Arrays.fill(table, 0L);
        } else {
            int m = SLOTS - 1;
            for (int k = 0; k < size; k++) {
                // A slot holds one tag only; find where this one sits and empty it. Emptying slots in any order
                // is safe here because the table is emptied completely before it is used again.
                long tag = list[k];
                for (int i = spread(tag) & m; ; i = (i + 1) & m) {
                    if (table[i] == tag) {
                        table[i] = 0;
                        break;
                    }
                }
            }
        }
        size = 0;
        all = false;
    }

    private static int spread(long tag) {
        long h = tag * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
