package org.vswitch4j.tunnel;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.vswitch4j.core.packet.Checksums;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.ring.LongRing;
import org.vswitch4j.core.ring.MpscLongRing;
import org.vswitch4j.core.time.Clock;

/**
 * Native tunnelling, as Open vSwitch's userspace datapath does it: the switch builds the whole outer header itself
 * (Ethernet included) and the frames leave through a port of another bridge, with the switch's own neighbour cache
 * (ARP for IPv4, neighbour discovery for IPv6) and route table (OVS: {@code ovs-appctl tnl/neigh/show},
 * {@code ovs/route/add}). This carries GRE, which no socket can, and puts tunnels on AF_XDP, TAP or DPDK ports.
 *
 * <pre>
 *   br-int: [vm ports] ... [TunnelPort "vxlan0" over tunnel(cfg)] [TunnelPort "gre0" over tunnel(cfg2)] ...
 *   br-phy: [localPort(): the underlay's IP and MAC, OVS's br-phy LOCAL port] [the physical port: AF_XDP, TAP, DPDK]
 * </pre>
 *
 * <p>One underlay is one local address ({@code local_ip}, IPv4 or IPv6, with its on-link prefix) and serves any number
 * of tunnel ports ({@link #tunnel}): received packets go to the port of their type and UDP port whose key and remote
 * fit best (a fixed key or remote that matches before {@code flow}, as Open vSwitch looks tunnel ports up), a port
 * whose fixed key or remote does not match only when no other fits (it then counts the frame as {@code unknown_key}
 * or {@code unknown_remote}).
 *
 * <p>{@link #localPort()} is the bridge port of br-phy that owns the address: frames br-phy sends it are ARP or
 * neighbour solicitations and advertisements (requests for the local address are answered, senders are learnt) and
 * tunnel packets for the local address (IPv4 header checked, unfragmented; IPv6 without extension headers; then
 * Ethernet, IP and, for VXLAN and Geneve, UDP stripped and the rest handed to the tunnel port); the rest is not for
 * it and is counted and dropped. Frames the tunnel ports send, already encapsulated with the next hop's MAC
 * ({@link Underlay#ethernetFor}), and the underlay's own ARP/ND frames, enter br-phy from the local port.
 *
 * <p>Next hop: the longest {@link #addRoute route} prefix that covers the remote (its gateway), else the remote
 * itself when it is on the local prefix. Resolution, on the switch clock ({@link Builder#clock}):
 * <ul>
 * <li>An unresolved next hop sends a request (ARP, or a neighbour solicitation to the solicited-node multicast
 *     address) and makes the translation drop, as OVS drops while it resolves; the request is repeated every
 *     {@link #RETRY} up to {@value #ATTEMPTS} requests in all, then given up ({@code resolve_failed}); the next
 *     translation of a packet to it (an upcall or a revalidation) starts again.</li>
 * <li>An answer or a request that teaches a MAC that is new or changed runs {@code neighbourChanged} (give it the
 *     datapath's {@code invalidateAll}), so packets translate again and find it.</li>
 * <li>A learnt entry lives {@link Builder#ageing} (default {@link #DEFAULT_AGEING}, OVS's {@code tnl/neigh/aging}
 *     default) after the ARP or ND frame that taught or confirmed it. {@value #ATTEMPTS} retry times before that it
 *     is refreshed ({@code refreshes}: requests as for a resolution, while the entry stays in use), so an answering
 *     neighbour is renewed without a gap in traffic; one that does not answer is removed at its ageing
 *     ({@code expired}) and {@code neighbourChanged} runs, so the next packet resolves it again. Static entries
 *     ({@link #addNeighbour}) never expire.</li>
 * </ul>
 * Timers run on br-phy's poll thread when it polls the local port (the local port never sleeps its thread).
 * Limits: no ICMP (the address does not answer ping), no duplicate address detection, IPv6 extension headers not
 * parsed (such packets are not for us).
 *
 * <p>Thread-safety: the local port's {@code transmit} runs on br-phy's poll threads, its {@code receive} (and the
 * timers) on the one that owns it; each tunnel side's {@code receive} on its tunnel port's poll thread; {@code send}
 * on any. Hand-offs are lock-free rings of buffer handles (the buffer's first bytes carry offset, length and
 * addresses); the neighbour cache, pending resolutions and routes change under this object's lock (slow path and
 * ARP/ND frames only).
 */
public final class NativeUnderlay implements AutoCloseable {
    static final int RING = 4096;
    /** Requests sent for one resolution before it is given up. */
    public static final int ATTEMPTS = 3;
    /** Time between two requests of one resolution. */
    public static final Duration RETRY = Duration.ofSeconds(1);
    /** How long a learnt neighbour lives after it was last confirmed, unless set ({@link Builder#ageing}). */
    public static final Duration DEFAULT_AGEING = Duration.ofMinutes(15);
    private static final long BROADCAST = 0xffff_ffff_ffffL;
    /** Bytes of a buffer's start that carry a hand-off's offset, length and outer addresses. */
    private static final int META = 48;

    private record Neighbour(long mac, long expires) {
    }

    private static final class Pending {
        int sent;
        long next;
    }

    private record Route(byte[] prefix, int length, InetAddress gateway) {
    }

    private final PacketMemory memory;
    private final InetAddress address;
    private final boolean v6;
    private final byte[] addressBytes;
    private final int localIp;
    private final int prefixLen;
    private final long localMac;
    private final Clock clock;
    private final long ageingNanos;
    private final long retryNanos = RETRY.toNanos();
    private final Runnable neighbourChanged;
    private final LocalPort local;
    private final LongRing toPhy = new MpscLongRing(RING);
    private final List<Side> sides = new CopyOnWriteArrayList<>();
    private final Map<InetAddress, Neighbour> neighbours = new ConcurrentHashMap<>();
    // ---- under this object's lock ----
    private final Map<InetAddress, Pending> pending = new HashMap<>();
    private final List<Route> routes = new ArrayList<>(); // longest prefix first
    /** The earliest timer (a retry or an expiry), read by the local port's poll thread on every poll. */
    private volatile long nextDeadline = Long.MAX_VALUE;
    private final LongAdder txDropped = new LongAdder();
    private final LongAdder notForUs = new LongAdder();
    private final LongAdder requestsSent = new LongAdder();
    private final LongAdder repliesSent = new LongAdder();
    private final LongAdder resolveFailed = new LongAdder();
    private final LongAdder expired = new LongAdder();
    private final LongAdder refreshes = new LongAdder();
    private volatile boolean closed;

    private NativeUnderlay(Builder b) {
        this.memory = Objects.requireNonNull(b.memory, "memory");
        this.clock = b.clock;
        this.address = Objects.requireNonNull(b.address, "local address (Builder.local)");
        this.v6 = address instanceof Inet6Address;
        this.addressBytes = address.getAddress();
        this.localIp = v6 ? 0 : Ip4.toInt(addressBytes);
        this.prefixLen = b.prefixLen;
        this.localMac = b.mac & BROADCAST;
        this.ageingNanos = b.ageing.toNanos();
        this.neighbourChanged = Objects.requireNonNull(b.neighbourChanged, "neighbourChanged (Builder.onNeighbourChange)");
        this.local = new LocalPort(Objects.requireNonNull(b.portName, "portName"));
        if (memory.headroom() < 128) {
            throw new IllegalArgumentException("packet memory headroom " + memory.headroom() + " is below 128 bytes");
        }
    }

    /** A builder: give it the local address with its prefix, the local port's name and MAC, the memory and the listener. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The underlay side for one tunnel port with {@code config}, whose {@code local_ip} must be this underlay's
     * address. Two ports may not take the same packets: same type and UDP port, same remote and same key.
     */
    public Underlay tunnel(TunnelConfig config) {
        Objects.requireNonNull(config, "config");
        if (!config.local().equals(address)) {
            throw new IllegalArgumentException("tunnel local_ip " + config.local().getHostAddress()
                    + " is not this underlay's address " + address.getHostAddress());
        }
        synchronized (this) {
            for (Side s : sides) {
                TunnelConfig o = s.config;
                if (o.type().udp() && config.type().udp() && o.dstPort() == config.dstPort() && o.type() != config.type()) {
                    throw new IllegalArgumentException("UDP port " + config.dstPort() + " already carries "
                            + o.type().ovsName() + " here; give " + config.type().ovsName() + " another dst_port");
                }
                if (o.type() == config.type() && o.dstPort() == config.dstPort() && o.key() == config.key()
                        && Objects.equals(o.remote(), config.remote())) {
                    throw new IllegalArgumentException("another tunnel port already takes these packets: " + o);
                }
            }
            Side s = new Side(config);
            sides.add(s);
            return s;
        }
    }

    /** The bridge port that owns the local address; add it to the bridge of the physical port. */
    public Port localPort() {
        return local;
    }

    /** The local address. */
    public InetAddress address() {
        return address;
    }

    /**
     * {@code ovs/route/add PREFIX/LEN GATEWAY}: remotes under the prefix are reached through {@code gateway}
     * (both of the local address's family).
     */
    public void addRoute(String cidr, String gateway) {
        String[] parts = cidr.split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("route " + cidr + " is not PREFIX/LENGTH");
        }
        int max = v6 ? 128 : 32;
        int len;
        try {
            len = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("prefix length " + parts[1] + " is not a number 0.." + max);
        }
        if (len < 0 || len > max) {
            throw new IllegalArgumentException("prefix length " + len + " is outside 0.." + max);
        }
        byte[] prefix = literal(parts[0]).getAddress();
        InetAddress gw = literal(gateway);
        if (prefix.length != addressBytes.length || gw.getAddress().length != addressBytes.length) {
            throw new IllegalArgumentException("route " + cidr + " via " + gateway + " is not of the local address's"
                    + " family (IPv" + (v6 ? 6 : 4) + ")");
        }
        synchronized (this) {
            routes.removeIf(r -> r.length == len && covers(r.prefix, len, prefix));
            routes.add(new Route(prefix, len, gw));
            routes.sort((x, y) -> Integer.compare(y.length, x.length));
        }
        neighbourChanged.run();
    }

    /** The neighbour cache as {@code tnl/neigh/show} lists it: address → MAC. */
    public Map<String, String> arpTable() {
        Map<String, String> m = new TreeMap<>();
        neighbours.forEach((ip, n) -> m.put(ip.getHostAddress(),
                String.format("%012x", n.mac).replaceAll("(..)(?!$)", "$1:")));
        return m;
    }

    /** Adds a static neighbour entry ({@code tnl/neigh/set}), which never expires. */
    public void addNeighbour(String ip, long mac) {
        InetAddress a = literal(ip);
        synchronized (this) {
            neighbours.put(a, new Neighbour(mac & BROADCAST, Long.MAX_VALUE));
            pending.remove(a);
        }
        neighbourChanged.run();
    }

    /**
     * Counters of the underlay's own work: frames not for it, requests (ARP or neighbour solicitations) and replies
     * sent, resolutions given up, entries expired, frames dropped for want of ring space.
     */
    public Map<String, Long> counters() {
        long rxDropped = 0;
        for (Side s : sides) {
            rxDropped += s.rxDropped.sum();
        }
        String req = v6 ? "nd_solicitations_sent" : "arp_requests_sent";
        String rep = v6 ? "nd_advertisements_sent" : "arp_replies_sent";
        return Map.of("not_for_us", notForUs.sum(), req, requestsSent.sum(), rep, repliesSent.sum(),
                "resolve_failed", resolveFailed.sum(), "expired", expired.sum(), "refreshes", refreshes.sum(),
                "rx_dropped", rxDropped, "tx_dropped", txDropped.sum());
    }

    // ---- next hop and resolution (slow path) ----

    private synchronized long[] ethernetFor(byte[] remote) {
        if (remote.length != addressBytes.length) {
            return null;
        }
        InetAddress hop = nextHop(remote);
        if (hop == null) {
            return null; // no route
        }
        Neighbour n = neighbours.get(hop);
        if (n != null) {
            return new long[] {localMac, n.mac};
        }
        if (!pending.containsKey(hop)) {
            Pending p = new Pending();
            p.sent = 1;
            p.next = clock.nanos() + retryNanos;
            pending.put(hop, p);
            nextDeadline = Math.min(nextDeadline, p.next);
            request(hop.getAddress());
        }
        return null;
    }

    private InetAddress nextHop(byte[] dst) {
        for (Route r : routes) {
            if (covers(r.prefix, r.length, dst)) {
                return r.gateway;
            }
        }
        return covers(addressBytes, prefixLen, dst) ? toAddress(dst) : null;
    }

    /** The timers: retries of pending resolutions and expiry of learnt entries. On br-phy's poll thread. */
    private void tick() {
        long now = clock.nanos();
        if (now < nextDeadline) {
            return;
        }
        boolean changed = false;
        synchronized (this) {
            long next = Long.MAX_VALUE;
            for (Iterator<Map.Entry<InetAddress, Pending>> it = pending.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<InetAddress, Pending> e = it.next();
                Pending p = e.getValue();
                if (now >= p.next) {
                    if (p.sent >= ATTEMPTS) {
                        it.remove();
                        resolveFailed.increment();
                        continue;
                    }
                    p.sent++;
                    p.next = now + retryNanos;
                    request(e.getKey().getAddress());
                }
                next = Math.min(next, p.next);
            }
            long lead = ATTEMPTS * retryNanos;
            for (Iterator<Map.Entry<InetAddress, Neighbour>> it = neighbours.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<InetAddress, Neighbour> e = it.next();
                Neighbour n = e.getValue();
                if (now >= n.expires) {
                    it.remove();
                    pending.remove(e.getKey());
                    expired.increment();
                    changed = true;
                } else if (n.expires != Long.MAX_VALUE && now >= n.expires - lead && !pending.containsKey(e.getKey())) {
                    // Refresh before it expires, so that traffic to a live neighbour is never cut: an answer renews it.
                    Pending p = new Pending();
                    p.sent = 1;
                    p.next = now + retryNanos;
                    pending.put(e.getKey(), p);
                    request(e.getKey().getAddress());
                    refreshes.increment();
                    next = Math.min(next, Math.min(p.next, n.expires));
                } else {
                    next = Math.min(next, pending.containsKey(e.getKey()) || n.expires == Long.MAX_VALUE ? n.expires
                            : n.expires - lead);
                }
            }
            nextDeadline = next;
        }
        if (changed) {
            neighbourChanged.run();
        }
    }

    private void learn(InetAddress ip, long mac) {
        if ((mac & 0x0100_0000_0000L) != 0 || mac == 0) {
            return; // a multicast or zero MAC is no neighbour's
        }
        boolean changed;
        synchronized (this) {
            Neighbour old = neighbours.get(ip);
            if (old != null && old.expires == Long.MAX_VALUE) {
                return; // static entries are not overwritten by what the wire says
            }
            long expires = clock.nanos() + ageingNanos;
            neighbours.put(ip, new Neighbour(mac, expires));
            pending.remove(ip);
            nextDeadline = Math.min(nextDeadline, expires - ATTEMPTS * retryNanos);
            changed = old == null || old.mac != mac;
        }
        if (changed) {
            neighbourChanged.run();
        }
    }

    // ---- frames of our own: ARP and neighbour discovery ----

    private void request(byte[] target) {
        if (v6) {
            // To the solicited-node multicast address ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX (RFC 4861 7.2.2).
            byte[] dst = new byte[16];
            dst[0] = (byte) 0xff;
            dst[1] = 0x02;
            dst[11] = 1;
            dst[12] = (byte) 0xff;
            System.arraycopy(target, 13, dst, 13, 3);
            long mac = 0x3333_ff00_0000L | (target[13] & 0xffL) << 16 | (target[14] & 0xffL) << 8 | (target[15] & 0xffL);
            sendNd(135, mac, dst, target, 1);
        } else {
            sendArp(1, 0, BROADCAST, Ip4.toInt(target));
        }
        requestsSent.increment();
    }

    /** Builds and queues an ARP frame from the local port. */
    private void sendArp(int op, long tha, long ethDst, int tpa) {
        Packet p = frame(60);
        if (p == null) {
            return;
        }
        p.mac(0, ethDst);
        p.mac(6, localMac);
        p.u16(12, 0x0806);
        p.u16(14, 1);
        p.u16(16, 0x0800);
        p.u8(18, 6);
        p.u8(19, 4);
        p.u16(20, op);
        p.mac(22, localMac);
        p.u32(28, Integer.toUnsignedLong(localIp));
        p.mac(32, tha);
        p.u32(38, Integer.toUnsignedLong(tpa));
        offer(toPhy, p, null, txDropped);
    }

    /**
     * Builds and queues a neighbour solicitation (135) or advertisement (136, solicited and override) for
     * {@code target}, to {@code dst} at {@code ethDst}, with our link-layer address as option {@code option}
     * (1 source, 2 target).
     */
    private void sendNd(int type, long ethDst, byte[] dst, byte[] target, int option) {
        Packet p = frame(14 + 40 + 32);
        if (p == null) {
            return;
        }
        p.mac(0, ethDst);
        p.mac(6, localMac);
        p.u16(12, 0x86dd);
        p.u32(14, 0x6000_0000L);
        p.u16(18, 32);
        p.u8(20, Checksums.PROTO_ICMPV6);
        p.u8(21, 255); // RFC 4861: a receiver checks that no router forwarded it
        p.write(22, addressBytes, 0, 16);
        p.write(38, dst, 0, 16);
        p.u8(54, type);
        p.u32(58, type == 136 ? 0x6000_0000L : 0); // S and O
        p.write(62, target, 0, 16);
        p.u8(78, option);
        p.u8(79, 1);
        p.mac(80, localMac);
        p.u16(56, Checksums.l4(p, 54, 32, Checksums.PROTO_ICMPV6, Checksums.pseudoHeaderV6(p, 14,
                Checksums.PROTO_ICMPV6, 32)));
        offer(toPhy, p, null, txDropped);
    }

    /** A zeroed frame of {@code len} bytes in a fresh buffer, or null (counted) when the memory is exhausted. */
    private Packet frame(int len) {
        long h = memory.allocate();
        if (h < 0) {
            txDropped.increment();
            return null;
        }
        Packet p = new Packet().bindEmpty(memory, h); // slow path (resolution) or rare (replies): a view is fine
        p.length(len);
        for (int o = 0; o + 4 <= len; o += 4) {
            p.u32(o, 0);
        }
        for (int o = len & ~3; o < len; o++) {
            p.u8(o, 0);
        }
        return p;
    }

    /**
     * Hands {@code p} to {@code ring} with its offset and length in the buffer's first bytes, then the outer
     * addresses of a received tunnel packet ({@code outer}: source and destination, IPv4 or IPv6; null for ours).
     */
    private void offer(LongRing ring, Packet p, byte[] outer, LongAdder dropped) {
        MemorySegment r = memory.region();
        long h = p.handle();
        long base = memory.bufferOffset(h);
        r.set(Packet.BE_INT, base, p.dataOffset());
        r.set(Packet.BE_INT, base + 4, p.length());
        if (outer != null) {
            MemorySegment.copy(outer, 0, r, java.lang.foreign.ValueLayout.JAVA_BYTE, base + 8, outer.length);
        }
        p.unbind();
        if (!ring.offer(h)) {
            dropped.increment();
            memory.release(h);
        }
    }

    /** A frame br-phy sent to the local port: ARP/ND, a tunnel packet for us, or not ours. Takes ownership. */
    private void accept(Packet p) {
        int len = p.length();
        int type = len < 14 ? 0 : p.u16(12);
        if (!v6 && type == 0x0806) {
            acceptArp(p);
        } else if (!v6 && type == 0x0800) {
            acceptIpv4(p);
        } else if (v6 && type == 0x86dd) {
            acceptIpv6(p);
        } else {
            drop(p);
        }
    }

    private void acceptArp(Packet p) {
        if (p.length() >= 42 && p.u16(14) == 1 && p.u16(16) == 0x0800 && p.u8(18) == 6 && p.u8(19) == 4
                && p.i32(38) == localIp) {
            int op = p.u16(20);
            long sha = p.mac(22);
            int spa = p.i32(28);
            if (spa != 0) {
                learn(Ip4.address(Ip4.toBytes(spa)), sha);
            }
            if (op == 1) {
                sendArp(2, sha, sha, spa);
                repliesSent.increment();
            }
            p.release();
            return;
        }
        drop(p);
    }

    private void acceptIpv4(Packet p) {
        int len = p.length();
        if (len < 34 || p.mac(0) != localMac) {
            drop(p);
            return;
        }
        int vihl = p.u8(14);
        int ihl = 4 * (vihl & 0xf);
        int total = p.u16(16);
        if ((vihl >>> 4) != 4 || ihl < 20 || total < ihl || 14 + total > len || p.i32(30) != localIp
                || !Checksums.ipv4HeaderValid(p, 14) || (p.u16(20) & 0x3fff) != 0) {
            drop(p); // not an unfragmented IPv4 packet for local_ip with a sound header
            return;
        }
        byte[] outer = new byte[8];
        p.read(26, outer, 0, 8);
        deliver(p, p.u8(23), 14 + ihl, total - ihl, outer, 4);
    }

    private void acceptIpv6(Packet p) {
        int len = p.length();
        if (len < 54 || (p.u8(14) >>> 4) != 6) {
            drop(p);
            return;
        }
        int payload = p.u16(18);
        int next = p.u8(20);
        if (54 + payload > len) {
            drop(p);
            return;
        }
        if (next == Checksums.PROTO_ICMPV6 && payload >= 24 && p.u8(21) == 255) {
            acceptNd(p, payload);
            return;
        }
        if (p.mac(0) != localMac || !sameBytes(p, 38, addressBytes)) {
            drop(p);
            return;
        }
        byte[] outer = new byte[32];
        p.read(22, outer, 0, 32);
        deliver(p, next, 54, payload, outer, 16);
    }

    /** A neighbour solicitation for our address (answered, sender learnt) or an advertisement (target learnt). */
    private void acceptNd(Packet p, int payload) {
        int type = p.u8(54);
        if ((type != 135 && type != 136) || p.u8(55) != 0 || (type == 135 && !sameBytes(p, 62, addressBytes))
                || !Checksums.l4Valid(p, 54, payload, Checksums.pseudoHeaderV6(p, 14, Checksums.PROTO_ICMPV6, payload))) {
            drop(p);
            return;
        }
        // The link-layer address option: source (1) in a solicitation, target (2) in an advertisement.
        long mac = p.mac(6);
        for (int o = 78; o + 8 <= 54 + payload; ) {
            int ol = 8 * p.u8(o + 1);
            if (ol == 0) {
                break;
            }
            if (p.u8(o) == (type == 135 ? 1 : 2) && ol == 8) {
                mac = p.mac(o + 2);
            }
            o += ol;
        }
        byte[] src = new byte[16];
        p.read(22, src, 0, 16);
        byte[] target = new byte[16];
        p.read(62, target, 0, 16);
        p.release();
        if (type == 135) {
            boolean unspecified = true;
            for (byte b : src) {
                unspecified &= b == 0;
            }
            if (!unspecified) { // duplicate address detection (from ::) is not answered: no DAD here
                learn(toAddress(src), mac);
                sendNd(136, mac, src, addressBytes, 2);
                repliesSent.increment();
            }
        } else {
            learn(toAddress(target), mac);
        }
    }

    /**
     * Strips the outer IP (and UDP) header of a tunnel packet with protocol {@code proto} whose IP payload of
     * {@code l4Len} bytes starts at {@code l4}, and hands it to the tunnel side it belongs to.
     */
    private void deliver(Packet p, int proto, int l4, int l4Len, byte[] outer, int addrLen) {
        int strip;
        int payload;
        boolean udp = proto == 17;
        int port = -1;
        if (udp) {
            if (l4Len < 8) {
                drop(p);
                return;
            }
            port = p.u16(l4 + 2);
            int udpLen = p.u16(l4 + 4);
            if (udpLen < 8 || udpLen > l4Len) {
                drop(p);
                return;
            }
            strip = l4 + 8;
            payload = udpLen - 8;
        } else if (proto == 47) {
            strip = l4;
            payload = l4Len;
        } else {
            drop(p);
            return;
        }
        Side s = pick(p, strip, payload, udp, port, outer, addrLen);
        if (s == null) {
            drop(p);
            return;
        }
        p.adjustHead(-strip);
        p.length(payload); // drops Ethernet padding
        offer(s.toTunnel, p, outer, s.rxDropped);
    }

    /**
     * The tunnel side for a packet: of its type (GRE, or the UDP port's), scored by key (exact 2, flow 1, other 0)
     * then remote (exact 2, flow 1, other 0), as Open vSwitch prefers exact tunnel port matches over flow-based ones.
     */
    private Side pick(Packet p, int hdr, int payload, boolean udp, int port, byte[] outer, int addrLen) {
        Side best = null;
        int bestScore = -1;
        for (Side s : sides) {
            TunnelConfig c = s.config;
            if (c.type().udp() != udp || udp && c.dstPort() != port) {
                continue;
            }
            long key = packetKey(c.type(), p, hdr, payload);
            int k = c.key() == TunnelConfig.FLOW_KEY ? 1 : key == c.key() ? 2 : 0;
            int r = s.remote == null ? 1 : sameBytes(outer, 0, s.remote, addrLen) ? 2 : 0;
            int score = 4 * k + r;
            if (score > bestScore) {
                best = s;
                bestScore = score;
            }
        }
        return best;
    }

    /** The key a tunnel header carries, for demultiplexing only (-2 when it cannot be read; decap validates). */
    private static long packetKey(TunnelType t, Packet p, int hdr, int len) {
        if (t.udp()) {
            return len >= 8 ? p.u32(hdr + 4) >>> 8 : -2;
        }
        if (len < 4) {
            return -2;
        }
        int flags = p.u16(hdr);
        if ((flags & 0x2000) == 0) {
            return 0;
        }
        int at = hdr + 4 + ((flags & 0x8000) != 0 ? 4 : 0);
        return at + 4 <= hdr + len ? p.u32(at) : -2;
    }

    private void drop(Packet p) {
        notForUs.increment();
        p.release();
    }

    /** Closes every tunnel side and the local port, releasing the buffers they hold. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Side s : sides) {
            s.close();
        }
        // toPhy is drained by the local port's poll thread; what is left is released by the local port's close.
    }

    /** One tunnel port's underlay: its receive ring and its view of the shared next hops. */
    private final class Side implements Underlay {
        final TunnelConfig config;
        final byte[] remote;
        final LongRing toTunnel = new MpscLongRing(RING); // br-phy may transmit from several poll threads
        final LongAdder rxDropped = new LongAdder();
        final LongAdder sideTxDropped = new LongAdder();
        volatile boolean sideClosed;

        Side(TunnelConfig config) {
            this.config = config;
            this.remote = config.remote() == null ? null : config.remote().getAddress();
        }

        @Override
        public int receive(PacketBatch batch) {
            int n = 0;
            MemorySegment r = memory.region();
            while (!batch.isFull()) {
                long h = toTunnel.poll();
                if (h == LongRing.EMPTY) {
                    break;
                }
                long base = memory.bufferOffset(h);
                Packet p = batch.add();
                p.bind(memory, h, r.get(Packet.BE_INT, base), r.get(Packet.BE_INT, base + 4));
                if (v6) {
                    p.tunnelIpv6(r.get(Packet.BE_LONG, base + 8), r.get(Packet.BE_LONG, base + 16),
                            r.get(Packet.BE_LONG, base + 24), r.get(Packet.BE_LONG, base + 32));
                } else {
                    p.tunnel(0, r.get(Packet.BE_INT, base + 8), r.get(Packet.BE_INT, base + 12));
                }
                n++;
            }
            return n;
        }

        @Override
        public void send(PacketBatch batch) {
            for (int i = 0; i < batch.size(); i++) {
                Packet p = batch.get(i);
                if (sideClosed || closed || p.memory() != memory || p.dataOffset() < 8) {
                    sideTxDropped.increment();
                    p.release();
                    continue;
                }
                offer(toPhy, p, null, sideTxDropped);
            }
            batch.size(0);
        }

        @Override
        public long[] ethernetFor(byte[] remote) {
            return NativeUnderlay.this.ethernetFor(remote);
        }

        @Override
        public long rxDropped() {
            return rxDropped.sum();
        }

        @Override
        public long txDropped() {
            return sideTxDropped.sum();
        }

        @Override
        public void close() {
            sideClosed = true;
            sides.remove(this);
            long h;
            while ((h = toTunnel.poll()) != LongRing.EMPTY) {
                memory.release(h);
            }
        }
    }

    /** The local port: br-phy's view of the underlay. */
    private final class LocalPort implements Port {
        private final String name;
        private long rxPackets;
        private long rxBytes;
        private final LongAdder txPackets = new LongAdder();
        private final LongAdder txBytes = new LongAdder();
        private boolean portClosed;
        /** The view a frame copied from another memory is bound to, under its own lock (transmit may run on several threads). */
        private final Packet spare = new Packet();

        LocalPort(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int receive(int queue, PacketBatch batch) {
            tick();
            int n = 0;
            MemorySegment r = memory.region();
            while (!batch.isFull()) {
                long h = toPhy.poll();
                if (h == LongRing.EMPTY) {
                    break;
                }
                long base = memory.bufferOffset(h);
                Packet p = batch.add();
                p.bind(memory, h, r.get(Packet.BE_INT, base), r.get(Packet.BE_INT, base + 4));
                rxBytes += p.length();
                n++;
            }
            rxPackets += n;
            return n;
        }

        @Override
        public void transmit(PacketBatch batch) {
            int n = batch.size();
            long bytes = 0;
            for (int i = 0; i < n; i++) {
                Packet p = batch.get(i);
                bytes += p.length();
                if (closed) {
                    txDropped.increment();
                    p.release();
                } else if (p.memory() != memory) {
                    // A frame in another memory (an AF_XDP UMEM, say): one copy into ours, whose handles the rings carry.
                    synchronized (spare) {
                        if (p.copyTo(memory, spare)) {
                            accept(spare);
                        } else {
                            txDropped.increment();
                        }
                    }
                    p.release();
                } else {
                    accept(p);
                }
            }
            batch.size(0);
            txPackets.add(n);
            txBytes.add(bytes);
        }

        @Override
        public PacketMemory memory() {
            return memory;
        }

        @Override
        public boolean linkUp() {
            return !portClosed;
        }

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public long mac() {
            return localMac;
        }

        @Override
        public PortStats stats() {
            return new PortStats(rxPackets, rxBytes, 0, 0, txPackets.sum(), txBytes.sum(), notForUs.sum(), 0);
        }

        @Override
        public void close() {
            portClosed = true;
            long h;
            while ((h = toPhy.poll()) != LongRing.EMPTY) {
                memory.release(h);
            }
        }
    }

    /** Builds a {@link NativeUnderlay}. */
    public static final class Builder {
        private InetAddress address;
        private int prefixLen;
        private String portName;
        private long mac;
        private PacketMemory memory;
        private Clock clock = Clock.system();
        private Duration ageing = DEFAULT_AGEING;
        private Runnable neighbourChanged;

        private Builder() {
        }

        /** The local address and on-link prefix, {@code 198.51.100.1/24} or {@code 2001:db8::1/64}. */
        public Builder local(String cidr) {
            String[] parts = Objects.requireNonNull(cidr, "cidr").split("/");
            if (parts.length != 2) {
                throw new IllegalArgumentException("local address " + cidr + " is not ADDRESS/PREFIX-LENGTH");
            }
            InetAddress a = literal(parts[0]);
            int max = a instanceof Inet6Address ? 128 : 32;
            int len;
            try {
                len = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("prefix length " + parts[1] + " is not a number 1.." + max);
            }
            if (len < 1 || len > max) {
                throw new IllegalArgumentException("prefix length " + len + " is outside 1.." + max);
            }
            if (a.isAnyLocalAddress()) {
                throw new IllegalArgumentException("native tunnelling needs a local address, not the wildcard " + cidr);
            }
            this.address = a;
            this.prefixLen = len;
            return this;
        }

        /** The local port's name (OVS: br-phy's LOCAL port) and MAC. */
        public Builder port(String name, long mac) {
            this.portName = Objects.requireNonNull(name, "name");
            this.mac = mac;
            return this;
        }

        /** Where frames live (the switch's memory). */
        public Builder memory(PacketMemory memory) {
            this.memory = Objects.requireNonNull(memory, "memory");
            return this;
        }

        /** The clock of resolution retries and ageing: the switch's (default the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long a learnt neighbour lives after it was last confirmed; default {@link #DEFAULT_AGEING}. */
        public Builder ageing(Duration ageing) {
            if (ageing.isNegative() || ageing.isZero()) {
                throw new IllegalArgumentException("neighbour ageing " + ageing + " must be positive");
            }
            this.ageing = ageing;
            return this;
        }

        /** Runs when a neighbour is learnt, changes or expires, or a route is added: the datapath's {@code invalidateAll}. */
        public Builder onNeighbourChange(Runnable r) {
            this.neighbourChanged = Objects.requireNonNull(r, "neighbourChanged");
            return this;
        }

        /** The underlay. */
        public NativeUnderlay build() {
            return new NativeUnderlay(this);
        }
    }

    // ---- addresses ----

    private static boolean covers(byte[] prefix, int len, byte[] a) {
        if (prefix.length != a.length) {
            return false;
        }
        int full = len / 8;
        for (int i = 0; i < full; i++) {
            if (prefix[i] != a[i]) {
                return false;
            }
        }
        int rest = len % 8;
        if (rest == 0) {
            return true;
        }
        int m = 0xff << (8 - rest) & 0xff;
        return (prefix[full] & m) == (a[full] & m);
    }

    private static boolean sameBytes(Packet p, int off, byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if ((byte) p.u8(off + i) != b[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameBytes(byte[] outerSrcFirst, int off, byte[] b, int len) {
        return b.length == len && java.util.Arrays.equals(outerSrcFirst, off, off + len, b, 0, len);
    }

    private static InetAddress toAddress(byte[] a) {
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static InetAddress literal(String s) {
        String t = s.strip();
        if (!t.matches("[0-9.]+") && !t.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException(s + " is not an IPv4 or IPv6 address");
        }
        try {
            return InetAddress.getByName(t);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s + " is not an IPv4 or IPv6 address", e);
        }
    }
}
