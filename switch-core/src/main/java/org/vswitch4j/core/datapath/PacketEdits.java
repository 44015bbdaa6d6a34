package org.vswitch4j.core.datapath;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.vswitch4j.core.packet.Checksums;
import org.vswitch4j.core.packet.Packet;

/**
 * The header rewrites of datapath actions, done in place on a frame: VLAN push and pop, and set-field
 * with incremental checksum updates (RFC 1624: {@code HC' = ~(~HC + ~m + m')}), so a rewrite costs a few
 * loads and stores whatever the packet's length.
 *
 * <p>VLAN push uses the buffer's headroom: the frame start moves 4 bytes earlier and only the 12 MAC bytes
 * move, never the payload; pop moves the 12 MAC bytes 4 bytes later. {@link Packet#adjustHead} keeps the
 * l3/l4 offsets pointing at the same headers. A frame without headroom falls back to moving its tail.
 *
 * Checksum arithmetic is {@link Checksums}'.
 *
 * <p>Set-field touches only what is there: a field whose header the frame does not have (ip_src on an ARP
 * frame, tp_src on a non-first fragment, a header cut short by a malformed frame) is left alone, and
 * nothing is written outside the frame. TCP and UDP checksums follow address and port changes over IPv4
 * and IPv6 (behind any extension headers: the chain is walked up to the parser's l4 offset), the ICMPv6
 * checksum follows IPv6 address and ND target changes, ICMP/ICMPv6 checksums follow type and code. A UDP
 * checksum of 0 (none) stays 0, and a computed 0 is sent as 0xffff (RFC 768, RFC 8200). SCTP's CRC32c is
 * recomputed (it has no incremental form). ARP fields and the IPv6 traffic class, flow label and hop
 * limit are covered by no checksum.
 *
 * <p>Thread-safety: stateless.
 */
final class PacketEdits {
    static final int ETH_TYPE_IPV4 = 0x0800;
    static final int ETH_TYPE_IPV6 = 0x86DD;
    static final int TPID_8021Q = 0x8100;
    static final int TPID_8021AD = 0x88A8;
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;
    static final int ETH_TYPE_ARP = 0x0806;
    static final int PROTO_ICMP = 1;
    static final int PROTO_ICMPV6 = 58;
    static final int PROTO_SCTP = 132;
    static final int PROTO_HOPOPT = 0;
    static final int PROTO_ROUTING = 43;
    static final int PROTO_FRAGMENT = 44;
    static final int PROTO_AH = 51;
    static final int PROTO_DSTOPTS = 60;

    private PacketEdits() {
    }

    /** Pushes an outermost VLAN tag; false (frame unchanged) when there is no room at either end. */
    static boolean pushVlan(Packet p, int tpid, int tci) {
        if (p.adjustHead(4)) {
            p.moveBytes(4, 0, 12);
        } else {
            if (p.tailroom() < 4) {
                return false;
            }
            int len = p.length();
            p.moveBytes(12, 16, len - 12);
            p.length(len + 4);
            if (p.l3Offset() != Packet.ABSENT) {
                p.l3Offset(p.l3Offset() + 4);
            }
            if (p.l4Offset() != Packet.ABSENT) {
                p.l4Offset(p.l4Offset() + 4);
            }
            if (p.hasOffload()) {
                p.offload(p.csumStart() + 4, p.csumOffset(), p.gsoType(), p.gsoSize());
            }
        }
        p.u16(12, tpid);
        p.u16(14, tci);
        return true;
    }

    /** Pops the outermost VLAN tag; an untagged frame is left alone. */
    static void popVlan(Packet p) {
        if (p.length() >= 18 && isTpid(p.u16(12))) {
            p.moveBytes(0, 4, 12);
            p.adjustHead(-4);
        }
    }

    static boolean isTpid(int t) {
        return t == TPID_8021Q || t == TPID_8021AD;
    }

    /** VLAN tags at the front of the frame (0..2), as the MTU checks count them. */
    static int tagCount(Packet p) {
        int len = p.length();
        if (len < 18 || !isTpid(p.u16(12))) {
            return 0;
        }
        return len >= 22 && isTpid(p.u16(16)) ? 2 : 1;
    }

    /** Executes a set-field of code {@code code} (see {@link CompiledActions}) with value {@code v}. */
    static void setField(Packet p, int code, long v) {
        switch (code) {
            case CompiledActions.SET_ETH_DST -> p.mac(0, v);
            case CompiledActions.SET_ETH_SRC -> p.mac(6, v);
            case CompiledActions.SET_VLAN_VID -> setTci(p, 0x0fff, (int) v & 0x0fff);
            case CompiledActions.SET_VLAN_PCP -> setTci(p, 0xe000, ((int) v & 7) << 13);
            case CompiledActions.SET_VLAN_DEI -> setTci(p, 0x1000, ((int) v & 1) << 12);
            case CompiledActions.SET_VLAN_TPID_TCI -> {
                if (p.length() >= 18 && isTpid(p.u16(12)) && isTpid((int) (v >>> 16) & 0xffff)) {
                    p.u16(12, (int) (v >>> 16));
                    p.u16(14, (int) v);
                }
            }
            case CompiledActions.SET_IPV4_SRC -> setNwAddr(p, 12, 14, (int) v);
            case CompiledActions.SET_IPV4_DST -> setNwAddr(p, 16, 24, (int) v);
            case CompiledActions.SET_IP_TOS -> setTos(p, 0xff, (int) v & 0xff);
            case CompiledActions.SET_IP_DSCP -> setTos(p, 0xfc, ((int) v & 0x3f) << 2);
            case CompiledActions.SET_IP_ECN -> setTos(p, 0x03, (int) v & 0x03);
            case CompiledActions.SET_IP_TTL -> setTtl(p, (int) v & 0xff);
            case CompiledActions.SET_IPV6_LABEL -> setLabel(p, (int) v & 0xfffff);
            case CompiledActions.SET_TP_SRC -> setL4Word(p, 0, (int) v & 0xffff);
            case CompiledActions.SET_TP_DST -> setL4Word(p, 2, (int) v & 0xffff);
            case CompiledActions.SET_ARP_OP -> {
                int l3 = arp(p);
                if (l3 >= 0) {
                    p.u16(l3 + 6, (int) v);
                }
            }
            case CompiledActions.SET_ARP_SHA -> {
                int l3 = arp(p);
                if (l3 >= 0) {
                    p.mac(l3 + 8, v);
                }
            }
            case CompiledActions.SET_ARP_THA -> {
                int l3 = arp(p);
                if (l3 >= 0) {
                    p.mac(l3 + 18, v);
                }
            }
            case CompiledActions.SET_IPV6_SRC_HI -> setIpv6Half(p, 8, v);
            case CompiledActions.SET_IPV6_SRC_LO -> setIpv6Half(p, 16, v);
            case CompiledActions.SET_IPV6_DST_HI -> setIpv6Half(p, 24, v);
            case CompiledActions.SET_IPV6_DST_LO -> setIpv6Half(p, 32, v);
            case CompiledActions.SET_ND_TARGET_HI -> setNdTargetHalf(p, 8, v);
            case CompiledActions.SET_ND_TARGET_LO -> setNdTargetHalf(p, 16, v);
            case CompiledActions.SET_ND_SLL -> setNdLinkAddress(p, ND_OPT_SLL, v);
            case CompiledActions.SET_ND_TLL -> setNdLinkAddress(p, ND_OPT_TLL, v);
            default -> throw new IllegalStateException("unknown set-field code " + code);
        }
    }

    private static void setTci(Packet p, int bits, int value) {
        if (p.length() >= 18 && isTpid(p.u16(12))) {
            p.u16(14, (p.u16(14) & ~bits) | value);
        }
    }

    /** The EtherType just before the L3 header, or -1 when there is no L3 header. */
    private static int l3Type(Packet p) {
        int l3 = p.l3Offset();
        return l3 < 14 || l3 > p.length() ? -1 : p.u16(l3 - 2);
    }

    /** Offset of a complete IPv4 header (20 bytes at least), or -1. */
    private static int ipv4(Packet p) {
        int l3 = p.l3Offset();
        return l3 >= 14 && l3 + 20 <= p.length() && p.u16(l3 - 2) == ETH_TYPE_IPV4 ? l3 : -1;
    }

    /** Offset of a complete IPv6 fixed header, or -1. */
    private static int ipv6(Packet p) {
        int l3 = p.l3Offset();
        return l3 >= 14 && l3 + 40 <= p.length() && p.u16(l3 - 2) == ETH_TYPE_IPV6 ? l3 : -1;
    }

    /** Offset of a complete Ethernet/IPv4 ARP message (htype 1, ptype 0x0800, hlen 6, plen 4), or -1. */
    private static int arp(Packet p) {
        int l3 = p.l3Offset();
        if (l3 < 14 || l3 + 28 > p.length() || p.u16(l3 - 2) != ETH_TYPE_ARP) {
            return -1;
        }
        return p.u16(l3) == 1 && p.u16(l3 + 2) == ETH_TYPE_IPV4 && p.u16(l3 + 4) == 0x0604 ? l3 : -1;
    }

    /**
     * ip_src/ip_dst on IPv4 (field at {@code ipOff} of the header), arp_spa/arp_tpa on ARP (at
     * {@code arpOff}): the same key bits, told apart by the EtherType.
     */
    private static void setNwAddr(Packet p, int ipOff, int arpOff, int addr) {
        if (l3Type(p) == ETH_TYPE_ARP) {
            int l3 = arp(p);
            if (l3 >= 0) {
                p.u32(l3 + arpOff, Integer.toUnsignedLong(addr));
            }
        } else {
            setIpv4Addr(p, ipOff, addr);
        }
    }

    private static void setIpv4Addr(Packet p, int fieldOff, int addr) {
        int l3 = ipv4(p);
        if (l3 < 0) {
            return;
        }
        int old = p.i32(l3 + fieldOff);
        p.u32(l3 + fieldOff, Integer.toUnsignedLong(addr));
        p.u16(l3 + 10, Checksums.update32(p.u16(l3 + 10), old, addr));
        int l4csum = l4ChecksumOffset(p, l3);
        if (l4csum >= 0) {
            int c = p.u16(l4csum);
            p.u16(l4csum, p.u8(l3 + 9) == PROTO_UDP ? Checksums.updateUdp32(c, old, addr)
                    : Checksums.update32(c, old, addr));
        }
    }

    /** Offset of the TCP or UDP checksum over IPv4 when the whole L4 header is in the frame, else -1. */
    private static int l4ChecksumOffset(Packet p, int l3) {
        int l4 = p.l4Offset();
        if (l4 < 0) {
            return -1;
        }
        int proto = p.u8(l3 + 9);
        if (proto == PROTO_TCP) {
            return l4 + 20 <= p.length() ? l4 + 16 : -1;
        }
        if (proto == PROTO_UDP) {
            return l4 + 8 <= p.length() ? l4 + 6 : -1;
        }
        return -1;
    }

    private static void setTos(Packet p, int bits, int value) {
        int type = l3Type(p);
        int l3 = p.l3Offset();
        if (type == ETH_TYPE_IPV4 && ipv4(p) >= 0) {
            int oldWord = p.u16(l3);
            int newWord = (oldWord & ~bits) | value;
            p.u16(l3, newWord);
            p.u16(l3 + 10, Checksums.update16(p.u16(l3 + 10), oldWord, newWord));
        } else if (type == ETH_TYPE_IPV6 && l3 + 40 <= p.length()) {
            // Traffic class: bits 4..11 of the first 16-bit word (version(4) tc(8) label-high(4)).
            int w = p.u16(l3);
            p.u16(l3, (w & ~(bits << 4)) | (value << 4));
        }
    }

    /**
     * A dscp_remark meter band: adds {@code levels} to the drop precedence of an assured-forwarding DSCP
     * (AFxy, RFC 2597: class x in 1..4 in the top 3 bits, precedence y in 1..3 in the next 2, the last bit 0),
     * at most up to precedence 3. Other DSCPs, and packets that are not IPv4 or IPv6, are left alone.
     */
    static void raiseDropPrecedence(Packet p, int levels) {
        int type = l3Type(p);
        int l3 = p.l3Offset();
        int tos;
        if (type == ETH_TYPE_IPV4 && ipv4(p) >= 0) {
            tos = p.u8(l3 + 1);
        } else if (type == ETH_TYPE_IPV6 && ipv6(p) >= 0) {
            tos = (p.u16(l3) >>> 4) & 0xff;
        } else {
            return;
        }
        int dscp = tos >>> 2;
        int cls = dscp >>> 3;
        int prec = (dscp >>> 1) & 3;
        if (cls < 1 || cls > 4 || prec < 1 || (dscp & 1) != 0) {
            return;
        }
        int raised = Math.min(3, prec + levels);
        setTos(p, 0xfc, ((cls << 3) | (raised << 1)) << 2);
    }

    private static void setTtl(Packet p, int ttl) {
        int type = l3Type(p);
        int l3 = p.l3Offset();
        if (type == ETH_TYPE_IPV4 && ipv4(p) >= 0) {
            int oldWord = p.u16(l3 + 8);
            int newWord = (ttl << 8) | (oldWord & 0xff);
            p.u16(l3 + 8, newWord);
            p.u16(l3 + 10, Checksums.update16(p.u16(l3 + 10), oldWord, newWord));
        } else if (type == ETH_TYPE_IPV6 && l3 + 40 <= p.length()) {
            p.u8(l3 + 7, ttl);
        }
    }

    /** IPv6 flow label: the low 20 bits of the first 32-bit word; no checksum covers it. */
    private static void setLabel(Packet p, int label) {
        int l3 = ipv6(p);
        if (l3 >= 0) {
            p.u32(l3, (p.u32(l3) & 0xfff0_0000L) | label);
        }
    }

    /**
     * The L4 protocol of the frame when its L4 header is complete (TCP 20, UDP 8, SCTP 12, ICMP/ICMPv6 8
     * bytes), with {@link #V6_ROUTED} and {@link #FRAGMENTED} or-ed in; -1 when there is none or it is
     * not known.
     */
    private static int l4Proto(Packet p) {
        int l4 = p.l4Offset();
        int type = l3Type(p);
        int proto;
        if (l4 < 0) {
            return -1;
        }
        if (type == ETH_TYPE_IPV4) {
            int l3 = ipv4(p);
            if (l3 < 0) {
                return -1;
            }
            proto = p.u8(l3 + 9) | ((p.u16(l3 + 6) & 0x3fff) != 0 ? FRAGMENTED : 0);
        } else if (type == ETH_TYPE_IPV6) {
            int l3 = ipv6(p);
            if (l3 < 0) {
                return -1;
            }
            proto = ipv6Chain(p, l3, l4);
            if (proto < 0) {
                return -1;
            }
        } else {
            return -1;
        }
        int need = switch (proto & 0xff) {
            case PROTO_TCP -> 20;
            case PROTO_UDP, PROTO_ICMP, PROTO_ICMPV6 -> 8;
            case PROTO_SCTP -> 12;
            default -> Integer.MAX_VALUE;
        };
        return l4 <= p.length() - need ? proto : -1;
    }

    /** Or-ed into {@link #l4Proto}: an IPv6 routing header with segments left (the pseudo-header's
     * destination is the final one, not the fixed header's). */
    private static final int V6_ROUTED = 0x100;
    /** Or-ed into {@link #l4Proto}: the packet is a (first) fragment. */
    private static final int FRAGMENTED = 0x200;

    /**
     * Walks the IPv6 extension headers from the fixed header at {@code l3} to the L4 header at {@code l4}
     * (the parser stopped there): the next-header value naming the L4 header, with the flags of
     * {@link #l4Proto}; -1 when the chain does not end exactly at {@code l4} within the frame. Bounded:
     * every step moves at least 8 bytes forward.
     */
    private static int ipv6Chain(Packet p, int l3, int l4) {
        int len = p.length();
        int next = p.u8(l3 + 6);
        int off = l3 + 40;
        int flags = 0;
        while (off < l4) {
            if (off + 8 > len) {
                return -1;
            }
            int elen;
            switch (next) {
                case PROTO_HOPOPT, PROTO_DSTOPTS -> elen = (p.u8(off + 1) + 1) << 3;
                case PROTO_ROUTING -> {
                    elen = (p.u8(off + 1) + 1) << 3;
                    if (p.u8(off + 3) != 0) {
                        flags |= V6_ROUTED;
                    }
                }
                case PROTO_AH -> elen = (p.u8(off + 1) + 2) << 2;
                case PROTO_FRAGMENT -> {
                    elen = 8;
                    flags |= FRAGMENTED;
                }
                default -> {
                    return -1;
                }
            }
            next = p.u8(off);
            off += elen;
        }
        return off == l4 ? next | flags : -1;
    }

    /**
     * The first (portOff 0) or second (2) 16-bit word of the L4 header: the source/destination port of
     * TCP, UDP and SCTP, or the ICMP/ICMPv6 type (of {@code v}, the low 8 bits) and code, told apart by
     * the packet's protocol. TCP/UDP/ICMP checksums follow incrementally; SCTP's CRC32c is recomputed.
     */
    private static void setL4Word(Packet p, int portOff, int v) {
        int proto = l4Proto(p);
        if (proto < 0) {
            return;
        }
        int l4 = p.l4Offset();
        switch (proto & 0xff) {
            case PROTO_TCP -> {
                int old = p.u16(l4 + portOff);
                p.u16(l4 + portOff, v);
                p.u16(l4 + 16, Checksums.update16(p.u16(l4 + 16), old, v));
            }
            case PROTO_UDP -> {
                int old = p.u16(l4 + portOff);
                p.u16(l4 + portOff, v);
                p.u16(l4 + 6, Checksums.updateUdp16(p.u16(l4 + 6), old, v));
            }
            case PROTO_ICMP, PROTO_ICMPV6 -> {
                // Type and code share the first word; neither is in the ICMPv6 pseudo-header.
                int old = p.u16(l4);
                int now = portOff == 0 ? (old & 0x00ff) | ((v & 0xff) << 8) : (old & 0xff00) | (v & 0xff);
                p.u16(l4, now);
                p.u16(l4 + 2, Checksums.update16(p.u16(l4 + 2), old, now));
            }
            case PROTO_SCTP -> setSctpPort(p, proto, l4, portOff, v);
            default -> {
            }
        }
    }

    /**
     * An SCTP port, then the CRC32c (RFC 4960 appendix B), which cannot be updated incrementally: it is
     * recomputed over the SCTP packet before and after the change, and the stored value moved by the
     * difference, so a packet that arrived with a wrong CRC leaves with a wrong one (the switch does not
     * launder corruption, as Open vSwitch does it). A fragment is left alone: its CRC covers bytes the
     * frame does not hold.
     */
    private static void setSctpPort(Packet p, int proto, int l4, int portOff, int v) {
        if ((proto & FRAGMENTED) != 0) {
            return;
        }
        int l3 = p.l3Offset();
        int end = p.u16(l3 - 2) == ETH_TYPE_IPV4 ? l3 + p.u16(l3 + 2) : l3 + 40 + p.u16(l3 + 4);
        if (end > p.length() || end < l4 + 12) {
            return;
        }
        int stored = p.i32(l4 + 8);
        p.u32(l4 + 8, 0);
        int before = crc32c(p, l4, end - l4);
        p.u16(l4 + portOff, v);
        int after = crc32c(p, l4, end - l4);
        // The CRC's bytes are stored least significant first; the xor is the same in either order.
        p.u32(l4 + 8, Integer.toUnsignedLong(stored ^ Integer.reverseBytes(before ^ after)));
    }

    /** Half ({@code off} 8/16 source, 24/32 destination) of an IPv6 address, with the L4 checksum. */
    private static void setIpv6Half(Packet p, int off, long v) {
        int l3 = ipv6(p);
        if (l3 < 0) {
            return;
        }
        long old = p.i64(l3 + off);
        p.i64(l3 + off, v);
        int proto = l4Proto(p);
        if (proto < 0 || off >= 24 && (proto & V6_ROUTED) != 0) {
            return;  // no L4 header, or the pseudo-header's destination is the routing header's last address
        }
        int l4 = p.l4Offset();
        switch (proto & 0xff) {
            case PROTO_TCP -> p.u16(l4 + 16, Checksums.update64(p.u16(l4 + 16), old, v));
            case PROTO_ICMPV6 -> p.u16(l4 + 2, Checksums.update64(p.u16(l4 + 2), old, v));
            case PROTO_UDP -> {
                int c = p.u16(l4 + 6);
                if (c != 0) {  // 0: no checksum (RFC 6935 tunnels); left so, as Open vSwitch does
                    c = Checksums.update64(c, old, v);
                    p.u16(l4 + 6, c == 0 ? 0xffff : c);
                }
            }
            default -> {
            }
        }
    }

    /** Offset of a complete neighbor solicitation or advertisement (ICMPv6 135/136, code 0, 24 bytes), or -1. */
    private static int ndMessage(Packet p) {
        int proto = l4Proto(p);
        int l4 = p.l4Offset();
        if (proto < 0 || (proto & 0xff) != PROTO_ICMPV6 || l4 + 24 > p.length()) {
            return -1;
        }
        int type = p.u8(l4);
        return (type == 135 || type == 136) && p.u8(l4 + 1) == 0 ? l4 : -1;
    }

    /** Half of the target address of an ICMPv6 neighbor solicitation/advertisement, with its checksum. */
    private static void setNdTargetHalf(Packet p, int off, long v) {
        int l4 = ndMessage(p);
        if (l4 < 0) {
            return;
        }
        long old = p.i64(l4 + off);
        p.i64(l4 + off, v);
        p.u16(l4 + 2, Checksums.update64(p.u16(l4 + 2), old, v));
    }

    static final int ND_OPT_SLL = 1;
    static final int ND_OPT_TLL = 2;

    /**
     * Rewrites the link-layer address option {@code optType} (1 = source, 2 = target; one 8-byte unit) of a
     * neighbor solicitation or advertisement and updates the ICMPv6 checksum, as Open vSwitch's set_field of
     * nd_sll/nd_tll does: the first such option is changed, a message without one is left alone (no option is
     * added), and so is one whose options run off the end or have length 0 (the parser calls it malformed).
     */
    private static void setNdLinkAddress(Packet p, int optType, long mac) {
        int l4 = ndMessage(p);
        if (l4 < 0) {
            return;
        }
        int l3 = p.l3Offset();
        int end = Math.min(p.length(), l3 + 40 + p.u16(l3 + 4));
        for (int off = l4 + 24; off + 8 <= end; ) {
            int units = p.u8(off + 1);
            if (units == 0 || off + 8 * units > end) {
                return;
            }
            if (p.u8(off) == optType && units == 1) {
                int c = p.u16(l4 + 2);
                for (int i = 0; i < 6; i += 2) { // the option starts 8-aligned from l4: its words are checksum words
                    int oldWord = p.u16(off + 2 + i);
                    int newWord = (int) (mac >>> (32 - 8 * i)) & 0xffff;
                    p.u16(off + 2 + i, newWord);
                    c = Checksums.update16(c, oldWord, newWord);
                }
                p.u16(l4 + 2, c);
                return;
            }
            off += 8 * units;
        }
    }

    // ---- CRC32c (Castagnoli, reflected polynomial 0x82F63B78), slice-by-8 ------------------------------

    /** Why not java.util.zip.CRC32C: it needs a byte[] or a ByteBuffer, i.e. a copy or an allocation. */
    private static final int[] CRC_TABLE = crcTable();

    private static int[] crcTable() {
        int[] t = new int[8 * 256];
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F6_3B78 : c >>> 1;
            }
            t[i] = c;
        }
        for (int k = 1; k < 8; k++) {
            for (int i = 0; i < 256; i++) {
                int prev = t[(k - 1) * 256 + i];
                t[k * 256 + i] = (prev >>> 8) ^ t[prev & 0xff];
            }
        }
        return t;
    }

    private static final ValueLayout.OfLong LE_LONG =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The CRC32c of {@code len} bytes of the frame at {@code off} (what {@code java.util.zip.CRC32C} gives). */
    static int crc32c(Packet p, int off, int len) {
        int[] t = CRC_TABLE;
        MemorySegment r = p.region();
        long a = p.address() + off;
        long end = a + len;
        int c = ~0;
        while (end - a >= 8) {
            long w = r.get(LE_LONG, a) ^ Integer.toUnsignedLong(c);
            c = t[7 * 256 + (int) (w & 0xff)] ^ t[6 * 256 + (int) ((w >>> 8) & 0xff)]
                    ^ t[5 * 256 + (int) ((w >>> 16) & 0xff)] ^ t[4 * 256 + (int) ((w >>> 24) & 0xff)]
                    ^ t[3 * 256 + (int) ((w >>> 32) & 0xff)] ^ t[2 * 256 + (int) ((w >>> 40) & 0xff)]
                    ^ t[256 + (int) ((w >>> 48) & 0xff)] ^ t[(int) (w >>> 56)];
            a += 8;
        }
        while (a < end) {
            c = (c >>> 8) ^ t[(c ^ r.get(ValueLayout.JAVA_BYTE, a)) & 0xff];
            a++;
        }
        return ~c;
    }
}
