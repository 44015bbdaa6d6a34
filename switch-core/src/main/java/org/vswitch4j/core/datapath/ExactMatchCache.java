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
 * hash is ten multiply-xor steps on two independent chains (so they overlap in the pipeline), which is cheaper
 * than hashing all 18 words; the lead's JMH run measures the whole hit path.
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

    /** The cache's hash of a key. */
    static int hash(long[] w) {
        long a = (w[0] ^ 0x9E3779B97F4A7C15L) * 0xC2B2AE3D27D4EB4FL;
        long b = (w[1] ^ 0x165667B19E3779F9L) * 0x9E3779B97F4A7C15L;
        a = (a ^ w[2]) * 0xC2B2AE3D27D4EB4FL;
        b = (b ^ w[3]) * 0x9E3779B97F4A7C15L;
        a = (a ^ w[4]) * 0xC2B2AE3D27D4EB4FL;
        b = (b ^ w[5]) * 0x9E3779B97F4A7C15L;
        a = (a ^ w[6]) * 0xC2B2AE3D27D4EB4FL;
        b = (b ^ w[7]) * 0x9E3779B97F4A7C15L;
        a = (a ^ w[9]) * 0xC2B2AE3D27D4EB4FL;
        b = (b ^ w[11]) * 0x9E3779B97F4A7C15L;
        long h = a ^ Long.rotateLeft(b, 31);
        return (int) (h ^ (h >>> 32));
    }

    /** The live megaflow cached for key {@code w} with hash {@code h}, or null. Allocation-free. */
    Megaflow lookup(long[] w, int h) {
        int i = h & mask;
        Megaflow f = flows[i];
        if (f != null && hashes[i] == h && !f.dead
                && Arrays.equals(keys, i * KEY_WORDS, i * KEY_WORDS + KEY_WORDS, w, 0, KEY_WORDS)) {
            return f;
        }
        i = (h >>> 16 ^ h >>> 3) & mask;
        f = flows[i];
        if (f != null && hashes[i] == h && !f.dead
                && Arrays.equals(keys, i * KEY_WORDS, i * KEY_WORDS + KEY_WORDS, w, 0, KEY_WORDS)) {
            return f;
        }
        return null;
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
