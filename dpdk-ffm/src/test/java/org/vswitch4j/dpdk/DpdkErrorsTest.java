package org.vswitch4j.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vswitch4j.dpdk.internal.Libraries;

/**
 * The error messages of the setup steps that a test JVM (whose one EAL is already running) cannot provoke for
 * real: a missing library, no hugepages, option misuse. Each names the fix.
 */
class DpdkErrorsTest {

    @Test
    void missingLibraryNamesThePackageToInstall() {
        DpdkException e = assertThrows(DpdkException.class, () -> Libraries.load("librte_vsd_missing.so.23"));
        assertTrue(e.getMessage().contains("librte_vsd_missing.so.23 could not be loaded"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install dpdk"), e.getMessage());
    }

    @Test
    void hugepagesAskedForButNoneFreeNamesBothFixes() {
        String m = Dpdk.hugepageShortage(true, 0);
        assertTrue(m.contains("echo 1024 > /proc/sys/vm/nr_hugepages"), m);
        assertTrue(m.contains("hugepages(false)"), m);
        assertNull(Dpdk.hugepageShortage(true, 12), "free hugepages: no problem");
        assertNull(Dpdk.hugepageShortage(false, 0), "--no-huge needs none");
    }

    @Test
    void ealArgumentsFollowTheOptions() {
        List<String> huge = Dpdk.builder().hugepages(true).filePrefix("vsd-args").memoryMegabytes(128).ealArgs();
        assertTrue(huge.containsAll(List.of("--in-memory", "-m", "128", "--file-prefix=vsd-args", "--no-pci",
                "--no-telemetry")), huge.toString());
        assertTrue(huge.get(1).startsWith("--lcores=0@("), "lcore 0 may run on every allowed CPU: " + huge);
        List<String> small = Dpdk.builder().hugepages(false).pci(true).extraArgs("--vdev=net_ring9").ealArgs();
        assertTrue(small.containsAll(List.of("--no-huge", "--no-shconf", "--vdev=net_ring9")), small.toString());
        assertTrue(!small.contains("--no-pci") && !small.contains("--in-memory"), small.toString());
    }

    @Test
    void optionMisuseSaysWhatIsAllowed() {
        assertEquals("DPDK memory 10 MB is outside 64..65536",
                assertThrows(IllegalArgumentException.class, () -> Dpdk.builder().memoryMegabytes(10)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Dpdk.builder().logLevel("loud")).getMessage()
                .contains("notice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Dpdk.builder().filePrefix("a b")).getMessage()
                .contains("letters, digits"));
        assertThrows(IllegalArgumentException.class, () -> Dpdk.builder().mbufs(1));
    }
}
