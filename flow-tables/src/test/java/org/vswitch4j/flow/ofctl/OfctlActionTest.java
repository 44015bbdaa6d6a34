package org.vswitch4j.flow.ofctl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.flow.Action;
import org.vswitch4j.flow.FieldRef;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.Instructions;
import org.vswitch4j.flow.LearnSpec;
import org.vswitch4j.flow.MatchField;
import org.vswitch4j.flow.OfPort;

/** Action and instruction syntax: every spelling OVS accepts, what it prints, and a round trip per kind. */
class OfctlActionTest {

    static IntStream kinds() {
        return IntStream.range(0, RandomModels.ACTION_KINDS);
    }

    @ParameterizedTest(name = "kind {0}")
    @MethodSource("kinds")
    void everyActionKindRoundTrips(int kind) {
        long seed = Long.getLong("vs4j.seed", 31L * kind + 7);
        RandomModels g = new RandomModels(new Random(seed));
        for (int i = 0; i < 200; i++) {
            Action a = g.action(kind);
            String text = Ofctl.formatActions(List.of(a));
            assertEquals(List.of(a), Ofctl.parseActions(text), "kind " + kind + ", seed " + seed + ": " + text);
        }
    }

    /**
     * Each action the model has, from each of OVS's spellings, and the text we print for it: what OVS 3.1's
     * {@code dump-flows -O OpenFlow13} printed where we ran it, except the masked set_field, which OVS dumps as
     * loads (see OfctlAgreementTest).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '#', value = {
        "output:3#output:3",
        "3#output:3",
        "output:LOCAL#LOCAL",
        "IN_PORT#IN_PORT",
        "in_port#IN_PORT",
        "NORMAL#NORMAL",
        "FLOOD#FLOOD",
        "ALL#ALL",
        "LOCAL#LOCAL",
        "output:TABLE#TABLE",
        "CONTROLLER#CONTROLLER:65535",
        "controller:100#CONTROLLER:100",
        "controller(max_len=100)#CONTROLLER:100",
        "drop#drop",
        "mod_dl_src:00:11:22:33:44:55#set_field:00:11:22:33:44:55->eth_src",
        "mod_dl_dst:1:2:3:4:5:6#set_field:01:02:03:04:05:06->eth_dst",
        "mod_nw_src:1.2.3.4#set_field:1.2.3.4->ip_src",
        "mod_nw_dst:10.1.1.1#set_field:10.1.1.1->ip_dst",
        "mod_tp_src:5#set_field:5->tcp_src",
        "mod_tp_dst:7#set_field:7->tcp_dst",
        "mod_nw_tos:4#set_field:1->ip_dscp",
        "mod_nw_ecn:2#set_field:2->nw_ecn",
        "mod_vlan_vid:5#set_field:4101->vlan_vid",
        "mod_vlan_pcp:3#set_field:3->vlan_pcp",
        "mod_nw_ttl:3#mod_nw_ttl:3",
        "set_field:10.1.1.1->ip_dst#set_field:10.1.1.1->ip_dst",
        "set_field:0x5/0xf->reg0#set_field:0x5/0xf->reg0",
        "set_field:0->reg1#set_field:0->reg1",
        "set_field:1->ip_ecn#set_field:1->nw_ecn",
        "set_field:fe80::1->ipv6_src#set_field:fe80::1->ipv6_src",
        "push_vlan:0x8100#push_vlan:0x8100",
        "push_vlan:34984#push_vlan:0x88a8",
        "pop_vlan#pop_vlan",
        "strip_vlan#pop_vlan",
        "dec_ttl#dec_ttl",
        "dec_ttl(1,2)#dec_ttl(1,2)",
        "set_queue:4#set_queue:4",
        "pop_queue#pop_queue",
        "enqueue:1:2#set_queue:2,output:1,pop_queue",
        "enqueue(LOCAL,7)#set_queue:7,LOCAL,pop_queue",
        "enqueue:IN_PORT:3#set_queue:3,IN_PORT,pop_queue",
        "set_tunnel:0x10#set_field:0x10->tun_id",
        "set_tunnel:0x123456789#set_field:0x123456789->tun_id",
        "set_tunnel64:16#set_field:0x10->tun_id",
        "controller(reason=no_match)#controller(reason=no_match)",
        "controller(reason=invalid_ttl,max_len=100)#controller(reason=invalid_ttl,max_len=100)",
        "controller(id=5)#controller(id=5)",
        "controller(userdata=01.02.03)#controller(userdata=01.02.03)",
        "controller(reason=action)#CONTROLLER:65535",
        "controller(max_len=100,reason=action,id=0)#CONTROLLER:100",
        "controller(userdata=0102,id=3,max_len=64,reason=no_match)#controller(reason=no_match,max_len=64,id=3,userdata=01.02)",
        "clone(output:1)#clone(output:1)",
        "clone()#clone(drop)",
        "clone(drop)#clone(drop)",
        "clone(mod_dl_src:02:00:00:00:00:01,output:1)#clone(set_field:02:00:00:00:00:01->eth_src,output:1)",
        "clone(clone(output:1),resubmit(,2))#clone(clone(output:1),resubmit(,2))",
        "group:5#group:5",
        "resubmit:3#resubmit:3",
        "resubmit(,3)#resubmit(,3)",
        "resubmit(1,3)#resubmit(1,3)",
        "resubmit(IN_PORT,4)#resubmit(,4)",
        "resubmit(5)#resubmit:5",
        "load:0x5->NXM_NX_REG0[0..3]#load:0x5->NXM_NX_REG0[0..3]",
        "load:0->NXM_NX_REG8[29..31]#load:0->NXM_NX_REG8[29..31]",
        "load:1852->NXM_NX_REG6[21..31]#load:0x73c->NXM_NX_REG6[21..31]",
        "move:NXM_NX_REG0[0..3]->NXM_NX_REG1[4..7]#move:NXM_NX_REG0[0..3]->NXM_NX_REG1[4..7]",
        "move:NXM_OF_IN_PORT[]->NXM_NX_REG1[0..15]#move:NXM_OF_IN_PORT[]->NXM_NX_REG1[0..15]",
        "note:01.02.03#note:01.02.03",
        "note:aabbcc#note:aa.bb.cc",
        "output:NXM_NX_REG0[0..15]#output:NXM_NX_REG0[0..15]",
        "conjunction(5,1/2)#conjunction(5,1/2)",
        "exit#exit",
        "push:NXM_NX_REG0[]#push:NXM_NX_REG0[]",
        "push:reg1[0..3]#push:NXM_NX_REG1[0..3]",
        "pop:reg2#pop:NXM_NX_REG2[]",
        "pop:NXM_OF_ETH_SRC[0..15]#pop:NXM_OF_ETH_SRC[0..15]",
        "learn(table=1,idle_timeout=10,hard_timeout=20,fin_idle_timeout=5,fin_hard_timeout=10,priority=10,cookie=0xfedcba9876543210,in_port=99,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG1[16..31])#learn(table=1,idle_timeout=10,hard_timeout=20,fin_idle_timeout=5,fin_hard_timeout=10,priority=10,cookie=0xfedcba9876543210,in_port=99,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG1[16..31])",
        "learn(NXM_OF_VLAN_TCI[0..11], NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[], output:NXM_OF_IN_PORT[], load:10->NXM_NX_REG0[5..10])#learn(table=1,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[],load:0xa->NXM_NX_REG0[5..10])",
        "learn(send_flow_rem,delete_learned,limit=5,dl_type=0x800,NXM_OF_VLAN_TCI[0..11]=0x10)#learn(table=1,send_flow_rem,delete_learned,limit=5,eth_type=0x800,NXM_OF_VLAN_TCI[0..11]=0x10)",
    })
    void ovsSpellingsParseAndPrintAsOvsDoes(String input, String printed) {
        List<Action> acts = Ofctl.parseActions(input);
        assertEquals(printed, Ofctl.formatActions(acts));
        assertEquals(acts, Ofctl.parseActions(printed));
    }

    @Test
    void actionsBuildTheModelTheyName() {
        assertEquals(List.of(new Action.Output(OfPort.CONTROLLER, 100), Action.Output.to(OfPort.IN_PORT),
                Action.SetField.of(MatchField.VLAN_VID, 0x1005), new Action.PopVlan(), new Action.DecTtl(List.of()),
                new Action.Resubmit(OfPort.IN_PORT, 3), Action.Load.of(FieldRef.of(MatchField.REG0, 0, 3), 5),
                new Action.Note(new byte[] {1, 2, 3}), new Action.Conjunction(5, 1, 2)),
                Ofctl.parseActions("controller(max_len=100),in_port,mod_vlan_vid:5,strip_vlan,dec_ttl,"
                        + "resubmit(,3),load:5->NXM_NX_REG0[0..3],note:01.02.03,conjunction(5,1/2)"));
        LearnSpec spec = ((Action.Learn) Ofctl.parseActions("learn(table=3,priority=7,idle_timeout=1,hard_timeout=2,"
                + "fin_idle_timeout=3,fin_hard_timeout=4,cookie=9,send_flow_rem,delete_learned,limit=6,dl_type=0x800,"
                + "load:0x5->NXM_NX_REG1[0..3],output:NXM_NX_REG2[0..15])").get(0)).spec();
        assertEquals(new LearnSpec(3, 7, 1, 2, 3, 4, 9, true, true, 6, List.of(
                new LearnSpec.MatchValue(FieldRef.of(MatchField.ETH_TYPE), 0, 0x800),
                new LearnSpec.LoadValue(0, 5, FieldRef.of(MatchField.REG1, 0, 3)),
                new LearnSpec.OutputField(FieldRef.of(MatchField.REG2, 0, 15)))), spec);
    }

    @Test
    void enqueueIsSetQueueOutputPopQueueAndSetTunnelASetFieldOnTunId() {
        assertEquals(List.of(new Action.SetQueue(2), Action.Output.to(1), new Action.PopQueue()),
                Ofctl.parseActions("enqueue:1:2"));
        assertEquals(List.of(Action.SetField.of(MatchField.TUN_ID, 0x10), Action.Output.to(5)),
                Ofctl.parseActions("set_tunnel:0x10,output:5"));
    }

    @Test
    void modTpSrcFollowsTheFlowsProtocol() {
        FlowMod udp = Ofctl.parseFlow("udp6,actions=mod_tp_dst:7,mod_tp_src:5");
        assertEquals(List.of(Action.SetField.of(MatchField.UDP_DST, 7), Action.SetField.of(MatchField.UDP_SRC, 5)),
                udp.instructions().applyActions());
        assertEquals("udp6 actions=set_field:7->udp_dst,set_field:5->udp_src", Ofctl.formatFlow(udp));
        FlowMod sctp = Ofctl.parseFlow("sctp,actions=mod_tp_src:5");
        assertEquals(List.of(Action.SetField.of(MatchField.SCTP_SRC, 5)), sctp.instructions().applyActions());
    }

    @Test
    void instructionsParseInOvsOrderAndPrintSo() {
        FlowMod f = Ofctl.parseFlow("priority=0,ipv6,ipv6_src=2001:db8::/32,ip_frag=later,actions=meter:2,output:2,"
                + "clear_actions,write_actions(output:1),write_metadata:0x1/0xff,goto_table:3");
        assertEquals(new Instructions(2, List.of(Action.Output.to(2)), true, List.of(Action.Output.to(1)), 1, 0xff, 3),
                f.instructions());
        assertEquals("priority=0,ipv6,ipv6_src=2001:db8::/32,nw_frag=later actions=meter:2,output:2,clear_actions,"
                + "write_actions(output:1),write_metadata:0x1/0xff,goto_table:3", Ofctl.formatFlow(f));
        assertEquals(new Instructions(0, List.of(), false, null, 0xff, -1, -1),
                Ofctl.parseInstructions("write_metadata:0xff"));
        assertEquals("write_metadata:0xff", Ofctl.format(Ofctl.parseInstructions("write_metadata:0xff")));
        assertEquals(Instructions.apply(List.of()).withGoto(4), Ofctl.parseInstructions("goto_table:4"));
        assertEquals("drop", Ofctl.format(Instructions.NONE));
        // OVS drops an empty write_actions from the flow; the model keeps it (an empty list is not "none").
        assertEquals(List.of(), Ofctl.parseInstructions("write_actions(drop)").writeActions());
    }

    @Test
    void flowKeywordsAndFlagsParseAndPrintAsDumpFlowsShowsThem() {
        FlowMod f = Ofctl.parseFlow("cookie=0x10,table=4,idle_timeout=5,hard_timeout=10,importance=4,send_flow_rem,"
                + "check_overlap,reset_counts,no_packet_counts,no_byte_counts,tcp,tcp_src=1/0xff,tcp_flags=+syn-ack,"
                + "actions=NORMAL");
        assertEquals(0x10, f.cookie());
        assertEquals(4, f.table());
        assertEquals(5, f.idleTimeout());
        assertEquals(10, f.hardTimeout());
        assertEquals(4, f.importance());
        assertEquals(5, f.flags().size());
        assertEquals("cookie=0x10, table=4, idle_timeout=5, hard_timeout=10, send_flow_rem check_overlap reset_counts "
                + "no_packet_counts no_byte_counts importance=4, tcp,tp_src=0x1/0xff,tcp_flags=+syn-ack actions=NORMAL",
                Ofctl.formatFlow(f));
        FlowMod del = Ofctl.parseFlow("cookie=0x1/0xff,out_port=2,out_group=3,tcp", FlowMod.Command.DELETE);
        assertEquals(FlowMod.ALL_TABLES, del.table());
        assertEquals(1, del.cookie());
        assertEquals(0xff, del.cookieMask());
        assertEquals(2, del.outPort());
        assertEquals(3, del.outGroup());
        assertEquals("cookie=0x1/0xff, out_port=2, out_group=3, tcp", Ofctl.formatFlow(del));
    }
}
