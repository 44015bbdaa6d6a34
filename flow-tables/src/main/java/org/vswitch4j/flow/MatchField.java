package org.vswitch4j.flow;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vswitch4j.core.key.FlowKey;

/**
 * The fields a flow can match on, set and load: the OpenFlow 1.3 OXM fields and the Nicira extensions
 * (registers, tunnel fields, {@code vlan_tci}, {@code nw_tos}, {@code ip_frag}, {@code tcp_flags}), each with
 * its {@code ovs-ofctl} name, its aliases and its NXM/OXM name, its width, whether OpenFlow (as Open vSwitch
 * accepts it) lets it be masked, its prerequisite, and where its bits live in the core's {@link FlowKey}.
 *
 * <p>A field's value is up to 128 bits, passed as two longs ({@code high}, {@code low}); fields of 64 bits or
 * fewer use {@code low} only. Values are in OpenFlow's encoding: {@link #VLAN_VID} is 13 bits with
 * {@code OFPVID_PRESENT} (0x1000) meaning "a tag is there", and {@link #VLAN_TCI} is Open vSwitch's 16-bit
 * form, in which the CFI bit (0x1000) means the same. Both map the "present" bit onto the top bit of the outer
 * tag's TPID in the key (the parser only takes 0x8100 and 0x88a8 as tags, and both have it set), so an
 * untagged frame (TPID 0) matches {@code OFPVID_NONE}.
 *
 * <p>Several fields share key bits where Open vSwitch keeps them in one place: the transport ports and ICMP
 * type/code, IPv4 and ARP addresses, ARP's opcode and ip_proto, the ARP and ND hardware addresses. The
 * prerequisites (checked by {@link Match}) say which meaning a flow intends.
 */
public enum MatchField {
    IN_PORT("in_port", "NXM_OF_IN_PORT", 32, false, Prereq.NONE, seg(0, 32, FlowKey.W_IN_PORT, 0)),
    /** OpenFlow's physical input port: the input port itself for every port vswitch4j has (none is logical). */
    IN_PHY_PORT("in_phy_port", "OXM_OF_IN_PHY_PORT", 32, false, Prereq.IN_PORT, seg(0, 32, FlowKey.W_IN_PORT, 0)),
    METADATA("metadata", "OXM_OF_METADATA", 64, true, Prereq.NONE, seg(0, 64, FlowKey.W_METADATA, 0)),
    ETH_DST("eth_dst", "NXM_OF_ETH_DST", 48, true, Prereq.NONE, seg(0, 48, FlowKey.W_ETH_DST, 0)),
    ETH_SRC("eth_src", "NXM_OF_ETH_SRC", 48, true, Prereq.NONE, seg(0, 48, FlowKey.W_ETH_SRC, 0)),
    ETH_TYPE("eth_type", "NXM_OF_ETH_TYPE", 16, false, Prereq.NONE, seg(0, 16, FlowKey.W_ETH_TYPE, 0)),
    /** OpenFlow 1.3's VLAN id: 12 bits of VID plus OFPVID_PRESENT (0x1000). */
    VLAN_VID("vlan_vid", "OXM_OF_VLAN_VID", 13, true, Prereq.NONE,
            seg(0, 12, FlowKey.W_VLAN, 32), seg(12, 1, FlowKey.W_VLAN, 63)),
    /** Open vSwitch's 16-bit TCI: PCP(3), CFI = tag present (1), VID(12). The tag's real DEI is not matched. */
    VLAN_TCI("vlan_tci", "NXM_OF_VLAN_TCI", 16, true, Prereq.NONE,
            seg(0, 12, FlowKey.W_VLAN, 32), seg(12, 1, FlowKey.W_VLAN, 63), seg(13, 3, FlowKey.W_VLAN, 45)),
    VLAN_PCP("vlan_pcp", "OXM_OF_VLAN_PCP", 3, false, Prereq.VLAN, seg(0, 3, FlowKey.W_VLAN, 45)),
    IP_DSCP("ip_dscp", "OXM_OF_IP_DSCP", 6, false, Prereq.IP_ANY, seg(0, 6, FlowKey.W_IP, 10)),
    /** Open vSwitch's {@code nw_tos}: the 8-bit TOS byte with the ECN bits zero (DSCP shifted left by 2). */
    NW_TOS("nw_tos", "NXM_OF_IP_TOS", 8, false, Prereq.IP_ANY, seg(2, 6, FlowKey.W_IP, 10)),
    IP_ECN("ip_ecn", "NXM_NX_IP_ECN", 2, false, Prereq.IP_ANY, seg(0, 2, FlowKey.W_IP, 8)),
    NW_TTL("nw_ttl", "NXM_NX_IP_TTL", 8, false, Prereq.IP_ANY, seg(0, 8, FlowKey.W_IP, 16)),
    /** Open vSwitch's fragment bits: 1 = a fragment, 2 = not the first fragment. */
    IP_FRAG("ip_frag", "NXM_NX_IP_FRAG", 2, true, Prereq.IP_ANY, seg(0, 2, FlowKey.W_IP, 24)),
    IP_PROTO("ip_proto", "NXM_OF_IP_PROTO", 8, false, Prereq.IP_ANY, seg(0, 8, FlowKey.W_IP, 0)),
    IPV4_SRC("ip_src", "NXM_OF_IP_SRC", 32, true, Prereq.IPV4, seg(0, 32, FlowKey.W_NW, 32)),
    IPV4_DST("ip_dst", "NXM_OF_IP_DST", 32, true, Prereq.IPV4, seg(0, 32, FlowKey.W_NW, 0)),
    TCP_SRC("tcp_src", "NXM_OF_TCP_SRC", 16, true, Prereq.TCP, seg(0, 16, FlowKey.W_TP, 48)),
    TCP_DST("tcp_dst", "NXM_OF_TCP_DST", 16, true, Prereq.TCP, seg(0, 16, FlowKey.W_TP, 32)),
    TCP_FLAGS("tcp_flags", "NXM_NX_TCP_FLAGS", 12, true, Prereq.TCP, seg(0, 12, FlowKey.W_TP, 0)),
    UDP_SRC("udp_src", "NXM_OF_UDP_SRC", 16, true, Prereq.UDP, seg(0, 16, FlowKey.W_TP, 48)),
    UDP_DST("udp_dst", "NXM_OF_UDP_DST", 16, true, Prereq.UDP, seg(0, 16, FlowKey.W_TP, 32)),
    SCTP_SRC("sctp_src", "OXM_OF_SCTP_SRC", 16, true, Prereq.SCTP, seg(0, 16, FlowKey.W_TP, 48)),
    SCTP_DST("sctp_dst", "OXM_OF_SCTP_DST", 16, true, Prereq.SCTP, seg(0, 16, FlowKey.W_TP, 32)),
    ICMPV4_TYPE("icmp_type", "NXM_OF_ICMP_TYPE", 8, false, Prereq.ICMPV4, seg(0, 8, FlowKey.W_TP, 48)),
    ICMPV4_CODE("icmp_code", "NXM_OF_ICMP_CODE", 8, false, Prereq.ICMPV4, seg(0, 8, FlowKey.W_TP, 32)),
    ARP_OP("arp_op", "NXM_OF_ARP_OP", 16, false, Prereq.ARP, seg(0, 8, FlowKey.W_IP, 0)),
    ARP_SPA("arp_spa", "NXM_OF_ARP_SPA", 32, true, Prereq.ARP, seg(0, 32, FlowKey.W_NW, 32)),
    ARP_TPA("arp_tpa", "NXM_OF_ARP_TPA", 32, true, Prereq.ARP, seg(0, 32, FlowKey.W_NW, 0)),
    ARP_SHA("arp_sha", "NXM_NX_ARP_SHA", 48, true, Prereq.ARP, seg(0, 48, FlowKey.W_ARP_SHA, 0)),
    ARP_THA("arp_tha", "NXM_NX_ARP_THA", 48, true, Prereq.ARP, seg(0, 48, FlowKey.W_ARP_THA, 0)),
    IPV6_SRC("ipv6_src", "NXM_NX_IPV6_SRC", 128, true, Prereq.IPV6,
            seg(0, 64, FlowKey.W_IPV6_SRC + 1, 0), seg(64, 64, FlowKey.W_IPV6_SRC, 0)),
    IPV6_DST("ipv6_dst", "NXM_NX_IPV6_DST", 128, true, Prereq.IPV6,
            seg(0, 64, FlowKey.W_IPV6_DST + 1, 0), seg(64, 64, FlowKey.W_IPV6_DST, 0)),
    IPV6_LABEL("ipv6_label", "NXM_NX_IPV6_LABEL", 20, true, Prereq.IPV6, seg(0, 20, FlowKey.W_IP, 32)),
    ICMPV6_TYPE("icmpv6_type", "NXM_NX_ICMPV6_TYPE", 8, false, Prereq.ICMPV6, seg(0, 8, FlowKey.W_TP, 48)),
    ICMPV6_CODE("icmpv6_code", "NXM_NX_ICMPV6_CODE", 8, false, Prereq.ICMPV6, seg(0, 8, FlowKey.W_TP, 32)),
    ND_TARGET("nd_target", "NXM_NX_ND_TARGET", 128, true, Prereq.ND,
            seg(0, 64, FlowKey.W_ND_TARGET + 1, 0), seg(64, 64, FlowKey.W_ND_TARGET, 0)),
    ND_SLL("nd_sll", "NXM_NX_ND_SLL", 48, true, Prereq.ND_SOLICIT, seg(0, 48, FlowKey.W_ARP_SHA, 0)),
    ND_TLL("nd_tll", "NXM_NX_ND_TLL", 48, true, Prereq.ND_ADVERT, seg(0, 48, FlowKey.W_ARP_THA, 0)),
    TUN_ID("tun_id", "NXM_NX_TUN_ID", 64, true, Prereq.NONE, seg(0, 64, FlowKey.W_TUN_ID, 0)),
    TUN_SRC("tun_src", "NXM_NX_TUN_IPV4_SRC", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_TUN_IP, 32)),
    TUN_DST("tun_dst", "NXM_NX_TUN_IPV4_DST", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_TUN_IP, 0)),
    /** The outer IPv6 source of a frame an IPv6 tunnel delivered; implies the IPv6-underlay flag of the key. */
    TUN_IPV6_SRC("tun_ipv6_src", "NXM_NX_TUN_IPV6_SRC", 128, true, Prereq.NONE,
            seg(0, 64, FlowKey.W_TUN_IPV6_SRC + 1, 0), seg(64, 64, FlowKey.W_TUN_IPV6_SRC, 0),
            implied(FlowKey.W_TUN_FLAGS, 8)),
    TUN_IPV6_DST("tun_ipv6_dst", "NXM_NX_TUN_IPV6_DST", 128, true, Prereq.NONE,
            seg(0, 64, FlowKey.W_TUN_IPV6_DST + 1, 0), seg(64, 64, FlowKey.W_TUN_IPV6_DST, 0),
            implied(FlowKey.W_TUN_FLAGS, 8)),
    /**
     * A Geneve option's data, as the TLV map ({@code add-tlv-map}) assigns options to fields: up to 8 bytes,
     * right-aligned. Matching or writing it also matches or sets its "present" bit, as Open vSwitch does, so
     * {@code tun_metadata0=0} does not match a packet without the option.
     */
    TUN_METADATA0("tun_metadata0", "NXM_NX_TUN_METADATA0", 64, true, Prereq.NONE,
            seg(0, 64, FlowKey.W_TUN_METADATA, 0), implied(FlowKey.W_TUN_FLAGS, 0)),
    TUN_METADATA1("tun_metadata1", "NXM_NX_TUN_METADATA1", 64, true, Prereq.NONE,
            seg(0, 64, FlowKey.W_TUN_METADATA + 1, 0), implied(FlowKey.W_TUN_FLAGS, 1)),
    TUN_METADATA2("tun_metadata2", "NXM_NX_TUN_METADATA2", 64, true, Prereq.NONE,
            seg(0, 64, FlowKey.W_TUN_METADATA + 2, 0), implied(FlowKey.W_TUN_FLAGS, 2)),
    TUN_METADATA3("tun_metadata3", "NXM_NX_TUN_METADATA3", 64, true, Prereq.NONE,
            seg(0, 64, FlowKey.W_TUN_METADATA + 3, 0), implied(FlowKey.W_TUN_FLAGS, 3)),
    REG0("reg0", "NXM_NX_REG0", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS, 32)),
    REG1("reg1", "NXM_NX_REG1", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS, 0)),
    REG2("reg2", "NXM_NX_REG2", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 1, 32)),
    REG3("reg3", "NXM_NX_REG3", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 1, 0)),
    REG4("reg4", "NXM_NX_REG4", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 2, 32)),
    REG5("reg5", "NXM_NX_REG5", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 2, 0)),
    REG6("reg6", "NXM_NX_REG6", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 3, 32)),
    REG7("reg7", "NXM_NX_REG7", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 3, 0)),
    REG8("reg8", "NXM_NX_REG8", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 4, 32)),
    REG9("reg9", "NXM_NX_REG9", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 4, 0)),
    REG10("reg10", "NXM_NX_REG10", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 5, 32)),
    REG11("reg11", "NXM_NX_REG11", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 5, 0)),
    REG12("reg12", "NXM_NX_REG12", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 6, 32)),
    REG13("reg13", "NXM_NX_REG13", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 6, 0)),
    REG14("reg14", "NXM_NX_REG14", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 7, 32)),
    REG15("reg15", "NXM_NX_REG15", 32, true, Prereq.NONE, seg(0, 32, FlowKey.W_REGS + 7, 0)),
    XREG0("xreg0", "OXM_OF_PKT_REG0", 64, true, Prereq.NONE, seg(0, 64, FlowKey.W_REGS, 0)),
    XREG1("xreg1", "OXM_OF_PKT_REG1", 64, true, Prereq.NONE, seg(0, 64, FlowKey.W_REGS + 1, 0)),
    XREG2("xreg2", "OXM_OF_PKT_REG2", 64, true, Prereq.NONE, seg(0, 64, FlowKey.W_REGS + 2, 0)),
    XREG3("xreg3", "OXM_OF_PKT_REG3", 64, true, Prereq.NONE, seg(0, 64, FlowKey.W_REGS + 3, 0)),
    XREG4("xreg4", "OXM_OF_PKT_REG4", 64, true, Prereq.NONE, seg(0, 64, FlowKey.W_REGS + 4, 0)),
    XREG5("xreg5", "OXM_OF_PKT_REG5", 64, true, Prereq.NONE, seg(0, 64, FlowKey.W_REGS + 5, 0)),
    XREG6("xreg6", "OXM_OF_PKT_REG6", 64, true, Prereq.NONE, seg(0, 64, FlowKey.W_REGS + 6, 0)),
    XREG7("xreg7", "OXM_OF_PKT_REG7", 64, true, Prereq.NONE, seg(0, 64, FlowKey.W_REGS + 7, 0)),
    /**
     * Open vSwitch's conjunction id: matched only by the flows that a completed conjunctive match (the
     * {@code conjunction} action) leads to. It lives in the pipeline, not in the packet's key: it has no key
     * bits, so it cannot be loaded, moved or set.
     */
    CONJ_ID("conj_id", "NXM_NX_CONJ_ID", 32, false, Prereq.NONE);

    /** What must be matched exactly before a field may be matched (OpenFlow 1.3 table 12). */
    public enum Prereq {
        NONE, IN_PORT, VLAN, IP_ANY, IPV4, IPV6, ARP, TCP, UDP, SCTP, ICMPV4, ICMPV6, ND, ND_SOLICIT, ND_ADVERT
    }

    /**
     * A run of {@code bits} field bits starting at field bit {@code fieldBit}, stored at {@code keyShift} of key word
     * {@code word}; or, with {@code fieldBit} {@link #IMPLIED}, one key bit that is 1 whenever any bit of the field
     * is matched or written (a "present" flag, as a tunnel option's).
     */
    record Segment(int fieldBit, int bits, int word, int keyShift) {
        static final int IMPLIED = -1;

        long keyBits() {
            return bits == 64 ? -1L : ((1L << bits) - 1) << keyShift;
        }

        boolean implied() {
            return fieldBit == IMPLIED;
        }
    }

    private static Segment seg(int fieldBit, int bits, int word, int keyShift) {
        return new Segment(fieldBit, bits, word, keyShift);
    }

    private static Segment implied(int word, int keyShift) {
        return new Segment(Segment.IMPLIED, 1, word, keyShift);
    }

    private final String ovsName;
    private final String nxmName;
    private final int width;
    private final boolean maskable;
    private final Prereq prereq;
    private final Segment[] segments;

    MatchField(String ovsName, String nxmName, int width, boolean maskable, Prereq prereq, Segment... segments) {
        this.ovsName = ovsName;
        this.nxmName = nxmName;
        this.width = width;
        this.maskable = maskable;
        this.prereq = prereq;
        this.segments = segments;
    }

    /** The name {@code ovs-ofctl} prints ({@code eth_src}, {@code ip_src}, {@code reg3}). */
    public String ovsName() {
        return ovsName;
    }

    /** The NXM or OXM name used in field references ({@code NXM_OF_ETH_SRC[]}). */
    public String nxmName() {
        return nxmName;
    }

    /** Width in bits of the field's OpenFlow value (1..128). */
    public int width() {
        return width;
    }

    /** Whether a match may give the field a mask other than all ones. */
    public boolean maskable() {
        return maskable;
    }

    /** What the field requires to be matched first. */
    public Prereq prereq() {
        return prereq;
    }

    /** All ones over the field's width, low 64 bits. */
    public long widthMaskLow() {
        return width >= 64 ? -1L : (1L << width) - 1;
    }

    /** All ones over the field's width above bit 64 (0 for fields of 64 bits or fewer). */
    public long widthMaskHigh() {
        return width > 64 ? (width >= 128 ? -1L : (1L << (width - 64)) - 1) : 0L;
    }

    /** Key words touched by the field, with the bits in each: pairs {word, bits}. For classifiers and masks. */
    List<Segment> segments() {
        return List.of(segments);
    }

    // --- moving values between the field's encoding and the key's words -------------------------------------

    /** Reads the low 64 bits of the field's value from key words {@code w}. */
    public long readLow(long[] w) {
        long v = 0;
        for (Segment s : segments) {
            if (s.fieldBit < 64 && !s.implied()) {
                v |= ((w[s.word] & s.keyBits()) >>> s.keyShift) << s.fieldBit;
            }
        }
        return v;
    }

    /** Reads bits 64..127 of the field's value from key words {@code w}. */
    public long readHigh(long[] w) {
        long v = 0;
        for (Segment s : segments) {
            if (s.fieldBit >= 64) {
                v |= ((w[s.word] & s.keyBits()) >>> s.keyShift) << (s.fieldBit - 64);
            }
        }
        return v;
    }

    /**
     * Writes the bits of {@code high:low} selected by {@code maskHigh:maskLow} into key words {@code w}, leaving
     * the other bits alone.
     */
    public void write(long[] w, long high, long low, long maskHigh, long maskLow) {
        boolean any = (maskHigh | maskLow) != 0;
        for (Segment s : segments) {
            if (s.implied()) {
                if (any) {
                    w[s.word] |= 1L << s.keyShift;
                }
                continue;
            }
            long v = s.fieldBit >= 64 ? high >>> (s.fieldBit - 64) : low >>> s.fieldBit;
            long m = s.fieldBit >= 64 ? maskHigh >>> (s.fieldBit - 64) : maskLow >>> s.fieldBit;
            long kb = s.keyBits();
            long km = (m << s.keyShift) & kb;
            w[s.word] = (w[s.word] & ~km) | ((v << s.keyShift) & km);
        }
    }

    /** ORs into mask words {@code w} the key bits that hold the field bits selected by {@code maskHigh:maskLow}. */
    public void orMask(long[] w, long maskHigh, long maskLow) {
        boolean any = (maskHigh | maskLow) != 0;
        for (Segment s : segments) {
            if (s.implied()) {
                if (any) {
                    w[s.word] |= 1L << s.keyShift;
                }
                continue;
            }
            long m = s.fieldBit >= 64 ? maskHigh >>> (s.fieldBit - 64) : maskLow >>> s.fieldBit;
            w[s.word] |= (m << s.keyShift) & s.keyBits();
        }
    }

    /** ORs into mask words {@code w} every key bit of the field. */
    public void orMask(long[] w) {
        orMask(w, widthMaskHigh(), widthMaskLow());
    }

    private static final Map<String, MatchField> BY_NAME;

    static {
        Map<String, MatchField> m = new HashMap<>();
        for (MatchField f : values()) {
            m.put(f.ovsName, f);
            m.put(f.nxmName.toLowerCase(Locale.ROOT), f);
        }
        String[][] aliases = {
            {"dl_src", "eth_src"}, {"dl_dst", "eth_dst"}, {"dl_type", "eth_type"}, {"dl_vlan_pcp", "vlan_pcp"},
            {"nw_src", "ip_src"}, {"nw_dst", "ip_dst"}, {"ipv4_src", "ip_src"}, {"ipv4_dst", "ip_dst"},
            {"nw_proto", "ip_proto"}, {"nw_ecn", "ip_ecn"}, {"nw_frag", "ip_frag"}, {"tun_ipv4_src", "tun_src"},
            {"tun_ipv4_dst", "tun_dst"}, {"tunnel_id", "tun_id"}, {"tunnel_ipv6_src", "tun_ipv6_src"},
            {"tunnel_ipv6_dst", "tun_ipv6_dst"}, {"icmpv4_type", "icmp_type"},
            {"icmpv4_code", "icmp_code"}, {"ipv6_nd_target", "nd_target"}, {"ipv6_nd_sll", "nd_sll"},
            {"ipv6_nd_tll", "nd_tll"}, {"ipv6_flabel", "ipv6_label"}, {"oxm_of_in_port", "in_port"},
            {"oxm_of_vlan_vid", "vlan_vid"}, {"oxm_of_eth_src", "eth_src"}, {"oxm_of_eth_dst", "eth_dst"},
            {"oxm_of_eth_type", "eth_type"}, {"oxm_of_ip_proto", "ip_proto"}, {"oxm_of_ipv4_src", "ip_src"},
            {"oxm_of_ipv4_dst", "ip_dst"}, {"oxm_of_tunnel_id", "tun_id"}, {"oxm_of_ip_ecn", "ip_ecn"},
            {"oxm_of_tcp_src", "tcp_src"}, {"oxm_of_tcp_dst", "tcp_dst"}, {"oxm_of_udp_src", "udp_src"},
            {"oxm_of_udp_dst", "udp_dst"},
        };
        for (String[] a : aliases) {
            m.put(a[0], m.get(a[1]));
        }
        BY_NAME = Collections.unmodifiableMap(m);
    }

    /**
     * The field with this {@code ovs-ofctl} name, alias ({@code dl_src}, {@code nw_src}, {@code tp_*} are not
     * fields: they depend on the protocol) or NXM/OXM name, case-insensitive; null when there is none.
     */
    public static MatchField byName(String name) {
        return BY_NAME.get(name.toLowerCase(Locale.ROOT));
    }
}
