package org.vswitch4j.core.datapath;

import java.util.Arrays;
import org.vswitch4j.core.key.FlowKey;

/**
 * One subtable of the megaflow classifier: every megaflow with one particular mask, in a hash table keyed
 * by the masked key.
 *
 * <p>Shape: open addressing with linear probing over two parallel arrays — megaflow references, and rows of
 * {@code n + 1} words ({@code n} = the number of non-zero mask words): the slot's hash, then its masked key's
 * covered words — deletion by backward shift (no tombstones, so a lookup's probe length depends only on the
 * live entries), grown at 50% load. A hash is never 0, and 0 marks a free slot: a probe walks the rows alone
 * until a hash agrees, and the key words it then compares share the hash's cache line, so a miss (every upcall
 * probes every subtable and misses) reads one line per subtable, and a hit one line before the megaflow
 * reference. The mask is kept as the list of its non-zero words, so hashing and comparing a key touch only the
 * words the mask covers: a typical L2 megaflow (in_port, eth_dst, eth_src, vlan) costs four loads, four ANDs
 * and four independent multiplies to hash, then a compare of the same four words against the row. The megaflow
 * object is read only once its key matched: with thousands of megaflows the objects are cache misses, the rows
 * far fewer.
 *
 * <p>Thread-safety: owned by one poll thread (see {@link MegaflowClassifier}).
 */
final class Subtable {
    /** One odd constant per covered word (cycled), so the hash is a sum of independent products. */
    private static final long[] MULTIPLIERS = {
        0x9E3779B97F4A7C15L, 0xC2B2AE3D27D4EB4FL, 0x165667B19E3779F9L, 0xD6E8FEB86659FD93L,
        0xFF51AFD7ED558CCDL, 0xC4CEB9FE1A85EC53L, 0x94D049BB133111EBL, 0xBF58476D1CE4E5B9L,
    };
    private static final int INITIAL = 16;

    /** The mask, all {@link FlowKey#WORDS} words. */
    final long[] mask;
    /** Whether the mask consults in_port and nothing else (see {@link PollWorker#inPortOnly}). */
    final boolean inPortOnly;
    /** Indices of the mask's non-zero words, ascending. */
    final int[] words;
    /** The mask's words at those indices (dense copy for the lookup loop). */
    final long[] maskWords;
    /** {@link #MULTIPLIERS} for each covered word. */
    private final long[] mults;
    /** Words per row in {@link #rows}: the hash, then the covered words. */
    private final int stride;

    private Megaflow[] slots;
    /** Slot i's row: rows[i*stride] its hash (0: free), rows[i*stride+1 .. i*stride+stride) its masked words. */
    private long[] rows;
    private int size;
    /** Hits since the last ranking; the classifier sorts subtables by it. Owner thread only. */
    long hits;

    Subtable(long[] mask) {
        this.mask = mask.clone();
        this.inPortOnly = PollWorker.inPortOnly(this.mask);
        int c = 0;
        for (long m : mask) {
            if (m != 0) {
                c++;
            }
        }
        words = new int[c];
        maskWords = new long[c];
        mults = new long[c];
        stride = c + 1;
        int j = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != 0) {
                words[j] = i;
                maskWords[j] = mask[i];
                mults[j] = MULTIPLIERS[j % MULTIPLIERS.length];
                j++;
            }
        }
        slots = new Megaflow[INITIAL];
        rows = new long[INITIAL * stride];
    }

    int size() {
        return size;
    }

    /** Hash of {@code key} (a full key) under this subtable's mask. */
    int hash(long[] key) {
        long h = 0;
        int[] ws = words;
        long[] ms = maskWords;
        long[] cs = mults;
        for (int i = 0; i < ws.length; i++) {
            h += (key[ws[i]] & ms[i]) * cs[i];
        }
        return mix(h);
    }

    /** Never 0: 0 marks a free row. */
    private static int mix(long h) {
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        int r = (int) (h ^ (h >>> 32));
        return r != 0 ? r : 0x9E3779B9;
    }

    /** The megaflow whose masked key equals {@code key} under the mask, or null. Allocation-free. */
    Megaflow lookup(long[] key) {
        int h = hash(key);
        long[] r = rows;
        int st = stride;
        int m = slots.length - 1;
        int i = h & m;
        for (long x; (x = r[i * st]) != 0; i = (i + 1) & m) {
            if ((int) x == h && matches(r, i * st + 1, key)) {
                return slots[i];
            }
        }
        return null;
    }

    private boolean matches(long[] r, int o, long[] key) {
        int[] ws = words;
        long[] ms = maskWords;
        long d = 0;
        for (int i = 0; i < ws.length; i++) {
            d |= (key[ws[i]] & ms[i]) ^ r[o + i];
        }
        return d == 0;
    }

    /**
     * Adds {@code f}, made for (a key equal to) {@code key} under this subtable's mask, which must not be present
     * already; remembers its hash in {@link Megaflow#hash} (removal finds the slot by it).
     */
    void insert(Megaflow f, long[] key) {
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        int h = hash(key);
        f.hash = h;
        int o = put(f, h) * stride + 1;
        int[] ws = words;
        long[] ms = maskWords;
        long[] r = rows;
        for (int j = 0; j < ws.length; j++) {
            r[o + j] = key[ws[j]] & ms[j];
        }
        size++;
    }

    /** Places {@code f} and its hash in the first free slot of its probe sequence; returns the slot. */
    private int put(Megaflow f, int h) {
        long[] r = rows;
        int st = stride;
        int m = slots.length - 1;
        int i = h & m;
        while (r[i * st] != 0) {
            i = (i + 1) & m;
        }
        slots[i] = f;
        r[i * st] = h;
        return i;
    }

    /**
     * Empties this subtable for reuse by the same mask, keeping its capacity: after a flush the same masks come
     * back with about as many megaflows, and regrowing from 16 slots would copy every table several times.
     */
    void reset() {
        if (size > 0) {
            Arrays.fill(slots, null);
            long[] r = rows;
            for (int o = 0; o < r.length; o += stride) {
                r[o] = 0; // the key words of a free row are never read
            }
            size = 0;
        }
        hits = 0;
    }

    private void grow() {
        Megaflow[] old = slots;
        long[] oldR = rows;
        int st = stride;
        slots = new Megaflow[old.length * 2];
        rows = new long[old.length * 2 * st];
        for (int i = 0; i < old.length; i++) {
            long h = oldR[i * st];
            if (h != 0) {
                int to = put(old[i], (int) h);
                System.arraycopy(oldR, i * st + 1, rows, to * st + 1, st - 1);
            }
        }
    }

    /** Removes {@code f}; returns whether it was present. */
    boolean remove(Megaflow f) {
        int h = f.hash;
        Megaflow[] s = slots;
        long[] r = rows;
        int st = stride;
        int m = s.length - 1;
        int i = h & m;
        while (r[i * st] != 0 && s[i] != f) {
            i = (i + 1) & m;
        }
        if (r[i * st] == 0) {
            return false;
        }
        // Backward-shift deletion: pull later entries of the cluster into the hole when their home slot
        // does not lie (cyclically) in (hole, their position].
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & m;
            long hj = r[j * st];
            if (hj == 0) {
                break;
            }
            int home = (int) hj & m;
            boolean homeInRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!homeInRange) {
                s[hole] = s[j];
                System.arraycopy(r, j * st, r, hole * st, st);
                hole = j;
            }
        }
        s[hole] = null;
        r[hole * st] = 0;
        size--;
        return true;
    }
}
