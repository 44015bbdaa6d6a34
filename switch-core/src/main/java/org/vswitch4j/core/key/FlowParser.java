package org.vswitch4j.core.key;

import java.lang.foreign.MemorySegment;
import org.vswitch4j.core.packet.Packet;

import static org.vswitch4j.core.key.FlowKey.FRAG_ANY;
import static org.vswitch4j.core.key.FlowKey.FRAG_LATER;
import static org.vswitch4j.core.packet.Packet.ABSENT;
import static org.vswitch4j.core.packet.Packet.BE_INT;
import static org.vswitch4j.core.packet.Packet.BE_LONG;
import static org.vswitch4j.core.packet.Packet.BE_SHORT;

/**
 * Fills a {@link FlowKey} from a frame, the way Open vSwitch's {@code miniflow_extract} does, and records
 * where the L3 and L4 headers start ({@link Packet#l3Offset()}, {@link Packet#l4Offset()}).
 *
 * <h2>Contract</h2>
 * <ul>
 * <li><b>Words written.</b> {@link #parse} writes every word 1..15 of the key on every return, whatever the
 * frame, so callers need not clear the key first and a reused key never carries stale fields. It never
 * touches word 0 (in_port) nor words 16..26 (tunnel, metadata, registers): those are the caller's, who sets
 * in_port (for instance once per rx burst) from the port the frame came in on.</li>
 * <li><b>Status.</b> {@link ParseStatus#RUNT} for frames under 14 bytes (key words 1..15 all zero);
 * {@link ParseStatus#MALFORMED} when a header is truncated or inconsistent: the key holds the fields of the
 * headers before it, the broken header's fields and all beyond are zero; otherwise {@link ParseStatus#OK}.
 * It never throws, for any length or content: every read is preceded by a length check, so it never reads
 * outside {@code [0, length)} of the frame.</li>
 * <li><b>Offsets.</b> {@code l3Offset} is set when the Ethernet header (and tags) parsed: to the start of
 * the IPv4/IPv6/ARP header when that header's fixed part is complete and sane, to the byte after the
 * EtherType for other EtherTypes, and {@link Packet#ABSENT} otherwise. {@code l4Offset} is set to the
 * start of the L4 header when the IP header chain parsed, the packet is not a later fragment and, for
 * TCP/UDP/SCTP/ICMP/ICMPv6, that header is complete; for other IP protocols it is the first byte after
 * the IP headers. Both, when set, are at most the frame length; {@code l3Offset <= l4Offset}.</li>
 * </ul>
 *
 * <h2>Field semantics (Open vSwitch's, with the choices named)</h2>
 * <ul>
 * <li>VLAN: TPIDs 0x8100 and 0x88a8 are both tags (OVS treats them alike). Up to two tags are parsed,
 * outer in the high half of word 4; a third tag is payload, as OVS with {@code vlan-limit=2}: eth_type is
 * then the third tag's TPID and nothing above is parsed (status OK). A tag cut by the end of the frame
 * leaves eth_type at its TPID (as OVS) and the status MALFORMED.</li>
 * <li>802.3 length frames (type &lt; 0x0600) get eth_type {@link FlowKey#ETH_TYPE_NONE}. Unlike OVS, an
 * LLC/SNAP header's EtherType is not looked into.</li>
 * <li>ARP: fields are filled only for Ethernet/IPv4 ARP (htype 1, ptype 0x0800, hlen 6, plen 4), else
 * zero (status OK, as OVS). The opcode goes into ip_proto when it fits in 8 bits, else 0 (as OVS).</li>
 * <li>IPv4: version must be 4, IHL &ge; 5, total length &ge; IHL×4 and within the frame, else MALFORMED
 * with no L3 field. Ethernet padding beyond the total length is ignored (L4 lengths are checked against
 * the total length). ip_frag: {@link FlowKey#FRAG_ANY} when MF is set or the offset is non-zero,
 * {@link FlowKey#FRAG_LATER} as well when the offset is non-zero; later fragments get no L4 fields.</li>
 * <li>IPv6: version must be 6 and the payload length within the frame (else MALFORMED, no L3 field).
 * Hop-by-hop (0), routing (43), destination options (60), AH (51) and fragment (44) headers are skipped;
 * ip_proto is the first other next-header. Any fragment header sets FRAG_ANY; a non-zero offset also sets
 * FRAG_LATER and stops there (ip_proto is the fragment's next header). A chain that runs past the payload
 * length is MALFORMED: the fixed header's fields stay, ip_proto and ip_frag are zero.</li>
 * <li>L4 (need at least): TCP 20 bytes and a data offset 5..(room/4) — ports and the 12 flag bits;
 * UDP 8 and SCTP 12 — ports; ICMP and ICMPv6 8 — type in tp_src, code in tp_dst. A shorter header is
 * MALFORMED with zero L4 fields. ICMP (1) and ICMPv6 (58) are recognised under either IP version, as in
 * OVS's generic L4 switch.</li>
 * <li>ND (ICMPv6 type 135/136, code 0): target from the 24-byte message; options scanned in 8-byte units:
 * SLL (type 1, length 1) into nd_sll, TLL (type 2, length 1) into nd_tll, others skipped. An option of
 * length 0 or running past the end, a repeated SLL or TLL, or a message shorter than 24 bytes is
 * MALFORMED with target, SLL and TLL zero (type and code kept). Trailing bytes shorter than an option are
 * ignored (as OVS).</li>
 * </ul>
 *
 * <h2>Cost</h2>
 * The common cases (untagged or tagged IPv4 TCP/UDP) are straight-line: two 64-bit loads for the Ethernet
 * header, one 32-bit load per tag, three 64-bit loads for IPv4 (the third is word 5 verbatim), one or two
 * loads for L4, then 15 word stores and two offset stores. No allocation, no exceptions, no lambdas;
 * nothing else is kept per packet.
 *
 * <p>Shape, for the JIT: {@code parse}, {@code ipv4} and {@code l4} (TCP and UDP) each stay under C2's
 * hot-inlining limit (FreqInlineSize, 325 bytecodes), so the whole common path inlines into the
 * datapath's loop; IPv6, ARP, the rarer L4 protocols, ND and every error path live in separate methods.
 * Check with {@code javap -c} after editing: one method growing past the limit costs a call per packet.
 *
 * <p>Thread-safety: stateless; the packet and key belong to the calling thread.
 */
public final class FlowParser {
    static final int ETH_TYPE_IPV4 = 0x0800;
    static final int ETH_TYPE_ARP = 0x0806;
    static final int ETH_TYPE_IPV6 = 0x86DD;
    static final int TPID_8021Q = 0x8100;
    static final int TPID_8021AD = 0x88A8;

    static final int PROTO_HOPOPT = 0;
    static final int PROTO_ICMP = 1;
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;
    static final int PROTO_ROUTING = 43;
    static final int PROTO_FRAGMENT = 44;
    static final int PROTO_AH = 51;
    static final int PROTO_ICMPV6 = 58;
    static final int PROTO_DSTOPTS = 60;
    static final int PROTO_SCTP = 132;

    static final int ND_NS = 135;
    static final int ND_NA = 136;

    private FlowParser() {
    }

    /**
     * Parses the frame of {@code p} into words 1..15 of {@code key} and sets {@code p}'s L3/L4 offsets.
     * Never throws. See the class comment for what is written when.
     */
    public static ParseStatus parse(Packet p, FlowKey key) {
        final MemorySegment r = p.region();
        final long a = p.address();
        final int len = p.length();
        final long[] w = key.w;
        if (len < 14) {
            return runt(p, w);
        }
        long dst = r.get(BE_LONG, a);      // eth_dst(48) eth_src(16 of 48)
        long src = r.get(BE_LONG, a + 6);  // eth_src(48) type(16)
        w[1] = dst >>> 16;
        w[2] = src >>> 16;
        int type = (int) src & 0xFFFF;
        int l3 = 14;
        long vlan = 0;
        if (isTag(type)) {
            if (len < 18) {
                return truncatedTag(p, w, type, vlan);
            }
            int t = r.get(BE_INT, a + 14);  // tci(16) next type(16)
            vlan = ((long) type << 48) | ((long) (t >>> 16) << 32);
            type = t & 0xFFFF;
            l3 = 18;
            if (isTag(type)) {
                if (len < 22) {
                    return truncatedTag(p, w, type, vlan);
                }
                int t2 = r.get(BE_INT, a + 18);
                vlan |= ((long) type << 16) | (t2 >>> 16);
                type = t2 & 0xFFFF;
                l3 = 22;
                // A third tag is payload (vlan-limit 2): eth_type is its TPID, nothing above is parsed.
            }
        }
        if (type < 0x0600) {
            type = FlowKey.ETH_TYPE_NONE;
        }
        w[3] = type;
        w[4] = vlan;
        if (type == ETH_TYPE_IPV4) {
            return ipv4(p, r, a, len, l3, w);
        }
        return notIpv4(p, r, a, len, l3, w, type);
    }

    private static boolean isTag(int type) {
        return type == TPID_8021Q || type == TPID_8021AD;
    }

    private static ParseStatus notIpv4(Packet p, MemorySegment r, long a, int len, int l3, long[] w, int type) {
        if (type == ETH_TYPE_IPV6) {
            return ipv6(p, r, a, len, l3, w);
        } else if (type == ETH_TYPE_ARP) {
            return arp(p, r, a, len, l3, w);
        }
        return otherEtherType(p, w, l3);
    }

    private static ParseStatus runt(Packet p, long[] w) {
        w[1] = 0;
        w[2] = 0;
        w[3] = 0;
        w[4] = 0;
        clearFrom5(w);
        p.l3Offset(ABSENT);
        p.l4Offset(ABSENT);
        return ParseStatus.RUNT;
    }

    private static ParseStatus otherEtherType(Packet p, long[] w, int l3) {
        clearFrom5(w);
        p.l3Offset(l3);
        p.l4Offset(ABSENT);
        return ParseStatus.OK;
    }

    private static ParseStatus truncatedTag(Packet p, long[] w, int tpid, long vlan) {
        w[3] = tpid;
        w[4] = vlan;
        clearFrom5(w);
        p.l3Offset(ABSENT);
        p.l4Offset(ABSENT);
        return ParseStatus.MALFORMED;
    }

    private static ParseStatus l3Malformed(Packet p, long[] w) {
        clearFrom5(w);
        p.l3Offset(ABSENT);
        p.l4Offset(ABSENT);
        return ParseStatus.MALFORMED;
    }

    private static void clearFrom5(long[] w) {
        w[5] = 0;
        w[6] = 0;
        w[7] = 0;
        w[8] = 0;
        w[9] = 0;
        w[10] = 0;
        w[11] = 0;
        w[12] = 0;
        w[13] = 0;
        w[14] = 0;
        w[15] = 0;
    }

    // ---- IPv4 -------------------------------------------------------------------------------------------

    private static ParseStatus ipv4(Packet p, MemorySegment r, long a, int len, int l3, long[] w) {
        if (len - l3 < 20) {
            return l3Malformed(p, w);
        }
        long h0 = r.get(BE_LONG, a + l3);      // ver/ihl(8) tos(8) tot_len(16) id(16) flags/frag(16)
        int vihl = (int) (h0 >>> 56);
        int hlen = (vihl & 0x0F) << 2;
        int tot = (int) (h0 >>> 32) & 0xFFFF;
        if ((vihl >>> 4) != 4 || hlen < 20 || tot < hlen || tot > len - l3) {
            return l3Malformed(p, w);
        }
        long h1 = r.get(BE_LONG, a + l3 + 8);  // ttl(8) proto(8) csum(16) src(32)
        w[5] = r.get(BE_LONG, a + l3 + 12);    // src(32) dst(32): word 5 verbatim
        int proto = (int) (h1 >>> 48) & 0xFF;
        // ip_frag(8) ttl(8) tos(8) proto(8); frag bits: FRAG_ANY = MF or offset, FRAG_LATER = offset.
        long ip = ((h1 >>> 40) & 0xFF_0000L) | ((h0 >>> 40) & 0xFF00L) | proto;
        w[8] = 0;
        w[9] = 0;
        w[10] = 0;
        w[11] = 0;
        p.l3Offset(l3);
        if ((h0 & 0x3FFF) == 0) {  // neither MF nor an offset: the common case
            w[6] = ip;
            return l4(p, r, a, l3 + hlen, l3 + tot, proto, w);
        }
        if ((h0 & 0x1FFF) != 0) {
            w[6] = ip | ((long) (FRAG_ANY | FRAG_LATER) << 24);
            return noL4(p, w);
        }
        w[6] = ip | ((long) FRAG_ANY << 24);
        return l4(p, r, a, l3 + hlen, l3 + tot, proto, w);
    }

    /** A later fragment: no L4 header to parse. */
    private static ParseStatus noL4(Packet p, long[] w) {
        w[7] = 0;
        w[12] = 0;
        w[13] = 0;
        w[14] = 0;
        w[15] = 0;
        p.l4Offset(ABSENT);
        return ParseStatus.OK;
    }

    // ---- IPv6 -------------------------------------------------------------------------------------------

    private static ParseStatus ipv6(Packet p, MemorySegment r, long a, int len, int l3, long[] w) {
        if (len - l3 < 40) {
            return l3Malformed(p, w);
        }
        long h0 = r.get(BE_LONG, a + l3);  // ver(4) tc(8) label(20) plen(16) next(8) hlim(8)
        int plen = (int) (h0 >>> 16) & 0xFFFF;
        if ((h0 >>> 60) != 6 || plen > len - l3 - 40) {
            return l3Malformed(p, w);
        }
        w[5] = 0;
        w[8] = r.get(BE_LONG, a + l3 + 8);
        w[9] = r.get(BE_LONG, a + l3 + 16);
        w[10] = r.get(BE_LONG, a + l3 + 24);
        w[11] = r.get(BE_LONG, a + l3 + 32);
        // label(20) at bit 32, ttl at bit 16, tos at bit 8: proto and frag are or-ed in below.
        long fixed = (h0 & 0x000F_FFFF_0000_0000L) | ((h0 << 16) & 0xFF_0000L) | ((h0 >>> 44) & 0xFF00L);
        p.l3Offset(l3);
        int next = (int) (h0 >>> 8) & 0xFF;
        int off = l3 + 40;
        int end = off + plen;
        int frag = 0;
        // Each extension header is at least 8 bytes, so the loop ends within plen/8 rounds.
        while (true) {
            if (next == PROTO_HOPOPT || next == PROTO_ROUTING || next == PROTO_DSTOPTS || next == PROTO_AH) {
                if (end - off < 8) {
                    return extMalformed(p, w, fixed);
                }
                int h = r.get(BE_SHORT, a + off);
                int hl = h & 0xFF;
                int elen = next == PROTO_AH ? (hl + 2) << 2 : (hl + 1) << 3;
                if (elen > end - off) {
                    return extMalformed(p, w, fixed);
                }
                next = (h >>> 8) & 0xFF;
                off += elen;
            } else if (next == PROTO_FRAGMENT) {
                if (end - off < 8) {
                    return extMalformed(p, w, fixed);
                }
                int f = r.get(BE_INT, a + off);  // next(8) reserved(8) offset(13) res(2) M(1)
                next = f >>> 24;
                off += 8;
                if ((f & 0xFFF8) != 0) {
                    w[6] = fixed | ((long) (FRAG_ANY | FRAG_LATER) << 24) | next;
                    return noL4(p, w);
                }
                frag = FRAG_ANY;
            } else {
                break;
            }
        }
        w[6] = fixed | ((long) frag << 24) | next;
        return l4(p, r, a, off, end, next, w);
    }

    private static ParseStatus extMalformed(Packet p, long[] w, long fixed) {
        w[6] = fixed;
        w[7] = 0;
        w[12] = 0;
        w[13] = 0;
        w[14] = 0;
        w[15] = 0;
        p.l4Offset(ABSENT);
        return ParseStatus.MALFORMED;
    }

    // ---- ARP --------------------------------------------------------------------------------------------

    private static ParseStatus arp(Packet p, MemorySegment r, long a, int len, int l3, long[] w) {
        if (len - l3 < 28) {
            return l3Malformed(p, w);
        }
        long h = r.get(BE_LONG, a + l3);  // htype(16) ptype(16) hlen(8) plen(8) op(16)
        if ((h >>> 16) == 0x0001_0800_0604L) {
            int op = (int) h & 0xFFFF;
            w[5] = (Integer.toUnsignedLong(r.get(BE_INT, a + l3 + 14)) << 32)
                    | Integer.toUnsignedLong(r.get(BE_INT, a + l3 + 24));
            w[6] = op <= 0xFF ? op : 0;
            w[12] = r.get(BE_LONG, a + l3 + 8) >>> 16;
            w[13] = r.get(BE_LONG, a + l3 + 18) >>> 16;
        } else {
            w[5] = 0;
            w[6] = 0;
            w[12] = 0;
            w[13] = 0;
        }
        w[7] = 0;
        w[8] = 0;
        w[9] = 0;
        w[10] = 0;
        w[11] = 0;
        w[14] = 0;
        w[15] = 0;
        p.l3Offset(l3);
        p.l4Offset(ABSENT);
        return ParseStatus.OK;
    }

    // ---- L4 ---------------------------------------------------------------------------------------------

    /**
     * Parses the L4 header at {@code l4} (room up to {@code end}); writes words 7 and 12..15. TCP and UDP
     * are handled here, small enough to be inlined; the rest in {@link #l4Rare}.
     */
    private static ParseStatus l4(Packet p, MemorySegment r, long a, int l4, int end, int proto, long[] w) {
        int room = end - l4;
        w[12] = 0;
        w[13] = 0;
        w[14] = 0;
        w[15] = 0;
        if (proto == PROTO_TCP) {
            if (room >= 20) {
                long t = r.get(BE_LONG, a + l4 + 8);  // ack(32) data offset(4) reserved(3) flags(9) window(16)
                int doff = (int) (t >>> 26) & 0x3C;
                if (doff >= 20 && doff <= room) {
                    w[7] = ((long) r.get(BE_INT, a + l4) << 32) | ((t >>> 16) & 0x0FFF);
                    p.l4Offset(l4);
                    return ParseStatus.OK;
                }
            }
            return l4Malformed(p, w);
        }
        if (proto == PROTO_UDP) {
            if (room >= 8) {
                w[7] = (long) r.get(BE_INT, a + l4) << 32;
                p.l4Offset(l4);
                return ParseStatus.OK;
            }
            return l4Malformed(p, w);
        }
        return l4Rare(p, r, a, l4, room, proto, w);
    }

    /** SCTP, ICMP, ICMPv6 (with ND) and protocols without parsed fields. */
    private static ParseStatus l4Rare(Packet p, MemorySegment r, long a, int l4, int room, int proto, long[] w) {
        switch (proto) {
            case PROTO_SCTP -> {
                if (room < 12) {
                    return l4Malformed(p, w);
                }
                w[7] = (long) r.get(BE_INT, a + l4) << 32;
            }
            case PROTO_ICMP -> {
                if (room < 8) {
                    return l4Malformed(p, w);
                }
                int tc = r.get(BE_SHORT, a + l4);
                w[7] = ((long) ((tc >>> 8) & 0xFF) << 48) | ((long) (tc & 0xFF) << 32);
            }
            case PROTO_ICMPV6 -> {
                if (room < 8) {
                    return l4Malformed(p, w);
                }
                int tc = r.get(BE_SHORT, a + l4);
                int type = (tc >>> 8) & 0xFF;
                int code = tc & 0xFF;
                w[7] = ((long) type << 48) | ((long) code << 32);
                p.l4Offset(l4);
                if ((type == ND_NS || type == ND_NA) && code == 0) {
                    return nd(r, a, l4, room, w);
                }
                return ParseStatus.OK;
            }
            default -> w[7] = 0;
        }
        p.l4Offset(l4);
        return ParseStatus.OK;
    }

    private static ParseStatus l4Malformed(Packet p, long[] w) {
        w[7] = 0;
        p.l4Offset(ABSENT);
        return ParseStatus.MALFORMED;
    }

    /** Neighbor solicitation/advertisement: target and link-layer address options into words 12..15. */
    private static ParseStatus nd(MemorySegment r, long a, int l4, int room, long[] w) {
        if (room < 24) {
            return ParseStatus.MALFORMED;
        }
        long sll = 0;
        long tll = 0;
        boolean seenSll = false;
        boolean seenTll = false;
        int off = l4 + 24;
        int left = room - 24;
        while (left >= 8) {
            int h = r.get(BE_SHORT, a + off);
            int olen = (h & 0xFF) << 3;
            if (olen == 0 || olen > left) {
                return ParseStatus.MALFORMED;
            }
            int otype = h >>> 8 & 0xFF;
            if (olen == 8 && (otype == 1 || otype == 2)) {
                long mac = r.get(BE_LONG, a + off) & 0xFFFF_FFFF_FFFFL;
                if (otype == 1) {
                    if (seenSll) {
                        return ParseStatus.MALFORMED;
                    }
                    seenSll = true;
                    sll = mac;
                } else {
                    if (seenTll) {
                        return ParseStatus.MALFORMED;
                    }
                    seenTll = true;
                    tll = mac;
                }
            }
            off += olen;
            left -= olen;
        }
        w[12] = sll;
        w[13] = tll;
        w[14] = r.get(BE_LONG, a + l4 + 8);
        w[15] = r.get(BE_LONG, a + l4 + 16);
        return ParseStatus.OK;
    }
}
