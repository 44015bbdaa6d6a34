package org.vswitch4j.core.datapath;

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
 * nothing is written outside the frame. TCP and UDP checksums over IPv4 follow address and port changes;
 * a UDP checksum of 0 (none) stays 0, and a computed 0 is sent as 0xffff (RFC 768). SCTP's CRC32c and ICMP
 * type/code are not rewritten.
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
            case CompiledActions.SET_IPV4_SRC -> setIpv4Addr(p, 12, (int) v);
            case CompiledActions.SET_IPV4_DST -> setIpv4Addr(p, 16, (int) v);
            case CompiledActions.SET_IP_TOS -> setTos(p, 0xff, (int) v & 0xff);
            case CompiledActions.SET_IP_DSCP -> setTos(p, 0xfc, ((int) v & 0x3f) << 2);
            case CompiledActions.SET_IP_ECN -> setTos(p, 0x03, (int) v & 0x03);
            case CompiledActions.SET_IP_TTL -> setTtl(p, (int) v & 0xff);
            case CompiledActions.SET_TP_SRC -> setPort(p, 0, (int) v & 0xffff);
            case CompiledActions.SET_TP_DST -> setPort(p, 2, (int) v & 0xffff);
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
        return l3 < 14 ? -1 : p.u16(l3 - 2);
    }

    /** Offset of a complete IPv4 header (20 bytes at least), or -1. */
    private static int ipv4(Packet p) {
        int l3 = p.l3Offset();
        return l3 >= 14 && l3 + 20 <= p.length() && p.u16(l3 - 2) == ETH_TYPE_IPV4 ? l3 : -1;
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

    private static void setPort(Packet p, int portOff, int port) {
        int type = l3Type(p);
        int l4 = p.l4Offset();
        if (l4 < 0 || type < 0) {
            return;
        }
        int l3 = p.l3Offset();
        int proto;
        if (type == ETH_TYPE_IPV4) {
            if (ipv4(p) < 0) {
                return;
            }
            proto = p.u8(l3 + 9);
        } else if (type == ETH_TYPE_IPV6) {
            // The protocol is known only when no extension header sits between (then it is the fixed
            // header's next header); behind extension headers the port is left alone.
            proto = ipv6L4Proto(p, l3, l4);
        } else {
            return;
        }
        int csumOff;
        if (proto == PROTO_TCP && l4 + 20 <= p.length()) {
            csumOff = l4 + 16;
        } else if (proto == PROTO_UDP && l4 + 8 <= p.length()) {
            csumOff = l4 + 6;
        } else {
            return;
        }
        int old = p.u16(l4 + portOff);
        p.u16(l4 + portOff, port);
        int c = p.u16(csumOff);
        p.u16(csumOff, proto == PROTO_UDP ? Checksums.updateUdp16(c, old, port) : Checksums.update16(c, old, port));
    }

    /** The IPv6 next header when the L4 header follows the fixed header directly, else 0 (unknown). */
    private static int ipv6L4Proto(Packet p, int l3, int l4) {
        return l4 == l3 + 40 && l4 <= p.length() ? p.u8(l3 + 6) : 0;
    }
}
