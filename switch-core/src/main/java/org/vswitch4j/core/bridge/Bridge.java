package org.vswitch4j.core.bridge;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.vswitch4j.core.datapath.Datapath;
import org.vswitch4j.core.datapath.DatapathAction;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.datapath.DropReason;
import org.vswitch4j.core.datapath.Pipeline;
import org.vswitch4j.core.datapath.Translation;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.core.pcap.PcapWriter;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.port.TunnelHeader;
import org.vswitch4j.core.time.Clock;

/**
 * The NORMAL learning bridge: what the Linux bridge and Open vSwitch's {@code NORMAL} action do, as the
 * datapath's {@link Pipeline}. It decides per upcall; the datapath caches each decision as a megaflow whose mask
 * is exactly what the decision read.
 *
 * <h2>What a translation does</h2>
 * <ol>
 *   <li>The input port must be a port of the bridge and administratively up; otherwise drop.</li>
 *   <li>A frame to a reserved control address (01:80:c2:00:00:00..0f, Cisco's 01:00:0c:cc:cc:cc/cd) is
 *       dropped as {@link DropReason#RESERVED_MULTICAST} unless the bridge has {@code forwardBpdu}.</li>
 *   <li>The input port's VLAN mode says which VLAN the frame belongs to, or drops it as
 *       {@link DropReason#VLAN_MODE} (table below).</li>
 *   <li>The source MAC is learned in that VLAN on the input port (on a real upcall; a revalidation only
 *       refreshes the entry if it still points at the input port, and does so through {@link #refresh}
 *       without re-translating). Multicast sources are never learned.</li>
 *   <li>A known unicast destination goes to its port, even when that port is down (the datapath drops and
 *       counts it there as {@link DropReason#PORT_DOWN}); it is dropped as {@link DropReason#LOOP} if that is the
 *       input port, and as {@link DropReason#VLAN_MODE} if a static entry points at a port that does not carry the
 *       VLAN. An unknown unicast, broadcast or multicast destination is flooded to every other port that
 *       carries the VLAN and is administratively and operationally up (the datapath drops cached decisions
 *       when a port's link changes, within one revalidation interval).</li>
 *   <li>Each output gets its port's VLAN treatment. Outputs that want the frame tagged the same way are
 *       grouped, so that a flood does at most one pop and one push per distinct tagging: first the ports that
 *       take the frame as it came, then the untagged ones, then the tagged ones.</li>
 * </ol>
 * The mask holds in_port, eth_dst, eth_src (all 48 bits when it is learned; only the group bit for a multicast
 * source), the TPID and VID of the outer tag (the inner tag's TPID where the bridge checks there is none), PCP
 * and DEI only where a pushed tag copies them or a priority-tag decision reads them, and the few eth_type bits
 * that show an untagged frame does not carry a cut-off tag. The decision carries the tags of the source's and
 * the destination's MAC table entries, so learning, moves, ageing and flushes invalidate it.
 *
 * <h2>VLANs</h2>
 * Received frames ("own" = the port's tag or a trunked VLAN; 0x88a8 tags are treated as 0x8100 except on
 * dot1q-tunnel ports, 0x9100 is not a tag):
 * <table>
 *   <caption>Ingress: the VLAN a frame belongs to, or drop</caption>
 *   <tr><th>mode</th><th>untagged</th><th>priority-tagged (VID 0)</th><th>tagged, own VLAN</th>
 *       <th>tagged, other VLAN</th><th>double-tagged</th></tr>
 *   <tr><td>access (tag T)</td><td>T</td><td>T</td><td>drop</td><td>drop</td><td>drop (any outer VID,
 *       including priority + inner tag: the VLAN-hopping frame Open vSwitch lets through)</td></tr>
 *   <tr><td>trunk (trunks S)</td><td>0 if S is empty or has 0, else drop</td><td>as untagged</td>
 *       <td>its VID</td><td>drop</td><td>outer VID as single-tagged; the inner tag is payload; priority + inner
 *       tag: drop</td></tr>
 *   <tr><td>native-tagged / native-untagged (tag N, trunks S)</td><td>N</td><td>N</td>
 *       <td>its VID (N counts as own)</td><td>drop</td><td>as trunk</td></tr>
 *   <tr><td>dot1q-tunnel (tag S), no cvlans</td><td>S</td><td>S</td><td>S</td><td>S</td><td>S (customer tags
 *       are payload)</td></tr>
 *   <tr><td>dot1q-tunnel, cvlans C</td><td>drop</td><td>drop</td><td>S if its 802.1Q VID is in C</td>
 *       <td>drop</td><td>S if the outer 802.1Q VID is in C</td></tr>
 * </table>
 * Everywhere except on dot1q-tunnel ports without cvlans, an outer VID of 4095 and a tag cut off mid-tag
 * (eth_type still a TPID) are dropped.
 * <table>
 *   <caption>Egress: how a frame of VLAN V leaves a port that carries V</caption>
 *   <tr><th>mode</th><th>the frame leaves</th></tr>
 *   <tr><td>access</td><td>untagged: the bridge tag is removed; an inner tag below it (a double-tagged frame from
 *       a trunk) stays, as in Open vSwitch with {@code vlan-limit=1}</td></tr>
 *   <tr><td>trunk, native-tagged</td><td>tagged V (untagged when V = 0), keeping the received TPID and PCP/DEI;
 *       0x8100 for frames that arrived untagged; the dot1q-tunnel port's QinQ ethertype (0x88a8) with PCP 0
 *       for frames from a dot1q-tunnel port</td></tr>
 *   <tr><td>native-untagged (tag N)</td><td>untagged when V = N (or 0), else as trunk</td></tr>
 *   <tr><td>dot1q-tunnel (tag S)</td><td>without the service tag: the customer frame as it came</td></tr>
 * </table>
 * "Untagged" on access, native-untagged and trunk (VLAN 0) ports follows the port's {@link PriorityTags}:
 * by default the PCP is lost (as Open vSwitch); {@code if-nonzero} and {@code always} keep it in a priority tag.
 * Where Open vSwitch differs: it lets the priority + inner tag frame hop VLANs through an access port, and it
 * drops a frame tagged with the native VLAN on a native port whose trunks do not list it; we accept it.
 *
 * <h2>Configuration</h2>
 * Every change ({@link #addPort}, {@link #removePort}, {@link #setPortConfig}, the MAC table's mutators) runs
 * through the datapath's {@code reconfigure}: when the call returns, every packet the datapath processes
 * sees it. Changing a port's VLAN treatment or taking it administratively down flushes the MAC entries learned
 * on it; removing it removes its static entries too. Ofport numbers are the datapath's port numbers.
 *
 * <h2>Ageing</h2>
 * Due MAC entries age out at the start of every translation (upcalls and the datapath's revalidations) and in
 * {@link #runMaintenance()}, which {@code Switch.poll()} calls every round in synchronous mode; readers treat an
 * expired entry as absent at once. With poll threads nothing calls {@code runMaintenance} by itself: entries then
 * age on the next translation of the bridge, which the datapath's periodic revalidation of active flows provides.
 *
 * <p>Thread-safety: {@link #translate} is called by the datapath under its slow-path lock. Configuration
 * methods may be called from any thread except from inside a pipeline; they are serialised among themselves.
 * Readers ({@link #portConfig}, {@link #portStats}, {@link #stats}, {@link #dumpPorts}) see a consistent snapshot.
 */
public final class Bridge implements Pipeline {
    private static final DatapathActions DROP_VLAN = DatapathActions.builder().drop(DropReason.VLAN_MODE).build();
    private static final DatapathActions DROP_RESERVED =
            DatapathActions.builder().drop(DropReason.RESERVED_MULTICAST).build();
    private static final DatapathActions DROP_LOOP = DatapathActions.builder().drop(DropReason.LOOP).build();

    private final String name;
    private final BridgeDatapath dp;
    private final Clock clock;
    private final MacTable macTable;
    /** Serialises configuration calls, so that a name check and the change it guards are one step. */
    private final Object configLock = new Object();

    // ---- written under the slow-path lock (in reconfigure), read by translate and by readers ----
    private volatile Ports ports = Ports.EMPTY;
    private volatile boolean forwardBpdu;
    /** The OpenFlow tables when they decide instead of NORMAL ({@link #setPipeline}); null: NORMAL decides. */
    private volatile Pipeline flowPipeline;

    // ---- translation scratch and counters: written under the slow-path lock only ----
    private final VlanRules rules = new VlanRules();
    private BridgePort[] outs = new BridgePort[8];
    private int[] wants = new int[8];
    private final FlowMask refreshMask = new FlowMask();
    private volatile long floodDecisions;

    private Bridge(Builder b) {
        this.name = b.name;
        this.dp = b.dp;
        this.clock = dp.clock();
        this.forwardBpdu = b.forwardBpdu;
        long salt = ((long) name.hashCode() << 32) ^ 0x9e37_79b9_7f4a_7c15L;
        this.macTable = new MacTable(b.macTableSize, b.ageing, salt, clock, new MacTable.Host() {
            @Override
            public void invalidate(long tag) {
                dp.invalidate(tag);
            }

            @Override
            public void reconfigure(Runnable change) {
                dp.reconfigure(change);
            }

            @Override
            public boolean hasPort(int port) {
                return ports.get(port) != null;
            }
        });
    }

    /** A builder for a bridge named {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    // ================================ the pipeline ================================

    /**
     * Decides for the bridge's ports: the OpenFlow tables when {@link #setPipeline} installed them, else
     * {@link #normal NORMAL}.
     */
    @Override
    public DatapathActions translate(FlowKey key, FlowMask mask, Translation tx) {
        Pipeline p = flowPipeline;
        return p != null ? p.translate(key, mask, tx) : normal(key, mask, tx);
    }

    /**
     * The NORMAL learning bridge's decision for {@code key}: what Open vSwitch's {@code NORMAL} action does.
     * {@link #translate} calls it when no OpenFlow tables are installed; the tables call it for their
     * {@code NORMAL} action, with the key as their actions left it (under the slow-path lock, as translate).
     */
    public DatapathActions normal(FlowKey key, FlowMask mask, Translation tx) {
        long now = tx.nowNanos();
        macTable.expireLocked(now);
        mask.exact(FlowField.IN_PORT);
        Ports ps = ports;
        int in = key.inPort();
        BridgePort inPort = ps.get(in);
        if (inPort == null || !inPort.config.adminUp()) {
            return DatapathActions.DROP;
        }
        mask.exact(FlowField.ETH_DST);
        long dst = key.get(FlowField.ETH_DST);     // by field: only the 48 bits the mask covers count
        if (!forwardBpdu && Mac.isReserved(dst)) {
            return DROP_RESERVED;
        }
        VlanRules r = rules;
        if (!r.ingress(inPort.config, key, mask)) {
            return DROP_VLAN;
        }
        int vlan = r.vlan;

        long src = key.get(FlowField.ETH_SRC);
        if (Mac.isGroup(src)) {
            mask.bits(FlowField.ETH_SRC, Mac.GROUP_BIT);
        } else {
            mask.exact(FlowField.ETH_SRC);
            if (tx.isRevalidation()) {
                macTable.refresh(vlan, src, in, now);
            } else {
                macTable.learn(vlan, src, in, now);
            }
            tx.addTag(macTable.tag(vlan, src));
        }

        if (!Mac.isGroup(dst)) {
            tx.addTag(macTable.tag(vlan, dst));
            int known = macTable.find(vlan, dst, now);
            if (known != 0) {
                if (known == in) {
                    return DROP_LOOP;
                }
                BridgePort out = ps.get(known);
                if (out == null || !out.config.carries(vlan)) {
                    // Only a static entry can point at a port that does not carry the VLAN (a port's learned
                    // entries are flushed when its VLANs change); Open vSwitch drops such an output too.
                    return DROP_VLAN;
                }
                // Sent even when the port is down: the datapath drops it there and counts it in the output
                // port's tx_dropped (PORT_DOWN), which says more than a drop here would.
                outs[0] = out;
                return outputs(1, key, mask);
            }
        }

        // Flood within the VLAN.
        floodDecisions++;
        int n = 0;
        for (BridgePort p : ps.ordered) {
            if (p.dpPort != in && p.config.adminUp() && p.config.carries(vlan) && dp.portOperUp(p.dpPort)) {
                if (n == outs.length) {
                    outs = Arrays.copyOf(outs, 2 * n);
                }
                outs[n++] = p;
            }
        }
        return n == 0 ? DatapathActions.DROP : outputs(n, key, mask);
    }

    /**
     * Revalidation without re-translation, allocation-free: ages out due MAC entries (as {@link #translate}
     * does first), refreshes the source entry's age when it still points at the input port, and says the
     * cached decision stands. That is sound because everything a decision reads is covered: the source and
     * destination MAC entries by their tags (learning, moves, ageing, eviction, flushes invalidate them; an
     * entry that ages out here invalidates its tag before the next packet), the bridge's and its ports'
     * configuration by {@code reconfigure}/{@code invalidateAll}, and the ports' link state by the datapath's
     * link check. Returns false, to have the datapath re-translate, when it cannot be sure: the input port is
     * gone or down, or the source's entry does not point at the input port (absent, elsewhere, aged out).
     */
    @Override
    public boolean refresh(FlowKey key, FlowMask mask, Translation tx) {
        Pipeline p = flowPipeline;
        if (p != null) {
            return p.refresh(key, mask, tx);
        }
        long now = tx.nowNanos();
        macTable.expireLocked(now);
        int in = key.inPort();
        BridgePort inPort = ports.get(in);
        if (inPort == null || !inPort.config.adminUp()) {
            return false;
        }
        if (!forwardBpdu && Mac.isReserved(key.get(FlowField.ETH_DST))) {
            return true;                               // dropped by configuration alone
        }
        VlanRules r = rules;
        FlowMask scratch = refreshMask;
        scratch.clear();                               // ingress un-wildcards; the megaflow's mask is not ours
        if (!r.ingress(inPort.config, key, scratch)) {
            return true;                               // dropped by the port's VLAN mode alone
        }
        long src = key.get(FlowField.ETH_SRC);
        return Mac.isGroup(src) || macTable.refresh(r.vlan, src, in, now);
    }

    /** The actions that send the frame to {@code outs[0..n)}, each with its VLAN treatment, grouped by tagging. */
    private DatapathActions outputs(int n, FlowKey key, FlowMask mask) {
        VlanRules r = rules;
        if (wants.length < n) {
            wants = new int[outs.length];
        }
        for (int i = 0; i < n; i++) {
            wants[i] = r.want(outs[i].config);
        }
        DatapathActions.Builder b = DatapathActions.builder();
        int state = r.current;
        // Order of groups: as the frame is now, then untagged, then each tagging in ascending order.
        int done = 0;
        boolean[] sent = new boolean[n];
        int next = state;
        while (done < n) {
            boolean any = false;
            for (int i = 0; i < n; i++) {
                if (!sent[i] && wants[i] == next) {
                    any = true;
                    break;
                }
            }
            if (any) {
                if (next != state) {
                    if (state != VlanRules.NONE) {
                        b.popVlan();
                    }
                    if (next != VlanRules.NONE) {
                        b.pushVlan(next >>> 16, r.pushTci(next));
                    }
                    state = next;
                }
                for (int i = 0; i < n; i++) {
                    if (!sent[i] && wants[i] == next) {
                        output(b, outs[i], key, mask);
                        sent[i] = true;
                        done++;
                    }
                }
            }
            next = nextGroup(n, sent);
        }
        r.finishMask(mask);
        Arrays.fill(outs, 0, n, null);
        return b.build();
    }

    /**
     * An output to {@code p}; for a tunnel port, the push of its header (a port that cannot send the packet, a
     * flow-based tunnel without tun_dst, gets nothing).
     */
    private static void output(DatapathActions.Builder b, BridgePort p, FlowKey key, FlowMask mask) {
        if (!p.driver.isTunnel()) {
            b.output(p.dpPort);
            return;
        }
        TunnelHeader h = p.driver.tunnelHeader(key, mask);
        if (h != null) {
            b.add(new DatapathAction.TunnelPush(p.dpPort, h));
        }
    }

    /** The next tagging to emit: untagged if any port still wants it, else the smallest wanted tag. */
    private int nextGroup(int n, boolean[] sent) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (!sent[i]) {
                if (wants[i] == VlanRules.NONE) {
                    return VlanRules.NONE;
                }
                best = Math.min(best, wants[i] & 0xffff_ffffL);
            }
        }
        return (int) best;
    }

    // ================================ configuration ================================

    /** The bridge's name. */
    public String name() {
        return name;
    }

    /**
     * Lets {@code pipeline} (the OpenFlow tables of {@code flow-tables}) decide for this bridge's ports instead of
     * NORMAL; null gives the decision back to NORMAL. The pipeline may call {@link #normal} for its NORMAL action.
     * Takes effect for every packet processed after the call returns (cached decisions are dropped).
     */
    public void setPipeline(Pipeline pipeline) {
        if (pipeline == this) {
            throw new IllegalArgumentException("a bridge cannot be its own OpenFlow pipeline");
        }
        synchronized (configLock) {
            dp.reconfigure(() -> {
                flowPipeline = pipeline;
                dp.invalidateAll();
            });
        }
    }

    /** The pipeline installed with {@link #setPipeline}, or null when NORMAL decides. */
    public Pipeline pipeline() {
        return flowPipeline;
    }

    /** The MAC learning table. */
    public MacTable macTable() {
        return macTable;
    }

    /**
     * Adds a port: attaches {@code driver} to the datapath with this bridge as its pipeline and applies
     * {@code cfg}. Returns the port's ofport (its datapath port number). The bridge does not take ownership of
     * {@code driver}: closing it after {@link #removePort} is the caller's business.
     *
     * @throws IllegalArgumentException when the bridge already has a port of that name
     */
    public int addPort(Port driver, BridgePortConfig cfg) {
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(cfg, "cfg");
        synchronized (configLock) {
            if (ports.named(cfg.name()) != null) {
                throw new IllegalArgumentException("bridge " + name + " already has a port named " + cfg.name());
            }
            int dpPort = dp.addPort(driver, this);
            BridgePort bp = new BridgePort(cfg.name(), dpPort, driver, cfg);
            dp.reconfigure(() -> {
                ports = ports.with(bp);
                dp.invalidateAll();
            });
            dp.portAdminUp(dpPort, cfg.adminUp());
            return dpPort;
        }
    }

    /**
     * Removes the port named {@code portName}, with every MAC entry on it, and detaches it from the datapath.
     *
     * @throws IllegalArgumentException when there is no such port
     */
    public void removePort(String portName) {
        synchronized (configLock) {
            BridgePort bp = require(portName);
            dp.reconfigure(() -> {
                ports = ports.without(bp);
                macTable.removePortLocked(bp.dpPort);
                dp.invalidateAll();
            });
            dp.removePort(bp.dpPort);
        }
    }

    /**
     * Replaces the configuration of port {@code portName} ({@code cfg.name()} must be the same name). A change of
     * VLAN treatment, or taking the port administratively down, flushes the MAC entries learned on it.
     */
    public void setPortConfig(String portName, BridgePortConfig cfg) {
        Objects.requireNonNull(cfg, "cfg");
        if (!cfg.name().equals(portName)) {
            throw new IllegalArgumentException("configuration for port " + cfg.name() + " given to port " + portName
                    + "; ports cannot be renamed");
        }
        synchronized (configLock) {
            BridgePort old = require(portName);
            BridgePort bp = new BridgePort(portName, old.dpPort, old.driver, cfg);
            boolean flush = !old.config.sameVlanTreatment(cfg) || !cfg.adminUp();
            dp.reconfigure(() -> {
                ports = ports.replace(old, bp);
                if (flush) {
                    macTable.flushLocked(-1, bp.dpPort);
                }
                dp.invalidateAll();
            });
            dp.portAdminUp(bp.dpPort, cfg.adminUp());
        }
    }

    /** Whether reserved multicast (BPDUs, LACP, LLDP, CDP) frames are forwarded like any other multicast. */
    public boolean forwardBpdu() {
        return forwardBpdu;
    }

    /** Sets {@code other_config:forward-bpdu}. */
    public void setForwardBpdu(boolean forward) {
        synchronized (configLock) {
            dp.reconfigure(() -> {
                forwardBpdu = forward;
                dp.invalidateAll();
            });
        }
    }

    /**
     * Ages out MAC entries that are due, now, and invalidates the decisions that used them. Translations do
     * this too; call it (as {@code Switch.poll()} does) so that entries also age while no packet misses the caches.
     * Cheap when nothing is due. Returns how many entries aged out.
     */
    public int runMaintenance() {
        return runMaintenance(clock.nanos());
    }

    /**
     * {@link #runMaintenance()} at switch time {@code nowNanos}, a reading of the switch clock the caller
     * already has ({@code Switch.poll()} passes the one its datapath round read, saving a clock read per round).
     */
    public int runMaintenance(long nowNanos) {
        Pipeline p = flowPipeline;
        if (p != null) {
            p.housekeeping(nowNanos);
        }
        if (nowNanos < macTable.nextExpiry()) {
            return 0;
        }
        long before = macTable.agedCount();
        // No epoch barrier: each aged entry invalidates the flows that used it by its tag, and a flow that runs
        // a little longer on an entry that has just aged is what would have happened a moment earlier anyway.
        dp.withSlowPathLock(() -> macTable.expireLocked(nowNanos));
        return (int) (macTable.agedCount() - before);
    }

    /**
     * Captures port {@code portName} into {@code writer}, whatever its driver: every frame the bridge receives from
     * it and every frame it sends to it, with their VLAN tags as on the wire (see {@link Datapath#capture} for
     * exactly which frames and when the writer may be closed). Build the writer with the switch's clock:
     * {@code PcapWriter.open(path, sw.clock())}. Replaces an earlier capture of the port; the bridge never closes
     * the writer.
     *
     * @throws IllegalArgumentException when there is no such port
     */
    public void capture(String portName, PcapWriter writer) {
        Objects.requireNonNull(writer, "writer");
        synchronized (configLock) {
            dp.capture(require(portName).dpPort, writer);
        }
    }

    /** Stops capturing {@code portName}; returns whether it was captured. After it returns the writer may be closed. */
    public boolean stopCapture(String portName) {
        synchronized (configLock) {
            return dp.stopCapture(require(portName).dpPort);
        }
    }

    // ================================ reading ================================

    /** The ofports (datapath port numbers) of the bridge's ports, in ofport order; a fresh array. */
    public int[] ofports() {
        BridgePort[] o = ports.ordered;
        int[] r = new int[o.length];
        for (int i = 0; i < o.length; i++) {
            r[i] = o[i].dpPort;
        }
        return r;
    }

    /** Whether {@code ofport} is one of this bridge's ports (whatever its state). */
    public boolean hasPort(int ofport) {
        return ports.get(ofport) != null;
    }

    /**
     * Whether {@code ofport} is a port of this bridge that is administratively up and has its link up: what
     * OpenFlow calls a live port (fast-failover groups watch it). Link changes reach the datapath's cached flows
     * within one housekeeping interval (they are dropped when a link changes).
     */
    public boolean portLive(int ofport) {
        BridgePort p = ports.get(ofport);
        return p != null && p.config.adminUp() && dp.portOperUp(ofport);
    }

    /** The port names, in ofport order. */
    public List<String> portNames() {
        List<String> names = new ArrayList<>();
        for (BridgePort p : ports.ordered) {
            names.add(p.name);
        }
        return names;
    }

    /** The ofport (datapath port number) of {@code portName}. */
    public int ofport(String portName) {
        return require(portName).dpPort;
    }

    /** The configuration of {@code portName}. */
    public BridgePortConfig portConfig(String portName) {
        return require(portName).config;
    }

    /** The driver of the port numbered {@code ofport}, or null when the bridge has no such port. */
    public Port portDriver(int ofport) {
        BridgePort p = ports.get(ofport);
        return p == null ? null : p.driver;
    }

    /** The driver of {@code portName}. */
    public Port portDriver(String portName) {
        return require(portName).driver;
    }

    /** The datapath's counters for {@code portName} ({@code ovs-ofctl dump-ports} for one port). */
    public PortStats portStats(String portName) {
        return dp.portStats(require(portName).dpPort);
    }

    /** The bridge-level counters. */
    public BridgeStats stats() {
        long vlanDrops = 0;
        long reserved = 0;
        for (BridgePort p : ports.ordered) {
            vlanDrops += dp.dropCount(p.dpPort, DropReason.VLAN_MODE);
            reserved += dp.dropCount(p.dpPort, DropReason.RESERVED_MULTICAST);
        }
        return new BridgeStats(macTable.size(), macTable.learnedCount(), macTable.movedCount(),
                macTable.agedCount(), macTable.evictedCount(), macTable.flushedCount(), floodDecisions, vlanDrops,
                reserved);
    }

    /**
     * The MAC table's counters as {@code ovs-appctl fdb/stats-show} prints them:
     * <pre>
     * Statistics for bridge "br0":
     *   Current/maximum MAC entries in the table: 2/8192
     *   Total number of learned MAC entries     : 2
     *   Total number of expired MAC entries     : 0
     *   Total number of evicted MAC entries     : 0
     *   Total number of port moved MAC entries  : 0
     * </pre>
     */
    public String formatMacStats() {
        BridgeStats s = stats();
        return "Statistics for bridge \"" + name + "\":\n"
                + "  Current/maximum MAC entries in the table: " + s.macEntries() + "/" + macTable.maxEntries() + "\n"
                + "  Total number of learned MAC entries     : " + s.learned() + "\n"
                + "  Total number of expired MAC entries     : " + s.aged() + "\n"
                + "  Total number of evicted MAC entries     : " + s.evicted() + "\n"
                + "  Total number of port moved MAC entries  : " + s.moved() + "\n";
    }

    /**
     * Every port's counters in the layout of {@code ovs-ofctl dump-ports}:
     * <pre>
     * OFPST_PORT reply: 2 ports
     *   port  1: rx pkts=3, bytes=180, drop=0, errs=0
     *            tx pkts=1, bytes=60, drop=0, errs=0
     * </pre>
     */
    public String dumpPorts() {
        Ports ps = ports;
        StringBuilder sb = new StringBuilder("OFPST_PORT reply: ").append(ps.ordered.length)
                .append(ps.ordered.length == 1 ? " port" : " ports").append('\n');
        for (BridgePort p : ps.ordered) {
            sb.append(dp.portStats(p.dpPort).format(String.format("%2d", p.dpPort))).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Bridge[" + name + ", " + ports.ordered.length + " ports]";
    }

    private BridgePort require(String portName) {
        BridgePort bp = ports.named(portName);
        if (bp == null) {
            throw new IllegalArgumentException("bridge " + name + " has no port named " + portName + "; its ports: "
                    + portNames());
        }
        return bp;
    }

    // ================================ internals ================================

    /** One port of the bridge; immutable (a configuration change replaces it). */
    private static final class BridgePort {
        final String name;
        final int dpPort;
        final Port driver;
        final BridgePortConfig config;

        BridgePort(String name, int dpPort, Port driver, BridgePortConfig config) {
            this.name = name;
            this.dpPort = dpPort;
            this.driver = driver;
            this.config = config;
        }
    }

    /** An immutable snapshot of the ports, indexed by datapath port number and in ofport order. */
    private static final class Ports {
        static final Ports EMPTY = new Ports(new BridgePort[1], new BridgePort[0]);

        final BridgePort[] byDp;
        final BridgePort[] ordered;

        Ports(BridgePort[] byDp, BridgePort[] ordered) {
            this.byDp = byDp;
            this.ordered = ordered;
        }

        BridgePort get(int dpPort) {
            return dpPort > 0 && dpPort < byDp.length ? byDp[dpPort] : null;
        }

        BridgePort named(String n) {
            for (BridgePort p : ordered) {
                if (p.name.equals(n)) {
                    return p;
                }
            }
            return null;
        }

        Ports with(BridgePort p) {
            BridgePort[] by = Arrays.copyOf(byDp, Math.max(byDp.length, p.dpPort + 1));
            by[p.dpPort] = p;
            return of(by);
        }

        Ports without(BridgePort p) {
            BridgePort[] by = byDp.clone();
            by[p.dpPort] = null;
            return of(by);
        }

        Ports replace(BridgePort old, BridgePort p) {
            return without(old).with(p);
        }

        private static Ports of(BridgePort[] by) {
            return new Ports(by, Arrays.stream(by).filter(Objects::nonNull).toArray(BridgePort[]::new));
        }
    }

    /** Options of a {@link Bridge}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private BridgeDatapath dp;
        private int macTableSize = MacTable.DEFAULT_MAX_ENTRIES;
        private Duration ageing = Duration.ofSeconds(MacTable.DEFAULT_AGEING_SECONDS);
        private boolean forwardBpdu;

        private Builder(String name) {
            Objects.requireNonNull(name, "bridge name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("a bridge name must not be blank");
            }
            this.name = name;
        }

        /** The datapath the bridge's ports attach to (required). */
        public Builder datapath(Datapath datapath) {
            this.dp = BridgeDatapath.of(datapath);
            return this;
        }

        /** For tests: a stand-in datapath. */
        Builder host(BridgeDatapath datapath) {
            this.dp = Objects.requireNonNull(datapath, "datapath");
            return this;
        }

        /** The MAC table's bound (default {@value MacTable#DEFAULT_MAX_ENTRIES}, at least 1). */
        public Builder macTableSize(int entries) {
            if (entries < 1) {
                throw new IllegalArgumentException("MAC table size " + entries + " must be at least 1");
            }
            this.macTableSize = entries;
            return this;
        }

        /**
         * The MAC ageing time (default {@value MacTable#DEFAULT_AGEING_SECONDS} s), clamped to
         * {@value MacTable#MIN_AGEING_SECONDS}..{@value MacTable#MAX_AGEING_SECONDS} s as Open vSwitch does.
         */
        public Builder ageing(Duration ageing) {
            this.ageing = MacTable.clampAgeing(ageing);
            return this;
        }

        /** Whether reserved multicast frames are forwarded (default false: dropped). */
        public Builder forwardBpdu(boolean forward) {
            this.forwardBpdu = forward;
            return this;
        }

        /** Builds the bridge. It has no ports yet. */
        public Bridge build() {
            if (dp == null) {
                throw new IllegalStateException("bridge " + name + " needs a datapath: Bridge.builder(name).datapath(dp)");
            }
            return new Bridge(this);
        }
    }
}
