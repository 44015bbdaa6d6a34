package org.vswitch4j.core.datapath;

import java.util.Arrays;
import org.vswitch4j.core.key.FlowKey;

/**
 * A poll thread's exact-match cache (OVS's EMC): full flow key → megaflow, checked before the classifier.
 *
 * <p>What: {@code entries} slots (a power of two); a key may live in one of two slots, chosen by two parts
 * of its hash (a 2-way set-associative cache, as OVS does). Keys are stored flat in one {@code long[]} of
 * {@code entries × }{@link #KEY_WORDS} words next to a parallel array of hashes and of megaflow references,
 * so a lookup is: hash, compare one int, compare {@link #KEY_WORDS} contiguous longs (a vectorised
 * {@link Arrays#equals(long[], int, int, long[], int, int)}), check the megaflow is alive. No objects per
 * entry, no pointer chasing before the compare.
 *
 * <p>Which words: a received packet's key sets only words 0..{@link FlowKey#PACKET_WORDS}-1 plus the tunnel
 * words; metadata and registers (18..26) are always zero on rx (only the pipeline writes them, on its own
 * copy), so the cache stores and compares words 0..{@link #KEY_WORDS}-1. The hash reads fewer still: words
 * 0..7 (in_port, Ethernet, VLANs, IPv4 addresses, IP fields, L4 ports) and the low words of the IPv6
 * addresses (9 and 11, where interface identifiers vary). Words left out of the hash cost nothing when they
 * agree and only a collision (never a wrong answer) when they alone differ — the compare covers them. The
 * hash is a sum of ten independent products and one final mix (see {@link #hash}), cheaper than hashing all
 * 18 words or chaining the multiplies.
 *
 * <p>Replacement: a key goes into whichever of its two slots is free or dead; when both are live it
 * replaces one chosen by a hash bit. A dead megaflow (removed by invalidation or revalidation) is a miss, and
 * its slots are reused.
 *
 * <p>Cost: entries × (18 × 8 + 4 + 4) bytes ≈ 1.2 MB for the default 8192 entries, per poll thread.
 *
 * <p>Thread-safety: owned by one poll thread; never read by others.
 */
final class ExactMatchCache {
    /** Words of the key stored and compared: 0..17 (packet words and the tunnel words). */
    static final int KEY_WORDS = FlowKey.W_TUN_IP + 1;

    private final long[] keys;
    private final int[] hashes;
    private final Megaflow[] flows;
    private final int mask;

    /** {@code entries}: a power of two ≥ 2. */
    ExactMatchCache(int entries) {
        if (entries < 2 || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("EMC entries " + entries + " must be a power of two >= 2");
        }
        keys = new long[entries * KEY_WORDS];
        hashes = new int[entries];
        flows = new Megaflow[entries];
        mask = entries - 1;
    }

    /**
     * The cache's hash of a key: a sum of independent products (one odd constant per word, so every multiply
     * can issue at once instead of waiting on a chain), then one xor-shift-multiply to bring the high bits,
     * where products mix best, down to the low bits the slots are chosen by.
     */
    static int hash(long[] w) {
        long h = w[0] * 0x9E3779B97F4A7C15L + w[1] * 0xC2B2AE3D27D4EB4FL + w[2] * 0x165667B19E3779F9L
                + w[3] * 0xD6E8FEB86659FD93L + w[4] * 0xFF51AFD7ED558CCDL + w[5] * 0xC4CEB9FE1A85EC53L
                + w[6] * 0x94D049BB133111EBL + w[7] * 0xBF58476D1CE4E5B9L + w[9] * 0x27D4EB2F165667C5L
                + w[11] * 0x85EBCA77C2B2AE63L;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 32));
    }

    /** The live megaflow cached for key {@code w} with hash {@code h}, or null. Allocation-free. */
    Megaflow lookup(long[] w, int h) {
        int i = h & mask;
        Megaflow f = flows[i];
        if (f != null && hashes[i] == h && !f.dead && sameKey(keys, i * KEY_WORDS, w)) {
            return f;
        }
        i = (h >>> 16 ^ h >>> 3) & mask;
        f = flows[i];
        if (f != null && hashes[i] == h && !f.dead && sameKey(keys, i * KEY_WORDS, w)) {
            return f;
        }
        return null;
    }

    /**
     * Whether {@code keys[o..o+KEY_WORDS)} equals {@code w[0..KEY_WORDS)}: the xors or-ed together and tested
     * once, branch-free, which for 18 words beats a call into the vectorised mismatch stub.
     */
    private static boolean sameKey(long[] keys, int o, long[] w) {
        long d = (keys[o] ^ w[0]) | (keys[o + 1] ^ w[1]) | (keys[o + 2] ^ w[2]) | (keys[o + 3] ^ w[3])
                | (keys[o + 4] ^ w[4]) | (keys[o + 5] ^ w[5]) | (keys[o + 6] ^ w[6]) | (keys[o + 7] ^ w[7])
                | (keys[o + 8] ^ w[8]) | (keys[o + 9] ^ w[9]) | (keys[o + 10] ^ w[10]) | (keys[o + 11] ^ w[11])
                | (keys[o + 12] ^ w[12]) | (keys[o + 13] ^ w[13]) | (keys[o + 14] ^ w[14])
                | (keys[o + 15] ^ w[15]) | (keys[o + 16] ^ w[16]) | (keys[o + 17] ^ w[17]);
        return d == 0;
    }

    /** Caches key {@code w} (hash {@code h}) → {@code f}. */
    void insert(long[] w, int h, Megaflow f) {
        int i1 = h & mask;
        int i2 = (h >>> 16 ^ h >>> 3) & mask;
        int i;
        Megaflow f1 = flows[i1];
        if (f1 == null || f1.dead) {
            i = i1;
        } else {
            Megaflow f2 = flows[i2];
            i = f2 == null || f2.dead ? i2 : ((h & 0x40000000) == 0 ? i1 : i2);
        }
        System.arraycopy(w, 0, keys, i * KEY_WORDS, KEY_WORDS);
        hashes[i] = h;
        flows[i] = f;
    }

    /** Forgets everything (drops the references so dead megaflows can be collected). */
    void clear() {
        Arrays.fill(flows, null);
    }

    /** Live entries (tests and diagnostics; O(entries)). */
    int liveCount() {
        int n = 0;
        for (Megaflow f : flows) {
            if (f != null && !f.dead) {
                n++;
            }
        }
        return n;
    }
}
