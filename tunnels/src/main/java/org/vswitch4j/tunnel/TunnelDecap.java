package org.vswitch4j.tunnel;

import org.vswitch4j.core.packet.Checksums;
import org.vswitch4j.core.packet.Packet;

/**
 * Validates and strips a tunnel header: the receive half of {@link TunnelEncap}. The frame must start at the
 * tunnel header (the UDP payload for VXLAN and Geneve, the GRE header for GRE); on success the header is
 * stripped in place ({@link Packet#adjustHead}, no copy), the inner Ethernet frame is left, and the key is
 * returned; on failure the frame is left as it was and a negative {@link Error} code is returned. Allocation-free,
 * for the poll thread.
 *
 * <p>What is refused, and why:
 * <ul>
 * <li>VXLAN: the I flag clear (the VNI is not valid, RFC 7348 section 5), or a frame shorter than the header plus an
 *     Ethernet header. Reserved bits are ignored on receipt, as the RFC says.</li>
 * <li>Geneve: a version other than 0; the O bit (a control packet, not for the datapath); options longer than the
 *     frame or TLVs that overrun their area; a critical option (TLV type with its high bit) that the
 *     {@link GeneveTlvMap} does not map, which RFC 8926 section 3.5 says a receiver that does not process it must
 *     drop; a protocol other than Ethernet (0x6558). Mapped options set their tun_metadata field
 *     ({@link Packet#tunnelOption}); other non-critical ones are ignored. Every option is parsed, so the header's
 *     C bit (a hint for receivers that do not parse them) decides nothing.</li>
 * <li>GRE: a version other than 0, the routing bit (RFC 1701 source routes, obsoleted), a protocol other than
 *     0x6558, a bad checksum when the C bit is set. The sequence number is accepted and not checked (RFC 2890 lets
 *     a receiver ignore it).</li>
 * </ul>
 */
public final class TunnelDecap {
    /** Why a header was refused; {@link #code()} is what the decoders return. */
    public enum Error {
        /** Shorter than its header (with options) plus an Ethernet header. */
        BAD_LENGTH,
        /** Flags or version not allowed (VXLAN I flag clear; Geneve version, O bit; GRE version, routing). */
        BAD_FLAGS,
        /** Not Ethernet inside (Geneve or GRE protocol other than 0x6558). */
        BAD_PROTOCOL,
        /** GRE checksum wrong. */
        BAD_CHECKSUM,
        /** A critical Geneve option the TLV map does not map (with its length). */
        CRITICAL_OPTION,
        /** A key (VNI, GRE key) the port is not configured for (counted by the port). */
        UNKNOWN_KEY,
        /** An outer source other than the port's fixed IPv4 {@code remote_ip}, as Open vSwitch (counted by the port). */
        UNKNOWN_REMOTE;

        /** The negative code a decoder returns. */
        public long code() {
            return -1L - ordinal();
        }

        /** The error for a negative code. */
        public static Error of(long code) {
            return values()[(int) (-1L - code)];
        }

        /** The counter name, lower case. */
        public String counterName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final int ETH = 14;

    private TunnelDecap() {
    }

    /** Decodes for {@code type} with no Geneve option mapped; see the class comment. */
    public static long decap(TunnelType type, Packet p) {
        return decap(type, p, null);
    }

    /** Decodes for {@code type}, Geneve options as {@code tlvMap} maps them (null: none mapped). */
    public static long decap(TunnelType type, Packet p, GeneveTlvMap tlvMap) {
        return switch (type) {
            case VXLAN -> vxlan(p);
            case GENEVE -> geneve(p, tlvMap);
            case GRE -> gre(p);
        };
    }

    /** VXLAN: returns the VNI, or a negative {@link Error} code. */
    public static long vxlan(Packet p) {
        if (p.length() < TunnelEncap.VXLAN + ETH) {
            return Error.BAD_LENGTH.code();
        }
        if ((p.u8(0) & 0x08) == 0) {
            return Error.BAD_FLAGS.code();
        }
        long vni = p.u32(4) >>> 8;
        p.adjustHead(-TunnelEncap.VXLAN);
        return vni;
    }

    /** Geneve with no option mapped: returns the VNI, or a negative {@link Error} code. */
    public static long geneve(Packet p) {
        return geneve(p, null);
    }

    /** Geneve: returns the VNI, or a negative {@link Error} code; mapped options go into {@code p}'s tunnel metadata. */
    public static long geneve(Packet p, GeneveTlvMap tlvMap) {
        int len = p.length();
        if (len < TunnelEncap.GENEVE + ETH) {
            return Error.BAD_LENGTH.code();
        }
        int b0 = p.u8(0);
        int b1 = p.u8(1);
        if ((b0 >>> 6) != 0 || (b1 & 0x80) != 0) {
            return Error.BAD_FLAGS.code();
        }
        int optLen = (b0 & 0x3f) * 4;
        int hdr = TunnelEncap.GENEVE + optLen;
        if (len < hdr + ETH) {
            return Error.BAD_LENGTH.code();
        }
        if (p.u16(2) != TunnelEncap.ETHERTYPE_TEB) {
            return Error.BAD_PROTOCOL.code();
        }
        // Walk the TLVs: class(16) type(8) R(3) length(5, in 4-byte words, after the 4-byte option header).
        // Two passes: validate every TLV first, so that a refused frame gets no metadata; then store the mapped ones.
        GeneveTlvMap.Table t = tlvMap == null || optLen == 0 ? GeneveTlvMap.Table.EMPTY : tlvMap.table();
        boolean anyMapped = false;
        for (int o = TunnelEncap.GENEVE; o < hdr; ) {
            if (o + 4 > hdr) {
                return Error.BAD_LENGTH.code();
            }
            int optType = p.u8(o + 2);
            int bytes = 4 * (p.u8(o + 3) & 0x1f);
            if (o + 4 + bytes > hdr) {
                return Error.BAD_LENGTH.code();
            }
            int i = t.find(p.u16(o) << 8 | optType);
            if (i >= 0 && t.lengths[i] == bytes) {
                anyMapped = true;
            } else if ((optType & 0x80) != 0) {
                return Error.CRITICAL_OPTION.code(); // as Open vSwitch: a length mismatch is not understood either
            }
            o += 4 + bytes;
        }
        for (int o = TunnelEncap.GENEVE; anyMapped && o < hdr; o += 4 + 4 * (p.u8(o + 3) & 0x1f)) {
            int i = t.find(p.u16(o) << 8 | p.u8(o + 2));
            int bytes = 4 * (p.u8(o + 3) & 0x1f);
            if (i >= 0 && t.lengths[i] == bytes) {
                p.tunnelOption(t.fields[i], bytes == 4 ? p.u32(o + 4) : p.u32(o + 4) << 32 | p.u32(o + 8));
            }
        }
        long vni = p.u32(4) >>> 8;
        p.adjustHead(-hdr);
        return vni;
    }

    /** GRE carrying Ethernet: returns the key (0 without a key field), or a negative {@link Error} code. */
    public static long gre(Packet p) {
        int len = p.length();
        if (len < 4 + ETH) {
            return Error.BAD_LENGTH.code();
        }
        int flags = p.u16(0);
        if ((flags & 0x7) != 0 || (flags & 0x4000) != 0) {
            return Error.BAD_FLAGS.code(); // version 0 only; no routing (RFC 2784 obsoletes it)
        }
        if (p.u16(2) != TunnelEncap.ETHERTYPE_TEB) {
            return Error.BAD_PROTOCOL.code();
        }
        boolean c = (flags & 0x8000) != 0;
        boolean k = (flags & 0x2000) != 0;
        boolean s = (flags & 0x1000) != 0;
        int hdr = 4 + (c ? 4 : 0) + (k ? 4 : 0) + (s ? 4 : 0);
        if (len < hdr + ETH) {
            return Error.BAD_LENGTH.code();
        }
        if (c && Checksums.fold(Checksums.sum(p, 0, len)) != 0xffff) {
            return Error.BAD_CHECKSUM.code();
        }
        long key = k ? p.u32(4 + (c ? 4 : 0)) : 0;
        p.adjustHead(-hdr);
        return key;
    }
}
