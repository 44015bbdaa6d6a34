package org.vswitch4j.core.datapath;

/**
 * Why the datapath dropped a packet; each reason is a counter per input port (named as in this enum,
 * lower case) and counts into the port's {@code rx_dropped}, except where noted.
 */
public enum DropReason {
    /** The pipeline decided to drop (an empty action list, an explicit drop, no flow matched). */
    PIPELINE("pipeline decided to drop"),
    /** The frame breaks its port's VLAN mode: a tag on an access port, a VLAN the trunk does not carry. */
    VLAN_MODE("frame breaks the port's VLAN mode"),
    /** The frame is a reserved (IEEE 802.1D 01:80:c2:00:00:0x) control frame the bridge does not forward. */
    RESERVED_MULTICAST("reserved multicast control frame"),
    /** The frame is too short to carry an Ethernet header (counts into rx_errors too). */
    RUNT("frame shorter than an Ethernet header"),
    /** The frame is longer than the input port's MTU allows (counts into rx_errors too). */
    OVER_MTU("frame longer than the port's MTU"),
    /** The frame would leave through its input port (a loop), which NORMAL and flooding never do. */
    LOOP("output to the input port"),
    /** The output port's transmit queue was full (counts into the output port's tx_dropped). */
    TX_QUEUE_FULL("output queue full"),
    /** The output port is down (counts into the output port's tx_dropped). */
    PORT_DOWN("output port down"),
    /** A copy for a second output found no free buffer. */
    NO_BUFFER("no free packet buffer"),
    /** The frame is longer than the output port's MTU (counts into the output port's tx_dropped). */
    TX_OVER_MTU("frame longer than the output port's MTU"),
    /** The upcall queue or the slow path refused the packet. */
UPCALL_FAILED("upcall failed"),
    /** A meter band dropped it ({@link DatapathAction.Meter}). */
    METER("meter band dropped it"),
    /**
     * A tunnel header could not be pushed: the inner frame is over the underlay's MTU, or the buffer lacks
     * headroom (counts into the tunnel port's tx_dropped).
     */
    TUNNEL_PUSH("tunnel header could not be pushed"),
    /**
     * A frame's offload state (partial checksum, GSO) does not fit the frame, so it could not be finished in
     * software for an output port that takes no offloads (counts into that port's tx_dropped).
     */
    TX_OFFLOAD("offload state could not be finished in software");

    private final String description;

    DropReason(String description) {
        this.description = description;
    }

    /** A one-line explanation for counters and logs. */
    public String description() {
        return description;
    }

    /** The counter name, lower case with underscores. */
    public String counterName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
