package org.vswitch4j.core.bridge;

import java.util.Objects;
import org.vswitch4j.core.datapath.Datapath;
import org.vswitch4j.core.datapath.DropReason;
import org.vswitch4j.core.datapath.Pipeline;
import org.vswitch4j.core.pcap.PcapWriter;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.time.Clock;

/**
 * The part of a {@link Datapath} the bridge uses. It exists so that the bridge's decisions can be tested
 * without a running datapath (a test supplies a recording implementation); in production it is
 * {@link #of(Datapath)}.
 */
interface BridgeDatapath {
    int addPort(Port port, Pipeline pipeline);

    void removePort(int dpPort);

    void portAdminUp(int dpPort, boolean up);

    boolean portOperUp(int dpPort);

    PortStats portStats(int dpPort);

    long dropCount(int dpPort, DropReason reason);

    void reconfigure(Runnable change);

    /** Runs {@code task} under the slow-path lock without an epoch barrier (its effects are invalidated by tag). */
    void withSlowPathLock(Runnable task);

    void invalidate(long tag);

    void invalidateAll();

    Clock clock();

    void capture(int dpPort, PcapWriter writer);

    boolean stopCapture(int dpPort);

    /** The bridge's view of {@code dp}. */
    static BridgeDatapath of(Datapath dp) {
        Objects.requireNonNull(dp, "datapath");
        return new BridgeDatapath() {
            @Override
            public int addPort(Port port, Pipeline pipeline) {
                return dp.addPort(port, pipeline);
            }

            @Override
            public void removePort(int dpPort) {
                dp.removePort(dpPort);
            }

            @Override
            public void portAdminUp(int dpPort, boolean up) {
                dp.portAdminUp(dpPort, up);
            }

            @Override
            public boolean portOperUp(int dpPort) {
                return dp.portOperUp(dpPort);
            }

            @Override
            public PortStats portStats(int dpPort) {
                return dp.portStats(dpPort);
            }

            @Override
            public long dropCount(int dpPort, DropReason reason) {
                return dp.dropCount(dpPort, reason);
            }

            @Override
            public void reconfigure(Runnable change) {
                dp.reconfigure(change);
            }

            @Override
            public void withSlowPathLock(Runnable task) {
                dp.withSlowPathLock(task);
            }

            @Override
            public void invalidate(long tag) {
                dp.invalidate(tag);
            }

            @Override
            public void invalidateAll() {
                dp.invalidateAll();
            }

            @Override
            public Clock clock() {
                return dp.clock();
            }

            @Override
            public void capture(int dpPort, PcapWriter writer) {
                dp.capture(dpPort, writer);
            }

            @Override
            public boolean stopCapture(int dpPort) {
                return dp.stopCapture(dpPort);
            }

            @Override
            public String toString() {
                return dp.toString();
            }
        };
    }
}
