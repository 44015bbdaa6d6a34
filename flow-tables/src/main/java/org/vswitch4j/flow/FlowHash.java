package org.vswitch4j.flow;

import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

/**
 * The flow hashes of {@link Action.Multipath} and {@link Action.Bundle}, bit for bit as Open vSwitch computes them
 * (its {@code flow_hash_fields} and the generic, non-CRC32 build of its hash primitives, which is what Debian and
 * most distributions ship), so that a flow takes the same link or member here as there. Also what each hash reads,
 * for the megaflow: {@link #unwildcard} marks at least the bits {@link #hash} looked at.
 *
 * <p>Open vSwitch hashes C structs in memory, on a little-endian machine: network-order fields laid out with the
 * struct's padding, read back as little-endian 32-bit words. The byte buffers below rebuild those layouts.
 */
final class FlowHash {
    private FlowHash() {
    }

    private static final int ETH_TYPE_IP = 0x0800;
    private static final int ETH_TYPE_IPV6 = 0x86dd;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int SCTP = 132;
    private static final int ICMP = 1;

    // ---- the primitives: murmur3-style hash_add/hash_finish, lookup3 jhash_bytes ------------------------------

    static int hashAdd(int hash, int data) {
        if (data != 0) { // zero data leaves the hash as it is before the rotation, as in OVS's mhash_add__
            data *= 0xcc9e2d51;
            data = Integer.rotateLeft(data, 15);
            data *= 0x1b873593;
            hash ^= data;
        }
        hash = Integer.rotateLeft(hash, 13);
        return hash * 5 + 0xe6546b64;
    }

    static int hashAdd64(int hash, long data) {
        return hashAdd(hashAdd(hash, (int) data), (int) (data >>> 32));
    }

    static int hashFinish(int hash, int fin) {
        hash ^= fin;
        hash ^= hash >>> 16;
        hash *= 0x85ebca6b;
        hash ^= hash >>> 13;
        hash *= 0xc2b2ae35;
        hash ^= hash >>> 16;
        return hash;
    }

    /** OVS's {@code hash_2words(x, y)}. */
    static int hash2Words(int x, int y) {
        return hashFinish(hashAdd(hashAdd(x, 0), y), 8);
    }

    /** Bob Jenkins' lookup3 over the first {@code n} bytes of {@code b} (OVS's {@code jhash_bytes}). */
    static int jhashBytes(byte[] b, int n, int basis) {
        int a = 0xdeadbeef + n + basis;
        int bb = a;
        int c = a;
        int o = 0;
        int left = n;
        while (left >= 12) {
            a += le32(b, o, left);
            bb += le32(b, o + 4, left - 4);
            c += le32(b, o + 8, left - 8);
            // mix
            a -= c; a ^= Integer.rotateLeft(c, 4); c += bb;
            bb -= a; bb ^= Integer.rotateLeft(a, 6); a += c;
            c -= bb; c ^= Integer.rotateLeft(bb, 8); bb += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += bb;
            bb -= a; bb ^= Integer.rotateLeft(a, 19); a += c;
            c -= bb; c ^= Integer.rotateLeft(bb, 4); bb += a;
            left -= 12;
            o += 12;
        }
        if (left > 0) {
            a += le32(b, o, left);
            bb += le32(b, o + 4, left - 4);
            c += le32(b, o + 8, left - 8);
            // final
            c ^= bb; c -= Integer.rotateLeft(bb, 14);
            a ^= c; a -= Integer.rotateLeft(c, 11);
            bb ^= a; bb -= Integer.rotateLeft(a, 25);
            c ^= bb; c -= Integer.rotateLeft(bb, 16);
            a ^= c; a -= Integer.rotateLeft(c, 4);
            bb ^= a; bb -= Integer.rotateLeft(a, 14);
            c ^= bb; c -= Integer.rotateLeft(bb, 24);
        }
        return c;
    }

    /** The little-endian word at {@code o}, with bytes past {@code avail} read as zero (jhash's zeroed tail). */
    private static int le32(byte[] b, int o, int avail) {
        int v = 0;
        for (int i = 0; i < 4 && i < avail; i++) {
            v |= (b[o + i] & 0xff) << (8 * i);
        }
        return v;
    }

    // ---- flow_hash_fields ------------------------------------------------------------------------------------

    /** The hash of {@code fields} of the flow {@code w} (key words) with {@code basis} (0..65535). */
    static int hash(Action.HashFields fields, long[] w, int basis) {
        int type = (int) g(FlowField.ETH_TYPE, w);
        byte[] b = new byte[32];
        switch (fields) {
            case ETH_SRC -> {
                putMac(b, 0, g(FlowField.ETH_SRC, w));
                return jhashBytes(b, 6, basis);
            }
            case SYMMETRIC_L4 -> {
                // struct { union { be32 ipv4; in6_addr ipv6 }; be16 eth_type, vlan_tci, tp_port; eth_addr; u8 proto }:
                // 29 bytes, padded to 32
                putMac(b, 22, g(FlowField.ETH_SRC, w) ^ g(FlowField.ETH_DST, w));
                put16(b, 18, (int) (g(FlowField.VLAN0_VID, w) ^ g(FlowField.VLAN1_VID, w)));
                put16(b, 16, type);
                if (type == ETH_TYPE_IP || type == ETH_TYPE_IPV6) {
                    if (type == ETH_TYPE_IP) {
                        put32(b, 0, (int) (g(FlowField.IPV4_SRC, w) ^ g(FlowField.IPV4_DST, w)));
                    } else {
                        put64(b, 0, w[FlowKey.W_IPV6_SRC] ^ w[FlowKey.W_IPV6_DST]);
                        put64(b, 8, w[FlowKey.W_IPV6_SRC + 1] ^ w[FlowKey.W_IPV6_DST + 1]);
                    }
                    int proto = (int) g(FlowField.IP_PROTO, w);
                    b[28] = (byte) proto;
                    if (proto == TCP || proto == SCTP) {
                        put16(b, 20, (int) (g(FlowField.TP_SRC, w) ^ g(FlowField.TP_DST, w)));
                    }
                }
                return jhashBytes(b, 32, basis);
            }
            case SYMMETRIC_L3L4, SYMMETRIC_L3L4_UDP -> {
                int h = basis;
                if (type == ETH_TYPE_IP) {
                    h = hashAdd(h, Integer.reverseBytes((int) (g(FlowField.IPV4_SRC, w) ^ g(FlowField.IPV4_DST, w))));
                } else if (type == ETH_TYPE_IPV6) {
                    for (int i = 0; i < 2; i++) {
                        h = hashAdd64(h, Long.reverseBytes(w[FlowKey.W_IPV6_SRC + i] ^ w[FlowKey.W_IPV6_DST + i]));
                    }
                } else {
                    return symmetricL2(w, type, basis);
                }
                int proto = (int) g(FlowField.IP_PROTO, w);
                h = hashAdd(h, proto);
                if (!fragment(w) && (proto == TCP || proto == SCTP
                        || fields == Action.HashFields.SYMMETRIC_L3L4_UDP && proto == UDP)) {
                    h = hashAdd(h, Short.reverseBytes((short) (g(FlowField.TP_SRC, w) ^ g(FlowField.TP_DST, w)))
                            & 0xffff);
                }
                return hashFinish(h, basis);
            }
            case NW_SRC, NW_DST -> {
                boolean src = fields == Action.HashFields.NW_SRC;
                if (type == ETH_TYPE_IP) {
                    put32(b, 0, (int) g(src ? FlowField.IPV4_SRC : FlowField.IPV4_DST, w));
                    return jhashBytes(b, 4, basis);
                } else if (type == ETH_TYPE_IPV6) {
                    int at = src ? FlowKey.W_IPV6_SRC : FlowKey.W_IPV6_DST;
                    put64(b, 0, w[at]);
                    put64(b, 8, w[at + 1]);
                    return jhashBytes(b, 16, basis);
                }
                return basis;
            }
            case SYMMETRIC_L3 -> {
                // struct { union { be32 ipv4; in6_addr ipv6 }; be16 eth_type }: 18 bytes, padded to 20
                put16(b, 16, type);
                if (type == ETH_TYPE_IP) {
                    put32(b, 0, (int) (g(FlowField.IPV4_SRC, w) ^ g(FlowField.IPV4_DST, w)));
                } else if (type == ETH_TYPE_IPV6) {
                    put64(b, 0, w[FlowKey.W_IPV6_SRC] ^ w[FlowKey.W_IPV6_DST]);
                    put64(b, 8, w[FlowKey.W_IPV6_SRC + 1] ^ w[FlowKey.W_IPV6_DST + 1]);
                }
                return jhashBytes(b, 20, basis);
            }
        }
        throw new AssertionError(fields);
    }

    /** OVS's {@code flow_hash_symmetric_l2}: three words of eth_type, the VLAN ids and eth_src^eth_dst. */
    private static int symmetricL2(long[] w, int type, int basis) {
        byte[] b = new byte[12];
        put16(b, 0, type);
        put16(b, 2, (int) (g(FlowField.VLAN0_VID, w) ^ g(FlowField.VLAN1_VID, w)));
        putMac(b, 4, g(FlowField.ETH_SRC, w) ^ g(FlowField.ETH_DST, w));
        int h = basis;
        for (int i = 0; i < 12; i += 4) {
            h = hashAdd(h, le32(b, i, 4));
        }
        return hashFinish(h, basis);
    }

    private static boolean fragment(long[] w) {
        return (g(FlowField.IP_FRAG, w) & (FlowKey.FRAG_ANY | FlowKey.FRAG_LATER)) != 0;
    }

    /**
     * Marks in {@code m} what {@link #hash} reads of the flow {@code w}: Open vSwitch's {@code flow_mask_hash_fields},
     * plus the few bits it reads without marking (eth_type, ip_frag, and a non-IP packet's L2 header under the
     * l3l4 fields), since a megaflow here must hold every bit its decision depends on.
     */
    static void unwildcard(Action.HashFields fields, long[] w, FlowMask m) {
        m.exact(FlowField.ETH_TYPE);
        int type = (int) g(FlowField.ETH_TYPE, w);
        boolean ip = type == ETH_TYPE_IP || type == ETH_TYPE_IPV6;
        switch (fields) {
            case ETH_SRC -> m.exact(FlowField.ETH_SRC);
            case SYMMETRIC_L4 -> {
                l2(m);
                addresses(m, type, true, true);
                if (ip) {
                    m.exact(FlowField.IP_PROTO);
                    int proto = (int) g(FlowField.IP_PROTO, w);
                    if (proto != UDP) { // OVS's flow_unwildcard_tp_ports: only the low byte for ICMP
                        long ports = proto == ICMP ? 0xffL : 0xffffL;
                        m.bits(FlowField.TP_SRC, ports);
                        m.bits(FlowField.TP_DST, ports);
                    }
                }
            }
            case SYMMETRIC_L3L4, SYMMETRIC_L3L4_UDP -> {
                if (!ip) {
                    l2(m);
                    return;
                }
                addresses(m, type, true, true);
                m.exact(FlowField.IP_PROTO);
                m.exact(FlowField.IP_FRAG);
                int proto = (int) g(FlowField.IP_PROTO, w);
                if (!fragment(w) && (proto == TCP || proto == SCTP
                        || fields == Action.HashFields.SYMMETRIC_L3L4_UDP && proto == UDP)) {
                    m.exact(FlowField.TP_SRC);
                    m.exact(FlowField.TP_DST);
                }
            }
            case NW_SRC -> addresses(m, type, true, false);
            case NW_DST -> addresses(m, type, false, true);
            case SYMMETRIC_L3 -> addresses(m, type, true, true);
        }
    }

    private static void l2(FlowMask m) {
        m.exact(FlowField.ETH_SRC);
        m.exact(FlowField.ETH_DST);
        // The VLAN ids and whether each tag is there (OVS marks VID and CFI, its "present" bit).
        m.exact(FlowField.VLAN0_VID);
        m.exact(FlowField.VLAN0_TPID);
        m.exact(FlowField.VLAN1_VID);
        m.exact(FlowField.VLAN1_TPID);
    }

    private static void addresses(FlowMask m, int type, boolean src, boolean dst) {
        if (type == ETH_TYPE_IP) {
            if (src) {
                m.exact(FlowField.IPV4_SRC);
            }
            if (dst) {
                m.exact(FlowField.IPV4_DST);
            }
        } else if (type == ETH_TYPE_IPV6) {
            if (src) {
                m.exact(FlowField.IPV6_SRC);
            }
            if (dst) {
                m.exact(FlowField.IPV6_DST);
            }
        }
    }

    /** Field {@code f} (under 64 bits) of key words {@code w}. */
    private static long g(FlowField f, long[] w) {
        return (w[f.word()] & f.bitsInWord()) >>> f.shift();
    }

    private static void putMac(byte[] b, int o, long mac) {
        for (int i = 0; i < 6; i++) {
            b[o + i] = (byte) (mac >>> (40 - 8 * i));
        }
    }

    private static void put16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }

    private static void put32(byte[] b, int o, int v) {
        for (int i = 0; i < 4; i++) {
            b[o + i] = (byte) (v >>> (24 - 8 * i));
        }
    }

    private static void put64(byte[] b, int o, long v) {
        for (int i = 0; i < 8; i++) {
            b[o + i] = (byte) (v >>> (56 - 8 * i));
        }
    }
}
