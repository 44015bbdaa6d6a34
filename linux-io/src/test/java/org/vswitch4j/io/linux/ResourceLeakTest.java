package org.vswitch4j.io.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every native resource a port takes (fds, ring and UMEM mappings, the XDP program, the TAP device) is given
 * back on close: 1,000 open/close cycles of each port type leave the process's fd and mapping counts where they
 * were, no XDP program on the device and no TAP behind. Root only (CI).
 */
class ResourceLeakTest {
    static final String NS = "vsl-leak";

    @BeforeAll
    static void setUp() {
        RootLab.requireRoot();
        RootLab.namespaceWithVeth(NS, "vsl-la", "vsl-lb");
        RootLab.sh(true, "ip", "-n", NS, "link", "add", "vsl-lc", "type", "veth", "peer", "name", "vsl-ld");
        RootLab.sh(true, "ip", "-n", NS, "link", "set", "vsl-lc", "up");
        RootLab.sh(true, "ip", "-n", NS, "link", "set", "vsl-ld", "up");
    }

    @AfterAll
    static void tearDown() {
        if ("root".equals(System.getProperty("user.name"))) {
            RootLab.deleteNamespace(NS);
        }
    }

    @Test
    void thousandAfXdpOpenCloseCyclesLeaveNoFdMappingOrProgramBehind() throws Exception {
        // warm up once: the epoll thread and JDK internals open their fds the first time
        AfXdpPort.builder("vsl-la").namespace(NS).ringSize(256).build().close();
        long fds = RootLab.openFds();
        long maps = RootLab.mappings();
        for (int i = 0; i < 1000; i++) {
            // two devices in turn: the kernel releases a closed socket's queue a little later (see XskSocket.open)
            try (AfXdpPort p = AfXdpPort.builder(i % 2 == 0 ? "vsl-la" : "vsl-lc").namespace(NS).ringSize(256)
                    .build()) {
                assertTrue(p.linkUp(), "cycle " + i + ": the port is up");
            }
        }
        assertEquals(fds, RootLab.openFds(), "open fds after 1,000 AF_XDP open/close cycles");
        long mapsAfter = RootLab.mappings();
        assertTrue(mapsAfter <= maps + 64, "mappings grew from " + maps + " to " + mapsAfter
                + " (each cycle maps a UMEM and four rings: a leak adds thousands; the JVM's own come and go)");
        String link = RootLab.sh(true, "ip", "-n", NS, "-d", "link", "show");
        assertFalse(link.contains("xdp"), "no XDP program left on the devices: " + link);
    }

    @Test
    void thousandTapOpenCloseCyclesLeaveNoFdMappingOrDeviceBehind() throws Exception {
        // The device is made persistent for the cycles (each attaches its two queues and closes them), because
        // the kernel takes tens of milliseconds to unregister a device; the last close removes it.
        TapPort.builder("vsl-leak0").namespace(NS).queues(2).persistent(true).build().close();
        long fds = RootLab.openFds();
        long maps = RootLab.mappings();
        for (int i = 0; i < 1000; i++) {
            // every tenth cycle with IFF_VNET_HDR offloads (and the port's pool of 64 KB buffers)
            try (TapPort p = TapPort.builder("vsl-leak0").namespace(NS).queues(2).attachOnly().offloads(i % 10 == 0)
                    .build()) {
                assertEquals(2, p.rxQueues());
                assertEquals(i % 10 == 0, p.offloads());
            }
        }
        assertEquals(fds, RootLab.openFds(), "open fds after 1,000 TAP open/close cycles");
        long mapsAfter = RootLab.mappings();
        assertTrue(mapsAfter <= maps + 64, "mappings grew from " + maps + " to " + mapsAfter
                + " (a leak adds one per cycle or more; the JVM's own, thread stacks and malloc arenas, come and go)");
        TapPort.builder("vsl-leak0").namespace(NS).queues(2).persistent(false).build().close();
        assertEquals(fds, RootLab.openFds(), "open fds at the end");
        String links = RootLab.sh(true, "ip", "-n", NS, "link", "show");
        assertFalse(links.contains("vsl-leak0"), "the TAP went with its last fd once not persistent: " + links);
    }
}
