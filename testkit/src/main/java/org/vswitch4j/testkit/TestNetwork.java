package org.vswitch4j.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.pcap.PcapWriter;
import org.vswitch4j.core.port.MemoryPort;
import org.vswitch4j.core.time.Clock;
import org.vswitch4j.core.time.VirtualClock;

/**
 * A switch in synchronous mode, one bridge, and the {@link VirtualHost}s plugged into it, driven by the
 * test's thread: the in-process network most tests start from.
 *
 * <pre>{@code
 * try (TestNetwork net = TestNetwork.builder().build()) {
 *     VirtualHost a = net.addHost("a").ipv4("192.0.2.1").access(10).add();
 *     VirtualHost b = net.addHost("b").ipv4("192.0.2.2").access(10).add();
 *     assertTrue(a.ping(b).success());
 *     net.virtualClock().advance(Duration.ofSeconds(301));   // MAC ageing, without sleeping
 * }
 * }</pre>
 *
 * <p>One round ({@link #pumpOnce()}) is one {@link Switch#poll()} followed by every host processing what it
 * received; {@link #settle()} repeats rounds until nothing moves. Packet buffers come from one strict
 * {@link BufferPool} (hosts' ports and the datapath's copies alike), so {@link #close()} can tell whether
 * anything leaked.
 *
 * <p>Ownership: the network owns the switch, the pool and every port it created; {@link #close()} closes
 * them in that order (switch first, as {@link Switch} asks).
 *
 * <p>Thread-safety: none; the test's thread drives everything.
 */
public final class TestNetwork implements Pump, AutoCloseable {
    /** Settling more rounds than this means frames circulate forever (a loop): {@link #settle()} throws. */
    public static final int MAX_SETTLE_ROUNDS = 10_000;

    private final Clock clock;
    private final BufferPool pool;
    private final Switch sw;
    private final Bridge bridge;
    private final int maxRounds;
    private final Map<String, VirtualHost> hosts = new LinkedHashMap<>();
    private final List<MemoryPort> ports = new ArrayList<>();
    private final List<PcapWriter> captures = new ArrayList<>();
    private VirtualHost[] hostArray = new VirtualHost[0];
    private int nextMac = 1;
    private boolean closed;
    private long leaked = -1;

    private TestNetwork(Builder b) {
        this.clock = b.clock != null ? b.clock : new VirtualClock();
        this.pool = BufferPool.builder().count(b.buffers).strict(b.strict).build();
        this.sw = Switch.builder().clock(clock).memory(pool).build();
        this.bridge = sw.addBridge(Bridge.builder(b.bridgeName));
        this.maxRounds = b.maxRounds;
    }

    /** A builder: virtual clock at 0, 4096 strict buffers, bridge {@code br0}, 64 rounds per wait. */
    public static Builder builder() {
        return new Builder();
    }

    // ---- building the network ---------------------------------------------------------------------

    /** Starts a host named {@code name} (also its port's name); finish with {@link HostBuilder#add()}. */
    public HostBuilder addHost(String name) {
        checkOpen();
        if (hosts.containsKey(name)) {
            throw new IllegalArgumentException("a host named " + name + " exists already; hosts: " + hosts.keySet());
        }
        return new HostBuilder(name);
    }

    /**
     * Adds a bare memory port (no host behind it) to the bridge, for tests that inject and read raw frames;
     * the network closes it.
     */
    public MemoryPort addPort(BridgePortConfig config) {
        checkOpen();
        MemoryPort p = MemoryPort.builder().name(config.name()).memory(pool).build();
        ports.add(p);
        bridge.addPort(p, config);
        return p;
    }

    /** The host named {@code name}. */
    public VirtualHost host(String name) {
        VirtualHost h = hosts.get(name);
        if (h == null) {
            throw new IllegalArgumentException("no host named " + name + "; hosts: " + hosts.keySet());
        }
        return h;
    }

    /** Every host, in the order added. */
    public List<VirtualHost> hosts() {
        return List.of(hostArray);
    }

    // ---- driving ----------------------------------------------------------------------------------

    /** One round: the switch forwards one burst per port, then every host processes what it received. */
    @Override
    public int pumpOnce() {
        checkOpen();
        int moved = sw.poll();
        for (VirtualHost h : hostArray) {
            moved += h.process();
        }
        return moved;
    }

    /**
     * Pumps until a round moves nothing; returns the number of rounds that moved something. Throws when the
     * network does not settle within {@link #MAX_SETTLE_ROUNDS} rounds (frames looping).
     */
    public int settle() {
        for (int r = 0; r < MAX_SETTLE_ROUNDS; r++) {
            if (pumpOnce() == 0) {
                return r;
            }
        }
        throw new IllegalStateException("the network did not settle in " + MAX_SETTLE_ROUNDS
                + " rounds: frames are looping (" + bridge.dumpPorts() + ")");
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public int maxRounds() {
        return maxRounds;
    }

    /** The clock as a {@link VirtualClock}; throws when the network was built with another clock. */
    public VirtualClock virtualClock() {
        if (clock instanceof VirtualClock v) {
            return v;
        }
        throw new IllegalStateException("this network runs on " + clock + ", not a VirtualClock");
    }

    // ---- what a test looks at ---------------------------------------------------------------------

    public Switch sw() {
        return sw;
    }

    public Bridge bridge() {
        return bridge;
    }

    /** The pool every port and the datapath take buffers from. */
    public BufferPool pool() {
        return pool;
    }

    /** The MAC table as {@code ovs-appctl fdb/show br0} prints it. */
    public String fdbShow() {
        return bridge.macTable().format();
    }

    /** Every port's counters as {@code ovs-ofctl dump-ports br0} prints them. */
    public String dumpPorts() {
        return bridge.dumpPorts();
    }

    /**
     * Captures every frame crossing the bridge port of host (or bare port) {@code name} into a pcap file at
     * {@code file}, stamped with the network's clock, until the network closes (which closes the file). The
     * capture is the bridge's ({@link Bridge#capture}): frames as the switch receives them from the port and
     * sends them to it, so it works the same for any port type.
     */
    public PcapWriter capture(String name, Path file) {
        checkOpen();
        if (!bridge.portNames().contains(name)) {
            throw new IllegalArgumentException("no host or port named " + name + "; hosts: " + hosts.keySet()
                    + ", bridge ports: " + bridge.portNames());
        }
        PcapWriter w = PcapWriter.open(file, clock);
        captures.add(w);
        bridge.capture(name, w);
        return w;
    }

    // ---- closing ----------------------------------------------------------------------------------

    /**
     * Closes the switch, every port and the pool, and returns how many buffers were still in use just before
     * the pool closed (0 when nothing leaked). Idempotent: later calls return the same count.
     */
    public long shutdown() {
        if (closed) {
            return leaked;
        }
        closed = true;
        try {
            sw.close();
        } finally {
            for (VirtualHost h : hostArray) {
                h.port().close();
            }
            ports.forEach(MemoryPort::close);
            captures.forEach(PcapWriter::close);
            leaked = pool.usedCount();
            pool.close();
        }
        return leaked;
    }

    /** {@link #shutdown()}, then throws {@link IllegalStateException} if buffers leaked. */
    @Override
    public void close() {
        long n = shutdown();
        if (n != 0) {
            throw new IllegalStateException(n + " packet buffer(s) leaked: still in use after the switch and every"
                    + " port closed");
        }
    }

    /** Whether {@link #shutdown()} or {@link #close()} ran. */
    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the test network is closed");
        }
    }

    /** Options of a {@link TestNetwork}. */
    public static final class Builder {
        private Clock clock;
        private int buffers = 4096;
        private boolean strict = true;
        private int maxRounds = 64;
        private String bridgeName = "br0";

        private Builder() {
        }

        /** The switch clock (default: a new {@link VirtualClock} at 0). */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** Number of packet buffers (default 4096). */
        public Builder buffers(int n) {
            if (n < 64) {
                throw new IllegalArgumentException("buffers " + n + " must be >= 64");
            }
            this.buffers = n;
            return this;
        }

        /** Whether the pool fails on double release (default true). */
        public Builder strict(boolean on) {
            this.strict = on;
            return this;
        }

        /** Rounds a host waits for an answer (default 64). */
        public Builder maxRounds(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("max rounds " + n + " must be >= 1");
            }
            this.maxRounds = n;
            return this;
        }

        /** The bridge's name (default {@code br0}). */
        public Builder bridgeName(String name) {
            this.bridgeName = Objects.requireNonNull(name, "bridge name");
            return this;
        }

        public TestNetwork build() {
            return new TestNetwork(this);
        }
    }

    /**
     * A host being added: its addresses, the VLAN it tags with, and its bridge port's configuration
     * (default: OVS's default port, a trunk of every VLAN).
     */
    public final class HostBuilder {
        private final String name;
        private final VirtualHost.Builder host;
        private BridgePortConfig config;
        private long mac = -1;

        private HostBuilder(String name) {
            this.name = name;
            this.host = VirtualHost.builder().name(name);
        }

        /** The host's MAC (default 02:00:00:00:00:NN, NN counting hosts from 1). */
        public HostBuilder mac(String m) {
            return mac(Addresses.parseMac(m));
        }

        public HostBuilder mac(long m) {
            host.mac(m);
            this.mac = m;
            return this;
        }

        public HostBuilder ipv4(String literal) {
            host.ipv4(literal);
            return this;
        }

        public HostBuilder ipv6(String literal) {
            host.ipv6(literal);
            return this;
        }

        /** The VLAN the host tags its frames with (a host behind a trunk port); default untagged. */
        public HostBuilder vlan(int vid) {
            host.vlan(vid);
            return this;
        }

        /** Plugs the host into an access port of VLAN {@code tag}. */
        public HostBuilder access(int tag) {
            this.config = BridgePortConfig.access(name, tag);
            return this;
        }

        /** Plugs the host into a trunk port carrying {@code vlans} (every VLAN when empty). */
        public HostBuilder trunk(int... vlans) {
            this.config = BridgePortConfig.trunk(name, vlans);
            return this;
        }

        /** Plugs the host into a port configured as {@code cfg} (whose name must be the host's). */
        public HostBuilder port(BridgePortConfig cfg) {
            if (!cfg.name().equals(name)) {
                throw new IllegalArgumentException("port config is for " + cfg.name() + ", the host is " + name);
            }
            this.config = cfg;
            return this;
        }

        /** Creates the host's memory port, adds it to the bridge and returns the host. */
        public VirtualHost add() {
            checkOpen();
            if (hosts.containsKey(name)) {
                throw new IllegalArgumentException("a host named " + name + " exists already");
            }
            if (mac < 0) {
                mac(0x0200_0000_0000L | nextMac);
            }
            nextMac++;
            MemoryPort port = MemoryPort.builder().name(name).memory(pool).mac(mac).build();
            VirtualHost h;
            try {
                h = host.port(port).pump(TestNetwork.this).build();
                bridge.addPort(port, config != null ? config : BridgePortConfig.builder(name).build());
            } catch (RuntimeException e) {
                port.close();
                throw e;
            }
            hosts.put(name, h);
            hostArray = hosts.values().toArray(VirtualHost[]::new);
            return h;
        }
    }

    @Override
    public String toString() {
        return "TestNetwork[" + bridge + ", hosts " + Collections.unmodifiableSet(hosts.keySet()) + "]";
    }
}
