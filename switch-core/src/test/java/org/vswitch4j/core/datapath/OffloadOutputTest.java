package org.vswitch4j.core.datapath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.Checksums;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.port.TunnelHeader;
import org.vswitch4j.core.time.VirtualClock;

/**
 * Output of frames with offload state (from a port whose {@link Port#offloads()} is true, as a TAP with
 * IFF_VNET_HDR): untouched to another such port; completed and segmented in software for a port that takes no
 * offloads, whether it is the only output, one of several, or a tunnel; MTU rules judge a GSO frame by its
 * segments.
 */
class OffloadOutputTest {
    private static final int MSS = 1448;
    private final BufferPool pool = BufferPool.builder().count(512).strict(true).build();
    private final BufferPool big = BufferPool.builder().bufferSize(66048).count(16).strict(true).build();
    private final Datapath dp = Datapath.builder().clock(new VirtualClock()).memory(pool).emcEntries(64)
            .emcInsertInverseProbability(1).build();

    /** A port that exchanges frames with offload state, as a vnet_hdr TAP does; records what it is given. */
    private final class OffloadPort implements Port {
        record Frame(byte[] bytes, int csumStart, int csumOffset, int gsoType, int gsoSize) {
        }

        final String name;
        final ConcurrentLinkedQueue<Frame> in = new ConcurrentLinkedQueue<>();
        final List<Frame> out = new ArrayList<>();
        int mtu = 1500;

        OffloadPort(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean offloads() {
            return true;
        }

        @Override
        public int receive(int queue, PacketBatch batch) {
            int n = 0;
            for (Frame f; batch.remaining() > 0 && (f = in.poll()) != null; n++) {
                Packet p = batch.add().bindEmpty(big, big.allocate());
                p.length(f.bytes.length);
                p.write(0, f.bytes, 0, f.bytes.length);
                if (f.csumStart >= 0) {
                    p.offload(f.csumStart, f.csumOffset, f.gsoType, f.gsoSize);
                }
            }
            return n;
        }

        @Override
        public void transmit(PacketBatch batch) {
            for (int i = 0; i < batch.size(); i++) {
                Packet p = batch.get(i);
                out.add(new Frame(p.toByteArray(), p.csumStart(), p.csumOffset(), p.gsoType(), p.gsoSize()));
            }
            batch.releaseAll();
        }

        @Override
        public PacketMemory memory() {
            return big;
        }

        @Override
        public boolean linkUp() {
            return true;
        }

        @Override
        public int mtu() {
            return mtu;
        }

        @Override
        public long mac() {
            return 0x020000000009L;
        }

        @Override
        public PortStats stats() {
            return PortStats.ZERO;
        }

        @Override
        public void close() {
        }
    }

    @AfterEach
    void noLeaks() {
        dp.close();
        assertEquals(0, pool.usedCount(), "datapath buffers leaked");
        assertEquals(0, big.usedCount(), "GSO buffers leaked");
        pool.close();
        big.close();
    }

    private static byte[] payload(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    /** A TCP/IPv4 GSO frame of {@code n} payload bytes as the kernel hands it over (pseudo-header sum in the field). */
    private static OffloadPort.Frame gso4(int n) {
        byte[] f = FrameBuilder.ethernet("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("192.0.2.1", "192.0.2.2")
                .ipId(100).tcp(40000, 5201, 0x18).tcpSeq(1000, 1).payload(payload(n)).build();
        f[50] = 0x12; // the partial checksum: not the right value for any segment, so only a recomputation passes
        f[51] = 0x34;
        return new OffloadPort.Frame(f, 34, 16, Packet.GSO_TCP4, MSS);
    }

    private static Pipeline output(int... ports) {
        DatapathActions.Builder b = DatapathActions.builder();
        for (int p : ports) {
            b.output(p);
        }
        DatapathActions a = b.build();
        return (key, mask, tx) -> key.inPort() == 1 ? a : DatapathActions.DROP;
    }

    /** Checks each frame is a complete TCP/IPv4 segment and returns their payloads joined. */
    private static byte[] joinCheckedSegments(List<byte[]> frames) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        long seq = 1000;
        for (int i = 0; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            Packet p = new Packet();
            BufferPool one = BufferPool.builder().count(1).build();
            p.bindEmpty(one, one.allocate());
            p.length(f.length);
            p.write(0, f, 0, f.length);
            assertTrue(Checksums.ipv4HeaderValid(p, 14), "IPv4 checksum of segment " + i);
            assertEquals(f.length - 14, p.u16(16), "IPv4 total length of segment " + i);
            assertEquals(100 + i, p.u16(18), "IPv4 identification of segment " + i);
            long pseudo = Checksums.pseudoHeaderV4(p.i32(26), p.i32(30), Checksums.PROTO_TCP, f.length - 34);
            assertTrue(Checksums.l4Valid(p, 34, f.length - 34, pseudo), "TCP checksum of segment " + i);
            assertEquals(seq, p.u32(38), "sequence number of segment " + i);
            assertEquals(i == frames.size() - 1 ? 0x18 : 0x10, p.u8(47), "flags of segment " + i);
            seq += f.length - 54;
            all.write(f, 54, f.length - 54);
            p.release();
            one.close();
        }
        return all.toByteArray();
    }

    /** A port with offloads as port 1 and {@code plain} as port 2, everything from 1 going to 2. */
    private OffloadPort tapTo(TestPort plain) {
        OffloadPort tap = new OffloadPort("tap");
        dp.addPort(tap, output(2));
        dp.addPort(plain, output(2));
        return tap;
    }

    @Test
    void gsoFrameToAPortWithoutOffloadsIsSegmentedInSoftware() {
        TestPort plain = new TestPort("plain", pool);
        OffloadPort tap = tapTo(plain);
        tap.in.add(gso4(20000));
        dp.poll();
        List<byte[]> got = plain.drain();
        assertEquals((20000 + MSS - 1) / MSS, got.size());
        assertArrayEquals(payload(20000), joinCheckedSegments(got));
        assertEquals(got.size(), dp.portStats(2).txPackets(), "tx counts the wire frames");
    }

    /**
     * The pipeline consults in_port only, so from the second burst on a port without offloads would take the
     * in_port-only burst path, which neither segments nor judges a GSO frame by its segments: a port that
     * offloads must keep the normal path.
     */
    @Test
    void gsoFramesOfLaterBurstsUnderAnInPortOnlyMegaflowAreSegmentedToo() {
        TestPort plain = new TestPort("plain", pool);
        OffloadPort tap = tapTo(plain);
        for (int burst = 0; burst < 3; burst++) {
            tap.in.add(gso4(20000));
            tap.in.add(gso4(20000));
            dp.poll();
            List<byte[]> got = plain.drain();
            assertEquals(2 * ((20000 + MSS - 1) / MSS), got.size(), "burst " + burst);
            for (byte[] f : got) {
                assertTrue(f.length <= 1514, "burst " + burst + ": a frame of " + f.length + " bytes left unsegmented");
            }
        }
        assertEquals(0, dp.dropCount(1, DropReason.OVER_MTU), "no GSO frame judged by its own length");
    }

    @Test
    void gsoFrameToAPortWithOffloadsPassesUntouched() {
        OffloadPort a = new OffloadPort("a");
        OffloadPort b = new OffloadPort("b");
        dp.addPort(a, output(2));
        dp.addPort(b, output(2));
        OffloadPort.Frame f = gso4(60000);
        a.in.add(f);
        dp.poll();
        assertEquals(1, b.out.size());
        OffloadPort.Frame o = b.out.get(0);
        assertArrayEquals(f.bytes(), o.bytes());
        assertEquals(List.of(34, 16, Packet.GSO_TCP4, MSS),
                List.of(o.csumStart(), o.csumOffset(), o.gsoType(), o.gsoSize()));
        assertEquals(0, dp.portStats(1).rxDropped());
    }

    @Test
    void partialChecksumToAPortWithoutOffloadsIsCompleted() {
        TestPort plain = new TestPort("plain", pool);
        OffloadPort tap = tapTo(plain);
        byte[] right = FrameBuilder.ethernet("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("192.0.2.1", "192.0.2.2")
                .udp(1000, 2000).payload(payload(333)).build();
        byte[] partial = right.clone();
        long pseudo = Checksums.pseudoHeaderV4(FrameBuilder.ipv4("192.0.2.1"), FrameBuilder.ipv4("192.0.2.2"),
                Checksums.PROTO_UDP, right.length - 34);
        int s = Checksums.fold(pseudo);
        partial[40] = (byte) (s >>> 8);
        partial[41] = (byte) s;
        tap.in.add(new OffloadPort.Frame(partial, 34, 6, Packet.GSO_NONE, 0));
        dp.poll();
        assertArrayEquals(right, plain.drain().get(0));
    }

    @Test
    void floodingAGsoFrameSendsSegmentsToEveryPortWithoutOffloads() {
        OffloadPort tap = new OffloadPort("tap");
        TestPort p2 = new TestPort("p2", pool);
        TestPort p3 = new TestPort("p3", pool);
        dp.addPort(tap, output(2, 3));
        dp.addPort(p2, output(2, 3));
        dp.addPort(p3, output(2, 3));
        tap.in.add(gso4(5000));
        dp.poll();
        assertArrayEquals(payload(5000), joinCheckedSegments(p2.drain()));
        assertArrayEquals(payload(5000), joinCheckedSegments(p3.drain()));
    }

    @Test
    void gsoFrameToATunnelIsSegmentedBeforeEachSegmentIsEncapsulated() {
        OffloadPort tap = new OffloadPort("tap");
        TestPort tunnel = new TestPort("tun", pool);
        TunnelHeader four = new TunnelPushTest.FourBytes();
        DatapathActions push = DatapathActions.builder().add(new DatapathAction.TunnelPush(2, four)).build();
        dp.addPort(tap, (key, mask, tx) -> push);
        dp.addPort(tunnel, (key, mask, tx) -> DatapathActions.DROP);
        tap.in.add(gso4(4000));
        dp.poll();
        List<byte[]> got = tunnel.drain();
        assertEquals(3, got.size());
        List<byte[]> inner = new ArrayList<>();
        for (byte[] f : got) {
            assertEquals(0x54554e4c, (f[0] & 0xff) << 24 | (f[1] & 0xff) << 16 | (f[2] & 0xff) << 8 | (f[3] & 0xff));
            inner.add(Arrays.copyOfRange(f, 4, f.length));
        }
        assertArrayEquals(payload(4000), joinCheckedSegments(inner));
    }

    @Test
    void gsoFrameToATunnelAndAnotherPortIsSegmentedForBoth() {
        OffloadPort tap = new OffloadPort("tap");
        TestPort tunnel = new TestPort("tun", pool);
        TestPort plain = new TestPort("plain", pool);
        DatapathActions both = DatapathActions.builder()
                .add(new DatapathAction.TunnelPush(2, new TunnelPushTest.FourBytes())).output(3).build();
        dp.addPort(tap, (key, mask, tx) -> both);
        dp.addPort(tunnel, (key, mask, tx) -> DatapathActions.DROP);
        dp.addPort(plain, (key, mask, tx) -> DatapathActions.DROP);
        tap.in.add(gso4(4000));
        dp.poll();
        List<byte[]> inner = new ArrayList<>();
        List<byte[]> outer = tunnel.drain();
        List<byte[]> other = plain.drain();
        assertEquals(3, outer.size(), "each segment once");
        for (byte[] f : outer) {
            inner.add(Arrays.copyOfRange(f, 4, f.length));
        }
        assertArrayEquals(payload(4000), joinCheckedSegments(inner), "the tunnel got encapsulated segments");
        assertArrayEquals(payload(4000), joinCheckedSegments(other), "the other port the inner segments");
    }

    @Test
    void mtuRulesJudgeAGsoFrameByItsSegments() {
        TestPort small = new TestPort("small", pool);
        OffloadPort tap = tapTo(small);
        tap.mtu = 1400; // 1448-byte segments are over it: dropped on input, as the frames they stand for would be
        tap.in.add(gso4(10000));
        dp.poll();
        assertEquals(1, dp.dropCount(1, DropReason.OVER_MTU));
        assertEquals(0, small.drain().size());

        tap.mtu = 1500;
        small.mtu = 1400; // the segments fit the input, not the output: each is over the output's MTU
        tap.in.add(gso4(2 * MSS + 100));
        dp.poll();
        assertEquals(1, small.drain().size(), "the short last segment fits");
        assertEquals(2, dp.dropCount(1, DropReason.TX_OVER_MTU));
        assertEquals(2, dp.portStats(2).txDropped());
    }
    @Test
    void aVlanPushedOntoAGsoFrameMovesItsChecksumStartAndTagsEverySegment() {
        OffloadPort tap = new OffloadPort("tap");
        OffloadPort trunk = new OffloadPort("trunk");
        TestPort plain = new TestPort("plain", pool);
        DatapathActions tagged = DatapathActions.builder().pushVlan(0x8100, 10).output(2).output(3).build();
        dp.addPort(tap, (key, mask, tx) -> tagged);
        dp.addPort(trunk, (key, mask, tx) -> DatapathActions.DROP);
        dp.addPort(plain, (key, mask, tx) -> DatapathActions.DROP);
        tap.in.add(gso4(3000));
        dp.poll();
        List<byte[]> inner = new ArrayList<>();
        for (byte[] f : plain.drain()) {
            assertEquals(0x8100000a, (f[12] & 0xff) << 24 | (f[13] & 0xff) << 16 | (f[14] & 0xff) << 8 | (f[15] & 0xff));
            byte[] untagged = new byte[f.length - 4];
            System.arraycopy(f, 0, untagged, 0, 12);
            System.arraycopy(f, 16, untagged, 12, f.length - 16);
            inner.add(untagged);
        }
        assertArrayEquals(payload(3000), joinCheckedSegments(inner));
        assertEquals(1, trunk.out.size(), "the offloading port gets the frame whole");
        assertEquals(38, trunk.out.get(0).csumStart(), "the checksum starts 4 bytes later behind the tag");
    }

    @Test
    void setFieldOnAGsoFrameKeepsItsPartialChecksumRightAndItsSegmentsComplete() {
        int newDst = FrameBuilder.ipv4("198.51.100.7");
        DatapathActions nat = DatapathActions.builder()
                .setField(org.vswitch4j.core.key.FlowField.IPV4_DST, Integer.toUnsignedLong(newDst)).output(2).output(3)
                .build();
        OffloadPort tap = new OffloadPort("tap");
        OffloadPort other = new OffloadPort("other");
        TestPort plain = new TestPort("plain", pool);
        dp.addPort(tap, (key, mask, tx) -> nat);
        dp.addPort(other, (key, mask, tx) -> DatapathActions.DROP);
        dp.addPort(plain, (key, mask, tx) -> DatapathActions.DROP);
        OffloadPort.Frame f = gso4(5000);
        byte[] b = f.bytes().clone();
        int len = b.length - 34;
        int pseudo = Checksums.fold(Checksums.pseudoHeaderV4(FrameBuilder.ipv4("192.0.2.1"),
                FrameBuilder.ipv4("192.0.2.2"), Checksums.PROTO_TCP, len));
        b[50] = (byte) (pseudo >>> 8); // what the kernel leaves in a GSO frame's TCP checksum
        b[51] = (byte) pseudo;
        tap.in.add(new OffloadPort.Frame(b, 34, 16, Packet.GSO_TCP4, MSS));
        dp.poll();
        for (byte[] seg : plain.drain()) {
            Packet p = new Packet();
            try (BufferPool one = BufferPool.builder().count(1).build()) {
                p.bindEmpty(one, one.allocate());
                p.length(seg.length);
                p.write(0, seg, 0, seg.length);
                assertEquals(newDst, p.i32(30));
                long ph = Checksums.pseudoHeaderV4(p.i32(26), newDst, Checksums.PROTO_TCP, seg.length - 34);
                assertTrue(Checksums.l4Valid(p, 34, seg.length - 34, ph), "segment TCP checksum");
                assertTrue(Checksums.ipv4HeaderValid(p, 14));
                p.release();
            }
        }
        byte[] whole = other.out.get(0).bytes();
        int expected = Checksums.fold(Checksums.pseudoHeaderV4(FrameBuilder.ipv4("192.0.2.1"), newDst,
                Checksums.PROTO_TCP, len));
        assertEquals(expected, (whole[50] & 0xff) << 8 | (whole[51] & 0xff),
                "the partial checksum is the pseudo-header sum of the rewritten address");
    }
}
