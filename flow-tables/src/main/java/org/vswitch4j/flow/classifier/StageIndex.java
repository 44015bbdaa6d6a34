package org.vswitch4j.flow.classifier;

/**
 * A multiset of 32-bit hashes: a subtable's index of the hashes of its rules' values over the first stages
 * of its mask (see {@link Classifier}, "Staged lookup"). Absence is exact (no rule has those stage values);
 * presence may be a collision, which the later stages sort out.
 *
 * <p>Shape: open addressing, linear probing, one {@code long} per slot ({@code hash << 32 | count}, 0 =
 * empty) so a probe is one load; deletion by backward shift, no tombstones; grown at 50% load.
 *
 * <p>Thread-safety: as {@link Subtable}.
 */
final class StageIndex {
    private long[] slots = new long[8];
    private int size;

    /** Whether some rule's stage hash is {@code h}. Allocation-free. */
    boolean contains(int h) {
        long[] s = slots;
        int m = s.length - 1;
        for (int i = h & m; ; i = (i + 1) & m) {
            long e = s[i];
            if (e == 0) {
                return false;
            }
            if ((int) (e >>> 32) == h) {
                return true;
            }
        }
    }

    /** Reads the slot an {@link #add} of {@code h} starts at (see {@code Classifier.touchInsert}). */
    long touch(int h) {
        return slots[h & (slots.length - 1)];
    }

    void add(int h) {
        long[] s = slots;
        int m = s.length - 1;
        int i = h & m;
        for (long e; (e = s[i]) != 0; i = (i + 1) & m) {
            if ((int) (e >>> 32) == h) {
                s[i] = e + 1;
                return;
            }
        }
        if ((size + 1) * 2 > s.length) {
            grow();
            add(h);
            return;
        }
        s[i] = ((long) h << 32) | 1L;
        size++;
    }

    void remove(int h) {
        long[] s = slots;
        int m = s.length - 1;
        int i = h & m;
        while (true) {
            long e = s[i];
            if (e == 0) {
                throw new IllegalStateException("stage hash " + h + " is not in the index");
            }
            if ((int) (e >>> 32) == h) {
                break;
            }
            i = (i + 1) & m;
        }
        if ((s[i] & 0xFFFF_FFFFL) > 1) {
            s[i]--;
            return;
        }
        int hole = i;
        for (int j = (i + 1) & m; s[j] != 0; j = (j + 1) & m) {
            int home = (int) (s[j] >>> 32) & m;
            boolean homeInRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!homeInRange) {
                s[hole] = s[j];
                hole = j;
            }
        }
        s[hole] = 0;
        size--;
    }

    private void grow() {
        long[] old = slots;
        long[] s = new long[old.length * 2];
        int m = s.length - 1;
        for (long e : old) {
            if (e != 0) {
                int i = (int) (e >>> 32) & m;
                while (s[i] != 0) {
                    i = (i + 1) & m;
                }
                s[i] = e;
            }
        }
        slots = s;
    }
}
