package org.vswitch4j.core.datapath;

import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.packet.Packet;

/**
 * The exact-match cache's table for the commonest frame shape, keyed by the frame's raw header bytes instead of
 * the parsed flow key, so that a hit skips the parse, the key and the key hash.
 *
 * <p>The shape ({@link #find}): an Ethernet frame, untagged or with one 802.1Q tag (TPID 0x8100), carrying IPv4
 * with a 20-byte header (0x45), not a
 * fragment (MF and offset zero), TCP or UDP, whose total length leaves room for the L4 header (and, for TCP, a
 * data offset of 5..room/4) and lies within the frame. For exactly these frames {@code FlowParser} fills the flow
 * key from these header bytes alone: eth_dst and eth_src (bytes 0..11), ip_tos (15), ip_ttl and ip_proto
 * (22, 23), the addresses (26..33), the ports (34..37) and for TCP the flag bits (46..47, low 12 bits); eth_type
 * (0x0800), VLANs (none), ip_frag (0), everything IPv6/ARP/ND (zero) are fixed by the shape. So the raw key —
 * those bytes and in_port, with every other byte of the first 40 (total length, id, DF, checksum, UDP length,
 * TCP sequence) masked out — is equal for two such frames exactly when their flow keys are equal, and the
 * megaflow the EMC would give is the one cached here. It is five words: bytes 0..7, 8..15, then one word of
 * ttl/proto, the flags (bits 24..35) and in_port (bits 36..51, {@link Datapath#MAX_PORTS} fits), then bytes
 * 26..31 and 32..37. With the tag everything after byte 11 sits 4 bytes later, and the tag's TPID and TCI (bytes
 * 12..15, which decide the flow key's VLAN word) take the place of the EtherType, version and TOS in the key's
 * second word (the TOS moves to bits 16..23 of its third): the TPID there keeps the two shapes' keys apart. The
 * datapath only uses this table for ports that set no tunnel metadata (the only kind there is yet); a tunnel
 * port's keys would need the tunnel words too.
 *
 * <p>A second shape covers Ethernet frames the parser does not look into beyond the L2 header (an EtherType other
 * than IPv4, IPv6 and ARP, behind up to two tags; {@link #l2}): their flow key is the MACs, the tags and the
 * EtherType alone, so the raw key is those bytes and in_port, with bit 63 of the third word ({@link #SHAPE_L2}),
 * which the IPv4 shape never sets, keeping the two shapes apart. Why: {@code net_null}'s frames (all zero,
 * EtherType 0) and other non-IP traffic (LLDP, 802.3 frames, MPLS, test traffic) otherwise take the full parse,
 * the EMC's key hash and compare on every packet.
 *
 * <p>Table: {@code entries} slots, 2-way (two candidate slots by two parts of the hash, filled by cuckoo
 * displacement as {@link TwoWaySlots} does for the parsed-key table), each slot a row of {@value #ROW} longs
 * beside an array of megaflow references: the raw key's five words (the fifth carries the megaflow's single output
 * port in its low 16 bits, which no raw key uses), then what the hits through this slot owe the megaflow: the time
 * of the last one, their packets and their bytes. Why: with 10,000 flows a hit was a chain of cache misses (the
 * key words, the hash and reference arrays, then the megaflow's {@code dead}, counters and single output, ~1 MB of
 * megaflow objects beside the tables: measured, benchmarks/RESULTS.md); a hit that forwards to one port now reads
 * and writes its row only, and never the megaflow.
 *
 * <p>Liveness stays exact without reading the megaflow: every slot of a megaflow is on a list (per-slot next and
 * previous indices, the head in {@link Megaflow#rawHead}), and {@link Megaflow#markDead} (which the classifier
 * calls when it removes a megaflow) frees them all at once ({@link #forget}); a free slot's third word is
 * {@link #FREE}, which no raw key has (bits 54..62 are zero in both shapes), so a lookup never matches it. New
 * actions replace a megaflow's single output in its slots ({@link #setOut}). The counters are folded into the
 * megaflow ({@link #fold}) before anything reads the megaflow's (housekeeping's expiry and revalidation), when an
 * entry is dropped, and added by dumps ({@link #pending}). Cost: entries × (64 + 4 + 8 + 1) bytes, 1.2 MB for
 * the default 16384.
 *
 * <p>Thread-safety: owned by one poll thread.
 */
final class RawHeaderCache {
    static final int WORDS = 5;
    /** Longs per slot: the key (out in the last word's low 16 bits), the last hit's time, packets, bytes. */
    static final int ROW = 8;
    static final int USED = 5;
    static final int PACKETS = 6;
    static final int BYTES = 7;
    /** The third word of a free slot: no raw key sets bits 54..62 of its third word. */
    static final long FREE = -1L;
    /** Displacements an insertion may make before it drops an entry (as {@link TwoWaySlots#MAX_KICKS}). */
    static final int MAX_KICKS = TwoWaySlots.MAX_KICKS;
    /** The single output ports a slot can carry (1..65535); 0 means "read the megaflow". */
    static final int OUT_MASK = 0xFFFF;
    /** The L2 shape's third word (the IPv4 shape's never has bit 63). */
    static final long SHAPE_L2 = 1L << 63;
    /** The shortest frame the L2 shape takes: two tags and the EtherType, read as three 8-byte words. */
    static final int L2_MIN_LENGTH = 24;

    /** {@value #ROW} longs per slot (see the class comment). */
    private final long[] rows;
    /**
     * Per slot, seven bits of its key's hash with bit 7 set ({@link #tagOf}), 0 when free. A lookup reads a row only
     * where the tag agrees: the first packet of every new flow misses, and its two row loads, in a table of a megabyte
     * that the caches do not keep, were 10-13 % of an upcall's JFR samples on a loaded host; the tags are 16 KB.
     */
    private final byte[] tags;
    /** Each slot's megaflow, null when free. */
    final Megaflow[] flows;
    /** Per slot, the next and previous slot of the same megaflow's list (-1: none). */
    private final int[] next;
    private final int[] prev;
    final int mask;
    /** The entry being moved during a cuckoo insertion (its row). */
    private final long[] carry = new long[ROW];

    // After a miss of {@link #find} on a frame of the shape (loaded true): its raw key and hash, for insert.
    // Untagged: bytes 0..7, 8..15, then ttl/proto (22..23) | flags << 24 | in_port << 36, then bytes 26..31
    // (24..25, the checksum, masked out), then 32..37 (38..39 masked out). Tagged: bytes 0..7, 8..15 (the tag),
    // then the same third word with the TOS (byte 19) at bits 16..23, then 30..35 and 36..41.
    boolean loaded;
    /** Inserts that found both slots taken and so moved or dropped other entries (owner thread; tests). */
    long evictingInserts;
    long k0;
    long k1;
    long k2;
    long k3;
    long k4;
    int hash;

    /** {@code entries}: a power of two ≥ 2. */
    RawHeaderCache(int entries) {
        if (entries < 2 || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("raw-header cache entries " + entries + " must be a power of two >= 2");
        }
        rows = new long[entries * ROW];
        tags = new byte[entries];
        flows = new Megaflow[entries];
        next = new int[entries];
        prev = new int[entries];
        mask = entries - 1;
        for (int i = 0; i < entries; i++) {
            rows[i * ROW + 2] = FREE;
        }
    }

    /**
     * Looks {@code p}'s frame ({@code len} bytes, received on {@code inPort}, 0..65535) up by its raw key. Returns
     * the slot of the live megaflow cached for it ({@link #flows}), having set {@code p}'s L3 and L4 offsets (the
     * frame is then exactly what the class comment says); or -1: then {@link #loaded} says whether the frame has
     * the shape, and if it has, its raw key and hash are in the fields for {@link #insert}. A hit is counted with
     * {@link #hit}.
     *
     * <p>Shape, for the JIT: the key stays in registers (the fields are written only on a miss), and this method
     * and {@link #probe} each stay under C2's inlining limit (325 bytecodes).
     */
    int find(Packet p, int len, int inPort) {
        if (len < 42) {
            return l2(p, len, inPort);
        }
        long b = p.i64(8);   // src(4 of 6) type(2) ver/ihl(1) tos(1); tagged: src(4) TPID(2) TCI(2)
        int t;               // tag bytes before the IPv4 header
        long tos;            // the TOS, when it is not in b
        if ((b & 0xFFFF_FF00L) == 0x0800_4500L) {
            t = 0;
            tos = 0;
        } else if ((b & 0xFFFF_0000L) == 0x8100_0000L && len >= 46) {
            int v = p.i32(16); // inner type(2) ver/ihl(1) tos(1)
            if ((v & 0xFFFF_FF00) != 0x0800_4500) {
                return l2(p, len, inPort);
            }
            t = 4;
            tos = (v & 0xFF) << 16;
        } else {
            return l2(p, len, inPort);
        }
        long c = p.i64(16 + t);  // tot_len(2) id(2) flags/frag(2) ttl(1) proto(1)
        int room = (int) (c >>> 48) - 20; // bytes after the IPv4 header, by its total length
        if ((c & 0x3FFF_0000L) != 0 || room > len - 34 - t) {
            return notLoaded();
        }
        long flags = l4Flags(p, 34 + t, (int) c & 0xFF, room);
        if (flags < 0) {
            return notLoaded();
        }
        long a = p.i64(0);                                       // dst(6) src(2 of 6)
        long m = c & 0xFFFF | tos | flags << 24 | (long) inPort << 36;
        long d = p.i64(24 + t) & 0x0000_FFFF_FFFF_FFFFL;         // [checksum] src ip(4) dst ip(2 of 4)
        long e = p.i64(32 + t) & 0xFFFF_FFFF_FFFF_0000L;         // dst ip(2 of 4) ports(4) [UDP length / TCP seq]
        return probe(p, 14 + t, 34 + t, a, b, m, d, e);
    }

    /** The megaflow of a slot {@link #find} returned (tests). */
    Megaflow flowAt(int slot) {
        return slot < 0 ? null : flows[slot];
    }

    /**
     * Counts a hit of {@code len} bytes at {@code now} through {@code slot}; returns the megaflow's single output
     * port, or 0 when the caller must look at the megaflow's actions.
     */
    int hit(int slot, int len, long now) {
        long[] r = rows;
        int o = slot * ROW;
        r[o + USED] = now;
        r[o + PACKETS]++;
        r[o + BYTES] += len;
        return (int) r[o + 4] & OUT_MASK;
    }

    /**
     * The L2 shape: a frame of at least {@value #L2_MIN_LENGTH} bytes whose EtherType, after up to two tags
     * (TPID 0x8100 or 0x88a8), is none the parser looks behind (not IPv4, IPv6 or ARP; behind two tags anything,
     * a third tag being payload). The parser's key is then eth_dst, eth_src, the tags (TPIDs and TCIs) and the
     * EtherType (ETH_TYPE_NONE for a length under 0x0600), its L3 offset the byte after the EtherType, no L4;
     * nothing else of the frame counts. Raw key: bytes 0..7, then bytes 8..11 with the first tag's TPID and TCI
     * (zero when untagged), then {@link #SHAPE_L2} | tags (bits 52..53) | in_port (bits 36..51) | the EtherType
     * as the parser normalises it, then the second tag (its TPID and TCI in bits 32..63, zero without), then 0.
     */
    private int l2(Packet p, int len, int inPort) {
        if (len < L2_MIN_LENGTH) {
            return notLoaded();
        }
        long b = p.i64(8);                 // src(4 of 6) type or TPID(2) payload or TCI(2)
        int type = (int) (b >>> 16) & 0xFFFF;
        long d = 0;
        int tags = 0;
        if (isTag(type)) {
            long c = p.i64(16);            // type or TPID(2) payload or TCI(2) type(2) payload(2)
            type = (int) (c >>> 48);
            tags = 1;
            if (isTag(type)) {
                d = c & 0xFFFF_FFFF_0000_0000L;
                type = (int) (c >>> 16) & 0xFFFF;
                tags = 2;
            }
        } else {
            b &= 0xFFFF_FFFF_0000_0000L;
        }
        if (type == 0x0800 || type == 0x86DD || type == 0x0806) {
            return notLoaded(); // the parser looks further: the IPv4 shape, or the parse
        }
        long m = SHAPE_L2 | (long) tags << 52 | (long) inPort << 36 | (type < 0x0600 ? FlowKey.ETH_TYPE_NONE : type);
        return probe(p, 14 + 4 * tags, Packet.ABSENT, p.i64(0), b, m, d, 0);
    }

    private static boolean isTag(int type) {
        return type == 0x8100 || type == 0x88A8;
    }

    private int notLoaded() {
        loaded = false;
        return -1;
    }

    /**
     * {@link #find}'s lookup of the raw key (a, b, m, d, e); a hit sets {@code p}'s offsets to {@code l3} and
     * {@code l4} and returns the slot, a miss leaves the key in the fields for insert. Only the rows are read: a
     * free slot's {@link #FREE} third word matches no key, and a slot's megaflow is live (see the class comment).
     */
    private int probe(Packet p, int l3, int l4, long a, long b, long m, long d, long e) {
        int h = hash(a, b, m, d, e);
        byte t = tagOf(h);
        byte[] tg = tags;
        long[] r = rows;
        int i = h & mask;
        for (int way = 0; ; way++) {
            int o = i * ROW;
            // The fifth word's low 16 bits are the slot's output port, zero in every raw key.
            if (tg[i] == t
                    && ((r[o] ^ a) | (r[o + 1] ^ b) | (r[o + 2] ^ m) | (r[o + 3] ^ d) | (r[o + 4] ^ e) >>> 16) == 0) {
                p.l3Offset(l3);
                p.l4Offset(l4);
                return i;
            }
            if (way == 1) {
                loaded = true;
                k0 = a;
                k1 = b;
                k2 = m;
                k3 = d;
                k4 = e;
                hash = h;
                return -1;
            }
            i = (h >>> 16 ^ h >>> 3) & mask;
        }
    }

    /** A slot's tag for a key of hash {@code h}: never 0, which marks a free slot. */
    static byte tagOf(int h) {
        return (byte) (h >>> 25 | 0x80);
    }

    /**
     * The TCP flag bits (bytes 12..13 of the L4 header at {@code l4}, low 12 bits) or 0 for UDP, when the L4 header
     * fits in {@code room} as the parser requires (UDP 8 bytes; TCP 20 and a data offset of 5..room/4); -1 for
     * anything else.
     */
    private static long l4Flags(Packet p, int l4, int proto, int room) {
        if (proto == 17) {
            return room >= 8 ? 0 : -1;
        }
        if (proto != 6 || room < 20) {
            return -1;
        }
        int t = p.u16(l4 + 12); // data offset(4) reserved(3) flags(9)
        int doff = (t >>> 10) & 0x3C;
        return doff >= 20 && doff <= room ? t & 0x0FFF : -1;
    }

    static int hash(long a, long b, long m, long d, long e) {
        long h = a * 0xC2B2AE3D27D4EB4FL + b * 0x165667B19E3779F9L + m * 0xD6E8FEB86659FD93L
                + d * 0xFF51AFD7ED558CCDL + e * 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 32));
    }

    /** The output port a slot of {@code f} carries: its single output when that fits, else 0. */
    private static long outBits(Megaflow f) {
        int out = f.singleOutput;
        return out > 0 && out <= OUT_MASK ? out : 0;
    }

    /** The hash of the key in row {@code r} from {@code o} (its output bits left out). */
    private static int hashOf(long[] r, int o) {
        return hash(r[o], r[o + 1], r[o + 2], r[o + 3], r[o + 4] & ~(long) OUT_MASK);
    }

    /**
     * Caches the raw key left by the last {@link #find} that missed (loaded) → {@code f}, a live megaflow; may move
     * other entries (cuckoo displacement, as {@link TwoWaySlots#place}), and drops one, its counts folded into its
     * megaflow, when no move within {@value #MAX_KICKS} ends on a free slot.
     */
    void insert(Megaflow f) {
        if (insertIfFree(f)) {
            return;
        }
        evictingInserts++;
        loadCarry(f);
        int h = hash;
        int i1 = h & mask;
        int i2 = (h >>> 16 ^ h >>> 3) & mask;
        Megaflow[] fl = flows;
        long[] c = carry;
        Megaflow cf = f;
        int cfHash = h;
        int pos = (h & 0x40000000) == 0 ? i1 : i2;
        for (int kick = 0; kick < MAX_KICKS; kick++) {
            // The carried entry goes into pos; the resident becomes the carried one.
            Megaflow tf = fl[pos];
            unlink(pos, tf);
            TwoWaySlots.swapWords(rows, pos * ROW, c, 0, ROW);
            fl[pos] = cf;
            tags[pos] = tagOf(cfHash);
            link(pos, cf);
            cf = tf;
            int ch = hashOf(c, 0);
            cfHash = ch;
            int a = ch & mask;
            pos = pos == a ? (ch >>> 16 ^ ch >>> 3) & mask : a; // the displaced entry's other slot
            if (fl[pos] == null) {
                store(pos, cf, ch);
                return;
            }
        }
        // No free slot within MAX_KICKS moves: the carried entry is dropped; what its hits owe goes to its megaflow.
        foldRow(c, 0, cf);
    }

    /**
     * Caches the raw key left by the last {@link #find} that missed (loaded) → {@code f}, a live megaflow, when one of
     * its two slots is free; returns whether it did. Moves and drops nothing, so it costs no other flow its entry
     * (the datapath then inserts without the 1-in-n draw that guards {@link #insert}'s evictions).
     */
    boolean insertIfFree(Megaflow f) {
        int h = hash;
        int i1 = h & mask;
        int i2 = (h >>> 16 ^ h >>> 3) & mask;
        Megaflow[] fl = flows;
        int pos = fl[i1] == null ? i1 : fl[i2] == null ? i2 : -1;
        if (pos < 0) {
            return false;
        }
        loadCarry(f);
        store(pos, f, h);
        return true;
    }

    /** The loaded key → {@code f} as a new row in {@link #carry}, its counters zero. */
    private void loadCarry(Megaflow f) {
        long[] c = carry;
        c[0] = k0;
        c[1] = k1;
        c[2] = k2;
        c[3] = k3;
        c[4] = k4 | outBits(f);
        c[USED] = 0;
        c[PACKETS] = 0;
        c[BYTES] = 0;
    }

    /** Writes the carried row (its key's hash {@code h}) into free slot {@code pos}, for {@code f}. */
    private void store(int pos, Megaflow f, int h) {
        System.arraycopy(carry, 0, rows, pos * ROW, ROW);
        tags[pos] = tagOf(h);
        flows[pos] = f;
        link(pos, f);
    }

    /** Puts slot {@code s} at the head of {@code f}'s list. */
    private void link(int s, Megaflow f) {
        int h = f.rawHead;
        next[s] = h;
        prev[s] = -1;
        if (h >= 0) {
            prev[h] = s;
        }
        f.rawHead = s;
        f.rawCache = this;
    }

    /** Takes slot {@code s} off {@code f}'s list. */
    private void unlink(int s, Megaflow f) {
        int n = next[s];
        int pv = prev[s];
        if (pv >= 0) {
            next[pv] = n;
        } else {
            f.rawHead = n;
        }
        if (n >= 0) {
            prev[n] = pv;
        }
    }

    /** Frees every slot of {@code f} (it was removed: {@link Megaflow#markDead}), folding their counts into it. */
    void forget(Megaflow f) {
        long[] r = rows;
        for (int s = f.rawHead; s >= 0; s = next[s]) {
            foldRow(r, s * ROW, f);
            flows[s] = null;
            tags[s] = 0;
            r[s * ROW + 2] = FREE;
        }
        f.rawHead = -1;
    }

    /** Writes {@code f}'s (new) single output into its slots ({@link Megaflow#setCompiled}). */
    void setOut(Megaflow f) {
        long out = outBits(f);
        long[] r = rows;
        for (int s = f.rawHead; s >= 0; s = next[s]) {
            int o = s * ROW + 4;
            r[o] = r[o] & ~(long) OUT_MASK | out;
        }
    }

    /** Adds row {@code o}'s pending counts to {@code f} and zeroes them. */
    private static void foldRow(long[] r, int o, Megaflow f) {
        long n = r[o + PACKETS];
        if (n != 0) {
            f.packets += n;
            f.bytes += r[o + BYTES];
            if (r[o + USED] - f.usedNanos > 0) {
                f.usedNanos = r[o + USED];
            }
            r[o + PACKETS] = 0;
            r[o + BYTES] = 0;
        }
    }

    /**
     * Folds every slot's pending counts into its megaflow: packets, bytes and the last use's time, so that the
     * megaflows' counters are exact. O(entries); the owner calls it before it reads megaflow counters.
     */
    void fold() {
        long[] r = rows;
        Megaflow[] fl = flows;
        for (int s = 0; s < fl.length; s++) {
            Megaflow f = fl[s];
            if (f != null) {
                foldRow(r, s * ROW, f);
            }
        }
    }

    /**
     * What {@code f}'s slots owe it and have not folded yet: {packets, bytes, last use (Long.MIN_VALUE when none)}.
     * For dumps, which may run on another thread than the owner: then the read races with the owner's writes and
     * may be off by the hits of a slot being moved or counted (it never loops: at most {@code entries} steps).
     */
    long[] pending(Megaflow f) {
        long[] res = {0, 0, Long.MIN_VALUE};
        long[] r = rows;
        int[] nx = next;
        int s = f.rawHead;
        for (int steps = 0; s >= 0 && s < nx.length && steps < nx.length; steps++) {
            int o = s * ROW;
            long n = r[o + PACKETS];
            if (flows[s] == f && n != 0) {
                res[0] += n;
                res[1] += r[o + BYTES];
                res[2] = Math.max(res[2], r[o + USED]);
            }
            s = nx[s];
        }
        return res;
    }

    /** Forgets everything, counts folded (drops the references, so that dead megaflows can be collected). */
    void clear() {
        Megaflow[] fl = flows;
        for (Megaflow f : fl) {
            if (f != null) {
                forget(f); // frees all its slots at once
            }
        }
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

    /**
     * What is wrong with the slots and their lists, or null (tests): every used slot is on its megaflow's list,
     * every listed slot holds that megaflow, the previous links mirror the next ones, a free slot has the
     * {@link #FREE} word, and a used one its megaflow's output and a key whose hash places it in one of its two slots.
     */
    String inconsistency() {
        int listed = 0;
        java.util.Set<Megaflow> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int s = 0; s <= mask; s++) {
            Megaflow f = flows[s];
            int o = s * ROW;
            if (f == null) {
                if (rows[o + 2] != FREE || tags[s] != 0) {
                    return "free slot " + s + " without the FREE word or with a tag";
                }
                continue;
            }
            if ((rows[o + 4] & OUT_MASK) != outBits(f)) {
                return "slot " + s + " carries output " + (rows[o + 4] & OUT_MASK) + ", its megaflow " + f.singleOutput;
            }
            int h = hashOf(rows, o);
            if ((h & mask) != s && ((h >>> 16 ^ h >>> 3) & mask) != s) {
                return "slot " + s + " is neither candidate of its key";
            }
            if (tags[s] != tagOf(h)) {
                return "slot " + s + " has tag " + tags[s] + ", its key's hash " + tagOf(h);
            }
            if (f.rawCache != this) {
                return "slot " + s + "'s megaflow names another table";
            }
            if (seen.add(f)) {
                int prevSlot = -1;
                for (int t = f.rawHead; t >= 0; t = next[t]) {
                    if (flows[t] != f) {
                        return "slot " + t + " is on a list of another megaflow";
                    }
                    if (prev[t] != prevSlot) {
                        return "slot " + t + "'s previous link is " + prev[t] + ", not " + prevSlot;
                    }
                    prevSlot = t;
                    if (++listed > mask + 1) {
                        return "a list loops";
                    }
                }
            }
        }
        return listed == usedCount() ? null : listed + " slots listed, " + usedCount() + " used";
    }

    /** Slots in use, dead or not (tests: a dead megaflow's slots must be free). */
    int usedCount() {
        int n = 0;
        for (Megaflow f : flows) {
            if (f != null) {
                n++;
            }
        }
        return n;
    }
}
