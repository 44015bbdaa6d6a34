package org.vswitch4j.it;

import java.util.Random;
import org.vswitch4j.core.packet.FrameBuilder;

/**
 * One random packet for the Open vSwitch agreement test, drawn from the same small pools of addresses and ports
 * as {@link RuleSet}'s matches so that rules are hit: TCP, UDP, ICMP, ARP or a frame of an unknown EtherType,
 * untagged or with one 802.1Q tag, IPv4 TTL mostly 64 and sometimes 1 or 2 (dec_ttl's exception).
 */
final class PacketSpec {
    enum Kind { TCP, UDP, ICMP, ARP, OTHER }

    static final long[] MACS = {0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L, 0x02_00_00_00_00_03L,
        0x02_00_00_00_01_04L, 0x0a_00_00_00_00_0bL, 0x01_00_5e_00_00_01L, 0xff_ff_ff_ff_ff_ffL};
    static final String[] IPS = {"192.0.2.1", "192.0.2.2", "192.0.2.130", "198.51.100.7", "198.51.100.200",
        "203.0.113.9"};
    static final int[] L4_PORTS = {22, 53, 80, 443, 1000, 8080};
    static final int[] VIDS = {10, 20, 30};

    int inPort;
    long src;
    long dst;
    /** -1: untagged. */
    int vid = -1;
    int pcp;
    Kind kind;
    int ipSrc;
    int ipDst;
    int ttl = 64;
    int dscp;
    int sport;
    int dport;

    static PacketSpec random(Random r) {
        PacketSpec p = new PacketSpec();
        p.inPort = 1 + r.nextInt(OvsTraceAgreementTest.PORTS);
        p.src = MACS[r.nextInt(MACS.length - 2)]; // never a multicast source
        p.dst = MACS[r.nextInt(MACS.length)];
        if (r.nextInt(10) < 3) {
            p.vid = VIDS[r.nextInt(VIDS.length)];
            p.pcp = r.nextInt(8);
        }
        int k = r.nextInt(20);
        p.kind = k < 7 ? Kind.TCP : k < 13 ? Kind.UDP : k < 15 ? Kind.ICMP : k < 18 ? Kind.ARP : Kind.OTHER;
        p.ipSrc = FrameBuilder.ipv4(IPS[r.nextInt(IPS.length)]);
        p.ipDst = FrameBuilder.ipv4(IPS[r.nextInt(IPS.length)]);
        int t = r.nextInt(12);
        p.ttl = t == 0 ? 1 : t == 1 ? 2 : 64;
        p.dscp = new int[] {0, 0, 10, 46}[r.nextInt(4)];
        p.sport = L4_PORTS[r.nextInt(L4_PORTS.length)];
        p.dport = L4_PORTS[r.nextInt(L4_PORTS.length)];
        return p;
    }

    boolean ipv4() {
        return kind == Kind.TCP || kind == Kind.UDP || kind == Kind.ICMP;
    }

    byte[] frame() {
        FrameBuilder b = FrameBuilder.ethernet(src, dst);
        if (vid >= 0) {
            b.vlan(0x8100, pcp, 0, vid);
        }
        switch (kind) {
            case TCP -> b.ipv4(ipSrc, ipDst).ttl(ttl).tos(dscp, 0).tcp(sport, dport).payload(10);
            case UDP -> b.ipv4(ipSrc, ipDst).ttl(ttl).tos(dscp, 0).udp(sport, dport).payload(10);
            case ICMP -> b.ipv4(ipSrc, ipDst).ttl(ttl).tos(dscp, 0).icmp4Echo(7, 1).payload(10);
            case ARP -> b.arp(1 + (sport & 1), src, ipSrc, 0, ipDst);
            case OTHER -> b.ethType(0x88b5).payload(46);
        }
        return b.build();
    }

    /** The headers as the packet arrives. */
    Headers headers() {
        Headers h = new Headers();
        h.len = frame().length;
        h.ethSrc = src;
        h.ethDst = dst;
        if (vid >= 0) {
            h.vlans.add(new int[] {0x8100, (pcp << 13) | vid});
        }
        if (ipv4()) {
            h.ipv4 = true;
            h.ipSrc = ipSrc;
            h.ipDst = ipDst;
            h.tos = dscp << 2;
            h.ttl = ttl;
        }
        if (kind == Kind.TCP || kind == Kind.UDP) {
            h.l4 = true;
            h.tpSrc = sport;
            h.tpDst = dport;
        }
        return h;
    }

    @Override
    public String toString() {
        String ip = ipv4() ? " " + Headers.ip(ipSrc) + ">" + Headers.ip(ipDst) + " ttl=" + ttl + " dscp=" + dscp : "";
        String l4 = kind == Kind.TCP || kind == Kind.UDP ? " " + sport + ">" + dport : "";
        return kind + " " + Headers.mac(src) + ">" + Headers.mac(dst) + (vid >= 0 ? " vlan " + vid + "/" + pcp : "")
                + ip + l4;
    }
}
