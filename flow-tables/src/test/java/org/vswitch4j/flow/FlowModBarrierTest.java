package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.port.MemoryPort;

/**
 * With a real poll thread and traffic running: once a flow mod returns, no frame sent after that moment leaves
 * by an older decision. A sender numbers its frames; the test replaces the flow 400 times, flow i stamping i into
 * the UDP source port, and checks that every frame numbered after replacement i returned carries a stamp of at
 * least i (a later replacement may already apply). Bounded: 2 s, 400 replacements.
 */
class FlowModBarrierTest {
    static Match ip() {
        return Match.builder().exact(MatchField.ETH_TYPE, 0x0800).exact(MatchField.IP_PROTO, 17).build();
    }

    @Test
    void noFrameSentAfterAModReturnsUsesTheOldDecision() throws Exception {
        try (BufferPool pool = BufferPool.builder().count(8192).build();
             Switch sw = Switch.builder().memory(pool).pollThreads(1).build();
             MemoryPort p1 = MemoryPort.builder().name("p1").memory(pool).build();
             MemoryPort p2 = MemoryPort.builder().name("p2").memory(pool).build();
             MemoryPort p3 = MemoryPort.builder().name("p3").memory(pool).build()) {
            Bridge br = sw.addBridge("br0");
            br.addPort(p1, BridgePortConfig.builder("p1").build());
            br.addPort(p2, BridgePortConfig.builder("p2").build());
            br.addPort(p3, BridgePortConfig.builder("p3").build());
            ConcurrentLinkedQueue<long[]> got = new ConcurrentLinkedQueue<>(); // {stamp, seq}
            p2.onReceive((port, f) -> got.add(new long[] {f.u16(34), f.u32(42) & 0xffffffffL}));
            FlowPipeline of = FlowPipeline.attach(br, sw.datapath(), FlowPipeline.FailMode.SECURE);
            of.apply(FlowMod.add(0, 10, ip(), Instructions.apply(Action.Output.to(2))));
            sw.start();

            AtomicLong seq = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            Thread sender = new Thread(() -> {
                long deadline = System.nanoTime() + 3_000_000_000L;
                long s = 0;
                while (!stop.get() && System.nanoTime() < deadline) {
                    s++;
                    byte[] fr = FrameBuilder.ethernet("02:00:00:00:00:01", "02:00:00:00:00:02")
                            .ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).payload(new byte[] {
                                (byte) (s >>> 24), (byte) (s >>> 16), (byte) (s >>> 8), (byte) s}).build();
                    // Published before the send: a frame numbered above what the test read after a flow mod
                    // returned was surely queued after it (the other order breaks when this thread is
                    // preempted between the send and the store).
                    seq.set(s);
                    while (!p1.send(fr) && !stop.get()) {
                        Thread.onSpinWait();
                    }
                }
            });
            sender.start();
            while (seq.get() == 0) {
                Thread.onSpinWait();
            }
            long[] returned = new long[400]; // the sender's count when replacement i returned
            int n = 0;
            long end = System.nanoTime() + 2_000_000_000L;
            while (n < returned.length && System.nanoTime() < end) {
                of.apply(FlowMod.add(0, 10, ip(), Instructions.apply(
                        Action.SetField.of(MatchField.UDP_SRC, 1000 + n), Action.Output.to(2))));
                returned[n++] = seq.get();
                Thread.sleep(1);
            }
            stop.set(true);
            sender.join();
            Thread.sleep(50);
            int checked = 0;
            for (long[] g : got) {
                int last = -1; // the last replacement that had returned when this frame was sent
                for (int i = 0; i < n && returned[i] < g[1]; i++) {
                    last = i;
                }
                if (last >= 0) {
                    assertTrue(g[0] >= 1000 + last, "frame " + g[1] + " was sent after replacement " + last
                            + " returned but carries stamp " + (g[0] - 1000));
                    checked++;
                }
            }
            assertTrue(n > 10 && checked > 100, n + " replacements, " + checked + " frames checked");
        }
    }
}
