package org.vswitch4j.core.packet;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The builder's bytes, checked field by field against the header layouts (the parser test and tshark
 * check them from the other side).
 */
class FrameBuilderTest {
    private static final String A = "02:00:00:00:00:0a";
    private static final String B = "02:00:00:00:00:0b";

    private static int u16(byte[] f, int o) {
        return ((f[o] & 0xff) << 8) | (f[o + 1] & 0xff);
    }

    @Test
    void parsesAddressLiterals() {
        assertEquals(0x020000000001L, FrameBuilder.mac("02:00:00:00:00:01"));
        assertEquals(0xffffffffffffL, FrameBuilder.mac("FF-FF-FF-FF-FF-FF"));
        assertEquals(0xc0000201, FrameBuilder.ipv4("192.0.2.1"));
        assertArrayEquals(HexFormat.of().parseHex("20010db8000000000000000000000001"), FrameBuilder.ipv6("2001:db8::1"));
    }

    @Test
    void badLiteralsAndValuesSayWhatIsAllowed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FrameBuilder.mac("02:00:00"))
                .getMessage().contains("six hex bytes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FrameBuilder.ipv4("2001:db8::1"))
                .getMessage().contains("IPv4"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FrameBuilder.ipv6("example.org"))
                .getMessage().contains("IPv6"));
        assertEquals("VLAN id 4096 is outside 0..4095", assertThrows(IllegalArgumentException.class,
                () -> FrameBuilder.ethernet(A, B).vlan(4096)).getMessage());
        assertTrue(assertThrows(IllegalStateException.class, () -> FrameBuilder.ethernet(A, B).ttl(3))
                .getMessage().contains("needs a preceding Ip"));
    }

    @Test
    void ethernetVlanAndIpv4UdpHaveTheirFieldsAndLengths() {
        byte[] f = FrameBuilder.ethernet(A, B).vlan(0x88a8, 3, 1, 100).vlan(10).ipv4("192.0.2.1", "192.0.2.2")
                .tos(46, 1).ttl(7).ipId(0x1234).df().udp(1000, 53).payload(5).build();
        assertEquals(14 + 8 + 20 + 8 + 5, f.length);
        assertEquals(FrameBuilder.mac(B), (((long) u16(f, 0)) << 32) | ((long) u16(f, 2) << 16) | u16(f, 4));
        assertEquals(0x88a8, u16(f, 12));
        assertEquals((3 << 13) | (1 << 12) | 100, u16(f, 14));
        assertEquals(0x8100, u16(f, 16));
        assertEquals(10, u16(f, 18));
        assertEquals(0x0800, u16(f, 20));
        int ip = 22;
        assertEquals(0x45, f[ip] & 0xff);
        assertEquals((46 << 2) | 1, f[ip + 1] & 0xff);
        assertEquals(20 + 8 + 5, u16(f, ip + 2));
        assertEquals(0x1234, u16(f, ip + 4));
        assertEquals(0x4000, u16(f, ip + 6));
        assertEquals(7, f[ip + 8]);
        assertEquals(17, f[ip + 9]);
        Packet p = HeapFrames.wrap(f);
        assertTrue(Checksums.ipv4HeaderValid(p, ip));
        int udp = ip + 20;
        assertEquals(1000, u16(f, udp));
        assertEquals(53, u16(f, udp + 2));
        assertEquals(13, u16(f, udp + 4));
        long pseudo = Checksums.pseudoHeaderV4(0xc0000201, 0xc0000202, 17, 13);
        assertTrue(Checksums.l4Valid(p, udp, 13, pseudo));
    }

    @Test
    void ipv6ChainGetsNextHeadersPayloadLengthAndIcmpv6Checksum() {
        byte[] f = FrameBuilder.ethernet(A, B).ipv6("2001:db8::1", "2001:db8::2").flowLabel(0xabcde).hopByHop()
                .routing(4, 1, 1).fragment6(0, true, 9).icmp6Echo(1, 2).build();
        int ip = 14;
        assertEquals(0x86dd, u16(f, 12));
        assertEquals(0x6000_0000 | 0xabcde, ((u16(f, ip) << 16) | u16(f, ip + 2)));
        int ext = 8 + 16 + 8;
        assertEquals(ext + 8, u16(f, ip + 4));
        assertEquals(0, f[ip + 6]);              // hop-by-hop follows
        assertEquals(43, f[ip + 40]);            // routing follows hop-by-hop
        assertEquals(44, f[ip + 48]);            // fragment follows routing
        assertEquals(1, f[ip + 49]);             // routing Hdr Ext Len
        assertEquals(58, f[ip + 64]);            // ICMPv6 follows the fragment header
        assertEquals(1, u16(f, ip + 66) & 1);    // M flag
        int icmp = ip + 40 + ext;
        assertEquals(128, f[icmp] & 0xff);
        Packet p = HeapFrames.wrap(f);
        assertTrue(Checksums.l4Valid(p, icmp, 8, Checksums.pseudoHeaderV6(p, ip, 58, 8)));
    }

    @Test
    void tcpAndNdHaveValidChecksums() {
        byte[] t = FrameBuilder.ethernet(A, B).ipv6("2001:db8::1", "2001:db8::2").tcp(80, 443, 0x012)
                .tcpOptions(new byte[] {2, 4, 5, (byte) 0xb4}).payload(3).build();
        Packet p = HeapFrames.wrap(t);
        assertEquals(6, (u16(t, 14 + 40 + 12) >>> 12));
        assertEquals(0x012, u16(t, 14 + 40 + 12) & 0xfff);
        assertTrue(Checksums.l4Valid(p, 54, 27, Checksums.pseudoHeaderV6(p, 14, 6, 27)));
        byte[] nd = FrameBuilder.ethernet(A, B).ipv6("2001:db8::1", "ff02::1:ff00:2").ndNs("2001:db8::2")
                .sll(FrameBuilder.mac(A)).build();
        Packet q = HeapFrames.wrap(nd);
        assertEquals(24 + 8, u16(nd, 18));
        assertEquals(1, nd[54 + 24]);
        assertEquals(1, nd[54 + 25]);
        assertTrue(Checksums.l4Valid(q, 54, 32, Checksums.pseudoHeaderV6(q, 14, 58, 32)));
    }

    @Test
    void breakersBreakWhatTheySay() {
        byte[] ok = FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).build();
        byte[] bad = FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").ihl(3).totalLength(999)
                .badIpChecksum().udp(1, 2).badL4Checksum().padTo(60).truncate(50).build();
        assertEquals(50, bad.length);
        assertEquals(0x43, bad[14] & 0xff);
        assertEquals(999, u16(bad, 16));
        assertNotEquals(u16(ok, 24), u16(bad, 24));
        assertNotEquals(u16(ok, 40), u16(bad, 40));
        assertEquals(0, bad[49]);  // padding
    }

    @Test
    void writesIntoAPacketFromAPool() {
        try (BufferPool pool = BufferPool.builder().count(4).strict(true).build()) {
            Packet p = new Packet();
            assertTrue(FrameBuilder.ethernet(A, B).arp(1, A, "192.0.2.1", B, "192.0.2.2").writeTo(pool, p));
            assertEquals(42, p.length());
            assertEquals(0x0806, p.u16(12));
            assertEquals(1, p.u16(20));
            p.release();
        }
    }
}
