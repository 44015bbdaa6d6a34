package org.vswitch4j.core.datapath;

import org.vswitch4j.core.key.FlowField;

/**
 * One datapath action: the compact, OpenFlow-free vocabulary the fast path executes. The core defines
 * output, truncation, VLAN push/pop, set-field, meter, userspace, tunnel push, a branch on the packet's length and
 * drop; the behaviour a higher module brings
 * (a meter, a packet sink, a tunnel header) plugs in through the interface such an action carries.
 */
public interface DatapathAction {

    /** Send the packet out of datapath port {@code port}. */
    record Output(int port) implements DatapathAction {
        public Output {
            if (port <= 0) {
                throw new IllegalArgumentException("datapath port " + port + " must be >= 1");
            }
        }

        @Override
        public String toString() {
            return Integer.toString(port);
        }
    }

    /**
     * Cut the packet to at most {@code maxLen} bytes for the next output (or tunnel push) only: Open vSwitch's
     * {@code trunc}, what {@code output(port=P,max_len=N)} becomes. The actions between see the whole packet, and
     * so do the outputs after the next one.
     */
    record Trunc(long maxLen) implements DatapathAction {
        public Trunc {
            if (maxLen < 14 || maxLen > 0xffff_ffffL) {
                throw new IllegalArgumentException("trunc length " + maxLen + " is outside 14..4294967295 (an Ethernet"
                        + " header at least)");
            }
        }

        @Override
        public String toString() {
            return "trunc(" + maxLen + ")";
        }
    }

    /** Push a VLAN tag: {@code tpid} 0x8100 (802.1Q) or 0x88a8 (802.1ad), {@code tci} = pcp(3) dei(1) vid(12). */
    record PushVlan(int tpid, int tci) implements DatapathAction {
        public PushVlan {
            if (tpid != 0x8100 && tpid != 0x88a8) {
                throw new IllegalArgumentException(String.format("VLAN TPID 0x%04x is not 0x8100 or 0x88a8", tpid));
            }
            if (tci < 0 || tci > 0xffff) {
                throw new IllegalArgumentException("VLAN TCI " + tci + " is outside 0..65535");
            }
        }

        @Override
        public String toString() {
            return String.format("push_vlan(tpid=0x%04x,vid=%d,pcp=%d)", tpid, tci & 0xfff, tci >>> 13);
        }
    }

    /** Pop the outermost VLAN tag (nothing happens to an untagged frame). */
    record PopVlan() implements DatapathAction {
        @Override
        public String toString() {
            return "pop_vlan";
        }
    }

    /**
     * Rewrite a header field of at most 64 bits, fixing the IPv4 header checksum and TCP/UDP/ICMP
     * checksums the change affects.
     */
    record SetField(FlowField field, long value) implements DatapathAction {
        @Override
        public String toString() {
            return "set(" + field.ovsName() + "=0x" + Long.toHexString(value) + ")";
        }
    }

    /**
     * Rewrite a 128-bit header field ({@code ipv6_src}, {@code ipv6_dst} or {@code nd_target}) to
     * {@code high:low} (high word = first 8 bytes on the wire), fixing the TCP/UDP/ICMPv6 checksums the
     * change affects. Why a record of its own: {@link SetField} carries one long.
     */
    record SetField128(FlowField field, long high, long low) implements DatapathAction {
        public SetField128 {
            java.util.Objects.requireNonNull(field, "field");
            if (field.width() != 128) {
                throw new IllegalArgumentException("set-field with a 128-bit value needs a 128-bit field;"
                        + " " + field.ovsName() + " is " + field.width() + " bits; allowed: ipv6_src, ipv6_dst, nd_target");
            }
        }

        @Override
        public String toString() {
            return String.format("set(%s=0x%016x%016x)", field.ovsName(), high, low);
        }
    }

    /**
     * Pass the packet through {@code meter}: it may drop it (counted as {@link DropReason#METER}) or raise its
     * DSCP drop precedence. Megaflows with the same meter instance share one rate.
     */
    record Meter(PacketMeter meter) implements DatapathAction {
        public Meter {
            java.util.Objects.requireNonNull(meter, "meter");
        }

        @Override
        public String toString() {
            return "meter(" + meter + ")";
        }
    }

    /**
     * Show the packet, as the actions so far left it, to {@code sink} (a packet-in to a controller, say), then
     * go on with the next action. Megaflows with the same sink and cookie compare equal.
     */
    record Userspace(PacketSink sink, long cookie) implements DatapathAction {
        public Userspace {
            java.util.Objects.requireNonNull(sink, "sink");
        }

        @Override
        public String toString() {
            return "userspace(" + sink + ",cookie=0x" + Long.toHexString(cookie) + ")";
        }
    }

    /**
     * Push {@code header} (a tunnel port's pre-built outer headers) and send the packet out of the tunnel port
     * {@code port}: Open vSwitch's {@code tnl_push}. Like {@link Output}, it copies the packet when more actions
     * follow, so the other outputs see the inner frame. A header that cannot be pushed (headroom, underlay MTU)
     * drops the packet, counted as {@link DropReason#TUNNEL_PUSH} and in the port's tx_dropped.
     */
    record TunnelPush(int port, org.vswitch4j.core.port.TunnelHeader header) implements DatapathAction {
        public TunnelPush {
            if (port <= 0) {
                throw new IllegalArgumentException("datapath port " + port + " must be >= 1");
            }
            java.util.Objects.requireNonNull(header, "header");
        }

        @Override
        public String toString() {
            return "tnl_push(tnl_port(" + port + "),header(" + header + "))";
        }
    }

    /**
     * Run {@code greater} when the packet, as the actions so far left it, is longer than {@code size} bytes (the
     * whole frame), else {@code lessEqual}: Open vSwitch's {@code check_pkt_len}. The branch runs on a copy of the
     * packet unless nothing follows this action, so the actions after it see the packet as it was before it. What a
     * megaflow cannot match on (the length) decides per packet here.
     */
    record CheckPktLen(int size, DatapathActions greater, DatapathActions lessEqual) implements DatapathAction {
        public CheckPktLen {
            if (size < 0 || size > 0xffff) {
                throw new IllegalArgumentException("check_pkt_len size " + size + " is outside 0..65535");
            }
            java.util.Objects.requireNonNull(greater, "greater");
            java.util.Objects.requireNonNull(lessEqual, "lessEqual");
        }

        @Override
        public String toString() {
            return "check_pkt_len(size=" + size + ",gt(" + greater + "),le(" + lessEqual + "))";
        }
    }

    /** Drop the packet, counting it under {@code reason}. An action list that ends without output drops too. */
    record Drop(DropReason reason) implements DatapathAction {
        @Override
        public String toString() {
            return "drop(" + reason.counterName() + ")";
        }
    }
}
