package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.flow.ofctl.Ofctl;

/** The issue's three example flows, in ovs-ofctl syntax, doing what they do in Open vSwitch. */
class IssueExamplesBehaviourTest {
    static void add(Rig r, String flow) {
        r.of.apply(Ofctl.parseFlow(flow, FlowMod.Command.ADD));
    }

    @Test
    void multicastSourcesAreDropped() {
        try (Rig r = new Rig(2)) {
            add(r, "table=0, dl_src=01:00:00:00:00:00/01:00:00:00:00:00, actions=drop");
            add(r, "table=0, priority=0, actions=output:2");
            r.send(1, FrameBuilder.ethernet("03:00:00:00:00:01", "02:00:00:00:00:02").ipv4("192.0.2.1", "192.0.2.2")
                    .udp(1, 2).build());
            assertEquals(0, r.take(2).size());
            r.send(1, FrameBuilder.ethernet("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("192.0.2.1", "192.0.2.2")
                    .udp(1, 2).build());
            assertEquals(1, r.take(2).size());
            Trace t = r.of.trace(r.key(1, FrameBuilder.ethernet("02:00:00:00:00:01", "02:00:00:00:00:02")
                    .ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).build()));
            assertEquals(1L << 40, t.megaflow().w[org.vswitch4j.core.key.FlowKey.W_ETH_SRC],
                    "only the group bit of eth_src is in the megaflow");
        }
    }

    @Test
    void learnThenResubmit() {
        try (Rig r = new Rig(3)) {
            add(r, "table=0 actions=resubmit(,2)");
            add(r, "table=2 actions=learn(table=10, NXM_OF_VLAN_TCI[0..11], NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
                    + " load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15]), resubmit(,3)");
            add(r, "table=3 actions=resubmit(,10),resubmit(,4)");
            add(r, "table=4 priority=10,reg0=0 actions=flood");
            add(r, "table=4 priority=5 actions=output:NXM_NX_REG0[0..15]");
            byte[] ab = FrameBuilder.ethernet("02:00:00:00:00:0a", "02:00:00:00:00:0b").vlan(5)
                    .ipv4("192.0.2.1", "192.0.2.2").udp(1, 2).build();
            byte[] ba = FrameBuilder.ethernet("02:00:00:00:00:0b", "02:00:00:00:00:0a").vlan(5)
                    .ipv4("192.0.2.2", "192.0.2.1").udp(2, 1).build();
            r.send(1, ab);
            assertEquals(1, r.take(2).size());
            assertEquals(1, r.take(3).size());
            String learned = Ofctl.format(r.of.dumpFlows(10).get(0));
            assertTrue(learned.contains("dl_dst=02:00:00:00:00:0a") && learned.contains("vlan_tci=0x0005/0x0fff")
                    && learned.contains("load:0x1->NXM_NX_REG0[0..15]"), learned);
            r.send(3, ba);
            assertEquals(1, r.take(1).size());
            assertEquals(0, r.take(2).size());
        }
    }

    @Test
    void arpAntiSpoofingRuleResubmitsOnlyTheExpectedSender() {
        try (Rig r = new Rig(2)) {
            add(r, "table=0 actions=load:0x1->NXM_NX_REG5[],resubmit(,71)");
            add(r, "table=71, priority=95,arp,reg5=0x1,in_port=1,dl_src=fa:16:3e:a4:22:10,arp_spa=192.168.0.1"
                    + " actions=resubmit(,94)");
            add(r, "table=94 actions=output:2");
            byte[] good = FrameBuilder.ethernet("fa:16:3e:a4:22:10", "ff:ff:ff:ff:ff:ff")
                    .arp(1, "fa:16:3e:a4:22:10", "192.168.0.1", "00:00:00:00:00:00", "192.168.0.2").build();
            byte[] spoofed = FrameBuilder.ethernet("fa:16:3e:a4:22:10", "ff:ff:ff:ff:ff:ff")
                    .arp(1, "fa:16:3e:a4:22:10", "192.168.0.9", "00:00:00:00:00:00", "192.168.0.2").build();
            r.send(1, good);
            assertEquals(1, r.take(2).size());
            r.send(1, spoofed);
            assertEquals(0, r.take(2).size());
            Trace t = r.of.trace(r.key(1, good));
            assertEquals(3, t.steps().size(), t.text());
            assertEquals(94, t.steps().get(2).table());
            assertTrue(t.text().contains("Datapath actions: 2"), t.text());
            assertEquals(0, t.megaflow().w[org.vswitch4j.core.key.FlowKey.W_REGS + 2], "registers stay out of megaflows");
            assertTrue(t.text().contains("    71. "), t.text());
            assertTrue(t.text().contains("priority 95"), t.text());
        }
    }
}
