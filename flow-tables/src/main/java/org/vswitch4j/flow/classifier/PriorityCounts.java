package org.vswitch4j.flow.classifier;

import java.util.Arrays;

/**
 * A multiset of rule priorities: the distinct priorities in ascending order, with how many rules have each.
 * A subtable keeps one for its highest priority after removals; a flow table for the priorities below a new
 * entry's (the decisions an add may change).
 *
 * <p>Why sorted primitive arrays and not a {@code TreeMap<Integer, ...>}: a table has few distinct priorities
 * (tens), and counting an add into a map boxed the priority, allocated a counter and walked tree nodes on every
 * flow mod; here it is a binary search in one array, and a move of the array's tail only for a priority not
 * seen before.
 *
 * <p>Thread-safety: none; written and read by the classifier's (or table's) single writer.
 */
public final class PriorityCounts {
    private int[] prios = new int[4];
    private int[] counts = new int[4];
    private int n;

    /** Counts one more rule of priority {@code p}. */
    public void add(int p) {
        int i = Arrays.binarySearch(prios, 0, n, p);
        if (i >= 0) {
            counts[i]++;
            return;
        }
        i = -i - 1;
        if (n == prios.length) {
            prios = Arrays.copyOf(prios, n * 2);
            counts = Arrays.copyOf(counts, n * 2);
        }
        System.arraycopy(prios, i, prios, i + 1, n - i);
        System.arraycopy(counts, i, counts, i + 1, n - i);
        prios[i] = p;
        counts[i] = 1;
        n++;
    }

    /** Counts one rule of priority {@code p} less; returns false (and changes nothing) when none is counted. */
    public boolean remove(int p) {
        int i = Arrays.binarySearch(prios, 0, n, p);
        if (i < 0) {
            return false;
        }
        if (--counts[i] == 0) {
            System.arraycopy(prios, i + 1, prios, i, n - i - 1);
            System.arraycopy(counts, i + 1, counts, i, n - i - 1);
            n--;
        }
        return true;
    }

    /** Number of distinct priorities. */
    public int distinct() {
        return n;
    }

    /** How many distinct priorities are below {@code p}: they are {@link #at} 0 up to that count (exclusive). */
    public int below(int p) {
        int i = Arrays.binarySearch(prios, 0, n, p);
        return i >= 0 ? i : -i - 1;
    }

    /** The i-th distinct priority, ascending (0 ≤ i &lt; {@link #distinct}). */
    public int at(int i) {
        return prios[i];
    }

    /** How many rules have the i-th distinct priority. */
    public int countAt(int i) {
        return counts[i];
    }

    /** The highest priority counted; only when {@link #distinct} &gt; 0. */
    public int max() {
        return prios[n - 1];
    }
}
