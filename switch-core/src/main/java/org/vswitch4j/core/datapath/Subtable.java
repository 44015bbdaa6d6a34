package org.vswitch4j.core.datapath;

import java.util.Arrays;
import org.vswitch4j.core.key.FlowKey;

/**
 * One subtable of the megaflow classifier: every megaflow with one particular mask, in a hash table keyed
 * by the masked key.
 *
 * <p>Shape: open addressing with linear probing over three parallel arrays — megaflow references, a one-byte
 * tag per slot (7 bits of the hash, with the top bit set, so that 0 marks a free slot), and the masked keys'
 * covered words stored flat ({@code n} words per slot, where {@code n} is the number of non-zero mask words) —
 * deletion by backward shift (no tombstones, so a lookup's probe length depends only on the live entries), grown
 * at 50% load. A probe walks the tag array alone until a tag agrees, so a miss (every upcall probes every
 * subtable and misses) reads one array of a byte per slot, a quarter of what whole hashes took: an upcall's
 * probes of every subtable stay in L1 where int hashes of a few full subtables did not. The whole hash, which
 * the backward shift and growth need for the home slot, is kept in {@link Megaflow#hash}. The mask is kept as the list of its non-zero words,
 * so hashing and comparing a key touch only the words the mask covers: a typical L2 megaflow (in_port,
 * eth_dst, eth_src, vlan) costs four loads, four ANDs and four independent multiplies to hash, then a compare
 * of the same four words against the flat copy. The megaflow object is read only once its key matched: with
 * thousands of megaflows the objects are cache misses, the flat keys far fewer.
 *
 * <p>Thread-safety: owned by one poll thread (see {@link MegaflowClassifier}).
 */
final class Subtable {
    /** One odd constant per covered word (cycled), so the hash is a sum of independent products. */
    private static final long[] MULTIPLIERS = {
        0x9E3779B97F4A7C15L, 0xC2B2AE3D27D4EB4FL, 0x165667B19E3779F9L, 0xD6E8FEB86659FD93L,
        0xFF51AFD7ED558CCDL, 0xC4CEB9FE1A85EC53L, 0x94D049BB133111EBL, 0xBF58476D1CE4E5B9L,
    };

    /** The mask, all {@link FlowKey#WORDS} words. */
    final long[] mask;
    /** Whether the mask consults in_port and nothing else (see {@link PollWorker#inPortOnly}). */
    final boolean inPortOnly;
    /** {@link #maskHash(long[])} of the mask: the miss path finds a mask's subtable by it before comparing words. */
    final long maskHash;
    /** Indices of the mask's non-zero words, ascending. */
    final int[] words;
    /** The mask's words at those indices (dense copy for the lookup loop). */
    final long[] maskWords;
    /** {@link #MULTIPLIERS} for each covered word. */
    private final long[] mults;
    /** Covered words per slot in {@link #keys}. */
    private final int n;

    private Megaflow[] slots;
    /** {@link #tagOf} each slot's hash, 0 when free. */
    private byte[] tags;
    /** Slot i's masked key, covered words only: keys[i*n .. i*n+n). */
    private long[] keys;
    private int size;
    /** Hits since the last ranking; the classifier sorts subtables by it. Owner thread only. */
    long hits;

    Subtable(long[] mask) {
        this.mask = mask.clone();
        this.inPortOnly = PollWorker.inPortOnly(this.mask);
        this.maskHash = maskHash(this.mask);
        int c = 0;
        for (long m : mask) {
            if (m != 0) {
                c++;
            }
        }
        n = c;
        words = new int[n];
        maskWords = new long[n];
        mults = new long[n];
        int j = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != 0) {
                words[j] = i;
                maskWords[j] = mask[i];
                mults[j] = MULTIPLIERS[j % MULTIPLIERS.length];
                j++;
            }
        }
        slots = new Megaflow[16];
        tags = new byte[16];
        keys = new long[16 * n];
    }

    int size() {
        return size;
    }

    /**
     * A hash of a whole mask: a sum of independent products (one multiplier per word position, so that equal
     * words at different positions differ), which the CPU overlaps, where {@code Arrays.hashCode}'s
     * {@code 31 * h + w} chains one multiply per word after the other.
     */
    static long maskHash(long[] mask) {
        long h = 0;
        for (int i = 0; i < mask.length; i++) {
            h += mask[i] * (MULTIPLIERS[i & 7] + 2L * i);
        }
        return h;
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

    private static int mix(long h) {
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 32));
    }

    /**
     * A slot's tag: the hash's top 7 bits (the index takes the low ones, so the two are independent) with bit 7
     * set, never 0. A probe passes a slot whose tag differs; an equal tag by chance costs a key compare.
     */
    static byte tagOf(int h) {
        return (byte) (h >>> 25 | 0x80);
    }

    /** The megaflow whose masked key equals {@code key} under the mask, or null. Allocation-free. */
    Megaflow lookup(long[] key) {
        int h = hash(key);
        byte tag = tagOf(h);
        byte[] ts = tags;
        int m = ts.length - 1;
        int i = h & m;
        for (byte x; (x = ts[i]) != 0; i = (i + 1) & m) {
            if (x == tag && matches(i, key)) {
                return slots[i];
            }
        }
        return null;
    }

    private boolean matches(int slot, long[] key) {
        int[] ws = words;
        long[] ms = maskWords;
        long[] k = keys;
        int o = slot * n;
        long d = 0;
        for (int i = 0; i < ws.length; i++) {
            d |= (key[ws[i]] & ms[i]) ^ k[o + i];
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
        int i = put(f, h);
        int[] ws = words;
        long[] ms = maskWords;
        long[] k = keys;
        int o = i * n;
        for (int j = 0; j < ws.length; j++) {
            k[o + j] = key[ws[j]] & ms[j];
        }
        size++;
    }

    /** Places {@code f} in the first free slot of its probe sequence; returns the slot (keys not written). */
    private int put(Megaflow f, int h) {
        byte[] ts = tags;
        int m = ts.length - 1;
        int i = h & m;
        while (ts[i] != 0) {
            i = (i + 1) & m;
        }
        slots[i] = f;
        ts[i] = tagOf(h);
        return i;
    }

    /**
     * Empties this subtable for reuse by the same mask, keeping its capacity: after a flush the same masks come
     * back with about as many megaflows, and regrowing from 16 slots would copy every table several times.
     */
    void reset() {
        if (size > 0) {
            Arrays.fill(slots, null);
            Arrays.fill(tags, (byte) 0);
            size = 0;
        }
        hits = 0;
    }

    private void grow() {
        Megaflow[] old = slots;
        byte[] oldT = tags;
        long[] oldK = keys;
        slots = new Megaflow[old.length * 2];
        tags = new byte[old.length * 2];
        keys = new long[old.length * 2 * n];
        for (int i = 0; i < old.length; i++) {
            if (oldT[i] != 0) {
                int to = put(old[i], old[i].hash);
                System.arraycopy(oldK, i * n, keys, to * n, n);
            }
        }
    }

    /** Removes {@code f}; returns whether it was present. */
    boolean remove(Megaflow f) {
        int h = f.hash;
        Megaflow[] s = slots;
        byte[] ts = tags;
        int m = s.length - 1;
        int i = h & m;
        while (ts[i] != 0 && s[i] != f) {
            i = (i + 1) & m;
        }
        if (ts[i] == 0) {
            return false;
        }
        // Backward-shift deletion: pull later entries of the cluster into the hole when their home slot
        // does not lie (cyclically) in (hole, their position].
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & m;
            if (ts[j] == 0) {
                break;
            }
            int home = s[j].hash & m;
            boolean homeInRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!homeInRange) {
                s[hole] = s[j];
                ts[hole] = ts[j];
                System.arraycopy(keys, j * n, keys, hole * n, n);
                hole = j;
            }
        }
        s[hole] = null;
        ts[hole] = 0;
        size--;
        return true;
    }
}
