package org.vswitch4j.flow;

import java.util.List;
import java.util.Objects;

/**
 * An OpenFlow action, or one of the Nicira extensions Open vSwitch offers. Actions appear in apply-actions
 * and write-actions instructions, group buckets and learned flows. An empty action list drops.
 *
 * <p>Why a sealed interface of records: translation switches over every kind exhaustively, so a new action
 * fails to compile wherever it is not handled.
 */
public sealed interface Action {

    /**
     * Output to a port: an ordinary port number, or one of {@link OfPort}'s reserved ports ({@code IN_PORT},
     * {@code NORMAL}, {@code FLOOD}, {@code ALL}, {@code CONTROLLER}, {@code LOCAL}).
     *
     * @param maxLen for {@code CONTROLLER}, the bytes of the packet to send (65535: the whole packet); for any other
     *               port OpenFlow gives it no meaning, and it is kept as 65535 (a cut copy is {@link OutputTrunc})
     */
    record Output(long port, int maxLen) implements Action {
        /** Checks the port and length. */
        public Output {
            if (!OfPort.isOrdinary(port) && port != OfPort.IN_PORT && port != OfPort.NORMAL && port != OfPort.FLOOD
                    && port != OfPort.ALL && port != OfPort.CONTROLLER && port != OfPort.LOCAL && port != OfPort.TABLE) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_OUT_PORT, "output port " + Long.toUnsignedString(port)
                        + " is neither 1..4294967040 nor IN_PORT, TABLE, NORMAL, FLOOD, ALL, CONTROLLER or LOCAL");
            }
            if (maxLen < 0 || maxLen > 0xffff) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "max_len " + maxLen + " is outside 0..65535");
            }
            if (port != OfPort.CONTROLLER) {
                maxLen = 0xffff;
            }
        }

        /** Output to {@code port}, whole packets. */
        public static Output to(long port) {
            return new Output(port, 0xffff);
        }
    }

    /**
     * Open vSwitch's {@code output(port=P,max_len=N)}: output to {@code port} a copy cut to at most {@code maxLen}
     * bytes (the packet itself goes on whole). {@code port}: an ordinary port, {@code LOCAL} or {@code IN_PORT} (which
     * Open vSwitch 3.1 takes but sends nothing to, and neither do we); {@code maxLen}: 14 (an Ethernet header) to
     * 4294967295. Not allowed in an action set.
     */
    record OutputTrunc(long port, long maxLen) implements Action {
        /** Checks the port and length. */
        public OutputTrunc {
            if (!OfPort.isOrdinary(port) && port != OfPort.LOCAL && port != OfPort.IN_PORT) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_OUT_PORT, "output(port=" + OfPort.name(port)
                        + ",max_len=...) cannot truncate to that port; allowed: 1..4294967040, LOCAL, IN_PORT");
            }
            if (maxLen < 14 || maxLen > 0xffff_ffffL) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "max_len " + maxLen
                        + " is outside 14..4294967295 (an Ethernet header at least)");
            }
        }
    }

    /** Process the packet through group {@code groupId}. */
    record Group(long groupId) implements Action {
        /** Checks the id. */
        public Group {
            if (groupId < 0 || groupId > 0xffffff00L) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_OUT_GROUP, "group " + groupId
                        + " is outside 0..4294967040");
            }
        }
    }

    /**
     * Set a field to a value: OpenFlow's set-field, and Open vSwitch's masked form ({@code
     * set_field:value/mask->field}). Values up to 128 bits ({@code *High} = bits 64..127).
     */
    record SetField(MatchField field, long valueHigh, long value, long maskHigh, long mask) implements Action {
        /** Checks that the field can be set and the value fits. */
        public SetField {
            Objects.requireNonNull(field, "field");
            if (!writable(field)) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_SET_TYPE, field.ovsName() + " cannot be set;"
                        + " read-only: " + READ_ONLY);
            }
            if ((value & ~field.widthMaskLow()) != 0 || (valueHigh & ~field.widthMaskHigh()) != 0) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_SET_ARGUMENT, "value does not fit "
                        + field.ovsName() + " (" + field.width() + " bits)");
            }
            mask &= field.widthMaskLow();
            maskHigh &= field.widthMaskHigh();
            value &= mask;
            valueHigh &= maskHigh;
        }

        /** Sets the whole of {@code field} (at most 64 bits) to {@code value}. */
        public static SetField of(MatchField field, long value) {
            return new SetField(field, 0, value, field.widthMaskHigh(), field.widthMaskLow());
        }
    }

    /** Push a VLAN tag with TPID {@code ethertype} (0x8100 or 0x88a8), copying the VID and PCP of a tag below. */
    record PushVlan(int ethertype) implements Action {
        /** Checks the TPID. */
        public PushVlan {
            if (ethertype != 0x8100 && ethertype != 0x88a8) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, String.format(
                        "push_vlan ethertype 0x%04x is not 0x8100 (802.1Q) or 0x88a8 (802.1ad)", ethertype));
            }
        }
    }

    /** Pop the outermost VLAN tag ({@code pop_vlan}, {@code strip_vlan}). */
    record PopVlan() implements Action {
    }

    /**
     * Decrement the IPv4 TTL or IPv6 hop limit; a packet whose TTL is 0 or 1 is not forwarded: it goes to the
     * controllers listed ({@code dec_ttl(1,2)}; none listed: to the default controller) with reason
     * {@code invalid_ttl} where one is connected, and is dropped otherwise.
     */
    record DecTtl(List<Integer> controllerIds) implements Action {
        /** Copies the list. */
        public DecTtl {
            controllerIds = List.copyOf(controllerIds);
        }
    }

    /**
     * Open vSwitch's pop_queue: back to the queue the packet had before any set_queue. OVS's {@code enqueue} becomes
     * set_queue, output, pop_queue in OpenFlow 1.1 and later; it is not allowed in an action set.
     */
    record PopQueue() implements Action {
    }

    /**
     * Open vSwitch's clone: {@code actions} run on a copy of the packet and of its action set, and the copy's action
     * set (with what resubmits inside wrote to it) is executed at their end; afterwards the packet (every field,
     * registers and metadata included) and the action set are what they were before. What does leave is what the
     * copy did: outputs, packet-ins, learned flows, counters. An exit inside also ends everything after the clone.
     * All as in Open vSwitch 3.1 (Debian 12's, the peer of our agreement tests); Open vSwitch 3.2 and later start
     * the copy with an empty action set instead. Not allowed in an action set.
     */
    record Clone(List<Action> actions) implements Action {
        /** Copies the list. */
        public Clone {
            actions = List.copyOf(actions);
        }
    }

    /**
     * Open vSwitch's controller action with its options ({@code controller(reason=..,max_len=..,id=..,userdata=..)}):
     * a packet-in of at most {@code maxLen} bytes, with {@code reason}, for controller connection {@code controllerId},
     * carrying {@code userdata}. The plain form ({@code CONTROLLER:N}: reason action, id 0, no userdata) is an
     * {@link Output} to {@link OfPort#CONTROLLER}, as Open vSwitch prints it; the parser makes that, and a Controller
     * with those defaults prints so too (and parses back as the Output, which does the same).
     */
    record Controller(int maxLen, PacketIn.Reason reason, int controllerId, byte[] userdata) implements Action {
        /** Checks the ranges, copies the bytes. */
        public Controller {
            java.util.Objects.requireNonNull(reason, "reason");
            if (maxLen < 0 || maxLen > 0xffff) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "max_len " + maxLen
                        + " is outside 0..65535");
            }
            if (controllerId < 0 || controllerId > 0xffff) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "controller id " + controllerId
                        + " is outside 0..65535");
            }
            userdata = userdata.clone();
        }

        @Override
        public byte[] userdata() {
            return userdata.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Controller c && c.maxLen == maxLen && c.reason == reason
                    && c.controllerId == controllerId && java.util.Arrays.equals(c.userdata, userdata);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(maxLen, reason, controllerId, java.util.Arrays.hashCode(userdata));
        }

        @Override
        public String toString() {
            return "Controller[maxLen=" + maxLen + ", reason=" + reason + ", controllerId=" + controllerId
                    + ", userdata=" + java.util.HexFormat.ofDelimiter(".").formatHex(userdata) + "]";
        }
    }

    /** Set the IPv4 TTL or IPv6 hop limit ({@code mod_nw_ttl}). */
    record SetTtl(int ttl) implements Action {
        /** Checks the range. */
        public SetTtl {
            if (ttl < 0 || ttl > 255) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "TTL " + ttl + " is outside 0..255");
            }
        }
    }

    /** Select the output queue for QoS ({@code set_queue:N}). */
    record SetQueue(long queueId) implements Action {
        /** Checks the range. */
        public SetQueue {
            if (queueId < 0 || queueId > 0xffffffffL) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_QUEUE, "queue " + queueId + " is outside 0..4294967295");
            }
        }
    }

    /**
     * Nicira's resubmit: look the packet up again in {@code table} (-1: the current table) as if it had come in
     * on {@code inPort} ({@link OfPort#IN_PORT}: the current in_port), then carry on with the next action.
     * Recursion is bounded as in Open vSwitch (64 levels, 4,096 resubmits per packet).
     */
    record Resubmit(long inPort, int table) implements Action {
        /** Checks the table. */
        public Resubmit {
            if (table < -1 || table > 254) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "resubmit table " + table
                        + " is outside 0..254");
            }
        }
    }

    /** Nicira's load: write the low {@code dst.bits()} bits of {@code value} into {@code dst}. */
    record Load(FieldRef dst, long valueHigh, long value) implements Action {
        /** Checks the field and value. */
        public Load {
            Objects.requireNonNull(dst, "dst");
            checkWritable(dst);
            if (dst.bits() < 64 && ((value >>> dst.bits()) != 0 || valueHigh != 0)
                    || dst.bits() >= 64 && dst.bits() < 128 && (valueHigh >>> (dst.bits() - 64)) != 0) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "value 0x" + Long.toHexString(value)
                        + " does not fit " + dst.bits() + " bits of " + dst);
            }
        }

        /** Loads {@code value} (up to 64 bits) into {@code dst}. */
        public static Load of(FieldRef dst, long value) {
            return new Load(dst, 0, value);
        }
    }

    /** Nicira's move: copy {@code src} into {@code dst} (equal widths). */
    record Move(FieldRef src, FieldRef dst) implements Action {
        /** Checks the widths. */
        public Move {
            Objects.requireNonNull(src, "src");
            Objects.requireNonNull(dst, "dst");
            checkWritable(dst);
            if (src.bits() != dst.bits()) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "move copies " + src.bits() + " bits of "
                        + src + " into " + dst.bits() + " bits of " + dst + "; the widths must be equal");
            }
        }
    }

    /**
     * Nicira's push ({@code push:NXM_NX_REG0[]}): puts the current value of {@code src} on the packet's stack, for
     * a later {@link StackPop} into any field. As in Open vSwitch, the stack lasts for the packet's whole pass
     * through the pipeline, resubmits included; a clone starts with an empty one and leaves the outer one as it
     * was; a pass that has piled up 64 kB on it (one byte per started 8 bits pushed, and one per push) stops at
     * its next resubmit and drops the packet.
     */
    record StackPush(FieldRef src) implements Action {
        /** Checks the reference. */
        public StackPush {
            Objects.requireNonNull(src, "src");
        }
    }

    /**
     * Nicira's pop ({@code pop:NXM_NX_REG1[0..15]}): takes the value on top of the stack and writes its low bits,
     * zero-extended when it is narrower, into {@code dst}. On an empty stack it does nothing (Open vSwitch reports
     * a stack underflow and goes on).
     */
    record StackPop(FieldRef dst) implements Action {
        /** Checks that the field can be written. */
        public StackPop {
            Objects.requireNonNull(dst, "dst");
            checkWritable(dst);
        }
    }

    /** Nicira's note: bytes a controller keeps in a flow; does nothing to packets. */
    record Note(byte[] data) implements Action {
        /** Copies the bytes. */
        public Note {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Note n && java.util.Arrays.equals(data, n.data);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Note" + java.util.HexFormat.ofDelimiter(".").formatHex(data);
        }
    }

    /** Nicira's output to the port number held in {@code src} ({@code output:NXM_NX_REG0[0..15]}). */
    record OutputReg(FieldRef src, int maxLen) implements Action {
        /** Checks the width. */
        public OutputReg {
            Objects.requireNonNull(src, "src");
            if (src.bits() > 32) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "output from " + src
                        + " takes at most 32 bits");
            }
        }
    }

    /**
     * Open vSwitch's conjunction: this flow is clause {@code clause} (1-based) of conjunctive match {@code id}
     * with {@code clauses} clauses (2..64). A packet that matches a flow of every clause matches the flows of
     * that table with {@code conj_id=id}.
     */
    record Conjunction(long id, int clause, int clauses) implements Action {
        /** Checks the numbers. */
        public Conjunction {
            if (clauses < 2 || clauses > 64 || clause < 1 || clause > clauses || id < 0 || id > 0xffffffffL) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "conjunction(" + id + "," + clause + "/"
                        + clauses + ") needs 2..64 clauses, a clause in 1..clauses and an id in 0..4294967295");
            }
        }
    }

    /** Open vSwitch's learn: adds or refreshes a flow built from the packet ({@link LearnSpec}). */
    record Learn(LearnSpec spec) implements Action {
        /** Checks the spec is there. */
        public Learn {
            Objects.requireNonNull(spec, "spec");
        }
    }

    /**
     * Open vSwitch's fin_timeout: when the flow matches a TCP segment with FIN or RST, its idle and hard timeouts
     * drop to these (seconds; 0 leaves that timeout alone, and a timeout already shorter stays). A learn with
     * {@code fin_idle_timeout}/{@code fin_hard_timeout} puts one into the flow it learns. The flags are looked at
     * exactly: the translation un-wildcards FIN and RST, so a closing segment gets a megaflow of its own.
     */
    record FinTimeout(int idleTimeout, int hardTimeout) implements Action {
        /** Checks the ranges. */
        public FinTimeout {
            if (idleTimeout < 0 || idleTimeout > 0xffff || hardTimeout < 0 || hardTimeout > 0xffff) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "fin_timeout(idle_timeout="
                        + idleTimeout + ",hard_timeout=" + hardTimeout + "): each must be in 0..65535");
            }
        }
    }

    /** Open vSwitch's exit: stop processing the action list (and every resubmit level) here. */
    record Exit() implements Action {
    }

    /**
     * The packet fields a {@link Multipath} or {@link Bundle} hashes, with Open vSwitch's names. The symmetric ones
     * give both directions of a connection the same hash: they combine source and destination with XOR.
     */
    enum HashFields {
        /** eth_src only. */
        ETH_SRC("eth_src"),
        /** eth_src^eth_dst, the VLAN ids, eth_type; for IP the addresses (XORed) and ip_proto; TCP and SCTP ports. */
        SYMMETRIC_L4("symmetric_l4"),
        /** The IP addresses, ip_proto, TCP and SCTP ports (not of fragments); a non-IP packet's L2 header. */
        SYMMETRIC_L3L4("symmetric_l3l4"),
        /** {@link #SYMMETRIC_L3L4}, with UDP ports too. */
        SYMMETRIC_L3L4_UDP("symmetric_l3l4+udp"),
        /** The IPv4 or IPv6 source (nothing for other packets). */
        NW_SRC("nw_src"),
        /** The IPv4 or IPv6 destination (nothing for other packets). */
        NW_DST("nw_dst"),
        /** The IP addresses (XORed) and eth_type. */
        SYMMETRIC_L3("symmetric_l3");

        private final String ovsName;

        HashFields(String ovsName) {
            this.ovsName = ovsName;
        }

        /** The name in {@code ovs-ofctl} syntax. */
        public String ovsName() {
            return ovsName;
        }
    }

    /** How {@link Multipath} turns a hash into a link number in 0..links-1 (Open vSwitch's four algorithms). */
    enum MultipathAlgorithm {
        /** hash mod links. */
        MODULO_N("modulo_n"),
        /** The hash's range cut into equal parts (RFC 2992's hash-threshold). */
        HASH_THRESHOLD("hash_threshold"),
        /** Highest random weight: the link whose hash with the flow's is highest (iter_hash above 64 links). */
        HRW("hrw"),
        /** Rehash until the value modulo a power of two ({@code arg}, or the next one above links) is a link. */
        ITER_HASH("iter_hash");

        private final String ovsName;

        MultipathAlgorithm(String ovsName) {
            this.ovsName = ovsName;
        }

        /** The name in {@code ovs-ofctl} syntax. */
        public String ovsName() {
            return ovsName;
        }
    }

    /**
     * Nicira's multipath: hashes {@code fields} of the packet (with {@code basis}), picks a link in
     * 0..{@code links}-1 with {@code algorithm} and writes it into {@code dst}. Link numbers, not ports: a later
     * action (a resubmit, a match on the register) decides what a link means. The choice is Open vSwitch's for the
     * same packet and arguments: the same hash functions.
     *
     * @param arg for {@link MultipathAlgorithm#ITER_HASH}, the modulus (a power of two, at least links); else unused
     */
    record Multipath(HashFields fields, int basis, MultipathAlgorithm algorithm, int links, long arg, FieldRef dst)
            implements Action {
        /** Checks the arguments. */
        public Multipath {
            Objects.requireNonNull(fields, "fields");
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(dst, "dst");
            checkWritable(dst);
            if (basis < 0 || basis > 0xffff) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "multipath basis " + basis
                        + " is outside 0..65535");
            }
            if (links < 1 || links > 65536) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "multipath n_links " + links
                        + " is outside 1..65536");
            }
            if (arg < 0 || arg > 0xffff_ffffL) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "multipath arg " + arg
                        + " is outside 0..4294967295");
            }
            if (dst.bits() < 16 && links > 1 << dst.bits()) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, dst.bits() + "-bit destination " + dst
                        + " has " + (1 << dst.bits()) + " values, fewer than the " + links + " links");
            }
        }
    }

    /** How {@link Bundle} picks a member. */
    enum BundleAlgorithm {
        /** The first live member in the list. */
        ACTIVE_BACKUP("active_backup"),
        /** Highest random weight over the live members: the one whose hash with the flow's is highest. */
        HRW("hrw");

        private final String ovsName;

        BundleAlgorithm(String ovsName) {
            this.ovsName = ovsName;
        }

        /** The name in {@code ovs-ofctl} syntax. */
        public String ovsName() {
            return ovsName;
        }
    }

    /**
     * Nicira's bundle and bundle_load: picks one live port of {@code members} by {@code algorithm} (hashing
     * {@code fields} with {@code basis} for {@link BundleAlgorithm#HRW}) and outputs to it ({@code dst} null), or
     * writes its OpenFlow 1.0 port number into {@code dst} (bundle_load; 65535 when no member is live). A member is
     * live when it is a port of the bridge that is up with its link up; IN_PORT, TABLE, NORMAL, FLOOD, ALL and
     * LOCAL always are. Same choice as Open vSwitch for the same packet: the same hash.
     *
     * @param members ports 1..65279 or reserved ports other than CONTROLLER (at most 2,048)
     */
    record Bundle(HashFields fields, int basis, BundleAlgorithm algorithm, List<Long> members, FieldRef dst)
            implements Action {
        /** At most this many members (Open vSwitch's limit). */
        public static final int MAX_MEMBERS = 2048;

        /** Checks the arguments; copies the members. */
        public Bundle {
            Objects.requireNonNull(fields, "fields");
            Objects.requireNonNull(algorithm, "algorithm");
            members = List.copyOf(members);
            if (dst != null) {
                checkWritable(dst);
            }
            if (basis < 0 || basis > 0xffff) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "bundle basis " + basis
                        + " is outside 0..65535");
            }
            if (members.size() > MAX_MEMBERS) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "bundle has " + members.size()
                        + " members; at most " + MAX_MEMBERS);
            }
            for (long m : members) {
                if (m == OfPort.CONTROLLER) {
                    throw new FlowModException(OfpError.BAD_ACTION_BAD_OUT_PORT, "a bundle member cannot be CONTROLLER");
                }
                if (!(m >= 1 && m < 0xff00) && m != OfPort.IN_PORT && m != OfPort.TABLE && m != OfPort.NORMAL
                        && m != OfPort.FLOOD && m != OfPort.ALL && m != OfPort.LOCAL && m != OfPort.ANY) {
                    throw new FlowModException(OfpError.BAD_ACTION_BAD_OUT_PORT, "bundle member "
                            + Long.toUnsignedString(m) + " is neither 1..65279 nor IN_PORT, TABLE, NORMAL, FLOOD, ALL,"
                            + " LOCAL or NONE");
                }
            }
        }

        /** A member's number as bundle_load writes it: OpenFlow 1.0's 16 bits (LOCAL 0xfffe, NONE 0xffff). */
        public static int ofp10(long port) {
            return port >= 0xffff_ff00L ? (int) (port - 0xffff_0000L) : (int) port;
        }
    }

    /**
     * Open vSwitch's check_pkt_larger: writes 1 into the 1-bit {@code dst} when the packet is longer than
     * {@code pktLen} bytes (the whole frame, as it is at this point), else 0, and the rest of the packet's processing
     * depends on it. Megaflows cannot match a length, so the translation goes on twice from here (the rest of this
     * action list, the instructions after it and the action set; once with each value) and the datapath picks the
     * branch per packet; afterwards the packet and the pipeline's state are as before the check, and the current
     * action list ends (an outer one, such as a resubmit's caller, goes on). As in Open vSwitch 3.1, the second
     * branch (at most {@code pktLen} bytes) finds the stack as the first branch left it and an empty action set.
     * Not allowed in an action set.
     */
    record CheckPktLarger(int pktLen, FieldRef dst) implements Action {
        /** Checks the length and the destination. */
        public CheckPktLarger {
            Objects.requireNonNull(dst, "dst");
            if (pktLen < 0 || pktLen > 0xffff) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "check_pkt_larger length " + pktLen
                        + " is outside 0..65535");
            }
            if (dst.bits() != 1) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "check_pkt_larger writes one bit, not the "
                        + dst.bits() + " of " + dst + "; allowed: a 1-bit destination such as reg0[0]");
            }
            checkWritable(dst);
        }
    }

    /** Fields no action may write (as in Open vSwitch: they describe the packet's shape, not its contents). */
    String READ_ONLY = "in_phy_port, eth_type, ip_proto, ip_frag, tcp_flags, conj_id";

    /** Whether set_field, load and move may write {@code f}. */
    static boolean writable(MatchField f) {
        return switch (f) {
            case IN_PHY_PORT, ETH_TYPE, IP_PROTO, IP_FRAG, TCP_FLAGS, CONJ_ID -> false;
            default -> true;
        };
    }

    private static void checkWritable(FieldRef dst) {
        if (!writable(dst.field())) {
            throw new FlowModException(OfpError.BAD_ACTION_BAD_SET_TYPE, dst.field().ovsName() + " cannot be written;"
                    + " read-only: " + READ_ONLY);
        }
    }
}
