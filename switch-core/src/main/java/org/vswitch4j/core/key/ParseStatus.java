package org.vswitch4j.core.key;

/**
 * What {@link FlowParser#parse} made of a frame.
 *
 * <p>The datapath forwards {@link #OK} and {@link #MALFORMED} frames alike (Open vSwitch also forwards a
 * frame whose upper headers are broken, on what it could parse) and counts the malformed ones per port;
 * it drops and counts {@link #RUNT} frames.
 */
public enum ParseStatus {
    /** Every header present was complete and consistent. */
    OK,
    /**
     * Some header was truncated or inconsistent (a cut VLAN tag, IPv4 IHL &lt; 5 or a total length beyond
     * the frame, an IPv6 extension chain that runs off the end, a short L4 header, bad ND options). The key
     * holds every field up to the last valid header; the fields of the broken header and beyond are zero.
     */
    MALFORMED,
    /** Shorter than an Ethernet header (14 bytes): not a frame; drop it. */
    RUNT
}
