package org.vswitch4j.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random flows in {@code ovs-ofctl} text that Open vSwitch 3.1 accepts in OpenFlow 1.3 and whose every field
 * and action has its prerequisite: each protocol shorthand, its fields with aliases, masks and both number
 * bases, and the actions and instructions that fit it. Shared by the tests that compare us with OVS.
 */
final class FlowGen {
    private FlowGen() {
    }

    private static final String[] PROTOS = {"", "ip", "ipv6", "tcp", "udp", "sctp", "tcp6", "udp6", "sctp6", "icmp",
        "icmp6", "arp", "rarp", "dl_type=0x88cc", "ip,nw_proto=47", "ipv6,nw_proto=47", "dl_type=0x0800"};

    /** A flow without a cookie: {@code table=..,priority=..,MATCH actions=...}. */
    static String flow(Random r) {
        List<String> parts = new ArrayList<>();
        int table = r.nextInt(4) == 0 ? 0 : r.nextInt(20);
        if (table != 0 || r.nextBoolean()) {
            parts.add("table=" + table);
        }
        if (r.nextInt(3) != 0) {
            parts.add("priority=" + r.nextInt(65536));
        }
        if (r.nextInt(5) == 0) {
            parts.add("idle_timeout=" + (1 + r.nextInt(1000)));
        }
        if (r.nextInt(5) == 0) {
            parts.add("hard_timeout=" + (1 + r.nextInt(1000)));
        }
        if (r.nextInt(6) == 0) {
            parts.add(pick(r, "send_flow_rem", "reset_counts", "no_packet_counts", "no_byte_counts"));
        }
        String proto = PROTOS[r.nextInt(PROTOS.length)];
        if (!proto.isEmpty()) {
            parts.add(proto);
        }
        boolean ip4 = proto.startsWith("ip,") || proto.equals("ip") || proto.equals("tcp") || proto.equals("udp")
                || proto.equals("sctp") || proto.equals("icmp") || proto.equals("dl_type=0x0800");
        boolean ip6 = proto.startsWith("ipv6") || proto.endsWith("6");
        boolean arp = proto.equals("arp") || proto.equals("rarp");
        String l4 = proto.replace("6", "");
        boolean vlan = false;
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(10)) {
                case 0 -> parts.add("in_port=" + (r.nextInt(8) == 0 ? "LOCAL" : Integer.toString(1 + r.nextInt(65000))));
                case 1 -> parts.add(pick(r, "dl_src", "eth_src", "dl_dst", "eth_dst") + "=" + mac(r)
                        + (r.nextBoolean() ? "" : "/" + pick(r, "ff:ff:ff:00:00:00", "01:00:00:00:00:00",
                        "ff:ff:ff:ff:ff:ff", "fe:ff:ff:ff:ff:ff")));
                case 2 -> {
                    if (!vlan) {
                        vlan = true;
                        parts.add(switch (r.nextInt(5)) {
                            case 0 -> "dl_vlan=" + r.nextInt(4096);
                            case 1 -> "dl_vlan_pcp=" + r.nextInt(8);
                            case 2 -> "vlan_tci=0x1000/0x1000";
                            case 3 -> String.format("vlan_tci=0x%04x/0x1fff", 0x1000 | r.nextInt(4096));
                            default -> "dl_vlan=" + r.nextInt(4096) + ",dl_vlan_pcp=" + r.nextInt(8);
                        });
                    }
                }
                case 3 -> {
                    int reg = r.nextInt(16);
                    parts.add("reg" + reg + "=" + num(r, 32, true));
                }
                case 4 -> parts.add(pick(r, "metadata", "tun_id") + "=" + num(r, 64, true));
                case 5 -> parts.add(pick(r, "tun_src", "tun_dst") + "=" + ipv4(r, true));
                default -> {
                    // OVS refuses L4 fields on flows that match later fragments (they carry no L4 header).
                    boolean l4Fields = !proto.equals("ip") && !proto.equals("ipv6") && !proto.contains("=");
                    String frag = l4Fields ? pick(r, "no", "first", "not_later")
                            : pick(r, "no", "yes", "first", "later", "not_later");
                    if (ip4) {
                        parts.add(ip4Field(r).replace("FRAG", frag));
                    } else if (ip6) {
                        parts.add(ip6Field(r).replace("FRAG", frag));
                    } else if (arp) {
                        parts.add(switch (r.nextInt(3)) {
                            case 0 -> pick(r, "arp_spa", "arp_tpa") + "=" + ipv4(r, true);
                            case 1 -> "arp_op=" + (1 + r.nextInt(4));
                            default -> pick(r, "arp_sha", "arp_tha") + "=" + mac(r);
                        });
                    }
                }
            }
            if (l4.equals("tcp") || l4.equals("udp") || l4.equals("sctp")) {
                if (r.nextInt(3) == 0) {
                    parts.add(pick(r, "tp_src", "tp_dst", l4 + "_src", l4 + "_dst") + "=" + num(r, 16, true));
                }
                if (l4.equals("tcp") && r.nextInt(6) == 0) {
                    parts.add("tcp_flags=" + pick(r, "+syn-ack", "+fin", "-rst+psh", "0x12/0xff", "syn|ack", "0x002"));
                }
            } else if (proto.equals("icmp") && r.nextInt(3) == 0) {
                parts.add("icmp_type=" + r.nextInt(256) + (r.nextBoolean() ? ",icmp_code=" + r.nextInt(256) : ""));
            } else if (proto.equals("icmp6") && r.nextInt(2) == 0) {
                parts.add(switch (r.nextInt(3)) {
                    case 0 -> "icmp_type=135,nd_target=" + ipv6(r) + ",nd_sll=" + mac(r);
                    case 1 -> "icmpv6_type=136,icmpv6_code=0,nd_tll=" + mac(r);
                    default -> "icmp_type=" + r.nextInt(256) + ",icmp_code=" + r.nextInt(256);
                });
            }
        }
        String line = String.join(",", dedupe(parts));
        return line + (line.isEmpty() ? "" : " ") + "actions=" + actions(r, table, ip4, ip6, l4, vlan);
    }

    /** Drops repeated field names (a second value would be a conflict, not a test of syntax). */
    private static List<String> dedupe(List<String> parts) {
        List<String> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String p : parts) {
            boolean dup = false;
            for (String piece : p.split(",")) {
                String name = piece.contains("=") ? piece.substring(0, piece.indexOf('=')) : piece;
                String canon = canonical(name);
                if (names.contains(canon)) {
                    dup = true;
                }
            }
            if (!dup) {
                for (String piece : p.split(",")) {
                    names.add(canonical(piece.contains("=") ? piece.substring(0, piece.indexOf('=')) : piece));
                }
                out.add(p);
            }
        }
        return out;
    }

    private static String canonical(String name) {
        return switch (name) {
            case "eth_src" -> "dl_src";
            case "eth_dst" -> "dl_dst";
            case "tcp_src", "udp_src", "sctp_src" -> "tp_src";
            case "tcp_dst", "udp_dst", "sctp_dst" -> "tp_dst";
            case "icmpv6_type" -> "icmp_type";
            case "icmpv6_code" -> "icmp_code";
            case "ip_src" -> "nw_src";
            case "ip_dst" -> "nw_dst";
            default -> name.startsWith("NXM_NX_REG") ? "reg" + name.substring(10) : name;
        };
    }

    private static String ip4Field(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> pick(r, "nw_src", "nw_dst", "ip_src", "ip_dst") + "=" + ipv4(r, true);
            case 1 -> "nw_tos=" + 4 * r.nextInt(64);
            case 2 -> "nw_ecn=" + r.nextInt(4);
            case 3 -> "nw_ttl=" + r.nextInt(256);
            case 4 -> "ip_frag=FRAG";
            default -> "ip_dscp=" + r.nextInt(64);
        };
    }

    private static String ip6Field(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> pick(r, "ipv6_src", "ipv6_dst") + "=" + ipv6(r) + (r.nextBoolean() ? ""
                    : "/" + pick(r, "64", "48", "128", "16", "ffff:ffff::", "ffff::ff"));
            case 1 -> "ipv6_label=" + num(r, 20, true);
            case 2 -> "nw_frag=FRAG";
            default -> "nw_ttl=" + r.nextInt(256);
        };
    }

    private static String actions(Random r, int table, boolean ip4, boolean ip6, String l4, boolean vlanMatched) {
        List<String> out = new ArrayList<>();
        // Whether the packet has a tag at this point of the list: OVS refuses pop_vlan or a VLAN rewrite without one.
        boolean[] vlan = {vlanMatched};
        if (r.nextInt(15) == 0) {
            return "drop";
        }
        if (r.nextInt(12) == 0) {
            return "conjunction(" + r.nextInt(1000) + "," + (1 + r.nextInt(2)) + "/2)";
        }
        if (r.nextInt(8) == 0) {
            out.add("meter:" + (1 + r.nextInt(3)));
        }
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
            if (r.nextInt(12) == 0) {
                // clone(...): the copy's VLAN edits do not reach the actions after it
                boolean[] inner = {vlan[0]};
                List<String> body = new ArrayList<>();
                for (int k = r.nextInt(3); k >= 0; k--) {
                    body.add(action(r, ip4, ip6, l4, inner));
                }
                out.add("clone(" + String.join(",", body) + ")");
                continue;
            }
            out.add(action(r, ip4, ip6, l4, vlan));
        }
        if (r.nextInt(8) == 0) {
            out.add("clear_actions");
        }
        if (r.nextInt(6) == 0) {
            // An action set takes set-type actions (OpenFlow 1.3 section 5.10), and in Open vSwitch a resubmit;
            // no learn or note.
            out.add("write_actions(" + pick(r, "mod_dl_src:" + mac(r), "set_queue:" + r.nextInt(10), "group:1",
                    "set_field:" + r.nextInt(100) + "->reg1", "resubmit(," + r.nextInt(255) + ")") + "," + "output:"
                    + (1 + r.nextInt(20)) + ")");
        }
        if (r.nextInt(8) == 0) {
            out.add("write_metadata:" + num(r, 64, true));
        }
        if (table < 254 && r.nextInt(5) == 0) {
            out.add("goto_table:" + (table + 1 + r.nextInt(254 - table)));
        }
        return out.isEmpty() ? "drop" : String.join(",", out);
    }

    private static String action(Random r, boolean ip4, boolean ip6, String l4, boolean[] vlan) {
        switch (r.nextInt(24)) {
            case 0:
                if (r.nextInt(4) == 0) {
                    return "output(port=" + pick(r, Integer.toString(1 + r.nextInt(65000)), "LOCAL", "in_port")
                            + ",max_len=" + (14 + r.nextInt(r.nextBoolean() ? 200 : 1_000_000)) + ")";
                }
                return "output:" + (1 + r.nextInt(65000));
            case 1:
                return Integer.toString(1 + r.nextInt(100));
            case 2:
                return pick(r, "NORMAL", "FLOOD", "ALL", "LOCAL", "IN_PORT", "in_port", "CONTROLLER",
                        "controller:" + r.nextInt(65536), "controller(max_len=" + r.nextInt(65536) + ")",
                        "controller(" + pick(r, "reason=no_match", "reason=invalid_ttl", "reason=action") + ",id="
                                + r.nextInt(65536) + pick(r, "", ",userdata=01.02.fe", ",max_len=" + r.nextInt(65536))
                                + ")");
            case 3:
                return pick(r, "mod_dl_src", "mod_dl_dst") + ":" + mac(r);
            case 4:
                return r.nextInt(4) > 0 ? "set_field:" + num(r, 32, false) + "->reg" + r.nextInt(16)
                        : pick(r, "set_tunnel:", "set_tunnel64:") + num(r, 64, false);
            case 5: {
                int reg = r.nextInt(16);
                int lo = r.nextInt(32);
                int hi = lo + r.nextInt(32 - lo);
                return "load:" + num(r, hi - lo + 1, false) + "->NXM_NX_REG" + reg + "[" + lo + ".." + hi + "]";
            }
            case 6: {
                int lo = r.nextInt(16);
                int len = 1 + r.nextInt(16);
                return "move:NXM_NX_REG" + r.nextInt(16) + "[" + lo + ".." + (lo + len - 1) + "]->NXM_NX_REG"
                        + r.nextInt(16) + "[" + (31 - len + 1) + "..31]";
            }
            case 7:
                return pick(r, "resubmit:" + (1 + r.nextInt(100)), "resubmit(," + r.nextInt(255) + ")",
                        "resubmit(" + (1 + r.nextInt(100)) + "," + r.nextInt(255) + ")");
            case 8: {
                StringBuilder sb = new StringBuilder("note:");
                int bytes = 6 + 8 * r.nextInt(2);
                for (int i = 0; i < bytes; i++) {
                    sb.append(i == 0 ? "" : ".").append(String.format("%02x", r.nextInt(256)));
                }
                return sb.toString();
            }
            case 9: {
                int port = 1 + r.nextInt(100);
                int queue = r.nextInt(100);
                return pick(r, "set_queue:" + queue, "pop_queue", "enqueue:" + port + ":" + queue,
                        "enqueue(" + pick(r, Integer.toString(port), "LOCAL", "IN_PORT") + "," + queue + ")");
            }
            case 10:
                return "group:" + (1 + r.nextInt(5));
            case 11:
                if (ip4) {
                    return r.nextBoolean() ? pick(r, "mod_nw_src:", "mod_nw_dst:") + ipv4(r, false)
                            : "set_field:" + ipv4(r, false) + "->" + pick(r, "ip_src", "ip_dst", "nw_dst");
                }
                return "exit";
            case 12:
                if (ip4 || ip6) {
                    return pick(r, "dec_ttl", "dec_ttl(" + r.nextInt(5) + "," + r.nextInt(5) + ")",
                            "mod_nw_ttl:" + r.nextInt(256));
                }
                return "output:7";
            case 13:
                if (l4.equals("tcp") || l4.equals("udp") || l4.equals("sctp")) {
                    return pick(r, "mod_tp_src:", "mod_tp_dst:") + r.nextInt(65536);
                }
                return "exit";
            case 14:
                if (vlan[0]) {
                    String a = pick(r, "pop_vlan", "strip_vlan", "mod_vlan_vid:" + r.nextInt(4096),
                            "mod_vlan_pcp:" + r.nextInt(8));
                    vlan[0] = !a.endsWith("_vlan");
                    return a;
                }
                vlan[0] = true;
                return "push_vlan:" + pick(r, "0x8100", "0x88a8");
            case 15:
                return "learn(table=" + r.nextInt(254) + pick(r, "", ",idle_timeout=10", ",hard_timeout=20,priority=5",
                        ",fin_idle_timeout=3,fin_hard_timeout=4", ",cookie=0x99,send_flow_rem",
                        ",cookie=0x7,limit=" + (1 + r.nextInt(100)) + ",result_dst=NXM_NX_REG" + r.nextInt(16) + "["
                                + r.nextInt(32) + "]")
                        + ",NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
                        + pick(r, "load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15]", "output:NXM_OF_IN_PORT[]",
                        "load:0x5->NXM_NX_REG1[0..3]", "dl_type=0x800", "NXM_NX_REG2[0..7]=0x7") + ")";
            case 16:
                return "output:NXM_NX_REG" + r.nextInt(16) + "[" + pick(r, "", "0..15", "16..31") + "]";
            case 17:
                if (ip4) {
                    return pick(r, "mod_nw_tos:" + 4 * r.nextInt(64), "mod_nw_ecn:" + r.nextInt(4),
                            "set_field:" + r.nextInt(64) + "->ip_dscp");
                }
                return "exit";
            case 18:
                if (ip6) {
                    return "set_field:" + ipv6(r) + "->ipv6_" + pick(r, "src", "dst");
                }
                return "set_field:" + mac(r) + "->" + pick(r, "eth_src", "eth_dst");
            case 19:
                return pick(r, "push:", "pop:") + pick(r, "NXM_NX_REG" + r.nextInt(16) + "[]", "NXM_NX_REG"
                        + r.nextInt(16) + "[" + r.nextInt(16) + ".." + (16 + r.nextInt(16)) + "]", "reg" + r.nextInt(16),
                        "NXM_OF_ETH_SRC[]", "NXM_OF_ETH_DST[0..15]");
            case 21:
                return "check_pkt_larger(" + r.nextInt(65536) + ")->" + pick(r, "NXM_NX_REG" + r.nextInt(16),
                        "reg" + r.nextInt(16)) + "[" + r.nextInt(32) + "]";
            case 22:
                return "multipath(" + pick(r, "eth_src", "symmetric_l4", "symmetric_l3l4", "symmetric_l3l4+udp",
                        "nw_src", "nw_dst", "symmetric_l3") + "," + r.nextInt(65536) + ","
                        + pick(r, "modulo_n", "hash_threshold", "hrw", "iter_hash") + "," + (1 + r.nextInt(100)) + ","
                        + r.nextInt(128) + "," + pick(r, "NXM_NX_REG" + r.nextInt(16) + "[]", "reg" + r.nextInt(16)
                        + "[0..15]") + ")";
            case 23: {
                List<String> members = new ArrayList<>();
                for (int i = r.nextInt(4); i >= 0; i--) {
                    members.add(r.nextInt(6) == 0 ? pick(r, "LOCAL", "IN_PORT") : Integer.toString(1 + r.nextInt(100)));
                }
                boolean load = r.nextBoolean();
                return (load ? "bundle_load(" : "bundle(") + pick(r, "eth_src", "symmetric_l4", "nw_dst") + ","
                        + r.nextInt(65536) + "," + pick(r, "active_backup", "hrw") + ",ofport,"
                        + (load ? "NXM_NX_REG" + r.nextInt(16) + "[]," : "") + pick(r, "members:", "slaves:")
                        + String.join(",", members) + ")";
            }
            default:
                return "set_field:" + num(r, 64, false) + "->" + pick(r, "metadata", "tun_id");
        }
    }

    static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }

    static String mac(Random r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            int b = r.nextInt(256);
            sb.append(i == 0 ? "" : ":").append(r.nextInt(4) == 0 ? Integer.toHexString(b) : String.format("%02x", b));
        }
        return sb.toString();
    }

    static String ipv4(Random r, boolean masked) {
        String a = r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
        if (!masked || r.nextBoolean()) {
            return a;
        }
        return a + "/" + pick(r, "24", "16", "32", "8", "255.255.0.255", "255.255.255.0", "1");
    }

    static String ipv6(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> "2001:db8::" + Integer.toHexString(r.nextInt(65536));
            case 1 -> "fe80::" + Integer.toHexString(r.nextInt(65536)) + ":" + Integer.toHexString(r.nextInt(65536));
            case 2 -> "2001:db8:" + Integer.toHexString(r.nextInt(65536)) + ":0:0:" + Integer.toHexString(r.nextInt(65536))
                    + ":0:1";
            default -> "::ffff:192.0.2." + r.nextInt(256);
        };
    }

    /** A number of at most {@code bits} bits, decimal or hex, masked (hex mask) when asked and chosen. */
    static String num(Random r, int bits, boolean maskable) {
        long v = bits == 64 ? r.nextLong() : r.nextLong() & ((1L << bits) - 1);
        if (bits == 64 && v < 0) {
            v >>>= 1;
        }
        String s = r.nextBoolean() ? "0x" + Long.toHexString(v) : Long.toUnsignedString(v);
        if (maskable && r.nextInt(3) == 0) {
            long m = bits == 64 ? 0xff00ff00ff00ffL : r.nextLong() & ((1L << bits) - 1);
            if (m == 0) {
                m = 1;
            }
            return "0x" + Long.toHexString(v & m) + "/0x" + Long.toHexString(m);
        }
        return s;
    }
}
