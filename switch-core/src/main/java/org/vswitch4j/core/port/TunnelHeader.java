package org.vswitch4j.core.port;

import org.vswitch4j.core.packet.Packet;

/**
 * An outer header built once by a tunnel port's slow path and pushed onto every packet of a megaflow by the fast
 * path: what Open vSwitch's {@code tnl_push} carries. The datapath executes it through
 * {@code DatapathAction.TunnelPush}, which then outputs the packet to the tunnel port.
 *
 * <p>Thread-safety: an implementation is shared by every poll thread that executes the megaflow; {@link #push}
 * must allocate nothing and may keep no per-packet state except in fields it documents as racy.
 */
public interface TunnelHeader {

    /**
     * Pushes the outer headers in front of the frame of {@code p} (into its headroom, no copy of the frame),
     * filling in the per-packet parts (lengths, checksums, the entropy source port). Returns false, leaving
     * the frame as it was, when it cannot: too little headroom, or the inner frame is over the underlay's
     * MTU (the implementation documents its policy); the datapath then drops and counts the packet.
     */
    boolean push(Packet p);

    /** The header as Open vSwitch's {@code dpctl/dump-flows} shows a {@code tnl_push}'s header. */
    @Override
    String toString();
}
