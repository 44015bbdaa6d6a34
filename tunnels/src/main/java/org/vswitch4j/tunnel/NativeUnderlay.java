package org.vswitch4j.tunnel;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.vswitch4j.core.packet.Checksums;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.ring.LongRing;
import org.vswitch4j.core.ring.MpscLongRing;

/**
 * Native tunnelling, as Open vSwitch's userspace datapath does it: the switch builds the whole outer header itself
 * (Ethernet included) and the frames leave through a port of another bridge, with the switch's own ARP cache and
 * route table (OVS: {@code ovs-appctl tnl/arp/show}, {@code ovs/route/add}). This carries GRE, which no socket
 * can, and puts tunnels on AF_XDP, TAP or DPDK ports.
 *
 * <pre>
 *   br-int: [vm ports] ... [TunnelPort "vxlan0" over this underlay]
 *   br-phy: [localPort(): the underlay's IP and MAC, OVS's br-phy LOCAL port] [the physical port: AF_XDP, TAP, DPDK]
 * </pre>
 *
 * <p>{@link #localPort()} is the bridge port of br-phy that owns {@code local_ip}: frames br-phy sends it are ARP
 * (requests for {@code local_ip} are answered, senders are learnt) and tunnel packets for {@code local_ip} (IPv4 header
 * checked, then Ethernet, IP and, for VXLAN and Geneve, UDP stripped and the rest handed to the tunnel port); the
 * rest is not for it and is counted and dropped. Frames the tunnel port sends, already encapsulated with the next
 * hop's MAC ({@link #ethernetFor}), and the underlay's own ARP frames, enter br-phy from the local port, whose
 * NORMAL (or OpenFlow) pipeline takes them to the physical port.
 *
 * <p>Next hop: the longest {@link #addRoute route} prefix that covers the remote (its gateway), else the remote
 * itself when it is on {@code local_ip}'s subnet. An unresolved next hop sends an ARP request and makes the
 * translation drop (as OVS drops while it resolves); when an ARP answer or request teaches a MAC that is new or
 * changed, {@code neighbourChanged} runs (give it the datapath's {@code invalidateAll}), so the next packet
 * translates again and finds it. Limits: IPv4 only (no neighbour discovery yet); no ARP retry timer (a lost
 * reply is retried when a revalidation or another upcall translates again); one tunnel port per underlay; no
 * ICMP (the underlay address does not answer ping).
 *
 * <p>Thread-safety: the local port's {@code transmit} runs on br-phy's poll threads, its {@code receive} on the one
 * that owns it; {@link #receive} on the tunnel port's poll thread; {@link #send} on any. Hand-offs are lock-free
 * rings of buffer handles (the buffer's first 16 bytes carry offset, length and addresses); the ARP cache is a
 * concurrent map read only on the slow path.
 */
public final class NativeUnderlay implements Underlay {
    static final int RING = 4096;
    private static final long BROADCAST = 0xffff_ffff_ffffL;

    private final PacketMemory memory;
    private final TunnelConfig config;
    private final int localIp;
    private final int prefixLen;
    private final long localMac;
    private final Runnable neighbourChanged;
    private final LocalPort local;
    private final LongRing toPhy = new MpscLongRing(RING);
    private final LongRing toTunnel = new MpscLongRing(RING); // br-phy may transmit from several poll threads
    private final Map<Integer, Long> arp = new ConcurrentHashMap<>();
    /** Routes by prefix length, longest first: prefix → gateway. Slow path only (synchronized). */
    private final TreeMap<Integer, Map<Integer, Integer>> routes = new TreeMap<>(java.util.Comparator.reverseOrder());
    private final LongAdder rxDropped = new LongAdder();
    private final LongAdder txDropped = new LongAdder();
    private final LongAdder notForUs = new LongAdder();
    private final LongAdder arpRequestsSent = new LongAdder();
    private final LongAdder arpRepliesSent = new LongAdder();
    private volatile boolean closed;

    /**
     * An underlay for {@code config}'s tunnel (IPv4 {@code local_ip} required) on the subnet {@code local_ip/prefixLen},
     * whose local port is named {@code portName} with MAC {@code mac}; frames live in {@code memory}.
     */
    public NativeUnderlay(TunnelConfig config, int prefixLen, String portName, long mac, PacketMemory memory,
                          Runnable neighbourChanged) {
        this.config = Objects.requireNonNull(config, "config");
        if (!(config.local() instanceof Inet4Address) || config.local().isAnyLocalAddress()) {
            throw new IllegalArgumentException("native tunnelling needs an IPv4 local_ip (IPv6 has no neighbour"
                    + " discovery here yet); got " + config.local().getHostAddress());
        }
        if (prefixLen < 1 || prefixLen > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLen + " is outside 1..32");
        }
        if (memory.headroom() < 80) {
            throw new IllegalArgumentException("packet memory headroom " + memory.headroom() + " is below 80 bytes");
        }
        this.memory = memory;
        this.localIp = Ip4.toInt(config.local().getAddress());
        this.prefixLen = prefixLen;
        this.localMac = mac & BROADCAST;
        this.neighbourChanged = Objects.requireNonNull(neighbourChanged, "neighbourChanged");
        this.local = new LocalPort(Objects.requireNonNull(portName, "portName"));
    }

    /** The bridge port that owns {@code local_ip}; add it to the bridge of the physical port. */
    public Port localPort() {
        return local;
    }

    /** {@code ovs/route/add PREFIX/LEN GATEWAY}: remotes under the prefix are reached through {@code gateway}. */
    public synchronized void addRoute(String cidr, String gateway) {
        String[] parts = cidr.split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("route " + cidr + " is not PREFIX/LENGTH");
        }
        int len = Integer.parseInt(parts[1]);
        if (len < 0 || len > 32) {
            throw new IllegalArgumentException("prefix length " + len + " is outside 0..32");
        }
        int prefix = Ip4.toInt(literal(parts[0])) & mask(len);
        routes.computeIfAbsent(len, k -> new java.util.HashMap<>()).put(prefix, Ip4.toInt(literal(gateway)));
        neighbourChanged.run();
    }

    /** The ARP cache as {@code tnl/arp/show} lists it: IP → MAC. */
    public Map<String, String> arpTable() {
        Map<String, String> m = new TreeMap<>();
        arp.forEach((ip, mac) -> m.put(Ip4.format(ip), String.format("%012x", mac).replaceAll("(..)(?!$)", "$1:")));
        return m;
    }

    /** Adds a static ARP entry ({@code tnl/arp/set}). */
    public void addNeighbour(String ip, long mac) {
        arp.put(Ip4.toInt(literal(ip)), mac & BROADCAST);
        neighbourChanged.run();
    }

    /** Counters of the underlay's own work: frames not for it, ARP requests and replies sent. */
    public Map<String, Long> counters() {
        return Map.of("not_for_us", notForUs.sum(), "arp_requests_sent", arpRequestsSent.sum(),
                "arp_replies_sent", arpRepliesSent.sum(), "rx_dropped", rxDropped.sum(), "tx_dropped", txDropped.sum());
    }

    @Override
    public synchronized long[] ethernetFor(byte[] remote) {
        if (remote.length != 4) {
            return null;
        }
        int dst = Ip4.toInt(remote);
        int hop = nextHop(dst);
        if (hop == 0) {
            return null; // no route
        }
        Long mac = arp.get(hop);
        if (mac == null) {
            sendArp(1, BROADCAST, 0, hop);
            return null;
        }
        return new long[] {localMac, mac};
    }

    private int nextHop(int dst) {
        for (Map.Entry<Integer, Map<Integer, Integer>> e : routes.entrySet()) {
            Integer gw = e.getValue().get(dst & mask(e.getKey()));
            if (gw != null) {
                return gw;
            }
        }
        return (dst & mask(prefixLen)) == (localIp & mask(prefixLen)) ? dst : 0;
    }

    // ---- the tunnel port's side ----

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
            p.bind(memory, h, r.get(Packet.BE_INT, base + 8), r.get(Packet.BE_INT, base + 12));
            p.tunnel(0, r.get(Packet.BE_INT, base), r.get(Packet.BE_INT, base + 4));
            n++;
        }
        return n;
    }

    @Override
    public void send(PacketBatch batch) {
        for (int i = 0; i < batch.size(); i++) {
            Packet p = batch.get(i);
            if (closed || p.memory() != memory || p.dataOffset() < 16) {
                txDropped.increment();
                p.release();
                continue;
            }
            offer(toPhy, p, 0, 0, txDropped);
        }
        batch.size(0);
    }

    /** Hands {@code p} to {@code ring} with its offset, length and two addresses in the buffer's first 16 bytes. */
    private void offer(LongRing ring, Packet p, int a, int b, LongAdder dropped) {
        MemorySegment r = memory.region();
        long h = p.handle();
        long base = memory.bufferOffset(h);
        r.set(Packet.BE_INT, base, a);
        r.set(Packet.BE_INT, base + 4, b);
        r.set(Packet.BE_INT, base + 8, p.dataOffset());
        r.set(Packet.BE_INT, base + 12, p.length());
        p.unbind();
        if (!ring.offer(h)) {
            dropped.increment();
            memory.release(h);
        }
    }

    // ---- ARP ----

    /** Builds and queues an ARP frame from the local port. */
    private void sendArp(int op, long tha, long ethDst, int tpa) {
        long h = memory.allocate();
        if (h < 0) {
            txDropped.increment();
            return;
        }
        Packet p = new Packet().bindEmpty(memory, h); // slow path (resolution) or rare (replies): a view is fine
        p.length(60);
        for (int o = 0; o < 60; o += 4) {
            p.u32(o, 0);
        }
        p.mac(0, op == 1 ? BROADCAST : ethDst);
        p.mac(6, localMac);
        p.u16(12, 0x0806);
        p.u16(14, 1);
        p.u16(16, 0x0800);
        p.u8(18, 6);
        p.u8(19, 4);
        p.u16(20, op);
        p.mac(22, localMac);
        p.u32(28, Integer.toUnsignedLong(localIp));
        p.mac(32, op == 1 ? 0 : tha);
        p.u32(38, Integer.toUnsignedLong(tpa));
        (op == 1 ? arpRequestsSent : arpRepliesSent).increment();
        offer(toPhy, p, 0, 0, txDropped);
    }

    private void learn(int ip, long mac) {
        if (ip == 0 || (mac & 0x0100_0000_0000L) != 0) {
            return;
        }
        Long old = arp.put(ip, mac);
        if (old == null || old != mac) {
            neighbourChanged.run();
        }
    }

    /** A frame br-phy sent to the local port: ARP, a tunnel packet for us, or not ours. Takes ownership. */
    private void accept(Packet p) {
        int len = p.length();
        if (len < 14) {
            drop(p);
            return;
        }
        int type = p.u16(12);
        if (type == 0x0806) {
            if (len >= 42 && p.u16(14) == 1 && p.u16(16) == 0x0800 && p.u8(18) == 6 && p.u8(19) == 4) {
                int op = p.u16(20);
                long sha = p.mac(22);
                int spa = p.i32(28);
                int tpa = p.i32(38);
                if (tpa == localIp) {
                    learn(spa, sha);
                    if (op == 1) {
                        sendArp(2, sha, sha, spa);
                    }
                    p.release();
                    return;
                }
            }
            drop(p);
            return;
        }
        if (type != 0x0800 || len < 34 || p.mac(0) != localMac) {
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
        int proto = p.u8(23);
        int src = p.i32(26);
        int strip;
        int payload;
        if (config.type().udp()) {
            if (proto != 17 || total < ihl + 8 || p.u16(14 + ihl + 2) != config.dstPort()) {
                drop(p);
                return;
            }
            int udpLen = p.u16(14 + ihl + 4);
            if (udpLen < 8 || udpLen > total - ihl) {
                drop(p);
                return;
            }
            strip = 14 + ihl + 8;
            payload = udpLen - 8;
        } else {
            if (proto != 47) {
                drop(p);
                return;
            }
            strip = 14 + ihl;
            payload = total - ihl;
        }
        p.adjustHead(-strip);
        p.length(payload); // drops Ethernet padding
        offer(toTunnel, p, src, localIp, rxDropped);
    }

    private void drop(Packet p) {
        notForUs.increment();
        p.release();
    }

    @Override
    public long rxDropped() {
        return rxDropped.sum();
    }

    @Override
    public long txDropped() {
        return txDropped.sum();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long h;
        while ((h = toTunnel.poll()) != LongRing.EMPTY) {
            memory.release(h);
        }
        // toPhy is drained by the local port's poll thread; what is left is released by the local port's close.
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
            int n = 0;
            MemorySegment r = memory.region();
            while (!batch.isFull()) {
                long h = toPhy.poll();
                if (h == LongRing.EMPTY) {
                    break;
                }
                long base = memory.bufferOffset(h);
                Packet p = batch.add();
                p.bind(memory, h, r.get(Packet.BE_INT, base + 8), r.get(Packet.BE_INT, base + 12));
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

    private static int mask(int len) {
        return len == 0 ? 0 : -1 << (32 - len);
    }

    private static byte[] literal(String s) {
        try {
            InetAddress a = InetAddress.getByName(s);
            if (!(a instanceof Inet4Address) || !s.matches("[0-9.]+")) {
                throw new IllegalArgumentException(s + " is not an IPv4 address");
            }
            return a.getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s + " is not an IPv4 address", e);
        }
    }
}
