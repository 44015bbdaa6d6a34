package org.vswitch4j.core.packet;

import java.util.HexFormat;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChecksumsTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void rfc1071NumericalExampleSumsToDdf2() {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 0x2ddf0, folds to 0xddf2.
        byte[] b = hex("0001 f203 f4f5 f6f7");
        assertEquals(0x2ddf0L, Checksums.sum(b, 0, b.length));
        assertEquals(0xddf2, Checksums.fold(Checksums.sum(b, 0, b.length)));
        assertEquals(0x220d, Checksums.checksum(b, 0, b.length));
        assertEquals(0x220d, Checksums.checksum(HeapFrames.wrap(b), 0, b.length));
    }

    @Test
    void oddLengthPadsTheLastByteWithZero() {
        byte[] b = hex("01 02 03");
        // 0x0102 + 0x0300 = 0x0402
        assertEquals(0x0402L, Checksums.sum(b, 0, 3));
        assertEquals(0xfbfd, Checksums.checksum(b, 0, 3));
        assertEquals(0xfbfd, Checksums.checksum(HeapFrames.wrap(b), 0, 3));
    }

    @Test
    void ipv4HeaderChecksumMatchesTheWellKnownExample() {
        // 45 00 00 73 00 00 40 00 40 11 [b8 61] c0 a8 00 01 c0 a8 00 c7: checksum 0xb861.
        byte[] h = hex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
        assertEquals(0xb861, Checksums.ipv4Header(h, 0));
        Packet p = HeapFrames.wrap(h);
        assertEquals(0xb861, Checksums.ipv4Header(p, 0));
        // The stored field is ignored when computing, and makes the header valid once stored.
        p.u16(10, 0x1234);
        assertEquals(0xb861, Checksums.ipv4Header(p, 0));
        Checksums.fixIpv4Header(p, 0);
        assertEquals(0xb861, p.u16(10));
        assertTrue(Checksums.ipv4HeaderValid(p, 0));
    }

    @Test
    void udpOverIpv4ChecksumMatchesHandComputation() {
        // 192.0.2.1:1000 -> 192.0.2.2:2000, no payload. Pseudo-header c000+0201+c000+0202+0011+0008 = 0x1841c;
        // UDP header 03e8+07d0+0008+0000 = 0x0bc0; total 0x18fdc -> 0x8fdd -> checksum 0x7022.
        byte[] u = hex("03e8 07d0 0008 0000");
        long pseudo = Checksums.pseudoHeaderV4(0xc0000201, 0xc0000202, 17, 8);
        assertEquals(0x1841cL, pseudo);
        assertEquals(0x7022, Checksums.l4(u, 0, 8, Checksums.PROTO_UDP, pseudo));
        Packet p = HeapFrames.wrap(u);
        assertEquals(0x7022, Checksums.l4(p, 0, 8, Checksums.PROTO_UDP, pseudo));
        p.u16(6, 0x7022);
        assertTrue(Checksums.l4Valid(p, 0, 8, pseudo));
    }

    @Test
    void ipv6PseudoHeaderSumsAddressesLengthAndNextHeader() {
        byte[] ip6 = new byte[40];
        byte[] src = FrameBuilder.ipv6("2001:db8::1");
        byte[] dst = FrameBuilder.ipv6("2001:db8::2");
        System.arraycopy(src, 0, ip6, 8, 16);
        System.arraycopy(dst, 0, ip6, 24, 16);
        // (2001+0db8+0001) + (2001+0db8+0002) + 003a + 0020 = 0x2dba + 0x2dbb + 0x5a = 0x5bcf
        assertEquals(0x5bcf, Checksums.fold(Checksums.pseudoHeaderV6(ip6, 0, 58, 32)));
        assertEquals(0x5bcf, Checksums.fold(Checksums.pseudoHeaderV6(HeapFrames.wrap(ip6), 0, 58, 32)));
        assertEquals(0x5bcf, Checksums.fold(
                Checksums.pseudoHeaderV6(0x20010db800000000L, 1L, 0x20010db800000000L, 2L, 58, 32)));
    }

    @Test
    void rfc1624ExampleGivesZeroNotFfff() {
        // RFC 1624 section 4: HC 0xdd2f, m 0x5555 -> m' 0x3285; eqn. 3 gives 0x0000.
        assertEquals(0x0000, Checksums.update16(0xdd2f, 0x5555, 0x3285));
    }

    @Test
    void udpIncrementalUpdateKeepsAbsentChecksumAndNeverStoresZero() {
        assertEquals(0, Checksums.updateUdp16(0, 0x1111, 0x2222));
        assertEquals(0, Checksums.updateUdp32(0, 0x11112222, 0x33334444));
        assertEquals(0xffff, Checksums.updateUdp16(0xdd2f, 0x5555, 0x3285));
    }

    static LongStream seeds() {
        Random r = new Random(TestSeeds.base());
        return LongStream.generate(r::nextLong).limit(50);
    }

    @ParameterizedTest(name = "case {index}")
    @MethodSource("seeds")
    void packetAndArraySumsAgreeAtAnyOffsetAndLength(long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[1 + r.nextInt(300)];
        r.nextBytes(b);
        int off = r.nextInt(b.length);
        int len = r.nextInt(b.length - off + 1);
        long naive = 0;
        for (int i = 0; i < len; i += 2) {
            naive += ((b[off + i] & 0xff) << 8) | (i + 1 < len ? b[off + i + 1] & 0xff : 0);
        }
        assertEquals(Checksums.fold(naive), Checksums.fold(Checksums.sum(b, off, len)), "array" + TestSeeds.replay(seed));
        assertEquals(Checksums.fold(naive), Checksums.fold(Checksums.sum(HeapFrames.wrap(b), off, len)),
                "packet" + TestSeeds.replay(seed));
    }

    @ParameterizedTest(name = "case {index}")
    @MethodSource("seeds")
    void incrementalUpdatesEqualRecomputation(long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[40];
        r.nextBytes(b);
        int c = Checksums.checksum(b, 0, b.length);
        // 16-bit word at 6
        int old16 = ((b[6] & 0xff) << 8) | (b[7] & 0xff);
        int new16 = r.nextInt(0x10000);
        b[6] = (byte) (new16 >>> 8);
        b[7] = (byte) new16;
        int c16 = Checksums.update16(c, old16, new16);
        assertTrue(Checksums.fold(Checksums.sum(b, 0, 40) + c16) == 0xffff, "update16 verifies" + TestSeeds.replay(seed));
        // 32-bit value at 12
        int old32 = readInt(b, 12);
        int new32 = r.nextInt();
        writeInt(b, 12, new32);
        int c32 = Checksums.update32(c16, old32, new32);
        assertTrue(Checksums.fold(Checksums.sum(b, 0, 40) + c32) == 0xffff, "update32" + TestSeeds.replay(seed));
        // 64-bit value at 24
        long old64 = ((long) readInt(b, 24) << 32) | Integer.toUnsignedLong(readInt(b, 28));
        long new64 = r.nextLong();
        writeInt(b, 24, (int) (new64 >>> 32));
        writeInt(b, 28, (int) new64);
        int c64 = Checksums.update64(c32, old64, new64);
        assertTrue(Checksums.fold(Checksums.sum(b, 0, 40) + c64) == 0xffff, "update64" + TestSeeds.replay(seed));
    }

    private static int readInt(byte[] b, int o) {
        return ((b[o] & 0xff) << 24) | ((b[o + 1] & 0xff) << 16) | ((b[o + 2] & 0xff) << 8) | (b[o + 3] & 0xff);
    }

    private static void writeInt(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 24);
        b[o + 1] = (byte) (v >>> 16);
        b[o + 2] = (byte) (v >>> 8);
        b[o + 3] = (byte) v;
    }
}
