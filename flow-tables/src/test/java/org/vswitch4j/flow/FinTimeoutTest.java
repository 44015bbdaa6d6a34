package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * fin_timeout, and learn's fin_idle_timeout/fin_hard_timeout, with Open vSwitch's semantics: the learned flow
 * carries a fin_timeout action first; a TCP segment with FIN or RST that matches it shortens its timeouts (never
 * lengthens them); any other segment leaves them; a trace shows it without applying it.
 */
class FinTimeoutTest {
    static final String A = "02:00:00:00:00:0a";
    static final String B = "02:00:00:00:00:0b";
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int ACK = 0x10;

    static byte[] tcp(String src, String dst, int flags) {
        return FrameBuilder.ethernet(src, dst).ipv4("192.0.2.1", "192.0.2.2").tcp(40000, 80, flags).build();
    }

    static FlowMod learnedTo(Rig r, String mac) {
        for (FlowStats s : r.of.dumpFlows(1)) {
            if (s.flow().match().get(MatchField.ETH_DST).value() == FrameBuilder.mac(mac)) {
                return s.flow();
            }
        }
        return null;
    }

    @Test
    void aFinOrRstOnALearnedFlowShortensItsTimeoutsAndItExpiresThen() {
        try (Rig r = new Rig(2)) {
            FlowPipelineTest.ofctl(r, "table=0,priority=10,tcp actions=learn(table=1,idle_timeout=60,"
                    + "fin_idle_timeout=2,fin_hard_timeout=5,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
                    + "output:NXM_OF_IN_PORT[]),resubmit(,1)");
            r.send(1, tcp(A, B, SYN));                     // learns "to A: port 1"
            FlowMod toA = learnedTo(r, A);
            assertEquals(List.of(new Action.FinTimeout(2, 5), Action.Output.to(1)),
                    toA.instructions().applyActions(), "fin_timeout first, as Open vSwitch's learn puts it");
            assertTrue(Ofctl.formatFlow(toA).contains("actions=fin_timeout(idle_timeout=2,hard_timeout=5),output:1"),
                    Ofctl.formatFlow(toA));
            assertEquals(60, toA.idleTimeout());

            r.send(2, tcp(B, A, ACK));                     // through the learned flow, no FIN: nothing changes
            assertEquals(1, r.take(1).size());
            assertEquals(60, learnedTo(r, A).idleTimeout());
            assertEquals(0, learnedTo(r, A).hardTimeout());

            Trace t = r.of.trace(2, tcp(B, A, FIN | ACK));
            assertTrue(t.text().contains("fin_timeout (not applied by trace)"), t.text());
            assertEquals(FIN | RST, t.megaflow().get(FlowField.TCP_FLAGS) & (FIN | RST),
                    "the megaflow tells closing segments apart");
            assertEquals(60, learnedTo(r, A).idleTimeout(), "a trace has no side effects");

            r.send(2, tcp(B, A, FIN | ACK));
            assertEquals(1, r.take(1).size());
            assertEquals(2, learnedTo(r, A).idleTimeout(), "the FIN shortened the idle timeout");
            assertEquals(5, learnedTo(r, A).hardTimeout(), "and set the hard one");
            assertEquals(60, learnedTo(r, B).idleTimeout(), "the flow the FIN's own learn added is untouched");

            for (int i = 0; i < 6; i++) {                  // 3.6 s without traffic
                r.revalidate();
            }
            assertEquals(null, learnedTo(r, A), "expired 2 s after its last packet");
            assertEquals(60, learnedTo(r, B).idleTimeout(), "still there: 60 s");
        }
    }

    @Test
    void anRstShortensButNeverLengthensAndNonTcpIsLeftAlone() {
        try (Rig r = new Rig(2)) {
            FlowPipelineTest.ofctl(r, "table=0,priority=10,ip,in_port=1 actions=fin_timeout(idle_timeout=30),output:2");
            // a flow added with a shorter idle timeout than fin_timeout's: an RST leaves it
            FlowPipelineTest.ofctl(r, "table=0,priority=20,tcp,in_port=1,tp_dst=81,idle_timeout=10"
                    + " actions=fin_timeout(idle_timeout=30,hard_timeout=40),output:2");
            r.send(1, FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).build());
            r.send(1, tcp(A, B, RST));
            r.send(1, FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").tcp(40000, 81, RST).build());
            assertEquals(3, r.take(2).size());
            for (FlowStats s : r.of.dumpFlows(0)) {
                if (s.flow().priority() == 10) {
                    assertEquals(30, s.flow().idleTimeout(), "no timeout before: the RST set 30 s");
                    assertEquals(0, s.flow().hardTimeout(), "hard_timeout=0 in the action leaves it alone");
                } else {
                    assertEquals(10, s.flow().idleTimeout(), "10 s is already shorter than 30: kept");
                    assertEquals(40, s.flow().hardTimeout());
                }
            }
        }
    }

    @Test
    void theOfctlSyntaxRoundTripsAndBadArgumentsNameTheAllowedOnes() {
        for (String a : List.of("fin_timeout(idle_timeout=10,hard_timeout=20)", "fin_timeout(hard_timeout=5)",
                "fin_timeout(idle_timeout=1)")) {
            FlowMod f = Ofctl.parseFlow("actions=" + a + ",output:1");
            assertTrue(Ofctl.formatFlow(f).contains("actions=" + a + ",output:1"), Ofctl.formatFlow(f));
        }
        RuntimeException bad = assertThrows(RuntimeException.class,
                () -> Ofctl.parseFlow("actions=fin_timeout(idle=3)"));
        assertTrue(bad.getMessage().contains("idle_timeout=N or hard_timeout=N"), bad.getMessage());
        RuntimeException big = assertThrows(RuntimeException.class,
                () -> Ofctl.parseFlow("actions=fin_timeout(idle_timeout=70000)"));
        assertTrue(big.getMessage().contains("65535"), big.getMessage());
    }
}
