package org.vswitch4j.testkit;

/**
 * Encodes and reads the frames a {@link VirtualHost} exchanges: Ethernet (optionally 802.1Q-tagged), ARP,
 * IPv4 with ICMP echo and UDP, IPv6 with ICMPv6 echo, neighbour solicitation/advertisement and UDP. Every
 * checksum is computed ({@link org.vswitch4j.core.packet.Checksums}), frames are padded to the 60-byte
 * Ethernet minimum, so capture tools accept them.
 *
 * <p>Slow path (a test's host): allocates freely. Thread-safety: stateless.
 */
final class HostFrames {
    static final int ETH_ARP = 0x0806;
    static final int ETH_IPV4 = 0x0800;
    static final int ETH_IPV6 = 0x86dd;
    static final int TPID_8021Q = 0x8100;
    static final int TPID_8021AD = 0x88a8;
    static final int MIN_FRAME = 60;

    private HostFrames() {
    }

    /** Ethernet header (+ 802.1Q tag when {@code vlan > 0}) around {@code payload}, padded to 60 bytes. */
    static byte[] ethernet(long dst, long src, int vlan, int ethType, byte[] payload) {
        int hdr = vlan > 0 ? 18 : 14;
        byte[] f = new byte[Math.max(MIN_FRAME, hdr + payload.length)];
        putMac(f, 0, dst);
        putMac(f, 6, src);
        if (vlan > 0) {
            put16(f, 12, TPID_8021Q);
            put16(f, 14, vlan & 0xfff);
            put16(f, 16, ethType);
        } else {
            put16(f, 12, ethType);
        }
        System.arraycopy(payload, 0, f, hdr, payload.length);
        return f;
    }

    /** An ARP packet (RFC 826) for Ethernet and IPv4. */
    static byte[] arp(int op, long sha, int spa, long tha, int tpa) {
        byte[] a = new byte[28];
        put16(a, 0, 1);
        put16(a, 2, ETH_IPV4);
        a[4] = 6;
        a[5] = 4;
        put16(a, 6, op);
        putMac(a, 8, sha);
        put32(a, 14, spa);
        putMac(a, 18, tha);
        put32(a, 24, tpa);
        return a;
    }

    /** An IPv4 packet (no options, TTL 64, DF clear) around {@code l4}, header checksum set. */
    static byte[] ipv4(int src, int dst, int proto, int id, byte[] l4) {
        byte[] p = new byte[20 + l4.length];
        p[0] = 0x45;
        put16(p, 2, p.length);
        put16(p, 4, id);
        p[8] = 64;
        p[9] = (byte) proto;
        put32(p, 12, src);
        put32(p, 16, dst);
        put16(p, 10, org.vswitch4j.core.packet.Checksums.ipv4Header(p, 0));
        System.arraycopy(l4, 0, p, 20, l4.length);
        return p;
    }

    /** An ICMP echo request (8) or reply (0) with checksum. */
    static byte[] icmpEcho(int type, int id, int seq, byte[] data) {
        byte[] m = new byte[8 + data.length];
        m[0] = (byte) type;
        put16(m, 4, id);
        put16(m, 6, seq);
        System.arraycopy(data, 0, m, 8, data.length);
        put16(m, 2, org.vswitch4j.core.packet.Checksums.checksum(m, 0, m.length));
        return m;
    }

    /** A UDP datagram over IPv4 with its checksum (pseudo-header included). */
    static byte[] udp4(int src, int dst, int sport, int dport, byte[] payload) {
        byte[] u = udpHeader(sport, dport, payload);
        long pseudo = org.vswitch4j.core.packet.Checksums.pseudoHeaderV4(src, dst, 17, u.length);
        put16(u, 6, org.vswitch4j.core.packet.Checksums.l4(u, 0, u.length, 17, pseudo));
        return u;
    }

    private static byte[] udpHeader(int sport, int dport, byte[] payload) {
        byte[] u = new byte[8 + payload.length];
        put16(u, 0, sport);
        put16(u, 2, dport);
        put16(u, 4, u.length);
        System.arraycopy(payload, 0, u, 8, payload.length);
        return u;
    }

    /**
     * An IPv6 packet around an upper-layer message whose checksum field is at {@code csumAt} (UDP 6,
     * ICMPv6 2); the checksum over the pseudo-header is filled in.
     */
    static byte[] ipv6(byte[] src, byte[] dst, int nextHeader, int hopLimit, byte[] l4, int csumAt) {
        byte[] p = new byte[40 + l4.length];
        p[0] = 0x60;
        put16(p, 4, l4.length);
        p[6] = (byte) nextHeader;
        p[7] = (byte) hopLimit;
        System.arraycopy(src, 0, p, 8, 16);
        System.arraycopy(dst, 0, p, 24, 16);
        System.arraycopy(l4, 0, p, 40, l4.length);
        long pseudo = org.vswitch4j.core.packet.Checksums.pseudoHeaderV6(p, 0, nextHeader, l4.length);
        put16(p, 40 + csumAt, org.vswitch4j.core.packet.Checksums.l4(p, 40, l4.length, nextHeader, pseudo));
        return p;
    }

    /** An ICMPv6 message without checksum (filled by {@link #ipv6}). */
    static byte[] icmp6(int type, int code, byte[] body) {
        byte[] m = new byte[4 + body.length];
        m[0] = (byte) type;
        m[1] = (byte) code;
        System.arraycopy(body, 0, m, 4, body.length);
        return m;
    }

    /** UDP header and payload for IPv6 (checksum filled by {@link #ipv6}). */
    static byte[] udp6(int sport, int dport, byte[] payload) {
        return udpHeader(sport, dport, payload);
    }

    /** Body of an echo message: identifier, sequence, data. */
    static byte[] echoBody(int id, int seq, byte[] data) {
        byte[] b = new byte[4 + data.length];
        put16(b, 0, id);
        put16(b, 2, seq);
        System.arraycopy(data, 0, b, 4, data.length);
        return b;
    }

    /**
     * Body of a neighbour solicitation (RFC 4861 4.3) or advertisement (4.4): flags word, target, and a
     * link-layer address option of type {@code optType} (1 source, 2 target).
     */
    static byte[] ndBody(int flags, byte[] target, int optType, long lladdr) {
        byte[] b = new byte[4 + 16 + 8];
        put32(b, 0, flags);
        System.arraycopy(target, 0, b, 4, 16);
        b[20] = (byte) optType;
        b[21] = 1; // length in units of 8 bytes
        putMac(b, 22, lladdr);
        return b;
    }

    /** The solicited-node multicast address ff02::1:ffXX:XXXX of {@code addr} (RFC 4291 2.7.1). */
    static byte[] solicitedNode(byte[] addr) {
        byte[] s = new byte[16];
        s[0] = (byte) 0xff;
        s[1] = 0x02;
        s[11] = 0x01;
        s[12] = (byte) 0xff;
        s[13] = addr[13];
        s[14] = addr[14];
        s[15] = addr[15];
        return s;
    }

    /** The Ethernet multicast address 33:33:xx:xx:xx:xx of an IPv6 multicast address (RFC 2464 7). */
    static long ipv6MulticastMac(byte[] group) {
        return 0x3333_0000_0000L | (get32(group, 12) & 0xffff_ffffL);
    }

    // ---- byte access (big-endian) ----

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static void put32(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static void putMac(byte[] b, int off, long mac) {
        for (int i = 0; i < 6; i++) {
            b[off + i] = (byte) (mac >>> (40 - 8 * i));
        }
    }

    static int get16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    static int get32(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    static long getMac(byte[] b, int off) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = (m << 8) | (b[off + i] & 0xff);
        }
        return m;
    }
}
