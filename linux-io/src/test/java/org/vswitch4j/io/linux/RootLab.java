package org.vswitch4j.io.linux;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * For this module's root tests: the CI skip rule (skip with a message when not root, fail under CI=true) and
 * a bounded way to run {@code ip}. Names made here start with {@code vsl-}.
 */
final class RootLab {
    private RootLab() {
    }

    static void requireRoot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            skipOrFail("this test needs root (TAP, AF_XDP, namespaces)");
        }
    }

    /** Skips the test when {@code tool} is not on the PATH, naming the Debian package to install (see skipOrFail). */
    static void requireTool(String tool, String debianPackage) {
        if (onPath(tool) == null) {
            skipOrFail("this test runs " + tool + ", which is not installed (apt-get install " + debianPackage + ")");
        }
    }

    /** {@code tool} in a directory of the PATH, or null. */
    static Path onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return Path.of(d, tool);
            }
        }
        return null;
    }

    /**
     * The CI skip rule: skips the test with {@code why}, or fails it under CI=true (CI runs as root and .ci/run
     * installs every tool the tests use, so a skip there is a failure).
     */
    static void skipOrFail(String why) {
        if ("true".equals(System.getenv("CI"))) {
            fail(why + ", and CI=true makes a skip a failure");
        }
        Assumptions.abort(why + "; it runs in CI; skipped");
    }

    /** Runs a command (30 s at most); fails the test on a non-zero exit when {@code check}. Returns its output. */
    static String sh(boolean check, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + " did not finish in 30 s");
            }
            String out;
            try (var in = p.getInputStream()) { // closed now, not when collected: the fd-leak test counts fds
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (check && p.exitValue() != 0) {
                fail(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A fresh namespace {@code ns} holding a veth pair {@code a} - {@code b}, both up. */
    static void namespaceWithVeth(String ns, String a, String b) {
        if (Files.exists(Path.of("/run/netns", ns))) {
            sh(false, "ip", "netns", "del", ns);
        }
        sh(true, "ip", "netns", "add", ns);
        sh(true, "ip", "-n", ns, "link", "add", a, "type", "veth", "peer", "name", b);
        sh(true, "ip", "-n", ns, "link", "set", a, "up");
        sh(true, "ip", "-n", ns, "link", "set", b, "up");
    }

    static void deleteNamespace(String ns) {
        sh(false, "ip", "netns", "del", ns);
    }

    /** Open file descriptors of this process. */
    static long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Lines of /proc/self/maps (mappings of this process). */
    static long mappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).size();
    }
}
