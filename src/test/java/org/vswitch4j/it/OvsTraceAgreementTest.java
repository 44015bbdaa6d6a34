package org.vswitch4j.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.datapath.DatapathAction;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.port.MemoryPort;
import org.vswitch4j.core.time.VirtualClock;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.FlowPipeline;
import org.vswitch4j.flow.GroupMod;
import org.vswitch4j.flow.Trace;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * Issue 4's "Agreement with Open vSwitch": random rule sets over three tables, installed both in a private Open
 * vSwitch 3.1 (through {@code ovs-ofctl add-groups/add-flows}) and in our {@link FlowPipeline} (through
 * {@link Ofctl#parseFlow}), and random packets traced in both ({@code ovs-appctl ofproto/trace} with the frame's
 * bytes; {@link FlowPipeline#trace}). Both answers are run on the packet's headers and compared: the sequence of
 * OpenFlow output ports and, at each output, the packet's Ethernet addresses, VLAN tags, IPv4 addresses, TOS, TTL
 * and L4 ports. Each packet then goes through our switch as well, and the frames that leave its ports (parsed back
 * from their bytes) must be what our trace's datapath actions say, in any order across ports: the datapath
 * executes the translation as meant. Root only (skips elsewhere, fails under {@code CI=true}). {@code -Dvs4j.seed=N} replays one rule
 * set; {@code -Dvs4j.ovs.ruleSets=N} runs N rule sets; {@code -Dvs4j.ovs.verbose=true} prints every packet's
 * outputs on both sides with the learn and dec_ttl lines of both traces.
 *
 * <p>What the generator leaves out, and why: select groups (ovs-ofctl(8), "selection_method": since 2.10 OVS
 * picks a select bucket by the datapath's {@code dp_hash}, whose "hash algorithm varies across different datapath
 * implementations"; ours is a hash of its own, so bucket choices differ by design); outputs to ALL, FLOOD and
 * LOCAL (an OVS bridge always has its LOCAL internal port, which ALL and FLOOD include; our test bridge has no
 * LOCAL port) and to CONTROLLER (neither side has a controller); pushing a second VLAN tag (how many tags OVS
 * parses and keeps is its {@code other_config:vlan-limit}, ovs-vswitchd.conf.db(5), default 1); {@code exit}
 * (ovs-actions(7) says the action set still runs after it, and ours does; Open vSwitch 3.1 runs none: with
 * {@code write_actions(output:2),goto_table:1} and {@code table=1 actions=exit} its trace's datapath actions are
 * {@code drop}, and so for an exit inside a clone, on 2026-12-02).
 *
 * <p>Learn: {@code ofproto/trace} in OVS 3.1 installs the flows that learn actions learn (a later trace hits them),
 * and our {@link FlowPipeline#trace} has no side effects; so after each trace the packet also goes through our
 * switch, which learns the same flows, and the next packet meets the same tables on both sides.
 */
class OvsTraceAgreementTest {
    /** Rule sets per run; {@code -Dvs4j.ovs.ruleSets=N} runs more (a soak). */
    static final int RULE_SETS = Integer.getInteger("vs4j.ovs.ruleSets", 8);
    static final int FLOWS = 40;
    static final int PACKETS = 100;
    static final int PORTS = 4;
    static final int TABLES = 3;

    static PrivateOvs ovs;
    static long comparedPackets;
    static long comparedWithOutput;
    /** How many compared traces went through each feature (OVS trace text to look for), for the summary. */
    static final Map<String, Predicate<String>> FEATURES = new LinkedHashMap<>();
    static final Map<String, Integer> SEEN = new TreeMap<>();

    static {
        FEATURES.put("conjunction", l -> l.contains("conj_id="));
        FEATURES.put("learn", l -> l.contains("     -> table="));
        FEATURES.put("dec_ttl exception", l -> l.contains("decrement TTL exception"));
        FEATURES.put("group bucket", l -> l.contains("bucket "));
        FEATURES.put("resubmit", l -> l.contains("resubmit("));
        FEATURES.put("action set", l -> l.contains("Executing action set"));
        FEATURES.put("output to in_port skipped", l -> l.contains("skipping output to input port"));
        FEATURES.put("VLAN push/pop", l -> l.startsWith("Datapath actions: ") && l.contains("_vlan"));
        FEATURES.put("masked set", l -> l.startsWith("Datapath actions: ") && l.contains("/"));
        FEATURES.put("clone", l -> l.contains("clone("));
        FEATURES.put("stack", l -> l.contains("push:") || l.contains("pop:"));
        FEATURES.put("multipath", l -> l.contains("multipath("));
        FEATURES.put("bundle", l -> l.contains("bundle(") || l.contains("bundle_load("));
        FEATURES.put("check_pkt_larger", l -> l.startsWith("Datapath actions: ") && l.contains("check_pkt_len("));
        FEATURES.put("truncated output", l -> l.startsWith("Datapath actions: ") && l.contains("trunc("));
    }
    static long startNanos;

    /** The seed {@code -Dvs4j.seed} names (a replay of one rule set), or null. */
    static Long replaySeed() {
        String fixed = System.getProperty("vs4j.seed");
        return fixed == null || fixed.isBlank() ? null : Long.decode(fixed.strip()); // unset arrives as "" (POM)
    }

    static Stream<Long> seeds() {
        Long fixed = replaySeed();
        if (fixed != null) {
            return Stream.of(fixed);
        }
        long base = new Random().nextLong() & 0xffff_ffffL;
        return LongStream.range(0, RULE_SETS).mapToObj(i -> base + i);
    }

    @BeforeAll
    static void startOvs() throws Exception {
        startNanos = System.nanoTime();
        ovs = PrivateOvs.start("vstbr0", "vstp", PORTS);
    }

    @AfterAll
    static void stopOvs() throws Exception {
        if (ovs != null) {
            ovs.close();
            System.out.printf("OvsTraceAgreementTest: %d packets compared (%d with at least one output), %.1f s;"
                    + " traces through %s%n", comparedPackets, comparedWithOutput,
                    (System.nanoTime() - startNanos) / 1e9, SEEN);
            // A rule set may drop everything (a catch-all drop high in table 0); all of them together must not
            // (30-60 % of the packets leave a port in runs seen so far). A replay of one seed is one rule set, which
            // may well drop everything (about a third do): the guard would fail it with every packet agreeing.
            if (replaySeed() == null) {
                assertTrue(comparedWithOutput * 10 >= comparedPackets, "only " + comparedWithOutput + " of "
                        + comparedPackets + " packets left a port in Open vSwitch: the comparison says little");
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void ourTraceAgreesWithOpenVswitchOnARandomRuleSet(long seed) throws Exception {
        // Consecutive seeds give java.util.Random correlated first draws (seen here: 20 rule sets without a group);
        // SplittableRandom mixes the seed first.
        Random r = new Random(new SplittableRandom(seed).nextLong());
        RuleSet rules = RuleSet.random(r);
        List<PacketSpec> packets = new ArrayList<>();
        for (int i = 0; i < PACKETS; i++) {
            packets.add(PacketSpec.random(r));
        }
        String replay = " [seed " + seed + ", replay with -Dvs4j.seed=" + seed + "]";
        if (Boolean.getBoolean("vs4j.ovs.verbose")) {
            System.out.println("=== seed " + seed + "\n" + String.join("\n", rules.groups) + "\n"
                    + String.join("\n", rules.flows));
        }

        // Open vSwitch: replace the rule set, then trace every packet in one shell loop (a JVM fork per packet
        // costs more than the trace).
        ovs.ofctl("del-flows", ovs.bridge);
        ovs.ofctl("del-groups", ovs.bridge);
        Path groups = ovs.dir.resolve("groups.txt");
        Path flows = ovs.dir.resolve("flows.txt");
        Files.write(groups, rules.groups);
        Files.write(flows, rules.flows);
        if (!rules.groups.isEmpty()) {
            ovs.ofctl("add-groups", ovs.bridge, groups.toString());
        }
        ovs.ofctl("add-flows", ovs.bridge, flows.toString());
        List<String> lines = new ArrayList<>();
        HexFormat hex = HexFormat.of();
        for (PacketSpec p : packets) {
            lines.add("in_port=" + p.inPort + " " + hex.formatHex(p.frame()));
        }
        List<List<String>> traces = ovs.traceAll("packets.txt", lines, replay);

        // Ours: the same text through our parser, a switch with the same ofports.
        List<String> mismatches = new ArrayList<>();
        try (Ours ours = new Ours()) {
            for (String g : rules.groups) {
                ours.of.apply(Ofctl.parseGroup(g, GroupMod.Command.ADD));
            }
            for (String f : rules.flows) {
                ours.of.apply(Ofctl.parseFlow(f, FlowMod.Command.ADD));
            }
            for (int i = 0; i < packets.size(); i++) {
                PacketSpec p = packets.get(i);
                List<String> ovsTrace = traces.get(i);
                String dpLine = ovsTrace.stream().filter(l -> l.startsWith("Datapath actions: ")).findFirst()
                        .orElse(null);
                if (dpLine == null) {
                    fail("no Datapath actions line in Open vSwitch's trace" + replay + ":\n"
                            + String.join("\n", ovsTrace));
                }
                List<String> theirs;
                try {
                    theirs = OvsActions.run(dpLine.substring("Datapath actions: ".length()), p.headers(), ovs);
                } catch (IllegalArgumentException e) {
                    fail("cannot read Open vSwitch's datapath actions (" + e.getMessage() + ")" + replay + ":\n"
                            + String.join("\n", ovsTrace));
                    return;
                }
                Trace t = ours.of.trace(p.inPort, p.frame());
                List<String> mine = runOurs(t.actions().actions(), p.headers());
                // ofproto/trace in OVS 3.1 does install what learn actions learn (later traces hit those flows);
                // our trace has no side effects, so the packet itself goes through our switch to learn the same.
                // What leaves our ports must be what our trace's datapath actions say: the datapath executes
                // them as the translation meant (every output, in order per port, with the headers edited so far).
                List<String> sent = ours.send(p);
                List<String> expected = new ArrayList<>(mine.stream().filter(o -> o.matches("\\d+: .*")).toList());
                if (!sortedEquals(expected, sent)) {
                    mismatches.add("packet " + i + ": in_port=" + p.inPort + " " + p + "\n  our trace: " + expected
                            + "\n  our ports: " + sent + "\n--- our trace:\n" + t.text() + "Datapath actions: "
                            + t.actions());
                }
                if (Boolean.getBoolean("vs4j.ovs.verbose")) {
                    System.out.println("#" + i + " in_port=" + p.inPort + " " + p + "\n  OVS " + theirs + " "
                            + ovsTrace.stream().filter(l -> l.contains("-> table=") || l.contains("exception")).toList()
                            + "\n  OUR " + mine + " " + t.text().lines()
                            .filter(l -> l.contains("learn") || l.contains("dec_ttl")).toList());
                }
                comparedPackets++;
                for (Map.Entry<String, Predicate<String>> f : FEATURES.entrySet()) {
                    if (ovsTrace.stream().anyMatch(f.getValue())) {
                        SEEN.merge(f.getKey(), 1, Integer::sum);
                    }
                }
                if (!theirs.isEmpty()) {
                    comparedWithOutput++;
                }
                if (!theirs.equals(mine)) {
                    mismatches.add("packet " + i + ": in_port=" + p.inPort + " " + p + "\n  Open vSwitch: " + theirs
                            + "\n  ours:         " + mine + "\n--- Open vSwitch's trace:\n"
                            + String.join("\n", ovsTrace) + "\n--- our trace:\n" + t.text()
                            + "Datapath actions: " + t.actions());
                }
            }
        }
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " of " + packets.size() + " packets differ from Open vSwitch" + replay
                    + "\n=== groups:\n" + String.join("\n", rules.groups) + "\n=== flows:\n"
                    + String.join("\n", rules.flows) + "\n=== first differences:\n"
                    + String.join("\n\n", mismatches.subList(0, Math.min(3, mismatches.size()))));
        }
    }

    private static boolean sortedEquals(List<String> a, List<String> b) {
        List<String> x = new ArrayList<>(a);
        List<String> y = new ArrayList<>(b);
        java.util.Collections.sort(x);
        java.util.Collections.sort(y);
        return x.equals(y);
    }

    /** Our datapath actions run on {@code h}: one entry per output, "port: headers". */
    static List<String> runOurs(List<DatapathAction> actions, Headers h) {
        List<String> outputs = new ArrayList<>();
        long cut = Long.MAX_VALUE; // a trunc waiting for its output
        for (DatapathAction a : actions) {
            switch (a) {
                case DatapathAction.Output o -> {
                    outputs.add(o.port() + ": " + h.cut(cut));
                    cut = Long.MAX_VALUE;
                }
                case DatapathAction.Trunc t -> cut = t.maxLen();
                case DatapathAction.PushVlan p -> h.pushVlan(p.tpid(), p.tci());
                case DatapathAction.PopVlan _ -> h.popVlan();
                case DatapathAction.CheckPktLen c -> outputs.addAll(runOurs(
                        (h.len > c.size() ? c.greater() : c.lessEqual()).actions(), h.copy()));
                case DatapathAction.SetField s -> {
                    long v = s.value();
                    switch (s.field()) {
                        case ETH_SRC -> h.ethSrc = v;
                        case ETH_DST -> h.ethDst = v;
                        case IPV4_SRC -> h.ipSrc = (int) v;
                        case IPV4_DST -> h.ipDst = (int) v;
                        case IP_TOS -> h.tos = (int) v;
                        case IP_TTL -> h.ttl = (int) v;
                        case TP_SRC -> h.tpSrc = (int) v;
                        case TP_DST -> h.tpDst = (int) v;
                        case VLAN0 -> h.vlans.set(0, new int[] {(int) (v >>> 16), (int) (v & 0xffff)});
                        default -> outputs.add("set " + s);
                    }
                }
                case DatapathAction.Meter _ -> {
                }
                case DatapathAction.Drop _ -> {
                }
                default -> outputs.add(a.toString());
            }
        }
        return outputs;
    }

    /** A switch in synchronous mode with ports 1..PORTS and a fail-mode secure pipeline, as OVS's bridge. */
    static final class Ours implements AutoCloseable {
        final BufferPool pool = BufferPool.builder().count(256).strict(true).build();
        final Switch sw = Switch.builder().memory(pool).clock(new VirtualClock()).pollThreads(0).build();
        final List<MemoryPort> ports = new ArrayList<>();
        final FlowPipeline of;
        /** What left the ports during the last {@link #send}: "ofport: headers". */
        private final List<String> received = new ArrayList<>();

        Ours() {
            Bridge br = sw.addBridge("vstbr0");
            for (int i = 1; i <= PORTS; i++) {
                MemoryPort p = MemoryPort.builder().name("vstp" + i).memory(pool).build();
                int ofport = i;
                p.onReceive((port, frame) -> received.add(ofport + ": " + Headers.parse(frame)));
                ports.add(p);
                int got = br.addPort(p, BridgePortConfig.builder("vstp" + i).build());
                if (got != i) {
                    throw new IllegalStateException("ofport " + got + " for vstp" + i);
                }
            }
            of = FlowPipeline.attach(br, sw.datapath(), FlowPipeline.FailMode.SECURE);
        }

        /**
         * Sends the packet into its input port and runs the switch until it is idle (learn takes effect); what
         * left the ports, "ofport: headers" per frame.
         */
        List<String> send(PacketSpec spec) {
            received.clear();
            // Every ofproto/trace is a full translation, so every packet learns; a megaflow hit would not (OVS
            // and we relearn for cached flows only at revalidation, in no particular order). Hence: no caches.
            sw.datapath().invalidateAll();
            if (!ports.get(spec.inPort - 1).send(spec.frame())) {
                throw new IllegalStateException("port vstp" + spec.inPort + " refused the frame");
            }
            for (int i = 0; i < 100 && sw.poll() > 0; i++) {
                // until nothing more arrives
            }
            return new ArrayList<>(received);
        }

        @Override
        public void close() {
            sw.close();
            for (MemoryPort p : ports) {
                p.close();
            }
            pool.close();
        }
    }
}
