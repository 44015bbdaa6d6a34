package org.vswitch4j.core.datapath;

import java.nio.ByteBuffer;

/**
 * Small frame builder for datapath tests (Ethernet, up to two VLAN tags, IPv4 with UDP or TCP), with an
 * independent RFC 1071 checksum so tests can verify what the datapath rewrote.
 */
final class Frames {
    static final long MAC_A = 0x02_00_00_00_00_0aL;
    static final long MAC_B = 0x02_00_00_00_00_0bL;

    private Frames() {
    }

    /** An Ethernet frame with {@code ethType} and {@code payloadLen} zero bytes (untagged). */
    static byte[] eth(long dst, long src, int ethType, int payloadLen) {
        ByteBuffer b = ByteBuffer.allocate(14 + payloadLen);
        putMac(b, dst);
        putMac(b, src);
        b.putShort((short) ethType);
        return b.array();
    }

    /** An IPv4/UDP (proto 17) or IPv4/TCP (proto 6) frame with valid checksums, tags as tpid<<16|tci. */
    static byte[] ipv4(long dst, long src, int[] tags, int proto, int ipSrc, int ipDst, int sport, int dport,
                       int payloadLen, boolean udpChecksum) {
        int l4len = (proto == 6 ? 20 : 8) + payloadLen;
        int l3 = 14 + 4 * tags.length;
        ByteBuffer b = ByteBuffer.allocate(l3 + 20 + l4len);
        putMac(b, dst);
        putMac(b, src);
        for (int t : tags) {
            b.putInt(t);
        }
        b.putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0x20).putShort((short) (20 + l4len));
        b.putShort((short) 0x1234).putShort((short) 0x4000);
        b.put((byte) 64).put((byte) proto).putShort((short) 0);
        b.putInt(ipSrc).putInt(ipDst);
        int l4 = b.position();
        b.putShort((short) sport).putShort((short) dport);
        if (proto == 6) {
            b.putInt(1).putInt(0).putShort((short) 0x5018).putShort((short) 8192).putShort((short) 0).putShort((short) 0);
        } else {
            b.putShort((short) l4len).putShort((short) 0);
        }
        for (int i = 0; i < payloadLen; i++) {
            b.put((byte) i);
        }
        byte[] f = b.array();
        int hc = checksum(f, l3, 20, 0);
        f[l3 + 10] = (byte) (hc >>> 8);
        f[l3 + 11] = (byte) hc;
        if (proto == 6 || udpChecksum) {
            int c = checksum(f, l4, l4len, pseudo(f, l3, proto, l4len));
            if (proto == 17 && c == 0) {
                c = 0xffff;
            }
            int off = l4 + (proto == 6 ? 16 : 6);
            f[off] = (byte) (c >>> 8);
            f[off + 1] = (byte) c;
        }
        return f;
    }

    static byte[] udp(int ipSrc, int ipDst, int sport, int dport) {
        return ipv4(MAC_B, MAC_A, new int[0], 17, ipSrc, ipDst, sport, dport, 18, true);
    }

    /** Sum of the IPv4 pseudo-header words. */
    static long pseudo(byte[] f, int l3, int proto, int l4len) {
        return u16(f, l3 + 12) + u16(f, l3 + 14) + u16(f, l3 + 16) + u16(f, l3 + 18) + proto + l4len;
    }

    /** RFC 1071 checksum of {@code f[off, off+len)} plus {@code initial}. */
    static int checksum(byte[] f, int off, int len, long initial) {
        long s = initial;
        for (int i = 0; i + 1 < len; i += 2) {
            s += u16(f, off + i);
        }
        if ((len & 1) != 0) {
            s += (f[off + len - 1] & 0xff) << 8;
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) (~s & 0xffff);
    }

    /** Whether the IPv4 header at {@code l3} and its TCP/UDP checksum verify (a UDP checksum of 0 verifies). */
    static boolean checksumsValid(byte[] f, int l3) {
        int ihl = (f[l3] & 0xf) * 4;
        if (checksum(f, l3, ihl, 0) != 0) {
            return false;
        }
        int proto = f[l3 + 9] & 0xff;
        int total = u16(f, l3 + 2);
        int l4 = l3 + ihl;
        int l4len = total - ihl;
        if (proto == 17 && u16(f, l4 + 6) == 0) {
            return true;
        }
        return checksum(f, l4, l4len, pseudo(f, l3, proto, l4len)) == 0;
    }

    static int u16(byte[] f, int off) {
        return (f[off] & 0xff) << 8 | (f[off + 1] & 0xff);
    }

    static long mac(byte[] f, int off) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = m << 8 | (f[off + i] & 0xff);
        }
        return m;
    }

    private static void putMac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32)).putInt((int) mac);
    }
}
