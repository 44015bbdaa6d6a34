package org.vswitch4j.it;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A random OpenFlow 1.3 rule set in {@code ovs-ofctl} syntax for the Open vSwitch agreement test: up to three groups
 * (all, indirect, fast failover; buckets may chain to earlier groups), {@link OvsTraceAgreementTest#FLOWS} flows
 * over {@link OvsTraceAgreementTest#TABLES} tables, and sometimes one or two conjunctive matches.
 *
 * <p>Every flow is one Open vSwitch accepts with {@code -O OpenFlow13}: set-field and dec_ttl only where the
 * match has the prerequisite (ip, tcp, udp), VLAN edits only where the match (or an earlier push in the same
 * list) says the packet is tagged. Priorities are distinct within a table, so no packet ever meets two equally
 * good entries (which OpenFlow leaves undefined). Resubmit and goto only go to later tables: every walk ends.
 */
final class RuleSet {
    final List<String> groups = new ArrayList<>();
    final List<String> flows = new ArrayList<>();

    private static final String[] MAC_MASKS = {"ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:00", "01:00:00:00:00:00",
        "00:00:00:00:00:0f"};
    private static final int[] PREFIXES = {32, 24, 25, 16, 8};

    private enum Proto { ANY, IP, TCP, UDP, ICMP, ARP }

    /** What the action generator knows about the packet at a point of an action list. */
    private static final class Ctx {
        Proto proto;
        /** TRUE tagged, FALSE untagged, null: unknown. */
        Boolean tagged;
        int table;
        boolean pushed;
    }

    static RuleSet random(Random r) {
        RuleSet s = new RuleSet();
        int groupCount = r.nextInt(4);
        for (int g = 1; g <= groupCount; g++) {
            int type = r.nextInt(5);
            if (type == 4) {
                // fast failover: every port is live on both sides, so the first bucket with a watch_port wins
                StringBuilder b = new StringBuilder("group_id=" + g + ",type=ff");
                for (int i = 0; i < 2; i++) {
                    int p = 1 + r.nextInt(OvsTraceAgreementTest.PORTS);
                    b.append(",bucket=watch_port:").append(p).append(",actions=").append(bucketActions(r, g));
                }
                s.groups.add(b.toString());
                continue;
            }
            boolean all = type < 2;
            StringBuilder b = new StringBuilder("group_id=" + g + ",type=" + (all ? "all" : "indirect"));
            int buckets = all ? 2 + r.nextInt(2) : 1;
            for (int i = 0; i < buckets; i++) {
                b.append(",bucket=actions=").append(bucketActions(r, g));
            }
            s.groups.add(b.toString());
        }
        List<Set<Integer>> priorities = new ArrayList<>();
        for (int t = 0; t < OvsTraceAgreementTest.TABLES; t++) {
            priorities.add(new HashSet<>());
        }
        for (int i = 0; i < OvsTraceAgreementTest.FLOWS; i++) {
            // Table 0 gets half of the flows: every packet starts there.
            int t = r.nextInt(2) == 0 ? 0 : 1 + r.nextInt(OvsTraceAgreementTest.TABLES - 1);
            int prio;
            do {
                prio = 1 + r.nextInt(1000);
            } while (!priorities.get(t).add(prio));
            s.flows.add(flow(r, t, prio, groupCount));
        }
        for (int id = 1; id <= 2; id++) {
            if (chance(r, 50)) {
                int t = chance(r, 70) ? 0 : 1; // table 0 sees every packet
                int prio;
                do {
                    prio = 1 + r.nextInt(1000);
                } while (!priorities.get(t).add(prio));
                conjunction(r, s.flows, t, prio, id, groupCount);
            }
        }
        return s;
    }

    /**
     * A conjunctive match: 2 or 3 dimensions of 1 or 2 clause flows each (all at one priority, as OVS requires),
     * and the conj_id flow that acts when every dimension matched.
     */
    private static void conjunction(Random r, List<String> flows, int t, int prio, int id, int groups) {
        int dims = chance(r, 75) ? 2 : 3;
        String[] kinds = {"ip,nw_src=", "ip,nw_dst=", "tcp,tp_dst=", "dl_src=", "in_port="};
        List<Integer> used = new ArrayList<>();
        for (int d = 1; d <= dims; d++) {
            int kind;
            do {
                kind = r.nextInt(kinds.length);
            } while (used.contains(kind));
            used.add(kind);
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                String v = switch (kind) {
                    case 0, 1 -> prefix(r);
                    case 2 -> Integer.toString(PacketSpec.L4_PORTS[r.nextInt(PacketSpec.L4_PORTS.length)]);
                    case 3 -> mac(r);
                    default -> Integer.toString(1 + r.nextInt(OvsTraceAgreementTest.PORTS));
                };
                flows.add("table=" + t + ",priority=" + prio + "," + kinds[kind] + v + " actions=conjunction(" + id
                        + "," + d + "/" + dims + ")");
            }
        }
        Ctx c = new Ctx();
        c.table = t;
        c.proto = Proto.ANY;
        flows.add("table=" + t + ",priority=" + prio + ",conj_id=" + id + " actions=" + instructions(r, c, groups));
    }

    /** A bucket of group {@code g}: edits, outputs, a resubmit, or (chaining) a group added before it. */
    private static String bucketActions(Random r, int g) {
        List<String> a = new ArrayList<>();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(6)) {
                case 0 -> a.add("mod_dl_src:" + mac(r));
                case 1 -> a.add("set_field:" + mac(r) + "->eth_dst");
                case 2 -> a.add(g > 1 && chance(r, 50) ? "group:" + (1 + r.nextInt(g - 1)) : "load:0x1->NXM_NX_REG1[0..7]");
                case 3 -> a.add(chance(r, 30) ? "resubmit(," + (1 + r.nextInt(OvsTraceAgreementTest.TABLES - 1)) + ")"
                        : "output:" + (1 + r.nextInt(OvsTraceAgreementTest.PORTS)));
                default -> a.add("output:" + (1 + r.nextInt(OvsTraceAgreementTest.PORTS)));
            }
        }
        return String.join(",", a);
    }

    private static String flow(Random r, int table, int prio, int groups) {
        Ctx c = new Ctx();
        c.table = table;
        int p = r.nextInt(12);
        c.proto = p < 3 ? Proto.ANY : p < 5 ? Proto.IP : p < 8 ? Proto.TCP : p < 10 ? Proto.UDP
                : p < 11 ? Proto.ICMP : Proto.ARP;
        List<String> m = new ArrayList<>();
        m.add("table=" + table);
        m.add("priority=" + prio);
        if (c.proto != Proto.ANY) {
            m.add(c.proto.name().toLowerCase());
        }
        if (chance(r, 30)) {
            m.add("in_port=" + (1 + r.nextInt(OvsTraceAgreementTest.PORTS)));
        }
        if (chance(r, 20)) {
            m.add("dl_src=" + macMatch(r));
        }
        if (chance(r, 25)) {
            m.add("dl_dst=" + macMatch(r));
        }
        if (chance(r, 30)) {
            switch (r.nextInt(4)) {
                case 0 -> {
                    m.add("vlan_tci=0x0000/0x1000");
                    c.tagged = false;
                }
                case 1 -> {
                    m.add("vlan_tci=0x1000/0x1000");
                    c.tagged = true;
                }
                case 2 -> {
                    m.add("dl_vlan=" + PacketSpec.VIDS[r.nextInt(PacketSpec.VIDS.length)]);
                    c.tagged = true;
                }
                default -> {
                    m.add("vlan_tci=0x0000");
                    c.tagged = false;
                }
            }
        }
        boolean ip = c.proto == Proto.IP || c.proto == Proto.TCP || c.proto == Proto.UDP || c.proto == Proto.ICMP;
        if (ip && chance(r, 35)) {
            m.add("nw_src=" + prefix(r));
        }
        if (ip && chance(r, 35)) {
            m.add("nw_dst=" + prefix(r));
        }
        if (ip && chance(r, 10)) {
            m.add("ip_dscp=" + new int[] {0, 10, 46}[r.nextInt(3)]);
        }
        if (c.proto == Proto.IP && chance(r, 40)) {
            m.add("nw_proto=" + new int[] {1, 6, 17}[r.nextInt(3)]);
        }
        if (c.proto == Proto.TCP || c.proto == Proto.UDP) {
            if (chance(r, 25)) {
                m.add("tp_src=" + PacketSpec.L4_PORTS[r.nextInt(PacketSpec.L4_PORTS.length)]);
            }
            if (chance(r, 40)) {
                m.add(chance(r, 70) ? "tp_dst=" + PacketSpec.L4_PORTS[r.nextInt(PacketSpec.L4_PORTS.length)]
                        : String.format("tp_dst=0x%x/0xfff0", PacketSpec.L4_PORTS[r.nextInt(PacketSpec.L4_PORTS.length)]));
            }
        }
        if (c.proto == Proto.ARP && chance(r, 40)) {
            m.add("arp_op=" + (1 + r.nextInt(2)));
        }
        if (table > 0 && chance(r, 35)) {
            m.add("reg0=" + r.nextInt(4));
        }
        if (table > 0 && chance(r, 15)) {
            m.add(String.format("reg1=0x%x/0xff", r.nextInt(4)));
        }
        if (table > 0 && chance(r, 25)) {
            m.add(r.nextBoolean() ? "metadata=0x1/0x1" : String.format("metadata=0x%x/0x3", r.nextInt(4)));
        }
        return String.join(",", m) + " actions=" + instructions(r, c, groups);
    }

    private static String instructions(Random r, Ctx c, int groups) {
        List<String> a = new ArrayList<>();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
            String x = action(r, c, groups);
            if (x != null) {
                a.add(x);
            }
        }
        boolean last = c.table == OvsTraceAgreementTest.TABLES - 1;
        if (chance(r, 5)) {
            a.add("clear_actions");
        }
        if (chance(r, 15)) {
            // the final action: an output, or a resubmit (which Open vSwitch ranks below an output), or both
            String fin = switch (r.nextInt(4)) {
                case 0 -> "resubmit(," + r.nextInt(OvsTraceAgreementTest.TABLES) + ")";
                case 1 -> "resubmit(," + r.nextInt(OvsTraceAgreementTest.TABLES) + "),output:"
                        + (1 + r.nextInt(OvsTraceAgreementTest.PORTS));
                default -> "output:" + (1 + r.nextInt(OvsTraceAgreementTest.PORTS));
            };
            // set-type actions run in the order written (a move before or after a set of its source), and a set
            // without a final action runs nothing, not even its dec_ttl
            List<String> w = new ArrayList<>();
            if (chance(r, 60)) {
                w.add("mod_dl_src:" + mac(r));
            }
            if (chance(r, 50)) {
                w.add("move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]");
            }
            boolean ip = c.proto == Proto.IP || c.proto == Proto.TCP || c.proto == Proto.UDP || c.proto == Proto.ICMP;
            if (ip && chance(r, 15)) {
                w.add("dec_ttl");
            }
            java.util.Collections.shuffle(w, r);
            if (w.isEmpty() || chance(r, 85)) {
                w.add(fin);
            }
            a.add("write_actions(" + String.join(",", w) + ")");
        }
        if (!last && chance(r, 20)) {
            a.add(String.format("write_metadata:0x%x/0x3", r.nextInt(4)));
        }
        if (!last && chance(r, 40)) {
            a.add("goto_table:" + (c.table + 1 + r.nextInt(OvsTraceAgreementTest.TABLES - 1 - c.table)));
        }
        return a.isEmpty() ? "drop" : String.join(",", a);
    }

    private static String action(Random r, Ctx c, int groups) {
        boolean ip = c.proto == Proto.IP || c.proto == Proto.TCP || c.proto == Proto.UDP || c.proto == Proto.ICMP;
        boolean l4 = c.proto == Proto.TCP || c.proto == Proto.UDP;
        int k = r.nextInt(30);
        switch (k) {
            case 0, 1, 2, 3, 4:
                if (chance(r, 10)) {
                    // a truncated copy: lengths that cut into the L2, VLAN, IPv4 and L4 headers, or cut nothing
                    return "output(port=" + (chance(r, 15) ? "IN_PORT" : 1 + r.nextInt(OvsTraceAgreementTest.PORTS))
                            + ",max_len=" + new int[] {14, 16, 18, 20, 30, 36, 40, 50, 62, 1500}[r.nextInt(10)] + ")";
                }
                return chance(r, 8) ? "output:in_port" : "output:" + (1 + r.nextInt(OvsTraceAgreementTest.PORTS));
            case 5:
                return chance(r, 50) ? "mod_dl_dst:" + mac(r) : "set_field:" + mac(r) + "->eth_src";
            case 6:
                return ip ? "dec_ttl" : null;
            case 7:
                if (!ip) {
                    return null;
                }
                return switch (r.nextInt(3)) {
                    case 0 -> "mod_nw_dst:" + PacketSpec.IPS[r.nextInt(PacketSpec.IPS.length)];
                    case 1 -> "set_field:" + PacketSpec.IPS[r.nextInt(PacketSpec.IPS.length)] + "->nw_src";
                    default -> "set_field:" + new int[] {0, 10, 46}[r.nextInt(3)] + "->ip_dscp";
                };
            case 8:
                if (!l4) {
                    return null;
                }
                return r.nextBoolean() ? "mod_tp_dst:" + PacketSpec.L4_PORTS[r.nextInt(PacketSpec.L4_PORTS.length)]
                        : "set_field:" + (2000 + r.nextInt(10)) + "->" + (c.proto == Proto.TCP ? "tcp_src" : "udp_src");
            case 9, 10:
                return vlanAction(r, c);
            case 11:
                return "load:" + r.nextInt(4) + "->NXM_NX_REG0[]";
            case 12:
                return String.format("load:0x%x->NXM_NX_REG1[0..7]", r.nextInt(4));
            case 13:
                return r.nextBoolean() ? "move:NXM_NX_REG0[]->NXM_NX_REG1[]" : "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]";
            case 14, 15:
                if (c.table == OvsTraceAgreementTest.TABLES - 1) {
                    return null;
                }
                return "resubmit(," + (c.table + 1 + r.nextInt(OvsTraceAgreementTest.TABLES - 1 - c.table)) + ")";
            case 16, 17:
                return groups == 0 ? null : "group:" + (1 + r.nextInt(groups));
            case 18:
                // A learn: plain ofproto/trace does not apply it, nor does ours: it must change nothing else.
                return "learn(table=" + (OvsTraceAgreementTest.TABLES - 1)
                        + ",priority=1001,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])";
            case 19:
                // resubmit as if from another port: in_port changes for the lookup (and output:in_port) only
                if (c.table == OvsTraceAgreementTest.TABLES - 1) {
                    return null;
                }
                return "resubmit(" + (1 + r.nextInt(OvsTraceAgreementTest.PORTS)) + ","
                        + (c.table + 1 + r.nextInt(OvsTraceAgreementTest.TABLES - 1 - c.table)) + ")";
            case 20:
                // partial writes: Open vSwitch emits masked set actions
                if (ip && r.nextBoolean()) {
                    return String.format("load:0x%x->NXM_OF_IP_DST[0..7]", r.nextInt(256));
                }
                return String.format("load:0x%x->NXM_OF_ETH_SRC[0..7]", r.nextInt(256));
            case 21:
                return l4 ? "move:NXM_NX_REG0[0..15]->" + (c.proto == Proto.TCP ? "NXM_OF_TCP_DST[]" : "NXM_OF_UDP_DST[]")
                        : "move:NXM_OF_ETH_DST[0..23]->NXM_OF_ETH_SRC[24..47]";
            case 22:
                return "output:NXM_NX_REG" + r.nextInt(2) + "[0..15]";
            case 23:
                return ip ? "mod_nw_ttl:" + new int[] {1, 2, 64}[r.nextInt(3)] : null;
            case 24:
                return ip ? "mod_nw_tos:" + new int[] {0, 40, 184}[r.nextInt(3)] : null;
            case 25: {
                // clone(...) of one to three actions: the copy's edits and VLAN changes stay inside it. No exit in
                // it: Open vSwitch 3.1 runs no action set after an exit, which its ovs-actions(7) says it does and
                // we do (FlowPipelineTest pins it); the generator writes no exit anywhere for that reason.
                Ctx inner = new Ctx();
                inner.proto = c.proto;
                inner.tagged = c.tagged;
                inner.table = c.table;
                inner.pushed = c.pushed;
                List<String> body = new ArrayList<>();
                for (int i = 1 + r.nextInt(3); i > 0; i--) {
                    String x = action(r, inner, groups);
                    if (x != null) {
                        body.add(x);
                    }
                }
                return "clone(" + (body.isEmpty() ? "drop" : String.join(",", body)) + ")";
            }
            case 26:
                // The stack: pushes here, pops here or in a later table (resubmit keeps it, a clone has its own);
                // a pop on an empty stack changes nothing. The popped registers feed output:REG, the MAC is output.
                return switch (r.nextInt(5)) {
                    case 0 -> "push:NXM_NX_REG0[]";
                    case 1 -> "push:NXM_OF_ETH_SRC[0..15]";
                    case 2 -> "pop:NXM_NX_REG1[]";
                    case 3 -> "pop:NXM_NX_REG0[0..7]";
                    default -> "pop:NXM_OF_ETH_DST[0..23]";
                };
            case 27:
                // multipath into reg0, which later tables match (reg0=0..3) and output:NXM_NX_REG0[0..15] reads: the
                // link must be Open vSwitch's for the same packet, so the hashes must be its own.
                return "multipath(" + HASH_FIELDS[r.nextInt(HASH_FIELDS.length)] + "," + basis(r) + ","
                        + new String[] {"modulo_n", "hash_threshold", "hrw", "iter_hash"}[r.nextInt(4)] + ","
                        + (chance(r, 10) ? 65 + r.nextInt(10) : 1 + r.nextInt(5)) + "," + new int[] {0, 4, 8, 16}[r.nextInt(4)]
                        + "," + (r.nextBoolean() ? "NXM_NX_REG0[]" : "NXM_NX_REG0[0..15]") + ")";
            case 28: {
                // bundle (output to a member) or bundle_load (its number into reg0, for output:NXM_NX_REG0[0..15]);
                // members: ports, sometimes IN_PORT or NONE (always "live"), in random order
                List<String> members = new ArrayList<>();
                for (int i = 1 + r.nextInt(4); i > 0; i--) {
                    members.add(chance(r, 10) ? (r.nextBoolean() ? "IN_PORT" : "NONE")
                            : Integer.toString(1 + r.nextInt(OvsTraceAgreementTest.PORTS)));
                }
                boolean load = chance(r, 40);
                return (load ? "bundle_load(" : "bundle(") + HASH_FIELDS[r.nextInt(HASH_FIELDS.length)] + ","
                        + basis(r) + "," + (chance(r, 70) ? "hrw" : "active_backup") + ",ofport,"
                        + (load ? "NXM_NX_REG0[]," : "") + "members:" + String.join(",", members) + ")";
            }
            case 29:
                // check_pkt_larger into a bit of reg0 or reg1, which later tables match and output:NXM_NX_REG0[0..15]
                // reads; lengths around the packets' 60..68 bytes, so both branches are taken
                if (chance(r, 50)) {
                    // mostly followed by something that reads the bit, so the two branches differ
                    String check = "check_pkt_larger(" + new int[] {0, 59, 60, 63, 64, 67, 68, 1500}[r.nextInt(8)]
                            + ")->NXM_NX_REG" + r.nextInt(2) + "[" + r.nextInt(2) + "]";
                    int then = r.nextInt(10);
                    if (then < 4) {
                        return check + ",output:NXM_NX_REG0[0..15]";
                    }
                    if (then < 7 && c.table < OvsTraceAgreementTest.TABLES - 1) {
                        return check + ",resubmit(," + (c.table + 1) + ")";
                    }
                    return check;
                }
                return "output:" + (1 + r.nextInt(OvsTraceAgreementTest.PORTS));
            default:
                return "output:" + (1 + r.nextInt(OvsTraceAgreementTest.PORTS));
        }
    }

    private static final String[] HASH_FIELDS = {"eth_src", "symmetric_l4", "symmetric_l3l4", "symmetric_l3l4+udp",
        "nw_src", "nw_dst", "symmetric_l3"};

    private static int basis(Random r) {
        return chance(r, 30) ? 0 : r.nextInt(65536);
    }

    private static String vlanAction(Random r, Ctx c) {
        if (Boolean.FALSE.equals(c.tagged) && !c.pushed) {
            // One push at most: OVS's default vlan-limit=1 and ours differ on deeper stacks by configuration.
            c.tagged = true;
            c.pushed = true;
            return chance(r, 60) ? "push_vlan:0x8100,set_field:" + (4096 + PacketSpec.VIDS[r.nextInt(3)]) + "->vlan_vid"
                    : "push_vlan:0x8100";
        }
        if (Boolean.TRUE.equals(c.tagged)) {
            switch (r.nextInt(4)) {
                case 0 -> {
                    c.tagged = false;
                    return "pop_vlan";
                }
                case 1 -> {
                    return "mod_vlan_vid:" + PacketSpec.VIDS[r.nextInt(3)];
                }
                case 2 -> {
                    return "mod_vlan_pcp:" + r.nextInt(8);
                }
                default -> {
                    return "set_field:" + (4096 + PacketSpec.VIDS[r.nextInt(3)]) + "->vlan_vid";
                }
            }
        }
        return null;
    }

    private static boolean chance(Random r, int percent) {
        return r.nextInt(100) < percent;
    }

    private static String mac(Random r) {
        return Headers.mac(PacketSpec.MACS[r.nextInt(PacketSpec.MACS.length)]);
    }

    private static String macMatch(Random r) {
        String v = mac(r);
        return r.nextBoolean() ? v : v + "/" + MAC_MASKS[r.nextInt(MAC_MASKS.length)];
    }

    private static String prefix(Random r) {
        String ip = PacketSpec.IPS[r.nextInt(PacketSpec.IPS.length)];
        int len = PREFIXES[r.nextInt(PREFIXES.length)];
        return len == 32 ? ip : ip + "/" + len;
    }
}
