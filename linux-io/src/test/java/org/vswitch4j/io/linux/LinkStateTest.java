package org.vswitch4j.io.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vswitch4j.io.linux.internal.NetDevice;
import org.vswitch4j.io.linux.internal.NetNs;

/**
 * A port's link state follows the carrier at once. The kernel updates IFF_RUNNING (the operational state) from
 * link-watch work on a kernel work queue, which on a busy machine ran here up to ~0.4 s after the carrier
 * changed (1 s when the kernel rate-limits it), while frames already flow; a port that read IFF_RUNNING
 * counted as down for that long after its device came up, and its floods were dropped (seen in CI as a lost
 * first ARP: PORT_DOWN on the AF_XDP port). Toggles a veth end 20 times and reads the state right after each
 * change, with no wait; prints how often IFF_RUNNING alone would have been late (load-dependent, often 0 on
 * an idle machine). Root only (CI).
 */
class LinkStateTest {
    static final String NS = "vsl-link";

    @BeforeAll
    static void setUp() {
        RootLab.requireRoot();
        RootLab.namespaceWithVeth(NS, "vsl-lka", "vsl-lkb");
    }

    @AfterAll
    static void tearDown() {
        if ("root".equals(System.getProperty("user.name"))) {
            RootLab.deleteNamespace(NS);
        }
    }

    @Test
    void aDeviceCountsAsUpTheMomentItsCarrierIsOnAndAsDownTheMomentItIsOff() {
        try (NetDevice a = NetNs.call(NS, () -> new NetDevice("vsl-lka"))) {
            assertEquals(1, a.carrier(), "a veth with both ends up has carrier");
            assertTrue(a.upAndRunning());
            int runningLagged = 0;
            for (int i = 0; i < 20; i++) {
                RootLab.sh(true, "ip", "-n", NS, "link", "set", "vsl-lkb", "down");
                assertFalse(a.upAndRunning(), "round " + i + ": the peer is down, so this end has no carrier");
                RootLab.sh(true, "ip", "-n", NS, "link", "set", "vsl-lkb", "up");
                boolean running = (a.flags() & NetDevice.IFF_RUNNING) != 0; // before GLINK, which syncs it
                assertTrue(a.upAndRunning(), "round " + i + ": the peer is up again, so this end has carrier");
                if (!running) {
                    runningLagged++;
                }
            }
            System.out.printf("IFF_RUNNING lagged the carrier in %d of 20 rounds%n", runningLagged);
        }
        try (NetDevice gone = NetNs.call(NS, () -> new NetDevice("vsl-lknone"))) {
            assertEquals(-1, gone.carrier(), "no such device");
            assertFalse(gone.upAndRunning());
        }
    }
}
