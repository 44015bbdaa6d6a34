package org.vswitch4j.core.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.packet.BufferPool;

/**
 * The datapath with real poll threads. No sleeping: each wait is a bounded loop on a counter with a
 * deadline.
 */
class PollThreadsTest {
    private static final long DEADLINE_NANOS = 20_000_000_000L;

    private BufferPool pool;

    @BeforeEach
    void setUp() {
        pool = BufferPool.builder().count(2048).strict(true).build();
    }

    @AfterEach
    void noLeaks() {
        assertEquals(0, pool.usedCount(), "buffers still in use: a leak");
        pool.close();
    }

    static void await(String what, BooleanSupplier done) {
        long end = System.nanoTime() + DEADLINE_NANOS;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.yield();
        }
    }

    /** in_port 1 → rewrite ip_dst, output 2; in_port 2 → push VLAN, output 1 and 3; consults in_port, ip_src. */
    private static final Pipeline PIPELINE = (key, mask, tx) -> {
        mask.exact(FlowField.IPV4_SRC);
        if (key.inPort() == 1) {
            return DatapathActions.builder().setField(FlowField.IPV4_DST, key.get(FlowField.IPV4_SRC) + 1)
                    .output(2).build();
        }
        return DatapathActions.builder().pushVlan(0x8100, (int) (key.get(FlowField.IPV4_SRC) & 0xfff))
                .output(1).output(3).build();
    };

    private static List<List<String>> run(Datapath dp, TestPort[] ports, int perQueue, boolean threaded) {
        for (TestPort p : ports) {
            dp.addPort(p, PIPELINE);
        }
        int total = 0;
        for (int pi = 0; pi < 2; pi++) {
            for (int q = 0; q < ports[pi].rxQueues(); q++) {
                for (int i = 0; i < perQueue; i++) {
                    ports[pi].inject(q, Frames.udp(0x0a000000 + i % 7, 0x0b000000, 1000 + q, 53 + i));
                    total++;
                }
            }
        }
        int expected = total / 2 + total; // port 1's frames once, port 2's frames twice
        if (threaded) {
            dp.start();
        }
        await("all frames forwarded", () -> {
            if (!threaded) {
                dp.poll();
            }
            return ports[0].sent.get() + ports[1].sent.get() + ports[2].sent.get() == expected;
        });
        List<List<String>> out = new ArrayList<>();
        for (TestPort p : ports) {
            List<String> l = new ArrayList<>();
            for (byte[] f : p.drain()) {
                l.add(HexFormat.of().formatHex(f));
            }
            l.sort(null);
            out.add(l);
        }
        return out;
    }

    private TestPort[] ports() {
        return new TestPort[] {new TestPort("a", pool, 2), new TestPort("b", pool, 2), new TestPort("c", pool, 1)};
    }

    @Test
    void pollThreadsForwardExactlyWhatSynchronousModeForwards() {
        List<List<String>> sync;
        try (Datapath dp = Datapath.builder().memory(pool).build()) {
            sync = run(dp, ports(), 300, false);
        }
        List<List<String>> threaded;
        try (Datapath dp = Datapath.builder().memory(pool).pollThreads(2).build()) {
            threaded = run(dp, ports(), 300, true);
            assertEquals(600, dp.portStats(1).rxPackets(), "counters summed over both threads");
            assertEquals(600, dp.portStats(2).txPackets(), "port 1's frames");
            assertEquals(600, dp.portStats(3).txPackets(), "port 2's frames (the copies)");
            DatapathStats s = dp.stats();
            assertEquals(1200, s.lookups());
            assertTrue(s.megaflows() >= 14 && s.megaflows() <= 28, "7 sources × 2 ports, per thread: " + s);
        }
        assertEquals(sync, threaded);
    }

    @Test
    void rxQueuesAreSpreadRoundRobinOverThreads() {
        try (Datapath dp = Datapath.builder().memory(pool).pollThreads(2).build()) {
            for (TestPort p : ports()) {
                dp.addPort(p, PIPELINE);
            }
            // (1,0) (1,1) (2,0) (2,1) (3,0) → thread 0 gets 3 pairs, thread 1 gets 2
            assertEquals(3, dp.worker(0).assignment[0].length);
            assertEquals(2, dp.worker(1).assignment[0].length);
            assertEquals(1, dp.worker(1).assignment[0][0]);
            assertEquals(1, dp.worker(1).assignment[1][0]);
        }
    }

    @Test
    void reconfigureAppliesToEveryPacketReceivedAfterItReturns() {
        AtomicInteger outPort = new AtomicInteger(2);
        try (Datapath dp = Datapath.builder().memory(pool).pollThreads(2).build()) {
            TestPort[] ps = ports();
            for (TestPort p : ps) {
                dp.addPort(p, (key, mask, tx) -> DatapathActions.builder().output(outPort.get()).build());
            }
            dp.start();
            for (int round = 0; round < 20; round++) {
                int target = 2 + round % 2;
                dp.reconfigure(() -> outPort.set(target));
                for (int i = 0; i < 20; i++) {
                    ps[0].inject(i % 2, Frames.udp(0x0a000001, 0x0a000002, i, round));
                }
                TestPort expect = ps[target - 1];
                await("round " + round, () -> expect.sent.get() == 20);
                TestPort other = ps[target == 2 ? 2 : 1];
                assertEquals(0, other.sent.get(), "round " + round + ": a packet used the old configuration");
                expect.drain();
                expect.sent.set(0);
            }
        }
    }

    @Test
    void reconfigureFromInsideTranslateOnPollThreadsDoesNotDeadlock() {
        AtomicInteger reconfigs = new AtomicInteger();
        Datapath[] self = new Datapath[1];
        try (Datapath dp = Datapath.builder().memory(pool).pollThreads(2).build()) {
            self[0] = dp;
            TestPort[] ps = ports();
            for (TestPort p : ps) {
                dp.addPort(p, (key, mask, tx) -> {
                    mask.exact(FlowField.TP_SRC);
                    self[0].reconfigure(reconfigs::incrementAndGet);
                    return DatapathActions.builder().output(3).build();
                });
            }
            dp.start();
            for (int i = 0; i < 200; i++) {
                ps[i % 2].inject(i % 2 == 0 ? 0 : 1, Frames.udp(1, 2, i % 50, 9));
            }
            await("every frame forwarded", () -> ps[2].sent.get() == 200);
            assertTrue(reconfigs.get() >= 1);
            ps[2].drain();
        }
    }

    @Test
    void reconfiguresAndInvalidationsDuringTrafficLoseNothingAndLeakNothing() throws InterruptedException {
        AtomicInteger outPort = new AtomicInteger(2);
        int frames = 3000;
        try (Datapath dp = Datapath.builder().memory(pool).pollThreads(2).build()) {
            TestPort[] ps = ports();
            for (TestPort p : ps) {
                dp.addPort(p, (key, mask, tx) -> {
                    mask.exact(FlowField.TP_SRC);
                    tx.addTag(key.get(FlowField.TP_SRC));
                    return DatapathActions.builder().output(outPort.get()).build();
                });
            }
            dp.start();
            Thread injector = new Thread(() -> {
                for (int i = 0; i < frames; i++) {
                    ps[0].inject(i % 2, Frames.udp(1, 2, i % 64, 9));
                    if (i % 64 == 0) {
                        Thread.yield();
                    }
                }
            });
            injector.start();
            for (int i = 0; i < 60; i++) {
                int target = 2 + i % 2;
                dp.reconfigure(() -> outPort.set(target));
                dp.invalidate(i % 64);
                if (i % 10 == 0) {
                    dp.invalidateAll();
                }
            }
            injector.join();
            await("every frame forwarded", () -> ps[1].sent.get() + ps[2].sent.get() == frames);
            assertEquals(frames, dp.portStats(1).rxPackets());
            ps[1].drain();
            ps[2].drain();
        }
    }

    @Test
    void idlePollThreadsLetReconfigureReturnAtOnce() {
        try (Datapath dp = Datapath.builder().memory(pool).pollThreads(2).build()) {
            dp.start();
            for (int i = 0; i < 100; i++) {
                dp.reconfigure(() -> { });
            }
            dp.invalidateAll();
        }
    }

    @Test
    void pollThreadHookRunsOnEachPollThreadBeforeItsFirstRoundAndAfterItsLast() {
        java.util.Map<Integer, String> started = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.Map<Integer, String> stopped = new java.util.concurrent.ConcurrentHashMap<>();
        PollThreadHook hook = new PollThreadHook() {
            @Override
            public void started(int index) {
                started.put(index, Thread.currentThread().getName());
            }

            @Override
            public void stopping(int index) {
                stopped.put(index, Thread.currentThread().getName());
            }
        };
        try (Datapath dp = Datapath.builder().memory(pool).pollThreads(2).pollThreadHook(hook).build()) {
            dp.start();
            await("both hooks started", () -> started.size() == 2);
            assertEquals(java.util.Map.of(0, "vsw-pmd-0", 1, "vsw-pmd-1"), started);
            assertTrue(stopped.isEmpty(), "no thread stopped yet: " + stopped);
        }
        assertEquals(java.util.Map.of(0, "vsw-pmd-0", 1, "vsw-pmd-1"), stopped, "close() joins after stopping()");
    }
}
