package org.vswitch4j.it;

import java.util.ArrayList;
import java.util.List;
import org.vswitch4j.core.packet.FrameBuilder;

/**
 * The headers a datapath action can change, as a packet would carry them out of a port: what the Open vSwitch
 * agreement test compares at every output. Mutable; {@link #toString} is the comparison.
 */
final class Headers {
    long ethSrc;
    long ethDst;
    /** Outermost first: {tpid, tci}. */
    final List<int[]> vlans = new ArrayList<>();
    boolean ipv4;
    boolean l4;
    int ipSrc;
    int ipDst;
    int tos;
    int ttl;
    int tpSrc;
    int tpDst;

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append("eth(").append(mac(ethSrc)).append('>').append(mac(ethDst)).append(')');
        for (int[] v : vlans) {
            b.append(String.format(" vlan(0x%04x,vid=%d,pcp=%d)", v[0], v[1] & 0xfff, v[1] >>> 13));
        }
        if (ipv4) {
            b.append(" ipv4(").append(ip(ipSrc)).append('>').append(ip(ipDst)).append(",tos=").append(tos)
                    .append(",ttl=").append(ttl).append(')');
        }
        if (l4) {
            b.append(" l4(").append(tpSrc).append('>').append(tpDst).append(')');
        }
        return b.toString();
    }

    static String mac(long m) {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", (m >>> 40) & 0xff, (m >>> 32) & 0xff, (m >>> 24) & 0xff,
                (m >>> 16) & 0xff, (m >>> 8) & 0xff, m & 0xff);
    }

    static String ip(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }

    static long parseMac(String s) {
        return FrameBuilder.mac(s);
    }

    static int parseIp(String s) {
        return FrameBuilder.ipv4(s);
    }
}
