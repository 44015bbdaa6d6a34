package org.vswitch4j.core.datapath;

import java.util.Arrays;

/**
 * The parsed-key exact-match table's slots ({@link ExactMatchCache}; {@link RawHeaderCache} keeps its own rows but
 * places entries the same way): {@code entries} slots, each a hash and a megaflow reference beside the key words the subclass keeps; every hash has two
 * candidate slots ({@link #first}, {@link #second}); a slot whose megaflow is null or dead is free.
 *
 * <p>Insertion ({@link #place}) takes a free candidate slot, else displaces as in cuckoo hashing: the new entry
 * takes one of its slots (chosen by a hash bit) and the entry living there moves to its own other slot, taking that
 * one in turn, up to {@value #MAX_KICKS} moves; only when no move ends on a free slot is the last entry moved
 * dropped (its megaflow stays in the classifier, so that costs one later megaflow lookup). Why: with replacement by
 * a hash bit, a table filled to ~60 % of its slots (10,000 flows in 16,384) keeps evicting live entries and serves
 * ~94 % of packets; displacement places ~99 % of the flows. Insertions are rare (upcalls and a fraction of megaflow
 * hits), so the moves cost nothing on the hit path, and the lookup is unchanged: two probes at most.
 *
 * <p>The subclasses' lookups write {@link #first} and {@link #second} out instead of calling them: with the calls,
 * the 4-flow forwarding benchmark ran 5-9 % slower in five interleaved rounds (the datapath loop they are inlined
 * into sits at C2's inlining limits). Keep the formulas in step.
 *
 * <p>Thread-safety: owned by one poll thread.
 */
abstract class TwoWaySlots {
    /** Displacements an insertion may make before it drops an entry. */
    static final int MAX_KICKS = 8;

    final int[] hashes;
    final Megaflow[] flows;
    final int mask;

    /** {@code entries}: a power of two ≥ 2; {@code what} names the table in the error. */
    TwoWaySlots(int entries, String what) {
        if (entries < 2 || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException(what + " entries " + entries + " must be a power of two >= 2");
        }
        hashes = new int[entries];
        flows = new Megaflow[entries];
        mask = entries - 1;
    }

    /** The first candidate slot of hash {@code h}. */
    private int first(int h) {
        return h & mask;
    }

    /** The second candidate slot of hash {@code h} (from other bits than the first). */
    private int second(int h) {
        return (h >>> 16 ^ h >>> 3) & mask;
    }

    private boolean free(int i) {
        Megaflow f = flows[i];
        return f == null || f.dead;
    }

    /**
     * Inserts the entry whose key the subclass holds as "carried" ({@link #swapCarriedKey}, {@link #storeCarriedKey}),
     * with hash {@code h} and megaflow {@code f}, as the class comment says. The carried key is clobbered.
     */
    final void place(int h, Megaflow f) {
        int i1 = first(h);
        int i2 = second(h);
        int pos = free(i1) ? i1 : free(i2) ? i2 : -1;
        if (pos >= 0) {
            store(pos, h, f);
            return;
        }
        int ch = h;
        Megaflow cf = f;
        pos = (h & 0x40000000) == 0 ? i1 : i2;
        for (int kick = 0; kick < MAX_KICKS; kick++) {
            // The carried entry goes into pos; the resident becomes the carried one.
            swapCarriedKey(pos);
            int th = hashes[pos];
            hashes[pos] = ch;
            ch = th;
            Megaflow tf = flows[pos];
            flows[pos] = cf;
            cf = tf;
            int a = first(ch);
            pos = pos == a ? second(ch) : a; // the displaced entry's other slot
            if (free(pos)) {
                store(pos, ch, cf);
                return;
            }
        }
        // No free slot within MAX_KICKS moves: the carried entry is dropped from the cache.
    }

    private void store(int pos, int h, Megaflow f) {
        storeCarriedKey(pos);
        hashes[pos] = h;
        flows[pos] = f;
    }

    /** Exchanges {@code n} words of {@code table} from {@code at} with those of {@code carry} from {@code from}. */
    static void swapWords(long[] table, int at, long[] carry, int from, int n) {
        for (int j = 0; j < n; j++) {
            long t = table[at + j];
            table[at + j] = carry[from + j];
            carry[from + j] = t;
        }
    }

    /** Exchanges the carried key with slot {@code pos}'s key words. */
    abstract void swapCarriedKey(int pos);

    /** Writes the carried key into slot {@code pos}. */
    abstract void storeCarriedKey(int pos);

    /** Forgets everything (drops the references, so that dead megaflows can be collected). */
    final void clear() {
        Arrays.fill(flows, null);
    }

    /** Live entries (tests and diagnostics; O(entries)). */
    final int liveCount() {
        int n = 0;
        for (Megaflow f : flows) {
            if (f != null && !f.dead) {
                n++;
            }
        }
        return n;
    }
}
