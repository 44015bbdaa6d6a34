package org.vswitch4j.flow.ofctl;

import java.util.HexFormat;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.flow.Action;
import org.vswitch4j.flow.FieldRef;
import org.vswitch4j.flow.FlowFlag;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.FlowStats;
import org.vswitch4j.flow.GroupMod;
import org.vswitch4j.flow.Instructions;
import org.vswitch4j.flow.LearnSpec;
import org.vswitch4j.flow.Match;
import org.vswitch4j.flow.MatchField;
import org.vswitch4j.flow.MeterMod;
import org.vswitch4j.flow.OfPort;
import org.vswitch4j.flow.PacketIn;

/**
 * Prints the model as Open vSwitch 3.1's {@code ovs-ofctl -O OpenFlow13} prints it ({@code match_format},
 * {@code ofpacts_format}, {@code ofputil_flow_stats_format}, group and meter descriptions).
 *
 * <p>Why matches are printed from key words, not from {@link Match#fields()}: several model fields share bits
 * (vlan_vid, vlan_tci and vlan_pcp; ip_dscp and nw_tos; xreg and reg; the transport ports of every protocol),
 * just as Open vSwitch keeps one {@code struct flow}. Printing what the bits say, in Open vSwitch's order and
 * with its names, gives one text for every way of writing the same match.
 */
final class FlowPrinter {
    private FlowPrinter() {
    }

    // --- flows --------------------------------------------------------------------------------------------

    static String flowStats(FlowStats s) {
        FlowMod f = s.flow();
        StringBuilder sb = new StringBuilder();
        sb.append("cookie=0x").append(Long.toHexString(f.cookie())).append(", duration=")
                .append(duration(s.durationNanos())).append(", table=").append(f.table()).append(", ");
        if (s.packets() >= 0) {
            sb.append("n_packets=").append(s.packets()).append(", ");
        }
        if (s.bytes() >= 0) {
            sb.append("n_bytes=").append(s.bytes()).append(", ");
        }
        entry(sb, f);
        return sb.toString();
    }

    static String flowMod(FlowMod f) {
        StringBuilder sb = new StringBuilder();
        boolean deletes = f.command() == FlowMod.Command.DELETE || f.command() == FlowMod.Command.DELETE_STRICT;
        if (f.cookie() != 0 || f.cookieMask() != 0) {
            sb.append("cookie=0x").append(Long.toHexString(f.cookie()));
            // A delete's cookie is always a filter (ovs-ofctl refuses to "set" one), so it keeps its mask.
            if (f.cookieMask() != 0 || deletes) {
                sb.append("/0x").append(Long.toHexString(f.cookieMask()));
            }
            sb.append(", ");
        }
        // A delete without table= means every table, so its table 0 must be said.
        if (deletes ? f.table() != FlowMod.ALL_TABLES : f.table() != 0) {
            sb.append("table=").append(f.table()).append(", ");
        }
        if (f.outPort() != OfPort.ANY) {
            sb.append("out_port=").append(OfPort.name(f.outPort())).append(", ");
        }
        if (f.outGroup() != FlowMod.ANY_GROUP) {
            sb.append("out_group=").append(f.outGroup()).append(", ");
        }
        entry(sb, f);
        return sb.toString();
    }

    private static void entry(StringBuilder sb, FlowMod f) {
        if (f.idleTimeout() != 0) {
            sb.append("idle_timeout=").append(f.idleTimeout()).append(", ");
        }
        if (f.hardTimeout() != 0) {
            sb.append("hard_timeout=").append(f.hardTimeout()).append(", ");
        }
        for (FlowFlag fl : FlowFlag.values()) {
            if (f.flags().contains(fl)) {
                sb.append(fl.ovsName()).append(' ');
            }
        }
        if (f.importance() != 0) {
            sb.append("importance=").append(f.importance()).append(", ");
        }
        sb.append(match(f.match(), f.priority()));
        boolean deletes = f.command() == FlowMod.Command.DELETE || f.command() == FlowMod.Command.DELETE_STRICT;
        if (deletes) {
            while (!sb.isEmpty() && (sb.charAt(sb.length() - 1) == ' ' || sb.charAt(sb.length() - 1) == ',')) {
                sb.setLength(sb.length() - 1);
            }
            return;
        }
        if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ' ') {
            sb.append(' ');
        }
        sb.append("actions=").append(instructions(f.instructions()));
    }

    /** Seconds as OVS prints them: no decimals when whole, three for whole milliseconds, else as many as needed. */
    static String duration(long nanos) {
        long sec = nanos / 1_000_000_000L;
        long ns = nanos % 1_000_000_000L;
        if (ns == 0) {
            return sec + "s";
        }
        if (ns % 1_000_000 == 0) {
            return String.format("%d.%03ds", sec, ns / 1_000_000);
        }
        String frac = String.format("%09d", ns).replaceAll("0+$", "");
        return sec + "." + frac + "s";
    }

    // --- matches ------------------------------------------------------------------------------------------

    /** The match as {@code match_format} prints it, {@code priority=N} first unless it is the default. */
    static String match(Match match, int priority) {
        long[] w = new long[FlowKey.WORDS];
        long[] m = new long[FlowKey.WORDS];
        for (Map.Entry<MatchField, Match.FieldMatch> e : match.fields().entrySet()) {
            Match.FieldMatch fm = e.getValue();
            e.getKey().write(w, fm.valueHigh(), fm.value(), fm.maskHigh(), fm.mask());
            e.getKey().orMask(m, fm.maskHigh(), fm.mask());
        }
        Bits b = new Bits(w, m);
        StringBuilder sb = new StringBuilder();
        if (priority != FlowMod.DEFAULT_PRIORITY) {
            sb.append("priority=").append(priority).append(',');
        }
        if (match.conjId() >= 0) {
            sb.append("conj_id=").append(match.conjId()).append(','); // where OVS 3.1 prints it: before the protocol
        }
        long ethType = b.has(MatchField.ETH_TYPE) ? b.v(MatchField.ETH_TYPE) : -1;
        long proto = b.has(MatchField.IP_PROTO) ? b.v(MatchField.IP_PROTO) : -1;
        boolean ip4 = ethType == 0x0800;
        boolean ip6 = ethType == 0x86dd;
        boolean arp = ethType == 0x0806 || ethType == 0x8035;
        boolean skipType = true;
        boolean skipProto = false;
        if (ip4 || ip6) {
            String name = switch ((int) proto) {
                case 1 -> ip4 ? "icmp" : null;
                case 2 -> ip4 ? "igmp" : null;
                case 58 -> ip6 ? "icmp6" : null;
                case 6 -> ip4 ? "tcp" : "tcp6";
                case 17 -> ip4 ? "udp" : "udp6";
                case 132 -> ip4 ? "sctp" : "sctp6";
                default -> null;
            };
            if (name == null) {
                name = ip4 ? "ip" : "ipv6";
            } else {
                skipProto = true;
            }
            sb.append(name).append(',');
        } else if (ethType == 0x0806) {
            sb.append("arp,");
        } else if (ethType == 0x8035) {
            sb.append("rarp,");
        } else {
            skipType = false;
        }
        for (int i = 0; i < 16; i++) {
            b.hex(sb, "reg" + i, MatchField.values()[MatchField.REG0.ordinal() + i]);
        }
        b.hex(sb, "tun_id", MatchField.TUN_ID);
        b.ipv4(sb, "tun_src", MatchField.TUN_SRC);
        b.ipv4(sb, "tun_dst", MatchField.TUN_DST);
        b.ipv6(sb, "tun_ipv6_src", MatchField.TUN_IPV6_SRC);
        b.ipv6(sb, "tun_ipv6_dst", MatchField.TUN_IPV6_DST);
        for (int i = 0; i < FlowKey.TUN_METADATA_FIELDS; i++) {
            b.hex(sb, "tun_metadata" + i, MatchField.values()[MatchField.TUN_METADATA0.ordinal() + i]);
        }
        b.hex(sb, "metadata", MatchField.METADATA);
        if (b.has(MatchField.IN_PORT)) {
            sb.append("in_port=").append(OfPort.name(b.v(MatchField.IN_PORT))).append(',');
        }
        vlan(sb, b);
        b.mac(sb, "dl_src", MatchField.ETH_SRC);
        b.mac(sb, "dl_dst", MatchField.ETH_DST);
        if (!skipType && ethType >= 0) {
            sb.append(String.format("dl_type=0x%04x,", ethType));
        }
        if (ip6) {
            b.ipv6(sb, "ipv6_src", MatchField.IPV6_SRC);
            b.ipv6(sb, "ipv6_dst", MatchField.IPV6_DST);
            if (b.has(MatchField.IPV6_LABEL)) {
                sb.append(String.format("ipv6_label=0x%05x", b.v(MatchField.IPV6_LABEL)));
                if (!b.exact(MatchField.IPV6_LABEL)) {
                    sb.append(String.format("/0x%05x", b.m(MatchField.IPV6_LABEL)));
                }
                sb.append(',');
            }
        } else if (arp) {
            b.ipv4(sb, "arp_spa", MatchField.ARP_SPA);
            b.ipv4(sb, "arp_tpa", MatchField.ARP_TPA);
        } else {
            b.ipv4(sb, "nw_src", MatchField.IPV4_SRC);
            b.ipv4(sb, "nw_dst", MatchField.IPV4_DST);
        }
        if (!skipProto && proto >= 0) {
            sb.append(arp ? "arp_op=" : "nw_proto=").append(proto).append(',');
        }
        if (arp) {
            b.mac(sb, "arp_sha", MatchField.ARP_SHA);
            b.mac(sb, "arp_tha", MatchField.ARP_THA);
        }
        if (b.has(MatchField.IP_DSCP)) {
            sb.append("nw_tos=").append(b.v(MatchField.IP_DSCP) << 2).append(',');
        }
        b.dec(sb, "nw_ecn", MatchField.IP_ECN);
        b.dec(sb, "nw_ttl", MatchField.NW_TTL);
        if (b.has(MatchField.IP_FRAG)) {
            sb.append("nw_frag=").append(Values.formatFrag(b.v(MatchField.IP_FRAG), b.m(MatchField.IP_FRAG)))
                    .append(',');
        }
        if (ip4 && proto == 1) {
            b.dec(sb, "icmp_type", MatchField.ICMPV4_TYPE);
            b.dec(sb, "icmp_code", MatchField.ICMPV4_CODE);
        } else if (ip6 && proto == 58) {
            b.dec(sb, "icmp_type", MatchField.ICMPV6_TYPE);
            b.dec(sb, "icmp_code", MatchField.ICMPV6_CODE);
            b.ipv6(sb, "nd_target", MatchField.ND_TARGET);
            b.mac(sb, "nd_sll", MatchField.ND_SLL);
            b.mac(sb, "nd_tll", MatchField.ND_TLL);
        } else {
            b.dec(sb, "tp_src", MatchField.TCP_SRC);
            b.dec(sb, "tp_dst", MatchField.TCP_DST);
        }
        if ((ip4 || ip6) && proto == 6 && b.has(MatchField.TCP_FLAGS)) {
            sb.append("tcp_flags=").append(Values.formatTcpFlags(b.v(MatchField.TCP_FLAGS),
                    b.m(MatchField.TCP_FLAGS))).append(',');
        }
        if (!sb.isEmpty()) {
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
    }

    /** The outer VLAN as OVS prints {@code vlan_tci}: {@code dl_vlan}/{@code dl_vlan_pcp} when they say it all. */
    private static void vlan(StringBuilder sb, Bits b) {
        if (!b.has(MatchField.VLAN_TCI)) {
            return;
        }
        long tci = b.v(MatchField.VLAN_TCI);
        long mask = b.m(MatchField.VLAN_TCI);
        long vidMask = mask & 0x0fff;
        long pcpMask = mask & 0xe000;
        if ((mask & 0x1000) != 0 && (tci & 0x1000) != 0 && (vidMask == 0 || vidMask == 0x0fff)
                && (pcpMask == 0 || pcpMask == 0xe000) && (vidMask != 0 || pcpMask != 0)) {
            if (vidMask != 0) {
                sb.append("dl_vlan=").append(tci & 0xfff).append(',');
            }
            if (pcpMask != 0) {
                sb.append("dl_vlan_pcp=").append(tci >>> 13).append(',');
            }
        } else if (mask == 0xffff) {
            sb.append(String.format("vlan_tci=0x%04x,", tci));
        } else {
            sb.append(String.format("vlan_tci=0x%04x/0x%04x,", tci, mask));
        }
    }

    /** A match's value and mask words, read field by field. */
    private record Bits(long[] w, long[] m) {
        boolean has(MatchField f) {
            return f.readLow(m) != 0 || f.readHigh(m) != 0;
        }

        long v(MatchField f) {
            return f.readLow(w);
        }

        long m(MatchField f) {
            return f.readLow(m);
        }

        boolean exact(MatchField f) {
            return f.readLow(m) == f.widthMaskLow() && f.readHigh(m) == f.widthMaskHigh();
        }

        void hex(StringBuilder sb, String name, MatchField f) {
            if (has(f)) {
                sb.append(name).append('=').append(Values.hex(0, v(f)));
                if (!exact(f)) {
                    sb.append('/').append(Values.hex(0, m(f)));
                }
                sb.append(',');
            }
        }

        void dec(StringBuilder sb, String name, MatchField f) {
            if (has(f)) {
                sb.append(name).append('=').append(Values.format(f, 0, v(f), 0, m(f))).append(',');
            }
        }

        void mac(StringBuilder sb, String name, MatchField f) {
            if (has(f)) {
                sb.append(name).append('=').append(Values.format(f, 0, v(f), 0, m(f))).append(',');
            }
        }

        void ipv4(StringBuilder sb, String name, MatchField f) {
            if (has(f)) {
                sb.append(name).append('=').append(Values.formatIpv4Masked(v(f), m(f))).append(',');
            }
        }

        void ipv6(StringBuilder sb, String name, MatchField f) {
            if (has(f)) {
                sb.append(name).append('=').append(Values.formatIpv6Masked(f.readHigh(w), f.readLow(w),
                        f.readHigh(m), f.readLow(m))).append(',');
            }
        }
    }

    // --- instructions and actions -------------------------------------------------------------------------

    static String instructions(Instructions ins) {
        StringBuilder sb = new StringBuilder();
        if (ins.meterId() != 0) {
            sb.append("meter:").append(ins.meterId()).append(',');
        }
        if (!ins.applyActions().isEmpty()) {
            appendActions(sb, ins.applyActions());
            sb.append(',');
        }
        if (ins.clearActions()) {
            sb.append("clear_actions,");
        }
        if (ins.writeActions() != null) {
            sb.append("write_actions(").append(actions(ins.writeActions())).append("),");
        }
        if (ins.metadataMask() != 0) {
            sb.append("write_metadata:").append(Values.hex(0, ins.metadata()));
            if (ins.metadataMask() != -1L) {
                sb.append('/').append(Values.hex(0, ins.metadataMask()));
            }
            sb.append(',');
        }
        if (ins.gotoTable() >= 0) {
            sb.append("goto_table:").append(ins.gotoTable()).append(',');
        }
        if (sb.isEmpty()) {
            return "drop";
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    static String actions(List<Action> actions) {
        if (actions.isEmpty()) {
            return "drop";
        }
        StringBuilder sb = new StringBuilder();
        appendActions(sb, actions);
        return sb.toString();
    }

    private static void appendActions(StringBuilder sb, List<Action> actions) {
        boolean first = true;
        for (Action a : actions) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            action(sb, a);
        }
    }

    /** Open vSwitch's name for a field in set_field and learn (its meta-flow name; differs from ours for two). */
    static String setFieldName(MatchField f) {
        return switch (f) {
            case IP_ECN -> "nw_ecn";
            case IP_PROTO -> "nw_proto";
            default -> f.ovsName();
        };
    }

    static void action(StringBuilder sb, Action a) {
        switch (a) {
            case Action.Output o -> {
                if (o.port() == OfPort.CONTROLLER) {
                    sb.append("CONTROLLER:").append(o.maxLen());
                } else if (OfPort.isOrdinary(o.port())) {
                    sb.append("output:").append(o.port());
                } else {
                    sb.append(OfPort.name(o.port()));
                }
            }
            case Action.Group g -> sb.append("group:").append(g.groupId());
            case Action.SetField s -> sb.append("set_field:")
                    .append(Values.format(s.field(), s.valueHigh(), s.value(), s.maskHigh(), s.mask()))
                    .append("->").append(setFieldName(s.field()));
            case Action.PushVlan p -> sb.append("push_vlan:0x").append(Integer.toHexString(p.ethertype()));
            case Action.PopVlan p -> sb.append("pop_vlan");
            case Action.DecTtl d -> {
                sb.append("dec_ttl");
                if (!d.controllerIds().isEmpty()) {
                    sb.append('(');
                    for (int i = 0; i < d.controllerIds().size(); i++) {
                        sb.append(i == 0 ? "" : ",").append(d.controllerIds().get(i));
                    }
                    sb.append(')');
                }
            }
            case Action.SetTtl t -> sb.append("mod_nw_ttl:").append(t.ttl());
            case Action.SetQueue q -> sb.append("set_queue:").append(q.queueId());
            case Action.PopQueue _ -> sb.append("pop_queue");
            case Action.Controller c -> {
                // Open vSwitch's order; the options at their defaults left out
                StringBuilder o = new StringBuilder();
                if (c.reason() != PacketIn.Reason.ACTION) {
                    o.append("reason=").append(c.reason().name().toLowerCase(Locale.ROOT)).append(',');
                }
                if (c.maxLen() != 0xffff) {
                    o.append("max_len=").append(c.maxLen()).append(',');
                }
                if (c.controllerId() != 0) {
                    o.append("id=").append(c.controllerId()).append(',');
                }
                if (c.userdata().length > 0) {
                    o.append("userdata=").append(HexFormat.ofDelimiter(".").formatHex(c.userdata())).append(',');
                }
                if (o.isEmpty()) {
                    sb.append("CONTROLLER:").append(c.maxLen());
                } else {
                    sb.append("controller(").append(o, 0, o.length() - 1).append(')');
                }
            }
            case Action.Clone c -> {
                sb.append("clone(");
                if (c.actions().isEmpty()) {
                    sb.append("drop"); // as Open vSwitch prints an empty clone
                } else {
                    appendActions(sb, c.actions());
                }
                sb.append(')');
            }
            case Action.Resubmit r -> {
                if (r.inPort() != OfPort.IN_PORT && r.table() < 0) {
                    sb.append("resubmit:").append(OfPort.name(r.inPort()));
                } else {
                    sb.append("resubmit(").append(r.inPort() == OfPort.IN_PORT ? "" : OfPort.name(r.inPort()))
                            .append(',').append(r.table() < 0 ? "" : Integer.toString(r.table())).append(')');
                }
            }
            case Action.Load l -> sb.append("load:").append(Values.hex(l.valueHigh(), l.value())).append("->")
                    .append(ref(l.dst()));
            case Action.Move mv -> sb.append("move:").append(ref(mv.src())).append("->").append(ref(mv.dst()));
            case Action.StackPush sp -> sb.append("push:").append(ref(sp.src()));
            case Action.StackPop sp -> sb.append("pop:").append(ref(sp.dst()));
            case Action.Note n -> sb.append("note:").append(HexFormat.ofDelimiter(".").formatHex(n.data()));
            case Action.OutputReg o -> {
                if (o.maxLen() == 0xffff) {
                    sb.append("output:").append(ref(o.src()));
                } else {
                    sb.append("output(port=").append(ref(o.src())).append(",max_len=").append(o.maxLen()).append(')');
                }
            }
            case Action.Conjunction c -> sb.append("conjunction(").append(c.id()).append(',').append(c.clause())
                    .append('/').append(c.clauses()).append(')');
            case Action.Learn l -> learn(sb, l.spec());
            case Action.Exit e -> sb.append("exit");
            case Action.Multipath mp -> sb.append("multipath(").append(mp.fields().ovsName()).append(',')
                    .append(mp.basis()).append(',').append(mp.algorithm().ovsName()).append(',').append(mp.links())
                    .append(',').append(mp.arg()).append(',').append(ref(mp.dst())).append(')');
            case Action.OutputTrunc t -> sb.append("output(port=").append(OfPort.name(t.port())).append(",max_len=")
                    .append(t.maxLen()).append(')');
            case Action.CheckPktLarger c -> sb.append("check_pkt_larger(").append(c.pktLen()).append(")->")
                    .append(ref(c.dst()));
            case Action.Bundle b -> {
                sb.append(b.dst() == null ? "bundle(" : "bundle_load(").append(b.fields().ovsName()).append(',')
                        .append(b.basis()).append(',').append(b.algorithm().ovsName()).append(",ofport,");
                if (b.dst() != null) {
                    sb.append(ref(b.dst())).append(',');
                }
                sb.append("members:");
                for (int i = 0; i < b.members().size(); i++) {
                    long m = b.members().get(i);
                    sb.append(i == 0 ? "" : ",").append(OfPort.name(m)); // NONE prints as ANY, as ovs-ofctl does
                }
                sb.append(')');
            }
            case Action.FinTimeout f -> {
                sb.append("fin_timeout(");
                if (f.idleTimeout() != 0) {
                    sb.append("idle_timeout=").append(f.idleTimeout());
                }
                if (f.hardTimeout() != 0) {
                    sb.append(f.idleTimeout() != 0 ? "," : "").append("hard_timeout=").append(f.hardTimeout());
                }
                sb.append(')');
            }
        }
    }

    private static void learn(StringBuilder sb, LearnSpec s) {
        sb.append("learn(table=").append(s.table());
        if (s.idleTimeout() != 0) {
            sb.append(",idle_timeout=").append(s.idleTimeout());
        }
        if (s.hardTimeout() != 0) {
            sb.append(",hard_timeout=").append(s.hardTimeout());
        }
        if (s.finIdleTimeout() != 0) {
            sb.append(",fin_idle_timeout=").append(s.finIdleTimeout());
        }
        if (s.finHardTimeout() != 0) {
            sb.append(",fin_hard_timeout=").append(s.finHardTimeout());
        }
        if (s.priority() != FlowMod.DEFAULT_PRIORITY) {
            sb.append(",priority=").append(s.priority());
        }
        if (s.sendFlowRem()) {
            sb.append(",send_flow_rem");
        }
        if (s.deleteLearned()) {
            sb.append(",delete_learned");
        }
        if (s.cookie() != 0) {
            sb.append(",cookie=0x").append(Long.toHexString(s.cookie()));
        }
        if (s.limit() != 0) {
            sb.append(",limit=").append(s.limit());
        }
        if (s.resultDst() != null) {
            sb.append(",result_dst=").append(ref(s.resultDst()));
        }
        for (LearnSpec.Item item : s.items()) {
            sb.append(',');
            switch (item) {
                case LearnSpec.MatchField mf -> {
                    sb.append(ref(mf.dst()));
                    if (!mf.dst().equals(mf.src())) {
                        sb.append('=').append(ref(mf.src()));
                    }
                }
                case LearnSpec.MatchValue mv -> {
                    FieldRef d = mv.dst();
                    if (d.isWhole()) {
                        MatchField f = d.field();
                        sb.append(setFieldName(f)).append('=').append(Values.format(f, mv.valueHigh(), mv.value(),
                                f.widthMaskHigh(), f.widthMaskLow()));
                    } else {
                        sb.append(ref(d)).append('=').append(Values.hex(mv.valueHigh(), mv.value()));
                    }
                }
                case LearnSpec.LoadField lf -> sb.append("load:").append(ref(lf.src())).append("->").append(ref(lf.dst()));
                case LearnSpec.LoadValue lv -> sb.append("load:").append(Values.hex(lv.valueHigh(), lv.value()))
                        .append("->").append(ref(lv.dst()));
                case LearnSpec.OutputField of -> sb.append("output:").append(ref(of.src()));
            }
        }
        sb.append(')');
    }

    /** A field reference as OVS prints it: in_port's low 16 bits are {@code NXM_OF_IN_PORT}, all 32 {@code OXM_OF_IN_PORT}. */
    static String ref(FieldRef r) {
        if (r.field() != MatchField.IN_PORT) {
            return r.toString();
        }
        if (r.offset() + r.bits() <= 16) {
            String range = r.offset() == 0 && r.bits() == 16 ? "" : r.bits() == 1 ? Integer.toString(r.offset())
                    : r.offset() + ".." + (r.offset() + r.bits() - 1);
            return "NXM_OF_IN_PORT[" + range + "]";
        }
        return "OXM_OF_IN_PORT" + r.toString().substring(r.toString().indexOf('['));
    }

    // --- groups and meters --------------------------------------------------------------------------------

    static String group(GroupMod g) {
        StringBuilder sb = new StringBuilder("group_id=");
        sb.append(g.groupId() == GroupMod.ALL ? "all" : Long.toString(g.groupId()));
        if (g.command() == GroupMod.Command.DELETE) {
            return sb.toString();
        }
        sb.append(",type=").append(g.type().ovsName());
        for (GroupMod.Bucket b : g.buckets()) {
            sb.append(",bucket=");
            // OVS prints a select bucket's weight unless it is the default 1; other types have none (0).
            if (g.type() == GroupMod.Type.SELECT ? b.weight() != 1 : b.weight() != 0) {
                sb.append("weight:").append(b.weight()).append(',');
            }
            if (b.watchPort() != OfPort.ANY) {
                sb.append("watch_port:").append(OfPort.name(b.watchPort())).append(',');
            }
            if (b.watchGroup() != GroupMod.Bucket.NO_GROUP) {
                sb.append("watch_group:").append(b.watchGroup()).append(',');
            }
            sb.append("actions=").append(actions(b.actions()));
        }
        return sb.toString();
    }

    static String meter(MeterMod m) {
        StringBuilder sb = new StringBuilder("meter=");
        sb.append(m.meterId() == MeterMod.ALL ? "all" : Long.toString(m.meterId()));
        if (m.command() == MeterMod.Command.DELETE) {
            return sb.toString();
        }
        sb.append(m.kbps() ? " kbps" : " pktps");
        if (m.burst()) {
            sb.append(" burst");
        }
        if (m.stats()) {
            sb.append(" stats");
        }
        sb.append(" bands=");
        for (MeterMod.Band b : m.bands()) {
            sb.append("\ntype=").append(b.type().ovsName()).append(" rate=").append(b.rate());
            if (m.burst() || b.burstSize() != 0) {
                sb.append(" burst_size=").append(b.burstSize());
            }
            if (b.type() == MeterMod.BandType.DSCP_REMARK) {
                sb.append(" prec_level=").append(b.precLevel());
            }
        }
        return sb.toString();
    }
}
