package org.vswitch4j.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.MatchField;
import org.vswitch4j.flow.Trace;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * multipath, bundle and bundle_load against Open vSwitch 3.1 (root, runs in CI; skips elsewhere, fails under
 * {@code CI=true}): their choice is a function of Open vSwitch's own flow hashes, so the link or member must be the
 * same for the same packet. Each rule set is one flow of 16 random multipath and bundle_load actions, one into each
 * of reg0..reg15 (every hash fields, algorithm, basis, link count and arg), and a random bundle that outputs; each
 * packet (IPv4 TCP, UDP, SCTP, ICMP and fragments, IPv6 TCP, UDP, SCTP, ICMPv6, ARP, another EtherType; with and
 * without a VLAN tag) is traced in both, and the 16 registers of the final flows and the output ports must agree.
 * {@code -Dvs4j.ovs.hashSets=N} runs more rule sets.
 */
class OvsHashAgreementTest {
    static final int RULE_SETS = Integer.getInteger("vs4j.ovs.hashSets", 6);
    static final int PACKETS = 60;
    static final String[] FIELDS = {"eth_src", "symmetric_l4", "symmetric_l3l4", "symmetric_l3l4+udp", "nw_src",
        "nw_dst", "symmetric_l3"};
    static final String[] MP_ALGORITHMS = {"modulo_n", "hash_threshold", "hrw", "iter_hash"};
    private static final Pattern REG = Pattern.compile("\\breg(\\d+)=0x([0-9a-f]+)");

    static PrivateOvs ovs;
    static long compared;
    static long nonZero;

    @BeforeAll
    static void startOvs() throws Exception {
        ovs = PrivateOvs.start("vshbr0", "vshp", OvsTraceAgreementTest.PORTS);
    }

    @AfterAll
    static void stopOvs() throws Exception {
        if (ovs != null) {
            ovs.close();
            System.out.printf("OvsHashAgreementTest: %d register values compared, %d of them non-zero%n", compared,
                    nonZero);
            // Registers that are always 0 would compare nothing: most links and members are not 0.
            assertTrue(nonZero * 3 >= compared, nonZero + " of " + compared + " registers non-zero");
        }
    }

    static Stream<Long> seeds() {
        long base = new Random().nextLong() & 0xffff_ffffL;
        return LongStream.range(0, RULE_SETS).mapToObj(i -> base + i);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void linksAndMembersAgreeWithOpenVswitch(long seed) throws Exception {
        Random r = new Random(new SplittableRandom(seed).nextLong());
        String flow = "table=0,priority=1 actions=" + actions(r);
        List<byte[]> frames = new ArrayList<>();
        List<Integer> inPorts = new ArrayList<>();
        for (int i = 0; i < PACKETS; i++) {
            frames.add(frame(r));
            inPorts.add(1 + r.nextInt(OvsTraceAgreementTest.PORTS));
        }
        String replay = " [seed " + seed + "]\nflow: " + flow;

        ovs.ofctl("del-flows", ovs.bridge);
        Path flows = ovs.dir.resolve("hash-flows.txt");
        Files.write(flows, List.of(flow));
        ovs.ofctl("add-flows", ovs.bridge, flows.toString());
        List<String> lines = new ArrayList<>();
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < PACKETS; i++) {
            lines.add("in_port=" + inPorts.get(i) + " " + hex.formatHex(frames.get(i)));
        }
        List<List<String>> traces = ovs.traceAll("hash-packets.txt", lines, replay);

        List<String> mismatches = new ArrayList<>();
        try (OvsTraceAgreementTest.Ours ours = new OvsTraceAgreementTest.Ours()) {
            ours.of.apply(Ofctl.parseFlow(flow, FlowMod.Command.ADD));
            for (int i = 0; i < PACKETS; i++) {
                List<String> ovsTrace = traces.get(i);
                String finalLine = line(ovsTrace, "Final flow: ", replay);
                String dpLine = line(ovsTrace, "Datapath actions: ", replay);
                long[] theirs = new long[16];
                Matcher m = REG.matcher(finalLine);
                while (m.find()) {
                    theirs[Integer.parseInt(m.group(1))] = Long.parseLong(m.group(2), 16);
                }
                Trace t = ours.of.trace(inPorts.get(i), frames.get(i));
                long[] mine = new long[16];
                for (int k = 0; k < 16; k++) {
                    mine[k] = MatchField.values()[MatchField.REG0.ordinal() + k].readLow(t.finalFlow().w);
                }
                List<String> theirOut = OvsActions.run(dpLine.substring("Datapath actions: ".length()), new Headers(),
                        ovs);
                List<String> myOut = OvsTraceAgreementTest.runOurs(t.actions().actions(), new Headers());
                for (int k = 0; k < 16; k++) {
                    compared++;
                    if (theirs[k] != 0) {
                        nonZero++;
                    }
                }
                if (!java.util.Arrays.equals(theirs, mine) || !theirOut.equals(myOut)) {
                    mismatches.add("packet " + i + " in_port=" + inPorts.get(i) + " " + hex.formatHex(frames.get(i))
                            + "\n  Open vSwitch: " + java.util.Arrays.toString(theirs) + " " + theirOut
                            + "\n  ours:         " + java.util.Arrays.toString(mine) + " " + myOut
                            + "\n  " + finalLine + "\n  our flow: " + t.flow());
                }
            }
        }
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " of " + PACKETS + " packets differ from Open vSwitch" + replay + "\n"
                    + String.join("\n", mismatches.subList(0, Math.min(4, mismatches.size()))));
        }
    }

    private static String line(List<String> trace, String prefix, String replay) {
        return trace.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError(
                "no \"" + prefix + "\" line in Open vSwitch's trace" + replay + ":\n" + String.join("\n", trace)));
    }

    /** 16 actions, one writing each register, then a bundle that outputs. */
    static String actions(Random r) {
        List<String> a = new ArrayList<>();
        for (int k = 0; k < 16; k++) {
            String fields = FIELDS[r.nextInt(FIELDS.length)];
            int basis = r.nextInt(4) == 0 ? 0 : r.nextInt(65536);
            if (r.nextInt(3) > 0) {
                int links = switch (r.nextInt(6)) {
                    case 0 -> 65 + r.nextInt(100); // hrw above 64 links is iter_hash
                    case 1 -> 1 + r.nextInt(65536);
                    default -> 1 + r.nextInt(8);
                };
                long arg = switch (r.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> Integer.highestOneBit(links) << 1; // an iter_hash modulus that is used as given
                    case 2 -> r.nextInt(1 << 17);
                    default -> r.nextInt(64);
                };
                a.add("multipath(" + fields + "," + basis + "," + MP_ALGORITHMS[r.nextInt(4)] + "," + links + ","
                        + arg + ",NXM_NX_REG" + k + "[])");
            } else {
                a.add("bundle_load(" + fields + "," + basis + "," + (r.nextInt(3) > 0 ? "hrw" : "active_backup")
                        + ",ofport,NXM_NX_REG" + k + "[],members:" + members(r) + ")");
            }
        }
        a.add("bundle(" + FIELDS[r.nextInt(FIELDS.length)] + "," + r.nextInt(65536) + ",hrw,ofport,members:"
                + members(r) + ")");
        return String.join(",", a);
    }

    /** 1..6 members: the bridge's ports, sometimes a port it does not have (never live), IN_PORT or NONE. */
    static String members(Random r) {
        List<String> m = new ArrayList<>();
        for (int i = 1 + r.nextInt(6); i > 0; i--) {
            int k = r.nextInt(20);
            m.add(k == 0 ? "IN_PORT" : k == 1 ? "NONE" : k == 2 ? "9"
                    : Integer.toString(1 + r.nextInt(OvsTraceAgreementTest.PORTS)));
        }
        return String.join(",", m);
    }

    static byte[] frame(Random r) {
        long src = 0x0200_0000_0000L | (r.nextLong() & 0xff_ffff_ffffL);
        long dst = r.nextInt(4) == 0 ? 0xffff_ffff_ffffL : 0x0200_0000_0000L | (r.nextLong() & 0xff_ffff_ffffL);
        FrameBuilder b = FrameBuilder.ethernet(src, dst);
        if (r.nextInt(3) == 0) {
            b.vlan(0x8100, r.nextInt(8), 0, 1 + r.nextInt(4094));
        }
        String v4a = "192.0.2." + r.nextInt(256);
        String v4b = r.nextBoolean() ? "198.51.100." + r.nextInt(256) : "203.0.113." + r.nextInt(256);
        String v6a = String.format("2001:db8:%x::%x", r.nextInt(65536), r.nextInt(65536));
        String v6b = String.format("2001:db8:%x:%x::%x", r.nextInt(65536), r.nextInt(65536), r.nextInt(65536));
        int sp = r.nextInt(65536);
        int dp = r.nextInt(65536);
        switch (r.nextInt(12)) {
            case 0, 1 -> b.ipv4(v4a, v4b).tcp(sp, dp).payload(8);
            case 2 -> b.ipv4(v4a, v4b).udp(sp, dp).payload(8);
            case 3 -> b.ipv4(v4a, v4b).sctp(sp, dp).payload(8);
            case 4 -> b.ipv4(v4a, v4b).icmp4Echo(sp, dp).payload(8);
            case 5 -> {
                // a fragment: the first (ports present) or a later one (no L4 header parsed)
                if (r.nextBoolean()) {
                    b.ipv4(v4a, v4b).mf().tcp(sp, dp).payload(16);
                } else {
                    b.ipv4(v4a, v4b).fragOffset(1 + r.nextInt(100)).ipProto(6).payload(24);
                }
            }
            case 6 -> b.ipv6(v6a, v6b).tcp(sp, dp).payload(8);
            case 7 -> b.ipv6(v6a, v6b).udp(sp, dp).payload(8);
            case 8 -> b.ipv6(v6a, v6b).sctp(sp, dp).payload(8);
            case 9 -> b.ipv6(v6a, v6b).icmp6Echo(sp, dp).payload(8);
            case 10 -> b.arp(1 + r.nextInt(2), src, FrameBuilder.ipv4(v4a), 0, FrameBuilder.ipv4(v4b));
            default -> b.ethType(0x88b5).payload(46);
        }
        return b.build();
    }
}
