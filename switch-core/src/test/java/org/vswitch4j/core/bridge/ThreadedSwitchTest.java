package org.vswitch4j.core.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.time.VirtualClock;

/**
 * The bridge under a poll thread while the test thread reconfigures it: no deadlock between configuration,
 * the MAC table and upcalls, and every frame is accounted for.
 */
class ThreadedSwitchTest {
    static final long A = 0x0200_0000_000aL;
    static final long B = 0x0200_0000_000bL;

    @Test
    @Timeout(60)
    void reconfiguringWhilePollThreadForwardsNeitherDeadlocksNorLosesFrames() {
        VirtualClock clock = new VirtualClock(1_000_000_000L);
        try (Switch sw = Switch.builder().clock(clock).pollThreads(1).build()) {
            Bridge br = sw.addBridge("br0");
            QueuePort p1 = new QueuePort("p1", sw.datapath().memory());
            QueuePort p2 = new QueuePort("p2", sw.datapath().memory());
            br.addPort(p1, BridgePortConfig.access("p1", 10));
            br.addPort(p2, BridgePortConfig.access("p2", 10));
            sw.start();
            byte[] f = FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).payload(18).build();
            int frames = 2000;
            for (int i = 0; i < frames; i++) {
                p1.in.add(f);
                switch (i % 200) {
                    case 50 -> br.macTable().flush();
                    case 100 -> br.macTable().addStatic(10, B, br.ofport("p2"));
                    case 150 -> br.macTable().removeStatic(10, B);
                    case 199 -> br.setPortConfig("p1", BridgePortConfig.access("p1", 10));
                    default -> { }
                }
                if (i % 500 == 0) {
                    clock.advanceMillis(600);
                }
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (p2.received.get() + br.portStats("p1").rxDropped() < frames && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            // Frames are flooded or unicast to p2: every one of them reaches it.
            assertEquals(frames, p2.received.get(), "stats: " + br.portStats("p1") + " " + sw.datapath().stats());
            assertTrue(br.stats().learned() >= 1);
        }
    }

    /** A thread-safe port fed from a concurrent queue, counting what it is sent. */
    static final class QueuePort implements Port {
        final String name;
        final PacketMemory memory;
        final ConcurrentLinkedQueue<byte[]> in = new ConcurrentLinkedQueue<>();
        final AtomicInteger received = new AtomicInteger();

        QueuePort(String name, PacketMemory memory) {
            this.name = name;
            this.memory = memory;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int receive(int queue, PacketBatch batch) {
            int n = 0;
            while (batch.remaining() > 0 && !in.isEmpty()) {
                long h = memory.allocate();
                if (h < 0) {
                    break;
                }
                byte[] f = in.poll();
                Packet p = batch.add();
                p.bindEmpty(memory, h);
                p.write(0, f, 0, f.length);
                p.length(f.length);
                n++;
            }
            return n;
        }

        @Override
        public void transmit(PacketBatch batch) {
            received.addAndGet(batch.size());
            batch.releaseAll();
        }

        @Override
        public PacketMemory memory() {
            return memory;
        }

        @Override
        public boolean linkUp() {
            return true;
        }

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public long mac() {
            return 0;
        }

        @Override
        public PortStats stats() {
            return PortStats.ZERO;
        }

        @Override
        public void close() {
        }
    }
}
