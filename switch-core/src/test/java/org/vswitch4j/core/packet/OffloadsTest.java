package org.vswitch4j.core.packet;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Offloads} against a straightforward reference: every segment of a random GSO frame must equal, byte for
 * byte, the frame {@link FrameBuilder} builds from scratch for that slice of the payload (sequence number,
 * IPv4 identification, flags and checksums as a sender would set them).
 */
class OffloadsTest {
    private static final String A = "02:00:00:00:00:01";
    private static final String B = "02:00:00:00:00:02";
    private static final int FIN = 0x01;
    private static final int PSH = 0x08;
    private static final int ACK = 0x10;
    private static final int CWR = 0x80;
    private static final int ECE = 0x40;

    private final BufferPool pool = BufferPool.builder().bufferSize(66048).count(64).strict(true).build();

    @AfterEach
    void noLeaks() {
        pool.assertNoLeaks();
        pool.close();
    }

    /** One GSO frame's parameters, drawn from a seed. */
    private record Spec(boolean v6, int tags, int optLen, int payloadLen, int mss, int flags, int seq, int ipId,
            byte[] payload) {
        static Spec draw(Random r) {
            boolean v6 = r.nextBoolean();
            int mss = 100 + r.nextInt(1400);
            int payloadLen = 1 + r.nextInt(r.nextBoolean() ? 3 * mss : 60000);
            byte[] payload = new byte[payloadLen];
            r.nextBytes(payload);
            int flags = ACK | (r.nextBoolean() ? PSH : 0) | (r.nextInt(4) == 0 ? FIN : 0)
                    | (r.nextInt(4) == 0 ? CWR : 0) | (r.nextInt(4) == 0 ? ECE : 0);
            return new Spec(v6, r.nextInt(3), 4 * r.nextInt(4), payloadLen, mss, flags, r.nextInt(), r.nextInt(65536),
                    payload);
        }

        FrameBuilder frame(byte[] pl, int k, int segFlags) {
            FrameBuilder f = FrameBuilder.ethernet(A, B);
            for (int t = 0; t < tags; t++) {
                f.vlan(10 + t);
            }
            if (v6) {
                f.ipv6("2001:db8::1", "2001:db8::2");
            } else {
                f.ipv4("192.0.2.1", "192.0.2.2").df().ipId((ipId + k) & 0xFFFF);
            }
            f.tcp(40000, 5201, segFlags).tcpSeq(seq + k * mss, 12345);
            if (optLen > 0) {
                byte[] o = new byte[optLen];
                Arrays.fill(o, (byte) 1); // NOPs
                f.tcpOptions(o);
            }
            return f.payload(pl);
        }

        int l4() {
            return 14 + 4 * tags + (v6 ? 40 : 20);
        }
    }

    static LongStream seeds() {
        Random r = new Random(TestSeeds.base() ^ 0x6F66666C6F616473L);
        return LongStream.generate(r::nextLong).limit(150);
    }

    @ParameterizedTest(name = "case seed {0}")
    @MethodSource("seeds")
    void everySegmentEqualsTheFrameBuiltFromScratch(long seed) {
        Spec s = Spec.draw(new Random(seed));
        String why = " (" + s.v6 + ", tags " + s.tags + ", payload " + s.payloadLen + ", mss " + s.mss + ")"
                + TestSeeds.replay(seed);
        Packet gso = new Packet();
        assertTrue(s.frame(s.payload, 0, s.flags).writeTo(pool, gso));
        int cs = s.l4();
        gso.u16(cs + 16, new Random(seed).nextInt(65536)); // whatever the sender left there: it is recomputed
        gso.offload(cs, 16, s.v6 ? Packet.GSO_TCP6 : Packet.GSO_TCP4, s.mss);
        assertTrue(Offloads.valid(gso), why);

        int segs = (s.payloadLen + s.mss - 1) / s.mss;
        assertEquals(segs, Offloads.segmentCount(gso), why);
        int hdrEnd = cs + 20 + s.optLen;
        assertEquals(hdrEnd + Math.min(s.mss, s.payloadLen), Offloads.wireLength(gso), why);
        Packet seg = new Packet();
        for (int k = 0; k < segs; k++) {
            assertTrue(Offloads.segment(gso, k, pool, seg), why);
            byte[] pl = Arrays.copyOfRange(s.payload, k * s.mss, Math.min(s.payloadLen, (k + 1) * s.mss));
            int f = s.flags;
            if (k != segs - 1) {
                f &= ~(FIN | PSH);
            }
            if (k != 0) {
                f &= ~CWR;
            }
            byte[] expected = s.frame(pl, k, f).build();
            byte[] got = seg.toByteArray();
            assertArrayEquals(expected, got, "segment " + k + " of " + segs + why + "\n"
                    + HexFormat.of().formatHex(got, 0, Math.min(got.length, hdrEnd)));
            assertFalse(seg.hasOffload(), why);
            seg.release();
        }
        assertTrue(gso.hasOffload(), "the source frame is left as it was" + why);
        gso.release();
    }

    @ParameterizedTest(name = "case seed {0}")
    @MethodSource("seeds")
    void completingAPartialChecksumGivesTheSendersChecksum(long seed) {
        Random r = new Random(seed);
        boolean v6 = r.nextBoolean();
        boolean udp = r.nextBoolean();
        byte[] pl = new byte[r.nextInt(1400)];
        r.nextBytes(pl);
        FrameBuilder fb = FrameBuilder.ethernet(A, B);
        if (r.nextBoolean()) {
            fb.vlan(7);
        }
        int l3 = fb.build().length;
        if (v6) {
            fb.ipv6("2001:db8::1", "2001:db8::2");
        } else {
            fb.ipv4("192.0.2.1", "192.0.2.2");
        }
        int l4 = l3 + (v6 ? 40 : 20);
        if (udp) {
            fb.udp(1000, 2000);
        } else {
            fb.tcp(1000, 2000, ACK).tcpSeq(r.nextInt(), r.nextInt());
        }
        byte[] frame = fb.payload(pl).padTo(60).build(); // padding beyond the IP length is not covered
        Packet p = new Packet();
        p.bindEmpty(pool, pool.allocate());
        p.length(frame.length);
        p.write(0, frame, 0, frame.length);
        int off = udp ? 6 : 16;
        int l4Len = (v6 ? l3 + 40 + p.u16(l3 + 4) : l3 + p.u16(l3 + 2)) - l4;
        int proto = udp ? Checksums.PROTO_UDP : Checksums.PROTO_TCP;
        long pseudo = v6 ? Checksums.pseudoHeaderV6(p, l3, proto, l4Len)
                : Checksums.pseudoHeaderV4(p.i32(l3 + 12), p.i32(l3 + 16), proto, l4Len);
        p.u16(l4 + off, Checksums.fold(pseudo)); // what a sender with checksum offload leaves in the field
        p.offload(l4, off, Packet.GSO_NONE, 0);
        assertTrue(Offloads.completeChecksum(p), TestSeeds.replay(seed));
        assertArrayEquals(frame, p.toByteArray(), TestSeeds.replay(seed));
        assertFalse(p.hasOffload());
        p.release();
    }

    @Test
    void offloadStateThatDoesNotFitTheFrameIsInvalid() {
        Packet p = new Packet();
        assertTrue(FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).payload(100).writeTo(pool, p));
        p.offload(34, 6, Packet.GSO_TCP4, 1000);
        assertFalse(Offloads.valid(p), "GSO TCP on a UDP frame");
        p.offload(34, 6, Packet.GSO_TCP6, 1000);
        assertFalse(Offloads.valid(p), "GSO TCP6 on an IPv4 frame");
        p.offload(p.length() - 1, 0, Packet.GSO_NONE, 0);
        assertFalse(Offloads.valid(p), "checksum field past the end");
        p.offload(4, 0, Packet.GSO_NONE, 0);
        assertFalse(Offloads.valid(p), "checksum start inside the Ethernet header");
        assertFalse(Offloads.completeChecksum(p));
        p.offload(34, 6, Packet.GSO_NONE, 0);
        assertTrue(Offloads.valid(p));
        p.release();

        assertTrue(FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").mf().tcp(1, 2).payload(3000)
                .writeTo(pool, p));
        p.offload(34, 16, Packet.GSO_TCP4, 1000);
        assertFalse(Offloads.valid(p), "an IPv4 fragment");
        assertFalse(Offloads.segment(p, 0, pool, new Packet()));
        assertEquals(1, Offloads.segmentCount(p));
        p.release();
    }

    @Test
    void offloadStateMovesWithTheDataAndIsResetOnBind() {
        Packet p = new Packet();
        assertTrue(FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").tcp(1, 2).payload(3000).writeTo(pool, p));
        p.offload(34, 16, Packet.GSO_TCP4, 1448);
        assertTrue(p.adjustHead(4));
        assertEquals(38, p.csumStart());
        Packet q = new Packet();
        p.moveTo(q);
        assertEquals(38, q.csumStart());
        assertEquals(Packet.GSO_TCP4, q.gsoType());
        assertEquals(1448, q.gsoSize());
        Packet c = new Packet();
        assertTrue(q.copyTo(pool, c));
        assertEquals(38, c.csumStart());
        assertEquals(1448, c.gsoSize());
        c.release();
        long h = q.handle();
        q.unbind();
        q.bind(pool, h, 256, 100);
        assertFalse(q.hasOffload());
        assertEquals(0, q.gsoSize());
        q.release();
        assertThrows(IllegalArgumentException.class, () -> p.offload(34, 16, 3, 1448));
        assertThrows(IllegalArgumentException.class, () -> p.offload(34, 16, Packet.GSO_TCP4, 0));
    }
}
