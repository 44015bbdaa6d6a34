package org.vswitch4j.flow.ofctl;

import java.util.ArrayList;
import java.util.List;
import org.vswitch4j.flow.Action;
import org.vswitch4j.flow.FlowModException;
import org.vswitch4j.flow.GroupMod;
import org.vswitch4j.flow.MeterMod;
import org.vswitch4j.flow.OfPort;

/**
 * The parser of {@code add-group} and {@code add-meter} text (and of what {@code dump-groups} and
 * {@code dump-meters} print). Buckets and bands are not in parentheses: a bucket runs from its {@code bucket=}
 * to the next one, a band from its {@code type=} to the next. Actions and errors go through the
 * {@link FlowParser} of the same text. Not thread-safe; one instance per text.
 */
final class GroupMeterParser {
    private final FlowParser fp;
    private final String text;

    GroupMeterParser(String text) {
        this.text = text;
        this.fp = new FlowParser(text);
    }

    // --- groups and meters --------------------------------------------------------------------------------

    GroupMod group(GroupMod.Command command) {
        long groupId = -1;
        GroupMod.Type type = null;
        List<GroupMod.Bucket> buckets = new ArrayList<>();
        // Each bucket runs from its "bucket=" to the next one: its actions are not in parentheses.
        List<Integer> starts = new ArrayList<>();
        Lexer lx = new Lexer(text);
        int headEnd = text.length();
        while (lx.hasNext()) {
            Lexer.Pair p = lx.next();
            if (p.key().equals("bucket") && p.sep() == '=') {
                starts.add(p.keyPos());
                headEnd = Math.min(headEnd, p.keyPos());
            }
        }
        for (Lexer.Pair p : Lexer.pairs(text, 0, headEnd)) {
            switch (p.key()) {
                case "group_id" -> groupId = fp.value(p, "a group id").equalsIgnoreCase("all") ? GroupMod.ALL
                        : fp.bounded(p, 0xffff_ffffL, "group_id");
                case "type" -> {
                    String v = fp.value(p, "all, select, indirect or ff");
                    type = switch (v) {
                        case "all" -> GroupMod.Type.ALL;
                        case "select" -> GroupMod.Type.SELECT;
                        case "indirect" -> GroupMod.Type.INDIRECT;
                        case "ff", "fast_failover" -> GroupMod.Type.FAST_FAILOVER;
                        default -> throw fp.error(p.valuePos(), v, "unknown group type",
                                "all, select, indirect, ff or fast_failover");
                    };
                }
                default -> throw fp.error(p.keyPos(), p.key(), "unknown group argument \"" + p.key() + "\"",
                        "group_id=N, type=TYPE, bucket=...");
            }
        }
        for (int i = 0; i < starts.size(); i++) {
            int from = starts.get(i) + "bucket=".length();
            int to = i + 1 < starts.size() ? starts.get(i + 1) : text.length();
            buckets.add(bucket(from, to, type));
        }
        if (groupId < 0) {
            if (command == GroupMod.Command.DELETE) {
                groupId = GroupMod.ALL;
            } else {
                throw fp.error(0, text, "must specify a group_id", "group_id=N");
            }
        }
        if (type == null && command != GroupMod.Command.DELETE) {
            throw fp.error(0, text, "must specify a type", "type=all, select, indirect or ff");
        }
        if (command == GroupMod.Command.DELETE && (type != null || !buckets.isEmpty())) {
            throw fp.error(0, text, "deleting groups takes only group_id", "group_id=N or nothing (all groups)");
        }
        try {
            return new GroupMod(command, groupId, type, buckets);
        } catch (FlowModException e) {
            throw fp.at(e, 0, text);
        }
    }

    private GroupMod.Bucket bucket(int from, int to, GroupMod.Type type) {
        int weight = type == GroupMod.Type.SELECT ? 1 : 0;
        long watchPort = OfPort.ANY;
        long watchGroup = GroupMod.Bucket.NO_GROUP;
        int actionsFrom = -1;
        List<Action> actions = new ArrayList<>();
        Lexer lx = new Lexer(text, from, to);
        while (lx.hasNext()) {
            Lexer.Pair p = lx.next();
            switch (p.key()) {
                case "weight" -> weight = (int) fp.bounded(p, 0xffff, "weight");
                case "watch_port" -> watchPort = Values.port(fp.value(p, "a port"), text, p.valuePos());
                case "watch_group" -> watchGroup = fp.bounded(p, 0xffff_ffffL, "watch_group");
                case "bucket_id" -> fp.bounded(p, 0xffff_ffffL, "bucket_id");
                case "actions" -> {
                    if (p.sep() != '=') {
                        throw fp.error(p.keyPos(), p.key(), "bucket actions need =", "actions=ACTIONS");
                    }
                    actionsFrom = p.valuePos();
                    lx.skipToEnd();
                }
                default -> {
                    if (p.key().equalsIgnoreCase("drop") && !p.hasValue()) {
                        continue;
                    }
                    actions.add(fp.action(p, FlowParser.Context.NONE));
                }
            }
        }
        if (actionsFrom >= 0) {
            if (!actions.isEmpty()) {
                throw fp.error(actionsFrom, text.substring(actionsFrom, to), "a bucket's actions are given twice",
                        "the actions either before or after actions=");
            }
            actions = fp.actions(actionsFrom, to, FlowParser.Context.NONE);
        }
        try {
            return new GroupMod.Bucket(weight, watchPort, watchGroup, actions);
        } catch (FlowModException e) {
            throw fp.at(e, from, text.substring(from, to));
        }
    }

    MeterMod meter(MeterMod.Command command) {
        long meterId = -1;
        boolean kbps = false;
        boolean pktps = false;
        boolean burst = false;
        boolean stats = false;
        List<MeterMod.Band> bands = new ArrayList<>();
        Lexer lx = new Lexer(text);
        int bandsFrom = -1;
        while (lx.hasNext()) {
            Lexer.Pair p = lx.next();
            switch (p.key()) {
                case "meter" -> meterId = fp.value(p, "a meter id").equalsIgnoreCase("all") ? MeterMod.ALL
                        : fp.bounded(p, 0xffff_ffffL, "meter");
                case "kbps" -> kbps = true;
                case "pktps" -> pktps = true;
                case "burst" -> burst = true;
                case "stats" -> stats = true;
                case "bands", "band" -> {
                    if (p.sep() != '=') {
                        throw fp.error(p.keyPos(), p.key(), "bands need =", "bands=type=drop,rate=N,...");
                    }
                    bandsFrom = p.valuePos();
                    lx.skipToEnd();
                }
                default -> throw fp.error(p.keyPos(), p.key(), "unknown meter argument \"" + p.key() + "\"",
                        "meter=N, kbps, pktps, burst, stats, bands=...");
            }
            if (p.hasValue() && (p.key().equals("kbps") || p.key().equals("pktps") || p.key().equals("burst")
                    || p.key().equals("stats"))) {
                throw fp.error(p.valuePos(), p.value(), p.key() + " takes no value", "a bare " + p.key());
            }
        }
        if (kbps && pktps) {
            throw fp.error(0, text, "a meter is either kbps or pktps", "kbps or pktps, not both");
        }
        if (bandsFrom >= 0) {
            bands(bandsFrom, burst, bands);
        }
        if (meterId < 0) {
            if (command == MeterMod.Command.DELETE) {
                meterId = MeterMod.ALL;
            } else {
                throw fp.error(0, text, "must specify a meter", "meter=N");
            }
        }
        if (command == MeterMod.Command.DELETE && (bandsFrom >= 0 || kbps || pktps || burst || stats)) {
            throw fp.error(0, text, "deleting meters takes only meter", "meter=N or nothing (all meters)");
        }
        if (command != MeterMod.Command.DELETE && !kbps && !pktps) {
            // ovs-ofctl's default: kbps (OFPMF_KBPS is the absence of pktps).
            kbps = true;
        }
        try {
            return new MeterMod(command, meterId, kbps, burst, stats, bands);
        } catch (FlowModException e) {
            throw fp.at(e, 0, text);
        }
    }

    private void bands(int from, boolean burst, List<MeterMod.Band> out) {
        MeterMod.BandType type = null;
        long rate = -1;
        long burstSize = 0;
        boolean haveBurst = false;
        int precLevel = 0;
        int bandPos = from;
        Lexer lx = new Lexer(text, from, text.length());
        while (true) {
            Lexer.Pair p = lx.hasNext() ? lx.next() : null;
            if (p == null || p.key().equals("type")) {
                if (type != null) {
                    if (rate < 0) {
                        throw fp.error(bandPos, fp.tokenAt(bandPos), "band has no rate", "type=TYPE,rate=N");
                    }
                    if (burst && !haveBurst) {
                        throw fp.error(bandPos, fp.tokenAt(bandPos), "band must have 'burst_size' when 'burst' flag is set",
                                "burst_size=N");
                    }
                    try {
                        out.add(new MeterMod.Band(type, rate, burstSize, precLevel));
                    } catch (FlowModException e) {
                        throw fp.at(e, bandPos, fp.tokenAt(bandPos));
                    }
                }
                if (p == null) {
                    break;
                }
                String v = fp.value(p, "drop or dscp_remark");
                type = switch (v) {
                    case "drop" -> MeterMod.BandType.DROP;
                    case "dscp_remark" -> MeterMod.BandType.DSCP_REMARK;
                    default -> throw fp.error(p.valuePos(), v, "unknown band type", "drop or dscp_remark");
                };
                rate = -1;
                burstSize = 0;
                haveBurst = false;
                precLevel = 0;
                bandPos = p.keyPos();
                continue;
            }
            if (type == null) {
                throw fp.error(p.keyPos(), p.key(), "a band starts with its type", "type=drop or type=dscp_remark");
            }
            switch (p.key()) {
                case "rate" -> rate = fp.bounded(p, 0xffff_ffffL, "rate");
                case "burst_size" -> {
                    burstSize = fp.bounded(p, 0xffff_ffffL, "burst_size");
                    haveBurst = true;
                }
                case "prec_level" -> precLevel = (int) fp.bounded(p, 0xff, "prec_level");
                default -> throw fp.error(p.keyPos(), p.key(), "unknown band argument \"" + p.key() + "\"",
                        "type, rate, burst_size, prec_level");
            }
        }
    }
}
