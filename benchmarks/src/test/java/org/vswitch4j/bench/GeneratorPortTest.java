package org.vswitch4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;

/** The forwarding benchmarks' traffic source sends the flows it is told to, in the order its comment promises. */
class GeneratorPortTest {
    private static final long SRC = 0x02_10_00_00_00_00L;
    private static final long DST = 0x02_20_00_00_00_00L;

    private BufferPool pool;
    private GeneratorPort port;

    @BeforeEach
    void setUp() {
        pool = BufferPool.builder().count(256).build();
        byte[] template = FrameBuilder.ethernet(0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L)
                .ipv4("192.0.2.1", "192.0.2.2").udp(1024, 2048).padTo(64).build();
        port = new GeneratorPort("g", pool, template, 64);
    }

    @AfterEach
    void tearDown() {
        port.close();
        assertEquals(256, pool.freeCount(), "close gives every buffer back");
        pool.close();
    }

    private static void flows(GeneratorPort g, int n) {
        long[] src = new long[n];
        long[] dst = new long[n];
        for (int i = 0; i < n; i++) {
            src[i] = SRC | i;
            dst[i] = DST | i;
        }
        g.flows(src, dst);
    }

    /** The pair a frame carries (checked to be one of ours, with the template's EtherType kept). */
    private static int pair(Packet p) {
        long dst = p.mac(0);
        long src = p.mac(6);
        assertEquals(DST, dst & ~0xFFFFFFL, "dst MAC");
        assertEquals(SRC, src & ~0xFFFFFFL, "src MAC");
        assertEquals(dst & 0xFFFFFF, src & 0xFFFFFF, "src and dst of one pair");
        assertEquals(0x0800, p.u16(12), "EtherType");
        assertEquals(64, p.length());
        return (int) (src & 0xFFFFFF);
    }

    @Test
    void fewerPairsThanBuffersGoRoundRobinWithoutRewritingFrames() {
        flows(port, 3); // the ring is cut to 63 buffers
        PacketBatch batch = new PacketBatch(32);
        int k = 0;
        for (int round = 0; round < 40; round++) {
            int n = port.receive(0, batch);
            assertEquals(32, n);
            for (int i = 0; i < n; i++, k++) {
                assertEquals(k % 3, pair(batch.get(i)), "frame " + k);
            }
            port.transmit(batch);
        }
        assertEquals(40 * 32, port.txPackets);
        assertEquals(40 * 32 * 64, port.txBytes);
    }

    @Test
    void aBufferKeepsItsFrameWhenPairsFit() {
        flows(port, 4);
        PacketBatch batch = new PacketBatch(32);
        long[] handles = new long[32];
        int[] pairs = new int[32];
        port.receive(0, batch);
        for (int i = 0; i < 32; i++) {
            handles[i] = batch.get(i).handle();
            pairs[i] = pair(batch.get(i));
        }
        port.transmit(batch);
        port.receive(0, batch); // the other 32 of the 64
        port.transmit(batch);
        port.receive(0, batch); // the first 32 again, in the same order, with the same frames
        for (int i = 0; i < 32; i++) {
            assertEquals(handles[i], batch.get(i).handle());
            assertEquals(pairs[i], pair(batch.get(i)));
        }
        port.transmit(batch);
    }

    @Test
    void morePairsThanBuffersAreStampedOnTheWayBack() {
        int n = 1000;
        flows(port, n);
        PacketBatch batch = new PacketBatch(32);
        BitSet seen = new BitSet(n);
        for (int sent = 0; sent < n + 64; sent += 32) {
            assertEquals(32, port.receive(0, batch));
            int first = pair(batch.get(0));
            for (int i = 0; i < 32; i++) {
                int f = pair(batch.get(i));
                seen.set(f);
                if (sent > 0) { // after the first burst: consecutive pairs, last stamped first out
                    assertEquals(Math.floorMod(first - i, n), f, "burst at " + sent + ", frame " + i);
                }
            }
            port.transmit(batch);
        }
        assertEquals(n, seen.cardinality(), "every pair was sent");
    }

    @Test
    void ipv4QuadruplesAreWrittenIntoTheHeadersAndTheRestOfTheFrameKept() {
        int n = 100; // more than the buffers: stamped on the way back
        int[][] quads = new int[n][];
        for (int i = 0; i < n; i++) {
            quads[i] = new int[] {0x0A00_0000 + i, 0xC000_0200 + i, 1024 + i, 40_000 + i};
        }
        port.ipv4Flows(quads);
        PacketBatch batch = new PacketBatch(32);
        BitSet seen = new BitSet(n);
        for (int sent = 0; sent < n + 64; sent += 32) {
            assertEquals(32, port.receive(0, batch));
            for (int i = 0; i < 32; i++) {
                Packet p = batch.get(i);
                int f = (int) (p.u32(26) - 0x0A00_0000L);
                assertTrue(f >= 0 && f < n, "nw_src of flow " + f);
                assertEquals(0xC000_0200L + f, p.u32(30), "nw_dst");
                assertEquals(1024 + f, p.u16(34), "tp_src");
                assertEquals(40_000 + f, p.u16(36), "tp_dst");
                assertEquals(0x02_00_00_00_00_02L, p.mac(0), "dst MAC kept");
                assertEquals(0x02_00_00_00_00_01L, p.mac(6), "src MAC kept");
                assertEquals(0x0800, p.u16(12), "EtherType kept");
                assertEquals(17, p.u16(22) & 0xff, "IP protocol kept");
                seen.set(f);
            }
            port.transmit(batch);
        }
        assertEquals(n, seen.cardinality(), "every quadruple was sent");
    }

    @Test
    void flowsNeedEveryBufferOnHand() {
        flows(port, 2);
        PacketBatch batch = new PacketBatch(32);
        port.receive(0, batch);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> flows(port, 2));
        assertTrue(e.getMessage().contains("32 buffers are still out"), e.getMessage());
        port.transmit(batch);
        flows(port, 5);
        assertEquals(32, port.receive(0, batch));
        port.transmit(batch);
    }

    @Test
    void noPairsNoFrames() {
        PacketBatch batch = new PacketBatch(32);
        assertEquals(0, port.receive(0, batch), "nothing before flows()");
        flows(port, 0);
        assertEquals(0, port.receive(0, batch));
    }
}
