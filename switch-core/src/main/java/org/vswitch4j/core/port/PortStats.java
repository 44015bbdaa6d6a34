package org.vswitch4j.core.port;

/**
 * Port counters as {@code ovs-ofctl dump-ports} shows them.
 *
 * @param rxPackets frames received
 * @param rxBytes   bytes received
 * @param rxDropped frames received and then dropped (by the switch's decision or for lack of room)
 * @param rxErrors  frames received that were malformed (runts, oversized, bad headers)
 * @param txPackets frames sent
 * @param txBytes   bytes sent
 * @param txDropped frames that could not be sent (queue full, link down, too big)
 * @param txErrors  frames whose sending failed in the device
 */
public record PortStats(long rxPackets, long rxBytes, long rxDropped, long rxErrors,
                        long txPackets, long txBytes, long txDropped, long txErrors) {

    /** All zero. */
    public static final PortStats ZERO = new PortStats(0, 0, 0, 0, 0, 0, 0, 0);

    /** Field-wise sum. */
    public PortStats plus(PortStats o) {
        return new PortStats(rxPackets + o.rxPackets, rxBytes + o.rxBytes, rxDropped + o.rxDropped,
                rxErrors + o.rxErrors, txPackets + o.txPackets, txBytes + o.txBytes, txDropped + o.txDropped,
                txErrors + o.txErrors);
    }

    /** The counters in the layout of {@code ovs-ofctl dump-ports} for one port. */
    public String format(String portName) {
        return String.format("  port %s: rx pkts=%d, bytes=%d, drop=%d, errs=%d%n           tx pkts=%d, bytes=%d, drop=%d, errs=%d",
                portName, rxPackets, rxBytes, rxDropped, rxErrors, txPackets, txBytes, txDropped, txErrors);
    }
}
