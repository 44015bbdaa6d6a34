package org.vswitch4j.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A private Open vSwitch (Debian's {@code openvswitch-switch}) for semantic comparisons: its own ovsdb-server and
 * ovs-vswitchd, with OVS_RUNDIR/DBDIR/LOGDIR in a fresh temporary directory, one userspace bridge
 * ({@code datapath_type=netdev}, {@code fail-mode=secure}) and {@code dummy} ports whose ofports are 1..n. Started
 * with {@code --enable-dummy=override --disable-system}: no kernel module, no kernel devices, nothing shared with
 * the system's Open vSwitch. {@link #close} stops both daemons by their process handles and removes the directory.
 *
 * <p>{@link #inNamespace} starts one without dummy ports instead, its ovs-vswitchd inside a network namespace, where
 * its userspace bridges take that namespace's devices as ports and create their internal ports: a real peer for
 * the tunnel tests (Open vSwitch's own userspace tunnelling).
 *
 * <p>Not thread-safe: one test class drives it.
 */
public final class PrivateOvs implements AutoCloseable {
    private static final String[] TOOLS = {"ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-ofctl",
        "ovs-appctl"};
    private static final Path SCHEMA = Path.of("/usr/share/openvswitch/vswitch.ovsschema");

    final Path dir;
    final String bridge;
    private final Map<String, String> env = new HashMap<>();
    private final Map<String, Path> tools = new HashMap<>();
    private Process db;
    private Process vswitchd;
    /** The datapath port number of each ofport (ports and LOCAL), from {@code dpif/show}. */
    private final Map<Integer, Integer> ofportOfOdp = new HashMap<>();

    private PrivateOvs(Path dir, String bridge) {
        this.dir = dir;
        this.bridge = bridge;
        env.put("OVS_RUNDIR", dir.toString());
        env.put("OVS_DBDIR", dir.toString());
        env.put("OVS_LOGDIR", dir.toString());
        env.put("OVS_SYSCONFDIR", dir.toString());
    }

    /**
     * Starts Open vSwitch with bridge {@code bridge} and dummy ports {@code portPrefix}1..{@code ports} at ofports
     * 1..ports. Skips the calling test (with the reason) when not root or Open vSwitch is not installed; under
     * {@code CI=true} that is a failure instead, since CI installs it.
     */
    static PrivateOvs start(String bridge, String portPrefix, int ports) throws Exception {
        requireRootAndOvs();
        PrivateOvs ovs = new PrivateOvs(Files.createTempDirectory("vst"), bridge);
        try {
            ovs.boot(portPrefix, ports);
            return ovs;
        } catch (Exception | Error e) {
            ovs.close();
            throw e;
        }
    }

    /**
     * Starts ovsdb-server and an ovs-vswitchd that runs in network namespace {@code ns}, with no bridge: the caller
     * adds them with {@link #vsctl}. Skips (fails under {@code CI=true}) as {@link #start} does.
     */
    public static PrivateOvs inNamespace(String ns) throws Exception {
        requireRootAndOvs();
        PrivateOvs ovs = new PrivateOvs(Files.createTempDirectory("vst"), null);
        try {
            for (String t : TOOLS) {
                ovs.tools.put(t, find(t));
            }
            ovs.startDb();
            ovs.vswitchd = ovs.spawn("vswitchd.out", "ip", "netns", "exec", ns,
                    ovs.tools.get("ovs-vswitchd").toString(), "unix:" + ovs.sock(), "--disable-system",
                    "--pidfile=" + ovs.dir.resolve("vswitchd.pid"), "--log-file=" + ovs.dir.resolve("vswitchd.log"),
                    "--unixctl=" + ovs.ctl());
            ovs.appctlRetry();
            return ovs;
        } catch (Exception | Error e) {
            ovs.close();
            throw e;
        }
    }

    /** Waits (bounded) until ovs-vswitchd answers on its control socket. */
    private void appctlRetry() throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(Path.of(ctl()))) {
            if (System.nanoTime() > until || !vswitchd.isAlive()) {
                fail("ovs-vswitchd did not start: " + logTail());
            }
            Thread.sleep(50);
        }
        appctl("version");
    }

    private void startDb() throws Exception {
        run("ovsdb-tool", "create", dir.resolve("conf.db").toString(), SCHEMA.toString());
        db = spawn("db.out", "ovsdb-server", dir.resolve("conf.db").toString(), "--remote=punix:" + sock(),
                "--pidfile=" + dir.resolve("db.pid"), "--log-file=" + dir.resolve("db.log"),
                "--unixctl=" + dir.resolve("db.ctl"));
        // --retry waits (up to --timeout) for the server's socket to appear.
        vsctl("--retry", "--no-wait", "init");
    }

    private static void requireRootAndOvs() {
        String why = null;
        if (uid() != 0) {
            why = "not running as root (uid " + uid() + ", user " + System.getProperty("user.name") + ")";
        } else if (!Files.isReadable(SCHEMA)) {
            why = "Open vSwitch is not installed (" + SCHEMA + " missing; apt-get install openvswitch-switch)";
        } else {
            for (String t : TOOLS) {
                if (find(t) == null) {
                    why = t + " is not on the PATH (apt-get install openvswitch-switch)";
                    break;
                }
            }
        }
        if (why == null) {
            return;
        }
        String msg = "the agreement test with Open vSwitch needs root and Debian's openvswitch-switch: " + why;
        if ("true".equals(System.getenv("CI"))) {
            fail(msg + ", and CI=true makes a skip a failure");
        }
        Assumptions.abort(msg + "; skipped");
    }

    /** The process's uid: the owner of /proc/self (-1 when unknown). */
    private static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    private static Path find(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin") + ":/usr/sbin:/sbin";
        for (String d : path.split(":")) {
            Path t = Path.of(d, tool);
            if (Files.isExecutable(t)) {
                return t;
            }
        }
        return null;
    }

    private void boot(String portPrefix, int ports) throws Exception {
        for (String t : TOOLS) {
            tools.put(t, find(t));
        }
        startDb();
        vswitchd = spawn("vswitchd.out", "ovs-vswitchd", "unix:" + sock(), "--enable-dummy=override",
                "--disable-system", "--pidfile=" + dir.resolve("vswitchd.pid"),
                "--log-file=" + dir.resolve("vswitchd.log"), "--unixctl=" + ctl());
        List<String> cmd = new ArrayList<>(List.of("add-br", bridge, "--", "set", "bridge", bridge,
                "datapath_type=netdev", "fail-mode=secure", "protocols=OpenFlow10,OpenFlow13"));
        for (int i = 1; i <= ports; i++) {
            String p = portPrefix + i;
            cmd.addAll(List.of("--", "add-port", bridge, p, "--", "set", "interface", p, "type=dummy",
                    "ofport_request=" + i));
        }
        vsctl(cmd.toArray(String[]::new)); // without --no-wait: returns once ovs-vswitchd has applied it
        Pattern row = Pattern.compile("^\\s+(\\S+) (\\d+)/(\\d+):");
        for (String line : appctl("dpif/show")) {
            Matcher m = row.matcher(line);
            if (m.find()) {
                ofportOfOdp.put(Integer.parseInt(m.group(3)), Integer.parseInt(m.group(2)));
            }
        }
        for (int i = 1; i <= ports; i++) {
            if (!ofportOfOdp.containsValue(i)) {
                fail("Open vSwitch did not give " + portPrefix + i + " ofport " + i + ": " + ofportOfOdp);
            }
        }
    }

    /** The OpenFlow port of a datapath port number ({@code 65534} for LOCAL), or -1 if unknown. */
    int ofport(int odpPort) {
        return ofportOfOdp.getOrDefault(odpPort, -1);
    }

    private String sock() {
        return dir.resolve("db.sock").toString();
    }

    private String ctl() {
        return dir.resolve("vswitchd.ctl").toString();
    }

    /** {@code ovs-vsctl ARGS...} against the private database; stdout lines. */
    public List<String> vsctl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ovs-vsctl", "--timeout=30", "--db=unix:" + sock()));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(String[]::new));
    }

    /** {@code ovs-appctl -t ovs-vswitchd ARGS...}; stdout lines. */
    public List<String> appctl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ovs-appctl", "--timeout=60", "-t", ctl()));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(String[]::new));
    }

    /** {@code ovs-ofctl -O OpenFlow13 ARGS...} against the bridge's management socket. */
    public List<String> ofctl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ovs-ofctl", "-O", "OpenFlow13"));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(String[]::new));
    }

    /**
     * {@code ofproto/trace} of each packet: {@code packets} holds "FLOW HEX" lines (e.g. {@code in_port=1 0a0b...});
     * one shell loop runs them all (one process started from Java, not one per packet). A list of output
     * lines per packet, in order; {@code replay} ends the failure message.
     */
    List<List<String>> traceAll(String file, List<String> packets, String replay) throws Exception {
        Path pkts = dir.resolve(file);
        Files.write(pkts, packets);
        List<String> out;
        try {
            out = run("bash", "-c", "while read -r f p; do ovs-appctl -t '" + ctl() + "' ofproto/trace "
                    + bridge + " \"$f\" \"$p\" || exit 1; echo '@@@'; done < '" + pkts + "'");
        } catch (AssertionError e) {
            // ovs-vswitchd may have died on a trace: say which rule set, and what it logged
            throw new AssertionError(e.getMessage() + replay + "\n--- ovs-vswitchd's log:\n" + logTail(), e);
        }
        List<List<String>> traces = new ArrayList<>();
        List<String> cur = new ArrayList<>();
        for (String l : out) {
            if (l.equals("@@@")) {
                traces.add(cur);
                cur = new ArrayList<>();
            } else {
                cur.add(l);
            }
        }
        if (traces.size() != packets.size()) {
            fail(traces.size() + " traces from Open vSwitch for " + packets.size() + " packets" + replay);
        }
        return traces;
    }

    /** Runs {@code cmd} (its first word one of the OVS tools, or bash) with the private environment; stdout lines. */
    List<String> run(String... cmd) throws Exception {
        List<String> c = new ArrayList<>(List.of(cmd));
        Path t = tools.get(c.getFirst());
        if (t != null) {
            c.set(0, t.toString());
        }
        ProcessBuilder pb = new ProcessBuilder(c).redirectErrorStream(false);
        pb.environment().putAll(env);
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish within 120 s");
        }
        String stderr = Files.readString(err);
        Files.delete(err);
        if (p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + stderr + out);
        }
        return out.lines().toList();
    }

    private Process spawn(String outFile, String... cmd) throws IOException {
        List<String> c = new ArrayList<>(List.of(cmd));
        Path tool = tools.get(c.getFirst());
        if (tool != null) {
            c.set(0, tool.toString());
        }
        ProcessBuilder pb = new ProcessBuilder(c);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(dir.resolve(outFile).toFile());
        return pb.start();
    }

    /** The last lines of ovs-vswitchd's log, for failure messages. */
    public String logTail() {
        try {
            List<String> l = Files.readAllLines(dir.resolve("vswitchd.log"));
            return String.join("\n", l.subList(Math.max(0, l.size() - 20), l.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (vswitchd != null && vswitchd.isAlive()) {
                try {
                    appctl("exit", "--cleanup");
                } catch (Exception | AssertionError e) {
                    // fall through to the process handle
                }
                stop(vswitchd);
            }
            if (db != null && db.isAlive()) {
                db.destroy(); // SIGTERM: ovsdb-server exits cleanly on it
                stop(db);
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Stops one daemon we started, by its own process handle (never by program name). */
    private static void stop(Process p) {
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroy();
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
