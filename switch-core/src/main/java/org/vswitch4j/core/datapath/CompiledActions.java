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
 * <p>Thread-safety: immutable.
 */
final class CompiledActions {
    static final int OP_OUTPUT = 1;
    static final int OP_PUSH_VLAN = 2;
    static final int OP_POP_VLAN = 3;
    static final int OP_SET = 4;
    static final int OP_DROP = 5;

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

    /** The output port when the actions are exactly one output, else 0. */
    final int singleOutput;
    final int[] op;
    final int[] arg;
    final long[] val;
    /** Index of the last output, or -1 when the actions never output (the packet is dropped). */
    final int lastOutput;
    /** Reason to count when the actions end without output or drop explicitly. */
    final DropReason[] dropReasons;

    private CompiledActions(int singleOutput, int[] op, int[] arg, long[] val, int lastOutput, DropReason[] reasons) {
        this.singleOutput = singleOutput;
        this.op = op;
        this.arg = arg;
        this.val = val;
        this.lastOutput = lastOutput;
        this.dropReasons = reasons;
    }

    /**
     * Compiles {@code actions}. Throws {@link IllegalArgumentException} naming the action when the datapath
     * cannot execute it (an action kind it does not know, or a set-field of a field that is not a header
     * field of at most 64 bits).
     */
    static CompiledActions compile(DatapathActions actions) {
        int n = actions.size();
        int[] op = new int[n];
        int[] arg = new int[n];
        long[] val = new long[n];
        DropReason[] reasons = new DropReason[n];
        int last = -1;
        for (int i = 0; i < n; i++) {
            DatapathAction a = actions.get(i);
            switch (a) {
                case DatapathAction.Output o -> {
                    op[i] = OP_OUTPUT;
                    arg[i] = o.port();
                    last = i;
                }
                case DatapathAction.PushVlan p -> {
                    op[i] = OP_PUSH_VLAN;
                    arg[i] = p.tpid();
                    val[i] = p.tci();
                }
                case DatapathAction.PopVlan _ -> op[i] = OP_POP_VLAN;
                case DatapathAction.SetField s -> {
                    op[i] = OP_SET;
                    arg[i] = setCode(s.field());
                    val[i] = s.value();
                }
                case DatapathAction.Drop d -> {
                    op[i] = OP_DROP;
                    reasons[i] = d.reason();
                }
                default -> throw new IllegalArgumentException("the datapath cannot execute action " + a
                        + " (" + a.getClass().getName() + "); it executes output, push_vlan, pop_vlan, set and drop");
            }
        }
        int single = n == 1 && op[0] == OP_OUTPUT ? arg[0] : 0;
        return new CompiledActions(single, op, arg, val, last, reasons);
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
            case IPV4_SRC -> SET_IPV4_SRC;
            case IPV4_DST -> SET_IPV4_DST;
            case IP_TOS -> SET_IP_TOS;
            case IP_DSCP -> SET_IP_DSCP;
            case IP_ECN -> SET_IP_ECN;
            case IP_TTL -> SET_IP_TTL;
            case TP_SRC -> SET_TP_SRC;
            case TP_DST -> SET_TP_DST;
            case IN_PORT, ETH_TYPE, VLAN0_TPID, VLAN1, VLAN1_TPID, VLAN1_PCP, VLAN1_DEI, VLAN1_VID, ARP_SPA, ARP_TPA,
                 IPV6_LABEL, IP_FRAG, IP_PROTO, ARP_OP, TCP_FLAGS, ICMP_TYPE, ICMP_CODE, IPV6_SRC, IPV6_DST,
                 ARP_SHA, ARP_THA, ND_SLL, ND_TLL, ND_TARGET, TUN_ID, TUN_SRC, TUN_DST, METADATA,
                 REG0, REG1, REG2, REG3, REG4, REG5, REG6, REG7, REG8, REG9, REG10, REG11, REG12, REG13, REG14,
                 REG15, XREG0, XREG1, XREG2, XREG3, XREG4, XREG5, XREG6, XREG7 ->
                    throw new IllegalArgumentException("the datapath cannot set field " + f.ovsName()
                            + "; settable: eth_src, eth_dst, vlan0, vlan_vid, vlan_pcp, vlan_dei, ip_src, ip_dst,"
                            + " nw_tos, ip_dscp, ip_ecn, nw_ttl, tp_src, tp_dst");
        };
    }
}
