package org.vswitch4j.core.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.datapath.DatapathStats;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.time.VirtualClock;

/**
 * The steady state of a NORMAL bridge allocates nothing per packet, revalidation passes included: the
 * datapath asks the bridge to {@code refresh} a used megaflow instead of re-translating it (which built new
 * action lists each pass). Measured with the thread's allocation counter, as {@code FlowParserTest} does for
 * the parser: everything runs on this thread (synchronous mode).
 */
class RevalidationAllocationTest {
    static final int FLOWS = 2000;
    static final int BURST = 32;
    /** Switch time per poll round: a revalidation pass (every 500 ms) every 100 rounds. */
    static final long STEP_NANOS = 5_000_000L;

    @Test
    void forwardingWithRevalidationPassesAllocatesNothingPerPacket() throws ReflectiveOperationException {
        // The thread MXBean through reflection: the core module reads neither java.management nor jdk.management.
        Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        Method allocated = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        VirtualClock clock = new VirtualClock(1_000_000_000L);
        try (BufferPool pool = BufferPool.builder().count(1024).build();
             Switch sw = Switch.builder().clock(clock).memory(pool).build()) {
            // The shortest ageing: the measured 50 s of switch time are more than three ageing times.
            Bridge br = sw.addBridge(Bridge.builder("br0").ageing(Duration.ofSeconds(MacTable.MIN_AGEING_SECONDS)));
            long[] a = new long[FLOWS];
            long[] b = new long[FLOWS];
            for (int i = 0; i < FLOWS; i++) {
                a[i] = 0x02_10_00_00_00_00L | i;
                b[i] = 0x02_20_00_00_00_00L | i;
            }
            // Stations a[i] behind p1 talk to b[i] behind p2 and back: known unicast both ways, and both ends'
            // MAC entries stay alive only if revalidation refreshes them (virtual time passes their ageing).
            Generator p1 = new Generator("p1", pool, a, b);
            Generator p2 = new Generator("p2", pool, b, a);
            br.addPort(p1, BridgePortConfig.access("p1", 10));
            br.addPort(p2, BridgePortConfig.access("p2", 10));
            run(sw, clock, 3 * FLOWS / BURST);        // learn both sides, install the megaflows
            assertEquals(2 * FLOWS, br.macTable().size());

            int rounds = 10_000;                       // 640,000 packets, 50 s of switch time, 100 passes
            run(sw, clock, rounds);                    // warm up (JIT)
            DatapathStats s0 = sw.datapath().stats();
            long rx0 = p1.sent + p2.sent;
            long before = (long) allocated.invoke(mx);
            run(sw, clock, rounds);
            long bytes = (long) allocated.invoke(mx) - before;
            DatapathStats s1 = sw.datapath().stats();
            long packets = p1.sent + p2.sent - rx0;

            assertEquals(2L * BURST * rounds, packets, "every packet forwarded");
            assertEquals(s0.upcalls(), s1.upcalls(), "no upcall in steady state");
            assertTrue(s1.revalidations() - s0.revalidations() >= 2L * FLOWS * 90,
                    "revalidation passes ran over every flow: " + s0 + " -> " + s1);
            assertEquals(0, br.stats().aged(), "revalidation kept the active stations' entries");
            assertEquals(0, s1.invalidations() - s0.invalidations());
            System.out.printf("revalidation allocation: %d bytes for %d packets = %.4f B/packet%n",
                    bytes, packets, (double) bytes / packets);
            // A few hundred bytes of slack for the measurement itself (reflection, boxing of its result).
            assertTrue(bytes < 2048, bytes + " bytes allocated for " + packets + " packets ("
                    + (double) bytes / packets + " B/packet)");
            p1.close();
            p2.close();
        }
    }

    private static void run(Switch sw, VirtualClock clock, int rounds) {
        for (int i = 0; i < rounds; i++) {
            sw.poll();
            clock.advanceNanos(STEP_NANOS);
        }
    }

    /**
     * A {@code net_null}-like port: receives a burst of 64-byte frames per round, one per flow in
     * round-robin order (two MAC stores on a template), and releases what it is sent. Allocates nothing.
     */
    static final class Generator implements Port {
        private final String name;
        private final BufferPool pool;
        private final byte[] template;
        private final long[] src;
        private final long[] dst;
        private int next;
        long sent;

        Generator(String name, BufferPool pool, long[] src, long[] dst) {
            this.name = name;
            this.pool = pool;
            this.template = FrameBuilder.ethernet(src[0], dst[0]).ipv4("192.0.2.1", "192.0.2.2").udp(1024, 2048)
                    .padTo(64).build();
            this.src = src;
            this.dst = dst;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int receive(int queue, PacketBatch batch) {
            int n = Math.min(BURST, batch.remaining());
            for (int i = 0; i < n; i++) {
                long h = pool.allocate();
                if (h < 0) {
                    return i;
                }
                Packet p = batch.add().bindEmpty(pool, h);
                p.length(template.length);
                p.write(0, template, 0, template.length);
                p.mac(0, dst[next]);
                p.mac(6, src[next]);
                if (++next == src.length) {
                    next = 0;
                }
            }
            return n;
        }

        @Override
        public void transmit(PacketBatch batch) {
            int n = batch.size();
            sent += n;
            batch.releaseAll();
        }

        @Override
        public PacketMemory memory() {
            return pool;
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
