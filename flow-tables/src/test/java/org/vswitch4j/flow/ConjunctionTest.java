package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.flow.ofctl.Ofctl;

/** Open vSwitch's conjunctive matches: (src in {A, B}) and (dst in {C, D}) with four flows instead of four products. */
class ConjunctionTest {
    static byte[] ip(String src, String dst) {
        return FrameBuilder.ethernet("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4(src, dst).udp(1, 2).build();
    }

    static void add(Rig r, String flow) {
        r.of.apply(Ofctl.parseFlow(flow, FlowMod.Command.ADD));
    }

    @Test
    void aPacketThatMatchesEveryClauseTakesTheConjIdFlow() {
        try (Rig r = new Rig(3)) {
            add(r, "priority=10,conj_id=1234,ip actions=output:2");
            add(r, "priority=100,ip,nw_src=192.0.2.1 actions=conjunction(1234,1/2)");
            add(r, "priority=100,ip,nw_src=192.0.2.4 actions=conjunction(1234,1/2)");
            add(r, "priority=100,ip,nw_dst=198.51.100.2 actions=conjunction(1234,2/2)");
            add(r, "priority=100,ip,nw_dst=198.51.100.5 actions=conjunction(1234,2/2)");
            add(r, "priority=1 actions=output:3");
            r.send(1, ip("192.0.2.4", "198.51.100.2"));
            assertEquals(1, r.take(2).size());
            r.send(1, ip("192.0.2.1", "198.51.100.5"));
            assertEquals(1, r.take(2).size());
            r.send(1, ip("192.0.2.1", "198.51.100.9"));       // only clause 1: falls through to priority 1
            assertEquals(0, r.take(2).size());
            assertEquals(1, r.take(3).size());
            r.send(1, ip("192.0.2.9", "198.51.100.2"));       // only clause 2
            assertEquals(1, r.take(3).size());
            assertEquals(6, r.of.dumpFlows().size());
            // Removing a clause flow undoes the conjunction for the packets that needed it (no stale megaflow).
            r.of.apply(Ofctl.parseFlow("priority=100,ip,nw_dst=198.51.100.2", FlowMod.Command.DELETE_STRICT));
            r.send(1, ip("192.0.2.4", "198.51.100.2"));
            assertEquals(0, r.take(2).size());
            assertEquals(1, r.take(3).size());
            // Adding the conj_id flow's sibling for another conjunction does not disturb this one.
            r.send(1, ip("192.0.2.1", "198.51.100.5"));
            assertEquals(1, r.take(2).size());
        }
    }

    @Test
    void conjunctionActionsStandAlone() {
        try (Rig r = new Rig(2)) {
            assertEquals(OfpError.BAD_ACTION_BAD_ARGUMENT, assertThrows(FlowModException.class,
                    () -> add(r, "ip,nw_src=192.0.2.1 actions=conjunction(1,1/2),output:2")).error());
        }
    }
}
