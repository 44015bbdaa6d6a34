package org.vswitch4j.core.datapath;

import org.vswitch4j.core.key.FlowField;

/**
 * A megaflow's actions compiled for the fast path: parallel arrays of op codes and arguments, plus the
 * shortcut for the case that dominates switching, a single output.
 *
 * <p>Why: executing {@link DatapathAction} records directly would mean a type switch (pattern matching over
 * an open interface) and enum lookups per packet. Compiling once per upcall turns every action into an
 * {@code int} op and its arguments, validates it (an unsupported set-field fails the upcall, not the
 * packet), and finds the last output (every output before it copies the packet, the last one moves it).
 * When the list is exactly one output, {@link #singleOutput} is its port and execution is a single branch
 * and a move into the port's tx batch — no loop, no copy.
 *
 * <p>A 128-bit set-field ({@link DatapathAction.SetField128}) compiles into two set ops, one per 64-bit
 * half: each half fixes the checksums on its own (RFC 1624 updates compose), so the executor's one-long
 * argument suffices and a compiled list may be longer than the action list.
 *
 * <p>Aliased fields (Open vSwitch stores them in the same key bits) compile to one code whose meaning the
 * packet decides at execution: ip_src/arp_spa and ip_dst/arp_tpa by the EtherType (IPv4 or ARP),
 * tp_src/icmp_type and tp_dst/icmp_code by the L4 protocol (TCP, UDP, SCTP: ports; ICMP, ICMPv6: type and
 * code). Metadata fields (tunnel, metadata, registers) are no packet edit and are refused here.
 *
 * <p>Thread-safety: immutable.
 */
final class CompiledActions {
    static final int OP_OUTPUT = 1;
    static final int OP_PUSH_VLAN = 2;
    static final int OP_POP_VLAN = 3;
    static final int OP_SET = 4;
    static final int OP_DROP = 5;
    static final int OP_METER = 6;
    static final int OP_USERSPACE = 7;
    /** Push obj[k] (a TunnelHeader), then output to arg[k]: an output, for the last-output rule. */
    static final int OP_TUNNEL_PUSH = 8;
    /**
     * Run obj[k] (CompiledActions[] {greater, lessEqual}) by the packet's length against arg[k]: on the packet
     * itself when it is the last output-like op (it then decides the packet's fate), else on a copy.
     */
    static final int OP_CHECK_LEN = 9;
    /** Cut the packet to val[k] bytes at the next output (or tunnel push), for that one only. */
    static final int OP_TRUNC = 10;

    // Set-field codes (PacketEdits executes them).
    static final int SET_ETH_SRC = 1;
    static final int SET_ETH_DST = 2;
    static final int SET_VLAN_VID = 3;
    static final int SET_VLAN_PCP = 4;
    static final int SET_VLAN_DEI = 5;
    static final int SET_VLAN_TPID_TCI = 6;
    static final int SET_IPV4_SRC = 7;
    static final int SET_IPV4_DST = 8;
    static final int SET_IP_TOS = 9;
    static final int SET_IP_DSCP = 10;
    static final int SET_IP_ECN = 11;
    static final int SET_IP_TTL = 12;
    static final int SET_TP_SRC = 13;
    static final int SET_TP_DST = 14;
    static final int SET_IPV6_LABEL = 15;
    static final int SET_ARP_OP = 16;
    static final int SET_ARP_SHA = 17;
    static final int SET_ARP_THA = 18;
    static final int SET_IPV6_SRC_HI = 19;
    static final int SET_IPV6_SRC_LO = 20;
    static final int SET_IPV6_DST_HI = 21;
    static final int SET_IPV6_DST_LO = 22;
    static final int SET_ND_TARGET_HI = 23;
    static final int SET_ND_TARGET_LO = 24;
    static final int SET_ND_SLL = 25;
    static final int SET_ND_TLL = 26;

    private static final String SETTABLE = "settable: eth_src, eth_dst, vlan0, vlan_vid, vlan_pcp, vlan_dei,"
            + " ip_src, ip_dst, arp_spa, arp_tpa, arp_op, arp_sha, arp_tha, nw_tos, ip_dscp, ip_ecn, nw_ttl,"
            + " ipv6_label, tp_src, tp_dst, icmp_type, icmp_code, nd_sll, nd_tll, and (128-bit) ipv6_src, ipv6_dst,"
            + " nd_target";

    /** The output port when the actions are exactly one output, else 0. */
    final int singleOutput;
    /**
     * When the actions are exactly one tnl_push: its header (else null) and, in {@link #singlePushPort}, its port.
     * The executor pushes and then treats the packet as a single output, so a burst of one tunnel flow still goes
     * to the port as one batch without a per-packet action loop.
     */
    final org.vswitch4j.core.port.TunnelHeader singlePush;
    final int singlePushPort;
    final int[] op;
    final int[] arg;
    final long[] val;
    /**
     * Index of the last output (or check_pkt_len), which moves the packet (runs its branch on it) and ends the list;
     * -1 when every output copies: the actions never output (the packet is dropped), or a userspace or meter action
     * comes after the last output.
     */
    final int lastOutput;
    /** Reason to count when the actions end without output or drop explicitly. */
    final DropReason[] dropReasons;
    /** The meters, sinks and tunnel headers of OP_METER, OP_USERSPACE and OP_TUNNEL_PUSH (null elsewhere). */
    final Object[] obj;

    private CompiledActions(int singleOutput, int[] op, int[] arg, long[] val, int lastOutput, DropReason[] reasons,
                            Object[] obj) {
        this.singleOutput = singleOutput;
        boolean push = op.length == 1 && op[0] == OP_TUNNEL_PUSH;
        this.singlePush = push ? (org.vswitch4j.core.port.TunnelHeader) obj[0] : null;
        this.singlePushPort = push ? arg[0] : 0;
        this.op = op;
        this.arg = arg;
        this.val = val;
        this.lastOutput = lastOutput;
        this.dropReasons = reasons;
        this.obj = obj;
    }

    /**
     * Compiles {@code actions}. Throws {@link IllegalArgumentException} naming the action when the datapath
     * cannot execute it (an action kind it does not know, or a set-field of a field that is not a header
     * field of at most 64 bits, or a 128-bit set of another field than ipv6_src, ipv6_dst or
     * nd_target; metadata fields are refused).
     */
    static CompiledActions compile(DatapathActions actions) {
        int n = actions.size();
        int slots = n;
        for (int i = 0; i < n; i++) {
            if (actions.get(i) instanceof DatapathAction.SetField128) {
                slots++;
            }
        }
        int[] op = new int[slots];
        int[] arg = new int[slots];
        long[] val = new long[slots];
        DropReason[] reasons = new DropReason[slots];
        Object[] obj = new Object[slots];
        int last = -1;
        int k = 0;
        for (int i = 0; i < n; i++, k++) {
            DatapathAction a = actions.get(i);
            switch (a) {
                case DatapathAction.Output o -> {
                    op[k] = OP_OUTPUT;
                    arg[k] = o.port();
                    last = k;
                }
                case DatapathAction.PushVlan p -> {
                    op[k] = OP_PUSH_VLAN;
                    arg[k] = p.tpid();
                    val[k] = p.tci();
                }
                case DatapathAction.PopVlan _ -> op[k] = OP_POP_VLAN;
                case DatapathAction.Trunc t -> {
                    op[k] = OP_TRUNC;
                    val[k] = t.maxLen();
                }
                case DatapathAction.SetField s -> {
                    op[k] = OP_SET;
                    arg[k] = setCode(s.field());
                    val[k] = s.value();
                }
                case DatapathAction.SetField128 s -> {
                    int hi = setCode128(s.field());
                    op[k] = OP_SET;
                    arg[k] = hi;
                    val[k] = s.high();
                    k++;
                    op[k] = OP_SET;
                    arg[k] = hi + 1;
                    val[k] = s.low();
                }
                case DatapathAction.TunnelPush t -> {
                    op[k] = OP_TUNNEL_PUSH;
                    arg[k] = t.port();
                    obj[k] = t.header();
                    last = k;
                }
                case DatapathAction.Drop d -> {
                    op[k] = OP_DROP;
                    reasons[k] = d.reason();
                }
                case DatapathAction.Meter m -> {
                    op[k] = OP_METER;
                    obj[k] = m.meter();
                }
                case DatapathAction.Userspace u -> {
                    op[k] = OP_USERSPACE;
                    obj[k] = u.sink();
                    val[k] = u.cookie();
                }
                case DatapathAction.CheckPktLen c -> {
                    op[k] = OP_CHECK_LEN;
                    arg[k] = c.size();
                    obj[k] = new CompiledActions[] {compile(c.greater()), compile(c.lessEqual())};
                    last = k;
                }
                default -> throw new IllegalArgumentException("the datapath cannot execute action " + a
                        + " (" + a.getClass().getName() + "); it executes output, push_vlan, pop_vlan, set, meter,"
                        + " userspace, tnl_push, check_pkt_len, trunc and drop");
            }
        }
        // The last output moves the packet and ends the list; that is only right when nothing after it looks at
        // the packet. A packet-in (userspace) or a meter after it does: then every output copies.
        for (int j = last + 1; last >= 0 && j < slots; j++) {
            if (op[j] == OP_USERSPACE || op[j] == OP_METER) {
                last = -1;
            }
        }
        int single = slots == 1 && op[0] == OP_OUTPUT ? arg[0] : 0;
        return new CompiledActions(single, op, arg, val, last, reasons, obj);
    }

    /** The code of the high half of a 128-bit set-field; the low half's is one more. */
    private static int setCode128(FlowField f) {
        return switch (f) {
            case IPV6_SRC -> SET_IPV6_SRC_HI;
            case IPV6_DST -> SET_IPV6_DST_HI;
            case ND_TARGET -> SET_ND_TARGET_HI;
            default -> throw new IllegalArgumentException("the datapath cannot set 128-bit field " + f.ovsName()
                    + "; allowed: ipv6_src, ipv6_dst, nd_target");
        };
    }

    /** The set-field code for {@code f}; every field is listed so that a new one fails to compile here. */
    private static int setCode(FlowField f) {
        return switch (f) {
            case ETH_SRC -> SET_ETH_SRC;
            case ETH_DST -> SET_ETH_DST;
            case VLAN0_VID -> SET_VLAN_VID;
            case VLAN0_PCP -> SET_VLAN_PCP;
            case VLAN0_DEI -> SET_VLAN_DEI;
            case VLAN0 -> SET_VLAN_TPID_TCI;
            case IPV4_SRC, ARP_SPA -> SET_IPV4_SRC;
            case IPV4_DST, ARP_TPA -> SET_IPV4_DST;
            case IP_TOS -> SET_IP_TOS;
            case IP_DSCP -> SET_IP_DSCP;
            case IP_ECN -> SET_IP_ECN;
            case IP_TTL -> SET_IP_TTL;
            case IPV6_LABEL -> SET_IPV6_LABEL;
            case TP_SRC, ICMP_TYPE -> SET_TP_SRC;
            case TP_DST, ICMP_CODE -> SET_TP_DST;
            case ARP_OP -> SET_ARP_OP;
            case ARP_SHA -> SET_ARP_SHA;
            case ARP_THA -> SET_ARP_THA;
            case ND_SLL -> SET_ND_SLL;
            case ND_TLL -> SET_ND_TLL;
            case IPV6_SRC, IPV6_DST, ND_TARGET -> throw new IllegalArgumentException("field " + f.ovsName()
                    + " is 128 bits wide: use DatapathActions.Builder.setField(field, high, low)");
            case TUN_ID, TUN_SRC, TUN_DST, TUN_METADATA_PRESENT, TUN_IPV6, TUN_IPV6_SRC, TUN_IPV6_DST, TUN_METADATA0,
                 TUN_METADATA1, TUN_METADATA2, TUN_METADATA3, METADATA,
                 REG0, REG1, REG2, REG3, REG4, REG5, REG6, REG7, REG8, REG9, REG10, REG11, REG12, REG13, REG14,
                 REG15, XREG0, XREG1, XREG2, XREG3, XREG4, XREG5, XREG6, XREG7 ->
                    throw new IllegalArgumentException("field " + f.ovsName() + " is metadata, not a packet"
                            + " header: the pipeline sets it on the flow key, the datapath cannot set it; " + SETTABLE);
            case IN_PORT, ETH_TYPE, VLAN0_TPID, VLAN1, VLAN1_TPID, VLAN1_PCP, VLAN1_DEI, VLAN1_VID,
                 IP_FRAG, IP_PROTO, TCP_FLAGS ->
                    throw new IllegalArgumentException("the datapath cannot set field " + f.ovsName() + "; " + SETTABLE);
        };
    }
}
