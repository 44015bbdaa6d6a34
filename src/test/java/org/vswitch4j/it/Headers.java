package org.vswitch4j.it;

import java.util.ArrayList;
import java.util.List;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;

/**
 * The headers a datapath action can change, as a packet would carry them out of a port: what the Open vSwitch
 * agreement test compares at every output, and the frame's length. Mutable; {@link #toString} is the comparison.
 */
final class Headers {
    long ethSrc;
    long ethDst;
    /** Outermost first: {tpid, tci}. */
    final List<int[]> vlans = new ArrayList<>();
    boolean ipv4;
    boolean l4;
    int ipSrc;
    int ipDst;
    int tos;
    int ttl;
    int tpSrc;
    int tpDst;
    /** The frame's length in bytes (check_pkt_len decides by it; not part of {@link #toString}). */
    int len;

    /** An independent copy (a check_pkt_len branch runs on one). */
    Headers copy() {
        Headers h = new Headers();
        h.ethSrc = ethSrc;
        h.ethDst = ethDst;
        for (int[] v : vlans) {
            h.vlans.add(v.clone());
        }
        h.ipv4 = ipv4;
        h.l4 = l4;
        h.ipSrc = ipSrc;
        h.ipDst = ipDst;
        h.tos = tos;
        h.ttl = ttl;
        h.tpSrc = tpSrc;
        h.tpDst = tpDst;
        h.len = len;
        return h;
    }

    /**
     * What is left of these headers in the first {@code n} bytes (a trunc): a copy with the length cut and the
     * headers that no longer fit dropped, as {@link #parse} reads such a frame.
     */
    Headers cut(long n) {
        Headers h = copy();
        if (n >= len) {
            return h;
        }
        h.len = (int) n;
        int off = 12;
        int tags = 0;
        while (tags < vlans.size() && off + 4 <= n) {
            tags++;
            off += 4;
        }
        boolean tagsCut = tags < vlans.size();
        while (h.vlans.size() > tags) {
            h.vlans.removeLast();
        }
        int ip = off + 2;
        if (tagsCut || ip + 20 > n) {
            h.ipv4 = false;
            h.l4 = false;
        } else if (ip + 20 + 4 > n) {
            h.l4 = false;
        }
        return h;
    }

    /** A VLAN tag pushed: outermost, 4 bytes longer. */
    void pushVlan(int tpid, int tci) {
        vlans.addFirst(new int[] {tpid, tci});
        len += 4;
    }

    /** The outermost tag popped, if there is one. */
    void popVlan() {
        if (!vlans.isEmpty()) {
            vlans.removeFirst();
            len -= 4;
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append("eth(").append(mac(ethSrc)).append('>').append(mac(ethDst)).append(')');
        for (int[] v : vlans) {
            b.append(String.format(" vlan(0x%04x,vid=%d,pcp=%d)", v[0], v[1] & 0xfff, v[1] >>> 13));
        }
        if (ipv4) {
            b.append(" ipv4(").append(ip(ipSrc)).append('>').append(ip(ipDst)).append(",tos=").append(tos)
                    .append(",ttl=").append(ttl).append(')');
        }
        if (l4) {
            b.append(" l4(").append(tpSrc).append('>').append(tpDst).append(')');
        }
        return b.append(" len=").append(len).toString();
    }

    /**
     * The headers of a frame as it left a port: what {@link PacketSpec#headers} and the actions would give, read
     * back from the bytes (802.1Q and 802.1ad tags; IPv4; TCP and UDP ports of a first or only fragment).
     */
    static Headers parse(Packet f) {
        Headers h = new Headers();
        h.len = f.length();
        h.ethDst = (long) f.u16(0) << 32 | f.u32(2);
        h.ethSrc = (long) f.u16(6) << 32 | f.u32(8);
        int off = 12;
        int type = f.u16(off);
        while ((type == 0x8100 || type == 0x88a8) && off + 4 <= f.length()) {
            h.vlans.add(new int[] {type, f.u16(off + 2)});
            off += 4;
            type = off + 2 <= f.length() ? f.u16(off) : 0;
        }
        int ip = off + 2;
        if (type == 0x0800 && ip + 20 <= f.length()) {
            h.ipv4 = true;
            h.tos = f.u8(ip + 1);
            h.ttl = f.u8(ip + 8);
            h.ipSrc = (int) f.u32(ip + 12);
            h.ipDst = (int) f.u32(ip + 16);
            int proto = f.u8(ip + 9);
            int l4 = ip + 4 * (f.u8(ip) & 0xf);
            if ((proto == 6 || proto == 17) && (f.u16(ip + 6) & 0x1fff) == 0 && l4 + 4 <= f.length()) {
                h.l4 = true;
                h.tpSrc = f.u16(l4);
                h.tpDst = f.u16(l4 + 2);
            }
        }
        return h;
    }

    static String mac(long m) {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", (m >>> 40) & 0xff, (m >>> 32) & 0xff, (m >>> 24) & 0xff,
                (m >>> 16) & 0xff, (m >>> 8) & 0xff, m & 0xff);
    }

    static String ip(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }

    static long parseMac(String s) {
        return FrameBuilder.mac(s);
    }

    static int parseIp(String s) {
        return FrameBuilder.ipv4(s);
    }
}
