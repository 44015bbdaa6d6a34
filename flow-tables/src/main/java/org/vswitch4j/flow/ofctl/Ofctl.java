package org.vswitch4j.flow.ofctl;

import java.util.List;
import java.util.Objects;
import org.vswitch4j.flow.Action;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.FlowModException;
import org.vswitch4j.flow.FlowStats;
import org.vswitch4j.flow.GroupMod;
import org.vswitch4j.flow.Instructions;
import org.vswitch4j.flow.Match;
import org.vswitch4j.flow.MeterMod;

/**
 * The {@code ovs-ofctl} syntax of flows, groups and meters, both ways.
 *
 * <p>Parsing takes what {@code ovs-ofctl add-flow}, {@code mod-flows}, {@code del-flows}, {@code add-group}
 * and {@code add-meter} take: {@code table=2, priority=95,arp,reg5=0x1,in_port=1,dl_src=fa:16:3e:a4:22:10
 * actions=resubmit(,94)}, with every field alias ({@code dl_src} = {@code eth_src}, {@code nw_src} =
 * {@code ip_src}, {@code tp_dst} by protocol, NXM and OXM names), the shorthand protocols, masks, hex and
 * decimal, and every action and instruction of the model in Open vSwitch's spellings. A line printed by
 * {@code dump-flows} parses too (its counters are read by {@link #parseFlowStats}, ignored elsewhere).
 *
 * <p>Printing gives what Open vSwitch 3.1's {@code ovs-ofctl -O OpenFlow13 dump-flows} prints (the line without
 * its leading space): fields in its order and with its names, shorthand protocols collapsed back
 * ({@code tcp,tp_dst=80}), priority left out when it is the default. {@code parse(print(x))} equals
 * {@code x} for every flow the parser can produce.
 *
 * <p>Errors: text that is not valid syntax throws {@link FlowSyntaxException} (with the position, the token
 * and what was expected); a well-formed flow that OpenFlow refuses throws {@link FlowModException} with the
 * OpenFlow error and, in its message, the position of the field or action that caused it. Nothing else is
 * thrown for any input (the parser is fuzzed to hold to that). Where Open vSwitch's ovs-ofctl silently drops
 * a field whose prerequisite is missing ({@code tp_dst=80} without {@code tcp}), this parser refuses it, as an
 * OpenFlow switch refuses the flow mod ({@code OFPBMC_BAD_PREREQ}).
 *
 * <p>Thread-safety: stateless; every method may be called from any thread.
 */
public final class Ofctl {
    private Ofctl() {
    }

    /**
     * Parses a flow as {@code ovs-ofctl} takes it for {@code command}: {@code add-flow} and {@code mod-flows}
     * need {@code actions=}; {@code del-flows} takes none and, without {@code table=}, deletes in every table.
     *
     * @throws FlowSyntaxException when the text is not valid syntax
     * @throws FlowModException    when OpenFlow refuses the flow (bad prerequisite, value too wide, ...)
     */
    public static FlowMod parseFlow(String text, FlowMod.Command command) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(command, "command");
        return new FlowParser(text).flow(command, false);
    }

    /** Parses a flow for {@code add-flow} ({@link FlowMod.Command#ADD}). */
    public static FlowMod parseFlow(String text) {
        return parseFlow(text, FlowMod.Command.ADD);
    }

    /**
     * Parses one line of {@code dump-flows} output (with or without its counters) into the entry and its
     * counters; a line without {@code duration}, {@code n_packets} or {@code n_bytes} gets zeros.
     */
    public static FlowStats parseFlowStats(String text) {
        Objects.requireNonNull(text, "text");
        return new FlowParser(text).flowStats();
    }

    /**
     * Parses a match alone: fields and shorthand protocols, as in a {@code del-flows} filter or a trace flow
     * description ({@code tcp,nw_src=192.0.2.1,tp_dst=80}).
     */
    public static Match parseMatch(String text) {
        Objects.requireNonNull(text, "text");
        return new FlowParser(text).match();
    }

    /**
     * Parses an action list ({@code output:1,mod_vlan_vid:10}); {@code drop} or an empty text is the empty
     * list. Instructions are not actions: use {@link #parseInstructions}. {@code mod_tp_src}/{@code mod_tp_dst}
     * set the TCP port (a flow's own parse resolves them by its protocol).
     */
    public static List<Action> parseActions(String text) {
        Objects.requireNonNull(text, "text");
        FlowParser p = new FlowParser(text);
        return p.actions(0, text.length(), FlowParser.Context.NONE);
    }

    /** Parses what follows {@code actions=}: actions and the instructions ovs-ofctl writes among them. */
    public static Instructions parseInstructions(String text) {
        Objects.requireNonNull(text, "text");
        return new FlowParser(text).instructions(0, text.length(), FlowParser.Context.NONE);
    }

    /**
     * Parses a group as {@code add-group} takes it ({@code group_id=1,type=select,bucket=weight:2,actions=output:1,
     * bucket=output:2}); for {@link GroupMod.Command#DELETE} only {@code group_id} (none: every group).
     */
    public static GroupMod parseGroup(String text, GroupMod.Command command) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(command, "command");
        return new GroupMeterParser(text).group(command);
    }

    /**
     * Parses a meter as {@code add-meter} takes it ({@code meter=1,kbps,burst,bands=type=drop,rate=1000,
     * burst_size=100}), or as {@code dump-meters} prints it; for {@link MeterMod.Command#DELETE} only
     * {@code meter} (none: every meter). Without {@code kbps} or {@code pktps} a meter is kbps, as in OVS.
     */
    public static MeterMod parseMeter(String text, MeterMod.Command command) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(command, "command");
        return new GroupMeterParser(text).meter(command);
    }

    /**
     * One {@code dump-flows} line: {@code cookie=0x0, duration=1.234s, table=0, n_packets=0, n_bytes=0,
     * idle_timeout=10, priority=100,ip,nw_src=192.0.2.0/24 actions=output:1} (OpenFlow 1.3 stats carry no
     * idle_age; n_packets or n_bytes are left out when the entry does not count them).
     */
    public static String format(FlowStats stats) {
        return FlowPrinter.flowStats(Objects.requireNonNull(stats, "stats"));
    }

    /**
     * A flow mod as text that {@link #parseFlow(String, FlowMod.Command)} takes back: for adds and modifies
     * what {@code dump-flows --no-stats} prints ({@code table=2, priority=95,arp actions=resubmit(,94)}), for
     * deletes the filter without actions.
     */
    public static String formatFlow(FlowMod flow) {
        return FlowPrinter.flowMod(Objects.requireNonNull(flow, "flow"));
    }

    /** A match as {@code dump-flows} prints it, the default priority being left out. */
    public static String format(Match match) {
        return FlowPrinter.match(Objects.requireNonNull(match, "match"), FlowMod.DEFAULT_PRIORITY);
    }

    /** A match with its priority ({@code priority=N,} first unless it is 32768). */
    public static String format(Match match, int priority) {
        return FlowPrinter.match(Objects.requireNonNull(match, "match"), priority);
    }

    /** An action list as {@code dump-flows} prints it ({@code drop} when empty). */
    public static String formatActions(List<Action> actions) {
        return FlowPrinter.actions(Objects.requireNonNull(actions, "actions"));
    }

    /** Instructions as {@code dump-flows} prints them after {@code actions=}. */
    public static String format(Instructions instructions) {
        return FlowPrinter.instructions(Objects.requireNonNull(instructions, "instructions"));
    }

    /** A group as {@code dump-groups} prints it (OpenFlow 1.3); a delete as its {@code group_id=N}. */
    public static String format(GroupMod group) {
        return FlowPrinter.group(Objects.requireNonNull(group, "group"));
    }

    /**
     * A meter as {@code dump-meters} prints it (OpenFlow 1.3): {@code meter=1 kbps burst bands=} and one line
     * per band ({@code type=drop rate=1000 burst_size=100}); {@link #parseMeter} reads it back.
     */
    public static String format(MeterMod meter) {
        return FlowPrinter.meter(Objects.requireNonNull(meter, "meter"));
    }
}
