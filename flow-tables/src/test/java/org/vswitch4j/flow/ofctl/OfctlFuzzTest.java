package org.vswitch4j.flow.ofctl;

import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import org.vswitch4j.flow.Action;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.FlowModException;
import org.vswitch4j.flow.GroupMod;
import org.vswitch4j.flow.Instructions;
import org.vswitch4j.flow.Match;
import org.vswitch4j.flow.MeterMod;

/**
 * Jazzer fuzz test of the {@code ovs-ofctl} parser (run only with {@code -Pfuzz}; see flow-tables' pom). The
 * first byte picks what to parse (a flow of each command, a match, actions, instructions, a group, a meter);
 * the rest is the text. Asserted: the parser either throws {@link FlowSyntaxException} or
 * {@link FlowModException} and nothing else, or gives a model that prints to text which parses back, without
 * any exception, to an equal model and prints the same again.
 */
class OfctlFuzzTest {

    // The syntax's words, so that mutations reach the deeper parts (learn, instructions, groups) quickly.
    @FuzzTest(maxDuration = "2m")
    @DictionaryEntries({"actions=", "table=", "priority=", "cookie=", "ip", "ipv6", "tcp", "udp6", "icmp6", "arp",
        "in_port=", "dl_src=", "nw_src=", "ipv6_src=", "tp_dst=", "dl_vlan=", "vlan_tci=", "tcp_flags=", "ip_frag=",
        "reg0=", "xreg1=", "nd_target=", "icmp_type=", "/0x", "/24", "::", "0x", "output:", "NORMAL", "CONTROLLER",
        "controller(max_len=", "set_field:", "->", "load:", "move:", "NXM_NX_REG0[", "NXM_OF_IN_PORT[]", "[0..15]",
        "resubmit(", "learn(", "conjunction(", "note:", "dec_ttl(", "mod_vlan_vid:", "mod_tp_src:", "push_vlan:",
        "write_actions(", "clear_actions", "write_metadata:", "goto_table:", "meter:", "group_id=", "type=select",
        "bucket=", "weight:", "watch_port:", "meter=", "kbps", "burst", "bands=", "type=drop", "rate=",
        "burst_size=", "prec_level=", "clone(", "enqueue:", "set_tunnel:", "pop_queue", "reason=no_match",
        "userdata=", "id=", "check_pkt_larger(", ")->", "multipath(", "symmetric_l4", "hrw", "iter_hash",
        "bundle(", "bundle_load(", ",ofport,", "members:", "active_backup"})
    void anyTextParsesIntoAModelThatRoundTripsOrFailsWithASyntaxOrOpenFlowError(FuzzedDataProvider data) {
        int what = data.consumeInt(0, 9);
        String text = data.consumeRemainingAsString();
        Object model;
        try {
            model = parse(what, text);
        } catch (FlowSyntaxException | FlowModException expected) {
            return;
        }
        String printed = print(model);
        Object back;
        try {
            back = parse(what, printed);
        } catch (RuntimeException e) {
            throw new AssertionError("the printed form of \"" + text + "\" does not parse: \"" + printed + "\"", e);
        }
        if (!back.equals(model)) {
            fail("\"" + text + "\" prints as \"" + printed + "\", which parses into another model: " + model
                    + " vs " + back);
        }
        String again = print(back);
        if (!again.equals(printed)) {
            fail("printing is not stable: \"" + printed + "\" then \"" + again + "\"");
        }
    }

    private static Object parse(int what, String text) {
        return switch (what) {
            case 0, 1, 2, 3, 4 -> Ofctl.parseFlow(text, FlowMod.Command.values()[what]);
            case 5 -> Ofctl.parseMatch(text);
            case 6 -> Ofctl.parseActions(text);
            case 7 -> Ofctl.parseInstructions(text);
            case 8 -> Ofctl.parseGroup(text, GroupMod.Command.ADD);
            default -> Ofctl.parseMeter(text, MeterMod.Command.ADD);
        };
    }

    @SuppressWarnings("unchecked")
    private static String print(Object model) {
        return switch (model) {
            case FlowMod f -> Ofctl.formatFlow(f);
            case Match m -> Ofctl.format(m);
            case List<?> l -> Ofctl.formatActions((List<Action>) l);
            case Instructions i -> Ofctl.format(i);
            case GroupMod g -> Ofctl.format(g);
            case MeterMod m -> Ofctl.format(m);
            default -> throw new AssertionError("unexpected model " + model);
        };
    }
}
