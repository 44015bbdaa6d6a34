package org.vswitch4j.core.bridge;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.datapath.DropReason;
import org.vswitch4j.core.datapath.Pipeline;
import org.vswitch4j.core.datapath.Translation;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.pcap.PcapWriter;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.time.Clock;
import org.vswitch4j.core.time.VirtualClock;

/**
 * A bridge on a stand-in datapath, driven by hand-built flow keys: what the bridge's unit tests use. The
 * stand-in records invalidated tags and runs reconfigurations inline.
 */
final class BridgeHarness {
    static final int ETH_IPV4 = 0x0800;
    static final int ETH_ARP = 0x0806;
    static final long BROADCAST = 0xffff_ffff_ffffL;

    final VirtualClock clock = new VirtualClock(1_000_000_000L);
    final FakeDatapath dp = new FakeDatapath(clock);
    final Bridge bridge;
    /** Mask and tags of the last {@link #translate}. */
    FlowMask mask;
    Set<Long> tags;

    BridgeHarness() {
        this(Bridge.builder("br0"));
    }

    BridgeHarness(Bridge.Builder b) {
        bridge = b.host(dp).build();
    }

    static BridgeHarness withTable(int size, Duration ageing) {
        return new BridgeHarness(Bridge.builder("br0").macTableSize(size).ageing(ageing));
    }

    int add(BridgePortConfig cfg) {
        return bridge.addPort(new StubPort(cfg.name()), cfg);
    }

    /** Translates a real upcall. */
    DatapathActions translate(FlowKey key) {
        return translate(key, false);
    }

    /** Translates a revalidation. */
    DatapathActions revalidate(FlowKey key) {
        return translate(key, true);
    }

    /**
     * Asks the bridge to refresh the megaflow it installed for {@code key} (the datapath's revalidation of a used
     * megaflow); {@link #mask} and {@link #tags} are those of the last translation of {@code key}'s megaflow,
     * and a refresh must leave the key and the mask alone and add no tag.
     */
    boolean refresh(FlowKey key) {
        FlowKey before = key.copy();
        FlowMask m = new FlowMask();
        TestTranslation tx = new TestTranslation(clock.nanos(), true);
        boolean stands = bridge.refresh(key, m, tx);
        if (!before.equals(key)) {
            throw new AssertionError("refresh changed the key");
        }
        if (!m.equals(new FlowMask()) || !tx.tags.isEmpty()) {
            throw new AssertionError("refresh wrote into the mask " + m + " or added tags " + tx.tags);
        }
        return stands;
    }

    private DatapathActions translate(FlowKey key, boolean revalidation) {
        FlowKey before = key.copy();
        mask = new FlowMask();
        TestTranslation tx = new TestTranslation(clock.nanos(), revalidation);
        DatapathActions a = bridge.translate(key, mask, tx);
        if (!before.equals(key)) {
            throw new AssertionError("translate changed the key");
        }
        tags = tx.tags;
        return a;
    }

    long tag(int vlan, long mac) {
        return bridge.macTable().tag(vlan, mac);
    }

    // ---- keys ----

    static long mac(int last) {
        return 0x0200_0000_0000L | last;
    }

    /** An untagged IPv4 frame. */
    static FlowKey frame(int inPort, long src, long dst) {
        return frame(inPort, src, dst, 0, 0, ETH_IPV4);
    }

    /** A frame with outer tag {@code vlan0} and inner tag {@code vlan1} (each tpid&lt;&lt;16|tci, 0 = none). */
    static FlowKey frame(int inPort, long src, long dst, int vlan0, int vlan1, int ethType) {
        FlowKey k = new FlowKey();
        k.inPort(inPort);
        k.set(FlowField.ETH_SRC, src);
        k.set(FlowField.ETH_DST, dst);
        k.set(FlowField.ETH_TYPE, ethType);
        k.set(FlowField.VLAN0, Integer.toUnsignedLong(vlan0));
        k.set(FlowField.VLAN1, Integer.toUnsignedLong(vlan1));
        return k;
    }

    static int q(int pcp, int vid) {
        return 0x8100_0000 | (pcp << 13) | vid;
    }

    static int ad(int pcp, int vid) {
        return 0x88a8_0000 | (pcp << 13) | vid;
    }

    // ---- stand-ins ----

    static final class TestTranslation implements Translation {
        final long now;
        final boolean revalidation;
        final Set<Long> tags = new LinkedHashSet<>();

        TestTranslation(long now, boolean revalidation) {
            this.now = now;
            this.revalidation = revalidation;
        }

        @Override
        public long nowNanos() {
            return now;
        }

        @Override
        public Packet packet() {
            return null;
        }

        @Override
        public boolean isRevalidation() {
            return revalidation;
        }

        @Override
        public void addTag(long tag) {
            tags.add(tag);
        }
    }

    /** Records what the bridge asks of a datapath. */
    static final class FakeDatapath implements BridgeDatapath {
        final VirtualClock clock;
        final List<Long> invalidated = new ArrayList<>();
        final Set<Integer> operDown = new HashSet<>();
        final Set<Integer> adminDown = new HashSet<>();
        int invalidateAll;
        int reconfigures;
        int nextPort = 1;
        boolean inReconfigure;

        FakeDatapath(VirtualClock clock) {
            this.clock = clock;
        }

        @Override
        public int addPort(Port port, Pipeline pipeline) {
            return nextPort++;
        }

        @Override
        public void removePort(int dpPort) {
        }

        @Override
        public void portAdminUp(int dpPort, boolean up) {
            if (up) {
                adminDown.remove(dpPort);
            } else {
                adminDown.add(dpPort);
            }
        }

        @Override
        public boolean portOperUp(int dpPort) {
            return !operDown.contains(dpPort);
        }

        @Override
        public PortStats portStats(int dpPort) {
            return new PortStats(dpPort, 60L * dpPort, 0, 0, 0, 0, 0, 0);
        }

        @Override
        public long dropCount(int dpPort, DropReason reason) {
            return 0;
        }

        @Override
        public void reconfigure(Runnable change) {
            if (inReconfigure) {
                throw new AssertionError("nested reconfigure");
            }
            inReconfigure = true;
            try {
                reconfigures++;
                change.run();
            } finally {
                inReconfigure = false;
            }
        }

        @Override
        public void withSlowPathLock(Runnable task) {
            task.run();
        }

        @Override
        public void invalidate(long tag) {
            invalidated.add(tag);
        }

        @Override
        public void invalidateAll() {
            invalidateAll++;
        }

        @Override
        public Clock clock() {
            return clock;
        }

        @Override
        public void capture(int dpPort, PcapWriter writer) {
            throw new UnsupportedOperationException("the stand-in datapath forwards no frames to capture");
        }

        @Override
        public boolean stopCapture(int dpPort) {
            return false;
        }
    }

    /** A port that never receives and drops what it is given. */
    static final class StubPort implements Port {
        private final String name;

        StubPort(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int receive(int queue, PacketBatch batch) {
            return 0;
        }

        @Override
        public void transmit(PacketBatch batch) {
            batch.releaseAll();
        }

        @Override
        public PacketMemory memory() {
            return null;
        }

        @Override
        public boolean linkUp() {
            return true;
        }

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public long mac() {
            return 0;
        }

        @Override
        public PortStats stats() {
            return PortStats.ZERO;
        }

        @Override
        public void close() {
        }
    }
}
