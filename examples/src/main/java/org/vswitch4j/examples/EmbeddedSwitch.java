package org.vswitch4j.examples;

import java.util.concurrent.atomic.AtomicInteger;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.port.MemoryPort;

/**
 * How a hypervisor embeds the switch: one {@link MemoryPort} per virtual NIC, a poll thread that forwards,
 * the guest side sending with {@link MemoryPort#send(byte[])} and receiving through a listener. This is the
 * README's second code sample. Run it after {@code ./vsw demo} (which builds the classes) with
 * {@code ./vsw java --enable-native-access=ALL-UNNAMED -cp switch-core/target/classes:testkit/target/classes:examples/target/classes org.vswitch4j.examples.EmbeddedSwitch}.
 */
public final class EmbeddedSwitch {
    private EmbeddedSwitch() {
    }

    /** Forwards 1,000 frames from vm1 to vm2 through a poll thread and prints what arrived. */
    public static void main(String[] args) {
        run(1000);
    }

    /** Sends {@code frames} frames from vm1 to vm2; returns how many vm2 received (within 5 s). */
    static int run(int frames) {
        try (BufferPool pool = BufferPool.builder().count(4096).build();
             Switch sw = Switch.builder().memory(pool).pollThreads(1).build();
             MemoryPort vm1 = MemoryPort.builder().name("vm1-eth0").memory(pool).build();
             MemoryPort vm2 = MemoryPort.builder().name("vm2-eth0").memory(pool).build()) {
            Bridge br = sw.addBridge("br0");
            br.addPort(vm1, BridgePortConfig.access("vm1-eth0", 10));
            br.addPort(vm2, BridgePortConfig.access("vm2-eth0", 10));
            AtomicInteger delivered = new AtomicInteger();
            vm2.onReceive((port, frame) -> delivered.incrementAndGet()); // the guest's rx, on the poll thread
            sw.start();

            byte[] frame = FrameBuilder.ethernet("02:00:00:00:00:01", "02:00:00:00:00:02")
                    .ipv4("192.0.2.1", "192.0.2.2").udp(40000, 9).payload(18).build();
            int sent = 0;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (sent < frames && System.nanoTime() < deadline) { // bounded in count and time
                if (vm1.send(frame)) {
                    sent++;
                } else {
                    Thread.onSpinWait(); // rx ring full: the poll thread is behind
                }
            }
            while (delivered.get() < sent && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            System.out.println("vm1 sent " + sent + " frames, vm2 received " + delivered.get());
            System.out.print(br.dumpPorts());
            return delivered.get();
        }
    }
}
