package org.vswitch4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.GroupMod;
import org.vswitch4j.flow.MeterMod;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * Our {@code ovs-ofctl} syntax against the real one: ~200 generated flows (every protocol shorthand, masked
 * and exact fields, aliases, every action kind OVS takes in OpenFlow 1.3, instructions) plus groups and meters
 * go into a private Open vSwitch 3.1 ({@code ovs-vswitchd --enable-dummy=override}, a {@code dummy} bridge: no
 * kernel devices) with {@code ovs-ofctl -O OpenFlow13 add-flows}; what {@code dump-flows --no-stats} prints for
 * each must be exactly what our parser and printer make of the same input, and must parse back into the same
 * model. Root only (OVS's run directory and daemons); skips with a message elsewhere, fails under {@code CI=true}.
 *
 * <p>Differences from Open vSwitch 3.1 that we keep, found by running it, with the reason. Only the first two
 * are normalised below ({@link #ovsForm}); the generator steers clear of the others, which unit tests pin down:
 * <ul>
 *   <li>A leading space: OVS indents every dump line; our lines have none.</li>
 *   <li>{@code check_overlap} is a flag of the request only: OVS does not keep it in the entry; the model
 *       carries it, so we print it.</li>
 *   <li>{@code note:} OVS pads the bytes with zeros to the action's 8-byte wire alignment ({@code note:aa} is
 *       dumped as {@code note:aa.00.00.00.00.00}); our model is not a wire format and keeps the bytes given.
 *       The generator writes notes of 6 + 8k bytes, which OVS keeps as they are.</li>
 *   <li>A masked {@code set_field:V/M->F}: OpenFlow 1.3 has no masked set-field, so OVS sends it as one
 *       {@code load} per run of mask bits and dumps those; our model keeps the one masked SetField (a
 *       {@code load} stays a Load).</li>
 *   <li>{@code dl_vlan=0xffff} (no tag): OVS's OpenFlow 1.3 encoding narrows the mask to the 13 bits of
 *       {@code vlan_vid} and dumps {@code vlan_tci=0x0000/0x1fff}; we keep what the text said
 *       ({@code vlan_tci=0x0000}, mask 0xffff), which matches the same packets.</li>
 *   <li>A field whose prerequisite is missing ({@code tp_dst=80} alone): ovs-ofctl drops it with a warning and
 *       installs a catch-all; we refuse with {@code OFPBMC_BAD_PREREQ}, as a switch refuses the flow mod.</li>
 *   <li>Checks OVS makes that the model does not (yet): L4 fields with {@code nw_frag=later} or {@code yes}, a
 *       {@code vlan_tci} mask with PCP bits but no CFI, set-field or learn sources whose prerequisites the
 *       flow's match lacks, actions in {@code write_actions} other than set-type ones: OVS refuses these
 *       flows, our parser takes them.</li>
 *   <li>Leniencies kept so that every model prints and parses back: NXM/OXM names as match keys
 *       ({@code NXM_NX_REG0=5}), bucket weights on non-select groups, {@code burst_size} without {@code burst},
 *       {@code dscp_remark} bands (OVS's userspace datapath refuses them with {@code OFPMMFC_BAD_BAND}).</li>
 *   <li>Like OVS, a field given twice keeps its last value ({@code in_port=1,in_port=2} is in_port 2).</li>
 * </ul>
 * The seed is printed and can be replayed with {@code -Dvs4j.seed=N}.
 */
class OfctlAgreementTest {
    private static final String BRIDGE = "vsobr0";
    private static Path dir;
    private static Process db;
    private static Process vswitchd;
    private static Map<String, String> env;

    @BeforeAll
    static void startOvs() throws Exception {
        String missing = missingTools();
        if (missing != null) {
            String msg = missing + "; the ovs-ofctl agreement test needs root and Open vSwitch"
                    + " (apt-get install openvswitch-switch)";
            if ("true".equals(System.getenv("CI"))) {
                fail(msg + " and CI=true makes a skip a failure");
            }
            Assumptions.abort(msg + "; skipped");
        }
        dir = Files.createTempDirectory("vso-ofctl");
        env = new HashMap<>();
        for (String v : new String[] {"OVS_RUNDIR", "OVS_DBDIR", "OVS_LOGDIR", "OVS_SYSCONFDIR"}) {
            env.put(v, dir.toString());
        }
        run("ovsdb-tool", "create", dir + "/conf.db", "/usr/share/openvswitch/vswitch.ovsschema");
        db = start("ovsdb-server", dir + "/conf.db", "--remote=punix:" + dir + "/db.sock",
                "--pidfile=" + dir + "/db.pid", "--log-file=" + dir + "/db.log", "--unixctl=" + dir + "/db.ctl");
        waitFor(dir.resolve("db.sock"));
        run("ovs-vsctl", "--db=unix:" + dir + "/db.sock", "--no-wait", "init");
        vswitchd = start("ovs-vswitchd", "unix:" + dir + "/db.sock", "--enable-dummy=override", "--disable-system",
                "--pidfile=" + dir + "/sw.pid", "--log-file=" + dir + "/sw.log",
                "--unixctl=" + dir + "/ovs-vswitchd.ctl");
        waitFor(dir.resolve("ovs-vswitchd.ctl"));
        run("ovs-vsctl", "--db=unix:" + dir + "/db.sock", "--timeout=30", "add-br", BRIDGE, "--", "set", "bridge",
                BRIDGE, "datapath_type=dummy", "protocols=OpenFlow13");
        waitFor(dir.resolve(BRIDGE + ".mgmt"));
    }

    @AfterAll
    static void stopOvs() throws Exception {
        if (vswitchd != null) {
            try {
                run("ovs-appctl", "-t", dir + "/ovs-vswitchd.ctl", "exit", "--cleanup");
            } finally {
                stop(vswitchd);
            }
        }
        if (db != null) {
            stop(db);
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    @Test
    void generatedFlowsPrintAsOpenVswitchPrintsThem() throws Exception {
        long seed = Long.getLong("vs4j.seed", System.nanoTime());
        System.out.println("OfctlAgreementTest seed " + seed + " (replay with -Dvs4j.seed=" + seed + ")");
        Random rnd = new Random(seed);
        ofctl("del-flows", BRIDGE);
        ofctl("del-groups", BRIDGE);
        ofctl("del-meters", BRIDGE);
        // Groups and meters the flows refer to.
        List<String> groups = List.of(
                "group_id=1,type=all,bucket=output:1,bucket=output:2,mod_dl_src:02:00:00:00:00:01",
                "group_id=2,type=select,bucket=weight:100,watch_port:1,actions=output:1,bucket=weight:5,output:2",
                "group_id=3,type=indirect,bucket=actions=set_field:10.0.0.1->ip_dst,output:3",
                "group_id=4,type=ff,bucket=watch_port:1,output:1,bucket=watch_group:1,output:2",
                "group_id=5,type=all,bucket=drop");
        for (String g : groups) {
            ofctl("add-group", BRIDGE, g);
        }
        List<String> meters = List.of("meter=1,kbps,burst,stats,bands=type=drop,rate=1000,burst_size=100",
                "meter=2,pktps,stats,bands=type=drop,rate=200", "meter=3,kbps,band=type=drop,rate=5");
        for (String m : meters) {
            ofctl("add-meter", BRIDGE, m);
        }
        List<String> inputs = new ArrayList<>();
        int n = 200;
        for (int i = 0; i < n; i++) {
            inputs.add("cookie=0x" + Integer.toHexString(i + 1) + "," + FlowGen.flow(rnd));
        }
        Path file = dir.resolve("flows.txt");
        Files.write(file, inputs);
        try {
            ofctl("add-flows", BRIDGE, file.toString());
        } catch (AssertionError e) {
            // Name the generated flow OVS refused (a generator bug: it must write only flows OVS takes).
            for (String in : inputs) {
                try {
                    ofctl("add-flow", BRIDGE, in);
                } catch (AssertionError one) {
                    fail("OVS refuses generated flow (seed " + seed + "): " + in + "\n" + one.getMessage());
                }
            }
            throw e;
        }
        Map<Long, String> dumped = new HashMap<>();
        for (String line : ofctl("dump-flows", "--no-stats", BRIDGE)) {
            if (line.startsWith(" ")) {
                String l = line.substring(1);
                long cookie = Long.parseLong(l.substring("cookie=0x".length(), l.indexOf(',')), 16);
                dumped.put(cookie, l);
            }
        }
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String ovs = dumped.get((long) i + 1);
            FlowMod ours = Ofctl.parseFlow(inputs.get(i));
            if (ovs == null) {
                // OVS replaced it with a later flow of the same table, priority and match: so must we see them.
                boolean replaced = false;
                for (int j = i + 1; j < n && !replaced; j++) {
                    FlowMod later = Ofctl.parseFlow(inputs.get(j));
                    replaced = later.table() == ours.table() && later.priority() == ours.priority()
                            && later.match().equals(ours.match());
                }
                if (!replaced) {
                    mismatches.add("OVS lost a flow that no later one replaces in our model: " + inputs.get(i));
                }
                continue;
            }
            String printed = ovsForm(Ofctl.formatFlow(ours));
            if (!printed.equals(ovs)) {
                mismatches.add("input:  " + inputs.get(i) + "\n  ovs:  " + ovs + "\n  ours: " + printed);
            }
            FlowMod back = Ofctl.parseFlow(ovs);
            if (!back.withFlags(ours.flags()).equals(ours)) {
                mismatches.add("OVS's text parses into another model:\n  ovs:  " + ovs + "\n  ours: " + printed);
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " of " + n + " flows differ (seed " + seed + "):\n"
                + String.join("\n", mismatches));

        List<String> dumpedGroups = ofctl("dump-groups", BRIDGE).stream().filter(l -> l.startsWith(" "))
                .map(String::strip).sorted().toList();
        List<String> ourGroups = groups.stream()
                .map(g -> Ofctl.format(Ofctl.parseGroup(g, GroupMod.Command.ADD))).sorted().toList();
        assertEquals(dumpedGroups, ourGroups, "dump-groups");
        String dumpedMeters = String.join("\n", ofctl("dump-meters", BRIDGE)).strip();
        dumpedMeters = dumpedMeters.substring(dumpedMeters.indexOf('\n') + 1);
        List<String> ourMeters = new ArrayList<>();
        for (String m : meters) {
            ourMeters.add(Ofctl.format(Ofctl.parseMeter(m, MeterMod.Command.ADD)));
        }
        assertEquals(String.join("\n\n", ourMeters), dumpedMeters, "dump-meters");
        for (String g : dumpedGroups) {
            assertEquals(g, Ofctl.format(Ofctl.parseGroup(g, GroupMod.Command.ADD)), "dump-groups line re-parses");
        }
    }

    /** Our text as OVS would dump it: without check_overlap (OVS does not keep it; see the class comment). */
    static String ovsForm(String ours) {
        return ours.replace("check_overlap ", "");
    }

    private static String missingTools() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not root";
        }
        for (String t : new String[] {"ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-ofctl",
            "ovs-appctl"}) {
            if (which(t) == null) {
                return t + " is not installed";
            }
        }
        if (!Files.exists(Path.of("/usr/share/openvswitch/vswitch.ovsschema"))) {
            return "the Open vSwitch schema is not installed";
        }
        return null;
    }

    private static String which(String tool) {
        for (String d : (System.getenv().getOrDefault("PATH", "/usr/bin") + ":/usr/sbin:/sbin").split(":")) {
            Path t = Path.of(d, tool);
            if (Files.isExecutable(t)) {
                return t.toString();
            }
        }
        return null;
    }

    private static List<String> ofctl(String... args) throws Exception {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "ovs-ofctl";
        cmd[1] = "-O";
        cmd[2] = "OpenFlow13";
        System.arraycopy(args, 0, cmd, 3, args.length);
        return run(cmd);
    }

    private static Process start(String... cmd) throws IOException {
        cmd[0] = which(cmd[0]);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(Path.of(cmd[0]).getFileName() + ".out").toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Waits (bounded: 10 s) for a daemon's socket to appear; the daemons start in well under a second here. */
    private static void waitFor(Path socket) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(socket)) {
            if (System.nanoTime() > deadline) {
                fail(socket + " did not appear within 10 s; see the logs in " + dir);
            }
            Thread.sleep(20);
        }
    }

    private static List<String> run(String... cmd) throws Exception {
        cmd[0] = which(cmd[0]);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Process pr = pb.start();
        pr.getOutputStream().close();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(pr.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!pr.waitFor(60, TimeUnit.SECONDS)) {
            pr.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish in 60 s");
        }
        if (pr.exitValue() != 0) {
            fail(String.join(" ", cmd) + " failed (" + pr.exitValue() + "): " + err + out);
        }
        return out.lines().toList();
    }
}
