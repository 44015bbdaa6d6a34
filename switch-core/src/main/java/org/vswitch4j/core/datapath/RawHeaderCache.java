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
 * <p>Table: like {@link ExactMatchCache}, {@code entries} slots, 2-way (two slots by two parts of the hash, filled
 * by cuckoo displacement, see {@link TwoWaySlots}), the raw key (5 words) flat in a {@code long[]} beside arrays of
 * hashes and of megaflow references; a dead megaflow is a miss. Cost: entries × (40 + 4 + 4) bytes, 768 KB for
 * the default 16384.
 *
 * <p>Thread-safety: owned by one poll thread.
 */
final class RawHeaderCache extends TwoWaySlots {
    static final int WORDS = 5;
    /** Marks the L2 shape's third word (the IPv4 shape's never has bit 63). */
    static final long SHAPE_L2 = 1L << 63;
    /** The shortest frame the L2 shape takes: two tags and the EtherType, read as three 8-byte words. */
    static final int L2_MIN_LENGTH = 24;

    private final long[] keys;
    /** The entry being moved during a cuckoo insertion (its raw key). */
    private final long[] carry = new long[WORDS];

    // After a miss of {@link #find} on a frame of the shape (loaded true): its raw key and hash, for insert.
    // Untagged: bytes 0..7, 8..15, then ttl/proto (22..23) | flags << 24 | in_port << 36, then bytes 26..31
    // (24..25, the checksum, masked out), then 32..37 (38..39 masked out). Tagged: bytes 0..7, 8..15 (the tag),
    // then the same third word with the TOS (byte 19) at bits 16..23, then 30..35 and 36..41.
    boolean loaded;
    long k0;
    long k1;
    long k2;
    long k3;
    long k4;
    int hash;

    /** {@code entries}: a power of two ≥ 2. */
    RawHeaderCache(int entries) {
        super(entries, "raw-header cache");
        keys = new long[entries * WORDS];
    }

    /**
     * Looks {@code p}'s frame ({@code len} bytes, received on {@code inPort}, 0..65535) up by its raw key. Returns
     * the live megaflow cached for it, having set {@code p}'s L3 and L4 offsets (the frame is then exactly what the
     * class comment says); or null: then {@link #loaded} says whether the frame has the shape, and if it has, its
     * raw key and hash are in the fields for {@link #insert}.
     *
     * <p>Shape, for the JIT: the key stays in registers (the fields are written only on a miss), and this method
     * and {@link #probe} each stay under C2's inlining limit (325 bytecodes).
     */
    Megaflow find(Packet p, int len, int inPort) {
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

    /**
     * The L2 shape: a frame of at least {@value #L2_MIN_LENGTH} bytes whose EtherType, after up to two tags
     * (TPID 0x8100 or 0x88a8), is none the parser looks behind (not IPv4, IPv6 or ARP; behind two tags anything,
     * a third tag being payload). The parser's key is then eth_dst, eth_src, the tags (TPIDs and TCIs) and the
     * EtherType (ETH_TYPE_NONE for a length under 0x0600), its L3 offset the byte after the EtherType, no L4;
     * nothing else of the frame counts. Raw key: bytes 0..7, then bytes 8..11 with the first tag's TPID and TCI
     * (zero when untagged), then {@link #SHAPE_L2} | tags (bits 52..53) | in_port (bits 36..51) | the EtherType
     * as the parser normalises it, then the second tag (its TPID and TCI in bits 32..63, zero without), then 0.
     */
    private Megaflow l2(Packet p, int len, int inPort) {
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

    private Megaflow notLoaded() {
        loaded = false;
        return null;
    }

    /**
     * {@link #find}'s lookup of the raw key (a, b, m, d, e); a hit sets {@code p}'s offsets to {@code l3} and
     * {@code l4}, a miss leaves the key in the fields for insert.
     */
    private Megaflow probe(Packet p, int l3, int l4, long a, long b, long m, long d, long e) {
        int h = hash(a, b, m, d, e);
        long[] k = keys;
        int i = h & mask;
        for (int way = 0; ; way++) {
            Megaflow f = flows[i];
            if (f != null && hashes[i] == h) {
                int o = i * WORDS;
                if (((k[o] ^ a) | (k[o + 1] ^ b) | (k[o + 2] ^ m) | (k[o + 3] ^ d) | (k[o + 4] ^ e)) == 0 && !f.dead) {
                    p.l3Offset(l3);
                    p.l4Offset(l4);
                    return f;
                }
            }
            if (way == 1) {
                loaded = true;
                k0 = a;
                k1 = b;
                k2 = m;
                k3 = d;
                k4 = e;
                hash = h;
                return null;
            }
            i = (h >>> 16 ^ h >>> 3) & mask;
        }
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

    /** Caches the raw key left by the last {@link #find} that missed (loaded) → {@code f}; may move other entries. */
    void insert(Megaflow f) {
        long[] c = carry;
        c[0] = k0;
        c[1] = k1;
        c[2] = k2;
        c[3] = k3;
        c[4] = k4;
        place(hash, f);
    }

    @Override
    void swapCarriedKey(int pos) {
        swapWords(keys, pos * WORDS, carry, 0, WORDS);
    }

    @Override
    void storeCarriedKey(int pos) {
        System.arraycopy(carry, 0, keys, pos * WORDS, WORDS);
    }
}
