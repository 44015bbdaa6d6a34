package org.vswitch4j.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.Checksums;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;

/** Encap against decap, over random tunnels and inner frames, plus the frames decap must refuse. */
class TunnelCodecTest {
    static final long BASE = seed();

    static long seed() {
        String s = System.getProperty("vs4j.seed", "");
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return ThreadLocalRandom.current().nextLong();
        }
    }

    static String replay(long seed) {
        return " [base seed " + BASE + ", case seed " + seed + "; replay with -Dvs4j.seed=" + BASE + "]";
    }

    private final BufferPool pool = BufferPool.builder().bufferSize(4096).headroom(256).count(64).strict(true).build();

    @AfterEach
    void noLeaks() {
        assertEquals(0, pool.usedCount(), "buffers leaked");
    }

    static Stream<Long> seeds() {
        return LongStream.range(0, 400).mapToObj(i -> BASE + i * 0x9E3779B97F4A7C15L);
    }

    Packet packet(byte[] frame) {
        Packet p = new Packet().bindEmpty(pool, pool.allocate());
        p.length(frame.length);
        p.write(0, frame, 0, frame.length);
        return p;
    }

    static byte[] innerFrame(Random r) {
        FrameBuilder b = FrameBuilder.ethernet(r.nextLong() & 0xfeff_ffff_ffffL, r.nextLong() & 0xffff_ffff_ffffL);
        switch (r.nextInt(3)) {
            case 0 -> b.ipv4(r.nextInt(), r.nextInt()).tos(r.nextInt(64), r.nextInt(4)).ttl(1 + r.nextInt(255))
                    .udp(r.nextInt(65536), r.nextInt(65536)).payload(r.nextInt(1200));
            case 1 -> b.ipv6("2001:db8::1", "2001:db8::2").hopLimit(1 + r.nextInt(255)).udp(1, 2).payload(r.nextInt(900));
            default -> b.ethType(0x88b5).payload(46 + r.nextInt(200));
        }
        return b.build();
    }

    static TunnelConfig randomConfig(Random r, TunnelType type, boolean v6) throws Exception {
        TunnelConfig.Builder b = TunnelConfig.builder(type)
                .remote(InetAddress.getByName(v6 ? "2001:db8::99" : "192.0.2.99"))
                .local(InetAddress.getByName(v6 ? "2001:db8::1" : "192.0.2.1"))
                .key(r.nextLong(type.maxKey() + 1))
                .tos(r.nextBoolean() ? -1 : r.nextInt(256)).ttl(r.nextBoolean() ? -1 : 1 + r.nextInt(255))
                .dfDefault(r.nextBoolean()).csum(r.nextBoolean());
        if (type == TunnelType.GRE) {
            b.seq(r.nextBoolean());
        } else if (r.nextBoolean()) {
            b.dstPort(1 + r.nextInt(65535));
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seeds")
    void decapOfEncapGivesTheInnerFrameAndKeyBack(long seed) throws Exception {
        Random r = new Random(seed);
        TunnelType type = TunnelType.values()[r.nextInt(3)];
        boolean v6 = r.nextBoolean();
        TunnelConfig cfg = randomConfig(r, type, v6);
        TunnelEncap h = new TunnelEncap(cfg, cfg.remote().getAddress(), cfg.key(), 0x0200_0000_0001L, 0x0200_0000_0002L);
        byte[] inner = innerFrame(r);
        Packet p = packet(inner);
        String why = type + (v6 ? " v6 " : " v4 ") + cfg + replay(seed);
        assertTrue(h.push(p), why);
        assertEquals(inner.length + h.length(), p.length(), why);
        int ipHdr = v6 ? 40 : 20;
        int l4 = 14 + ipHdr;
        int ipLen = p.length() - 14;
        assertEquals(v6 ? 0x86dd : 0x0800, p.u16(12), why);
        int innerType = inner.length >= 14 ? ((inner[12] & 0xff) << 8 | (inner[13] & 0xff)) : 0;
        int expectTtl = cfg.ttl() >= 0 ? cfg.ttl() : innerType == 0x0800 ? inner[22] & 0xff : innerType == 0x86dd ? inner[21] & 0xff : 64;
        int expectTos = cfg.tos() >= 0 ? cfg.tos() : innerType == 0x0800 ? inner[15] & 0xff
                : innerType == 0x86dd ? (((inner[14] & 0xff) << 8 | (inner[15] & 0xff)) >>> 4) & 0xff : 0;
        if (v6) {
            assertEquals(ipLen - 40, p.u16(14 + 4), why);
            assertEquals(expectTtl, p.u8(14 + 7), why);
            assertEquals(expectTos, (p.u16(14) >>> 4) & 0xff, why);
        } else {
            assertTrue(Checksums.ipv4HeaderValid(p, 14), "IPv4 header checksum " + why);
            assertEquals(ipLen, p.u16(16), why);
            assertEquals(expectTtl, p.u8(22), why);
            assertEquals(expectTos, p.u8(15), why);
            assertEquals(cfg.dfDefault(), (p.u16(20) & 0x4000) != 0, "DF " + why);
        }
        if (type.udp()) {
            assertEquals(17, p.u8(v6 ? 14 + 6 : 14 + 9), why);
            assertEquals(cfg.dstPort(), p.u16(l4 + 2), why);
            assertTrue(p.u16(l4) >= 49152, "entropy source port in the dynamic range " + why);
            assertEquals(ipLen - ipHdr, p.u16(l4 + 4), why);
            if (cfg.csum() || v6) {
                long pseudo = v6 ? Checksums.pseudoHeaderV6(p, 14, 17, ipLen - ipHdr)
                        : Checksums.pseudoHeaderV4(p.i32(26), p.i32(30), 17, ipLen - ipHdr);
                assertTrue(Checksums.l4Valid(p, l4, ipLen - ipHdr, pseudo), "UDP checksum " + why);
            } else {
                assertEquals(0, p.u16(l4 + 6), "no UDP checksum asked for " + why);
            }
            assertTrue(p.adjustHead(-(l4 + 8)));
        } else {
            assertEquals(47, p.u8(v6 ? 14 + 6 : 14 + 9), why);
            assertTrue(p.adjustHead(-l4));
        }
        long key = TunnelDecap.decap(type, p);
        assertEquals(cfg.key(), key, "key " + why);
        assertArrayEquals(inner, p.toByteArray(), "inner frame " + why);
        p.release();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seeds")
    void oneInnerFlowGetsOneSourcePort(long seed) throws Exception {
        Random r = new Random(seed);
        TunnelConfig cfg = randomConfig(r, TunnelType.VXLAN, false);
        TunnelEncap h = new TunnelEncap(cfg, cfg.remote().getAddress(), cfg.key(), 1, 2);
        byte[] a = FrameBuilder.ethernet(1, 2).ipv4(r.nextInt(), r.nextInt()).udp(1000, 2000).payload(r.nextInt(100)).build();
        byte[] b = a.clone();
        b[b.length - 1] ^= 1; // same headers, other payload
        Packet pa = packet(a);
        Packet pb = packet(b);
        assertTrue(h.push(pa) && h.push(pb));
        assertEquals(pa.u16(34), pb.u16(34), "same flow, same source port" + replay(seed));
        pa.release();
        pb.release();
    }

    @Test
    void flowsSpreadOverSourcePorts() throws Exception {
        TunnelConfig cfg = TunnelConfig.builder(TunnelType.VXLAN).remote(InetAddress.getByName("192.0.2.2")).build();
        TunnelEncap h = new TunnelEncap(cfg, cfg.remote().getAddress(), 0, 1, 2);
        java.util.Set<Integer> ports = new java.util.HashSet<>();
        for (int i = 0; i < 64; i++) {
            Packet p = packet(FrameBuilder.ethernet(1, 2).ipv4(0xc0000201, 0xc0000202).udp(10000 + i, 53).payload(10).build());
            assertTrue(h.push(p));
            ports.add(p.u16(34));
            p.release();
        }
        assertTrue(ports.size() > 48, "64 flows should get nearly 64 source ports, got " + ports.size());
    }

    @Test
    void innerFrameOverTheUnderlayMtuIsRefusedAndLeftAlone() throws Exception {
        TunnelConfig cfg = TunnelConfig.builder(TunnelType.VXLAN).remote(InetAddress.getByName("192.0.2.2")).build();
        TunnelEncap h = new TunnelEncap(cfg, cfg.remote().getAddress(), 7, 1, 2);
        assertEquals(1500 - 20 - 8 - 8, h.maxInnerFrame());
        byte[] fits = FrameBuilder.ethernet(1, 2).ethType(0x88b5).payload(h.maxInnerFrame() - 14).build();
        byte[] over = FrameBuilder.ethernet(1, 2).ethType(0x88b5).payload(h.maxInnerFrame() - 13).build();
        Packet a = packet(fits);
        Packet b = packet(over);
        assertTrue(h.push(a));
        assertEquals(1514, a.length());
        assertFalse(h.push(b));
        assertArrayEquals(over, b.toByteArray());
        a.release();
        b.release();
    }

    // ---- what decap refuses ----

    long decap(TunnelType t, byte[] header, int innerLength) {
        byte[] f = new byte[header.length + innerLength];
        System.arraycopy(header, 0, f, 0, header.length);
        Packet p = packet(f);
        try {
            long k = TunnelDecap.decap(t, p);
            if (k < 0) {
                assertEquals(f.length, p.length(), "a refused frame is left as it was");
            }
            return k;
        } finally {
            p.release();
        }
    }

    static byte[] hex(String s) {
        return java.util.HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void vxlanWithTheIFlagClearIsRefused() {
        assertEquals(42, decap(TunnelType.VXLAN, hex("08000000 00002a00"), 60));
        assertEquals(TunnelDecap.Error.BAD_FLAGS.code(), decap(TunnelType.VXLAN, hex("00000000 00002a00"), 60));
        assertEquals(42, decap(TunnelType.VXLAN, hex("88ffffff 00002aff"), 60), "reserved bits are ignored");
    }

    @Test
    void truncatedHeadersAreRefused() {
        assertEquals(TunnelDecap.Error.BAD_LENGTH.code(), decap(TunnelType.VXLAN, hex("08000000 00002a00"), 13));
        assertEquals(TunnelDecap.Error.BAD_LENGTH.code(), decap(TunnelType.GENEVE, hex("02006558 00002a00"), 14));
        assertEquals(TunnelDecap.Error.BAD_LENGTH.code(), decap(TunnelType.GRE, hex("20006558"), 14));
    }

    @Test
    void genevePoliciesFollowRfc8926() {
        assertEquals(5, decap(TunnelType.GENEVE, hex("00006558 00000500"), 60));
        assertEquals(TunnelDecap.Error.BAD_FLAGS.code(), decap(TunnelType.GENEVE, hex("40006558 00000500"), 60), "version 1");
        assertEquals(TunnelDecap.Error.BAD_FLAGS.code(), decap(TunnelType.GENEVE, hex("00806558 00000500"), 60), "control packet");
        assertEquals(TunnelDecap.Error.BAD_PROTOCOL.code(), decap(TunnelType.GENEVE, hex("00000800 00000500"), 60));
        // One non-critical option of 4 bytes of data: accepted and stripped.
        assertEquals(5, decap(TunnelType.GENEVE, hex("02006558 00000500 01020301 aabbccdd"), 60));
        // The same option with the critical bit in its type: refused.
        assertEquals(TunnelDecap.Error.CRITICAL_OPTION.code(), decap(TunnelType.GENEVE, hex("02006558 00000500 01028301 aabbccdd"), 60));
        // The C bit alone decides nothing: every option is parsed (as Open vSwitch). An option whose length overruns
        // the option area: refused.
        assertEquals(5, decap(TunnelType.GENEVE, hex("02406558 00000500 01020301 aabbccdd"), 60));
        assertEquals(TunnelDecap.Error.BAD_LENGTH.code(), decap(TunnelType.GENEVE, hex("02006558 00000500 01020302 aabbccdd"), 60));
    }

    @Test
    void greRefusesOtherVersionsRoutingOtherProtocolsAndBadChecksums() {
        assertEquals(0, decap(TunnelType.GRE, hex("00006558"), 60));
        assertEquals(0x01020304L, decap(TunnelType.GRE, hex("20006558 01020304"), 60));
        assertEquals(0x01020304L, decap(TunnelType.GRE, hex("30006558 01020304 00000007"), 60), "sequence accepted");
        assertEquals(TunnelDecap.Error.BAD_FLAGS.code(), decap(TunnelType.GRE, hex("00016558"), 60));
        assertEquals(TunnelDecap.Error.BAD_FLAGS.code(), decap(TunnelType.GRE, hex("40006558"), 60));
        assertEquals(TunnelDecap.Error.BAD_PROTOCOL.code(), decap(TunnelType.GRE, hex("00000800"), 60));
        // C bit with a checksum that does not match (zero over non-zero data: the inner bytes are zero, the header not).
        assertEquals(TunnelDecap.Error.BAD_CHECKSUM.code(), decap(TunnelType.GRE, hex("80006558 12340000"), 60));
        // The right checksum: ~(0x8000 + 0x6558) folded.
        int sum = Checksums.finish(0x8000 + 0x6558);
        assertEquals(0, decap(TunnelType.GRE, hex(String.format("80006558 %04x0000", sum)), 60));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seeds")
    void randomBytesNeverThrowAndRefusalsLeaveTheFrame(long seed) {
        Random r = new Random(seed);
        byte[] f = new byte[r.nextInt(80)];
        r.nextBytes(f);
        for (TunnelType t : TunnelType.values()) {
            Packet p = packet(f);
            long k = TunnelDecap.decap(t, p);
            if (k < 0) {
                assertArrayEquals(f, p.toByteArray(), t + replay(seed));
            } else {
                assertTrue(p.length() >= 14, t + replay(seed));
            }
            p.release();
        }
    }

    @Test
    void mappedGeneveOptionsBecomeTunnelMetadataAndOnlyUnmappedCriticalOnesAreRefused() {
        GeneveTlvMap map = new GeneveTlvMap();
        map.add("{class=0xffff,type=0x80,len=4}->tun_metadata0,{class=0x102,type=1,len=8}->tun_metadata3");
        // A mapped critical option (4 bytes) and a mapped 8-byte one, plus an unmapped non-critical one.
        Packet p = packet(concat(hex("07406558 00000500 ffff8001 00001234 01020102 01020304 05060708 01030201 aabbccdd"),
                new byte[60]));
        try {
            assertEquals(5, TunnelDecap.geneve(p, map));
            assertEquals(0b1001, p.tunnelFlags(), "tun_metadata0 and 3 present");
            assertEquals(0x1234, p.tunnelWord(FlowKey.W_TUN_METADATA));
            assertEquals(0, p.tunnelWord(FlowKey.W_TUN_METADATA + 1));
            assertEquals(0x0102030405060708L, p.tunnelWord(FlowKey.W_TUN_METADATA + 3));
            assertEquals(60, p.length(), "options stripped with the header");
        } finally {
            p.release();
        }
        // The mapped critical option with another length is not understood: refused; a non-critical one ignored.
        assertEquals(TunnelDecap.Error.CRITICAL_OPTION.code(),
                decap(map, hex("03406558 00000500 ffff8002 00001234 00005678"), 60));
        assertEquals(5, decap(map, hex("03006558 00000500 01020002 00001234 00005678"), 60));
        // An unmapped critical option: refused.
        assertEquals(TunnelDecap.Error.CRITICAL_OPTION.code(), decap(map, hex("02406558 00000500 ffff8101 00001234"), 60));
        map.clear();
        assertEquals(TunnelDecap.Error.CRITICAL_OPTION.code(), decap(map, hex("02406558 00000500 ffff8001 00001234"), 60),
                "after clear the option is unmapped again");
    }

    @Test
    void geneveOptionsSurviveEncapThenDecap() throws Exception {
        TunnelConfig cfg = TunnelConfig.builder(TunnelType.GENEVE).local(InetAddress.getByName("198.51.100.1"))
                .remote(InetAddress.getByName("198.51.100.2")).key(7).build();
        byte[] opts = hex("ffff8001 0000abcd");
        TunnelEncap e = new TunnelEncap(cfg, new byte[] {(byte) 198, 51, 100, 2}, 7, 1, 2, opts);
        assertEquals(14 + 20 + 8 + 8 + 8, e.length());
        byte[] tmpl = e.template();
        assertEquals(0x02, tmpl[42], "option length 2 words");
        assertEquals(0x40, tmpl[43], "C: a critical option is present");
        GeneveTlvMap map = new GeneveTlvMap();
        map.add("{class=0xffff,type=0x80,len=4}->tun_metadata2");
        Packet p = packet(new byte[64]);
        try {
            assertTrue(e.push(p));
            assertTrue(p.adjustHead(-(14 + 20 + 8)));
            assertEquals(7, TunnelDecap.geneve(p, map));
            assertEquals(0xabcd, p.tunnelWord(FlowKey.W_TUN_METADATA + 2));
            assertEquals(64, p.length());
        } finally {
            p.release();
        }
        assertThrows(IllegalArgumentException.class, () -> new TunnelEncap(cfg, new byte[4], 7, 1, 2, hex("ffff8002 00000000")),
                "a TLV that overruns the options is refused");
    }

    @Test
    void tlvMapSyntaxAndConflictsAreCheckedAsOvsOfctlDoes() {
        GeneveTlvMap map = new GeneveTlvMap();
        int[] changes = {0};
        map.onChange(() -> changes[0]++);
        map.add("{class=0xffff,type=0x80,len=4}->tun_metadata0");
        assertEquals("[{class=0xffff,type=0x80,len=4}->tun_metadata0]", map.toString());
        assertTrue(map.dump().contains(" 0xffff\t0x80\t4\ttun_metadata0"), map.dump());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> map.add("{class=0x1,type=0x1,len=4}->tun_metadata0"));
        assertTrue(e.getMessage().contains("tun_metadata0 is already mapped"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> map.add("{class=0xffff,type=0x80,len=8}->tun_metadata1"));
        assertTrue(e.getMessage().contains("already mapped"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> map.add("{class=1,type=2,len=12}->tun_metadata1"));
        assertTrue(e.getMessage().contains("4 or 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> map.add("{class=1,type=2,len=4}->tun_metadata4"));
        assertTrue(e.getMessage().contains("tun_metadata0..tun_metadata3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> map.add("{class=1,type=2,size=4}->tun_metadata1"));
        assertTrue(e.getMessage().contains("class, type and len are allowed"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> map.add("{class=1,type=2,len=4}"));
        assertThrows(IllegalArgumentException.class, () -> map.delete("{class=1,type=2,len=4}->tun_metadata0"));
        assertEquals(1, changes[0], "failed changes change nothing");
        map.add("{class=1,type=2,len=8}->tun_metadata1,{class=1,type=3,len=4}->tun_metadata2");
        map.delete("{class=0xffff,type=0x80,len=4}->tun_metadata0");
        assertEquals(2, map.mappings().size());
        assertEquals(3, changes[0]);
    }

    private long decap(GeneveTlvMap map, byte[] hdr, int innerLen) {
        Packet p = packet(concat(hdr, new byte[innerLen]));
        try {
            return TunnelDecap.geneve(p, map);
        } finally {
            p.release();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        return TunnelPortTest.concat(a, b);
    }

    @Test
    void headersShowIpv6AddressesInTheShortFormOvsPrints() {
        assertEquals("::1", TunnelEncap.addr(hex("00000000000000000000000000000001")));
        assertEquals("::", TunnelEncap.addr(new byte[16]));
        assertEquals("2001:db8::1:0:0:1", TunnelEncap.addr(hex("20010db8000000000001000000000001")), "the first longest run");
        assertEquals("2001:db8:0:1:1:1:1:1", TunnelEncap.addr(hex("20010db8000000010001000100010001")), "one zero group stays");
        assertEquals("2001:db8::", TunnelEncap.addr(hex("20010db8000000000000000000000000")));
        assertEquals("198.51.100.2", TunnelEncap.addr(new byte[] {(byte) 198, 51, 100, 2}));
    }

    @Test
    void pmtudAnswersAnOverMtuIpv4FrameWithDfWithFragmentationNeeded() throws Exception {
        TunnelConfig cfg = TunnelConfig.builder(TunnelType.VXLAN).local(InetAddress.getByName("198.51.100.1"))
                .remote(InetAddress.getByName("198.51.100.2")).key(9).underlayMtu(1000).pmtud(true).build();
        PmtuReplies replies = new PmtuReplies(pool);
        TunnelEncap e = new TunnelEncap(cfg, new byte[] {(byte) 198, 51, 100, 2}, 9, 1, 2, new byte[0], replies);
        int mtu = 1000 - 20 - 8 - 8 - 14; // the inner IP packet that fits: 950
        byte[] big = FrameBuilder.ethernet(0x0200_0000_000aL, 0x0200_0000_000bL).ipv4("192.0.2.1", "192.0.2.2").df()
                .udp(1000, 2000).payload(mtu - 28 + 1).build();
        byte[] noDf = FrameBuilder.ethernet(0x0200_0000_000aL, 0x0200_0000_000bL).ipv4("192.0.2.1", "192.0.2.2")
                .udp(1000, 2000).payload(mtu - 28 + 1).build();
        byte[] fits = FrameBuilder.ethernet(0x0200_0000_000aL, 0x0200_0000_000bL).ipv4("192.0.2.1", "192.0.2.2").df()
                .udp(1000, 2000).payload(mtu - 28).build();
        for (byte[] f : new byte[][] {big, noDf, fits}) {
            Packet p = packet(f);
            boolean pushed = e.push(p);
            assertEquals(f == fits, pushed, "only the frame that fits is pushed");
            p.release();
        }
        org.vswitch4j.core.packet.PacketBatch b = new org.vswitch4j.core.packet.PacketBatch();
        assertEquals(1, replies.drain(b), "one reply: the DF frame; none without DF");
        Packet r = b.get(0);
        try {
            assertEquals(0x0200_0000_000aL, r.mac(0), "back to the sender's MAC");
            assertEquals(0x0200_0000_000bL, r.mac(6));
            assertEquals(0xc000_0202L, r.u32(26), "from the inner destination");
            assertEquals(0xc000_0201L, r.u32(30), "to the sender");
            assertTrue(Checksums.ipv4HeaderValid(r, 14));
            assertEquals(3, r.u8(34), "destination unreachable");
            assertEquals(4, r.u8(35), "fragmentation needed and DF set");
            assertEquals(mtu, r.u16(40), "next-hop MTU (RFC 1191)");
            assertEquals(0, Checksums.checksum(r, 34, r.length() - 34), "ICMP checksum");
            assertEquals(14 + 20 + 8 + 28, r.length(), "quotes the IP header and 8 bytes");
            byte[] quoted = java.util.Arrays.copyOfRange(r.toByteArray(), 42, 70);
            assertArrayEquals(java.util.Arrays.copyOfRange(big, 14, 42), quoted);
            assertEquals(9, r.tunnelId(), "delivered as from the tunnel");
            assertEquals(0xc633_6402L, r.tunnelIps() >>> 32);
        } finally {
            b.releaseAll();
        }
        assertEquals(1, replies.sent());
    }
}
