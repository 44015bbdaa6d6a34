package org.vswitch4j.core.datapath;

import org.vswitch4j.core.packet.Packet;

/**
 * The exact-match cache's table for the commonest frame shape, keyed by the frame's raw header bytes instead of
 * the parsed flow key, so that a hit skips the parse, the key and the key hash.
 *
 * <p>The shape ({@link #load}): an Ethernet frame, untagged or with one 802.1Q tag (TPID 0x8100), carrying IPv4
 * with a 20-byte header (0x45), not a
 * fragment (MF and offset zero), TCP or UDP, whose total length leaves room for the L4 header (and, for TCP, a
 * data offset of 5..room/4) and lies within the frame. For exactly these frames {@code FlowParser} fills the flow
 * key from these header bytes alone: eth_dst and eth_src (bytes 0..11), ip_tos (15), ip_ttl and ip_proto
 * (22, 23), the addresses (26..33), the ports (34..37) and for TCP the flag bits (46..47, low 12 bits); eth_type
 * (0x0800), VLANs (none), ip_frag (0), everything IPv6/ARP/ND (zero) are fixed by the shape. So the raw key —
 * in_port and those bytes, with every other byte of the first 40 (total length, id, DF, checksum, UDP length,
 * TCP sequence) masked out — is equal for two such frames exactly when their flow keys are equal, and the
 * megaflow the EMC would give is the one cached here. With the tag everything after byte 11 sits 4 bytes later,
 * and the tag's TPID and TCI (bytes 12..15, which decide the flow key's VLAN word) take the place of the EtherType,
 * version and TOS in the key's second word (the TOS moves to its fourth): the TPID there keeps the two shapes'
 * keys apart. The datapath only uses this table for ports that set no
 * tunnel metadata (the only kind there is yet); a tunnel port's keys would need the tunnel words too.
 *
 * <p>Table: like {@link ExactMatchCache}, {@code entries} slots, 2-way (two slots by two parts of the hash, filled
 * by cuckoo displacement, see {@link TwoWaySlots}), the raw key (7 words) flat in a {@code long[]} beside arrays of
 * hashes and of megaflow references; a dead megaflow is a miss. Cost: entries × (56 + 4 + 4) bytes, 1 MB for the
 * default 16384.
 *
 * <p>Thread-safety: owned by one poll thread.
 */
final class RawHeaderCache extends TwoWaySlots {
    static final int WORDS = 7;

    private final long[] keys;
    /** The entry being moved during a cuckoo insertion (its raw key). */
    private final long[] carry = new long[WORDS];

    // The raw key of the last packet {@link #load}ed: in_port, bytes 0..7, 8..15, 22..23, 26..31, 32..37, flags
    // (untagged; tagged: bytes 0..7, 8..15, TOS 19 with 26..27, 30..35, 36..41, flags).
    long k0;
    long k1;
    long k2;
    long k3;
    long k4;
    long k5;
    long k6;
    int hash;
    /** The IPv4 header's offset in the loaded frame: 14, or 18 behind a tag (the L4 header follows 20 later). */
    int l3;

    /** {@code entries}: a power of two ≥ 2. */
    RawHeaderCache(int entries) {
        super(entries, "raw-header cache");
        keys = new long[entries * WORDS];
    }

    /**
     * Whether {@code p}'s frame ({@code len} bytes) has the shape of the class comment; if so, its raw key
     * (with {@code inPort}) and hash are left in the fields for {@link #lookup} and {@link #insert}.
     */
    boolean load(Packet p, int len, int inPort) {
        if (len < 42) {
            return false;
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
                return false;
            }
            t = 4;
            tos = (v & 0xFF) << 16;
        } else {
            return false;
        }
        long c = p.i64(16 + t);  // tot_len(2) id(2) flags/frag(2) ttl(1) proto(1)
        int room = (int) (c >>> 48) - 20; // bytes after the IPv4 header, by its total length
        if ((c & 0x3FFF_0000L) != 0 || room > len - 34 - t) {
            return false;
        }
        long flags = l4Flags(p, 34 + t, (int) c & 0xFF, room);
        if (flags < 0) {
            return false;
        }
        k0 = inPort;
        k1 = p.i64(0);                                   // dst(6) src(2 of 6)
        k2 = b;
        k3 = c & 0xFFFF | tos;                           // ttl(1) proto(1), the TOS behind a tag
        k4 = p.i64(24 + t) & 0x0000_FFFF_FFFF_FFFFL;     // [checksum] src ip(4) dst ip(2 of 4)
        k5 = p.i64(32 + t) & 0xFFFF_FFFF_FFFF_0000L;     // dst ip(2 of 4) ports(4) [UDP length / TCP seq]
        k6 = flags;
        l3 = 14 + t;
        hash = hashLoaded();
        return true;
    }

    /**
     * The TCP flag bits (bytes 12..13 of the L4 header at {@code l4}, low 12 bits) or 0 for UDP, when the L4 header
     * fits in {@code room} as the parser requires (UDP 8 bytes; TCP 20 and a data offset of 5..room/4); -1 for
     * anything else.
     * Shape, for the JIT: kept apart so that {@link #load} stays under C2's inlining limit (325 bytecodes).
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

    private int hashLoaded() {
        long h = k0 * 0x9E3779B97F4A7C15L + k1 * 0xC2B2AE3D27D4EB4FL + k2 * 0x165667B19E3779F9L
                + (k3 ^ k6 << 16) * 0xD6E8FEB86659FD93L + k4 * 0xFF51AFD7ED558CCDL + k5 * 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 32));
    }

    /** The live megaflow cached for the loaded raw key, or null. */
    Megaflow lookup() {
        int h = hash;
        long[] k = keys;
        int i = h & mask;
        for (int way = 0; ; way++) {
            Megaflow f = flows[i];
            if (f != null && hashes[i] == h) {
                int o = i * WORDS;
                long x = (k[o] ^ k0) | (k[o + 1] ^ k1) | (k[o + 2] ^ k2) | (k[o + 3] ^ k3) | (k[o + 4] ^ k4)
                        | (k[o + 5] ^ k5) | (k[o + 6] ^ k6);
                if (x == 0 && !f.dead) {
                    return f;
                }
            }
            if (way == 1) {
                return null;
            }
            i = (h >>> 16 ^ h >>> 3) & mask;
        }
    }

    /** Caches the loaded raw key → {@code f}: {@link TwoWaySlots#place}, which may move other entries. */
    void insert(Megaflow f) {
        long[] c = carry;
        c[0] = k0;
        c[1] = k1;
        c[2] = k2;
        c[3] = k3;
        c[4] = k4;
        c[5] = k5;
        c[6] = k6;
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
