package org.vswitch4j.tunnel;

import java.net.Inet6Address;
import java.util.HexFormat;
import org.vswitch4j.core.packet.Checksums;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.port.TunnelHeader;

/**
 * A pre-built outer header, pushed per packet: Ethernet, IPv4 or IPv6, then UDP and VXLAN or Geneve, or GRE.
 * What Open vSwitch's {@code tnl_push} carries; built once per (port, remote, key) on the slow path.
 *
 * <pre>
 *  VXLAN (RFC 7348), after UDP:        Geneve (RFC 8926), after UDP:        GRE (RFC 2784/2890), after IP:
 *  |R R R R I R R R| reserved (24)  |  |Ver|Opt Len|O|C| Rsvd| 0x6558    |  |C| |K|S| Rsvd0 |Ver| 0x6558      |
 *  |     VNI (24)      | reserved   |  |     VNI (24)      | reserved   |  | checksum | reserved1 |  (C)      |
 *                                                                          |          key          |  (K)      |
 *                                                                          |    sequence number    |  (S)      |
 * </pre>
 *
 * <p>Per packet, {@link #push}: the template written into the headroom as 8-byte stores, then the lengths, the IPv4 header
 * checksum (from a sum precomputed over the template, plus the per-packet words: RFC 1071 sums compose), the
 * TTL and TOS when inherited from the inner IP header, the UDP source port from a hash of the inner flow
 * (RFC 7348 section 5: entropy for ECMP), and, only when asked for ({@code csum}; always over IPv6, whose UDP
 * checksum RFC 8200 requires), the UDP or GRE checksum, which reads the whole frame. No allocation.
 *
 * <p>MTU policy: an inner frame whose outer IP packet would exceed {@code underlay_mtu} is not pushed:
 * {@link #push} returns false and the datapath drops and counts it (drop reason {@code tunnel_push}, the
 * tunnel port's tx_dropped). With {@code pmtud=true} an IPv4 one with DF is also answered with ICMP
 * "fragmentation needed" ({@link PmtuReplies}). There is no fragmentation; a frame is never truncated.
 *
 * <p>Thread-safety: immutable but for the GRE sequence number and the IPv4 identification of non-DF packets,
 * which are plain fields several poll threads may bump at once (a benign race: a number may repeat).
 */
public final class TunnelEncap implements TunnelHeader {
    static final int ETH = 14;
    static final int UDP = 8;
    static final int VXLAN = 8;
    static final int GENEVE = 8;
    static final int ETHERTYPE_TEB = 0x6558;
    private static final byte[] NO_OPTIONS = {};

    private final TunnelType type;
    private final byte[] template;
    /** The template as big-endian words and where each goes (the last one overlaps its predecessor). */
    private final long[] templateWords;
    private final int[] templateOffsets;
    private final int hlen;
    private final boolean v6;
    /** Outer L4 (UDP or GRE) offset. */
    private final int l4;
    private final int tos;
    private final int ttl;
    /** {@code tos << 8 | ttl} when both are fixed, else -1 (one is inherited per packet). */
    private final int fixedTosTtl;
    private final boolean udp;
    private final boolean df;
    private final boolean udpCsum;
    private final boolean greCsum;
    /** Offset of the GRE sequence number, or -1. */
    private final int seqOff;
    private final int maxIp;
    /** Unfolded sum of the IPv4 header template (per-packet words zero), or of the IPv6 pseudo-header addresses. */
    private final long baseSum;
    private final long key;
    private final String text;
    /** Where ICMP "fragmentation needed" replies go ({@code pmtud=true}), or null: drop and count only. */
    private final PmtuReplies replies;
    private final int remoteV4;
    private final int localV4;
    /** The template's big-endian words at the outer IPv4 header's bytes 0 and 8, and at the UDP header. */
    private final long word14;
    private final long word22;
    private final long wordUdp;

    // Racy by design (see the class comment).
    private int sequence;
    private int ipId;

    /**
     * The header for {@code cfg}'s tunnel to {@code remote} (4 or 16 bytes, of the configuration's family) with
     * {@code key} (for GRE without a key field: {@code key} 0 and no fixed key configured), between Ethernet
     * addresses {@code srcMac} and {@code dstMac} (ignored by the socket underlay, which starts at the UDP payload).
     */
    public TunnelEncap(TunnelConfig cfg, byte[] remote, long key, long srcMac, long dstMac) {
        this(cfg, remote, key, srcMac, dstMac, NO_OPTIONS);
    }

    /**
     * As {@link #TunnelEncap(TunnelConfig, byte[], long, long, long)}, for Geneve with {@code options}: whole option
     * TLVs (class, type, length, data), a multiple of 4 bytes, at most 252 (RFC 8926's 6-bit length in 4-byte words).
     * The header's C bit is set when one of them has the critical type bit.
     */
    public TunnelEncap(TunnelConfig cfg, byte[] remote, long key, long srcMac, long dstMac, byte[] options) {
        this(cfg, remote, key, srcMac, dstMac, options, null);
    }

    /** As above, with {@code pmtud}'s replies queue (the tunnel port's), or null. */
    TunnelEncap(TunnelConfig cfg, byte[] remote, long key, long srcMac, long dstMac, byte[] options,
                PmtuReplies replies) {
        this.replies = replies;
        this.type = cfg.type();
        if (options.length != 0 && (type != TunnelType.GENEVE || options.length % 4 != 0 || options.length > 252)) {
            throw new IllegalArgumentException("options of " + options.length + " bytes: only Geneve carries options,"
                    + " a multiple of 4 bytes up to 252");
        }
        this.v6 = cfg.local() instanceof Inet6Address;
        if (remote.length != (v6 ? 16 : 4)) {
            throw new IllegalArgumentException("remote address of " + remote.length + " bytes for an IPv" + (v6 ? 6 : 4)
                    + " underlay");
        }
        if (key < 0 || key > type.maxKey()) {
            throw new IllegalArgumentException("key " + key + " is outside 0.." + type.maxKey() + " for " + type.ovsName());
        }
        this.key = key;
        int ipHdr = v6 ? 40 : 20;
        this.l4 = ETH + ipHdr;
        boolean greKey = type == TunnelType.GRE && (cfg.key() != 0 || key != 0);
        int tunLen = switch (type) {
            case VXLAN -> UDP + VXLAN;
            case GENEVE -> UDP + GENEVE + options.length;
            case GRE -> 4 + (cfg.csum() ? 4 : 0) + (greKey ? 4 : 0) + (cfg.seq() ? 4 : 0);
        };
        this.hlen = l4 + tunLen;
        this.tos = cfg.tos();
        this.ttl = cfg.ttl();
        this.fixedTosTtl = tos >= 0 && ttl >= 0 ? tos << 8 | ttl : -1;
        this.udp = type.udp();
        this.df = cfg.dfDefault();
        this.udpCsum = type.udp() && (cfg.csum() || v6);
        this.greCsum = type == TunnelType.GRE && cfg.csum();
        this.maxIp = cfg.underlayMtu();
        byte[] t = new byte[hlen];
        put48(t, 0, dstMac);
        put48(t, 6, srcMac);
        put16(t, 12, v6 ? 0x86dd : 0x0800);
        byte[] local = cfg.local().getAddress();
        int proto = type.udp() ? 17 : 47;
        if (v6) {
            t[ETH] = 0x60;
            t[ETH + 6] = (byte) proto;
            System.arraycopy(local, 0, t, ETH + 8, 16);
            System.arraycopy(remote, 0, t, ETH + 24, 16);
        } else {
            t[ETH] = 0x45;
            put16(t, ETH + 6, df ? 0x4000 : 0);
            t[ETH + 9] = (byte) proto;
            System.arraycopy(local, 0, t, ETH + 12, 4);
            System.arraycopy(remote, 0, t, ETH + 16, 4);
        }
        int seq = -1;
        switch (type) {
            case VXLAN -> {
                put16(t, l4 + 2, cfg.dstPort());
                t[l4 + UDP] = 0x08; // I: the VNI is valid
                put32(t, l4 + UDP + 4, (int) (key << 8));
            }
            case GENEVE -> {
                put16(t, l4 + 2, cfg.dstPort());
                // Version 0, option length in 4-byte words, not a control packet, C when an option is critical.
                boolean critical = false;
                int o = 0;
                while (o < options.length) {
                    if (o + 4 > options.length || o + 4 + 4 * (options[o + 3] & 0x1f) > options.length) {
                        throw new IllegalArgumentException("option TLV at byte " + o + " overruns the "
                                + options.length + " option bytes");
                    }
                    critical |= (options[o + 2] & 0x80) != 0;
                    o += 4 + 4 * (options[o + 3] & 0x1f);
                }
                t[l4 + UDP] = (byte) (options.length / 4);
                t[l4 + UDP + 1] = (byte) (critical ? 0x40 : 0);
                put16(t, l4 + UDP + 2, ETHERTYPE_TEB);
                put32(t, l4 + UDP + 4, (int) (key << 8));
                System.arraycopy(options, 0, t, l4 + UDP + GENEVE, options.length);
            }
            case GRE -> {
                int flags = (cfg.csum() ? 0x8000 : 0) | (greKey ? 0x2000 : 0) | (cfg.seq() ? 0x1000 : 0);
                put16(t, l4, flags);
                put16(t, l4 + 2, ETHERTYPE_TEB);
                int o = l4 + 4 + (cfg.csum() ? 4 : 0);
                if (greKey) {
                    put32(t, o, (int) key);
                    o += 4;
                }
                if (cfg.seq()) {
                    seq = o;
                }
            }
        }
        this.seqOff = seq;
        this.template = t;
        // The template is stored as 8-byte words before push writes its per-packet words; bytes those always
        // rewrite whole (IPv4's 14..29, the UDP header) need no template store, so cover only the others.
        boolean[] rewritten = new boolean[hlen];
        if (!v6) {
            java.util.Arrays.fill(rewritten, ETH, ETH + 16, true);
        }
        if (type.udp()) {
            java.util.Arrays.fill(rewritten, l4, l4 + 8, true);
        }
        int[] offs = new int[hlen];
        int words = 0;
        for (int b = 0; b < hlen; b++) {
            if (!rewritten[b]) {
                int at = Math.min(b, hlen - 8);
                offs[words++] = at;
                b = at + 7;
            }
        }
        this.templateWords = new long[words];
        this.templateOffsets = java.util.Arrays.copyOf(offs, words);
        for (int i = 0; i < words; i++) {
            templateWords[i] = be64(t, templateOffsets[i]);
        }
        this.word14 = be64(t, ETH);
        this.word22 = be64(t, ETH + 8);
        this.wordUdp = type.udp() ? be64(t, l4) : 0;
        this.baseSum = v6 ? Checksums.sum(t, ETH + 8, 32) + proto : Checksums.sum(t, ETH, 20);
        this.text = describe(cfg, remote);
        this.remoteV4 = v6 ? 0 : Ip4.toInt(remote);
        this.localV4 = v6 ? 0 : Ip4.toInt(local);
    }

    /** The header's length in bytes (outer Ethernet included). */
    public int length() {
        return hlen;
    }

    /** The key (VNI, GRE key) the header carries. */
    public long key() {
        return key;
    }

    /** The template bytes, per-packet fields zero (tests, dumps). */
    public byte[] template() {
        return template.clone();
    }

    /** The largest inner frame this header accepts (the underlay MTU minus the outer IP, UDP/GRE and tunnel headers). */
    public int maxInnerFrame() {
        return maxIp - (hlen - ETH);
    }

    /**
     * Pushes the header (see the class comment). Small on purpose (under the JIT's 325-byte limit for inlining a hot
     * call): the per-packet work of the common case is here, the rest (inherited TOS/TTL, checksums, GRE fields,
     * IPv6) in methods of their own, so that the datapath's loop can inline it.
     */
    @Override
    public boolean push(Packet p) {
        int inner = p.length();
        int ipLen = hlen - ETH + inner;
        if (ipLen > maxIp || inner < ETH) {
            if (replies != null && inner >= ETH) {
                replies.fragNeeded(p, maxInnerFrame() - ETH, key, remoteV4, localV4);
            }
            return false;
        }
        int innerType = p.u16(12);
        int tosTtl = fixedTosTtl >= 0 ? fixedTosTtl : inheritedTosTtl(p, inner, innerType);
        int hash = udp ? flowHash(p, inner, innerType) : 0;
        if (!p.adjustHead(hlen)) {
            return false;
        }
        // The template as 8-byte stores (some overlapping), cheaper than a bulk copy for ~50 bytes; only the words
        // the stores below do not rewrite whole (4 for VXLAN over IPv4, against 7 for the whole header).
        long[] tw = templateWords;
        int[] to = templateOffsets;
        for (int i = 0; i < tw.length; i++) {
            p.i64(to[i], tw[i]);
        }
        int l3Payload = ipLen - (v6 ? 40 : 20);
        if (v6) {
            ipv6(p, tosTtl, l3Payload);
        } else {
            ipv4(p, tosTtl, ipLen);
        }
        if (udp) {
            // RFC 7348: a source port from a hash of the inner headers, in the dynamic range 49152..65535. One store
            // of source port, destination port, length and (zero) checksum.
            p.i64(l4, wordUdp | (long) (0xc000 | (hash & 0x3fff)) << 48 | (long) l3Payload << 16);
            if (udpCsum) {
                udpChecksum(p, l3Payload);
            }
        } else {
            gre(p, l3Payload);
        }
        return true;
    }

    /** TOS and TTL ({@code tos << 8 | ttl}) where one of them is inherited from the inner IPv4 or IPv6 header. */
    private int inheritedTosTtl(Packet p, int inner, int innerType) {
        int iTos = 0;
        int iTtl = 64;
        if (innerType == 0x0800 && inner >= ETH + 20) {
            iTos = p.u8(ETH + 1);
            iTtl = p.u8(ETH + 8);
        } else if (innerType == 0x86dd && inner >= ETH + 40) {
            iTos = (p.u16(ETH) >>> 4) & 0xff;
            iTtl = p.u8(ETH + 7);
        }
        return (tos < 0 ? iTos : tos) << 8 | (ttl < 0 ? iTtl : ttl);
    }

    /** The outer IPv4 header's per-packet words: two 8-byte stores over the template (version..flags, TTL..source). */
    private void ipv4(Packet p, int tosTtl, int ipLen) {
        int outTos = tosTtl >>> 8;
        int outTtl = tosTtl & 0xff;
        long sum = baseSum + ipLen + outTos + ((long) outTtl << 8);
        long id = 0;
        if (!df) {
            id = ++ipId & 0xffff;
            sum += id;
        }
        p.i64(ETH, word14 | (long) outTos << 48 | (long) ipLen << 32 | id << 16);
        p.i64(ETH + 8, word22 | (long) outTtl << 56 | (long) Checksums.finish(sum) << 32);
    }

    private void ipv6(Packet p, int tosTtl, int l3Payload) {
        p.u32(ETH, 0x6000_0000L | ((long) (tosTtl >>> 8) << 20));
        p.u16(ETH + 4, l3Payload);
        p.u8(ETH + 7, tosTtl & 0xff);
    }

    private void udpChecksum(Packet p, int l3Payload) {
        long pseudo = v6 ? baseSum + l3Payload
                : Checksums.pseudoHeaderV4(p.i32(ETH + 12), p.i32(ETH + 16), 17, l3Payload);
        int c = Checksums.finish(pseudo + Checksums.sum(p, l4, l3Payload));
        p.u16(l4 + 6, c == 0 ? 0xffff : c); // 0 means "no checksum" in UDP
    }

    private void gre(Packet p, int l3Payload) {
        if (seqOff >= 0) {
            p.u32(seqOff, Integer.toUnsignedLong(sequence++));
        }
        if (greCsum) {
            p.u16(l4 + 4, Checksums.finish(Checksums.sum(p, l4, l3Payload)));
        }
    }

    /**
     * A hash of the inner flow: IPv4 addresses, protocol and (TCP, UDP, SCTP, no options) ports; else the
     * Ethernet addresses and type. Packets of one flow get one source port, so the underlay keeps them in order.
     */
    static int flowHash(Packet p, int len, int innerType) {
        long h;
        if (innerType == 0x0800 && len >= ETH + 20) {
            int proto = p.u8(ETH + 9);
            long ports = (proto == 6 || proto == 17 || proto == 132) && p.u8(ETH) == 0x45 && len >= ETH + 24
                    ? p.u32(ETH + 20) : 0;
            h = p.i64(ETH + 12) ^ (ports * 0x9E37_79B9_7F4A_7C15L) ^ proto;
        } else {
            h = p.i64(0) ^ (p.u32(8) << 16 | innerType) * 0xC2B2_AE3D_27D4_EB4FL;
        }
        h ^= h >>> 33;
        h *= 0xFF51_AFD7_ED55_8CCDL;
        h ^= h >>> 33;
        h *= 0xC4CE_B9FE_1A85_EC53L;
        h ^= h >>> 33;
        return (int) h;
    }

    private String describe(TunnelConfig cfg, byte[] remote) {
        return type.ovsName() + "(src=" + addr(cfg.local().getAddress()) + ",dst=" + addr(remote)
                + (type.udp() ? ",dst_port=" + cfg.dstPort() : "") + ",key=" + key + ",tos="
                + (tos < 0 ? "inherit" : tos) + ",ttl=" + (ttl < 0 ? "inherit" : ttl) + (df ? ",df" : "")
                + (cfg.csum() ? ",csum" : "") + "),hdr=" + HexFormat.of().formatHex(template);
    }

    /** An address as Open vSwitch prints it: IPv6 in RFC 5952's short form (the longest run of zero groups as ::). */
    static String addr(byte[] a) {
        if (a.length == 4) {
            return Ip4.address(a).getHostAddress();
        }
        int bestAt = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && a[2 * j] == 0 && a[2 * j + 1] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestAt = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestAt) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString((a[2 * i] & 0xff) << 8 | (a[2 * i + 1] & 0xff)));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return text;
    }

    static long be64(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static void put32(byte[] b, int off, int v) {
        put16(b, off, v >>> 16);
        put16(b, off + 2, v);
    }

    static void put48(byte[] b, int off, long v) {
        put16(b, off, (int) (v >>> 32));
        put32(b, off + 2, (int) v);
    }
}
