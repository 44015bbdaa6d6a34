package org.vswitch4j.core.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.time.VirtualClock;

/**
 * Memory ports under a switch with a real poll thread: the test thread injects, the poll thread receives and
 * transmits, the test thread (ring) or the poll thread (listener) takes frames out. Every frame arrives once
 * and no buffer leaks.
 */
class MemoryPortOnPollThreadsTest {
    private static final int FRAMES = 5000;

    @Test
    void framesCrossABridgeDrivenByAPollThreadToARingAndToAListener() throws Exception {
        VirtualClock clock = new VirtualClock();
        try (BufferPool pool = BufferPool.builder().count(2048).strict(true).build()) {
            MemoryPort a = MemoryPort.builder().name("a").memory(pool).build();
            MemoryPort b = MemoryPort.builder().name("b").memory(pool).build();
            MemoryPort c = MemoryPort.builder().name("c").memory(pool).build();
            AtomicInteger atC = new AtomicInteger();
            c.onReceive((port, frame) -> atC.incrementAndGet());
            try (Switch sw = Switch.builder().clock(clock).memory(pool).pollThreads(1).build()) {
                Bridge br = sw.addBridge("br0");
                br.addPort(a, BridgePortConfig.access("a", 10));
                br.addPort(b, BridgePortConfig.access("b", 10));
                br.addPort(c, BridgePortConfig.access("c", 10));
                sw.start();
                // Broadcast from a: the bridge floods every frame to b (ring) and c (listener).
                byte[] frame = FrameBuilder.ethernet(0x0200_0000_000aL, 0xffff_ffff_ffffL)
                        .ipv4("192.0.2.1", "192.0.2.255").udp(1, 2).payload(18).build();
                int sent = 0;
                int atB = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while ((atB < FRAMES || atC.get() < FRAMES) && System.nanoTime() < deadline) {
                    // Window on frames in flight anywhere (a's rx ring, the switch, b's tx ring), not on b's ring
                    // alone: b's 1024-slot ring must never overflow, however slowly this thread drains it.
                    if (sent < FRAMES && sent - atB < 512 && a.send(frame)) {
                        sent++;
                    }
                    byte[] got = b.receive();
                    if (got != null) {
                        assertEquals(frame.length, got.length);
                        atB++;
                    } else {
                        Thread.yield();
                    }
                }
                assertEquals(FRAMES, atB, b.stats() + " / " + a.stats());
                assertEquals(FRAMES, atC.get());
                assertEquals(FRAMES, a.stats().rxPackets());
                assertEquals(0, b.stats().txDropped());
            }
            a.close();
            b.close();
            c.close();
            assertTrue(pool.usedCount() == 0, pool.usedCount() + " buffers leaked");
        }
    }
}
