package org.vswitch4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.GroupMod;
import org.vswitch4j.flow.Trace;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * The translation's limits against Open vSwitch 3.1 (root, runs in CI; skips elsewhere, fails under
 * {@code CI=true}): long chains of resubmits to later tables and of goto_table (no depth limit), chains of
 * resubmits back to earlier tables around the depth limit of 64 (with and without a check_pkt_larger in front),
 * and loops through a table or a group bucket (the translation fails, the packet is dropped). The random rule sets
 * of {@link OvsTraceAgreementTest} have three tables and never come near these limits.
 */
class OvsLimitsAgreementTest {
    static PrivateOvs ovs;

    @BeforeAll
    static void startOvs() throws Exception {
        ovs = PrivateOvs.start("vslbr0", "vslp", OvsTraceAgreementTest.PORTS);
    }

    @AfterAll
    static void stopOvs() throws Exception {
        if (ovs != null) {
            ovs.close();
        }
    }

    record Case(String name, List<String> groups, List<String> flows) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        List<String> forward = new ArrayList<>();
        for (int t = 0; t < 250; t++) {
            forward.add("table=" + t + ",actions=resubmit(," + (t + 1) + ")");
        }
        forward.add("table=250,actions=output:2");
        cases.add(new Case("250 resubmits to later tables", List.of(), forward));
        List<String> gotos = new ArrayList<>();
        for (int t = 0; t < 250; t++) {
            gotos.add("table=" + t + ",actions=goto_table:" + (t + 1));
        }
        gotos.add("table=250,actions=output:3");
        cases.add(new Case("250 goto_table", List.of(), gotos));
        for (int k = 60; k <= 68; k++) {
            for (String first : new String[] {"", "check_pkt_larger(100)->reg0[0],"}) {
                List<String> back = new ArrayList<>();
                back.add("table=0,actions=" + first + "resubmit(," + k + ")");
                for (int t = k; t > 1; t--) {
                    back.add("table=" + t + ",actions=output:" + (1 + t % 4) + ",resubmit(," + (t - 1) + ")");
                }
                back.add("table=1,actions=output:5");
                cases.add(new Case(k + " tables resubmitting back" + (first.isEmpty() ? "" : ", behind a check"),
                        List.of(), back));
            }
        }
        cases.add(new Case("a table resubmitting to itself", List.of(),
                List.of("table=0,actions=output:2,resubmit(,0)")));
        cases.add(new Case("a loop through a group bucket", List.of("group_id=1,type=all,bucket=actions=resubmit(,0)"),
                List.of("table=0,actions=output:2,group:1")));
        cases.add(new Case("a loop through an action set", List.of(),
                List.of("table=0,actions=output:3,write_actions(resubmit(,1))", "table=1,actions=resubmit(,0)")));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void ourTranslationStopsWhereOpenVswitchStops(Case c) throws Exception {
        ovs.ofctl("del-flows", ovs.bridge);
        ovs.ofctl("del-groups", ovs.bridge);
        Path groups = ovs.dir.resolve("limit-groups.txt");
        Path flows = ovs.dir.resolve("limit-flows.txt");
        Files.write(groups, c.groups());
        Files.write(flows, c.flows());
        if (!c.groups().isEmpty()) {
            ovs.ofctl("add-groups", ovs.bridge, groups.toString());
        }
        ovs.ofctl("add-flows", ovs.bridge, flows.toString());
        PacketSpec spec = new PacketSpec();
        spec.inPort = 1;
        spec.src = PacketSpec.MACS[0];
        spec.dst = PacketSpec.MACS[1];
        spec.kind = PacketSpec.Kind.UDP;
        spec.ipSrc = FrameBuilder.ipv4("192.0.2.1");
        spec.ipDst = FrameBuilder.ipv4("192.0.2.2");
        spec.sport = 1000;
        spec.dport = 53;
        byte[] frame = spec.frame();
        List<String> trace = ovs.traceAll("limit-packet.txt", List.of("in_port=1 " + HexFormat.of().formatHex(frame)),
                " [" + c + "]").get(0);
        String dp = trace.stream().filter(l -> l.startsWith("Datapath actions: ")).findFirst().orElseThrow();
        Headers h = spec.headers();
        List<String> theirs = OvsActions.run(dp.substring("Datapath actions: ".length()), h.copy(), ovs);
        try (OvsTraceAgreementTest.Ours ours = new OvsTraceAgreementTest.Ours()) {
            for (String g : c.groups()) {
                ours.of.apply(Ofctl.parseGroup(g, GroupMod.Command.ADD));
            }
            for (String f : c.flows()) {
                ours.of.apply(Ofctl.parseFlow(f, FlowMod.Command.ADD));
            }
            Trace t = ours.of.trace(1, frame);
            List<String> mine = OvsTraceAgreementTest.runOurs(t.actions().actions(), h.copy());
            assertEquals(theirs, mine, c + "\n" + dp + "\nours: " + t.actions());
        }
    }
}
