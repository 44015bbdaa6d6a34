package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.flow.ofctl.FlowSyntaxException;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * output(port=P,max_len=N), Open vSwitch's truncating output: syntax and refusals as ovs-ofctl 3.1, the trunc
 * datapath action before the one output it cuts, and the frames that leave. An OpenFlow output's max_len means
 * something for CONTROLLER only, and is not kept for other ports.
 */
class OutputTruncTest {
    private static byte[] udp(int payload) {
        return FrameBuilder.ethernet("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("192.0.2.1", "192.0.2.2")
                .udp(1000, 53).payload(payload).build();
    }

    @Test
    void parsesAndPrintsAsOvsOfctl() {
        // ovs-ofctl 3.1 parse-flow printed the right-hand sides
        MultipathBundleTest.assertPrintsAs(new String[][] {
            {"output(port=2,max_len=100)", "output(port=2,max_len=100)"},
            {"output(max_len=100,port=in_port)", "output(port=IN_PORT,max_len=100)"},
            {"output(port=LOCAL,max_len=14)", "output(port=LOCAL,max_len=14)"},
            {"output(port=2,max_len=100000)", "output(port=2,max_len=100000)"},
        });
        assertEquals(Action.Output.to(2), new Action.Output(2, 100), "max_len is for CONTROLLER only");
        assertEquals(100, new Action.Output(OfPort.CONTROLLER, 100).maxLen());
    }

    @Test
    void badArgumentsAreRefusedAsOvsOfctlRefusesThem() {
        assertTrue(assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions("output(port=FLOOD,max_len=100)"))
                .getMessage().contains("unsupported truncate port"));
        assertTrue(assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions(
                "output(port=CONTROLLER,max_len=100)")).getMessage().contains("unsupported truncate port"));
        assertTrue(assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions("output(port=2,max_len=13)"))
                .getMessage().contains("less than the minimum value 14"));
        assertTrue(assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions("output(port=2)"))
                .getMessage().contains("max_len"));
        assertEquals(OfpError.BAD_ACTION_BAD_OUT_PORT, assertThrows(FlowModException.class,
                () -> new Action.OutputTrunc(OfPort.NORMAL, 100)).error());
        assertEquals(OfpError.BAD_ACTION_BAD_ARGUMENT, assertThrows(FlowModException.class,
                () -> new Action.OutputTrunc(2, 13)).error());
        try (Rig r = new Rig(2)) {
            // "disallowed action in action set" (ovs-ofctl)
            assertEquals(OfpError.BAD_ACTION_BAD_TYPE, assertThrows(FlowModException.class, () -> r.of.apply(
                    Ofctl.parseFlow("actions=write_actions(output(port=2,max_len=100))"))).error());
        }
    }

    @Test
    void onlyTheTruncatedOutputIsCut() {
        try (Rig r = new Rig(3)) {
            r.of.apply(Ofctl.parseFlow("in_port=1,actions=output(port=2,max_len=20),output:3,"
                    + "output(port=1,max_len=30),output(port=IN_PORT,max_len=40)"));
            // the input port by number is skipped; IN_PORT sends nothing either, as in Open vSwitch 3.1 ("output_trunc
            // does not support patch port IN_PORT")
            assertEquals("trunc(20),2,3", r.of.trace(1, udp(58)).actions().toString());
            for (int i = 0; i < 3; i++) {
                r.send(1, udp(58));
            }
            assertEquals(List.of(20, 20, 20), r.take(2).stream().map(f -> f.length).toList());
            assertEquals(List.of(100, 100, 100), r.take(3).stream().map(f -> f.length).toList());
            assertEquals(List.of(), r.take(1));
            r.send(1, udp(0)); // 42 bytes: cut to 20 as well
            assertEquals(List.of(20), r.take(2).stream().map(f -> f.length).toList());
        }
    }

    @Test
    void aShortPacketIsNotPadded() {
        try (Rig r = new Rig(2)) {
            r.of.apply(Ofctl.parseFlow("in_port=1,actions=output(port=2,max_len=1500)"));
            r.send(1, udp(0));
            assertEquals(List.of(42), r.take(2).stream().map(f -> f.length).toList());
        }
    }
}
