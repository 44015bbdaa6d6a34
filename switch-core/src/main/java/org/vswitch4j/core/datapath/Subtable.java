package org.vswitch4j.core.datapath;

import org.vswitch4j.core.key.FlowKey;

/**
 * One subtable of the megaflow classifier: every megaflow with one particular mask, in a hash table keyed
 * by the masked key.
 *
 * <p>Shape: open addressing with linear probing over two parallel arrays (megaflow references and their
 * hashes), deletion by backward shift (no tombstones, so a lookup's probe length depends only on the live
 * entries), grown at 50% load. The mask is kept as the list of its non-zero words, so hashing and comparing a
 * key touch only the words the mask covers: a typical L2 megaflow (in_port, eth_dst, eth_src, vlan) costs
 * four loads, four ANDs and four multiply-mix steps to hash, then a compare of the same four words.
 *
 * <p>Thread-safety: owned by one poll thread (see {@link MegaflowClassifier}).
 */
final class Subtable {
    /** The mask, all {@link FlowKey#WORDS} words. */
    final long[] mask;
    /** Indices of the mask's non-zero words, ascending. */
    final int[] words;
    /** The mask's words at those indices (dense copy for the lookup loop). */
    final long[] maskWords;

    private Megaflow[] slots;
    private int[] hashes;
    private int size;
    /** Hits since the last ranking; the classifier sorts subtables by it. Owner thread only. */
    long hits;

    Subtable(long[] mask) {
        this.mask = mask.clone();
        int n = 0;
        for (long m : mask) {
            if (m != 0) {
                n++;
            }
        }
        words = new int[n];
        maskWords = new long[n];
        int j = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != 0) {
                words[j] = i;
                maskWords[j] = mask[i];
                j++;
            }
        }
        slots = new Megaflow[16];
        hashes = new int[16];
    }

    int size() {
        return size;
    }

    /** Hash of {@code key} (a full key) under this subtable's mask. */
    int hash(long[] key) {
        long h = 0x2545F4914F6CDD1DL;
        int[] ws = words;
        long[] ms = maskWords;
        for (int i = 0; i < ws.length; i++) {
            h = (h ^ (key[ws[i]] & ms[i])) * 0x9E3779B97F4A7C15L;
        }
        return (int) (h ^ (h >>> 29) ^ (h >>> 47));
    }

    /** Hash of a key that is already masked (a megaflow's). */
    private int hashMasked(long[] maskedKey) {
        long h = 0x2545F4914F6CDD1DL;
        int[] ws = words;
        for (int w : ws) {
            h = (h ^ maskedKey[w]) * 0x9E3779B97F4A7C15L;
        }
        return (int) (h ^ (h >>> 29) ^ (h >>> 47));
    }

    /** The megaflow whose masked key equals {@code key} under the mask, or null. Allocation-free. */
    Megaflow lookup(long[] key) {
        int h = hash(key);
        Megaflow[] s = slots;
        int m = s.length - 1;
        int i = h & m;
        for (Megaflow f; (f = s[i]) != null; i = (i + 1) & m) {
            if (hashes[i] == h && matches(f.maskedKey, key)) {
                return f;
            }
        }
        return null;
    }

    private boolean matches(long[] maskedKey, long[] key) {
        int[] ws = words;
        long[] ms = maskWords;
        for (int i = 0; i < ws.length; i++) {
            int w = ws[i];
            if ((key[w] & ms[i]) != maskedKey[w]) {
                return false;
            }
        }
        return true;
    }

    /** Adds {@code f} (whose masked key must not be present already). */
    void insert(Megaflow f) {
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        put(f, hashMasked(f.maskedKey));
        size++;
    }

    private void put(Megaflow f, int h) {
        int m = slots.length - 1;
        int i = h & m;
        while (slots[i] != null) {
            i = (i + 1) & m;
        }
        slots[i] = f;
        hashes[i] = h;
    }

    private void grow() {
        Megaflow[] old = slots;
        int[] oldH = hashes;
        slots = new Megaflow[old.length * 2];
        hashes = new int[old.length * 2];
        for (int i = 0; i < old.length; i++) {
            if (old[i] != null) {
                put(old[i], oldH[i]);
            }
        }
    }

    /** Removes {@code f}; returns whether it was present. */
    boolean remove(Megaflow f) {
        int h = hashMasked(f.maskedKey);
        Megaflow[] s = slots;
        int m = s.length - 1;
        int i = h & m;
        while (s[i] != null && s[i] != f) {
            i = (i + 1) & m;
        }
        if (s[i] == null) {
            return false;
        }
        // Backward-shift deletion: pull later entries of the cluster into the hole when their home slot
        // does not lie (cyclically) in (hole, their position].
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & m;
            if (s[j] == null) {
                break;
            }
            int home = hashes[j] & m;
            boolean homeInRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!homeInRange) {
                s[hole] = s[j];
                hashes[hole] = hashes[j];
                hole = j;
            }
        }
        s[hole] = null;
        size--;
        return true;
    }
}
