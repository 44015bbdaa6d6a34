package org.vswitch4j.tunnel;

import java.net.Inet4Address;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.port.TunnelHeader;

/**
 * A bridge port that is a VXLAN, GRE or Geneve tunnel: Open vSwitch's {@code type=vxlan|gre|geneve} interface.
 *
 * <p>Transmit: a pipeline's output to this port becomes a {@code tnl_push} of the header {@link #tunnelHeader}
 * returns (remote and key from the options, or from the flow's tun_dst and tun_id when they are {@code flow});
 * {@link #transmit} receives frames already encapsulated and hands them to the {@link Underlay}.
 *
 * <p>Receive: {@link #receive} takes the underlay's frames, validates and strips the tunnel header
 * ({@link TunnelDecap}), drops what is malformed, has a key this port is not configured for or (with a fixed IPv4
 * or IPv6 {@code remote_ip}) comes from another outer source, as Open vSwitch does (counted in
 * {@link #stats()} rx_errors and, by reason, in {@link #decapErrors()}), and sets the tunnel metadata that the
 * datapath puts into the flow key: tun_id (VNI or GRE key), tun_src and tun_dst (outer IPv4 addresses) or tun_ipv6_src and
 * tun_ipv6_dst (the underlay sets them), and for
 * Geneve the options its {@link GeneveTlvMap} maps (tun_metadata fields; see there for unmapped ones).
 *
 * <p>MTU: {@link #mtu()} is large, so that the datapath's generic MTU check does not stop encapsulated frames; the
 * tunnel's limit is {@code underlay_mtu}, which the header enforces ({@link TunnelEncap}, drop policy).
 *
 * <p>Thread-safety: one rx queue, polled by one thread, whose counters are plain fields; transmit from any
 * poll thread (counters are {@link LongAdder}s, touched once per burst); {@link #tunnelHeader} under the slow-path lock.
 */
public final class TunnelPort implements Port {
    /** What {@link #mtu()} reports: the inner frame limit comes from the header, see the class comment. */
    static final int MTU = 65000;
    /** Headers kept for reuse by translations (a megaflow holds its own, so dropping them is harmless). */
    static final int MAX_HEADERS = 4096;
    private static final byte[] NO_OPTIONS = {};

    private final String name;
    private final TunnelConfig config;
    private final Underlay underlay;
    private final PacketMemory memory;
    private final GeneveTlvMap tlvMap;
    /** ICMP "fragmentation needed" replies ({@code pmtud=true}), or null. */
    private final PmtuReplies pmtu;
    private final byte[] fixedRemote;
    /** A fixed IPv4 remote_ip: frames from any other outer source are refused (0: any, remote_ip=flow or IPv6). */
    private final int fixedRemoteV4;
    /** A fixed IPv6 remote_ip, as two words: frames from another outer source are refused too. */
    private final boolean fixedRemoteV6;
    private final long fixedRemoteV6High;
    private final long fixedRemoteV6Low;
    /** Headers built so far, by remote and key (slow path only). */
    private final Map<String, TunnelEncap> headers = new HashMap<>();
    private volatile boolean closed;

    // ---- written by the rx poll thread ----
    private long rxPackets;
    private long rxBytes;
    private long rxErrors;
    private final long[] decapErrors = new long[TunnelDecap.Error.values().length];
    // ---- written by transmitting poll threads, once per burst ----
    private final LongAdder txPackets = new LongAdder();
    private final LongAdder txBytes = new LongAdder();

    /** A tunnel port named {@code name} with {@code config}, carried by {@code underlay}, receiving into {@code memory}. */
    public TunnelPort(String name, TunnelConfig config, Underlay underlay, PacketMemory memory) {
        this(name, config, underlay, memory, new GeneveTlvMap());
    }

    /**
     * As {@link #TunnelPort(String, TunnelConfig, Underlay, PacketMemory)}, with the bridge's Geneve TLV map
     * ({@code add-tlv-map}): which options are carried as tun_metadata fields (Geneve ports; others ignore it).
     */
    public TunnelPort(String name, TunnelConfig config, Underlay underlay, PacketMemory memory, GeneveTlvMap tlvMap) {
        this.tlvMap = Objects.requireNonNull(tlvMap, "tlvMap");
        this.pmtu = config.pmtud() ? new PmtuReplies(memory) : null;
        this.name = Objects.requireNonNull(name, "name");
        this.config = Objects.requireNonNull(config, "config");
        this.underlay = Objects.requireNonNull(underlay, "underlay");
        this.memory = Objects.requireNonNull(memory, "memory");
        this.fixedRemote = config.remote() == null ? null : config.remote().getAddress();
        this.fixedRemoteV4 = fixedRemote != null && fixedRemote.length == 4 ? Ip4.toInt(fixedRemote) : 0;
        boolean v6 = fixedRemote != null && fixedRemote.length == 16;
        this.fixedRemoteV6 = v6;
        this.fixedRemoteV6High = v6 ? TunnelEncap.be64(fixedRemote, 0) : 0;
        this.fixedRemoteV6Low = v6 ? TunnelEncap.be64(fixedRemote, 8) : 0;
    }

    /**
     * A VXLAN or Geneve port on its own kernel UDP socket ({@link UdpUnderlay}, epoll), bound to
     * {@code local_ip:dst_port}: the embedded default, no root needed.
     */
    public static TunnelPort udp(String name, TunnelConfig config, PacketMemory memory) {
        return new TunnelPort(name, config, UdpUnderlay.open(config, memory, UdpUnderlay.Transport.EPOLL), memory);
    }

    public TunnelConfig config() {
        return config;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isTunnel() {
        return true;
    }

    @Override
    public TunnelHeader tunnelHeader(FlowKey flow, FlowMask mask) {
        byte[] remote = fixedRemote;
        if (remote == null && config.ipv6()) {
            mask.exact(FlowField.TUN_IPV6_DST);
            long hi = flow.w[FlowKey.W_TUN_IPV6_DST];
            long lo = flow.w[FlowKey.W_TUN_IPV6_DST + 1];
            if ((hi | lo) == 0) {
                return null; // remote_ip=flow and the pipeline set no tun_ipv6_dst: nowhere to send it
            }
            remote = new byte[16];
            for (int i = 0; i < 8; i++) {
                remote[i] = (byte) (hi >>> (56 - 8 * i));
                remote[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
        } else if (remote == null) {
            mask.exact(FlowField.TUN_DST);
            int dst = (int) flow.get(FlowField.TUN_DST);
            if (dst == 0) {
                return null; // remote_ip=flow and the pipeline set no tun_dst: nowhere to send it
            }
            remote = Ip4.toBytes(dst);
        }
        long key = config.key();
        if (key == TunnelConfig.FLOW_KEY) {
            mask.exact(FlowField.TUN_ID);
            key = flow.get(FlowField.TUN_ID) & config.type().maxKey(); // as Open vSwitch: the low bits the header has
        }
        byte[] options = config.type() == TunnelType.GENEVE ? geneveOptions(flow, mask) : NO_OPTIONS;
        long[] eth = underlay.ethernetFor(remote);
        if (eth == null) {
            return null; // next hop unresolved (native underlay): dropped until its neighbour listener invalidates
        }
        String id = HexFormat.of().formatHex(remote) + "/" + key + "/" + eth[0] + "/" + eth[1] + "/"
                + HexFormat.of().formatHex(options);
        byte[] r = remote;
        long k = key;
        if (headers.size() >= MAX_HEADERS && !headers.containsKey(id)) {
            headers.clear(); // flow-based ports meet many remotes and keys: bound the cache, rebuild on demand
        }
        return headers.computeIfAbsent(id, x -> new TunnelEncap(config, r, k, eth[0], eth[1], options, pmtu));
    }

    /**
     * The Geneve options for the flow's tun_metadata fields: each field present and mapped, in field order, as its
     * option (the low {@code len} bytes of the field). Un-wildcards the present bits and the fields it sends.
     */
    private byte[] geneveOptions(FlowKey flow, FlowMask mask) {
        mask.exact(FlowField.TUN_METADATA_PRESENT);
        long present = flow.get(FlowField.TUN_METADATA_PRESENT);
        if (present == 0) {
            return NO_OPTIONS;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int f = 0; f < FlowKey.TUN_METADATA_FIELDS; f++) {
            GeneveTlvMap.Mapping m = tlvMap.mapping(f);
            if ((present & (1L << f)) == 0 || m == null) {
                continue; // an unmapped field has no option to be sent as (Open vSwitch refuses such flows)
            }
            FlowField field = FlowField.values()[FlowField.TUN_METADATA0.ordinal() + f];
            mask.exact(field);
            long v = flow.get(field);
            out.write(m.optionClass() >>> 8);
            out.write(m.optionClass());
            out.write(m.type());
            out.write(m.length() / 4);
            for (int b = m.length() - 1; b >= 0; b--) {
                out.write((int) (v >>> (8 * b)));
            }
        }
        return out.toByteArray();
    }

    @Override
    public int receive(int queue, PacketBatch batch) {
        int first = batch.size();
        int start = first;
        if (pmtu != null) {
            int replies = pmtu.drain(batch); // already without a tunnel header: they skip the decap below
            start += replies;
            rxPackets += replies;
        }
        int n = underlay.receive(batch);
        int kept = start;
        long fixedKey = config.key();
        TunnelType type = config.type();
        for (int i = start; i < start + n; i++) {
            Packet p = batch.get(i);
            long ips = p.tunnelIps();
            long key = TunnelDecap.decap(type, p, tlvMap);
            if (key >= 0 && fixedKey != TunnelConfig.FLOW_KEY && key != fixedKey) {
                key = TunnelDecap.Error.UNKNOWN_KEY.code();
            } else if (key >= 0 && fixedRemoteV4 != 0 && (int) (ips >>> 32) != fixedRemoteV4) {
                key = TunnelDecap.Error.UNKNOWN_REMOTE.code();
            } else if (key >= 0 && fixedRemoteV6 && (p.tunnelWord(FlowKey.W_TUN_IPV6_SRC) != fixedRemoteV6High
                    || p.tunnelWord(FlowKey.W_TUN_IPV6_SRC + 1) != fixedRemoteV6Low)) {
                key = TunnelDecap.Error.UNKNOWN_REMOTE.code();
            }
            if (key < 0) {
                rxErrors++;
                decapErrors[TunnelDecap.Error.of(key).ordinal()]++;
                p.release();
                continue;
            }
            p.tunnel(key, (int) (ips >>> 32), (int) ips);
            rxPackets++;
            rxBytes += p.length();
            if (kept != i) {
                p.moveTo(batch.get(kept));
            }
            kept++;
        }
        batch.size(kept);
        return kept - first;
    }

    @Override
    public void transmit(PacketBatch batch) {
        int n = batch.size();
        if (closed) {
            batch.releaseAll();
            return;
        }
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            bytes += batch.get(i).length();
        }
        txPackets.add(n);
        txBytes.add(bytes);
        underlay.send(batch);
    }

    @Override
    public boolean armRxWakeup(int queue, Runnable wakeup) {
        if (pmtu != null) {
            pmtu.arm(wakeup);
        }
        return underlay.armRxWakeup(wakeup);
    }

    @Override
    public PacketMemory memory() {
        return memory;
    }

    @Override
    public boolean linkUp() {
        return !closed;
    }

    @Override
    public int mtu() {
        return MTU;
    }

    @Override
    public long mac() {
        return 0;
    }

    /** Counters: rx_errors are the frames {@link TunnelDecap} refused; drops include the underlay's own. */
    @Override
    public PortStats stats() {
        long tp = txPackets.sum();
        return new PortStats(rxPackets, rxBytes, underlay.rxDropped(), rxErrors, tp, txBytes.sum(),
                underlay.txDropped(), 0);
    }

    /** ICMP "fragmentation needed" replies sent ({@code pmtud=true}; 0 otherwise). */
    public long fragNeededSent() {
        return pmtu == null ? 0 : pmtu.sent();
    }

    /** The refused frames by reason ({@code bad_flags=2, unknown_key=1, ...}), every reason listed. */
    public Map<String, Long> decapErrors() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (TunnelDecap.Error e : TunnelDecap.Error.values()) {
            m.put(e.counterName(), decapErrors[e.ordinal()]);
        }
        return m;
    }

    /** Whether the underlay is IPv4 (tun_src/tun_dst; else tun_ipv6_src/tun_ipv6_dst carry the outer addresses). */
    public boolean ipv4() {
        return config.local() instanceof Inet4Address;
    }

    @Override
    public void close() {
        closed = true;
        underlay.close();
        if (pmtu != null) {
            pmtu.close();
        }
    }

    @Override
    public String toString() {
        return "TunnelPort[" + name + " " + config + "]";
    }
}
