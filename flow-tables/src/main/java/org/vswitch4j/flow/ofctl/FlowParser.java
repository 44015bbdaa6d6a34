package org.vswitch4j.flow.ofctl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Function;
import org.vswitch4j.flow.Action;
import org.vswitch4j.flow.FieldRef;
import org.vswitch4j.flow.FlowFlag;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.FlowModException;
import org.vswitch4j.flow.FlowStats;
import org.vswitch4j.flow.Instructions;
import org.vswitch4j.flow.LearnSpec;
import org.vswitch4j.flow.Match;
import org.vswitch4j.flow.MatchField;
import org.vswitch4j.flow.OfPort;
import org.vswitch4j.flow.PacketIn;
import org.vswitch4j.flow.ofctl.Values.Val;

/**
 * The parser of one text: a flow ({@code add-flow}, {@code del-flows}, a {@code dump-flows} line), a match, an
 * action list or instructions ({@link GroupMeterParser} does groups and meters). Not thread-safe; one instance
 * per text.
 *
 * <p>Why a match is gathered before it is built: Open vSwitch's syntax lets fields arrive in any order and
 * several names write the same bits ({@code dl_vlan} and {@code dl_vlan_pcp} are parts of {@code vlan_tci};
 * {@code nw_tos} is {@code ip_dscp} shifted; {@code xreg0} is {@code reg0} and {@code reg1}; {@code tp_src}
 * means the TCP, UDP or SCTP port depending on the protocol). The parser folds each onto one field of the model,
 * lets a later name replace what an earlier one wrote (as OVS does), resolves {@code tp_*} at the end, and only then lets {@link Match.Builder} check widths and
 * prerequisites, reporting a failure at the position of the field that caused it.
 */
final class FlowParser {
    private static final String FLOW_EXPECTED = "a match field, a protocol (ip, tcp, udp, arp, ...), table, priority,"
            + " cookie, idle_timeout, hard_timeout, importance, out_port, out_group, a flag or actions=";

    private final String text;

    FlowParser(String text) {
        this.text = text;
    }

    FlowSyntaxException error(int pos, String token, String problem, String expected) {
        return new FlowSyntaxException(text, pos, token, problem, expected);
    }

    /** Re-throws a model refusal with the position and token that caused it, keeping the OpenFlow error. */
    FlowModException at(FlowModException e, int pos, String token) {
        String msg = e.getMessage();
        String prefix = e.error() + ": ";
        if (msg.startsWith(prefix)) {
            msg = msg.substring(prefix.length());
        }
        FlowModException w = new FlowModException(e.error(), msg + " (at position " + pos + ", \"" + token
                + "\", in \"" + text + "\")");
        w.initCause(e);
        return w;
    }

    // --- flows --------------------------------------------------------------------------------------------

    /** What a flow line holds besides the flow mod: the dump-flows counters, when present. */
    private long durationNanos;
    private long packets;
    private long bytes;
    private long idleAge = -1;
    private long hardAge = -1;

    FlowStats flowStats() {
        FlowMod fm = flow(FlowMod.Command.ADD, true);
        return new FlowStats(fm, durationNanos, packets, bytes,
                idleAge < 0 ? durationNanos : idleAge * 1_000_000_000L,
                hardAge < 0 ? durationNanos : hardAge * 1_000_000_000L);
    }

    FlowMod flow(FlowMod.Command command, boolean allowStats) {
        MatchAcc acc = new MatchAcc();
        int table = command == FlowMod.Command.DELETE || command == FlowMod.Command.DELETE_STRICT
                ? FlowMod.ALL_TABLES : 0;
        int priority = FlowMod.DEFAULT_PRIORITY;
        long cookie = 0;
        long cookieMask = 0;
        int idle = 0;
        int hard = 0;
        int importance = 0;
        long outPort = OfPort.ANY;
        long outGroup = FlowMod.ANY_GROUP;
        Set<FlowFlag> flags = EnumSet.noneOf(FlowFlag.class);
        int actionsPos = -1;
        Lexer lx = new Lexer(text);
        while (lx.hasNext()) {
            Lexer.Pair p = lx.next();
            String k = p.key();
            if ((k.equals("actions") || k.equals("action")) && p.sep() == '=') {
                actionsPos = p.valuePos();
                lx.skipToEnd();
                break;
            }
            switch (k) {
                case "table" -> table = (int) bounded(p, 255, "table");
                case "priority" -> priority = (int) bounded(p, 0xffff, "priority");
                case "idle_timeout" -> idle = (int) bounded(p, 0xffff, "idle_timeout");
                case "hard_timeout" -> hard = (int) bounded(p, 0xffff, "hard_timeout");
                case "importance" -> importance = (int) bounded(p, 0xffff, "importance");
                case "out_port" -> outPort = Values.port(value(p, "a port"), text, p.valuePos());
                case "out_group" -> outGroup = value(p, "a group").equalsIgnoreCase("ANY") ? FlowMod.ANY_GROUP
                        : bounded(p, 0xffff_ffffL, "out_group");
                case "cookie" -> {
                    String v = value(p, "a cookie");
                    int slash = v.indexOf('/');
                    if (slash >= 0) {
                        if (command == FlowMod.Command.ADD) {
                            throw error(p.keyPos(), k + "=" + v, "flow additions cannot use a cookie mask",
                                    "cookie=VALUE");
                        }
                        cookie = Values.integer(v.substring(0, slash), text, p.valuePos());
                        cookieMask = Values.integer(v.substring(slash + 1), text, p.valuePos() + slash + 1);
                    } else {
                        if (command == FlowMod.Command.DELETE || command == FlowMod.Command.DELETE_STRICT) {
                            throw error(p.keyPos(), k + "=" + v, "cannot set cookie", "cookie=VALUE/MASK");
                        }
                        cookie = Values.integer(v, text, p.valuePos());
                    }
                }
                case "send_flow_rem" -> flag(p, flags, FlowFlag.SEND_FLOW_REM);
                case "check_overlap" -> flag(p, flags, FlowFlag.CHECK_OVERLAP);
                case "reset_counts" -> flag(p, flags, FlowFlag.RESET_COUNTS);
                case "no_packet_counts" -> flag(p, flags, FlowFlag.NO_PKT_COUNTS);
                case "no_byte_counts" -> flag(p, flags, FlowFlag.NO_BYT_COUNTS);
                // dump-flows output fed back in, as Open vSwitch allows: counters are read, and otherwise ignored.
                case "duration" -> durationNanos = duration(p);
                case "n_packets" -> packets = Values.integer(value(p, "a count"), text, p.valuePos());
                case "n_bytes" -> bytes = Values.integer(value(p, "a count"), text, p.valuePos());
                case "idle_age" -> idleAge = Values.integer(value(p, "seconds"), text, p.valuePos());
                case "hard_age" -> hardAge = Values.integer(value(p, "seconds"), text, p.valuePos());
                default -> acc.field(p);
            }
        }
        if (!allowStats && (command == FlowMod.Command.ADD || command == FlowMod.Command.MODIFY
                || command == FlowMod.Command.MODIFY_STRICT) && actionsPos < 0) {
            throw error(text.length(), "", "must specify an action", "actions=...");
        }
        if (actionsPos >= 0 && (command == FlowMod.Command.DELETE || command == FlowMod.Command.DELETE_STRICT)) {
            throw error(actionsPos, text.substring(actionsPos), "deletes take no actions", "the end of the flow");
        }
        Match match = acc.build();
        Instructions ins = actionsPos < 0 ? Instructions.NONE
                : instructions(actionsPos, text.length(), new Context(match));
        try {
            return new FlowMod(command, table, priority, match, ins, cookie, cookieMask, idle, hard, importance,
                    flags, outPort, outGroup);
        } catch (FlowModException e) {
            throw at(e, 0, text);
        }
    }

    /** A match alone (del-flows and trace flow descriptions): fields and protocols, nothing else. */
    Match match() {
        MatchAcc acc = new MatchAcc();
        Lexer lx = new Lexer(text);
        while (lx.hasNext()) {
            acc.field(lx.next());
        }
        return acc.build();
    }

    private void flag(Lexer.Pair p, Set<FlowFlag> flags, FlowFlag f) {
        if (p.hasValue()) {
            throw error(p.valuePos(), p.value(), f.ovsName() + " takes no value", "a bare " + f.ovsName());
        }
        flags.add(f);
    }

    private long duration(Lexer.Pair p) {
        String v = value(p, "a duration like 1.234s");
        if (!v.endsWith("s")) {
            throw error(p.valuePos(), v, "bad duration", "a duration like 1.234s");
        }
        String num = v.substring(0, v.length() - 1);
        int dot = num.indexOf('.');
        long sec = Values.integer(dot < 0 ? num : num.substring(0, dot), text, p.valuePos());
        long nanos = 0;
        if (dot >= 0) {
            String frac = num.substring(dot + 1);
            if (frac.isEmpty() || frac.length() > 9 || !frac.chars().allMatch(Character::isDigit)) {
                throw error(p.valuePos() + dot + 1, frac, "bad duration", "a duration like 1.234s");
            }
            nanos = Long.parseLong((frac + "000000000").substring(0, 9));
        }
        if (sec > Long.MAX_VALUE / 1_000_000_000L - 1) {
            throw error(p.valuePos(), v, "duration too long", "a duration in seconds");
        }
        return sec * 1_000_000_000L + nanos;
    }

    String value(Lexer.Pair p, String expected) {
        if (!p.hasValue() || p.sep() == '(') {
            throw error(p.keyPos(), p.key(), p.key() + " needs a value", p.key() + "=" + expected);
        }
        return p.value();
    }

    long bounded(Lexer.Pair p, long max, String what) {
        return Values.bounded(value(p, "a number"), max, what, text, p.valuePos());
    }

    // --- matches ------------------------------------------------------------------------------------------

    private static final Map<String, int[]> PROTOCOLS = new HashMap<>();

    static {
        PROTOCOLS.put("ip", new int[] {0x0800, -1});
        PROTOCOLS.put("ipv6", new int[] {0x86dd, -1});
        PROTOCOLS.put("icmp", new int[] {0x0800, 1});
        PROTOCOLS.put("igmp", new int[] {0x0800, 2});
        PROTOCOLS.put("icmp6", new int[] {0x86dd, 58});
        PROTOCOLS.put("tcp", new int[] {0x0800, 6});
        PROTOCOLS.put("tcp6", new int[] {0x86dd, 6});
        PROTOCOLS.put("udp", new int[] {0x0800, 17});
        PROTOCOLS.put("udp6", new int[] {0x86dd, 17});
        PROTOCOLS.put("sctp", new int[] {0x0800, 132});
        PROTOCOLS.put("sctp6", new int[] {0x86dd, 132});
        PROTOCOLS.put("arp", new int[] {0x0806, -1});
        PROTOCOLS.put("rarp", new int[] {0x8035, -1});
    }

    /** The fields of a match as they are given, folded onto the model's fields, with where each came from. */
    private final class MatchAcc {
        private final EnumMap<MatchField, Val> vals = new EnumMap<>(MatchField.class);
        private final EnumMap<MatchField, Integer> where = new EnumMap<>(MatchField.class);
        private final List<Lexer.Pair> tp = new ArrayList<>();

        void field(Lexer.Pair p) {
            String k = p.key();
            int[] proto = PROTOCOLS.get(k);
            if (proto != null) {
                if (p.hasValue()) {
                    throw error(p.valuePos(), p.value(), k + " takes no value", "a bare " + k);
                }
                put(MatchField.ETH_TYPE, new Val(0, proto[0], 0, 0xffff), p);
                if (proto[1] >= 0) {
                    put(MatchField.IP_PROTO, new Val(0, proto[1], 0, 0xff), p);
                }
                return;
            }
            String lower = k.toLowerCase(Locale.ROOT);
            // tp_* mean the ports of whatever protocol the flow has; icmp_* mean ICMPv6's fields in an icmp6
            // flow (OVS prints them so): both are resolved once the whole match is known.
            if (lower.equals("tp_src") || lower.equals("tp_dst") || lower.equals("icmp_type")
                    || lower.equals("icmp_code")) {
                value(p, "a port");
                tp.add(p);
                return;
            }
            MatchField f = MatchField.byName(k);
            boolean known = f != null || lower.equals("dl_vlan") || lower.equals("dl_vlan_pcp")
                    || lower.equals("vlan_pcp");
            if (!known) {
                throw error(p.keyPos(), k, "unknown field \"" + k + "\"", FLOW_EXPECTED);
            }
            String v = value(p, "a value");
            int vp = p.valuePos();
            switch (lower) {
                case "dl_vlan" -> {
                    long vid = Values.integer(v, text, vp);
                    if (vid == 0xffff) {
                        put(MatchField.VLAN_TCI, new Val(0, 0, 0, 0xffff), p);
                    } else if (vid > 0xfff) {
                        throw error(vp, v, "VLAN id out of range", "dl_vlan in 0..4095, or 0xffff for no tag");
                    } else {
                        put(MatchField.VLAN_TCI, new Val(0, 0x1000 | vid, 0, 0x1fff), p, 0, 0x1fff);
                    }
                    return;
                }
                case "dl_vlan_pcp", "vlan_pcp" -> {
                    long pcp = Values.bounded(v, 7, "VLAN priority", text, vp);
                    put(MatchField.VLAN_TCI, new Val(0, 0x1000 | pcp << 13, 0, 0xf000), p, 0, 0xf000);
                    return;
                }
                default -> {
                }
            }
            Val val = Values.parse(f, v, text, vp);
            switch (f) {
                case VLAN_VID -> {
                    check(f, val, p);
                    put(MatchField.VLAN_TCI, new Val(0, val.value() & 0x1fff, 0, val.mask() & 0x1fff), p, 0, 0x1fff);
                }
                case NW_TOS -> {
                    check(f, val, p);
                    if ((val.value() & 3) != 0) {
                        throw error(vp, v, "nw_tos has its ECN bits (0x3) set", "a TOS byte with the low two bits zero");
                    }
                    put(MatchField.IP_DSCP, new Val(0, val.value() >>> 2, 0, val.mask() >>> 2), p);
                }
                case XREG0, XREG1, XREG2, XREG3, XREG4, XREG5, XREG6, XREG7 -> {
                    check(f, val, p);
                    int n = 2 * (f.ordinal() - MatchField.XREG0.ordinal());
                    MatchField hi = MatchField.values()[MatchField.REG0.ordinal() + n];
                    MatchField lo = MatchField.values()[MatchField.REG0.ordinal() + n + 1];
                    put(hi, new Val(0, val.value() >>> 32, 0, val.mask() >>> 32), p);
                    put(lo, new Val(0, val.value() & 0xffff_ffffL, 0, val.mask() & 0xffff_ffffL), p);
                }
                default -> put(f, val, p);
            }
        }

        /** Lets the builder judge {@code val} for {@code f} (width, mask) at {@code p}'s position. */
        private void check(MatchField f, Val val, Lexer.Pair p) {
            try {
                Match.builder().masked128(f, val.valueHigh(), val.value(), val.maskHigh(), val.mask());
            } catch (FlowModException e) {
                throw at(e, p.keyPos(), p.key() + "=" + p.value());
            }
        }

        private void put(MatchField f, Val val, Lexer.Pair p) {
            put(f, val, p, f.widthMaskHigh(), f.widthMaskLow());
        }

        /**
         * Sets the bits of {@code f} within {@code region} to {@code val}, as OVS's {@code mf_set} does: a field
         * given again replaces what was given before (the last {@code in_port=} wins), and the part-of-TCI names
         * ({@code dl_vlan}, {@code dl_vlan_pcp}, {@code vlan_vid}) replace only their part of {@code vlan_tci}.
         */
        private void put(MatchField f, Val val, Lexer.Pair p, long regionHigh, long region) {
            check(f, val, p);
            Val old = vals.getOrDefault(f, new Val(0, 0, 0, 0));
            Val merged = new Val(old.valueHigh() & ~regionHigh | val.valueHigh() & val.maskHigh(),
                    old.value() & ~region | val.value() & val.mask(),
                    old.maskHigh() & ~regionHigh | val.maskHigh(), old.mask() & ~region | val.mask());
            if (merged.mask() == 0 && merged.maskHigh() == 0) {
                vals.remove(f);
                where.remove(f);
                return;
            }
            vals.put(f, merged);
            where.put(f, p.keyPos());
        }

        Match build() {
            Val proto = vals.get(MatchField.IP_PROTO);
            Val type = vals.get(MatchField.ETH_TYPE);
            for (Lexer.Pair p : tp) {
                String name = p.key().toLowerCase(Locale.ROOT);
                boolean src = name.equals("tp_src") || name.equals("icmp_type");
                MatchField f = src ? MatchField.TCP_SRC : MatchField.TCP_DST;
                if (name.startsWith("icmp")) {
                    boolean v6 = type != null && type.value() == 0x86dd;
                    f = src ? (v6 ? MatchField.ICMPV6_TYPE : MatchField.ICMPV4_TYPE)
                            : (v6 ? MatchField.ICMPV6_CODE : MatchField.ICMPV4_CODE);
                } else if (proto != null) {
                    boolean v4 = type != null && type.value() == 0x0800;
                    f = switch ((int) proto.value()) {
                        case 17 -> src ? MatchField.UDP_SRC : MatchField.UDP_DST;
                        case 132 -> src ? MatchField.SCTP_SRC : MatchField.SCTP_DST;
                        case 1 -> v4 ? (src ? MatchField.ICMPV4_TYPE : MatchField.ICMPV4_CODE) : f;
                        case 58 -> !v4 ? (src ? MatchField.ICMPV6_TYPE : MatchField.ICMPV6_CODE) : f;
                        default -> f;
                    };
                }
                put(f, Values.parse(f, p.value(), text, p.valuePos()), p);
            }
            Match.Builder b = Match.builder();
            for (Map.Entry<MatchField, Val> e : vals.entrySet()) {
                Val v = e.getValue();
                try {
                    b.masked128(e.getKey(), v.valueHigh(), v.value(), v.maskHigh(), v.mask());
                } catch (FlowModException ex) {
                    int pos = where.get(e.getKey());
                    throw at(ex, pos, tokenAt(pos));
                }
            }
            try {
                return b.build();
            } catch (FlowModException ex) {
                // The builder names the field first ("tcp_dst needs ..."): point at where that field was given.
                for (Map.Entry<MatchField, Integer> e : where.entrySet()) {
                    if (ex.getMessage().startsWith(ex.error() + ": " + e.getKey().ovsName() + " ")) {
                        throw at(ex, e.getValue(), tokenAt(e.getValue()));
                    }
                }
                throw at(ex, 0, text);
            }
        }
    }

    /** The token of the text that starts at {@code pos}: up to a separator outside parentheses, for messages. */
    String tokenAt(int pos) {
        int depth = 0;
        int i = pos;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                if (depth == 0) {
                    break;
                }
                if (--depth == 0) {
                    i++;
                    break;
                }
            } else if (depth == 0 && Lexer.isSeparator(c)) {
                break;
            }
            i++;
        }
        return text.substring(Math.min(pos, text.length()), i);
    }

    // --- actions and instructions -------------------------------------------------------------------------

    /** What actions need to know of the flow they are in: the protocol, for mod_tp_src and friends. */
    record Context(int ethType, int ipProto) {
        Context(Match m) {
            this(m.get(MatchField.ETH_TYPE) == null ? -1 : (int) m.get(MatchField.ETH_TYPE).value(),
                    m.get(MatchField.IP_PROTO) == null ? -1 : (int) m.get(MatchField.IP_PROTO).value());
        }

        static final Context NONE = new Context(-1, -1);
    }

    private static final String[] STAGES = {"meter", "apply_actions", "clear_actions", "write_actions",
        "write_metadata", "goto_table"};

    Instructions instructions(int from, int to, Context ctx) {
        long meter = 0;
        List<Action> apply = new ArrayList<>();
        boolean clear = false;
        List<Action> write = null;
        long metadata = 0;
        long metadataMask = 0;
        int gotoTable = -1;
        int stage = -1;
        boolean[] seen = new boolean[STAGES.length];
        int dropPos = -1;
        Lexer lx = new Lexer(text, from, to);
        while (lx.hasNext()) {
            Lexer.Pair p = lx.next();
            String k = p.key().toLowerCase(Locale.ROOT);
            int s = switch (k) {
                case "meter" -> 0;
                case "apply_actions" -> 1;
                case "clear_actions" -> 2;
                case "write_actions" -> 3;
                case "write_metadata" -> 4;
                case "goto_table" -> 5;
                default -> -1;
            };
            if (s < 0) {
                if (k.equals("drop")) {
                    dropPos = p.keyPos();
                    continue;
                }
                if (stage > 1) {
                    throw error(p.keyPos(), tokenAt(p.keyPos()), "invalid instruction ordering: apply_actions must"
                            + " appear before " + STAGES[stage] + ", for OpenFlow 1.1+ compatibility",
                            "actions before the instructions that follow them");
                }
                stage = 1;
                addAction(apply, p, ctx);
                continue;
            }
            if (seen[s] || s < stage) {
                throw error(p.keyPos(), tokenAt(p.keyPos()), seen[s] ? "instruction " + STAGES[s]
                        + " may be specified only once" : "invalid instruction ordering: " + STAGES[s]
                        + " must appear before " + STAGES[stage] + ", for OpenFlow 1.1+ compatibility",
                        "instructions in the order meter, apply_actions, clear_actions, write_actions,"
                                + " write_metadata, goto_table");
            }
            seen[s] = true;
            stage = s;
            switch (s) {
                case 0 -> meter = bounded(p, 0xffff_0000L, "meter");
                case 1 -> {
                    parenOnly(p, "apply_actions(ACTIONS)");
                    apply.addAll(actions(p.valuePos(), p.valuePos() + p.value().length(), ctx));
                }
                case 2 -> {
                    if (p.hasValue() && !(p.sep() == '(' && p.value().isBlank())) {
                        throw error(p.valuePos(), p.value(), "clear_actions takes no value", "a bare clear_actions");
                    }
                    clear = true;
                }
                case 3 -> {
                    parenOnly(p, "write_actions(ACTIONS)");
                    write = actions(p.valuePos(), p.valuePos() + p.value().length(), ctx);
                }
                case 4 -> {
                    String v = value(p, "VALUE[/MASK]");
                    int slash = v.indexOf('/');
                    metadata = Values.integer(slash < 0 ? v : v.substring(0, slash), text, p.valuePos());
                    metadataMask = slash < 0 ? -1L : Values.integer(v.substring(slash + 1), text,
                            p.valuePos() + slash + 1);
                    if (metadataMask == 0) {
                        throw error(p.valuePos(), v, "write_metadata with a zero mask writes nothing",
                                "write_metadata:VALUE[/MASK] with a nonzero mask");
                    }
                }
                default -> gotoTable = (int) bounded(p, 254, "goto_table");
            }
        }
        if (dropPos >= 0 && (!apply.isEmpty() || meter != 0 || clear || write != null || metadataMask != 0
                || gotoTable >= 0)) {
            throw error(dropPos, "drop", "\"drop\" must not be accompanied by any other action or instruction",
                    "drop alone, or the actions without it");
        }
        if (meter == 0 && seen[0]) {
            throw error(from, "meter:0", "meter 0 does not exist", "meter:N with N in 1..4294901760");
        }
        try {
            return new Instructions(meter, apply, clear, write, metadata, metadataMask, gotoTable);
        } catch (FlowModException e) {
            throw at(e, from, text.substring(from, to));
        }
    }

    private void parenOnly(Lexer.Pair p, String expected) {
        if (p.sep() != '(') {
            throw error(p.keyPos(), p.key(), p.key() + " takes its actions in parentheses", expected);
        }
    }

    /** An action list without instructions: {@code write_actions(...)}, a group bucket, parseActions. */
    List<Action> actions(int from, int to, Context ctx) {
        List<Action> out = new ArrayList<>();
        int dropPos = -1;
        Lexer lx = new Lexer(text, from, to);
        while (lx.hasNext()) {
            Lexer.Pair p = lx.next();
            if (p.key().equalsIgnoreCase("drop") && !p.hasValue()) {
                dropPos = p.keyPos();
                continue;
            }
            String k = p.key().toLowerCase(Locale.ROOT);
            if (Arrays.asList(STAGES).contains(k)) {
                throw error(p.keyPos(), p.key(), "instruction " + k + " is not allowed in an action list (clone,"
                        + " write_actions, a group bucket)", "actions only; instructions follow the flow's actions=");
            }
            addAction(out, p, ctx);
        }
        if (dropPos >= 0 && !out.isEmpty()) {
            throw error(dropPos, "drop", "\"drop\" must not be accompanied by any other action",
                    "drop alone, or the actions without it");
        }
        return out;
    }

    /** How deep clone(...) may nest, as Open vSwitch's action parser limits nesting (MAX_OFPACT_PARSE_DEPTH). */
    static final int MAX_CLONE_DEPTH = 100;
    /** Clones around the action being parsed. */
    private int cloneDepth;

    private static final String ACTION_EXPECTED = "an action: output:PORT, PORT, IN_PORT, NORMAL, FLOOD, ALL, LOCAL,"
            + " CONTROLLER[:MAX_LEN], controller(max_len=N,reason=R,id=N,userdata=HEX), output(port=PORT,max_len=N),"
            + " drop, group:N,"
            + " set_field:V[/M]->FIELD, mod_dl_src, mod_dl_dst, mod_nw_src, mod_nw_dst, mod_tp_src, mod_tp_dst,"
            + " mod_nw_tos, mod_nw_ecn, mod_nw_ttl, mod_vlan_vid, mod_vlan_pcp, push_vlan:ETHERTYPE, pop_vlan,"
            + " strip_vlan, dec_ttl[(IDS)], set_queue:N, pop_queue, enqueue:PORT:QUEUE, set_tunnel:ID, set_tunnel64:ID,"
            + " resubmit:PORT, resubmit([PORT],[TABLE]), load:V->DST, move:SRC->DST, push:SRC, pop:DST, note:HEX,"
            + " conjunction(ID,K/N), multipath(...), bundle(...), bundle_load(...), check_pkt_larger(N)->DST,"
            + " learn(...), clone(ACTIONS), fin_timeout(idle_timeout=N,hard_timeout=N), exit; or an instruction:"
            + " meter:N, write_actions(...), clear_actions, write_metadata:V[/M], goto_table:N";

    /**
     * Adds what {@code p} names to {@code out}: one action, except {@code enqueue}, which is three, as Open vSwitch
     * encodes it for OpenFlow 1.1 and later (where OpenFlow 1.0's enqueue action does not exist): set_queue, output,
     * pop_queue.
     */
    private void addAction(List<Action> out, Lexer.Pair p, Context ctx) {
        if (!p.key().equalsIgnoreCase("enqueue")) {
            out.add(action(p, ctx));
            return;
        }
        String syntax = "enqueue:PORT:QUEUE or enqueue(PORT,QUEUE)";
        if (!p.hasValue()) {
            throw error(p.keyPos(), p.key(), "enqueue needs a port and a queue", syntax);
        }
        String v = p.value();
        int vp = p.valuePos();
        int sep = v.indexOf(p.sep() == '(' ? ',' : ':');
        if (sep <= 0 || sep == v.length() - 1) {
            throw error(vp, v, "enqueue needs a port and a queue", syntax);
        }
        String portText = v.substring(0, sep).strip();
        long port = Values.port(portText, text, vp);
        if (!OfPort.isOrdinary(port) && port != OfPort.IN_PORT && port != OfPort.LOCAL) {
            throw error(vp, portText, "enqueue's port must be a port number, IN_PORT or LOCAL (a queue belongs to one"
                    + " port)", syntax);
        }
        String queueText = v.substring(sep + 1).strip();
        long queue = Values.bounded(queueText, 0xffff_ffffL, "queue", text, vp + v.indexOf(queueText, sep + 1));
        out.add(new Action.SetQueue(queue));
        out.add(Action.Output.to(port));
        out.add(new Action.PopQueue());
    }

    Action action(Lexer.Pair p, Context ctx) {
        try {
            return action0(p, ctx);
        } catch (FlowModException e) {
            throw at(e, p.keyPos(), tokenAt(p.keyPos()));
        }
    }

    private Action action0(Lexer.Pair p, Context ctx) {
        String k = p.key().toLowerCase(Locale.ROOT);
        int vp = p.valuePos();
        if (!p.hasValue()) {
            if (!k.isEmpty() && Character.isDigit(k.charAt(0))) {
                return Action.Output.to(Values.port(p.key(), text, p.keyPos()));
            }
            long reserved = Values.reservedPort(k);
            if (reserved >= 0 && reserved != OfPort.ANY) {
                return Action.Output.to(reserved);
            }
        }
        switch (k) {
            case "output": {
                if (p.sep() == '(') {
                    return outputParen(p);
                }
                String v = value(p, "PORT or FIELD[BITS]");
                if (v.indexOf('[') >= 0) {
                    return new Action.OutputReg(fieldRef(v, vp), 0xffff);
                }
                return Action.Output.to(Values.port(v, text, vp));
            }
            case "controller": {
                if (!p.hasValue()) {
                    return Action.Output.to(OfPort.CONTROLLER);
                }
                if (p.sep() != '(') {
                    return new Action.Output(OfPort.CONTROLLER, (int) Values.bounded(p.value(), 0xffff, "max_len",
                            text, vp));
                }
                int maxLen = 0xffff;
                PacketIn.Reason reason = PacketIn.Reason.ACTION;
                int id = 0;
                byte[] userdata = new byte[0];
                for (Lexer.Pair q : Lexer.pairs(text, vp, vp + p.value().length())) {
                    switch (q.key()) {
                        case "max_len" -> maxLen = (int) bounded(q, 0xffff, "max_len");
                        case "id" -> id = (int) bounded(q, 0xffff, "controller id");
                        case "reason" -> reason = switch (value(q, "a reason")) {
                            case "action" -> PacketIn.Reason.ACTION;
                            case "no_match" -> PacketIn.Reason.NO_MATCH;
                            case "invalid_ttl" -> PacketIn.Reason.INVALID_TTL;
                            default -> throw error(q.valuePos(), q.value(), "packet-in reason \"" + q.value()
                                    + "\" is not one of OpenFlow 1.3's", "reason=action, no_match or invalid_ttl");
                        };
                        case "userdata" -> userdata = hexBytes(value(q, "hex bytes"), q.valuePos(), "userdata");
                        case "pause", "meter_id" -> throw error(q.keyPos(), q.key(), "controller option \"" + q.key()
                                + "\" is not supported (no continuations, no controller meters)",
                                "max_len=N, reason=R, id=N or userdata=HEX");
                        default -> throw error(q.keyPos(), q.key(), "unknown controller option \"" + q.key() + "\"",
                                "max_len=N, reason=R, id=N or userdata=HEX");
                    }
                }
                if (reason == PacketIn.Reason.ACTION && id == 0 && userdata.length == 0) {
                    return new Action.Output(OfPort.CONTROLLER, maxLen); // as OVS, which prints it CONTROLLER:N
                }
                return new Action.Controller(maxLen, reason, id, userdata);
            }
            case "mod_dl_src":
                return setField(MatchField.ETH_SRC, p);
            case "mod_dl_dst":
                return setField(MatchField.ETH_DST, p);
            case "mod_nw_src":
                return setField(MatchField.IPV4_SRC, p);
            case "mod_nw_dst":
                return setField(MatchField.IPV4_DST, p);
            case "mod_tp_src":
            case "mod_tp_dst": {
                boolean src = k.equals("mod_tp_src");
                MatchField f = switch (ctx.ipProto()) {
                    case 17 -> src ? MatchField.UDP_SRC : MatchField.UDP_DST;
                    case 132 -> src ? MatchField.SCTP_SRC : MatchField.SCTP_DST;
                    default -> src ? MatchField.TCP_SRC : MatchField.TCP_DST;
                };
                return setField(f, p);
            }
            case "mod_nw_tos": {
                long tos = Values.bounded(value(p, "a TOS value"), 0xff, "nw_tos", text, vp);
                if ((tos & 3) != 0) {
                    throw error(vp, p.value(), "nw_tos has its ECN bits (0x3) set", "a TOS byte with the low two bits zero");
                }
                return Action.SetField.of(MatchField.IP_DSCP, tos >>> 2);
            }
            case "mod_nw_ecn":
                return Action.SetField.of(MatchField.IP_ECN, Values.bounded(value(p, "0..3"), 3, "nw_ecn", text, vp));
            case "mod_nw_ttl":
                return new Action.SetTtl((int) Values.bounded(value(p, "0..255"), 255, "TTL", text, vp));
            case "mod_vlan_vid":
                return Action.SetField.of(MatchField.VLAN_VID,
                        0x1000 | Values.bounded(value(p, "0..4095"), 0xfff, "VLAN id", text, vp));
            case "mod_vlan_pcp":
                return Action.SetField.of(MatchField.VLAN_PCP, Values.bounded(value(p, "0..7"), 7, "VLAN priority",
                        text, vp));
            case "set_field": {
                String v = value(p, "VALUE[/MASK]->FIELD");
                int arrow = v.lastIndexOf("->");
                if (arrow < 0) {
                    throw error(vp, v, "set_field has no ->", "set_field:VALUE[/MASK]->FIELD");
                }
                MatchField f = field(v.substring(arrow + 2), vp + arrow + 2);
                Val val = Values.parse(f, v.substring(0, arrow), text, vp);
                return new Action.SetField(f, val.valueHigh(), val.value(), val.maskHigh(), val.mask());
            }
            case "load": {
                String v = value(p, "VALUE->DST[BITS]");
                int arrow = v.indexOf("->");
                if (arrow < 0) {
                    throw error(vp, v, "load has no ->", "load:VALUE->DST[BITS]");
                }
                long[] n = Values.integer128(v.substring(0, arrow), text, vp);
                return new Action.Load(fieldRef(v.substring(arrow + 2), vp + arrow + 2), n[0], n[1]);
            }
            case "move": {
                String v = value(p, "SRC[BITS]->DST[BITS]");
                int arrow = v.indexOf("->");
                if (arrow < 0) {
                    throw error(vp, v, "move has no ->", "move:SRC[BITS]->DST[BITS]");
                }
                return new Action.Move(fieldRef(v.substring(0, arrow), vp),
                        fieldRef(v.substring(arrow + 2), vp + arrow + 2));
            }
            case "push":
                return new Action.StackPush(fieldRef(value(p, "SRC[BITS]"), vp));
            case "pop":
                return new Action.StackPop(fieldRef(value(p, "DST[BITS]"), vp));
            case "push_vlan":
                return new Action.PushVlan((int) Values.bounded(value(p, "an ethertype"), 0xffff, "ethertype", text, vp));
            case "pop_vlan":
            case "strip_vlan":
                noValue(p);
                return new Action.PopVlan();
            case "dec_ttl": {
                if (!p.hasValue()) {
                    return new Action.DecTtl(List.of());
                }
                parenOnly(p, "dec_ttl or dec_ttl(ID,...)");
                List<Integer> ids = new ArrayList<>();
                for (Lexer.Pair q : Lexer.pairs(text, vp, vp + p.value().length())) {
                    if (q.hasValue()) {
                        throw error(q.keyPos(), q.key(), "bad controller id", "a controller id in 0..65535");
                    }
                    ids.add((int) Values.bounded(q.key(), 0xffff, "controller id", text, q.keyPos()));
                }
                return new Action.DecTtl(ids);
            }
            case "set_queue":
                return new Action.SetQueue(Values.bounded(value(p, "a queue id"), 0xffff_ffffL, "queue", text, vp));
            case "pop_queue":
                noValue(p);
                return new Action.PopQueue();
            case "set_tunnel":
            case "set_tunnel64":
                // Open vSwitch's own actions for the tunnel id; in OpenFlow 1.3 they are set_field on tun_id.
                return Action.SetField.of(MatchField.TUN_ID, Values.integer(value(p, "a tunnel id"), text, vp));
            case "group":
                return new Action.Group(Values.bounded(value(p, "a group id"), 0xffff_ff00L, "group", text, vp));
            case "resubmit":
                return resubmit(p);
            case "note":
                return new Action.Note(hexBytes(p.hasValue() ? value(p, "hex bytes") : "", vp, "note"));
            case "conjunction": {
                parenOnly(p, "conjunction(ID,K/N)");
                List<Lexer.Pair> qs = Lexer.pairs(text, vp, vp + p.value().length());
                if (qs.size() != 2 || qs.get(0).hasValue() || qs.get(1).hasValue() || qs.get(1).key().indexOf('/') < 0) {
                    throw error(vp, p.value(), "bad conjunction", "conjunction(ID,K/N)");
                }
                long id = Values.bounded(qs.get(0).key(), 0xffff_ffffL, "conjunction id", text, qs.get(0).keyPos());
                String kn = qs.get(1).key();
                int slash = kn.indexOf('/');
                int kpos = qs.get(1).keyPos();
                long clause = Values.bounded(kn.substring(0, slash), 64, "clause", text, kpos);
                long n = Values.bounded(kn.substring(slash + 1), 64, "number of clauses", text, kpos + slash + 1);
                return new Action.Conjunction(id, (int) clause, (int) n);
            }
            case "learn":
                if (p.sep() != '(') {
                    throw error(p.keyPos(), p.key(), "learn takes its specification in parentheses", "learn(...)");
                }
                return new Action.Learn(learn(vp, vp + p.value().length()));
            case "exit":
                noValue(p);
                return new Action.Exit();
            case "clone": {
                parenOnly(p, "clone(ACTIONS)");
                if (cloneDepth >= MAX_CLONE_DEPTH) {
                    throw error(p.keyPos(), p.key(), "clone nested more than " + MAX_CLONE_DEPTH + " deep",
                            "at most " + MAX_CLONE_DEPTH + " clones inside each other");
                }
                cloneDepth++;
                try {
                    return new Action.Clone(actions(vp, vp + p.value().length(), ctx));
                } finally {
                    cloneDepth--;
                }
            }
            case "multipath":
                parenOnly(p, MULTIPATH_SYNTAX);
                return multipath(p);
            case "check_pkt_larger":
                parenOnly(p, CHECK_PKT_LARGER_SYNTAX);
                return checkPktLarger(p);
            case "bundle":
            case "bundle_load":
                parenOnly(p, k.equals("bundle") ? BUNDLE_SYNTAX : BUNDLE_LOAD_SYNTAX);
                return bundle(p, k.equals("bundle_load"));
            case "fin_timeout": {
                parenOnly(p, "fin_timeout(idle_timeout=N,hard_timeout=N)");
                int finIdle = 0;
                int finHard = 0;
                for (Lexer.Pair q : Lexer.pairs(text, vp, vp + p.value().length())) {
                    switch (q.key()) {
                        case "idle_timeout" -> finIdle = (int) bounded(q, 0xffff, "idle_timeout");
                        case "hard_timeout" -> finHard = (int) bounded(q, 0xffff, "hard_timeout");
                        default -> throw error(q.keyPos(), q.key(), "unknown fin_timeout argument \"" + q.key()
                                + "\"", "idle_timeout=N or hard_timeout=N");
                    }
                }
                return new Action.FinTimeout(finIdle, finHard);
            }
            default:
                throw error(p.keyPos(), p.key(), "unknown action \"" + p.key() + "\"", ACTION_EXPECTED);
        }
    }

    private static final String CHECK_PKT_LARGER_SYNTAX = "check_pkt_larger(LENGTH)->DST[BIT]";
    private static final String MULTIPATH_SYNTAX = "multipath(FIELDS,BASIS,ALGORITHM,N_LINKS,ARG,DST[BITS])";
    private static final String BUNDLE_SYNTAX = "bundle(FIELDS,BASIS,ALGORITHM,ofport,members:PORT,...)";
    private static final String BUNDLE_LOAD_SYNTAX = "bundle_load(FIELDS,BASIS,ALGORITHM,ofport,DST[BITS],members:PORT,...)";

    /** A word of an argument list and where it starts in {@link #text}. */
    private record Word(String s, int pos) {
    }

    /** The words of {@code text[from, to)} between any of {@code delims}, as C's strtok finds them. */
    private List<Word> words(int from, int to, String delims) {
        List<Word> out = new ArrayList<>();
        int i = from;
        while (i < to) {
            while (i < to && delims.indexOf(text.charAt(i)) >= 0) {
                i++;
            }
            int start = i;
            while (i < to && delims.indexOf(text.charAt(i)) < 0) {
                i++;
            }
            if (i > start) {
                out.add(new Word(text.substring(start, i), start));
            }
        }
        return out;
    }

    /** The constant of {@code values} whose {@code ovs-ofctl} name is {@code w} (case-insensitive). */
    private <E extends Enum<E>> E named(Word w, E[] values, Function<E, String> name, String what) {
        for (E x : values) {
            if (name.apply(x).equalsIgnoreCase(w.s())) {
                return x;
            }
        }
        StringJoiner allowed = new StringJoiner(", ");
        for (E x : values) {
            allowed.add(name.apply(x));
        }
        throw error(w.pos(), w.s(), "unknown " + what + " \"" + w.s() + "\"", allowed.toString());
    }

    private Action.HashFields hashFields(Word w) {
        return named(w, Action.HashFields.values(), Action.HashFields::ovsName, "fields");
    }

    /** {@code check_pkt_larger(N)->DST}: the lexer hands over the value as {@code N)->DST}. */
    private Action checkPktLarger(Lexer.Pair p) {
        int vp = p.valuePos();
        String v = p.value();
        int arrow = v.indexOf(")->");
        if (arrow < 0) {
            throw error(vp, v, "check_pkt_larger needs a destination after its length", CHECK_PKT_LARGER_SYNTAX);
        }
        long len = Values.bounded(v.substring(0, arrow), 0xffff, "length", text, vp);
        int dp = vp + arrow + 3;
        String d = v.substring(arrow + 3);
        FieldRef dst = fieldRef(d, dp);
        try {
            return new Action.CheckPktLarger((int) len, dst);
        } catch (FlowModException e) {
            throw at(e, dp, d);
        }
    }

    private Action multipath(Lexer.Pair p) {
        int vp = p.valuePos();
        List<Word> ws = words(vp, vp + p.value().length(), ", ");
        if (ws.size() != 6) {
            throw error(vp, p.value(), "multipath takes 6 arguments, not " + ws.size(), MULTIPATH_SYNTAX);
        }
        Action.HashFields fields = hashFields(ws.get(0));
        int basis = (int) Values.bounded(ws.get(1).s(), 0xffff, "basis", text, ws.get(1).pos());
        Word a = ws.get(2);
        Action.MultipathAlgorithm alg = named(a, Action.MultipathAlgorithm.values(),
                Action.MultipathAlgorithm::ovsName, "algorithm");
        Word n = ws.get(3);
        long links = Values.bounded(n.s(), 65536, "n_links", text, n.pos());
        if (links < 1) {
            throw error(n.pos(), n.s(), "n_links " + links + " is not in 1..65536", "1..65536");
        }
        long arg = Values.bounded(ws.get(4).s(), 0xffff_ffffL, "arg", text, ws.get(4).pos());
        Word d = ws.get(5);
        FieldRef dst = fieldRef(d.s(), d.pos());
        try {
            return new Action.Multipath(fields, basis, alg, (int) links, arg, dst);
        } catch (FlowModException e) {
            throw at(e, d.pos(), d.s());
        }
    }

    private Action bundle(Lexer.Pair p, boolean load) {
        int vp = p.valuePos();
        int end = vp + p.value().length();
        String syntax = load ? BUNDLE_LOAD_SYNTAX : BUNDLE_SYNTAX;
        // The arguments up to the member list, split on ", "; then the delimiter word ends at ':' (strtok with ": ").
        int colon = p.value().indexOf(':');
        List<Word> ws = words(vp, colon < 0 ? end : vp + colon, ", ");
        int fixed = load ? 6 : 5;
        if (colon < 0 || ws.size() != fixed) {
            throw error(vp, p.value(), "not enough arguments to " + p.key() + ", or no members list", syntax);
        }
        Action.HashFields fields = hashFields(ws.get(0));
        int basis = (int) Values.bounded(ws.get(1).s(), 0xffff, "basis", text, ws.get(1).pos());
        Word a = ws.get(2);
        Action.BundleAlgorithm alg = named(a, Action.BundleAlgorithm.values(), Action.BundleAlgorithm::ovsName,
                "algorithm");
        Word type = ws.get(3);
        if (!type.s().equalsIgnoreCase("ofport")) {
            throw error(type.pos(), type.s(), "unknown member type \"" + type.s() + "\"", "ofport");
        }
        FieldRef dst = load ? fieldRef(ws.get(4).s(), ws.get(4).pos()) : null;
        Word delim = ws.get(fixed - 1);
        if (!delim.s().equalsIgnoreCase("members") && !delim.s().equalsIgnoreCase("slaves")) {
            throw error(delim.pos(), delim.s(), "expected the member delimiter", "members:PORT,...");
        }
        List<Long> members = new ArrayList<>();
        for (Word m : words(vp + colon + 1, end, ", []")) {
            members.add(Values.port(m.s(), text, m.pos()));
        }
        try {
            return new Action.Bundle(fields, basis, alg, members, dst);
        } catch (FlowModException e) {
            throw at(e, delim.pos(), delim.s());
        }
    }

    private Action outputParen(Lexer.Pair p) {
        String port = null;
        int portPos = -1;
        long maxLen = -1;
        int maxLenPos = -1;
        for (Lexer.Pair q : Lexer.pairs(text, p.valuePos(), p.valuePos() + p.value().length())) {
            switch (q.key()) {
                case "port", "src" -> {
                    port = value(q, "a port or FIELD[BITS]");
                    portPos = q.valuePos();
                }
                case "max_len" -> {
                    maxLen = bounded(q, 0xffff_ffffL, "max_len");
                    maxLenPos = q.valuePos();
                }
                default -> throw error(q.keyPos(), q.key(), "unknown output option \"" + q.key() + "\"",
                        OUTPUT_TRUNC_SYNTAX);
            }
        }
        if (port == null) {
            throw error(p.keyPos(), tokenAt(p.keyPos()), "output(...) needs port=", OUTPUT_TRUNC_SYNTAX);
        }
        if (port.indexOf('[') >= 0) {
            // Our form of output:FIELD with a max_len for a CONTROLLER value (OVS has it on the wire only)
            if (maxLen > 0xffff) {
                throw error(maxLenPos, Long.toString(maxLen), "max_len " + maxLen + " is outside 0..65535",
                        "0..65535");
            }
            return new Action.OutputReg(fieldRef(port, portPos), maxLen < 0 ? 0xffff : (int) maxLen);
        }
        if (maxLen < 0) {
            // as ovs-ofctl: output(...) is the truncating output, which needs both
            throw error(p.keyPos(), tokenAt(p.keyPos()), "output(port=...) needs max_len=", OUTPUT_TRUNC_SYNTAX);
        }
        long out = Values.port(port, text, portPos);
        if (!OfPort.isOrdinary(out) && out != OfPort.LOCAL && out != OfPort.IN_PORT) {
            throw error(portPos, port, "output to unsupported truncate port: " + port, "a port number, LOCAL or IN_PORT");
        }
        if (maxLen < 14) {
            throw error(maxLenPos, Long.toString(maxLen), "max_len " + maxLen + " is less than the minimum value 14",
                    "14..4294967295");
        }
        return new Action.OutputTrunc(out, maxLen);
    }

    private static final String OUTPUT_TRUNC_SYNTAX = "output(port=PORT,max_len=N)";

    private Action resubmit(Lexer.Pair p) {
        int vp = p.valuePos();
        if (p.sep() != '(') {
            return new Action.Resubmit(Values.port(value(p, "a port"), text, vp), -1);
        }
        String v = p.value();
        String[] parts = v.split(",", -1);
        if (parts.length > 2 && !(parts.length == 3 && parts[2].isEmpty())) {
            throw error(vp, v, "bad resubmit", "resubmit([PORT],[TABLE])");
        }
        String port = parts[0].strip();
        long inPort = port.isEmpty() ? OfPort.IN_PORT : Values.port(port, text, vp);
        int table = -1;
        if (parts.length > 1 && !parts[1].isBlank()) {
            int tpos = vp + parts[0].length() + 1;
            table = (int) Values.bounded(parts[1].strip(), 255, "table", text, tpos);
            if (table == 255) {
                table = -1;
            }
        }
        if (inPort == OfPort.IN_PORT && table == -1) {
            throw error(vp, v, "at least one of in_port and table must be specified", "resubmit([PORT],[TABLE])");
        }
        return new Action.Resubmit(inPort, table);
    }

    /** Bytes written as hex, optionally dotted ({@code 01.02.ab}), as note and userdata take them. */
    private byte[] hexBytes(String v, int pos, String what) {
        String hex = v.replace(".", "");
        if (hex.length() % 2 != 0 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw error(pos, v, "bad " + what, what + (what.equals("note") ? ":" : "=") + "HEX.BYTES like 01.02.ab");
        }
        return HexFormat.of().parseHex(hex);
    }

    private void noValue(Lexer.Pair p) {
        if (p.hasValue()) {
            throw error(p.valuePos(), p.value(), p.key() + " takes no value", "a bare " + p.key());
        }
    }

    private Action setField(MatchField f, Lexer.Pair p) {
        Val v = Values.parse(f, value(p, "a value"), text, p.valuePos());
        if (v.mask() != f.widthMaskLow() || v.maskHigh() != f.widthMaskHigh()) {
            throw error(p.valuePos(), p.value(), p.key() + " takes no mask", p.key() + ":VALUE");
        }
        return new Action.SetField(f, v.valueHigh(), v.value(), v.maskHigh(), v.mask());
    }

    MatchField field(String name, int pos) {
        MatchField f = MatchField.byName(name);
        if (f == null) {
            throw error(pos, name, "unknown field \"" + name + "\"", "a field name (eth_src, ip_dst, reg0,"
                    + " NXM_OF_ETH_SRC, ...)");
        }
        return f;
    }

    /** {@code NXM_NX_REG0[0..15]}, {@code NXM_OF_ETH_SRC[]}, {@code reg1[3]}, or a bare field name (all of it). */
    FieldRef fieldRef(String s, int pos) {
        int open = s.indexOf('[');
        if (open < 0) {
            return s.equalsIgnoreCase("NXM_OF_IN_PORT") ? new FieldRef(MatchField.IN_PORT, 0, 16)
                    : FieldRef.of(field(s, pos));
        }
        if (!s.endsWith("]")) {
            throw error(pos, s, "bad field reference", "FIELD[], FIELD[BIT] or FIELD[START..END]");
        }
        String name = s.substring(0, open);
        MatchField f = field(name, pos);
        // NXM_OF_IN_PORT is OpenFlow 1.0's 16-bit port: the low 16 bits of the model's 32-bit in_port.
        int width = name.equalsIgnoreCase("NXM_OF_IN_PORT") ? 16 : f.width();
        String range = s.substring(open + 1, s.length() - 1);
        int rpos = pos + open + 1;
        if (range.isEmpty()) {
            return new FieldRef(f, 0, width);
        }
        int dots = range.indexOf("..");
        long start = Values.bounded(dots < 0 ? range : range.substring(0, dots), 127, "bit", text, rpos);
        long end = dots < 0 ? start : Values.bounded(range.substring(dots + 2), 127, "bit", text, rpos + dots + 2);
        if (end < start || end >= width) {
            throw error(rpos, range, end < start ? "bit range ends before it starts" : name + " has bits 0.."
                    + (width - 1), "FIELD[START..END] with START <= END < " + width);
        }
        return FieldRef.of(f, (int) start, (int) end);
    }

    // --- learn --------------------------------------------------------------------------------------------

    LearnSpec learn(int from, int to) {
        int table = 1;
        int priority = FlowMod.DEFAULT_PRIORITY;
        int idle = 0;
        int hard = 0;
        int finIdle = 0;
        int finHard = 0;
        long cookie = 0;
        boolean sendFlowRem = false;
        boolean deleteLearned = false;
        long limit = 0;
        FieldRef resultDst = null;
        List<LearnSpec.Item> items = new ArrayList<>();
        for (Lexer.Pair p : Lexer.pairs(text, from, to)) {
            String k = p.key();
            int vp = p.valuePos();
            switch (k) {
                case "table" -> table = (int) bounded(p, 254, "table");
                case "priority" -> priority = (int) bounded(p, 0xffff, "priority");
                case "idle_timeout" -> idle = (int) bounded(p, 0xffff, "idle_timeout");
                case "hard_timeout" -> hard = (int) bounded(p, 0xffff, "hard_timeout");
                case "fin_idle_timeout" -> finIdle = (int) bounded(p, 0xffff, "fin_idle_timeout");
                case "fin_hard_timeout" -> finHard = (int) bounded(p, 0xffff, "fin_hard_timeout");
                case "cookie" -> cookie = Values.integer(value(p, "a cookie"), text, vp);
                case "limit" -> limit = bounded(p, 0xffff_ffffL, "limit");
                case "result_dst" -> resultDst = fieldRef(value(p, "FIELD[BIT]"), vp);
                case "send_flow_rem" -> {
                    noValue(p);
                    sendFlowRem = true;
                }
                case "delete_learned" -> {
                    noValue(p);
                    deleteLearned = true;
                }
                case "load" -> {
                    String v = value(p, "SRC->DST or VALUE->DST");
                    int arrow = v.indexOf("->");
                    if (arrow < 0) {
                        throw error(vp, v, "load has no ->", "load:SRC[BITS]->DST[BITS] or load:VALUE->DST[BITS]");
                    }
                    String src = v.substring(0, arrow);
                    FieldRef dst = fieldRef(v.substring(arrow + 2), vp + arrow + 2);
                    if (!src.isEmpty() && Character.isDigit(src.charAt(0))) {
                        long[] n = Values.integer128(src, text, vp);
                        checkFits(n, dst, vp, src);
                        items.add(new LearnSpec.LoadValue(n[0], n[1], dst));
                    } else {
                        items.add(learnItem(() -> new LearnSpec.LoadField(fieldRef(src, vp), dst), p));
                    }
                }
                case "output" -> {
                    String v = value(p, "SRC[BITS]");
                    items.add(learnItem(() -> new LearnSpec.OutputField(fieldRef(v, vp)), p));
                }
                default -> {
                    if (p.sep() == '(' || p.sep() == ':') {
                        throw error(p.keyPos(), k, "unknown learn argument \"" + k + "\"", "table, priority,"
                                + " idle_timeout, hard_timeout, fin_idle_timeout, fin_hard_timeout, cookie, limit,"
                                + " result_dst, send_flow_rem, delete_learned, load:..., output:..., FIELD[BITS][=SRC or VALUE]");
                    }
                    FieldRef dst = fieldRef(k, p.keyPos());
                    if (!p.hasValue()) {
                        items.add(new LearnSpec.MatchField(dst, dst));
                    } else {
                        String v = p.value();
                        if (isFieldRef(v)) {
                            items.add(learnItem(() -> new LearnSpec.MatchField(dst, fieldRef(v, vp)), p));
                        } else {
                            long[] n;
                            if (dst.isWhole() && dst.field().width() <= 128 && k.indexOf('[') < 0) {
                                Val val = Values.parse(dst.field(), v, text, vp);
                                n = new long[] {val.valueHigh(), val.value()};
                            } else {
                                n = Values.integer128(v, text, vp);
                            }
                            checkFits(n, dst, vp, v);
                            items.add(new LearnSpec.MatchValue(dst, n[0], n[1]));
                        }
                    }
                }
            }
        }
        try {
            return new LearnSpec(table, priority, idle, hard, finIdle, finHard, cookie, sendFlowRem, deleteLearned,
                    limit, resultDst, items);
        } catch (FlowModException e) {
            throw at(e, from, text.substring(from, to));
        }
    }

    /** Whether {@code v} names a field ({@code NXM_OF_ETH_SRC[]}, {@code reg1[0..3]}, {@code eth_src}), not a value. */
    private static boolean isFieldRef(String v) {
        int open = v.indexOf('[');
        String name = open < 0 ? v : v.substring(0, open);
        if (open >= 0 && (!v.endsWith("]") || !v.substring(open + 1, v.length() - 1).matches("[0-9.]*"))) {
            return false;
        }
        return !name.isEmpty() && Character.isLetter(name.charAt(0)) && MatchField.byName(name) != null;
    }

    private interface ItemMaker {
        LearnSpec.Item make();
    }

    private LearnSpec.Item learnItem(ItemMaker m, Lexer.Pair p) {
        try {
            return m.make();
        } catch (FlowModException e) {
            throw at(e, p.keyPos(), tokenAt(p.keyPos()));
        }
    }

    private void checkFits(long[] n, FieldRef dst, int pos, String token) {
        int bits = dst.bits();
        boolean fits = bits >= 128 || (bits > 64 ? (n[0] >>> (bits - 64)) == 0 : n[0] == 0
                && (bits == 64 || (n[1] >>> bits) == 0));
        if (!fits) {
            throw error(pos, token, "value does not fit " + bits + " bits of " + dst, "a value of at most "
                    + bits + " bits");
        }
    }
}
