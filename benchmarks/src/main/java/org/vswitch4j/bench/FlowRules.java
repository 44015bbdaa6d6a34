package org.vswitch4j.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.vswitch4j.flow.Action;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.Instructions;
import org.vswitch4j.flow.Match;
import org.vswitch4j.flow.MatchField;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * The flow-table benchmarks' rule set (issue 4): a three-table pipeline in {@code ovs-ofctl} syntax whose rules
 * fall into 20 shapes, one distinct mask each, and the traffic that crosses it from ofport 1 to ofport 2.
 *
 * <pre>
 * table 0, ingress (6 masks): LLDP drop (400), multicast-source drop (300), in_port+dl_src port security → goto 1
 *          (200), in_port+ARP spa → goto 1 (150), in_port+IPv6 drop (150), in_port drop (100)
 * table 1, ACL (9 masks):     tcp nw_dst/32 tp_dst (1100), udp tp_dst (1050), nw_src/32 (1000),
 *          udp nw_dst/24 tp_dst/0xf000 (950), nw_src/24 (900) → goto 2; nw_src/16 drop (800), nw_proto → goto 2
 *          (700), nw_src/8 drop (500), everything else drop (0)
 * table 2, routing (5 masks): nw_dst/32, /24, /16, /8 (priority = prefix length) and a default route, all output:2
 * </pre>
 *
 * <p>With {@code n} = 1,000 the shapes hold the counts of {@link #BASE}; for other {@code n} the shapes whose
 * value space allows it scale in proportion (so 1k, 10k, 100k and 1M rules have the same 20 masks), the rest keep
 * their few rules. Rule {@code i} of a shape has a value no other {@code i} of that shape has, so {@link #rule}
 * with indices past the loaded counts gives fresh adds.
 *
 * <p>Traffic ({@link #flow}): from in_port 1 with the one permitted source MAC, IPv4 UDP to a destination port
 * that no udp tp_dst rule names (so the ACL decides on the source address): sources half from the nw_src/32
 * hosts, half inside the nw_src/24 networks; destinations a third each from the /32 routes, inside the /24 routes
 * and inside the /16 routes. Every such packet is forwarded to ofport 2, and its megaflow matches the source and
 * destination prefixes and the destination port (tp_src stays wildcarded).
 */
final class FlowRules {
    /** Mask shapes; the counts below and {@link #text} follow this order. */
    static final int SHAPES = 20;
    /** Rules per shape at n = 1,000. */
    static final int[] BASE = {
        1, 1, 100, 50, 50, 50,               // table 0: lldp, mcast, in_port+dl_src, in_port+arp_spa, in_port+ipv6, in_port
        100, 20, 100, 50, 100, 50, 3, 10, 1, // table 1: tcp dst+port, udp port, src/32, udp dst/24+port/0xf000, src/24,
                                             //          src/16, nw_proto, src/8, default
        100, 153, 50, 10, 1                  // table 2: dst/32, /24, /16, /8, default
    };
    /** Rules a shape can hold (distinct values); -1: fixed at its base count. */
    private static final int[] CAP = {
        -1, -1, 1 << 24, 1 << 24, 65_000, 65_000,
        1 << 23, 30_000, 1 << 23, 1 << 20, 1 << 21, 65_536, -1, -1, -1,
        1 << 24, 1 << 21, 65_536, -1, -1
    };
    /** The source MAC that port security permits on in_port 1 (rule 0 of the in_port+dl_src shape). */
    static final long SRC_MAC = 0x02_00_00_00_00_01L;
    static final long DST_MAC = 0x02_00_00_00_00_02L;
    /** Destination ports of the traffic: above every udp tp_dst rule, outside the tp_dst/0xf000 rules' nets. */
    static final int TP_DST_BASE = 40_000;

    private static final int[] TCP_PORTS = {80, 443, 22, 8080, 3306, 5432, 6379, 9200};

    /** Whether shape {@code s} grows with the rule set (has fresh values past its count). */
    static boolean scalable(int s) {
        return CAP[s] >= 0;
    }

    /** Rules per shape for {@code n} rules in all. */
    static int[] counts(int n) {
        int fixed = 0;
        int scalable = 0;
        for (int s = 0; s < SHAPES; s++) {
            if (CAP[s] < 0) {
                fixed += BASE[s];
            } else {
                scalable += BASE[s];
            }
        }
        if (n < fixed + scalable / 10) {
            throw new IllegalArgumentException("rule set of " + n + " rules is too small to hold every shape");
        }
        int[] c = new int[SHAPES];
        int left = n - fixed;
        int lastScalable = -1;
        for (int s = 0; s < SHAPES; s++) {
            if (CAP[s] < 0) {
                c[s] = BASE[s];
            } else {
                c[s] = (int) ((long) left * BASE[s] / scalable);
                lastScalable = s;
            }
        }
        c[lastScalable] += n - Arrays.stream(c).sum(); // the rounding remainder
        for (int s = 0; s < SHAPES; s++) {
            if (CAP[s] >= 0 && c[s] > CAP[s]) {
                throw new IllegalArgumentException(n + " rules would put " + c[s] + " into shape " + s
                        + ", which holds at most " + CAP[s]);
            }
        }
        return c;
    }

    /** The whole rule set of {@code n} rules, parsed. */
    static List<FlowMod> ruleSet(int n) {
        int[] c = counts(n);
        List<FlowMod> all = new ArrayList<>(n);
        for (int s = 0; s < SHAPES; s++) {
            for (int i = 0; i < c[s]; i++) {
                all.add(rule(s, i));
            }
        }
        return all;
    }

    /** Rule {@code i} of shape {@code s}, parsed from its {@code ovs-ofctl} text. */
    static FlowMod rule(int s, int i) {
        return Ofctl.parseFlow(text(s, i));
    }

    /** Rule {@code i} of shape {@code s} in {@code ovs-ofctl add-flow} syntax. */
    static String text(int s, int i) {
        int port = 1 + i % 64;
        return switch (s) {
            case 0 -> "table=0,priority=400,dl_type=0x88cc actions=drop";
            case 1 -> "table=0,priority=300,dl_src=01:00:00:00:00:00/01:00:00:00:00:00 actions=drop";
            case 2 -> "table=0,priority=200,in_port=" + port + ",dl_src=" + mac(SRC_MAC + i) + " actions=goto_table:1";
            case 3 -> "table=0,priority=150,in_port=" + port + ",arp,arp_spa=" + ip(0x0A00_0000 + i)
                    + " actions=goto_table:1";
            case 4 -> "table=0,priority=150,in_port=" + (1 + i) + ",ipv6 actions=drop";
            case 5 -> "table=0,priority=100,in_port=" + (1 + i) + " actions=drop";
            case 6 -> "table=1,priority=1100,tcp,nw_dst=" + ip(0x0A80_0000 + (i >> 3)) + ",tp_dst="
                    + TCP_PORTS[i & 7] + " actions=goto_table:2";
            case 7 -> "table=1,priority=1050,udp,tp_dst=" + (1 + i) + " actions=goto_table:2";
            case 8 -> "table=1,priority=1000,ip,nw_src=" + ip(src32(i)) + " actions=goto_table:2";
            case 9 -> "table=1,priority=950,udp,nw_dst=" + ip(0x3000_0000 + ((i >> 4) << 8)) + "/24,tp_dst="
                    + ((i & 15) << 12) + "/0xf000 actions=goto_table:2";
            case 10 -> "table=1,priority=900,ip,nw_src=" + ip(src24(i)) + "/24 actions=goto_table:2";
            case 11 -> "table=1,priority=800,ip,nw_src=" + ip(i << 16) + "/16 actions=drop";
            case 12 -> "table=1,priority=700,ip,nw_proto=" + new int[] {1, 47, 50}[i] + " actions=goto_table:2";
            case 13 -> "table=1,priority=500,ip,nw_src=" + ip((100 + i) << 24) + "/8 actions=drop";
            case 14 -> "table=1,priority=0 actions=drop";
            case 15 -> "table=2,priority=32,ip,nw_dst=" + ip(dst32(i)) + " actions=output:2";
            case 16 -> "table=2,priority=24,ip,nw_dst=" + ip(dst24(i)) + "/24 actions=output:2";
            case 17 -> "table=2,priority=16,ip,nw_dst=" + ip(dst16(i)) + "/16 actions=output:2";
            case 18 -> "table=2,priority=8,ip,nw_dst=" + ip((200 + i) << 24) + "/8 actions=output:2";
            case 19 -> "table=2,priority=1,ip actions=output:2";
            default -> throw new IllegalArgumentException("shape " + s + " is outside 0.." + (SHAPES - 1));
        };
    }

    private static final Instructions GOTO_1 = Instructions.NONE.withGoto(1);
    private static final Instructions GOTO_2 = Instructions.NONE.withGoto(2);
    private static final Instructions OUTPUT_2 = Instructions.apply(Action.Output.to(2));

    /**
     * Rule {@code i} of a scalable shape {@code s}, built through the Java API ({@link Match#builder}, {@link
     * Instructions}) as a controller's decoder builds a flow mod from the wire: the same flow mod as {@link #rule},
     * without the text parse.
     */
    static FlowMod built(int s, int i) {
        int port = 1 + i % 64;
        Match.Builder m = Match.builder();
        if (s >= 6) {
            m.exact(MatchField.ETH_TYPE, 0x0800); // table 1 and 2 shapes are all ip
        }
        switch (s) {
            case 2 -> m.exact(MatchField.IN_PORT, port).exact(MatchField.ETH_SRC, SRC_MAC + i);
            case 3 -> m.exact(MatchField.IN_PORT, port).exact(MatchField.ETH_TYPE, 0x0806)
                    .exact(MatchField.ARP_SPA, 0x0A00_0000 + i);
            case 4 -> m.exact(MatchField.IN_PORT, 1 + i).exact(MatchField.ETH_TYPE, 0x86dd);
            case 5 -> m.exact(MatchField.IN_PORT, 1 + i);
            case 6 -> m.exact(MatchField.IP_PROTO, 6).exact(MatchField.IPV4_DST, 0x0A80_0000 + (i >> 3))
                    .exact(MatchField.TCP_DST, TCP_PORTS[i & 7]);
            case 7 -> m.exact(MatchField.IP_PROTO, 17).exact(MatchField.UDP_DST, 1 + i);
            case 8 -> prefix(m, MatchField.IPV4_SRC, src32(i), 32);
            case 9 -> prefix(m.exact(MatchField.IP_PROTO, 17), MatchField.IPV4_DST, 0x3000_0000 + ((i >> 4) << 8), 24)
                    .masked(MatchField.UDP_DST, (i & 15) << 12, 0xF000);
            case 10 -> prefix(m, MatchField.IPV4_SRC, src24(i), 24);
            case 11 -> prefix(m, MatchField.IPV4_SRC, i << 16, 16);
            case 15 -> prefix(m, MatchField.IPV4_DST, dst32(i), 32);
            case 16 -> prefix(m, MatchField.IPV4_DST, dst24(i), 24);
            case 17 -> prefix(m, MatchField.IPV4_DST, dst16(i), 16);
            default -> throw new IllegalArgumentException("shape " + s + " is not a scalable shape");
        }
        Instructions ins = switch (s) {
            case 2, 3 -> GOTO_1;
            case 4, 5, 11 -> Instructions.NONE;
            case 15, 16, 17 -> OUTPUT_2;
            default -> GOTO_2;
        };
        int table = s < 6 ? 0 : s < 15 ? 1 : 2;
        return FlowMod.add(table, BUILT_PRIORITY[s], m.build(), ins);
    }

    /** The priorities of {@link #text}, by shape. */
    private static final int[] BUILT_PRIORITY = {
        400, 300, 200, 150, 150, 100, 1100, 1050, 1000, 950, 900, 800, 700, 500, 0, 32, 24, 16, 8, 1
    };

    private static Match.Builder prefix(Match.Builder m, MatchField f, int addr, int len) {
        return m.masked(f, addr & 0xFFFF_FFFFL, (0xFFFF_FFFFL << (32 - len)) & 0xFFFF_FFFFL);
    }

    // Address spaces of the shapes the traffic uses (rule i's prefix).
    private static int src32(int i) {
        return 0x0A00_0000 + i;              // 10.0.0.0 + i
    }

    private static int src24(int i) {
        return 0x2000_0000 + (i << 8);        // 32.0.0.0/24 + i
    }

    private static int dst32(int i) {
        return 0xC000_0000 + i;              // 192.0.0.0 + i
    }

    private static int dst24(int i) {
        return 0xD000_0000 + (i << 8);        // 208.0.0.0/24 + i
    }

    private static int dst16(int i) {
        return ((0x8000 + i) & 0xffff) << 16; // 128.0.0.0/16 + i, wrapping at 255.255.0.0
    }

    /**
     * A flow of the traffic: {nw_src, nw_dst, tp_src, tp_dst}, drawn from the rules of a rule set with
     * {@code counts} (sources and destinations spread over all its rules of the shapes named in the class
     * comment), destination port among {@code dstPorts} values from {@link #TP_DST_BASE}.
     */
    static int[] flow(int[] counts, SplittableRandom r, int dstPorts) {
        int src = r.nextBoolean() ? src32(r.nextInt(counts[8])) : src24(r.nextInt(counts[10])) + 1 + r.nextInt(254);
        int dst = switch (r.nextInt(3)) {
            case 0 -> dst32(r.nextInt(counts[15]));
            case 1 -> dst24(r.nextInt(counts[16])) + 1 + r.nextInt(254);
            default -> dst16(r.nextInt(counts[17])) + 1 + r.nextInt(65_534);
        };
        return new int[] {src, dst, 1024 + r.nextInt(64_000), TP_DST_BASE + r.nextInt(dstPorts)};
    }

    /** {@code n} distinct flows (no two with the same four fields). */
    static int[][] distinctFlows(int n, int[] counts, long seed, int dstPorts) {
        SplittableRandom r = new SplittableRandom(seed);
        java.util.HashSet<List<Integer>> seen = new java.util.HashSet<>();
        int[][] flows = new int[n][];
        for (int k = 0; k < n; ) {
            int[] f = flow(counts, r, dstPorts);
            if (seen.add(List.of(f[0], f[1], f[2], f[3]))) {
                flows[k++] = f;
            }
        }
        return flows;
    }

    static String ip(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 0xff) + "." + (a >>> 8 & 0xff) + "." + (a & 0xff);
    }

    private static String mac(long m) {
        StringBuilder sb = new StringBuilder();
        for (int b = 5; b >= 0; b--) {
            sb.append(String.format("%02x", m >>> (8 * b) & 0xff)).append(b > 0 ? ":" : "");
        }
        return sb.toString();
    }

    private FlowRules() {
    }
}
