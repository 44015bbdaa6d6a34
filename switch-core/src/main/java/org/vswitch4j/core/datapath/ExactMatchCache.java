package org.vswitch4j.core.datapath;

import org.vswitch4j.core.key.FlowKey;

/**
 * A poll thread's exact-match cache (OVS's EMC): full flow key → megaflow, checked before the classifier.
 *
 * <p>What: {@code entries} slots (a power of two); a key may live in one of two slots, chosen by two parts
 * of its hash (a 2-way set-associative cache, as OVS does). Keys are stored flat in {@code long[]}s next to a
 * parallel array of hashes and of megaflow references, so a lookup is: hash, compare one int, compare the key
 * words, check the megaflow is alive. No objects per entry, no pointer chasing before the compare.
 *
 * <p>Which words: a received packet's key sets only words 0..{@link FlowKey#PACKET_WORDS}-1 plus the tunnel
 * words (16..26); metadata and registers (27..35) are always zero on rx (only the pipeline writes them, on its
 * own copy), so the cache keeps words 0..{@link #KEY_WORDS}-1. Most keys are <em>narrow</em>: words 8..26 (IPv6
 * addresses, ARP/ND hardware addresses and target, tunnel) are all zero, as for every IPv4 TCP/UDP/ICMP
 * packet without a tunnel; the test reads words 8..18 only, since word 18 (tunnel flags) is never zero when a
 * tunnel word after it is not ({@link FlowKey}). A slot stores words 0..7 inline, 64 bytes (so several times as
 * many entries stay in cache as with all 27 words); a wide key also stores words 8..26 in a side array, created
 * on the first wide insertion. Bit 63 of the stored word 0 (in_port uses the low 32 bits) marks a wide entry, so comparing
 * word 0 also tells narrow from wide, and a narrow lookup never touches the side array.
 *
 * <p>The hash reads words 0..7 (in_port, Ethernet, VLANs, IPv4 addresses, IP fields, L4 ports) and the low
 * words of the IPv6 addresses (9 and 11, where interface identifiers vary). Words left out of the hash cost
 * nothing when they agree and only a collision (never a wrong answer) when they alone differ — the compare
 * covers them. The hash is a sum of seven independent products and one final mix (see {@link #hash}),
 * cheaper than hashing all 18 words or chaining the multiplies: the words that rarely differ between flows
 * (in_port, eth_type, VLANs, TTL/TOS/proto) are rotated apart and xor-ed into one product, the addresses and
 * ports get one each.
 *
 * <p>Replacement: a key goes into whichever of its two slots is free or dead; when both are live it takes one
 * (chosen by a hash bit) and the entry there moves to its other slot, and so on (cuckoo displacement, see
 * {@link #insert}). A dead megaflow (removed by invalidation or revalidation) is a miss, and its slots are reused.
 *
 * <p>Cost: entries × (8 × 8 + 4 + 4) bytes ≈ 1.1 MB for the default 16384 entries, per poll thread, plus
 * entries × 152 bytes once a wide key is cached.
 *
 * <p>Keys of IPv4 TCP/UDP frames without options or fragments, untagged or behind one 802.1Q tag, never come here:
 * the poll thread keeps them in {@link RawHeaderCache}, the same cache keyed by the raw header bytes, whose hits skip
 * the parse.
 *
 * <p>Thread-safety: owned by one poll thread; never read by others.
 */
final class ExactMatchCache extends TwoWaySlots {
    /** Words of the key the cache is exact on: 0..26 (packet words and the tunnel words). */
    static final int KEY_WORDS = FlowKey.TUNNEL_END;
    /** Words stored inline per slot: 0..7. */
    static final int NARROW_WORDS = 8;
    /** Words 8..26, stored in the side array for wide keys. */
    static final int WIDE_WORDS = KEY_WORDS - NARROW_WORDS;
    /** Set in the stored word 0 of a wide entry (and in the probe's word 0 for a wide key). */
    static final long WIDE = 1L << 63;

    private final long[] keys;
    private long[] wideKeys; // created on the first wide insertion
    /** The entry being moved during an insertion: stored word 0, then words 1..26. */
    private final long[] carry = new long[KEY_WORDS];

    /** {@code entries}: a power of two ≥ 2. */
    ExactMatchCache(int entries) {
        super(entries, "EMC");
        keys = new long[entries * NARROW_WORDS];
    }

    /**
     * The cache's hash of a key: a sum of independent products (one odd constant per term, so every multiply
     * can issue at once instead of waiting on a chain), then one xor-shift-multiply to bring the high bits,
     * where products mix best, down to the low bits the slots are chosen by. Measured with 10,000 flows
     * (interleaved runs): seven products instead of ten gave 11.0-13.4 Mpps against 10.1-11.7.
     */
    static int hash(long[] w) {
        // Words that rarely vary between flows (in_port, eth_type, VLANs, IP TTL/TOS/proto) share one product:
        // rotated apart so their fields do not overlap, then xor-ed.
        long quiet = w[0] ^ Long.rotateLeft(w[3], 40) ^ Long.rotateLeft(w[4], 7) ^ Long.rotateLeft(w[6], 23);
        long h = quiet * 0x9E3779B97F4A7C15L + w[1] * 0xC2B2AE3D27D4EB4FL + w[2] * 0x165667B19E3779F9L
                + w[5] * 0xC4CEB9FE1A85EC53L + w[7] * 0xBF58476D1CE4E5B9L + w[9] * 0x27D4EB2F165667C5L
                + w[11] * 0x85EBCA77C2B2AE63L;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 32));
    }

    /**
     * Word 0 as a slot stores it for key {@code w}: with {@link #WIDE} set when any of words 8..26 is not zero
     * (words 19..26 are zero whenever word 18 is, see the class comment).
     */
    private static long tagged0(long[] w) {
        long wide = w[8] | w[9] | w[10] | w[11] | w[12] | w[13] | w[14] | w[15] | w[16] | w[17]
                | w[FlowKey.W_TUN_FLAGS];
        return wide == 0 ? w[0] : w[0] | WIDE;
    }

    /**
     * The live megaflow cached for key {@code w} with hash {@code h}, or null. Allocation-free.
     *
     * <p>One loop over the two ways, with the compare written out in it: the inline words' xors or-ed together
     * and tested once, branch-free; the side array only for a wide key. Shape, for the JIT: a separate compare
     * method was not inlined where the hash check usually fails (a cold call site, 10,000 flows), costing a
     * call per probe; keep this method small enough to inline into the datapath's loop (under 325 bytecodes).
     */
    Megaflow lookup(long[] w, int h) {
        long w0 = tagged0(w);
        long[] k = keys;
        int i = h & mask;
        for (int way = 0; ; way++) {
            Megaflow f = flows[i];
            if (f != null && hashes[i] == h) {
                int o = i * NARROW_WORDS;
                long d = (k[o] ^ w0) | (k[o + 1] ^ w[1]) | (k[o + 2] ^ w[2]) | (k[o + 3] ^ w[3])
                        | (k[o + 4] ^ w[4]) | (k[o + 5] ^ w[5]) | (k[o + 6] ^ w[6]) | (k[o + 7] ^ w[7]);
                if (d == 0 && (w0 >= 0 || sameWide(i, w)) && !f.dead) {
                    return f;
                }
            }
            if (way == 1) {
                return null;
            }
            i = (h >>> 16 ^ h >>> 3) & mask;
        }
    }

    /** Whether slot {@code i}'s side words equal words 8..26 of {@code w} (wide keys only). */
    private boolean sameWide(int i, long[] w) {
        long[] x = wideKeys;
        int o = i * WIDE_WORDS;
        long d = 0;
        for (int j = 0; j < WIDE_WORDS; j++) {
            d |= x[o + j] ^ w[NARROW_WORDS + j];
        }
        return d == 0;
    }

    /**
     * Caches key {@code w} (hash {@code h}) → {@code f}: {@link TwoWaySlots#place}, which may move other entries (a
     * wide entry moves with its side words).
     */
    void insert(long[] w, int h, Megaflow f) {
        long[] c = carry;
        c[0] = tagged0(w);
        System.arraycopy(w, 1, c, 1, KEY_WORDS - 1);
        place(h, f);
    }

    @Override
    void swapCarriedKey(int pos) {
        long[] c = carry;
        int o = pos * NARROW_WORDS;
        boolean wide = c[0] < 0 || keys[o] < 0; // before the swap: either side's stored word 0
        swapWords(keys, o, c, 0, NARROW_WORDS);
        if (wide) {
            swapWords(wideKeys(), pos * WIDE_WORDS, c, NARROW_WORDS, WIDE_WORDS);
        }
    }

    @Override
    void storeCarriedKey(int pos) {
        long[] c = carry;
        System.arraycopy(c, 0, keys, pos * NARROW_WORDS, NARROW_WORDS);
        if (c[0] < 0) {
            System.arraycopy(c, NARROW_WORDS, wideKeys(), pos * WIDE_WORDS, WIDE_WORDS);
        }
    }

    private long[] wideKeys() {
        long[] x = wideKeys;
        if (x == null) {
            x = new long[flows.length * WIDE_WORDS]; // on the first wide entry
            wideKeys = x;
        }
        return x;
    }
}
