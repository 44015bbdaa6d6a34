package org.vswitch4j.core.datapath;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.time.Clock;

/**
 * The userspace datapath (skeleton: the public API; bodies follow).
 */
public final class Datapath implements AutoCloseable {

    private Datapath(Builder b) {
        Objects.requireNonNull(b);
    }

    /** A builder with the defaults listed on its methods. */
    public static Builder builder() {
        return new Builder();
    }

    public int addPort(Port port, Pipeline pipeline) {
        throw new UnsupportedOperationException("not yet");
    }

    public void removePort(int dpPort) {
        throw new UnsupportedOperationException("not yet");
    }

    public Port port(int dpPort) {
        throw new UnsupportedOperationException("not yet");
    }

    public void portAdminUp(int dpPort, boolean up) {
        throw new UnsupportedOperationException("not yet");
    }

    public boolean portOperUp(int dpPort) {
        throw new UnsupportedOperationException("not yet");
    }

    public PortStats portStats(int dpPort) {
        throw new UnsupportedOperationException("not yet");
    }

    public long dropCount(int dpPort, DropReason reason) {
        throw new UnsupportedOperationException("not yet");
    }

    public long malformedCount(int dpPort) {
        throw new UnsupportedOperationException("not yet");
    }

    public void reconfigure(Runnable change) {
        throw new UnsupportedOperationException("not yet");
    }

    public void invalidate(long tag) {
        throw new UnsupportedOperationException("not yet");
    }

    public void invalidateAll() {
        throw new UnsupportedOperationException("not yet");
    }

    public int poll() {
        throw new UnsupportedOperationException("not yet");
    }

    public void start() {
        throw new UnsupportedOperationException("not yet");
    }

    public Clock clock() {
        throw new UnsupportedOperationException("not yet");
    }

    public DatapathStats stats() {
        throw new UnsupportedOperationException("not yet");
    }

    public List<MegaflowEntry> dumpFlows() {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void close() {
    }

    /** Options for a {@link Datapath}. Not thread-safe. */
    public static final class Builder {
        Clock clock = Clock.system();
        int pollThreads;
        PacketMemory memory;
        int emcEntries = 8192;
        int maxMegaflows = 65536;
        Duration maxIdle = Duration.ofSeconds(10);
        Duration revalidateInterval = Duration.ofMillis(500);
        int burst = 32;

        private Builder() {
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder pollThreads(int n) {
            this.pollThreads = n;
            return this;
        }

        public Builder memory(PacketMemory memory) {
            this.memory = Objects.requireNonNull(memory, "memory");
            return this;
        }

        public Builder emcEntries(int n) {
            this.emcEntries = n;
            return this;
        }

        public Builder maxMegaflows(int n) {
            this.maxMegaflows = n;
            return this;
        }

        public Builder maxIdle(Duration d) {
            this.maxIdle = Objects.requireNonNull(d, "maxIdle");
            return this;
        }

        public Builder revalidateInterval(Duration d) {
            this.revalidateInterval = Objects.requireNonNull(d, "revalidateInterval");
            return this;
        }

        public Builder burst(int n) {
            this.burst = n;
            return this;
        }

        public Datapath build() {
            return new Datapath(this);
        }
    }
}
