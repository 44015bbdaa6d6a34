package org.vswitch4j.core.key;

/**
 * Every field of a {@link FlowKey}: its Open vSwitch name, the word it lives in, its bit position and its
 * width. Fields of 128 bits (IPv6 addresses, ND target) span two consecutive words, high word first.
 *
 * <p>Several names share bits where Open vSwitch stores them in one place: ARP spa/tpa in the IPv4 address
 * bits, the ARP opcode in ip_proto, ICMP type/code in tp_src/tp_dst, ND sll/tll in arp_sha/arp_tha. Which
 * meaning applies follows from eth_type and ip_proto (the prerequisites).
 */
public enum FlowField {
    IN_PORT("in_port", FlowKey.W_IN_PORT, 0, 32),
    ETH_DST("eth_dst", FlowKey.W_ETH_DST, 0, 48),
    ETH_SRC("eth_src", FlowKey.W_ETH_SRC, 0, 48),
    ETH_TYPE("eth_type", FlowKey.W_ETH_TYPE, 0, 16),
    /** Outer tag, tpid(16) and tci(16); 0 when untagged. */
    VLAN0("vlan0", FlowKey.W_VLAN, 32, 32),
    VLAN0_TPID("vlan0_tpid", FlowKey.W_VLAN, 48, 16),
    VLAN0_PCP("vlan_pcp", FlowKey.W_VLAN, 45, 3),
    VLAN0_DEI("vlan_dei", FlowKey.W_VLAN, 44, 1),
    VLAN0_VID("vlan_vid", FlowKey.W_VLAN, 32, 12),
    /** Inner tag, tpid(16) and tci(16); 0 when absent. */
    VLAN1("vlan1", FlowKey.W_VLAN, 0, 32),
    VLAN1_TPID("vlan1_tpid", FlowKey.W_VLAN, 16, 16),
    VLAN1_PCP("vlan1_pcp", FlowKey.W_VLAN, 13, 3),
    VLAN1_DEI("vlan1_dei", FlowKey.W_VLAN, 12, 1),
    VLAN1_VID("vlan1_vid", FlowKey.W_VLAN, 0, 12),
    IPV4_SRC("ip_src", FlowKey.W_NW, 32, 32),
    IPV4_DST("ip_dst", FlowKey.W_NW, 0, 32),
    ARP_SPA("arp_spa", FlowKey.W_NW, 32, 32),
    ARP_TPA("arp_tpa", FlowKey.W_NW, 0, 32),
    IPV6_LABEL("ipv6_label", FlowKey.W_IP, 32, 20),
    IP_FRAG("ip_frag", FlowKey.W_IP, 24, 8),
    IP_TTL("nw_ttl", FlowKey.W_IP, 16, 8),
    IP_TOS("nw_tos", FlowKey.W_IP, 8, 8),
    IP_DSCP("ip_dscp", FlowKey.W_IP, 10, 6),
    IP_ECN("ip_ecn", FlowKey.W_IP, 8, 2),
    IP_PROTO("ip_proto", FlowKey.W_IP, 0, 8),
    ARP_OP("arp_op", FlowKey.W_IP, 0, 8),
    TP_SRC("tp_src", FlowKey.W_TP, 48, 16),
    TP_DST("tp_dst", FlowKey.W_TP, 32, 16),
    TCP_FLAGS("tcp_flags", FlowKey.W_TP, 0, 16),
    ICMP_TYPE("icmp_type", FlowKey.W_TP, 48, 16),
    ICMP_CODE("icmp_code", FlowKey.W_TP, 32, 16),
    IPV6_SRC("ipv6_src", FlowKey.W_IPV6_SRC, 0, 128),
    IPV6_DST("ipv6_dst", FlowKey.W_IPV6_DST, 0, 128),
    ARP_SHA("arp_sha", FlowKey.W_ARP_SHA, 0, 48),
    ARP_THA("arp_tha", FlowKey.W_ARP_THA, 0, 48),
    ND_SLL("nd_sll", FlowKey.W_ARP_SHA, 0, 48),
    ND_TLL("nd_tll", FlowKey.W_ARP_THA, 0, 48),
    ND_TARGET("nd_target", FlowKey.W_ND_TARGET, 0, 128),
    TUN_ID("tun_id", FlowKey.W_TUN_ID, 0, 64),
    TUN_SRC("tun_src", FlowKey.W_TUN_IP, 32, 32),
    TUN_DST("tun_dst", FlowKey.W_TUN_IP, 0, 32),
    /** Which of tun_metadata0..3 the packet carries (bit n: tun_metadata n); set with the field. */
    TUN_METADATA_PRESENT("tun_metadata_present", FlowKey.W_TUN_FLAGS, 0, FlowKey.TUN_METADATA_FIELDS),
    /** Set when the tunnel's underlay is IPv6 (implied by tun_ipv6_src/dst; see {@link FlowKey}). */
    TUN_IPV6("tun_ipv6", FlowKey.W_TUN_FLAGS, 8, 1),
    TUN_IPV6_SRC("tun_ipv6_src", FlowKey.W_TUN_IPV6_SRC, 0, 128),
    TUN_IPV6_DST("tun_ipv6_dst", FlowKey.W_TUN_IPV6_DST, 0, 128),
    TUN_METADATA0("tun_metadata0", FlowKey.W_TUN_METADATA, 0, 64),
    TUN_METADATA1("tun_metadata1", FlowKey.W_TUN_METADATA + 1, 0, 64),
    TUN_METADATA2("tun_metadata2", FlowKey.W_TUN_METADATA + 2, 0, 64),
    TUN_METADATA3("tun_metadata3", FlowKey.W_TUN_METADATA + 3, 0, 64),
    METADATA("metadata", FlowKey.W_METADATA, 0, 64),
    REG0("reg0", FlowKey.W_REGS, 32, 32), REG1("reg1", FlowKey.W_REGS, 0, 32),
    REG2("reg2", FlowKey.W_REGS + 1, 32, 32), REG3("reg3", FlowKey.W_REGS + 1, 0, 32),
    REG4("reg4", FlowKey.W_REGS + 2, 32, 32), REG5("reg5", FlowKey.W_REGS + 2, 0, 32),
    REG6("reg6", FlowKey.W_REGS + 3, 32, 32), REG7("reg7", FlowKey.W_REGS + 3, 0, 32),
    REG8("reg8", FlowKey.W_REGS + 4, 32, 32), REG9("reg9", FlowKey.W_REGS + 4, 0, 32),
    REG10("reg10", FlowKey.W_REGS + 5, 32, 32), REG11("reg11", FlowKey.W_REGS + 5, 0, 32),
    REG12("reg12", FlowKey.W_REGS + 6, 32, 32), REG13("reg13", FlowKey.W_REGS + 6, 0, 32),
    REG14("reg14", FlowKey.W_REGS + 7, 32, 32), REG15("reg15", FlowKey.W_REGS + 7, 0, 32),
    XREG0("xreg0", FlowKey.W_REGS, 0, 64), XREG1("xreg1", FlowKey.W_REGS + 1, 0, 64),
    XREG2("xreg2", FlowKey.W_REGS + 2, 0, 64), XREG3("xreg3", FlowKey.W_REGS + 3, 0, 64),
    XREG4("xreg4", FlowKey.W_REGS + 4, 0, 64), XREG5("xreg5", FlowKey.W_REGS + 5, 0, 64),
    XREG6("xreg6", FlowKey.W_REGS + 6, 0, 64), XREG7("xreg7", FlowKey.W_REGS + 7, 0, 64);

    private final String ovsName;
    private final int word;
    private final int shift;
    private final int width;
    private final long bitsInWord;

    FlowField(String ovsName, int word, int shift, int width) {
        this.ovsName = ovsName;
        this.word = word;
        this.shift = shift;
        this.width = width;
        this.bitsInWord = width >= 64 ? -1L : ((1L << width) - 1) << shift;
    }

    /** The name Open vSwitch gives the field in {@code ovs-ofctl} syntax. */
    public String ovsName() {
        return ovsName;
    }

    /** The (first) word of the key that holds the field. */
    public int word() {
        return word;
    }

    /** Bit position of the field's least significant bit within its word. */
    public int shift() {
        return shift;
    }

    /** Width in bits (up to 128). */
    public int width() {
        return width;
    }

    /** Number of words the field spans (1, or 2 for 128-bit fields). */
    public int words() {
        return width > 64 ? 2 : 1;
    }

    /** The bits the field occupies within its word (all ones for 64- and 128-bit fields). */
    public long bitsInWord() {
        return bitsInWord;
    }

    long get(long[] w) {
        requireNarrow();
        return width == 64 ? w[word] : (w[word] & bitsInWord) >>> shift;
    }

    void set(long[] w, long value) {
        requireNarrow();
        if (width == 64) {
            w[word] = value;
        } else {
            w[word] = (w[word] & ~bitsInWord) | ((value << shift) & bitsInWord);
        }
    }

    void orMask(long[] w, long bits) {
        if (width > 64) {
            w[word] = -1L;
            w[word + 1] = -1L;
        } else if (width == 64) {
            w[word] |= bits;
        } else {
            w[word] |= (bits << shift) & bitsInWord;
        }
    }

    private void requireNarrow() {
        if (width > 64) {
            throw new UnsupportedOperationException(ovsName + " is " + width
                    + " bits wide; read words " + word + " and " + (word + 1) + " of the key");
        }
    }

    /** Fields shown by {@link #format}: one name per bit range, aliases left out. */
    private static final FlowField[] SHOWN = {
        IN_PORT, ETH_SRC, ETH_DST, ETH_TYPE, VLAN0, VLAN1, IPV4_SRC, IPV4_DST, IP_PROTO, IP_TOS, IP_TTL, IP_FRAG,
        IPV6_LABEL, TP_SRC, TP_DST, TCP_FLAGS, IPV6_SRC, IPV6_DST, ARP_SHA, ARP_THA, ND_TARGET, TUN_ID, TUN_SRC,
        TUN_DST, TUN_METADATA_PRESENT, TUN_IPV6, TUN_IPV6_SRC, TUN_IPV6_DST, TUN_METADATA0, TUN_METADATA1,
        TUN_METADATA2, TUN_METADATA3, METADATA, XREG0, XREG1, XREG2, XREG3, XREG4, XREG5, XREG6, XREG7
    };

    /** Non-zero fields of {@code w} as {@code name=0x...}, comma separated; for diagnostics. */
    static String format(long[] w, String ignored) {
        StringBuilder sb = new StringBuilder();
        for (FlowField f : SHOWN) {
            String v;
            if (f.width > 64) {
                if (w[f.word] == 0 && w[f.word + 1] == 0) {
                    continue;
                }
                v = String.format("0x%016x%016x", w[f.word], w[f.word + 1]);
            } else {
                long x = f.get(w);
                if (x == 0) {
                    continue;
                }
                v = "0x" + Long.toHexString(x);
            }
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(f.ovsName).append('=').append(v);
        }
        return sb.toString();
    }
}
