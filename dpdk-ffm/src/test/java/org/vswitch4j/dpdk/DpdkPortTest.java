package org.vswitch4j.dpdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.datapath.Datapath;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.datapath.Pipeline;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.time.VirtualClock;

/** DPDK ports on the PMDs that need no device: net_null (a source and sink) and net_ring (a loopback). */
class DpdkPortTest {
    private Dpdk dpdk;

    @BeforeEach
    void eal() {
        dpdk = TestEal.dpdk();
    }

    @Test
    void nullPmdBurstBecomesViewsOfMbufsAndReleasingReturnsThemToThePool() {
        DpdkMemory mem = dpdk.memory();
        long freeBefore = mem.freeCount();
        try (DpdkPort p = DpdkPort.builder(dpdk, "net_null20,size=100").build()) {
            assertEquals("net_null", p.driver());
            assertTrue(p.linkUp(), "net_null's link is up once started");
            PacketBatch b = new PacketBatch();
            int n = p.receive(0, b);
            assertEquals(32, n, "net_null fills every burst");
            for (int i = 0; i < n; i++) {
                Packet v = b.get(i);
                assertSame(mem, v.memory());
                assertTrue(mem.contains(v.handle()), "the handle is an mbuf of the pool");
                assertEquals(100, v.length());
                assertEquals(128, v.dataOffset(), "data_off: the mbuf's 128 bytes of headroom");
            }
            assertEquals(freeBefore - 32, mem.freeCount(), "32 mbufs out");
            b.releaseAll();
            assertEquals(freeBefore, mem.freeCount(), "rte_pktmbuf_free_bulk gave them all back");
            PortStats s = p.stats();
            assertEquals(32, s.rxPackets(), "net_null counts packets (not bytes)");
        }
    }

    /** OVS's {@code in_port=1,actions=output:2} and {@code in_port=2,actions=output:1}. */
    static final Pipeline PORT_TO_PORT = (key, mask, tx) ->
            DatapathActions.builder().output(key.inPort() == 1 ? 2 : 1).build();

    @Test
    void framesCrossTwoNullPortsThroughTheDatapathWithoutCopyAndNoMbufLeaks() {
        DpdkMemory mem = dpdk.memory();
        long freeBefore = mem.freeCount();
        try (Datapath dp = Datapath.builder().clock(new VirtualClock()).build();
             DpdkPort a = DpdkPort.builder(dpdk, "net_null21").build();
             DpdkPort b = DpdkPort.builder(dpdk, "net_null22").build()) {
            dp.addPort(a, PORT_TO_PORT);
            dp.addPort(b, PORT_TO_PORT);
            for (int i = 0; i < 100; i++) {
                dp.poll();
            }
            PortStats sa = a.stats();
            PortStats sb = b.stats();
            assertEquals(3200, sa.rxPackets(), "100 bursts of 32 from each port");
            assertEquals(3200, sb.rxPackets());
            assertEquals(3200, sb.txPackets() + sb.txDropped(), "what a received went to b: " + sb);
            assertEquals(3200, sa.txPackets() + sa.txDropped(), "what b received went to a: " + sa);
            assertEquals(6400, dp.portStats(1).txPackets() + dp.portStats(2).txPackets(), "the datapath sent all");
            assertEquals(0, dp.memory().usedCount(), "no frame was copied into the core's pool");
        }
        assertEquals(freeBefore, mem.freeCount(), "every mbuf is back in the pool");
    }

    @Test
    void pushedHeaderMovesDataOffAndLengthIntoTheMbufOnTx() {
        try (DpdkPort ring = DpdkPort.builder(dpdk, "net_ring20").build()) {
            // Prime the loopback with one frame of the core's memory (copied once into an mbuf).
            byte[] frame = FrameBuilder.ethernet("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("192.0.2.1", "192.0.2.2")
                    .udp(1000, 2000).payload(18).build();
            try (BufferPool core = BufferPool.builder().count(64).strict(true).build()) {
                PacketBatch out = new PacketBatch();
                Packet v = out.add().bindEmpty(core, core.allocate());
                v.length(frame.length);
                v.write(0, frame, 0, frame.length);
                ring.transmit(out);
                assertEquals(0, core.usedCount(), "the foreign buffer was released after its copy");
                assertEquals(0, out.size());
            }
            PacketBatch in = new PacketBatch();
            assertEquals(1, ring.receive(0, in));
            Packet p = in.get(0);
            assertInstanceOf(DpdkMemory.class, p.memory());
            assertArrayEquals(frame, p.toByteArray(), "the copy is byte for byte");
            int off = p.dataOffset();
            // Push an 802.1Q tag as the datapath does: 4 bytes of headroom, MACs moved forward.
            assertTrue(p.adjustHead(4));
            p.moveBytes(4, 0, 12);
            p.u16(12, 0x8100);
            p.u16(14, 42);
            long handle = p.handle();
            PacketBatch again = new PacketBatch();
            in.get(0).moveTo(again.add());
            in.size(0);
            ring.transmit(again);
            PacketBatch back = new PacketBatch();
            assertEquals(1, ring.receive(0, back));
            Packet q = back.get(0);
            assertEquals(handle, q.handle(), "the same mbuf came round: no copy between DPDK ports");
            assertEquals(off - 4, q.dataOffset(), "data_off written back on tx");
            assertEquals(frame.length + 4, q.length(), "data_len and pkt_len written back on tx");
            assertEquals(0x8100, q.u16(12));
            assertEquals(42, q.u16(14));
            back.releaseAll();
        }
    }

    /**
     * One tx burst mixing mbufs and frames of another memory (what a bridge with a DPDK port and a VM port
     * sends): the mbufs go as they are, the others are copied into fresh mbufs taken in one dequeue when the
     * first of them comes, and every frame comes round the loopback in order, with no mbuf or buffer left over.
     */
    @Test
    void aBurstMixingMbufsAndOtherFramesSendsAllInOrderAndLeaksNothing() {
        DpdkMemory mem = dpdk.memory();
        long freeBefore = mem.freeCount();
        try (DpdkPort ring = DpdkPort.builder(dpdk, "net_ring21").build();
             BufferPool core = BufferPool.builder().count(64).strict(true).build()) {
            byte[][] frames = new byte[8][];
            for (int i = 0; i < frames.length; i++) {
                frames[i] = FrameBuilder.ethernet(0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L)
                        .ipv4("192.0.2.1", "192.0.2.2").udp(1000 + i, 2000).padTo(64).build();
            }
            // Frames 0..3 into mbufs first (a burst of copies), round the loopback once.
            PacketBatch out = new PacketBatch();
            for (int i = 0; i < 4; i++) {
                Packet v = out.add().bindEmpty(core, core.allocate());
                v.length(64);
                v.write(0, frames[i], 0, 64);
            }
            ring.transmit(out);
            PacketBatch mbufs = new PacketBatch();
            assertEquals(4, ring.receive(0, mbufs));
            // Then one burst: mbuf 0, copy of 4, mbuf 1, copy of 5, copy of 6, mbuf 2, mbuf 3, copy of 7.
            int[] order = {0, 4, 1, 5, 6, 2, 3, 7};
            int nextMbuf = 0;
            for (int f : order) {
                if (f < 4) {
                    mbufs.get(nextMbuf++).moveTo(out.add());
                } else {
                    Packet v = out.add().bindEmpty(core, core.allocate());
                    v.length(64);
                    v.write(0, frames[f], 0, 64);
                }
            }
            mbufs.size(0);
            ring.transmit(out);
            assertEquals(0, out.size());
            assertEquals(0, core.usedCount(), "every foreign buffer was released after its copy");
            PacketBatch in = new PacketBatch();
            assertEquals(order.length, ring.receive(0, in));
            for (int i = 0; i < order.length; i++) {
                assertArrayEquals(frames[order[i]], in.get(i).toByteArray(), "frame " + i + " of the burst");
            }
            in.releaseAll();
            assertEquals(0, ring.stats().txDropped());
        }
        assertEquals(freeBefore, mem.freeCount(), "every mbuf is back in the pool (the spare fresh ones too)");
    }

    @Test
    void severalRxQueuesAreConfiguredWithRss() {
        try (DpdkPort p = DpdkPort.builder(dpdk, "net_null23").rxQueues(2).txQueues(2).build()) {
            assertEquals(2, p.rxQueues());
            assertEquals(2, p.txQueues());
            PacketBatch b = new PacketBatch();
            assertEquals(32, p.receive(0, b));
            b.releaseAll();
            assertEquals(32, p.receive(1, b));
            b.releaseAll();
            assertThrows(IllegalArgumentException.class, () -> p.receive(2, b));
        }
    }

    @Test
    void badDevargsGiveAClearErrorAndAttachNothing() {
        DpdkException e = assertThrows(DpdkException.class,
                () -> DpdkPort.builder(dpdk, "net_nosuchdriver0").build());
        assertTrue(e.getMessage().contains("could not attach device 'net_nosuchdriver0'"), e.getMessage());
        assertTrue(e.getMessage().contains("net_tap0,iface="), "the message shows examples: " + e.getMessage());
        DpdkException opt = assertThrows(DpdkException.class,
                () -> DpdkPort.builder(dpdk, "net_pcap24,rx_pcap=/nonexistent/vsd.pcap").build());
        assertTrue(opt.getMessage().contains("could not attach"), opt.getMessage());
        // The name is free again: nothing stayed attached.
        try (DpdkPort p = DpdkPort.builder(dpdk, "net_null24").build()) {
            assertTrue(p.portId() >= 0);
        }
    }

    @Test
    void attachingTheSameDeviceTwiceIsRefused() {
        try (DpdkPort p = DpdkPort.builder(dpdk, "net_null25").build()) {
            DpdkException e = assertThrows(DpdkException.class, () -> DpdkPort.builder(dpdk, "net_null25").build());
            assertTrue(e.getMessage().contains("already attached"), e.getMessage());
            assertTrue(p.linkUp());
        }
    }

    @Test
    void closedPortReceivesNothingAndDropsWhatItIsGiven() {
        DpdkPort p = DpdkPort.builder(dpdk, "net_null26").build();
        PacketBatch b = new PacketBatch();
        assertEquals(32, p.receive(0, b));
        p.close();
        p.close();
        assertFalse(p.linkUp());
        assertEquals(0, p.receive(0, new PacketBatch()));
        p.transmit(b);
        assertEquals(0, b.size());
        assertEquals(32, p.stats().txDropped());
    }

    @Test
    void mbufPoolNameAndSizeAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> dpdk.createMemory("", 1024));
        assertThrows(IllegalArgumentException.class, () -> dpdk.createMemory("x".repeat(26), 1024));
        assertThrows(IllegalArgumentException.class, () -> dpdk.createMemory("vsd_small", 10));
        DpdkMemory m = dpdk.createMemory("vsd_pool_t", 511);
        assertEquals(511, m.capacity());
        assertEquals(2176, m.bufferSize());
        long[] h = new long[600];
        int got = m.allocate(h, 0, 600);
        assertTrue(got >= 256 && got <= 511, "got " + got);
        assertEquals(got, m.usedCount());
        assertThrows(IllegalStateException.class, m::close, "a pool with mbufs out is not freed");
        m.release(h, 0, got);
        assertThrows(IllegalArgumentException.class, () -> m.release(12345L));
        m.close();
        DpdkException dup = assertThrows(DpdkException.class, () -> {
            dpdk.createMemory("vsd_dup", 255);
            dpdk.createMemory("vsd_dup", 255);
        });
        assertTrue(dup.getMessage().contains("vsd_dup"), dup.getMessage());
    }

    @Test
    void poolOfAnOpenPortIsNotFreed() {
        DpdkMemory m = dpdk.createMemory("vsd_port_pool", 1023);
        DpdkPort p = DpdkPort.builder(dpdk, "net_null27").memory(m).build();
        PacketBatch b = new PacketBatch();
        assertEquals(32, p.receive(0, b));
        assertSame(m, b.get(0).memory(), "the port receives into its own pool");
        b.releaseAll();
        IllegalStateException e = assertThrows(IllegalStateException.class, m::close);
        assertTrue(e.getMessage().contains("open port"), e.getMessage());
        p.close();
        m.close();
    }

    @Test
    void ealCannotBeStartedTwiceWithOtherArguments() {
        DpdkException e = assertThrows(DpdkException.class,
                () -> Dpdk.builder().filePrefix("vsd-other").start());
        assertTrue(e.getMessage().contains("one EAL per process"), e.getMessage());
        assertSame(dpdk, Dpdk.current().orElseThrow());
    }
}
