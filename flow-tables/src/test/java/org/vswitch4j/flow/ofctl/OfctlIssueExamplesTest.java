package org.vswitch4j.flow.ofctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vswitch4j.flow.Action;
import org.vswitch4j.flow.FieldRef;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.Instructions;
import org.vswitch4j.flow.LearnSpec;
import org.vswitch4j.flow.Match;
import org.vswitch4j.flow.MatchField;
import org.vswitch4j.flow.OfPort;

/** The three flows of issue 4, parsed field by field and printed as Open vSwitch 3.1 printed them here. */
class OfctlIssueExamplesTest {

    @Test
    void multicastSourceDropParsesIntoAMaskedEthSrc() {
        FlowMod f = Ofctl.parseFlow("table=0, dl_src=01:00:00:00:00:00/01:00:00:00:00:00, actions=drop");
        assertEquals(FlowMod.Command.ADD, f.command());
        assertEquals(0, f.table());
        assertEquals(FlowMod.DEFAULT_PRIORITY, f.priority());
        assertEquals(1, f.match().fields().size());
        Match.FieldMatch src = f.match().get(MatchField.ETH_SRC);
        assertEquals(0x0100_0000_0000L, src.value());
        assertEquals(0x0100_0000_0000L, src.mask());
        assertEquals(Instructions.NONE, f.instructions());
        assertEquals(0, f.cookie());
        assertEquals(0, f.idleTimeout());
        assertEquals(0, f.hardTimeout());
        assertTrue(f.flags().isEmpty());
        assertEquals("dl_src=01:00:00:00:00:00/01:00:00:00:00:00 actions=drop", Ofctl.formatFlow(f));
    }

    @Test
    void macLearningFlowParsesIntoALearnSpecAndAResubmit() {
        FlowMod f = Ofctl.parseFlow("table=2 actions=learn(table=10, NXM_OF_VLAN_TCI[0..11], "
                + "NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[], load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15]), resubmit(,3)");
        assertEquals(2, f.table());
        assertEquals(FlowMod.DEFAULT_PRIORITY, f.priority());
        assertTrue(f.match().isAny());
        Instructions ins = f.instructions();
        assertEquals(0, ins.meterId());
        assertNull(ins.writeActions());
        assertEquals(-1, ins.gotoTable());
        List<Action> acts = ins.applyActions();
        assertEquals(2, acts.size());
        LearnSpec spec = ((Action.Learn) acts.get(0)).spec();
        assertEquals(10, spec.table());
        assertEquals(FlowMod.DEFAULT_PRIORITY, spec.priority());
        assertEquals(0, spec.idleTimeout());
        assertEquals(0, spec.hardTimeout());
        assertEquals(0, spec.cookie());
        assertEquals(List.of(
                new LearnSpec.MatchField(FieldRef.of(MatchField.VLAN_TCI, 0, 11), FieldRef.of(MatchField.VLAN_TCI, 0, 11)),
                new LearnSpec.MatchField(FieldRef.of(MatchField.ETH_DST), FieldRef.of(MatchField.ETH_SRC)),
                // NXM_OF_IN_PORT is OpenFlow 1.0's 16-bit in_port: the low 16 bits of the 32-bit field.
                new LearnSpec.LoadField(FieldRef.of(MatchField.IN_PORT, 0, 15), FieldRef.of(MatchField.REG0, 0, 15))),
                spec.items());
        assertEquals(new Action.Resubmit(OfPort.IN_PORT, 3), acts.get(1));
        assertEquals("table=2, actions=learn(table=10,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
                + "load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15]),resubmit(,3)", Ofctl.formatFlow(f));
    }

    @Test
    void arpFlowParsesEveryFieldAndKeepsOvsOrderWhenPrinted() {
        FlowMod f = Ofctl.parseFlow("table=71, priority=95,arp,reg5=0x1,in_port=1,dl_src=fa:16:3e:a4:22:10,"
                + "arp_spa=192.168.0.1 actions=resubmit(,94)");
        assertEquals(71, f.table());
        assertEquals(95, f.priority());
        Match m = f.match();
        assertEquals(5, m.fields().size());
        assertEquals(0x0806, m.get(MatchField.ETH_TYPE).value());
        assertEquals(1, m.get(MatchField.REG5).value());
        assertTrue(m.get(MatchField.REG5).isExact(MatchField.REG5));
        assertEquals(1, m.get(MatchField.IN_PORT).value());
        assertEquals(0xfa16_3ea4_2210L, m.get(MatchField.ETH_SRC).value());
        assertTrue(m.get(MatchField.ETH_SRC).isExact(MatchField.ETH_SRC));
        assertEquals(0xc0a8_0001L, m.get(MatchField.ARP_SPA).value());
        assertTrue(m.get(MatchField.ARP_SPA).isExact(MatchField.ARP_SPA));
        assertEquals(Instructions.apply(new Action.Resubmit(OfPort.IN_PORT, 94)), f.instructions());
        assertEquals("table=71, priority=95,arp,reg5=0x1,in_port=1,dl_src=fa:16:3e:a4:22:10,arp_spa=192.168.0.1 "
                + "actions=resubmit(,94)", Ofctl.formatFlow(f));
    }
}
