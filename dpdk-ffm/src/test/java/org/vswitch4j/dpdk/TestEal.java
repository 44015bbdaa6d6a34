package org.vswitch4j.dpdk;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The one EAL of the test JVM (DPDK allows one per process), started on first use: hugepages when some are
 * free and the JVM runs as root, else {@code --no-huge} (which also works as a normal user). Where DPDK is missing the tests skip with the reason; under {@code CI=true} a
 * skip is a failure (CI installs dpdk and reserves hugepages in {@code .ci/run}).
 */
final class TestEal {
    private TestEal() {
    }

    static Dpdk dpdk() {
        try {
            Dpdk.Builder b = Dpdk.builder().filePrefix("vsd-test-" + ProcessHandle.current().pid()).memoryMegabytes(256)
                    .mbufs(8191);
            if (!root()) {
                b.hugepages(false); // a normal user may not map hugepages; --no-huge works without privileges
            }
            return b.start();
        } catch (DpdkException e) {
            skip("DPDK is not usable here: " + e.getMessage());
            return null;
        }
    }

    /** Skips (or, under CI=true, fails) with {@code why}. */
    static void skip(String why) {
        if ("true".equals(System.getenv("CI"))) {
            fail(why + " (CI=true makes this skip a failure)");
        }
        Assumptions.abort(why + "; skipped");
    }

    /** Whether the JVM runs as root (namespaces, TAP devices). */
    static boolean root() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static void requireRoot(String what) {
        if (!root()) {
            skip(what + " needs root (network namespaces and TAP devices)");
        }
    }
}
