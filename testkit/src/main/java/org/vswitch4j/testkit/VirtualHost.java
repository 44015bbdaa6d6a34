package org.vswitch4j.testkit;

import static org.vswitch4j.testkit.HostFrames.ETH_ARP;
import static org.vswitch4j.testkit.HostFrames.ETH_IPV4;
import static org.vswitch4j.testkit.HostFrames.ETH_IPV6;
import static org.vswitch4j.testkit.HostFrames.get16;
import static org.vswitch4j.testkit.HostFrames.get32;
import static org.vswitch4j.testkit.HostFrames.getMac;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.vswitch4j.core.packet.Checksums;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.port.MemoryPort;

/**
 * A host for tests: one network interface on a {@link MemoryPort}, with a MAC, an IPv4 and/or an IPv6
 * address, optionally sending and expecting 802.1Q tags of one VLAN (a host behind a trunk port).
 *
 * <p>It behaves as a minimal IP stack does: answers ARP requests for its IPv4 address and neighbour
 * solicitations for its IPv6 address, answers ICMP and ICMPv6 echo requests, keeps an ARP/ND cache (learnt
 * from replies and from requests that target it), and sends and receives UDP. Frames carry correct IPv4,
 * ICMP, UDP and ICMPv6 checksums. A frame for another MAC, another VLAN or another IP address is ignored
 * (counted in {@link #framesIgnored()}).
 *
 * <p>Driven, not threaded: the host acts only in {@link #process()}, which its {@link Pump} (usually a
 * {@link TestNetwork}) calls every round. {@link #ping} and {@link #sendUdp} pump the network themselves
 * while they wait for address resolution or a reply, at most {@link Pump#maxRounds()} rounds, and stop early
 * once the network is quiet.
 *
 * <pre>{@code
 * PingResult r = a.ping(b);            // ARP, echo request, echo reply
 * assertTrue(r.success(), r.toString());
 * a.sendUdp(b.ipv4(), 5000, 53, "hi".getBytes());
 * net.settle();
 * assertEquals("hi", b.receivedUdp().getFirst().payloadText());
 * }</pre>
 *
 * <p>Capture: {@link MemoryPort#capture} (or {@link TestNetwork#capture}) writes the frames crossing the
 * host's port to a pcap file.
 *
 * <p>Thread-safety: none; one thread (the test's) drives the host and its network.
 */
public final class VirtualHost {
    private static final int ARP_REQUEST = 1;
    private static final int ARP_REPLY = 2;
    private static final int ICMP_ECHO_REPLY = 0;
    private static final int ICMP_ECHO_REQUEST = 8;
    private static final int ICMP6_ECHO_REQUEST = 128;
    private static final int ICMP6_ECHO_REPLY = 129;
    private static final int ND_SOLICIT = 135;
    private static final int ND_ADVERT = 136;
    private static final int PROTO_ICMP = 1;
    private static final int PROTO_UDP = 17;
    private static final int PROTO_ICMPV6 = 58;
    /** Data bytes of an echo request, as {@code ping} sends by default (64-byte ICMP message). */
    private static final int PING_DATA = 56;

    private final String name;
    private final long mac;
    private final Inet4Address ipv4;
    private final int ipv4Int;
    private final Inet6Address ipv6;
    private final byte[] ipv6Bytes;
    private final int vlan;
    private final MemoryPort port;
    private final Pump pump;

    private final Map<InetAddress, Long> neighbors = new LinkedHashMap<>();
    private final Map<Integer, Long> echoReplies = new HashMap<>(); // (id << 16 | seq) -> arrival nanos
    private final List<UdpDatagram> udp = new ArrayList<>();
    private final int echoId;
    private int nextSeq = 1;
    private int nextIpId = 1;

    private long framesSent;
    private long framesReceived;
    private long framesIgnored;
    private long sendFailures;
    private long badChecksums;

    private VirtualHost(Builder b) {
        this.name = b.name;
        this.mac = b.mac;
        this.ipv4 = b.ipv4;
        this.ipv4Int = b.ipv4 == null ? 0 : Addresses.toInt(b.ipv4);
        this.ipv6 = b.ipv6;
        this.ipv6Bytes = b.ipv6 == null ? null : b.ipv6.getAddress();
        this.vlan = b.vlan;
        this.port = b.port;
        this.pump = b.pump;
        this.echoId = (name.hashCode() & 0x7fff) | 0x100;
    }

    /** A builder; name, MAC, port and pump are required, and at least one address. */
    public static Builder builder() {
        return new Builder();
    }

    // ---- identity ---------------------------------------------------------------------------------

    public String name() {
        return name;
    }

    public long mac() {
        return mac;
    }

    /** The IPv4 address, or null. */
    public Inet4Address ipv4() {
        return ipv4;
    }

    /** The IPv6 address, or null. */
    public Inet6Address ipv6() {
        return ipv6;
    }

    /** The VLAN the host tags its frames with (1..4094), or 0 when it sends untagged. */
    public int vlan() {
        return vlan;
    }

    /** The memory port the host's interface is plugged into. */
    public MemoryPort port() {
        return port;
    }

    // ---- processing -------------------------------------------------------------------------------

    /**
     * Handles every frame the switch delivered to this host since the last call: answers what needs an
     * answer, learns neighbours, records echo replies and UDP. Returns how many frames it handled.
     */
    public int process() {
        int n = 0;
        for (byte[] f = port.receive(); f != null; f = port.receive()) {
            n++;
            framesReceived++;
            handle(f);
        }
        return n;
    }

    private void handle(byte[] f) {
        if (f.length < 14) {
            framesIgnored++;
            return;
        }
        long dst = getMac(f, 0);
        int type = get16(f, 12);
        int off = 14;
        int frameVlan = 0;
        if (type == HostFrames.TPID_8021Q || type == HostFrames.TPID_8021AD) {
            if (f.length < 18) {
                framesIgnored++;
                return;
            }
            frameVlan = get16(f, 14) & 0xfff;
            type = get16(f, 16);
            off = 18;
        }
        boolean forUs = dst == mac || dst == Addresses.BROADCAST
                || (ipv6 != null && (dst >>> 32) == 0x3333);
        if (frameVlan != vlan || !forUs) {
            framesIgnored++;
            return;
        }
        boolean handled = switch (type) {
            case ETH_ARP -> handleArp(f, off);
            case ETH_IPV4 -> handleIpv4(f, off, getMac(f, 6));
            case ETH_IPV6 -> handleIpv6(f, off, getMac(f, 6));
            default -> false;
        };
        if (!handled) {
            framesIgnored++;
        }
    }

    private boolean handleArp(byte[] f, int off) {
        if (ipv4 == null || f.length < off + 28 || get16(f, off) != 1 || get16(f, off + 2) != ETH_IPV4) {
            return false;
        }
        int op = get16(f, off + 6);
        long sha = getMac(f, off + 8);
        int spa = get32(f, off + 14);
        int tpa = get32(f, off + 24);
        if (tpa != ipv4Int) {
            return false;
        }
        neighbors.put(Addresses.fromInt(spa), sha);
        if (op == ARP_REQUEST) {
            send(eth(sha).arp(ARP_REPLY, mac, ipv4Int, sha, spa));
        }
        return op == ARP_REQUEST || op == ARP_REPLY;
    }

    private boolean handleIpv4(byte[] f, int off, long ethSrc) {
        if (ipv4 == null || f.length < off + 20 || (f[off] & 0xf0) != 0x40) {
            return false;
        }
        int ihl = (f[off] & 0x0f) * 4;
        int total = get16(f, off + 2);
        if (ihl < 20 || total < ihl || off + total > f.length) {
            return false;
        }
        if (Checksums.ipv4Header(f, off) != get16(f, off + 10)) {
            badChecksums++;
            return false;
        }
        int src = get32(f, off + 12);
        int dst = get32(f, off + 16);
        if (dst != ipv4Int) {
            return false;
        }
        int proto = f[off + 9] & 0xff;
        int l4 = off + ihl;
        int l4len = total - ihl;
        if (proto == PROTO_ICMP && l4len >= 8) {
            if (Checksums.checksum(f, l4, l4len) != 0) {
                badChecksums++;
                return false;
            }
            int icmpType = f[l4] & 0xff;
            int id = get16(f, l4 + 4);
            int seq = get16(f, l4 + 6);
            byte[] data = Arrays.copyOfRange(f, l4 + 8, l4 + l4len);
            if (icmpType == ICMP_ECHO_REQUEST) {
                send(ip4(replyMac(Addresses.fromInt(src), ethSrc), src).icmp4EchoReply(id, seq).payload(data));
                return true;
            }
            if (icmpType == ICMP_ECHO_REPLY && id == echoId) {
                echoReplies.putIfAbsent((id << 16) | seq, pump.clock().nanos());
                return true;
            }
            return false;
        }
        if (proto == PROTO_UDP && l4len >= 8) {
            int ulen = get16(f, l4 + 4);
            int csum = get16(f, l4 + 6);
            if (ulen < 8 || ulen > l4len) {
                return false;
            }
            if (csum != 0 && Checksums.fold(Checksums.pseudoHeaderV4(src, dst, PROTO_UDP, ulen)
                    + Checksums.sum(f, l4, ulen)) != 0xffff) {
                badChecksums++;
                return false;
            }
            udp.add(new UdpDatagram(Addresses.fromInt(src), get16(f, l4), ipv4, get16(f, l4 + 2),
                    Arrays.copyOfRange(f, l4 + 8, l4 + ulen), pump.clock().nanos()));
            return true;
        }
        return false;
    }

    private boolean handleIpv6(byte[] f, int off, long ethSrc) {
        if (ipv6 == null || f.length < off + 40 || (f[off] & 0xf0) != 0x60) {
            return false;
        }
        int plen = get16(f, off + 4);
        int nh = f[off + 6] & 0xff;
        int l4 = off + 40;
        if (l4 + plen > f.length) {
            return false;
        }
        byte[] src = Arrays.copyOfRange(f, off + 8, off + 24);
        byte[] dst = Arrays.copyOfRange(f, off + 24, off + 40);
        boolean toUs = Arrays.equals(dst, ipv6Bytes) || Arrays.equals(dst, HostFrames.solicitedNode(ipv6Bytes));
        if (!toUs) {
            return false;
        }
        if (nh != PROTO_ICMPV6 && nh != PROTO_UDP) {
            return false;
        }
        if (plen < 8 || Checksums.fold(Checksums.pseudoHeaderV6(f, off, nh, plen) + Checksums.sum(f, l4, plen)) != 0xffff) {
            badChecksums++;
            return false;
        }
        Inet6Address srcAddr = Addresses.fromBytes16(src, 0);
        if (nh == PROTO_UDP) {
            int ulen = get16(f, l4 + 4);
            if (ulen < 8 || ulen > plen) {
                return false;
            }
            udp.add(new UdpDatagram(srcAddr, get16(f, l4), ipv6, get16(f, l4 + 2),
                    Arrays.copyOfRange(f, l4 + 8, l4 + ulen), pump.clock().nanos()));
            return true;
        }
        int type = f[l4] & 0xff;
        switch (type) {
            case ND_SOLICIT -> {
                if (plen < 24 || !Arrays.equals(Arrays.copyOfRange(f, l4 + 8, l4 + 24), ipv6Bytes)) {
                    return false;
                }
                long sll = ndOption(f, l4 + 24, l4 + plen, 1);
                long replyMac = sll >= 0 ? sll : ethSrc;
                neighbors.put(srcAddr, replyMac);
                // Solicited + Override (RFC 4861 4.4), with our link-layer address.
                send(eth(replyMac).ipv6(ipv6Bytes, src).hopLimit(255).ndNa(ipv6Bytes, 0x6000_0000).tll(mac));
                return true;
            }
            case ND_ADVERT -> {
                if (plen < 24) {
                    return false;
                }
                long tll = ndOption(f, l4 + 24, l4 + plen, 2);
                neighbors.put(Addresses.fromBytes16(f, l4 + 8), tll >= 0 ? tll : ethSrc);
                return true;
            }
            case ICMP6_ECHO_REQUEST -> {
                send(ip6(replyMac(srcAddr, ethSrc), src).icmp6EchoReply(get16(f, l4 + 4), get16(f, l4 + 6))
                        .payload(Arrays.copyOfRange(f, l4 + 8, l4 + plen)));
                return true;
            }
            case ICMP6_ECHO_REPLY -> {
                int id = get16(f, l4 + 4);
                int seq = get16(f, l4 + 6);
                if (id != echoId) {
                    return false;
                }
                echoReplies.putIfAbsent((id << 16) | seq, pump.clock().nanos());
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /**
     * Where a reply to {@code ip} goes: its cached MAC, else the requesting frame's source (the sender is
     * on-link; a real stack would resolve first and end up with the same address).
     */
    private long replyMac(InetAddress ip, long ethSrc) {
        Long known = neighbors.get(ip);
        return known != null ? known : ethSrc;
    }

    /** The link-layer address in the first ND option of {@code wanted} type in {@code [at, end)}, or -1. */
    private static long ndOption(byte[] f, int at, int end, int wanted) {
        int p = at;
        while (p + 2 <= end) {
            int type = f[p] & 0xff;
            int len = (f[p + 1] & 0xff) * 8;
            if (len == 0 || p + len > end) {
                return -1;
            }
            if (type == wanted && len >= 8) {
                return getMac(f, p + 2);
            }
            p += len;
        }
        return -1;
    }

    // ---- actions ----------------------------------------------------------------------------------

    /** Pings {@code other}'s IPv4 address (its IPv6 address when it has no IPv4 one). */
    public PingResult ping(VirtualHost other) {
        return ping(other.ipv4 != null ? other.ipv4 : other.ipv6);
    }

    /** Pings {@code other}'s IPv6 address. */
    public PingResult ping6(VirtualHost other) {
        if (other.ipv6 == null) {
            throw new IllegalArgumentException("host " + other.name + " has no IPv6 address");
        }
        return ping(other.ipv6);
    }

    /**
     * Sends one echo request to {@code target} (resolving its MAC first with ARP or neighbour solicitation)
     * and pumps the network until the reply arrives, the network falls quiet or {@link Pump#maxRounds()}
     * rounds pass.
     */
    public PingResult ping(InetAddress target) {
        Objects.requireNonNull(target, "target");
        int[] rounds = {0};
        Long dstMac = resolve(target, rounds);
        if (dstMac == null) {
            return new PingResult(PingResult.Status.NO_NEIGHBOR, target, -1, rounds[0]);
        }
        int seq = nextSeq++ & 0xffff;
        byte[] data = new byte[PING_DATA];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (0x10 + i); // the pattern ping(8) uses after its timestamp
        }
        long sentAt = pump.clock().nanos();
        boolean sent = target instanceof Inet4Address t4
                ? send(ip4(dstMac, Addresses.toInt(t4)).icmp4Echo(echoId, seq).payload(data))
                : send(ip6(dstMac, target.getAddress()).icmp6Echo(echoId, seq).payload(data));
        if (!sent) {
            return new PingResult(PingResult.Status.SEND_FAILED, target, -1, rounds[0]);
        }
        int key = (echoId << 16) | seq;
        Long at = pumpUntil(() -> echoReplies.get(key), rounds);
        if (at == null) {
            return new PingResult(PingResult.Status.TIMEOUT, target, -1, rounds[0]);
        }
        echoReplies.remove(key);
        return new PingResult(PingResult.Status.REPLY, target, at - sentAt, rounds[0]);
    }

    /**
     * Sends a UDP datagram to {@code dst} (IPv4 or IPv6), resolving its MAC first if needed. Returns false when
     * the address could not be resolved or the port refused the frame. Does not wait for delivery: call the
     * network's {@code settle()} before looking at the receiver.
     */
    public boolean sendUdp(InetAddress dst, int srcPort, int dstPort, byte[] payload) {
        checkPort(srcPort);
        checkPort(dstPort);
        Long dstMac = resolve(dst, new int[1]);
        if (dstMac == null) {
            return false;
        }
        FrameBuilder b = dst instanceof Inet4Address d4 ? ip4(dstMac, Addresses.toInt(d4)) : ip6(dstMac, dst.getAddress());
        return send(b.udp(srcPort, dstPort).payload(payload));
    }

    private static void checkPort(int p) {
        if (p < 0 || p > 0xffff) {
            throw new IllegalArgumentException("UDP port " + p + " is outside 0..65535");
        }
    }

    /**
     * The MAC of {@code ip}: from the cache, or by sending an ARP request / neighbour solicitation and
     * pumping until the answer arrives. Returns null when nobody answered.
     */
    public Long resolve(InetAddress ip) {
        return resolve(ip, new int[1]);
    }

    private Long resolve(InetAddress ip, int[] rounds) {
        Long known = neighbors.get(ip);
        if (known != null) {
            return known;
        }
        if (ip instanceof Inet4Address t4) {
            if (ipv4 == null) {
                throw new IllegalStateException("host " + name + " has no IPv4 address to reach " + ip.getHostAddress());
            }
            send(eth(Addresses.BROADCAST).arp(ARP_REQUEST, mac, ipv4Int, 0, Addresses.toInt(t4)));
        } else {
            if (ipv6 == null) {
                throw new IllegalStateException("host " + name + " has no IPv6 address to reach " + ip.getHostAddress());
            }
            byte[] target = ip.getAddress();
            byte[] group = HostFrames.solicitedNode(target);
            send(eth(HostFrames.ipv6MulticastMac(group)).ipv6(ipv6Bytes, group).hopLimit(255).ndNs(target).sll(mac));
        }
        return pumpUntil(() -> neighbors.get(ip), rounds);
    }

    private <T> T pumpUntil(java.util.function.Supplier<T> done, int[] rounds) {
        int max = pump.maxRounds();
        for (int r = 0; r < max; r++) {
            T v = done.get();
            if (v != null) {
                return v;
            }
            rounds[0]++;
            if (pump.pumpOnce() == 0) {
                return done.get(); // quiet: nothing further will arrive
            }
        }
        return done.get();
    }

    /** Sends a raw frame out of the host's interface (no tag added). Returns false when the port refused it. */
    public boolean sendFrame(byte[] frame) {
        return send(frame);
    }

    /** An Ethernet header from this host to {@code dst}, tagged when the host has a VLAN. */
    private FrameBuilder eth(long dst) {
        FrameBuilder b = FrameBuilder.ethernet(mac, dst);
        return vlan > 0 ? b.vlan(vlan) : b;
    }

    private FrameBuilder ip4(long dstMac, int dst) {
        return eth(dstMac).ipv4(ipv4Int, dst).ipId(nextIpId++ & 0xffff);
    }

    private FrameBuilder ip6(long dstMac, byte[] dst) {
        return eth(dstMac).ipv6(ipv6Bytes, dst);
    }

    private boolean send(FrameBuilder b) {
        return send(b.padTo(HostFrames.MIN_FRAME).build());
    }

    private boolean send(byte[] frame) {
        if (port.send(frame)) {
            framesSent++;
            return true;
        }
        sendFailures++;
        return false;
    }

    // ---- observations -----------------------------------------------------------------------------

    /** UDP datagrams received so far, oldest first (a read-only view). */
    public List<UdpDatagram> receivedUdp() {
        return Collections.unmodifiableList(udp);
    }

    /** Forgets received UDP datagrams. */
    public void clearReceivedUdp() {
        udp.clear();
    }

    /** The ARP/ND cache: IP address to MAC, in learning order (a read-only snapshot). */
    public Map<InetAddress, Long> neighbors() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(neighbors));
    }

    /** Adds (or replaces) a neighbour entry, as {@code ip neigh replace} would: no resolution for {@code ip}. */
    public void addNeighbor(InetAddress ip, long neighborMac) {
        neighbors.put(Objects.requireNonNull(ip, "ip"), neighborMac);
    }

    /** Empties the ARP/ND cache (the next ping resolves again). */
    public void flushNeighbors() {
        neighbors.clear();
    }

    public long framesSent() {
        return framesSent;
    }

    public long framesReceived() {
        return framesReceived;
    }

    /** Frames received but not for this host (other MAC, VLAN or IP) or of a kind it does not speak. */
    public long framesIgnored() {
        return framesIgnored;
    }

    /** Frames the port refused (link down, ring full). */
    public long sendFailures() {
        return sendFailures;
    }

    /** Frames dropped because an IPv4, ICMP, UDP or ICMPv6 checksum was wrong. */
    public long badChecksums() {
        return badChecksums;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append(" (").append(Addresses.formatMac(mac));
        if (ipv4 != null) {
            sb.append(", ").append(Addresses.format(ipv4));
        }
        if (ipv6 != null) {
            sb.append(", ").append(Addresses.format(ipv6));
        }
        if (vlan != 0) {
            sb.append(", tagged VLAN ").append(vlan);
        }
        return sb.append(')').toString();
    }

    /** Options for a {@link VirtualHost}. */
    public static final class Builder {
        private String name;
        private long mac = -1;
        private Inet4Address ipv4;
        private Inet6Address ipv6;
        private int vlan;
        private MemoryPort port;
        private Pump pump;

        private Builder() {
        }

        public Builder name(String n) {
            if (n == null || n.isEmpty()) {
                throw new IllegalArgumentException("host name must be a non-empty string");
            }
            this.name = n;
            return this;
        }

        /** A unicast MAC (low 48 bits; the group bit must be clear). */
        public Builder mac(long m) {
            if (m <= 0 || m > 0xffff_ffff_ffffL || (m & 0x0100_0000_0000L) != 0) {
                throw new IllegalArgumentException("host MAC " + Addresses.formatMac(m & 0xffff_ffff_ffffL)
                        + " must be a non-zero unicast address (group bit clear)");
            }
            this.mac = m;
            return this;
        }

        /** A unicast MAC as {@code 02:00:00:00:00:01}. */
        public Builder mac(String m) {
            return mac(Addresses.parseMac(m));
        }

        public Builder ipv4(String literal) {
            this.ipv4 = Addresses.ipv4(literal);
            return this;
        }

        public Builder ipv4(Inet4Address a) {
            this.ipv4 = a;
            return this;
        }

        public Builder ipv6(String literal) {
            this.ipv6 = Addresses.ipv6(literal);
            return this;
        }

        public Builder ipv6(Inet6Address a) {
            this.ipv6 = a;
            return this;
        }

        /** Tags every frame with this VLAN (1..4094) and accepts only frames tagged with it; 0 = untagged. */
        public Builder vlan(int vid) {
            if (vid < 0 || vid > 4094) {
                throw new IllegalArgumentException("VLAN id " + vid + " is outside 1..4094 (0 = untagged)");
            }
            this.vlan = vid;
            return this;
        }

        public Builder port(MemoryPort p) {
            this.port = Objects.requireNonNull(p, "port");
            return this;
        }

        public Builder pump(Pump p) {
            this.pump = Objects.requireNonNull(p, "pump");
            return this;
        }

        public VirtualHost build() {
            if (name == null || mac < 0 || port == null || pump == null) {
                throw new IllegalStateException("a virtual host needs name, mac, port and pump; got name=" + name
                        + ", mac=" + (mac < 0 ? "unset" : Addresses.formatMac(mac)) + ", port=" + port + ", pump=" + pump);
            }
            if (ipv4 == null && ipv6 == null) {
                throw new IllegalStateException("virtual host " + name + " needs an IPv4 or IPv6 address");
            }
            return new VirtualHost(this);
        }
    }
}
