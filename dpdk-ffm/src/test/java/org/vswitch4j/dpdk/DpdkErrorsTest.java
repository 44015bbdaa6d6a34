package org.vswitch4j.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vswitch4j.dpdk.internal.Libraries;

/**
 * The error messages of the setup steps: an EAL that refuses its arguments (for real, in a JVM of its own, since
 * this one's EAL may already run), and those a test cannot provoke for real (a missing library, no hugepages),
 * and option misuse. Each names the fix.
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
    void ealThatRefusesItsArgumentsThrowsWithTheFixAndTheJvmLives(@TempDir Path dir) throws Exception {
        if (!java.nio.file.Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/librte_eal.so.23"))) {
            TestEal.skip("DPDK is not installed (apt-get install dpdk)");
        }
        Path src = dir.resolve("EalFailure.java");
        try (InputStream in = DpdkErrorsTest.class.getResourceAsStream("EalFailure.java")) {
            Files.write(src, in.readAllBytes());
        }
        String cp = location(Dpdk.class) + java.io.File.pathSeparator + location(org.vswitch4j.core.packet.Packet.class);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp, src.toString())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, p.exitValue(), "the child JVM exited normally:\n" + out);
        assertTrue(out.contains("vsd-no-such-option"), "EAL's log names the option: " + out);
        assertTrue(out.contains("FIRST DPDK's EAL refused to start"), out);
        assertTrue(out.contains("remove the extra argument it names"), out);
        assertTrue(out.contains("SECOND DPDK's EAL failed to start earlier in this process"), out);
        assertTrue(out.contains("restart the JVM"), out);
        assertTrue(out.contains("ALIVE"), out);
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
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
