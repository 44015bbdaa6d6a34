package org.vswitch4j.core.key;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;

/**
 * A random, well-formed frame described by its field values: the reference of the parser property test.
 * {@link #builder()} makes the frame with {@link FrameBuilder}; {@link #expectedKey()} says, from the same
 * values and {@link FlowField} alone (no parser code), what the parser must find.
 */
final class FrameSpec {
    enum L3 { OTHER, LENGTH, ARP, IPV4, IPV6 }

    enum L4 { OTHER, TCP, UDP, SCTP, ICMP, ICMP6, ND_NS, ND_NA }

    /** One IPv6 extension header: type 0/43/60/51/44 and its parameters. */
    record Ext(int type, int len, int a, int b) {
        int bytes() {
            return switch (type) {
                case 51 -> (len + 2) * 4;
                case 44 -> 8;
                default -> (len + 1) * 8;
            };
        }
    }

    private static final int[] OTHER_TYPES = {0x88B5, 0x88CC, 0x8847, 0x9000, 0x0600, 0xFFFF, 0x8035};
    private static final int[] OTHER_PROTOS = {47, 50, 59, 103, 253, 2, 89};
    private static final int[] ICMP6_TYPES = {1, 2, 3, 4, 128, 129, 130, 131, 133, 134, 137, 143};

    final long seed;
    long ethSrc;
    long ethDst;
    int[] tpid = new int[0];
    int[] tci = new int[0];
    L3 l3;
    L4 l4 = L4.OTHER;
    int otherType;
    int otherProto;
    // ARP
    boolean arpStd;
    int arpHtype;
    int arpPtype;
    int arpHlen;
    int arpPlen;
    int arpOp;
    long sha;
    long tha;
    int spa;
    int tpa;
    // IP
    int dscp;
    int ecn;
    int ttl;
    int ip4Src;
    int ip4Dst;
    int ipId;
    boolean df;
    boolean mf;
    int fragOffset;
    int ipOptLen;
    byte[] ip6Src;
    byte[] ip6Dst;
    int label;
    List<Ext> exts = new ArrayList<>();
    // L4
    int sport;
    int dport;
    int tcpFlags;
    int tcpOptLen;
    int icmpType;
    int icmpCode;
    byte[] target;
    long sll = -1;
    long tll = -1;
    boolean nonceOption;
    int payload;
    int padTo;

    private FrameSpec(long seed) {
        this.seed = seed;
    }

    static FrameSpec random(long seed) {
        Random r = new Random(seed);
        FrameSpec s = new FrameSpec(seed);
        s.ethSrc = r.nextLong() & 0xFFFF_FFFF_FFFFL;
        s.ethDst = r.nextLong() & 0xFFFF_FFFF_FFFFL;
        int tags = pick(r, 0, 0, 0, 1, 1, 2, 2, 3);
        s.tpid = new int[tags];
        s.tci = new int[tags];
        for (int i = 0; i < tags; i++) {
            s.tpid[i] = r.nextBoolean() ? 0x8100 : 0x88A8;
            s.tci[i] = r.nextInt(0x10000);
        }
        s.l3 = tags == 3 ? L3.OTHER : L3.values()[pick(r, 0, 1, 2, 3, 3, 3, 4, 4, 4)];
        s.payload = r.nextInt(4) == 0 ? 0 : r.nextInt(64);
        s.padTo = r.nextBoolean() ? 60 : 0;
        switch (s.l3) {
            case OTHER -> s.otherType = OTHER_TYPES[r.nextInt(OTHER_TYPES.length)];
            case LENGTH -> { }
            case ARP -> {
                s.arpStd = r.nextInt(5) != 0;
                s.arpHtype = s.arpStd ? 1 : r.nextInt(3);
                s.arpPtype = s.arpStd ? 0x0800 : (r.nextBoolean() ? 0x0800 : 0x86DD);
                s.arpHlen = s.arpStd ? 6 : 6 + r.nextInt(2);
                s.arpPlen = s.arpStd ? 4 : 4 + r.nextInt(2) * 12;
                s.arpStd = s.arpHtype == 1 && s.arpPtype == 0x0800 && s.arpHlen == 6 && s.arpPlen == 4;
                s.arpOp = r.nextInt(4) == 0 ? r.nextInt(0x10000) : 1 + r.nextInt(2);
                s.sha = r.nextLong() & 0xFFFF_FFFF_FFFFL;
                s.tha = r.nextLong() & 0xFFFF_FFFF_FFFFL;
                s.spa = r.nextInt();
                s.tpa = r.nextInt();
            }
            case IPV4, IPV6 -> randomIp(r, s);
        }
        return s;
    }

    private static void randomIp(Random r, FrameSpec s) {
        s.dscp = r.nextInt(64);
        s.ecn = r.nextInt(4);
        s.ttl = r.nextInt(256);
        if (s.l3 == L3.IPV4) {
            s.ip4Src = r.nextInt();
            s.ip4Dst = r.nextInt();
            s.ipId = r.nextInt(0x10000);
            s.df = r.nextBoolean();
            int frag = pick(r, 0, 0, 0, 1, 2, 3);
            s.mf = frag == 1 || frag == 3;
            s.fragOffset = frag >= 2 ? 1 + r.nextInt(0x1FFF) : 0;
            s.ipOptLen = r.nextInt(3) == 0 ? 4 * r.nextInt(11) : 0;
            s.l4 = L4.values()[pick(r, 0, 1, 1, 2, 2, 3, 4)];
        } else {
            s.ip6Src = new byte[16];
            s.ip6Dst = new byte[16];
            r.nextBytes(s.ip6Src);
            r.nextBytes(s.ip6Dst);
            s.label = r.nextInt(0x100000);
            int n = pick(r, 0, 0, 1, 1, 2, 3, 4);
            for (int i = 0; i < n; i++) {
                int type = new int[] {0, 43, 60, 51, 44}[r.nextInt(5)];
                int off = r.nextInt(3) == 0 ? 1 + r.nextInt(0x1FFF) : 0;
                s.exts.add(switch (type) {
                    case 44 -> new Ext(44, 0, off, r.nextBoolean() ? 1 : 0);
                    case 51 -> new Ext(51, 1 + r.nextInt(6), 0, 0);
                    case 43 -> new Ext(43, r.nextInt(3), r.nextInt(256), r.nextInt(256));
                    default -> new Ext(type, r.nextInt(3), 0, 0);
                });
            }
            s.l4 = L4.values()[pick(r, 0, 1, 1, 2, 2, 3, 5, 6, 7)];
        }
        s.otherProto = OTHER_PROTOS[r.nextInt(OTHER_PROTOS.length)];
        s.sport = r.nextInt(0x10000);
        s.dport = r.nextInt(0x10000);
        s.tcpFlags = r.nextInt(0x1000);
        s.tcpOptLen = r.nextInt(3) == 0 ? 4 * r.nextInt(11) : 0;
        s.icmpType = s.l4 == L4.ICMP6 ? ICMP6_TYPES[r.nextInt(ICMP6_TYPES.length)] : r.nextInt(256);
        s.icmpCode = r.nextInt(256);
        if (s.l4 == L4.ND_NS || s.l4 == L4.ND_NA) {
            s.target = new byte[16];
            r.nextBytes(s.target);
            if (r.nextBoolean()) {
                s.sll = r.nextLong() & 0xFFFF_FFFF_FFFFL;
            }
            if (r.nextBoolean()) {
                s.tll = r.nextLong() & 0xFFFF_FFFF_FFFFL;
            }
            s.nonceOption = r.nextInt(3) == 0;
            s.payload = 0;  // bytes after options would be read as options
        }
    }

    private static int pick(Random r, int... choices) {
        return choices[r.nextInt(choices.length)];
    }

    // ---- the frame --------------------------------------------------------------------------------------

    FrameBuilder builder() {
        FrameBuilder b = FrameBuilder.ethernet(ethSrc, ethDst);
        for (int i = 0; i < tpid.length; i++) {
            b.vlan(tpid[i], tci[i] >>> 13, (tci[i] >>> 12) & 1, tci[i] & 0xFFF);
        }
        switch (l3) {
            case OTHER -> {
                if (tpid.length < 3) {
                    b.ethType(otherType);
                } else {
                    b.ethType(0x0800);  // behind a third tag: must not be parsed
                }
            }
            case LENGTH -> b.ethType(payload);
            case ARP -> b.arp(arpOp, sha, spa, tha, tpa).arpFormat(arpHtype, arpPtype, arpHlen, arpPlen);
            case IPV4 -> {
                b.ipv4(ip4Src, ip4Dst).tos(dscp, ecn).ttl(ttl).ipId(ipId).fragOffset(fragOffset);
                if (df) {
                    b.df();
                }
                if (mf) {
                    b.mf();
                }
                if (ipOptLen > 0) {
                    byte[] o = new byte[ipOptLen];
                    java.util.Arrays.fill(o, (byte) 1);  // NOPs
                    b.ipOptions(o);
                }
            }
            case IPV6 -> {
                b.ipv6(ip6Src, ip6Dst).tos(dscp, ecn).hopLimit(ttl).flowLabel(label);
                for (Ext e : exts) {
                    switch (e.type) {
                        case 44 -> b.fragment6(e.a, e.b == 1, 0x12345678);
                        case 51 -> b.ah(e.len);
                        case 43 -> b.routing(e.a, e.b, e.len);
                        default -> b.extension(e.type, e.len);
                    }
                }
            }
        }
        if (l3 == L3.IPV4 || l3 == L3.IPV6) {
            switch (l4) {
                case OTHER -> b.ipProto(otherProto);
                case TCP -> {
                    b.tcp(sport, dport, tcpFlags);
                    if (tcpOptLen > 0) {
                        b.tcpOptions(new byte[tcpOptLen]);
                    }
                }
                case UDP -> b.udp(sport, dport);
                case SCTP -> b.sctp(sport, dport);
                case ICMP -> b.icmp4(icmpType, icmpCode);
                case ICMP6 -> b.icmp6(icmpType, icmpCode);
                case ND_NS, ND_NA -> {
                    if (l4 == L4.ND_NS) {
                        b.ndNs(target);
                    } else {
                        b.ndNa(target, 0x6000_0000);
                    }
                    if (nonceOption) {
                        b.ndOption(14, new byte[6]);
                    }
                    if (sll >= 0) {
                        b.sll(sll);
                    }
                    if (tll >= 0) {
                        b.tll(tll);
                    }
                }
            }
        }
        if (payload > 0) {
            b.payload(payload);
        }
        return b.padTo(padTo);
    }

    /** Where the Ethernet header and tags end (the parser's l3Offset). */
    int l3Offset() {
        return 14 + 4 * Math.min(tpid.length, 2);
    }

    private int ipHeaderBytes() {
        if (l3 == L3.IPV4) {
            return 20 + ipOptLen;
        }
        int n = 40;
        for (Ext e : exts) {
            n += e.bytes();
            if (e.type == 44 && e.a != 0) {
                break;
            }
        }
        return n;
    }

    private boolean laterFragment() {
        if (l3 == L3.IPV4) {
            return fragOffset != 0;
        }
        for (Ext e : exts) {
            if (e.type == 44 && e.a != 0) {
                return true;
            }
        }
        return false;
    }

    int expectedL3() {
        return l3Offset();
    }

    int expectedL4() {
        if ((l3 != L3.IPV4 && l3 != L3.IPV6) || laterFragment()) {
            return Packet.ABSENT;
        }
        return l3Offset() + ipHeaderBytes();
    }

    /** The L4 protocol number the chain ends with. */
    private int l4Proto() {
        return switch (l4) {
            case OTHER -> otherProto;
            case TCP -> 6;
            case UDP -> 17;
            case SCTP -> 132;
            case ICMP -> 1;
            case ICMP6, ND_NS, ND_NA -> 58;
        };
    }

    /** ip_proto as the parser must see it: the next header after the last skipped extension header. */
    private int expectedProto() {
        if (l3 == L3.IPV4) {
            return l4Proto();
        }
        for (int i = 0; i < exts.size(); i++) {
            Ext e = exts.get(i);
            if (e.type == 44 && e.a != 0) {
                return i + 1 < exts.size() ? exts.get(i + 1).type : l4Proto();
            }
        }
        return l4Proto();
    }

    FlowKey expectedKey() {
        FlowKey k = new FlowKey();
        k.set(FlowField.ETH_SRC, ethSrc);
        k.set(FlowField.ETH_DST, ethDst);
        if (tpid.length >= 1) {
            k.set(FlowField.VLAN0, ((long) tpid[0] << 16) | tci[0]);
        }
        if (tpid.length >= 2) {
            k.set(FlowField.VLAN1, ((long) tpid[1] << 16) | tci[1]);
        }
        switch (l3) {
            case OTHER -> k.set(FlowField.ETH_TYPE, tpid.length == 3 ? tpid[2] : otherType);
            case LENGTH -> k.set(FlowField.ETH_TYPE, FlowKey.ETH_TYPE_NONE);
            case ARP -> {
                k.set(FlowField.ETH_TYPE, 0x0806);
                if (arpStd) {
                    k.set(FlowField.ARP_OP, arpOp <= 255 ? arpOp : 0);
                    k.set(FlowField.ARP_SPA, Integer.toUnsignedLong(spa));
                    k.set(FlowField.ARP_TPA, Integer.toUnsignedLong(tpa));
                    k.set(FlowField.ARP_SHA, sha);
                    k.set(FlowField.ARP_THA, tha);
                }
            }
            case IPV4, IPV6 -> ipFields(k);
        }
        return k;
    }

    private void ipFields(FlowKey k) {
        boolean v4 = l3 == L3.IPV4;
        k.set(FlowField.ETH_TYPE, v4 ? 0x0800 : 0x86DD);
        if (v4) {
            k.set(FlowField.IPV4_SRC, Integer.toUnsignedLong(ip4Src));
            k.set(FlowField.IPV4_DST, Integer.toUnsignedLong(ip4Dst));
        } else {
            k.w[FlowKey.W_IPV6_SRC] = be64(ip6Src, 0);
            k.w[FlowKey.W_IPV6_SRC + 1] = be64(ip6Src, 8);
            k.w[FlowKey.W_IPV6_DST] = be64(ip6Dst, 0);
            k.w[FlowKey.W_IPV6_DST + 1] = be64(ip6Dst, 8);
            k.set(FlowField.IPV6_LABEL, label);
        }
        k.set(FlowField.IP_DSCP, dscp);
        k.set(FlowField.IP_ECN, ecn);
        k.set(FlowField.IP_TTL, ttl);
        k.set(FlowField.IP_PROTO, expectedProto());
        int frag = laterFragment() ? FlowKey.FRAG_ANY | FlowKey.FRAG_LATER : 0;
        if (v4 && mf) {
            frag |= FlowKey.FRAG_ANY;
        }
        if (!v4) {
            // Any fragment header up to the one that stops the parse (later ones are not seen).
            for (Ext e : exts) {
                if (e.type == 44) {
                    frag |= FlowKey.FRAG_ANY;
                    if (e.a != 0) {
                        break;
                    }
                }
            }
        }
        k.set(FlowField.IP_FRAG, frag);
        if (laterFragment()) {
            return;
        }
        switch (l4) {
            case OTHER -> { }
            case TCP -> {
                k.set(FlowField.TP_SRC, sport);
                k.set(FlowField.TP_DST, dport);
                k.set(FlowField.TCP_FLAGS, tcpFlags);
            }
            case UDP, SCTP -> {
                k.set(FlowField.TP_SRC, sport);
                k.set(FlowField.TP_DST, dport);
            }
            case ICMP, ICMP6 -> {
                k.set(FlowField.ICMP_TYPE, icmpType);
                k.set(FlowField.ICMP_CODE, icmpCode);
            }
            case ND_NS, ND_NA -> {
                k.set(FlowField.ICMP_TYPE, l4 == L4.ND_NS ? 135 : 136);
                k.set(FlowField.ICMP_CODE, 0);
                k.w[FlowKey.W_ND_TARGET] = be64(target, 0);
                k.w[FlowKey.W_ND_TARGET + 1] = be64(target, 8);
                k.set(FlowField.ND_SLL, Math.max(sll, 0));
                k.set(FlowField.ND_TLL, Math.max(tll, 0));
            }
        }
    }

    /**
     * The shortest prefix of the frame that parses OK: the end of the IP datagram (its lengths must fit),
     * of the ARP message, or of the EtherType.
     */
    int needed(byte[] frame) {
        return switch (l3) {
            case OTHER, LENGTH -> l3Offset();
            case ARP -> l3Offset() + 28;
            case IPV4, IPV6 -> unpaddedLength(frame);
        };
    }

    private int unpaddedLength(byte[] frame) {
        FrameBuilder b = builder().padTo(0);
        return b.build().length;
    }

    private static long be64(byte[] b, int o) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[o + i] & 0xFF);
        }
        return v;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("frame(tags=").append(tpid.length).append(", l3=").append(l3);
        if (l3 == L3.IPV6) {
            sb.append(", exts=").append(exts);
        }
        if (l3 == L3.IPV4) {
            sb.append(", mf=").append(mf).append(", fragOffset=").append(fragOffset).append(", ipOpt=").append(ipOptLen);
        }
        if (l3 == L3.IPV4 || l3 == L3.IPV6) {
            sb.append(", l4=").append(l4);
        }
        sb.append(", payload=").append(payload).append(", padTo=").append(padTo).append(')');
        return sb.toString();
    }

    static String hex(byte[] f) {
        return HexFormat.of().formatHex(f);
    }
}
