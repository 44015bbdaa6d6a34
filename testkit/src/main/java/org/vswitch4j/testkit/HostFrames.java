package org.vswitch4j.testkit;

/**
 * What a {@link VirtualHost} needs besides {@link org.vswitch4j.core.packet.FrameBuilder} (which encodes its
 * frames with every checksum): constants, big-endian reads of received frames, and the IPv6 multicast
 * addresses neighbour discovery uses.
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
