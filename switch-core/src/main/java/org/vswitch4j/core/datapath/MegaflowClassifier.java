package org.vswitch4j.core.datapath;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

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
 * lock). {@link Datapath#dumpFlows()} reads the list of all megaflows from another thread; so removals, clears,
 * rankings and new subtables are made under {@link #lock}, and dumps take it too. An insert, the one change
 * made on every upcall, takes no lock: it only appends to the list, publishing the megaflow (and a grown list)
 * with release stores that a dump reads with acquire loads ({@link #dumpSize}, {@link #dumpGet}). Why: the
 * unlock's full fence waited for every store of the upcall still in the store buffer (the new megaflow, the
 * subtable's slot, most of them cache misses): 8 % of an upcall's JFR samples on main.
 *
 * <p>Thread-safety: one owner thread; other threads only under {@link #lock}, read-only.
 */
final class MegaflowClassifier {
    private static final VarHandle SIZE;
    private static final VarHandle ALL;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SIZE = l.findVarHandle(MegaflowClassifier.class, "size", int.class);
            ALL = l.findVarHandle(MegaflowClassifier.class, "all", Megaflow[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

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
        long h = Subtable.maskHash(mask);
        Subtable[] ts = tables;
        for (int i = 0, n = nTables; i < n; i++) {
            if (ts[i].maskHash == h && Arrays.equals(ts[i].mask, mask)) {
                return ts[i];
            }
        }
        Subtable t = spare(mask);
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

    /**
     * Adds {@code f}, which must have been built from {@code key} for {@code subtableFor(mask)} and not match any
     * other. Takes no lock (see the class comment): a concurrent dump sees the list before or after the append.
     */
    void insert(Megaflow f, long[] key) {
        f.subtable.insert(f, key);
        int n = size;
        Megaflow[] a = all;
        if (n == a.length) {
            a = Arrays.copyOf(a, n * 2);
            ALL.setRelease(this, a); // a dump that loads it sees the copied entries
        }
        f.listIndex = n;
        a[n] = f;
        SIZE.setRelease(this, n + 1); // a dump that loads it sees f built and in the list
    }

    /**
     * The number of megaflows, for a dump on another thread holding {@link #lock}: entries {@code 0..} of it are
     * readable with {@link #dumpGet}, whatever the owner appends meanwhile.
     */
    int dumpSize() {
        return (int) SIZE.getAcquire(this);
    }

    /** The i-th megaflow (i &lt; a {@link #dumpSize} read before), for a dump holding {@link #lock}. */
    Megaflow dumpGet(int i) {
        return ((Megaflow[]) ALL.getAcquire(this))[i];
    }

    /** Removes {@code f} and marks it dead; drops its subtable when that becomes empty. */
    void remove(Megaflow f) {
        lock.lock();
        try {
            if (f.dead) {
                return;
            }
            f.markDead();
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

    /**
     * The subtables a {@link #clear} dropped, kept for their capacity: the flood of upcalls after a flush
     * installs megaflows of the same masks again, about as many. Emptied by the clear (so they keep no megaflow
     * alive); those not reused by the next clear are dropped then.
     */
    private Subtable[] spares = new Subtable[0];

    /** A dropped subtable of {@code mask}, emptied, or a new one. */
    private Subtable spare(long[] mask) {
        Subtable[] sp = spares;
        for (int i = 0; i < sp.length; i++) {
            Subtable t = sp[i];
            if (t != null && Arrays.equals(t.mask, mask)) {
                sp[i] = null;
                return t;
            }
        }
        return new Subtable(mask);
    }

    /** Removes every megaflow; returns how many. */
    int clear() {
        lock.lock();
        try {
            int n = size;
            for (int i = 0; i < n; i++) {
                all[i].markDead();
                all[i].listIndex = -1;
                all[i] = null;
            }
            for (int i = 0; i < nTables; i++) {
                tables[i].reset();
            }
            spares = Arrays.copyOf(tables, nTables);
            Arrays.fill(tables, 0, nTables, null);
            nTables = 0;
            size = 0;
            return n;
        } finally {
            lock.unlock();
        }
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
}
