package org.vswitch4j.core.datapath;

import java.util.Arrays;
import org.vswitch4j.core.key.FlowKey;

/**
 * A poll thread's megaflow cache: tuple-space search, as Open vSwitch's {@code dpcls}.
 *
 * <p>What: megaflows are (masked key, mask) pairs; all megaflows that share a mask live in one
 * {@link Subtable}, a hash table of masked keys. A lookup masks the packet's key with each subtable's
 * mask in turn and probes that subtable; the first hit wins. Cost: O(distinct masks) hash probes per lookup,
 * independent of the number of megaflows. A correct pipeline produces non-overlapping megaflows (two
 * megaflows that both match a key would have been given the same decision for it), so the order of the
 * subtables changes only the cost, never the result.
 *
 * <p>Ranking: each subtable counts its hits; {@link #rank()} (called periodically by the poll thread, never
 * per packet) sorts subtables by hits, most first, and halves the counts so that the ranking follows the
 * traffic. With skewed traffic most packets then hit in the first subtable probed.
 *
 * <p>Structure lock: the owner thread is the only writer and the only reader on the hit path (which takes no
 * lock). {@link Datapath#dumpFlows()} reads from another thread; so every structural change (insert, remove,
 * rank) is made under {@link #lock} and dumps take it too. An uncontended lock costs a CAS pair, paid only on
 * misses, removals and housekeeping.
 *
 * <p>Thread-safety: one owner thread; other threads only under {@link #lock}, read-only.
 */
final class MegaflowClassifier {
    final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

    /** Longs per row of {@link #stats}, and their meaning. */
    static final int STATS = 4;
    static final int PACKETS = 0;
    static final int BYTES = 1;
    static final int USED = 2;
    /** {@link Megaflow#singleOutput}. */
    static final int OUT = 3;

    /**
     * The installed megaflows' hit state, dense: row {@link Megaflow#id} holds its packets, bytes, last use and single
     * output port, so that a raw-header hit reads and writes this array and never the megaflow object. Why: the
     * objects are allocated one per upcall among the translation's garbage, ~1 KB apart, and with 10,000 flows a hit
     * that touched its object was a cache (and TLB) miss that depended on the slot's load; the rows are 32 bytes
     * apart in one array. Row 0 belongs to no megaflow (its OUT stays 0). Grown under {@link #lock}.
     */
    long[] stats = new long[64 * STATS];
    /** The megaflow of each row (null: free); a cache slot whose megaflow is not {@code byId[its id]} is dead. */
    Megaflow[] byId = new Megaflow[64];
    /** Free rows above 0, a stack; {@link #nextId} is the first never used. */
    private int[] freeIds = new int[64];
    private int nFree;
    private int nextId = 1;

    private Subtable[] tables = new Subtable[8];
    private int nTables;
    /** Every live megaflow, for revalidation, invalidation and dumps; megaflows know their index. */
    private Megaflow[] all = new Megaflow[64];
    private int size;

    /** The megaflow matching {@code key}, or null. Allocation-free; counts the hit in its subtable. */
    Megaflow lookup(long[] key) {
        Subtable[] ts = tables;
        for (int i = 0, n = nTables; i < n; i++) {
            Subtable t = ts[i];
            Megaflow f = t.lookup(key);
            if (f != null) {
                t.hits++;
                return f;
            }
        }
        return null;
    }

    /** Number of megaflows. */
    int size() {
        return size;
    }

    /** Number of subtables (distinct masks). */
    int subtableCount() {
        return nTables;
    }

    /** The i-th megaflow of the list of all (0 ≤ i &lt; size). */
    Megaflow get(int i) {
        return all[i];
    }

    /** The subtable for {@code mask}, created (at the end of the ranking) when absent. Miss path. */
    Subtable subtableFor(long[] mask) {
        int h = Arrays.hashCode(mask);
        for (int i = 0; i < nTables; i++) {
            if (tables[i].maskHash == h && Arrays.equals(tables[i].mask, mask)) {
                return tables[i];
            }
        }
        Subtable t = new Subtable(mask);
        lock.lock();
        try {
            if (nTables == tables.length) {
                tables = Arrays.copyOf(tables, nTables * 2);
            }
            tables[nTables++] = t;
        } finally {
            lock.unlock();
        }
        return t;
    }

    /** Adds {@code f}, which must have been built for {@code subtableFor(mask)} and not match any other. */
    void insert(Megaflow f) {
        lock.lock();
        try {
            f.subtable.insert(f);
            if (size == all.length) {
                all = Arrays.copyOf(all, size * 2);
            }
            f.listIndex = size;
            all[size++] = f;
            int id = nFree > 0 ? freeIds[--nFree] : nextId++;
            if (id == byId.length) {
                byId = Arrays.copyOf(byId, id * 2);
                stats = Arrays.copyOf(stats, id * 2 * STATS);
            }
            byId[id] = f;
            int r = id * STATS;
            stats[r + PACKETS] = f.packets;
            stats[r + BYTES] = f.bytes;
            stats[r + USED] = f.usedNanos;
            stats[r + OUT] = f.singleOutput;
            f.owner = this;
            f.id = id;
        } finally {
            lock.unlock();
        }
    }

    /** Removes {@code f} and marks it dead; drops its subtable when that becomes empty. */
    void remove(Megaflow f) {
        lock.lock();
        try {
            if (f.dead) {
                return;
            }
            f.dead = true;
            release(f);
            Subtable t = f.subtable;
            t.remove(f);
            int i = f.listIndex;
            Megaflow last = all[--size];
            all[i] = last;
            last.listIndex = i;
            all[size] = null;
            f.listIndex = -1;
            if (t.size() == 0) {
                for (int k = 0; k < nTables; k++) {
                    if (tables[k] == t) {
                        System.arraycopy(tables, k + 1, tables, k, nTables - k - 1);
                        tables[--nTables] = null;
                        break;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Removes every megaflow; returns how many. */
    int clear() {
        lock.lock();
        try {
            int n = size;
            for (int i = 0; i < n; i++) {
                all[i].dead = true;
                release(all[i]);
                all[i].listIndex = -1;
                all[i] = null;
            }
            Arrays.fill(tables, 0, nTables, null);
            nTables = 0;
            size = 0;
            nFree = 0; // every row is free again: hand them out from 1, dense
            nextId = 1;
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Folds {@code f}'s row back into its fields and frees the row (under the lock). */
    private void release(Megaflow f) {
        int id = f.id;
        if (id == 0) {
            return;
        }
        int r = id * STATS;
        f.packets = stats[r + PACKETS];
        f.bytes = stats[r + BYTES];
        f.usedNanos = stats[r + USED];
        stats[r + OUT] = 0;
        byId[id] = null;
        f.id = 0;
        f.owner = null;
        if (nFree == freeIds.length) {
            freeIds = Arrays.copyOf(freeIds, nFree * 2);
        }
        freeIds[nFree++] = id;
    }

    /** Sorts the subtables by hits since the last ranking, most first, and halves the counts. */
    void rank() {
        lock.lock();
        try {
            Subtable[] ts = tables;
            for (int i = 1; i < nTables; i++) { // insertion sort: few subtables, mostly sorted already
                Subtable t = ts[i];
                int j = i - 1;
                while (j >= 0 && ts[j].hits < t.hits) {
                    ts[j + 1] = ts[j];
                    j--;
                }
                ts[j + 1] = t;
            }
            for (int i = 0; i < nTables; i++) {
                ts[i].hits >>>= 1;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The subtable at rank {@code i} (tests). */
    Subtable subtable(int i) {
        return tables[i];
    }

    /** Masks {@code key} with {@code mask} into a new array (miss path). */
    static long[] masked(long[] key, long[] mask) {
        long[] r = new long[FlowKey.WORDS];
        for (int i = 0; i < FlowKey.WORDS; i++) {
            r[i] = key[i] & mask[i];
        }
        return r;
    }
}
