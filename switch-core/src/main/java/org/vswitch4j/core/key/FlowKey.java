package org.vswitch4j.core.key;

import java.util.Arrays;

/**
 * The flow key: every header field the datapath and the pipeline can match on, extracted from one packet,
 * laid out in {@value #WORDS} 64-bit words.
 *
 * <p>Why words: the caches compare, mask and hash keys, and a fixed array of longs lets each of those be a
 * short loop over words (and the exact-match cache a vectorised {@link Arrays#equals(long[], long[])}).
 * Fields never straddle a word. The layout, high bits first within a word:
 *
 * <pre>
 * word  contents
 *  0    in_port (low 32)
 *  1    eth_dst (low 48)
 *  2    eth_src (low 48)
 *  3    eth_type (low 16; 0x05FF for 802.3 length frames, as Open vSwitch)
 *  4    outer VLAN tag: tpid(16) tci(16) | inner tag: tpid(16) tci(16); tpid 0 = no tag
 *  5    nw_src (IPv4 source, ARP spa) (32) | nw_dst (IPv4 destination, ARP tpa) (32)
 *  6    ipv6_label (20, at bit 32) | ip_frag(8) ip_ttl(8) ip_tos(8: dscp&lt;&lt;2|ecn) ip_proto(8: ARP opcode for ARP)
 *  7    tp_src(16) tp_dst(16) | tcp_flags(16, low); ICMP type and code live in tp_src and tp_dst
 *  8-9  ipv6_src (high word first)
 * 10-11 ipv6_dst
 * 12    arp_sha / nd_sll (low 48)
 * 13    arp_tha / nd_tll (low 48)
 * 14-15 nd_target
 * 16    tun_id
 * 17    tun_src (32) | tun_dst (32)  (IPv4 underlay)
 * 18    tunnel flags: bit 8 = IPv6 underlay | bits 0..3: which of tun_metadata0..3 are present
 * 19-20 tun_ipv6_src (IPv6 underlay)
 * 21-22 tun_ipv6_dst
 * 23-26 tun_metadata0..3: mapped Geneve option data, up to 8 bytes each, right-aligned
 * 27    metadata
 * 28-35 registers: word 28+i = xreg i = reg(2i) (high 32) | reg(2i+1) (low 32)
 * </pre>
 *
 * <p>Words 0-15 come from the packet ({@link #PACKET_WORDS}); 16-35 are metadata that ports (tunnels) and
 * the pipeline set.
 *
 * <p>Tunnel words: a tunnel port sets 16..26 from the outer header ({@code Packet#tunnel} and friends). Word 18
 * is never zero when any of 19..26 is not (an IPv6 underlay sets its bit 8, each option its present bit), so a
 * cache may test words 16..18 alone to know a key has no tunnel metadata. Geneve options live here only when a
 * TLV map (Open vSwitch's {@code add-tlv-map}) gives them a field: {@value #TUN_METADATA_FIELDS} fields of up to
 * 8 bytes, 32 bytes in all (Open vSwitch has 64 fields and 256 bytes); a larger bound costs every key, EMC
 * entry and megaflow 8 bytes per field. Adding a field means adding a {@link FlowField} constant; every exhaustive switch over
 * it then fails to compile until the field is handled.
 *
 * <p>Thread-safety: none; a key belongs to one thread.
 */
public final class FlowKey {
    /** Number of 64-bit words in a key. */
    public static final int WORDS = 36;
    /** Words 0..PACKET_WORDS-1 are parsed from the frame. */
    public static final int PACKET_WORDS = 16;

    public static final int W_IN_PORT = 0;
    public static final int W_ETH_DST = 1;
    public static final int W_ETH_SRC = 2;
    public static final int W_ETH_TYPE = 3;
    public static final int W_VLAN = 4;
    public static final int W_NW = 5;
    public static final int W_IP = 6;
    public static final int W_TP = 7;
    public static final int W_IPV6_SRC = 8;
    public static final int W_IPV6_DST = 10;
    public static final int W_ARP_SHA = 12;
    public static final int W_ARP_THA = 13;
    public static final int W_ND_TARGET = 14;
    public static final int W_TUN_ID = 16;
    public static final int W_TUN_IP = 17;
    public static final int W_TUN_FLAGS = 18;
    public static final int W_TUN_IPV6_SRC = 19;
    public static final int W_TUN_IPV6_DST = 21;
    public static final int W_TUN_METADATA = 23;
    public static final int W_METADATA = 27;
    public static final int W_REGS = 28;
    /** Number of Geneve option fields (tun_metadata0..N-1) a key carries. */
    public static final int TUN_METADATA_FIELDS = 4;
    /** The last tunnel word + 1: words {@link #W_TUN_ID}..TUNNEL_END-1 are what a tunnel port sets. */
    public static final int TUNNEL_END = W_TUN_METADATA + TUN_METADATA_FIELDS;
    /** Bit of word {@link #W_TUN_FLAGS}: the tunnel's underlay is IPv6 (tun_ipv6_src/dst hold its addresses). */
    public static final long TUN_FLAG_IPV6 = 1L << 8;

    /** ip_frag bit: the packet is a fragment (any). */
    public static final int FRAG_ANY = 1;
    /** ip_frag bit: the packet is a fragment other than the first. */
    public static final int FRAG_LATER = 2;

    /** eth_type value for 802.3 frames whose type field is a length (as Open vSwitch's FLOW_DL_TYPE_NONE). */
    public static final int ETH_TYPE_NONE = 0x05FF;

    /** The words; public for the caches and the parser, which work on them directly. */
    public final long[] w = new long[WORDS];

    /** A key with every word zero. */
    public FlowKey() {
    }

    /** Zeroes every word. */
    public void clear() {
        Arrays.fill(w, 0L);
    }

    /** Zeroes the words parsed from packets, keeping metadata words (tunnel, metadata, registers). */
    public void clearPacketWords() {
        Arrays.fill(w, 0, PACKET_WORDS, 0L);
    }

    /** Copies every word from {@code other}. */
    public void copyFrom(FlowKey other) {
        System.arraycopy(other.w, 0, w, 0, WORDS);
    }

    /** A copy of this key. */
    public FlowKey copy() {
        FlowKey k = new FlowKey();
        k.copyFrom(this);
        return k;
    }

    /** The value of a field of at most 64 bits. */
    public long get(FlowField f) {
        return f.get(w);
    }

    /** Sets a field of at most 64 bits (the value is truncated to the field's width). */
    public void set(FlowField f, long value) {
        f.set(w, value);
    }

    // ---- common fields, named ---------------------------------------------------------------------

    public int inPort() {
        return (int) w[W_IN_PORT];
    }

    public void inPort(int port) {
        w[W_IN_PORT] = Integer.toUnsignedLong(port);
    }

    public long ethDst() {
        return w[W_ETH_DST];
    }

    public long ethSrc() {
        return w[W_ETH_SRC];
    }

    public int ethType() {
        return (int) w[W_ETH_TYPE];
    }

    /** Outer VLAN tag as tpid&lt;&lt;16 | tci, 0 when untagged. */
    public int vlan0() {
        return (int) (w[W_VLAN] >>> 32);
    }

    /** Inner VLAN tag as tpid&lt;&lt;16 | tci, 0 when there is no second tag. */
    public int vlan1() {
        return (int) w[W_VLAN];
    }

    /** Hash of all words; for tests and slow paths (the caches hash their own way). */
    @Override
    public int hashCode() {
        return Arrays.hashCode(w);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowKey k && Arrays.equals(w, k.w);
    }

    /** The key in {@code ovs-ofctl}-like syntax, non-zero fields only. */
    @Override
    public String toString() {
        return FlowField.format(w, null);
    }
}
