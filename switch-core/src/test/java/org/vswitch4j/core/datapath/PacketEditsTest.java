package org.vswitch4j.core.datapath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowParser;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.Checksums;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.time.VirtualClock;

/**
 * VLAN push/pop and set-field through the datapath: the bytes that leave, checked against frames built
 * independently, and checksums verified by recomputing them from scratch.
 */
class PacketEditsTest {
    private static final int TCP = 6;
    private static final int UDP = 17;

    private BufferPool pool;
    private Datapath dp;
    private TestPort in;
    private TestPort out;
    private boolean used;

    @BeforeEach
    void setUp() {
        pool = BufferPool.builder().count(256).strict(true).build();
        dp = Datapath.builder().clock(new VirtualClock()).memory(pool).build();
        in = new TestPort("in", pool);
        out = new TestPort("out", pool);
    }

    @AfterEach
    void noLeaks() {
        dp.close();
        assertEquals(0, pool.usedCount());
        pool.close();
    }

    /** Sends {@code frame} through a datapath whose only decision is {@code actions} then output 2. */
    private byte[] through(byte[] frame, DatapathActions.Builder actions) {
        if (used) { // a fresh datapath per frame: tests send several
            dp.close();
            dp = Datapath.builder().clock(new VirtualClock()).memory(pool).build();
            in = new TestPort("in", pool);
            out = new TestPort("out", pool);
        }
        used = true;
        DatapathActions a = actions.output(2).build();
        dp.addPort(in, (key, mask, tx) -> a);
        dp.addPort(out, (key, mask, tx) -> DatapathActions.DROP);
        in.inject(frame);
        dp.poll();
        List<byte[]> sent = out.drain();
        assertEquals(1, sent.size());
        return sent.get(0);
    }

    private static byte[] udp(int[] tags, boolean checksum) {
        return Frames.ipv4(Frames.MAC_B, Frames.MAC_A, tags, UDP, 0x0a000001, 0x0a000002, 1111, 53, 21, checksum);
    }

    private static byte[] tcp(int[] tags) {
        return Frames.ipv4(Frames.MAC_B, Frames.MAC_A, tags, TCP, 0x0a000001, 0x0a000002, 40000, 80, 13, false);
    }

    @Test
    void pushVlanInsertsAnOuterTagBeforeTheEtherType() {
        byte[] f = through(udp(new int[0], true), DatapathActions.builder().pushVlan(0x8100, 5 << 13 | 10));
        assertArrayEquals(udp(new int[] {0x8100_0000 | 5 << 13 | 10}, true), f);
    }

    @Test
    void pushingTwiceGivesQinQWithTheLastPushOutermost() {
        byte[] f = through(udp(new int[0], true),
                DatapathActions.builder().pushVlan(0x8100, 10).pushVlan(0x88a8, 100));
        assertArrayEquals(udp(new int[] {0x88a8_0000 | 100, 0x8100_0000 | 10}, true), f);
    }

    @Test
    void popVlanRemovesTheOuterTag() {
        byte[] f = through(udp(new int[] {0x88a8_0064, 0x8100_000a}, true), DatapathActions.builder().popVlan());
        assertArrayEquals(udp(new int[] {0x8100_000a}, true), f);
    }

    @Test
    void popOnAnUntaggedFrameChangesNothing() {
        byte[] f0 = udp(new int[0], true);
        assertArrayEquals(f0, through(f0, DatapathActions.builder().popVlan()));
    }

    @Test
    void pushThenSetFieldKeepsTheL3OffsetRight() {
        // After push the IPv4 header moved 4 bytes further from the frame start; set-field must follow it.
        byte[] f = through(udp(new int[0], true),
                DatapathActions.builder().pushVlan(0x8100, 7).setField(FlowField.IPV4_DST, 0xc0a80101L));
        byte[] expected = Frames.ipv4(Frames.MAC_B, Frames.MAC_A, new int[] {0x8100_0007}, UDP, 0x0a000001,
                0xc0a80101, 1111, 53, 21, true);
        assertArrayEquals(expected, f);
        assertTrue(Frames.checksumsValid(f, 18));
    }

    @Test
    void pushWithoutHeadroomMovesThePayloadInstead() {
        try (BufferPool noHeadroom = BufferPool.builder().count(4).headroom(0).strict(true).build()) {
            long h = noHeadroom.allocate();
            Packet p = new Packet().bindEmpty(noHeadroom, h);
            byte[] f0 = udp(new int[0], true);
            p.write(0, f0, 0, f0.length);
            p.length(f0.length);
            FlowParser.parse(p, new FlowKey());
            assertTrue(PacketEdits.pushVlan(p, 0x8100, 3));
            assertEquals(18, p.l3Offset());
            assertArrayEquals(udp(new int[] {0x8100_0003}, true), p.toByteArray());
            p.release();
        }
    }

    @Test
    void setEthernetAddressesAndVlanFields() {
        byte[] f = through(udp(new int[] {0x8100_0000 | 3 << 13 | 10}, true), DatapathActions.builder()
                .setField(FlowField.ETH_SRC, 0x02_11_22_33_44_55L)
                .setField(FlowField.ETH_DST, 0x02_66_77_88_99_aaL)
                .setField(FlowField.VLAN0_VID, 20)
                .setField(FlowField.VLAN0_PCP, 6));
        byte[] expected = Frames.ipv4(0x02_66_77_88_99_aaL, 0x02_11_22_33_44_55L,
                new int[] {0x8100_0000 | 6 << 13 | 20}, UDP, 0x0a000001, 0x0a000002, 1111, 53, 21, true);
        assertArrayEquals(expected, f);
    }

    @Test
    void setIpv4AddressesUpdatesHeaderAndUdpChecksums() {
        byte[] f = through(udp(new int[0], true), DatapathActions.builder()
                .setField(FlowField.IPV4_SRC, 0xc0a80001L).setField(FlowField.IPV4_DST, 0xac100002L));
        assertArrayEquals(Frames.ipv4(Frames.MAC_B, Frames.MAC_A, new int[0], UDP, 0xc0a80001, 0xac100002,
                1111, 53, 21, true), f);
        assertTrue(Frames.checksumsValid(f, 14));
    }

    @Test
    void setIpv4AddressesUpdatesTheTcpChecksum() {
        byte[] f = through(tcp(new int[0]), DatapathActions.builder().setField(FlowField.IPV4_SRC, 0x01020304L));
        assertTrue(Frames.checksumsValid(f, 14));
        assertArrayEquals(Frames.ipv4(Frames.MAC_B, Frames.MAC_A, new int[0], TCP, 0x01020304, 0x0a000002,
                40000, 80, 13, false), f);
    }

    @Test
    void aZeroUdpChecksumStaysZero() {
        byte[] f = through(udp(new int[0], false), DatapathActions.builder()
                .setField(FlowField.IPV4_DST, 0x08080808L).setField(FlowField.TP_DST, 5353));
        assertEquals(0, Frames.u16(f, 14 + 20 + 6));
        assertTrue(Frames.checksumsValid(f, 14));
        assertEquals(5353, Frames.u16(f, 14 + 20 + 2));
    }

    @Test
    void setPortsUpdatesTheL4Checksum() {
        byte[] f = through(tcp(new int[] {0x8100_0001}), DatapathActions.builder()
                .setField(FlowField.TP_SRC, 1).setField(FlowField.TP_DST, 65535));
        assertTrue(Frames.checksumsValid(f, 18));
        assertArrayEquals(Frames.ipv4(Frames.MAC_B, Frames.MAC_A, new int[] {0x8100_0001}, TCP, 0x0a000001,
                0x0a000002, 1, 65535, 13, false), f);
    }

    @Test
    void setTtlTosDscpAndEcnUpdateTheHeaderChecksum() {
        byte[] f = through(udp(new int[0], true), DatapathActions.builder()
                .setField(FlowField.IP_TTL, 1).setField(FlowField.IP_DSCP, 46).setField(FlowField.IP_ECN, 1));
        assertEquals(1, f[14 + 8] & 0xff);
        assertEquals(46 << 2 | 1, f[14 + 1] & 0xff);
        assertTrue(Frames.checksumsValid(f, 14));
    }

    @Test
    void setFieldOnAFrameWithoutThatHeaderLeavesItAlone() {
        byte[] arp = Frames.eth(-1L & 0xffff_ffff_ffffL, Frames.MAC_A, 0x0806, 28);
        byte[] f = through(arp, DatapathActions.builder()
                .setField(FlowField.IPV4_SRC, 1).setField(FlowField.TP_SRC, 1).setField(FlowField.VLAN0_VID, 3));
        assertArrayEquals(arp, f);
    }

    @Test
    void setFieldOnATruncatedHeaderWritesNothingOutsideTheFrame() {
        byte[] cut = Arrays.copyOf(tcp(new int[0]), 14 + 20 + 10); // TCP header cut: malformed
        byte[] f = through(cut, DatapathActions.builder().setField(FlowField.TP_DST, 9)
                .setField(FlowField.IPV4_DST, 0x01010101L));
        assertEquals(cut.length, f.length);
        assertEquals(80, Frames.u16(f, 14 + 20 + 2), "no L4 header parsed: ports left alone");
    }

    @Test
    void theMultiOutputSnapshotIsTakenAtTheOutput() {
        // output(3) before the push sends the untagged frame; the last output sends the tagged one.
        TestPort third = new TestPort("third", pool);
        DatapathActions a = DatapathActions.builder().output(3).pushVlan(0x8100, 9).output(2).build();
        dp.addPort(in, (key, mask, tx) -> a);
        dp.addPort(out, (key, mask, tx) -> DatapathActions.DROP);
        dp.addPort(third, (key, mask, tx) -> DatapathActions.DROP);
        byte[] f0 = udp(new int[0], true);
        in.inject(f0);
        dp.poll();
        assertArrayEquals(f0, third.drain().get(0));
        assertArrayEquals(udp(new int[] {0x8100_0009}, true), out.drain().get(0));
    }

    // ---- IPv6, ICMP, SCTP, ARP (expected frames are built afresh by FrameBuilder, whose checksums are
    // computed from scratch: byte equality checks the incremental updates) --------------------------------

    private static final String S6 = "2001:db8::1";
    private static final String D6 = "2001:db8:0:1::2";
    private static final String S6B = "fd00:1234:5678::abcd";
    private static final String D6B = "2001:db8:ffff:ffff::9";

    private static FrameBuilder eth() {
        return FrameBuilder.ethernet(Frames.MAC_A, Frames.MAC_B);
    }

    private static long hi(String v6) {
        return ByteBuffer.wrap(FrameBuilder.ipv6(v6)).getLong(0);
    }

    private static long lo(String v6) {
        return ByteBuffer.wrap(FrameBuilder.ipv6(v6)).getLong(8);
    }

    private static DatapathActions.Builder setV6(String src, String dst) {
        return DatapathActions.builder().setField(FlowField.IPV6_SRC, hi(src), lo(src))
                .setField(FlowField.IPV6_DST, hi(dst), lo(dst));
    }

    /** Independent check: the L4 checksum over IPv6 recomputed from scratch equals the stored one. */
    private static void assertV6L4Checksum(byte[] f, int l4, int proto) {
        int len = f.length - l4;
        int stored = Frames.u16(f, l4 + Checksums.checksumOffset(proto));
        assertEquals(Checksums.l4(f, l4, len, proto, Checksums.pseudoHeaderV6(f, 14, proto, len)), stored);
    }

    @Test
    void setIpv6AddressesUpdatesTheTcpChecksum() {
        byte[] f = through(eth().ipv6(S6, D6).tcp(40000, 80).payload(33).build(), setV6(S6B, D6B));
        assertArrayEquals(eth().ipv6(S6B, D6B).tcp(40000, 80).payload(33).build(), f);
        assertV6L4Checksum(f, 54, TCP);
    }

    @Test
    void setIpv6AddressesUpdatesTheUdpAndIcmpv6Checksums() {
        byte[] u = through(eth().ipv6(S6, D6).udp(1000, 53).payload(7).build(), setV6(S6B, D6B));
        assertArrayEquals(eth().ipv6(S6B, D6B).udp(1000, 53).payload(7).build(), u);
        assertV6L4Checksum(u, 54, UDP);
        byte[] i = through(eth().ipv6(S6, D6).icmp6Echo(7, 9).payload(5).build(), setV6(S6B, D6B));
        assertArrayEquals(eth().ipv6(S6B, D6B).icmp6Echo(7, 9).payload(5).build(), i);
        assertV6L4Checksum(i, 54, 58);
    }

    @Test
    void setIpv6AddressesLeavesIcmpv4AndSctpChecksumsAlone() {
        // Neither ICMPv4 nor SCTP has a pseudo-header.
        byte[] i = through(eth().ipv6(S6, D6).icmp4(3, 1).payload(4).build(), setV6(S6B, D6B));
        assertArrayEquals(eth().ipv6(S6B, D6B).icmp4(3, 1).payload(4).build(), i);
        byte[] s = through(eth().ipv6(S6, D6).sctp(5000, 6000).payload(16).build(), setV6(S6B, D6B));
        assertArrayEquals(eth().ipv6(S6B, D6B).sctp(5000, 6000).payload(16).build(), s);
    }

    @Test
    void setIpv6AddressBehindExtensionHeadersUpdatesTheChecksum() {
        byte[] f = through(eth().ipv6(S6, D6).hopByHop().routing(4, 0, 1).destOptions().ah(4).udp(1, 2)
                .payload(10).build(), setV6(S6B, D6B).setField(FlowField.TP_SRC, 777).setField(FlowField.TP_DST, 888));
        assertArrayEquals(eth().ipv6(S6B, D6B).hopByHop().routing(4, 0, 1).destOptions().ah(4).udp(777, 888)
                .payload(10).build(), f);
    }

    @Test
    void withSegmentsLeftTheDestinationIsNotInThePseudoHeader() {
        // RFC 8200 8.1: the pseudo-header carries the routing header's final address, so rewriting the
        // fixed header's destination must not touch the L4 checksum.
        byte[] f0 = eth().ipv6(S6, D6).routing(4, 2, 2).tcp(1, 2).build();
        byte[] f = through(f0, DatapathActions.builder().setField(FlowField.IPV6_DST, hi(D6B), lo(D6B)));
        int l4 = 54 + 24;
        assertEquals(Frames.u16(f0, l4 + 16), Frames.u16(f, l4 + 16));
        assertArrayEquals(FrameBuilder.ipv6(D6B), Arrays.copyOfRange(f, 14 + 24, 14 + 40));
    }

    @Test
    void udpOverIpv6NeverEndsWithAZeroChecksum() {
        byte[] f0 = eth().ipv6(S6, D6).udp(1000, 53).payload(7).build();
        int c = Frames.u16(f0, 54 + 6);
        int oldWord = Frames.u16(f0, 14 + 38);
        // The last word of the destination that makes ~C + ~old + new fold to 0xffff: a computed 0.
        int newWord = ~Checksums.fold((~c & 0xffff) + (~oldWord & 0xffff)) & 0xffff;
        byte[] dst = FrameBuilder.ipv6(D6);
        dst[14] = (byte) (newWord >>> 8);
        dst[15] = (byte) newWord;
        long dHi = ByteBuffer.wrap(dst).getLong(0);
        long dLo = ByteBuffer.wrap(dst).getLong(8);
        byte[] f = through(f0, DatapathActions.builder().setField(FlowField.IPV6_DST, dHi, dLo));
        assertEquals(0xffff, Frames.u16(f, 54 + 6));
        assertArrayEquals(eth().ipv6(FrameBuilder.ipv6(S6), dst).udp(1000, 53).payload(7).build(), f);
    }

    @Test
    void aZeroUdpChecksumOverIpv6StaysZero() {
        byte[] f0 = eth().ipv6(S6, D6).udp(1000, 53).payload(7).build();
        f0[54 + 6] = 0;
        f0[54 + 7] = 0;
        byte[] f = through(f0, setV6(S6B, D6B));
        assertEquals(0, Frames.u16(f, 54 + 6));
    }

    @Test
    void setIpv6HopLimitTrafficClassAndFlowLabel() {
        byte[] f = through(eth().ipv6(S6, D6).tos(10, 2).flowLabel(0xabcde).hopLimit(64).udp(1, 2).build(),
                DatapathActions.builder().setField(FlowField.IP_TTL, 3).setField(FlowField.IP_DSCP, 46)
                        .setField(FlowField.IPV6_LABEL, 0x12345));
        assertArrayEquals(eth().ipv6(S6, D6).tos(46, 2).flowLabel(0x12345).hopLimit(3).udp(1, 2).build(), f);
        byte[] g = through(eth().ipv6(S6, D6).tos(10, 2).flowLabel(0xfffff).udp(1, 2).build(),
                DatapathActions.builder().setField(FlowField.IP_ECN, 1).setField(FlowField.IP_TOS, 0xff)
                        .setField(FlowField.IP_ECN, 0));
        assertArrayEquals(eth().ipv6(S6, D6).tos(63, 0).flowLabel(0xfffff).udp(1, 2).build(), g);
    }

    @Test
    void setPortsBehindIpv6ExtensionHeadersAndInAFirstFragment() {
        byte[] f = through(eth().ipv6(S6, D6).hopByHop().destOptions().tcp(1000, 2000).payload(9).build(),
                DatapathActions.builder().setField(FlowField.TP_SRC, 3000).setField(FlowField.TP_DST, 4000));
        assertArrayEquals(eth().ipv6(S6, D6).hopByHop().destOptions().tcp(3000, 4000).payload(9).build(), f);
        byte[] g = through(eth().ipv6(S6, D6).fragment6(0, true, 99).udp(1000, 2000).payload(9).build(),
                DatapathActions.builder().setField(FlowField.TP_DST, 4000));
        assertArrayEquals(eth().ipv6(S6, D6).fragment6(0, true, 99).udp(1000, 4000).payload(9).build(), g);
    }

    @Test
    void aLaterIpv6FragmentKeepsItsBytesForL4Fields() {
        byte[] f0 = eth().ipv6(S6, D6).fragment6(5, false, 99).payload(16).build();
        assertArrayEquals(f0, through(f0, DatapathActions.builder().setField(FlowField.TP_DST, 4000)
                .setField(FlowField.ICMP_TYPE, 1)));
    }

    @Test
    void setIcmpTypeAndCodeUpdatesTheIcmpChecksum() {
        byte[] f = through(eth().ipv4("10.0.0.1", "10.0.0.2").icmp4Echo(0x1234, 7).payload(12).build(),
                DatapathActions.builder().setField(FlowField.ICMP_TYPE, 0).setField(FlowField.IPV4_DST, 0x0a000009L));
        assertArrayEquals(eth().ipv4("10.0.0.1", "10.0.0.9").icmp4EchoReply(0x1234, 7).payload(12).build(), f);
        byte[] g = through(eth().ipv4("10.0.0.1", "10.0.0.2").icmp4(3, 1).payload(28).build(),
                DatapathActions.builder().setField(FlowField.ICMP_CODE, 13).setField(FlowField.TP_SRC, 11));
        assertArrayEquals(eth().ipv4("10.0.0.1", "10.0.0.2").icmp4(11, 13).payload(28).build(), g);
    }

    @Test
    void setIcmpv6TypeAndCodeUpdatesTheIcmpv6Checksum() {
        byte[] f = through(eth().ipv6(S6, D6).icmp6Echo(1, 2).payload(8).build(),
                DatapathActions.builder().setField(FlowField.ICMP_TYPE, 129));
        assertArrayEquals(eth().ipv6(S6, D6).icmp6EchoReply(1, 2).payload(8).build(), f);
        byte[] g = through(eth().ipv6(S6, D6).destOptions().icmp6(1, 0).payload(48).build(),
                DatapathActions.builder().setField(FlowField.ICMP_CODE, 4).setField(FlowField.ICMP_TYPE, 3));
        assertArrayEquals(eth().ipv6(S6, D6).destOptions().icmp6(3, 4).payload(48).build(), g);
        assertV6L4Checksum(eth().ipv6(S6, D6).icmp6(3, 4).payload(48).build(), 54, 58);
    }

    @Test
    void setNdTargetUpdatesTheIcmpv6Checksum() {
        byte[] f = through(eth().ipv6(S6, D6).ndNs(D6).sll(Frames.MAC_A).build(),
                DatapathActions.builder().setField(FlowField.ND_TARGET, hi(D6B), lo(D6B)));
        assertArrayEquals(eth().ipv6(S6, D6).ndNs(D6B).sll(Frames.MAC_A).build(), f);
    }

    @Test
    void setNdSourceAndTargetLinkAddressesRewriteTheirOptionAndTheIcmpv6Checksum() {
        long mac = 0x02_00_00_00_0b_0cL;
        // NS with SLL: nd_sll changes it; nd_tll finds no TLL option and changes nothing.
        byte[] ns = through(eth().ipv6(S6, D6).ndNs(D6).sll(Frames.MAC_A).build(),
                DatapathActions.builder().setField(FlowField.ND_SLL, mac).setField(FlowField.ND_TLL, 1));
        assertArrayEquals(eth().ipv6(S6, D6).ndNs(D6).sll(mac).build(), ns);
        assertV6L4Checksum(ns, 54, 58);
        // NA with TLL behind an unrelated option (a nonce, type 14, one unit): the TLL is found and changed.
        byte[] nonce = {1, 2, 3, 4, 5, 6};
        byte[] na = through(eth().ipv6(S6, D6).ndNa(S6, 0x60000000).ndOption(14, nonce).tll(Frames.MAC_A).build(),
                DatapathActions.builder().setField(FlowField.ND_TLL, mac));
        assertArrayEquals(eth().ipv6(S6, D6).ndNa(S6, 0x60000000).ndOption(14, nonce).tll(mac).build(), na);
        assertV6L4Checksum(na, 54, 58);
        // No option at all, or not ND (an echo request): left alone.
        byte[] bare = eth().ipv6(S6, D6).ndNs(D6).build();
        assertArrayEquals(bare, through(bare, DatapathActions.builder().setField(FlowField.ND_SLL, mac)));
        byte[] v4 = eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
        assertArrayEquals(v4, through(v4, DatapathActions.builder().setField(FlowField.ND_SLL, mac)
                .setField(FlowField.ND_TLL, mac)));
    }

    @Test
    void setNdLinkAddressOnTruncatedOrMalformedOptionsWritesNothingOutsideTheFrame() {
        long mac = 0x02_00_00_00_0b_0cL;
        byte[] full = eth().ipv6(S6, D6).ndNs(D6).sll(Frames.MAC_A).build();
        for (int cut = 14; cut < full.length; cut++) {
            byte[] f0 = java.util.Arrays.copyOf(full, cut);
            byte[] f = through(f0, DatapathActions.builder().setField(FlowField.ND_SLL, mac));
            assertEquals(f0.length, f.length);
            assertArrayEquals(f0, f, "a cut option or header is left alone, cut at " + cut);
        }
        // An option of length 0 ends the scan (the parser calls the message malformed).
        byte[] zero = eth().ipv6(S6, D6).ndNs(D6).ndOptionRaw(new byte[] {1, 0, 2, 0, 0, 0, 0, 1}).build();
        assertArrayEquals(zero, through(zero, DatapathActions.builder().setField(FlowField.ND_SLL, mac)));
    }

    @Test
    void setSctpPortsRecomputesTheCrc32c() {
        byte[] f = through(eth().ipv4("10.0.0.1", "10.0.0.2").sctp(5000, 6000).payload(37).padTo(120).build(),
                DatapathActions.builder().setField(FlowField.TP_SRC, 1).setField(FlowField.TP_DST, 65535));
        byte[] expected = eth().ipv4("10.0.0.1", "10.0.0.2").sctp(1, 65535).payload(37).padTo(120).build();
        assertArrayEquals(expected, f);
        int l4 = 34;
        int sctpLen = 12 + 37;
        CRC32C ref = new CRC32C();
        byte[] zeroed = Arrays.copyOfRange(f, l4, l4 + sctpLen);
        Arrays.fill(zeroed, 8, 12, (byte) 0);
        ref.update(zeroed);
        assertEquals((int) ref.getValue(), Integer.reverseBytes(ByteBuffer.wrap(f).getInt(l4 + 8)));
        byte[] g = through(eth().ipv6(S6, D6).hopByHop().sctp(5000, 6000).payload(100).build(),
                DatapathActions.builder().setField(FlowField.TP_DST, 9));
        assertArrayEquals(eth().ipv6(S6, D6).hopByHop().sctp(5000, 9).payload(100).build(), g);
    }

    @Test
    void aWrongSctpCrcStaysWrongByTheSameError() {
        byte[] f = through(eth().ipv4("10.0.0.1", "10.0.0.2").sctp(5000, 6000).badL4Checksum().payload(20).build(),
                DatapathActions.builder().setField(FlowField.TP_SRC, 42));
        assertArrayEquals(eth().ipv4("10.0.0.1", "10.0.0.2").sctp(42, 6000).badL4Checksum().payload(20).build(), f);
    }

    @Test
    void aFragmentedSctpPacketIsLeftAlone() {
        byte[] f0 = eth().ipv4("10.0.0.1", "10.0.0.2").mf().sctp(5000, 6000).payload(20).build();
        assertArrayEquals(f0, through(f0, DatapathActions.builder().setField(FlowField.TP_SRC, 42)));
    }

    @Test
    void crc32cMatchesTheJdkForEveryLengthAndAlignment() {
        long seed = Long.getLong("vs4j.seed", System.nanoTime());
        System.out.println("crc32c seed " + seed);
        Random r = new Random(seed);
        try (BufferPool mem = BufferPool.builder().count(1).strict(true).build()) {
            Packet p = new Packet().bindEmpty(mem, mem.allocate());
            byte[] b = new byte[300];
            r.nextBytes(b);
            p.length(b.length);
            p.write(0, b, 0, b.length);
            for (int off = 0; off < 9; off++) {
                for (int len = 0; len < 280; len += 1 + r.nextInt(5)) {
                    CRC32C ref = new CRC32C();
                    ref.update(b, off, len);
                    assertEquals((int) ref.getValue(), PacketEdits.crc32c(p, off, len), "off " + off + " len " + len);
                }
            }
            p.release();
        }
    }

    @Test
    void setArpFields() {
        byte[] f = through(eth().arp(1, "02:00:00:00:00:01", "10.0.0.1", "00:00:00:00:00:00", "10.0.0.2").build(),
                DatapathActions.builder().setField(FlowField.ARP_OP, 2)
                        .setField(FlowField.ARP_SHA, 0x02_00_00_00_00_77L).setField(FlowField.ARP_THA, 0x02_00_00_00_00_01L)
                        .setField(FlowField.ARP_SPA, 0x0a000002L).setField(FlowField.IPV4_DST, 0x0a000001L));
        assertArrayEquals(eth().arp(2, "02:00:00:00:00:77", "10.0.0.2", "02:00:00:00:00:01", "10.0.0.1").build(), f);
    }

    @Test
    void arpSpaOnAnIpv4FrameSetsTheIpSourceAndArpFieldsLeaveIpAlone() {
        byte[] f = through(eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build(),
                DatapathActions.builder().setField(FlowField.ARP_SPA, 0x0a000005L).setField(FlowField.ARP_OP, 2)
                        .setField(FlowField.ARP_SHA, 1).setField(FlowField.ARP_THA, 1));
        assertArrayEquals(eth().ipv4("10.0.0.5", "10.0.0.2").udp(1, 2).build(), f);
    }

    @Test
    void fieldsOfAnotherFamilyLeaveTheFrameAlone() {
        byte[] v4 = eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();
        assertArrayEquals(v4, through(v4, setV6(S6B, D6B).setField(FlowField.IPV6_LABEL, 5)
                .setField(FlowField.ND_TARGET, 1, 2)));
        byte[] v6 = eth().ipv6(S6, D6).udp(1, 2).build();
        assertArrayEquals(v6, through(v6, DatapathActions.builder().setField(FlowField.IPV4_SRC, 1)
                .setField(FlowField.ARP_OP, 1).setField(FlowField.ND_TARGET, 1, 2)));
    }

    @Test
    void setFieldOnTruncatedIpv6FramesWritesNothingOutsideTheFrame() {
        for (int cut = 14; cut < 74; cut += 3) {
            byte[] f0 = eth().ipv6(S6, D6).hopByHop().tcp(1, 2).truncate(cut).build();
            byte[] f = through(f0, setV6(S6B, D6B).setField(FlowField.TP_SRC, 5).setField(FlowField.IPV6_LABEL, 9)
                    .setField(FlowField.ICMP_CODE, 3).setField(FlowField.IP_TTL, 1));
            assertEquals(f0.length, f.length);
        }
    }

    @Test
    void metadataAnd128BitMisusesAreRefusedAtCompileTime() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CompiledActions.compile(
                DatapathActions.builder().setField(FlowField.REG3, 1).build()));
        assertTrue(e.getMessage().contains("reg3 is metadata"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CompiledActions.compile(
                DatapathActions.builder().setField(FlowField.IPV6_SRC, 1).build()));
        assertTrue(e.getMessage().contains("setField(field, high, low)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DatapathActions.builder().setField(FlowField.IPV4_SRC, 1, 2));
        assertTrue(e.getMessage().contains("allowed: ipv6_src, ipv6_dst, nd_target"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CompiledActions.compile(
                DatapathActions.builder().setField(FlowField.TCP_FLAGS, 1).build()));
        assertTrue(e.getMessage().contains("cannot set field tcp_flags") && e.getMessage().contains("nd_sll"),
                e.getMessage());
    }

    @Test
    void a128BitSetCompilesIntoTwoHalvesAndKeepsTheLastOutput() {
        CompiledActions c = CompiledActions.compile(DatapathActions.builder().output(3)
                .setField(FlowField.IPV6_DST, 7, 8).output(2).build());
        assertEquals(4, c.op.length);
        assertEquals(3, c.lastOutput);
        assertEquals(CompiledActions.SET_IPV6_DST_HI, c.arg[1]);
        assertEquals(7, c.val[1]);
        assertEquals(CompiledActions.SET_IPV6_DST_LO, c.arg[2]);
        assertEquals(8, c.val[2]);
        assertEquals(0, c.singleOutput);
    }

    @Test
    void setFieldAllocatesNothing() throws ReflectiveOperationException {
        // The thread MXBean through reflection: the core module reads neither java.management nor jdk.management.
        Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        java.lang.reflect.Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getCurrentThreadAllocatedBytes");
        Packet p = new Packet().bindEmpty(pool, pool.allocate());
        eth().ipv6(S6, D6).hopByHop().sctp(1, 2).payload(64).writeTo(p);
        FlowParser.parse(p, new FlowKey());
        Packet q = new Packet().bindEmpty(pool, pool.allocate());
        eth().ipv6(S6, D6).tcp(1, 2).payload(64).writeTo(q);
        FlowParser.parse(q, new FlowKey());
        for (int round = 0; round < 2; round++) {
            long before = (long) allocated.invoke(mx);
            for (int i = 0; i < 20_000; i++) {
                PacketEdits.setField(p, CompiledActions.SET_TP_SRC, i);
                PacketEdits.setField(q, CompiledActions.SET_IPV6_SRC_LO, i);
                PacketEdits.setField(q, CompiledActions.SET_TP_DST, i);
            }
            long used = (long) allocated.invoke(mx) - before;
            if (round == 1) {
                // One-off allocations not the edits' may show (FlowParserTest saw 2.6 KB once); an allocation per
                // edit would be at least 16 bytes x 60,000 edits, about 1 MB.
                assertTrue(used < 65_536, "allocated " + used + " bytes");
            }
        }
        p.release();
        q.release();
    }
}
