package org.vswitch4j.core.datapath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowParser;
import org.vswitch4j.core.packet.BufferPool;
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
}
