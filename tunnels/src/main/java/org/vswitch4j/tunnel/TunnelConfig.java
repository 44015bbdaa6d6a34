package org.vswitch4j.tunnel;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A tunnel port's options, as Open vSwitch's {@code Interface} table spells them ({@code options:remote_ip=...}).
 *
 * <ul>
 * <li>{@code remote_ip}: the remote endpoint (IPv4 or IPv6), or {@code flow}: set by the pipeline per flow with
 *     {@code set_field:...->tun_dst}, or {@code ->tun_ipv6_dst} when {@code local_ip} is IPv6 (its family chooses
 *     the underlay's). Required.</li>
 * <li>{@code local_ip}: the outer source address; also the address the underlay listens on. Default: the
 *     wildcard of the remote's family.</li>
 * <li>{@code key}: the VNI (VXLAN, Geneve: 0..2^24-1) or GRE key (0..2^32-1), or {@code flow}: set with
 *     {@code set_field:...->tun_id}, and any key is accepted on receive and shown as tun_id. Default 0 (for GRE:
 *     no key field). A fixed key also filters receive: frames with another key are dropped and counted.</li>
 * <li>{@code dst_port}: UDP destination (and listening) port; default 4789 (VXLAN), 6081 (Geneve).</li>
 * <li>{@code tos}: outer TOS byte 0..255, or {@code inherit} (from the inner IPv4/IPv6 header); default 0.</li>
 * <li>{@code ttl}: outer TTL 1..255, or {@code inherit}; default 64.</li>
 * <li>{@code df_default}: set the outer IPv4 DF bit; default true.</li>
 * <li>{@code csum}: compute the outer UDP checksum (always done over IPv6), or add the GRE checksum; default
 *     false.</li>
 * <li>{@code seq} (GRE): add a sequence number; default false.</li>
 * </ul>
 * Plus one option of ours, {@code underlay_mtu} (default 1500): the largest outer IP packet. An inner frame that
 * would make a larger one is dropped and counted, never truncated; with {@code pmtud=true} (the name of Open vSwitch's
 * old option for the same) an IPv4 one with DF is also answered with ICMP "fragmentation needed" carrying the MTU
 * that fits (RFC 1191), sent back into the bridge from the tunnel port as if from the inner destination, as Linux
 * does for bridged tunnel traffic. Default false: drop and count only.
 *
 * <p>Thread-safety: immutable.
 */
public final class TunnelConfig {
    /** {@link #key()} value meaning {@code key=flow}. */
    public static final long FLOW_KEY = -1;

    private final TunnelType type;
    private final InetAddress remote;
    private final InetAddress local;
    private final long key;
    private final int dstPort;
    private final int tos;
    private final int ttl;
    private final boolean dfDefault;
    private final boolean csum;
    private final boolean seq;
    private final boolean pmtud;
    private final int underlayMtu;

    private TunnelConfig(Builder b) {
        this.type = b.type;
        this.remote = b.remote;
        this.local = b.local != null ? b.local : wildcard(b.remote);
        this.key = b.key;
        this.dstPort = b.dstPort >= 0 ? b.dstPort : b.type.defaultPort();
        this.tos = b.tos;
        this.ttl = b.ttl;
        this.dfDefault = b.dfDefault;
        this.csum = b.csum;
        this.seq = b.seq;
        this.pmtud = b.pmtud;
        this.underlayMtu = b.underlayMtu;
        if (remote != null && !remote.getClass().equals(local.getClass())) {
            throw new IllegalArgumentException("remote_ip " + remote.getHostAddress() + " and local_ip "
                    + local.getHostAddress() + " must be of the same family");
        }
    }

    private static InetAddress wildcard(InetAddress remote) {
        try {
            return InetAddress.getByAddress(new byte[remote instanceof Inet6Address ? 16 : 4]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A builder for a tunnel of {@code type}. */
    public static Builder builder(TunnelType type) {
        return new Builder(type);
    }

    /**
     * The configuration Open vSwitch's options map describes ({@code remote_ip}, {@code local_ip}, {@code key},
     * {@code dst_port}, {@code tos}, {@code ttl}, {@code df_default}, {@code csum}, {@code seq}, {@code underlay_mtu}).
     *
     * @throws IllegalArgumentException naming the option, for an unknown option or a bad value
     */
    public static TunnelConfig fromOptions(TunnelType type, Map<String, String> options) {
        Builder b = builder(type);
        for (Map.Entry<String, String> e : options.entrySet()) {
            String v = e.getValue().trim();
            switch (e.getKey()) {
                case "remote_ip" -> {
                    if (v.equals("flow")) {
                        b.remoteFlow();
                    } else {
                        b.remote(address("remote_ip", v));
                    }
                }
                case "local_ip" -> b.local(address("local_ip", v));
                case "key", "in_key", "out_key" -> {
                    if (v.equals("flow")) {
                        b.keyFlow();
                    } else {
                        b.key(number("key", v));
                    }
                }
                case "dst_port" -> b.dstPort((int) number("dst_port", v));
                case "tos" -> b.tos(v.equals("inherit") ? -1 : (int) number("tos", v));
                case "ttl" -> b.ttl(v.equals("inherit") ? -1 : (int) number("ttl", v));
                case "df_default" -> b.dfDefault(bool("df_default", v));
                case "csum" -> b.csum(bool("csum", v));
                case "seq" -> b.seq(bool("seq", v));
                case "pmtud" -> b.pmtud(bool("pmtud", v));
                case "underlay_mtu" -> b.underlayMtu((int) number("underlay_mtu", v));
                default -> throw new IllegalArgumentException("unknown tunnel option " + e.getKey() + "; allowed: remote_ip,"
                        + " local_ip, key, dst_port, tos, ttl, df_default, csum, seq, pmtud, underlay_mtu");
            }
        }
        return b.build();
    }

    private static InetAddress address(String option, String v) {
        if (!v.matches("[0-9a-fA-F:.]+") || (!v.contains(".") && !v.contains(":"))) {
            throw new IllegalArgumentException(option + "=" + v + " is not an IPv4 or IPv6 address (or flow)");
        }
        try {
            return InetAddress.getByName(v); // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(option + "=" + v + " is not an IPv4 or IPv6 address (or flow)", e);
        }
    }

    private static long number(String option, String v) {
        try {
            return v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + "=" + v + " is not a number", e);
        }
    }

    private static boolean bool(String option, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(option + "=" + v + " is not true or false");
        };
    }

    public TunnelType type() {
        return type;
    }

    /** The fixed remote endpoint, or null for {@code remote_ip=flow}. */
    public InetAddress remote() {
        return remote;
    }

    /** The local endpoint (the wildcard address of the family when not set). */
    public InetAddress local() {
        return local;
    }

    /** Whether the underlay is IPv6. */
    public boolean ipv6() {
        return local instanceof Inet6Address;
    }

    /** The fixed key, or {@link #FLOW_KEY}. */
    public long key() {
        return key;
    }

    public int dstPort() {
        return dstPort;
    }

    /** The outer TOS, or -1 to inherit. */
    public int tos() {
        return tos;
    }

    /** The outer TTL, or -1 to inherit. */
    public int ttl() {
        return ttl;
    }

    public boolean dfDefault() {
        return dfDefault;
    }

    public boolean csum() {
        return csum;
    }

    public boolean seq() {
        return seq;
    }

    /** {@code pmtud=true}: answer an over-MTU IPv4 frame with DF by ICMP "fragmentation needed" (RFC 1191). */
    public boolean pmtud() {
        return pmtud;
    }

    public int underlayMtu() {
        return underlayMtu;
    }

    /** As Open vSwitch's {@code ovs-vsctl list interface} shows options. */
    @Override
    public String toString() {
        return "{" + type.ovsName() + ": remote_ip=" + (remote == null ? "flow" : remote.getHostAddress())
                + ", local_ip=" + local.getHostAddress() + ", key=" + (key == FLOW_KEY ? "flow" : Long.toString(key))
                + (type.udp() ? ", dst_port=" + dstPort : "") + ", tos=" + (tos < 0 ? "inherit" : tos)
                + ", ttl=" + (ttl < 0 ? "inherit" : ttl) + ", df_default=" + dfDefault + ", csum=" + csum
                + (seq ? ", seq=true" : "") + (pmtud ? ", pmtud=true" : "") + ", underlay_mtu=" + underlayMtu + "}";
    }

    /** Options of a {@link TunnelConfig}; not thread-safe. */
    public static final class Builder {
        private final TunnelType type;
        private InetAddress remote;
        private boolean remoteSet;
        private InetAddress local;
        private long key;
        private int dstPort = -1;
        private int tos;
        private int ttl = 64;
        private boolean dfDefault = true;
        private boolean csum;
        private boolean seq;
        private boolean pmtud;
        private int underlayMtu = 1500;

        private Builder(TunnelType type) {
            this.type = Objects.requireNonNull(type, "type");
        }

        /** {@code remote_ip=ADDRESS}. */
        public Builder remote(InetAddress a) {
            this.remote = Objects.requireNonNull(a, "remote");
            this.remoteSet = true;
            return this;
        }

        /** {@code remote_ip=flow}. */
        public Builder remoteFlow() {
            this.remote = null;
            this.remoteSet = true;
            return this;
        }

        /** {@code local_ip=ADDRESS}. */
        public Builder local(InetAddress a) {
            this.local = Objects.requireNonNull(a, "local");
            return this;
        }

        /** {@code key=N}. */
        public Builder key(long k) {
            if (k < 0 || k > type.maxKey()) {
                throw new IllegalArgumentException("key " + k + " is outside 0.." + type.maxKey() + " for " + type.ovsName()
                        + " (or flow)");
            }
            this.key = k;
            return this;
        }

        /** {@code key=flow}. */
        public Builder keyFlow() {
            this.key = FLOW_KEY;
            return this;
        }

        /** {@code dst_port=N} (UDP types only). */
        public Builder dstPort(int port) {
            if (!type.udp()) {
                throw new IllegalArgumentException("dst_port applies to vxlan and geneve, not " + type.ovsName());
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("dst_port " + port + " is outside 1..65535");
            }
            this.dstPort = port;
            return this;
        }

        /** {@code tos=N} (0..255), or -1 for {@code tos=inherit}. */
        public Builder tos(int t) {
            if (t < -1 || t > 255) {
                throw new IllegalArgumentException("tos " + t + " is outside 0..255 (or inherit)");
            }
            this.tos = t;
            return this;
        }

        /** {@code ttl=N} (1..255), or -1 for {@code ttl=inherit}. */
        public Builder ttl(int t) {
            if (t != -1 && (t < 1 || t > 255)) {
                throw new IllegalArgumentException("ttl " + t + " is outside 1..255 (or inherit)");
            }
            this.ttl = t;
            return this;
        }

        public Builder dfDefault(boolean df) {
            this.dfDefault = df;
            return this;
        }

        public Builder csum(boolean c) {
            this.csum = c;
            return this;
        }

        /** {@code pmtud=true}: ICMP "fragmentation needed" for over-MTU IPv4 frames with DF, beside the drop. */
        public Builder pmtud(boolean on) {
            this.pmtud = on;
            return this;
        }

        /** {@code seq=true}: GRE sequence numbers (GRE only). */
        public Builder seq(boolean s) {
            if (s && type != TunnelType.GRE) {
                throw new IllegalArgumentException("seq applies to gre, not " + type.ovsName());
            }
            this.seq = s;
            return this;
        }

        /** The largest outer IP packet, 576..65535. */
        public Builder underlayMtu(int mtu) {
            if (mtu < 576 || mtu > 65535) {
                throw new IllegalArgumentException("underlay_mtu " + mtu + " is outside 576..65535");
            }
            this.underlayMtu = mtu;
            return this;
        }

        /** The configuration; throws when {@code remote_ip} was not given. */
        public TunnelConfig build() {
            if (!remoteSet) {
                throw new IllegalArgumentException(type.ovsName() + " tunnel needs remote_ip (an address, or flow)");
            }
            if (remote instanceof Inet4Address || remote instanceof Inet6Address || remote == null) {
                return new TunnelConfig(this);
            }
            throw new IllegalArgumentException("remote_ip " + remote + " is neither IPv4 nor IPv6");
        }
    }
}
