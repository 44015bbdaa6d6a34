package org.vswitch4j.io.linux.internal;

import java.util.concurrent.atomic.LongAdder;
import org.vswitch4j.core.port.PortStats;

/**
 * A Linux port's own counters (what the device saw), added to once per burst, never per packet. LongAdders
 * because transmit runs on any poll thread.
 */
public final class PortCounters {
    public final LongAdder rxPackets = new LongAdder();
    public final LongAdder rxBytes = new LongAdder();
    public final LongAdder rxDropped = new LongAdder();
    public final LongAdder rxErrors = new LongAdder();
    public final LongAdder txPackets = new LongAdder();
    public final LongAdder txBytes = new LongAdder();
    public final LongAdder txDropped = new LongAdder();
    public final LongAdder txErrors = new LongAdder();

    /** The counters now, plus {@code kernelRxDropped} (drops the kernel counted for us). */
    public PortStats snapshot(long kernelRxDropped, long kernelTxErrors) {
        return new PortStats(rxPackets.sum(), rxBytes.sum(), rxDropped.sum() + kernelRxDropped, rxErrors.sum(),
                txPackets.sum(), txBytes.sum(), txDropped.sum(), txErrors.sum() + kernelTxErrors);
    }
}
