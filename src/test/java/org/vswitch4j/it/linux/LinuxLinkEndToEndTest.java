package org.vswitch4j.it.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.vswitch4j.it.linux.LinuxPortsEndToEndTest.ping;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.datapath.Datapath;
import org.vswitch4j.io.linux.AfXdpPort;
import org.vswitch4j.io.linux.TapPort;
import org.vswitch4j.io.linux.XdpUmem;

/**
 * Devices that go down or disappear under traffic, and an idle switch. Each port's device is set down, set up,
 * deleted and created again while the other hosts keep talking: the port goes down with its device, the rest of
 * the switch forwards on, and the port comes back when the device does. Then, with no traffic, the poll threads
 * sleep (epoll wake-ups) instead of spinning. Root only (CI).
 */
class LinuxLinkEndToEndTest {
    @Test
    void aPortFollowsItsDeviceDownUpGoneAndBackWhileTheRestForwardsAndAnIdleSwitchSleeps() throws Exception {
        try (LinuxLab lab = LinuxLab.open("ping", "ethtool")) {
            String sw = lab.namespace("vsl-sw");
            for (int i = 1; i <= 4; i++) {
                lab.namespace("vsl-h" + i);
            }
            for (int i = 1; i <= 2; i++) {
                lab.veth("vsl-h" + i + "e", "vsl-h" + i, "vsl-p" + i, sw);
                lab.host("vsl-h" + i, "vsl-h" + i + "e", "192.0.2." + i + "/24", true);
            }
            try (XdpUmem umem = XdpUmem.builder().frames(16384).build();
                 AfXdpPort p1 = AfXdpPort.builder("vsl-p1").namespace(sw).umem(umem).build();
                 AfXdpPort p2 = AfXdpPort.builder("vsl-p2").namespace(sw).umem(umem).build();
                 TapPort t3 = TapPort.builder("vsl-t3").namespace("vsl-h3").build();
                 TapPort t4 = TapPort.builder("vsl-t4").namespace("vsl-h4").build();
                 Switch s = Switch.builder().pollThreads(2).build()) {
                lab.host("vsl-h3", "vsl-t3", "192.0.2.3/24", false);
                lab.host("vsl-h4", "vsl-t4", "192.0.2.4/24", false);
                Bridge br = s.addBridge("br0");
                int d1 = br.addPort(p1, BridgePortConfig.access("p1", 10));
                br.addPort(p2, BridgePortConfig.access("p2", 10));
                int d3 = br.addPort(t3, BridgePortConfig.access("t3", 10));
                br.addPort(t4, BridgePortConfig.access("t4", 10));
                Datapath dp = s.datapath();
                dp.start();
                ping(lab, "vsl-h1", "192.0.2.2");
                ping(lab, "vsl-h3", "192.0.2.4");
                // background traffic between the TAP hosts for the whole AF_XDP part (bounded: 600 x 20 ms)
                Process background = lab.start("vsl-h3", "ping", "-c", "600", "-i", "0.02", "-q", "192.0.2.4");

                // AF_XDP port: device down, up
                lab.in(sw, "ip", "link", "set", "vsl-p1", "down");
                await("p1 goes down with its device", () -> !dp.portOperUp(d1));
                ping(lab, "vsl-h4", "192.0.2.3");
                LinuxVlanEndToEndTest.unreachable(lab, "vsl-h1", "192.0.2.2");
                lab.in(sw, "ip", "link", "set", "vsl-p1", "up");
                await("p1 comes back up with its device", () -> dp.portOperUp(d1));
                ping(lab, "vsl-h1", "192.0.2.2");

                // AF_XDP port: device deleted, then created again (a new ifindex: new program, new socket)
                lab.in(sw, "ip", "link", "del", "vsl-p1");
                await("p1 goes down when its device is deleted", () -> !dp.portOperUp(d1));
                ping(lab, "vsl-h4", "192.0.2.3");
                lab.veth("vsl-h1e", "vsl-h1", "vsl-p1", sw);
                lab.host("vsl-h1", "vsl-h1e", "192.0.2.1/24", true);
                await("p1 re-attaches to the new device", () -> dp.portOperUp(d1));
                ping(lab, "vsl-h1", "192.0.2.2");
                ping(lab, "vsl-h1", "192.0.2.3");

                // TAP port: device down, up, deleted, created again as a persistent TAP by someone else
                lab.in("vsl-h3", "ip", "link", "set", "vsl-t3", "down");
                await("t3 goes down with its device", () -> !dp.portOperUp(d3));
                ping(lab, "vsl-h1", "192.0.2.2");
                lab.in("vsl-h3", "ip", "link", "set", "vsl-t3", "up");
                await("t3 comes back up", () -> dp.portOperUp(d3));
                ping(lab, "vsl-h3", "192.0.2.4");
                lab.in("vsl-h3", "ip", "link", "del", "vsl-t3");
                await("t3 goes down when its device is deleted", () -> !dp.portOperUp(d3));
                ping(lab, "vsl-h2", "192.0.2.4");
                lab.in("vsl-h3", "ip", "tuntap", "add", "vsl-t3", "mode", "tap");
                lab.host("vsl-h3", "vsl-t3", "192.0.2.3/24", false);
                await("t3 re-attaches to the new TAP", () -> dp.portOperUp(d3));
                ping(lab, "vsl-h3", "192.0.2.4");
                ping(lab, "vsl-h3", "192.0.2.1");

                // idle: the poll threads sleep until a port has frames
                background.destroy();
                background.waitFor();
                long[] before = pollThreadCpu();
                long t0 = System.nanoTime();
                lab.tryIn(10, "vsl-h1", "sleep", "2");
                long wall = System.nanoTime() - t0;
                long[] after = pollThreadCpu();
                long cpu = after[0] - before[0];
                System.out.printf("idle: %d poll threads used %.1f ms CPU in %.0f ms%n", after[1], cpu / 1e6,
                        wall / 1e6);
                assertTrue(after[1] == 2 && cpu < wall / 20, "idle poll threads used " + cpu / 1_000_000 + " ms of CPU"
                        + " in " + wall / 1_000_000 + " ms: they should sleep in epoll, not spin");
                ping(lab, "vsl-h1", "192.0.2.4"); // and wake up for the next packet
            }
        }
    }

    /** {total CPU ns, thread count} of the datapath's poll threads. */
    static long[] pollThreadCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        return LinuxLab.sumOverPollThreads(t -> mx.getThreadCpuTime(t.threadId()));
    }

    /** Waits up to 5 s for {@code condition}, polling every 20 ms. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail(what + ": not within 5 s");
            }
            Thread.sleep(20);
        }
    }
}
