package org.vswitch4j.core.packet;

import java.lang.foreign.MemorySegment;

/**
 * Software fallbacks for checksum and segmentation offloads: what a frame with offload state
 * ({@link Packet#hasOffload()}) needs before it can go to a port that takes only complete, wire-sized frames.
 *
 * <p>Where offload state comes from: a TAP opened with {@code IFF_VNET_HDR} and TSO enabled hands over what the
 * kernel's TCP stack built, a <em>partial checksum</em> (the field holds the pseudo-header sum; the sum of the
 * bytes from {@code csum_start} to the end is still to be added) and often a <em>GSO frame</em>: one TCP segment
 * of up to 64 KB with an MSS ({@code gso_size}), to be cut into MSS-sized segments by whoever puts it on a
 * wire. Passing such frames through untouched to a port that takes them (another TAP with offloads) is where
 * offloads pay: one frame and one system call instead of forty. Every other output gets them finished here,
 * as Linux's {@code skb_gso_segment} and Open vSwitch's userspace TSO fallback do.
 *
 * <p>Segmentation, per segment {@code k} of {@link #segmentCount}: the Ethernet, IP and TCP headers are copied,
 * then payload bytes {@code [k × gso_size, (k+1) × gso_size)}; IPv4 total length, identification (+k) and
 * header checksum, or IPv6 payload length, are rewritten; the TCP sequence number advances by
 * {@code k × gso_size}; FIN and PSH stay only on the last segment and CWR only on the first; the TCP checksum is
 * computed whole. Supported: TCP over IPv4 (no fragments) and IPv6 (no extension headers), behind up to two VLAN
 * tags. {@link #valid} says whether a frame's offload state fits it; a port checks that on receive and counts
 * what does not.
 *
 * <p>Cost: a segment is one buffer allocation and two copies (headers, payload slice) plus the checksum sum
 * over it. No Java allocation.
 *
 * <p>Thread-safety: stateless.
 */
public final class Offloads {
    private static final int ETH_IPV4 = 0x0800;
    private static final int ETH_IPV6 = 0x86DD;
    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;

    private Offloads() {
    }

    /**
     * Whether the frame's offload state fits the frame: no state at all; a partial checksum whose field lies
     * inside the frame after an Ethernet header; or a GSO frame that is TCP over IPv4 or IPv6 as its type says,
     * with the checksum starting at the TCP header and the whole TCP header inside the frame.
     */
    public static boolean valid(Packet p) {
        int cs = p.csumStart();
        if (cs == Packet.ABSENT) {
            return true;
        }
        if (cs < 14 || p.csumOffset() + 2 > p.length() - cs) {
            return false;
        }
        return p.gsoType() == Packet.GSO_NONE || tcpHeaderEnd(p) > 0;
    }

    /** How many frames the frame becomes on a wire: 1 unless it is a GSO frame. */
    public static int segmentCount(Packet p) {
        if (p.gsoType() == Packet.GSO_NONE) {
            return 1;
        }
        int hdrEnd = tcpHeaderEnd(p);
        if (hdrEnd < 0) {
            return 1;
        }
        int payload = p.length() - hdrEnd;
        return payload <= p.gsoSize() ? 1 : (payload + p.gsoSize() - 1) / p.gsoSize();
    }

    /**
     * The length of the longest frame the frame becomes on a wire: its length, or for a GSO frame the headers
     * plus one {@code gso_size} of payload. This is what MTU rules compare.
     */
    public static int wireLength(Packet p) {
        if (p.gsoType() == Packet.GSO_NONE) {
            return p.length();
        }
        int hdrEnd = tcpHeaderEnd(p);
        if (hdrEnd < 0) {
            return p.length();
        }
        return hdrEnd + Math.min(p.gsoSize(), p.length() - hdrEnd);
    }

    /**
     * Completes a partial checksum in place and clears the offload state. Returns false, changing nothing, for a
     * GSO frame (it needs {@link #segment}) or state that does not fit the frame; true for a frame without state.
     */
    public static boolean completeChecksum(Packet p) {
        int cs = p.csumStart();
        if (cs == Packet.ABSENT) {
            return true;
        }
        if (p.gsoType() != Packet.GSO_NONE || !valid(p)) {
            return false;
        }
        int end = ipEnd(p);
        int field = cs + p.csumOffset();
        if (field + 2 > end) {
            return false;
        }
        // The field holds the pseudo-header sum: summing the coverage with it in gives the whole checksum.
        int c = Checksums.finish(Checksums.sum(p, cs, end - cs));
        if (c == 0 && p.csumOffset() == 6) {
            c = 0xFFFF; // UDP: a computed 0 is sent as all ones, 0 means "no checksum" (RFC 768)
        }
        p.u16(field, c);
        p.clearOffload();
        return true;
    }

    /**
     * Writes wire frame {@code k} (0 ≤ k < {@link #segmentCount}) of {@code src} into a fresh buffer of
     * {@code memory}, bound to {@code to}, with complete checksums and no offload state; for a frame that is no
     * GSO frame, segment 0 is a copy with its checksum completed. {@code src} is left as it is. Returns false
     * (and leaves {@code to} unbound) when {@code memory} has no free buffer large enough or the offload state
     * does not fit the frame.
     *
     * @throws IllegalArgumentException for {@code k} outside 0..segmentCount-1
     */
    public static boolean segment(Packet src, int k, PacketMemory memory, Packet to) {
        int segs = segmentCount(src);
        if (k < 0 || k >= segs) {
            throw new IllegalArgumentException("segment " + k + " is outside 0.." + (segs - 1));
        }
        if (src.gsoType() == Packet.GSO_NONE) {
            if (!src.copyTo(memory, to)) {
                return false;
            }
            if (!completeChecksum(to)) {
                to.release();
                return false;
            }
            return true;
        }
        int hdrEnd = tcpHeaderEnd(src);
        if (hdrEnd < 0) {
            return false;
        }
        int mss = src.gsoSize();
        int from = hdrEnd + k * mss;
        int segLen = Math.min(mss, src.length() - from);
        int flen = hdrEnd + segLen;
        long h = memory.allocate();
        if (h < 0) {
            return false;
        }
        int off = Math.min(src.dataOffset(), memory.bufferSize() - flen);
        if (off < 0) {
            memory.release(h);
            return false;
        }
        to.bind(memory, h, off, flen);
        MemorySegment.copy(src.region(), src.address(), to.region(), to.address(), hdrEnd);
        MemorySegment.copy(src.region(), src.address() + from, to.region(), to.address() + hdrEnd, segLen);
        to.inPort(src.inPort());
        to.l3Offset(src.l3Offset());
        to.l4Offset(src.l4Offset());
        long ips = src.tunnelIps();
        to.tunnel(src.tunnelId(), (int) (ips >>> 32), (int) ips);

        int cs = src.csumStart();
        int l3 = l3(src);
        int tcpLen = flen - cs;
        long pseudo;
        if (src.gsoType() == Packet.GSO_TCP4) {
            to.u16(l3 + 2, flen - l3);
            to.u16(l3 + 4, src.u16(l3 + 4) + k); // u16 stores the low 16 bits: the identification wraps
            Checksums.fixIpv4Header(to, l3);
            pseudo = Checksums.pseudoHeaderV4(to.i32(l3 + 12), to.i32(l3 + 16), Checksums.PROTO_TCP, tcpLen);
        } else {
            to.u16(l3 + 4, flen - l3 - 40);
            pseudo = Checksums.pseudoHeaderV6(to, l3, Checksums.PROTO_TCP, tcpLen);
        }
        to.u32(cs + 4, src.u32(cs + 4) + (long) k * mss);
        int flags = src.u8(cs + 13);
        if (k != segs - 1) {
            flags &= ~(TCP_FIN | TCP_PSH);
        }
        if (k != 0) {
            flags &= ~TCP_CWR;
        }
        to.u8(cs + 13, flags);
        to.u16(cs + 16, Checksums.l4(to, cs, tcpLen, Checksums.PROTO_TCP, pseudo));
        return true;
    }

    // ---- header walking -------------------------------------------------------------------------------

    /** Offset of the IP header behind up to two VLAN tags, or -1 when the frame carries neither IPv4 nor IPv6. */
    private static int l3(Packet p) {
        int len = p.length();
        if (len < 14) {
            return -1;
        }
        int off = 12;
        int et = p.u16(off);
        for (int tags = 0; tags < 2 && (et == 0x8100 || et == 0x88A8) && off + 6 <= len; tags++) {
            off += 4;
            et = p.u16(off);
        }
        return et == ETH_IPV4 || et == ETH_IPV6 ? off + 2 : -1;
    }

    /**
     * Where a partial checksum's coverage ends: the IP packet's end by its length field when the frame is IP
     * and that lies inside it (Ethernet padding is not covered), else the frame's end.
     */
    private static int ipEnd(Packet p) {
        int len = p.length();
        int l3 = l3(p);
        if (l3 < 0) {
            return len;
        }
        boolean v4 = p.u16(l3 - 2) == ETH_IPV4;
        if (l3 + (v4 ? 20 : 40) > len) {
            return len;
        }
        int end = v4 ? l3 + p.u16(l3 + 2) : l3 + 40 + p.u16(l3 + 4);
        return end > len || end <= p.csumStart() ? len : end;
    }

    /**
     * For a GSO frame: the offset just past its TCP header, after checking that the frame is what its GSO type
     * says (IPv4 without fragmentation or IPv6 without extension headers, carrying TCP, the checksum starting
     * at the TCP header, the TCP header inside the frame); -1 when it is not.
     */
    private static int tcpHeaderEnd(Packet p) {
        int l3 = l3(p);
        int len = p.length();
        int cs = p.csumStart();
        if (l3 < 0 || p.csumOffset() != 16) {
            return -1;
        }
        int et = p.u16(l3 - 2);
        if (p.gsoType() == Packet.GSO_TCP4) {
            if (et != ETH_IPV4 || l3 + 20 > len) {
                return -1;
            }
            int vihl = p.u8(l3);
            int ihl = (vihl & 0x0F) << 2;
            if (vihl >>> 4 != 4 || ihl < 20 || cs != l3 + ihl || p.u8(l3 + 9) != Checksums.PROTO_TCP
                    || (p.u16(l3 + 6) & 0x3FFF) != 0) {
                return -1;
            }
        } else if (p.gsoType() == Packet.GSO_TCP6) {
            if (et != ETH_IPV6 || l3 + 40 > len || p.u8(l3) >>> 4 != 6 || cs != l3 + 40
                    || p.u8(l3 + 6) != Checksums.PROTO_TCP) {
                return -1;
            }
        } else {
            return -1;
        }
        if (cs + 20 > len) {
            return -1;
        }
        int end = cs + ((p.u8(cs + 12) >>> 4) << 2);
        return end < cs + 20 || end > len ? -1 : end;
    }
}
