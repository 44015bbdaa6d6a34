package org.vswitch4j.io.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.port.MemoryPort;
import org.vswitch4j.io.linux.internal.IoUring;

/**
 * A TAP port closed while its poll thread is receiving a flood from the kernel (the application closed it before
 * removing it from its bridge): the close waits for the burst in flight, unmaps the io_uring rings only then, and
 * the switch goes on forwarding for its other ports; 20 times over. Root only (CI).
 */
class TapCloseUnderTrafficTest {
    static final String NS = "vsl-tclose";

    @BeforeAll
    static void setUp() {
        RootLab.requireRoot();
        RootLab.requireTool("ping", "iputils-ping");
        RootLab.namespaceWithVeth(NS, "vsl-tca", "vsl-tcb");
    }

    @AfterAll
    static void tearDown() {
        if ("root".equals(System.getProperty("user.name"))) {
            RootLab.deleteNamespace(NS);
        }
    }

    @Test
    void closingATapPortUnderTrafficWaitsForItsBurstAndTheSwitchGoesOn() throws Exception {
        try (BufferPool pool = BufferPool.builder().count(8192).build();
             Switch s = Switch.builder().pollThreads(1).build()) {
            Bridge br = s.addBridge("br0");
            MemoryPort m = MemoryPort.builder().name("m").memory(pool).build();
            MemoryPort n = MemoryPort.builder().name("n").memory(pool).build();
            br.addPort(m, BridgePortConfig.access("m", 1));
            br.addPort(n, BridgePortConfig.access("n", 1));
            s.datapath().start();
            long flooded = 0;
            for (int round = 0; round < 20; round++) {
                TapPort t = TapPort.builder("vsl-tc0").namespace(NS).build();
                assertTrue(t.usesIoUring() || !IoUring.available());
                br.addPort(t, BridgePortConfig.access("t", 1));
                RootLab.sh(true, "ip", "-n", NS, "addr", "add", "192.0.2.1/24", "dev", "vsl-tc0");
                RootLab.sh(true, "ip", "-n", NS, "neigh", "replace", "192.0.2.9", "lladdr", "02:00:00:00:00:09",
                        "dev", "vsl-tc0");
                // a bounded flood (2,000 pings 0.2 ms apart, 5 s at most) that the close interrupts
                Process ping = new ProcessBuilder("ip", "netns", "exec", NS, "ping", "-q", "-c", "2000", "-i", "0.0002",
                        "-w", "5", "192.0.2.9").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                try {
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (t.stats().rxPackets() < 20 && System.nanoTime() < until) {
                        Thread.sleep(2);
                    }
                    assertTrue(t.stats().rxPackets() >= 20, "round " + round + ": the flood reached the port");
                    t.close(); // still on the bridge, its poll thread mid-flood
                    assertEquals(0, t.receive(0, new PacketBatch(8)),
                            "a closed port receives nothing");
                } finally {
                    ping.destroy();
                    ping.waitFor(5, TimeUnit.SECONDS);
                }
                br.removePort("t");
                flooded += t.stats().rxPackets();
            }
            // the switch still forwards between its other ports
            m.receiveAll();
            n.receiveAll();
            byte[] frame = new byte[60];
            frame[0] = 0x02; // to 02:00:00:00:00:0b from 02:00:00:00:00:0a, EtherType 0x88b5 (local experimental)
            frame[5] = 0x0b;
            frame[6] = 0x02;
            frame[11] = 0x0a;
            frame[12] = (byte) 0x88;
            frame[13] = (byte) 0xb5;
            assertTrue(m.send(frame));
            byte[] got = null;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (got == null && System.nanoTime() < until) {
                got = n.receive();
                if (got == null) {
                    Thread.sleep(1);
                }
            }
            assertTrue(got != null && Arrays.equals(frame, got), "after 20 closes under traffic, m still"
                    + " reaches n");
            assertTrue(flooded >= 400, "the TAPs received the floods: " + flooded);
        }
    }
}
