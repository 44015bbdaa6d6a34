package org.vswitch4j.it.linux;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Real Linux peers for the end-to-end tests (public for the tests of other packages, such as the tunnels'):
 * network namespaces, veth pairs and the commands run inside them ({@code ip}, {@code ping}, {@code iperf3},
 * {@code ethtool}). Everything it creates is named with the prefix its caller gives ({@code vsl-} for the Linux
 * port tests) and removed on {@link #close()} (namespaces by name, which takes their devices along;
 * processes by their handle). Every command is bounded in time.
 *
 * <p>{@link #open} skips the test with a message when not root or a tool is missing, and fails instead under
 * {@code CI=true} (CI runs as root and installs the tools).
 */
public final class LinuxLab implements AutoCloseable {
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private LinuxLab() {
    }

    /** A lab, or a skip (a failure under CI=true) when root or one of {@code tools} is missing. */
    public static LinuxLab open(String... tools) {
        String problem = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            problem = "these tests need root (network namespaces, veth, TAP, XDP); they run in CI";
        }
        for (String t : concat(new String[] {"ip"}, tools)) {
            if (problem == null && find(t) == null) {
                problem = t + " is not installed (.ci/run installs it with apt-get)";
            }
        }
        if (problem != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail(problem + ", and CI=true makes a skip a failure");
            }
            Assumptions.abort(problem + "; skipped");
        }
        return new LinuxLab();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    public static Path find(String tool) {
        for (String d : (System.getenv().getOrDefault("PATH", "/usr/bin") + ":/usr/sbin:/sbin").split(":")) {
            Path t = Path.of(d, tool);
            if (Files.isExecutable(t)) {
                return t;
            }
        }
        return null;
    }

    /** Creates namespace {@code name} (removing a leftover of that name first) with its loopback up. */
    public String namespace(String name) {
        if (Files.exists(Path.of("/run/netns", name))) {
            run(10, "ip", "netns", "del", name);
        }
        run(10, "ip", "netns", "add", name);
        namespaces.add(name);
        in(name, "ip", "link", "set", "lo", "up");
        return name;
    }

    /** A veth pair: {@code a} in namespace {@code nsA}, {@code b} in {@code nsB}, both up. */
    void veth(String a, String nsA, String b, String nsB) {
        veth(a, nsA, b, nsB, 1);
    }

    /** A veth pair whose ends have {@code queues} rx and tx queues each. */
    void veth(String a, String nsA, String b, String nsB, int queues) {
        String q = Integer.toString(queues);
        run(10, "ip", "link", "add", a, "netns", nsA, "numtxqueues", q, "numrxqueues", q, "type", "veth", "peer",
                "name", b, "netns", nsB, "numtxqueues", q, "numrxqueues", q);
        in(nsA, "ip", "link", "set", a, "up");
        in(nsB, "ip", "link", "set", b, "up");
    }

    /**
     * Makes {@code dev} in {@code ns} a host NIC: address {@code cidr}, up, and (for a veth) offloads off, see
     * {@link #offloadsOff}.
     */
    void host(String ns, String dev, String cidr, boolean offloadsOff) {
        in(ns, "ip", "addr", "add", cidr, "dev", dev);
        in(ns, "ip", "link", "set", dev, "up");
        if (offloadsOff) {
            offloadsOff(ns, dev);
        }
    }

    /**
     * Turns off what a veth would otherwise leave to "the hardware", which an AF_XDP socket on its peer never
     * sees done: the checksum (tx), segmentation (tso, gso: frames above the MTU) and the VLAN tag, which
     * tx-vlan offload carries beside the frame instead of in it (txvlan).
     */
    void offloadsOff(String ns, String dev) {
        in(ns, "ethtool", "-K", dev, "tx", "off", "tso", "off", "gso", "off", "gro", "off", "txvlan", "off");
    }

    /** Runs {@code cmd} in namespace {@code ns}; returns stdout; fails the test on a non-zero exit. */
    public String in(String ns, String... cmd) {
        return run(30, netnsExec(ns, cmd));
    }

    /** As {@link #in} but returns the exit code and output instead of failing. */
    public Result tryIn(int timeoutSeconds, String ns, String... cmd) {
        return exec(timeoutSeconds, netnsExec(ns, cmd));
    }

    private static String[] netnsExec(String ns, String... cmd) {
        return concat(new String[] {"ip", "netns", "exec", ns}, cmd);
    }

    /** Starts {@code cmd} in {@code ns} in the background; it is destroyed at {@link #close()}. */
    public Process start(String ns, String... cmd) {
        try {
            Process p = new ProcessBuilder(netnsExec(ns, cmd)).redirectErrorStream(true).start();
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + String.join(" ", cmd), e);
        }
    }

    static String run(int timeoutSeconds, String... cmd) {
        Result r = exec(timeoutSeconds, cmd);
        if (r.exit != 0) {
            fail(String.join(" ", cmd) + " exited " + r.exit + ": " + r.output);
        }
        return r.output;
    }

    public static Result exec(int timeoutSeconds, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s: "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
        }
    }

    /** {sum of {@code value} over the datapath's poll threads (named vsw-pmd-N), their count}. */
    static long[] sumOverPollThreads(java.util.function.ToLongFunction<Thread> value) {
        long sum = 0;
        long n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("vsw-pmd-")) {
                sum += value.applyAsLong(t);
                n++;
            }
        }
        return new long[] {sum, n};
    }

    /** A finished command. */
    public record Result(int exit, String output) {
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            exec(10, "ip", "netns", "del", namespaces.get(i));
        }
    }
}
