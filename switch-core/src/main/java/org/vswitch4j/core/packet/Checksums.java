package org.vswitch4j.core.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Internet checksums: the RFC 1071 ones'-complement sum, the IPv4 header checksum, the TCP/UDP/ICMPv6
 * checksums with their IPv4 and IPv6 pseudo-headers, and RFC 1624 incremental updates.
 *
 * <p>Vocabulary. A <em>sum</em> is an unfolded ones'-complement accumulator held in a {@code long}: add
 * sums of pieces with {@code +} (as long as each piece starts at an even offset of the checksummed data),
 * then {@link #fold} it to 16 bits or {@link #finish} it into the checksum that goes on the wire
 * (the complement of the folded sum). Only folded values are comparable: the packet sums add 32-bit
 * halves, equal modulo 0xFFFF to the 16-bit sum but not the same number before folding. All 16-bit quantities are in network order as read by
 * {@link Packet#u16(int)}: a checksum computed here is stored with {@link Packet#u16(int, int)}.
 *
 * <p>Why incremental updates: a set-field action that rewrites an address or a port must not re-sum the
 * whole segment. RFC 1624 equation 3, {@code HC' = ~(~HC + ~m + m')}, patches the stored checksum in a few
 * instructions and, unlike RFC 1141's form, never produces the wrong zero. Beware of UDP over IPv4: a stored
 * checksum of 0 means "no checksum" and must be left alone; {@link #updateUdp16} and {@link #updateUdp32}
 * do that and map a result of 0 to 0xFFFF.
 *
 * <p>Cost: summing reads 8 bytes per load and adds both 32-bit halves into a 64-bit accumulator, so no
 * carry handling is needed inside the loop (2^31 loads before it could overflow). No allocation anywhere.
 *
 * <p>Thread-safety: stateless.
 */
public final class Checksums {
    /** IP protocol numbers whose checksums are handled here. */
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_ICMPV6 = 58;

    private Checksums() {
    }

    // ---- the ones'-complement sum ---------------------------------------------------------------------

    /**
     * The unfolded sum of {@code len} bytes of the frame at {@code off} (an odd last byte is padded with a
     * zero byte, as RFC 1071 says). No bounds check beyond the memory segment's.
     */
    public static long sum(Packet p, int off, int len) {
        return sum(p.region(), p.address() + off, len);
    }

    /** The unfolded sum of {@code len} bytes of {@code seg} at absolute offset {@code at}. */
    public static long sum(MemorySegment seg, long at, int len) {
        long acc = 0;
        long a = at;
        long end8 = at + (len & ~7);
        while (a < end8) {
            long w = seg.get(Packet.BE_LONG, a);
            acc += (w >>> 32) + (w & 0xFFFF_FFFFL);
            a += 8;
        }
        int rest = len & 7;
        if (rest >= 4) {
            acc += Integer.toUnsignedLong(seg.get(Packet.BE_INT, a));
            a += 4;
            rest -= 4;
        }
        if (rest >= 2) {
            acc += Short.toUnsignedLong(seg.get(Packet.BE_SHORT, a));
            a += 2;
            rest -= 2;
        }
        if (rest == 1) {
            acc += Byte.toUnsignedLong(seg.get(ValueLayout.JAVA_BYTE, a)) << 8;
        }
        return acc;
    }

    /** The unfolded sum of {@code b[off..off+len)}. */
    public static long sum(byte[] b, int off, int len) {
        long acc = 0;
        int i = off;
        int end2 = off + (len & ~1);
        while (i < end2) {
            acc += ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
            i += 2;
        }
        if ((len & 1) != 0) {
            acc += (b[i] & 0xFF) << 8;
        }
        return acc;
    }

    /** Folds an unfolded sum into 16 bits with end-around carry (result in 0..0xFFFF). */
    public static int fold(long sum) {
        long s = (sum & 0xFFFF_FFFFL) + (sum >>> 32);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        s = (s & 0xFFFF) + (s >>> 16);
        return (int) s;
    }

    /** The checksum to store for an unfolded sum: the ones' complement of its folded value. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xFFFF;
    }

    /** The RFC 1071 checksum of {@code b[off..off+len)}. */
    public static int checksum(byte[] b, int off, int len) {
        return finish(sum(b, off, len));
    }

    /** The RFC 1071 checksum of {@code len} bytes of the frame at {@code off}. */
    public static int checksum(Packet p, int off, int len) {
        return finish(sum(p, off, len));
    }

    // ---- IPv4 header ----------------------------------------------------------------------------------

    /**
     * The IPv4 header checksum for the header at {@code l3} (length from its IHL), computed as if the
     * checksum field were zero, so it can be stored directly or compared with the stored one.
     */
    public static int ipv4Header(Packet p, int l3) {
        // The sum contains the stored field as one addend, so subtracting it is exact (never negative).
        int hlen = (p.u8(l3) & 0x0F) << 2;
        return finish(sum(p, l3, hlen) - p.u16(l3 + 10));
    }

    /** {@link #ipv4Header(Packet, int)} for a header in {@code b} at {@code l3}. */
    public static int ipv4Header(byte[] b, int l3) {
        int hlen = (b[l3] & 0x0F) << 2;
        return finish(sum(b, l3, hlen) - u16(b, l3 + 10));
    }

    /** Computes and stores the IPv4 header checksum of the header at {@code l3}. */
    public static void fixIpv4Header(Packet p, int l3) {
        p.u16(l3 + 10, ipv4Header(p, l3));
    }

    /** Whether the IPv4 header at {@code l3} carries a correct checksum (its full sum folds to 0xFFFF). */
    public static boolean ipv4HeaderValid(Packet p, int l3) {
        int hlen = (p.u8(l3) & 0x0F) << 2;
        return fold(sum(p, l3, hlen)) == 0xFFFF;
    }

    // ---- pseudo-headers -------------------------------------------------------------------------------

    /** Unfolded sum of the IPv4 pseudo-header (RFC 793/768): addresses, protocol, L4 length. */
    public static long pseudoHeaderV4(int src, int dst, int proto, int l4Length) {
        return ((src >>> 16) & 0xFFFF) + (src & 0xFFFF) + ((dst >>> 16) & 0xFFFF) + (dst & 0xFFFF)
                + (proto & 0xFF) + (l4Length & 0xFFFF);
    }

    /**
     * Unfolded sum of the IPv6 pseudo-header (RFC 8200 section 8.1): addresses given as high/low words,
     * upper-layer packet length (32 bits) and next header.
     */
    public static long pseudoHeaderV6(long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader,
            int l4Length) {
        return halves(srcHi) + halves(srcLo) + halves(dstHi) + halves(dstLo)
                + (nextHeader & 0xFF) + Integer.toUnsignedLong(l4Length);
    }

    /** Unfolded IPv6 pseudo-header sum, addresses read from the IPv6 header at {@code l3}. */
    public static long pseudoHeaderV6(Packet p, int l3, int nextHeader, int l4Length) {
        return sum(p, l3 + 8, 32) + (nextHeader & 0xFF) + Integer.toUnsignedLong(l4Length);
    }

    /** Unfolded IPv6 pseudo-header sum, addresses read from the IPv6 header in {@code b} at {@code l3}. */
    public static long pseudoHeaderV6(byte[] b, int l3, int nextHeader, int l4Length) {
        return sum(b, l3 + 8, 32) + (nextHeader & 0xFF) + Integer.toUnsignedLong(l4Length);
    }

    // ---- L4 checksums ---------------------------------------------------------------------------------

    /**
     * Offset within the L4 header of the checksum field of {@code proto} (TCP 16, UDP 6, ICMP and ICMPv6
     * 2), or -1 for a protocol this class does not know.
     */
    public static int checksumOffset(int proto) {
        return switch (proto) {
            case PROTO_TCP -> 16;
            case PROTO_UDP -> 6;
            case PROTO_ICMP, PROTO_ICMPV6 -> 2;
            default -> -1;
        };
    }

    /**
     * The checksum of the L4 segment {@code [l4, l4+l4Length)} of protocol {@code proto} (TCP, UDP, ICMP or
     * ICMPv6), computed as if its checksum field were zero, with {@code pseudo} (from
     * {@link #pseudoHeaderV4} or {@link #pseudoHeaderV6}; pass 0 for ICMPv4, which has none) added in. A
     * UDP result of 0 is returned as 0xFFFF (RFC 768: 0 means "no checksum").
     */
    public static int l4(Packet p, int l4, int l4Length, int proto, long pseudo) {
        int at = checksumOffset(proto);
        if (at < 0) {
            throw new IllegalArgumentException("IP protocol " + proto + " has no checksum known here; allowed 1, 6, 17, 58");
        }
        long s = pseudo + sum(p, l4, l4Length) - p.u16(l4 + at);
        int c = finish(s);
        return proto == PROTO_UDP && c == 0 ? 0xFFFF : c;
    }

    /** {@link #l4(Packet, int, int, int, long)} for a segment in {@code b}. */
    public static int l4(byte[] b, int l4, int l4Length, int proto, long pseudo) {
        int at = checksumOffset(proto);
        if (at < 0) {
            throw new IllegalArgumentException("IP protocol " + proto + " has no checksum known here; allowed 1, 6, 17, 58");
        }
        long s = pseudo + sum(b, l4, l4Length) - u16(b, l4 + at);
        int c = finish(s);
        return proto == PROTO_UDP && c == 0 ? 0xFFFF : c;
    }

    /**
     * Whether the L4 segment carries a correct checksum: its sum with the pseudo-header folds to 0xFFFF.
     * (A UDP-over-IPv4 checksum of 0, "none", is not special-cased here.)
     */
    public static boolean l4Valid(Packet p, int l4, int l4Length, long pseudo) {
        return fold(pseudo + sum(p, l4, l4Length)) == 0xFFFF;
    }

    // ---- RFC 1624 incremental updates ------------------------------------------------------------------

    /**
     * The checksum after a 16-bit word covered by {@code checksum} changed from {@code oldWord} to
     * {@code newWord} (RFC 1624 eqn. 3).
     */
    public static int update16(int checksum, int oldWord, int newWord) {
        long s = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        return ~fold(s) & 0xFFFF;
    }

    /** The checksum after a 32-bit value (an IPv4 address, two ports) changed. */
    public static int update32(int checksum, int oldValue, int newValue) {
        long s = (~checksum & 0xFFFF)
                + (~oldValue >>> 16 & 0xFFFF) + (~oldValue & 0xFFFF)
                + (newValue >>> 16 & 0xFFFF) + (newValue & 0xFFFF);
        return ~fold(s) & 0xFFFF;
    }

    /** The checksum after a 64-bit value (half an IPv6 address) changed. */
    public static int update64(int checksum, long oldValue, long newValue) {
        long s = (~checksum & 0xFFFF) + halves(~oldValue) + halves(newValue);
        return ~fold(s) & 0xFFFF;
    }

    /**
     * {@link #update16} for a UDP checksum over IPv4: a stored 0 ("no checksum") stays 0, and a result of 0
     * is stored as 0xFFFF.
     */
    public static int updateUdp16(int checksum, int oldWord, int newWord) {
        if (checksum == 0) {
            return 0;
        }
        int c = update16(checksum, oldWord, newWord);
        return c == 0 ? 0xFFFF : c;
    }

    /** {@link #update32} with the UDP-over-IPv4 rules of {@link #updateUdp16}. */
    public static int updateUdp32(int checksum, int oldValue, int newValue) {
        if (checksum == 0) {
            return 0;
        }
        int c = update32(checksum, oldValue, newValue);
        return c == 0 ? 0xFFFF : c;
    }

    private static long halves(long v) {
        return (v >>> 48) + (v >>> 32 & 0xFFFF) + (v >>> 16 & 0xFFFF) + (v & 0xFFFF);
    }

    private static int u16(byte[] b, int off) {
        return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }
}
