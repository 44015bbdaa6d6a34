package org.vswitch4j.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.datapath.Datapath;
import org.vswitch4j.core.datapath.PollThreadHook;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.time.Clock;

/**
 * A software switch: one {@link Datapath} and the {@link Bridge}s whose ports it forwards for. The entry point
 * for users:
 * <pre>{@code
 * try (Switch sw = Switch.builder().build()) {          // 0 poll threads: the caller drives it with poll()
 *     Bridge br = sw.addBridge("br0");
 *     br.addPort(vm1Nic, BridgePortConfig.access("vm1", 10));
 *     br.addPort(uplink, BridgePortConfig.trunk("uplink"));
 *     while (running) sw.poll();
 * }
 * }</pre>
 *
 * <p>Ownership: the switch owns its datapath and bridges; {@link #close()} closes the datapath (which stops its
 * poll threads). It does <em>not</em> own the {@link org.vswitch4j.core.port.Port} drivers added to its bridges:
 * whoever created a driver closes it, after closing the switch (or after removing the port).
 *
 * <p>Thread-safety: {@link #addBridge} and {@link #bridge} may be called from any thread; {@link #poll()} from one
 * thread at a time, in synchronous mode only.
 */
public final class Switch implements AutoCloseable {
    private final Datapath datapath;
    private final Map<String, Bridge> bridges = new LinkedHashMap<>();
    private volatile Bridge[] bridgeArray = new Bridge[0];
    private volatile boolean closed;

    private Switch(Builder b) {
        Datapath.Builder dp = Datapath.builder().clock(b.clock).pollThreads(b.pollThreads);
        if (b.memory != null) {
            dp.memory(b.memory);
        }
        if (b.pollThreadHook != null) {
            dp.pollThreadHook(b.pollThreadHook);
        }
        this.datapath = dp.build();
    }

    /** A builder: system clock, 0 poll threads (synchronous mode). */
    public static Builder builder() {
        return new Builder();
    }

    /** Adds a bridge named {@code name} with default options. */
    public Bridge addBridge(String name) {
        return addBridge(Bridge.builder(name));
    }

    /**
     * Adds a bridge built from {@code options} (its datapath is set to this switch's): for example
     * {@code sw.addBridge(Bridge.builder("br0").ageing(Duration.ofSeconds(60)))}.
     *
     * @throws IllegalArgumentException when a bridge of that name exists
     */
    public synchronized Bridge addBridge(Bridge.Builder options) {
        Objects.requireNonNull(options, "options");
        if (closed) {
            throw new IllegalStateException("switch is closed");
        }
        Bridge br = options.datapath(datapath).build();
        if (bridges.containsKey(br.name())) {
            throw new IllegalArgumentException("a bridge named " + br.name() + " exists already");
        }
        bridges.put(br.name(), br);
        bridgeArray = bridges.values().toArray(Bridge[]::new);
        return br;
    }

    /** The bridge named {@code name}. */
    public synchronized Bridge bridge(String name) {
        Bridge br = bridges.get(name);
        if (br == null) {
            throw new IllegalArgumentException("no bridge named " + name + "; bridges: " + bridges.keySet());
        }
        return br;
    }

    /** Every bridge, in the order they were added. */
    public synchronized List<Bridge> bridges() {
        return new ArrayList<>(bridges.values());
    }

    /** The datapath (for its counters, {@code dumpFlows()} and options the switch does not wrap). */
    public Datapath datapath() {
        return datapath;
    }

    /** The switch clock. */
    public Clock clock() {
        return datapath.clock();
    }

    /**
     * Synchronous mode: processes what the ports have received (one burst per rx queue) and runs the bridges'
     * due maintenance (MAC ageing). Returns the number of packets processed.
     */
    public int poll() {
        int n = datapath.poll();
        long t = datapath.lastPollNanos();
        for (Bridge br : bridgeArray) {
            br.runMaintenance(t);
        }
        return n;
    }

    /** Starts the datapath's poll threads (when built with pollThreads &gt; 0). */
    public void start() {
        datapath.start();
    }

    /** Closes the datapath (stopping its poll threads). Port drivers stay open. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        datapath.close();
    }

    /** Options of a {@link Switch}. Not thread-safe. */
    public static final class Builder {
        private Clock clock = Clock.system();
        private int pollThreads;
        private PacketMemory memory;
        private PollThreadHook pollThreadHook;

        private Builder() {
        }

        /**
         * The memory the datapath makes copies in (flooding, output to several ports); default: a pool the
         * datapath owns. Tests pass their strict pool here so that leak checks cover the switch too.
         */
        public Builder memory(PacketMemory memory) {
            this.memory = Objects.requireNonNull(memory, "memory");
            return this;
        }

        /** The switch clock (default the system clock; a VirtualClock in tests). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Poll threads; 0 (default) is synchronous mode, driven by {@link Switch#poll()}. */
        public Builder pollThreads(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("poll threads " + n + " must be >= 0 (0: synchronous mode)");
            }
            this.pollThreads = n;
            return this;
        }

        /**
         * Code each poll thread runs on itself when it starts and stops, for example a DPDK
         * {@code PmdCpuMask} that pins thread N to the N-th core of its mask; default none.
         */
        public Builder pollThreadHook(PollThreadHook hook) {
            this.pollThreadHook = Objects.requireNonNull(hook, "hook");
            return this;
        }

        /** Builds the switch. */
        public Switch build() {
            return new Switch(this);
        }
    }
}
