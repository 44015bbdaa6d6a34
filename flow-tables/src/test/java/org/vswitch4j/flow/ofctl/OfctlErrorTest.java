package org.vswitch4j.flow.ofctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.FlowModException;
import org.vswitch4j.flow.GroupMod;
import org.vswitch4j.flow.MeterMod;
import org.vswitch4j.flow.OfpError;

/** Bad text: syntax errors name the token, its position and what was expected; refusals keep the OpenFlow error. */
class OfctlErrorTest {

    @Test
    void anUnknownFieldIsNamedWithItsPosition() {
        FlowSyntaxException e = assertThrows(FlowSyntaxException.class,
                () -> Ofctl.parseFlow("priority=5,in_prot=1,actions=drop"));
        assertEquals(11, e.position());
        assertEquals("in_prot", e.token());
        assertTrue(e.expected().contains("a match field"), e.expected());
        assertTrue(e.getMessage().contains("unknown field \"in_prot\" at position 11"), e.getMessage());
        assertEquals("priority=5,in_prot=1,actions=drop", e.text());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '#', value = {
        // text # position # token
        "ip,nw_src=1.2.3,actions=drop#10#1.2.3",
        "dl_src=01:02:03:04:05,actions=drop#7#01:02:03:04:05",
        "ipv6,ipv6_src=2001:db8:::1,actions=drop#14#2001:db8:::1",
        "ip,nw_src=1.2.3.4/33,actions=drop#18#33",
        "reg0=0xzz,actions=drop#5#0xzz",
        "reg0=-1,actions=drop#5#-1",
        "table=256,actions=drop#6#256",
        "priority=65536,actions=drop#9#65536",
        "tcp,tcp_flags=+syn-bogus,actions=drop#19#bogus",
        "ip,ip_frag=maybe,actions=drop#11#maybe",
        "actions=output:1,frobnicate#17#frobnicate",
        "actions=resubmit(,)#17#,",
        "actions=resubmit(,3#8#resubmit(,3",
        "actions=load:5->NXM_NX_REG0[0..40]#28#0..40",
        "actions=set_field:5->no_such_field#21#no_such_field",
        "actions=note:abc#13#abc",
        "actions=drop,output:1#8#drop",
        "actions=goto_table:3,output:1#21#output:1",
        "actions=write_actions(output:1),clear_actions#32#clear_actions",
        "actions=learn(table=1,bogus:1)#22#bogus",
        "in_port=1#9#",
        "cookie=0x1/0xff,actions=drop#0#cookie=0x1/0xff",
        "actions=enqueue:1#16#1",
        "actions=enqueue:ALL:1#16#ALL",
        "actions=enqueue(1,x)#18#x",
        "actions=set_tunnel:0x1ffffffffffffffff#19#0x1ffffffffffffffff",
        "actions=pop_queue:1#18#1",
        "actions=clone(goto_table:2)#14#goto_table",
        "actions=write_actions(output:1,meter:2)#31#meter",
        "actions=clone:1#8#clone",
        "actions=controller(pause)#19#pause",
        "actions=controller(meter_id=1)#19#meter_id",
        "actions=controller(reason=bogus)#26#bogus",
        "actions=controller(reason=action_set)#26#action_set",
        "actions=controller(userdata=0g)#28#0g",
        "actions=controller(id=65536)#22#65536",
    })
    void aSyntaxErrorPointsAtTheOffendingToken(String text, int position, String token) {
        FlowSyntaxException e = assertThrows(FlowSyntaxException.class, () -> Ofctl.parseFlow(text));
        assertEquals(position, e.position(), e.getMessage());
        assertEquals(token == null ? "" : token, e.token(), e.getMessage());
        assertTrue(e.getMessage().contains("position " + position), e.getMessage());
        assertTrue(!e.expected().isEmpty(), e.getMessage());
    }

    @Test
    void clonesNestMoreThanAHundredDeepAsOpenVswitchDoesNot() {
        String deep = "clone(".repeat(100) + "output:1" + ")".repeat(100);
        Ofctl.parseActions(deep);
        FlowSyntaxException e = assertThrows(FlowSyntaxException.class,
                () -> Ofctl.parseActions("clone(" + deep + ")"));
        assertTrue(e.getMessage().contains("nested more than 100 deep"), e.getMessage());
        // Deeper still, the parser must not run out of stack before it says so.
        assertThrows(FlowSyntaxException.class, () -> Ofctl.parseActions("clone(".repeat(100_000)));
    }

    @Test
    void aMissingPrerequisiteIsRefusedWithTheOpenFlowErrorAtTheFieldsPosition() {
        // Where ovs-ofctl silently drops tp_dst (and matches everything), we refuse as an OpenFlow switch does.
        FlowModException e = assertThrows(FlowModException.class, () -> Ofctl.parseFlow("in_port=1,tp_dst=80,actions=drop"));
        assertEquals(OfpError.BAD_MATCH_BAD_PREREQ, e.error());
        assertTrue(e.getMessage().contains("tcp_dst needs"), e.getMessage());
        assertTrue(e.getMessage().contains("at position 10, \"tp_dst=80\""), e.getMessage());
        FlowModException pcp = assertThrows(FlowModException.class, () -> Ofctl.parseMatch("ip,arp_spa=1.2.3.4"));
        assertEquals(OfpError.BAD_MATCH_BAD_PREREQ, pcp.error());
        assertTrue(pcp.getMessage().contains("at position 3"), pcp.getMessage());
    }

    @Test
    void aValueTooWideIsRefusedWithBadValueAtItsPosition() {
        FlowModException e = assertThrows(FlowModException.class, () -> Ofctl.parseMatch("tcp,tp_dst=65536"));
        assertEquals(OfpError.BAD_MATCH_BAD_VALUE, e.error());
        assertTrue(e.getMessage().contains("at position 4"), e.getMessage());
        FlowModException mask = assertThrows(FlowModException.class, () -> Ofctl.parseMatch("ip,nw_ttl=3/0xf"));
        assertEquals(OfpError.BAD_MATCH_BAD_MASK, mask.error());
        FlowModException act = assertThrows(FlowModException.class, () -> Ofctl.parseActions("output:1,push_vlan:0x9100"));
        assertEquals(OfpError.BAD_ACTION_BAD_ARGUMENT, act.error());
        assertTrue(act.getMessage().contains("at position 9, \"push_vlan:0x9100\""), act.getMessage());
        FlowModException move = assertThrows(FlowModException.class,
                () -> Ofctl.parseActions("move:NXM_NX_REG0[0..3]->NXM_NX_REG1[0..4]"));
        assertEquals(OfpError.BAD_ACTION_BAD_ARGUMENT, move.error());
    }

    @Test
    void commandsCheckWhatTheyTake() {
        assertThrows(FlowSyntaxException.class, () -> Ofctl.parseFlow("tcp,actions=drop", FlowMod.Command.DELETE));
        assertThrows(FlowSyntaxException.class, () -> Ofctl.parseFlow("cookie=5,tcp", FlowMod.Command.DELETE));
        assertThrows(FlowSyntaxException.class, () -> Ofctl.parseFlow("tcp", FlowMod.Command.MODIFY));
        FlowModException ff = assertThrows(FlowModException.class,
                () -> Ofctl.parseGroup("group_id=1,type=ff,bucket=output:1", GroupMod.Command.ADD));
        assertEquals(OfpError.GROUP_MOD_FAILED_BAD_WATCH, ff.error());
        FlowSyntaxException burst = assertThrows(FlowSyntaxException.class,
                () -> Ofctl.parseMeter("meter=1,kbps,burst,bands=type=drop,rate=10", MeterMod.Command.ADD));
        assertTrue(burst.getMessage().contains("burst_size"), burst.getMessage());
        FlowModException noBand = assertThrows(FlowModException.class,
                () -> Ofctl.parseMeter("meter=1,kbps", MeterMod.Command.ADD));
        assertEquals(OfpError.METER_MOD_FAILED_BAD_BAND, noBand.error());
    }
}
