package org.vswitch4j.flow;

/**
 * A packet the pipeline sends to the controller (OpenFlow's {@code OFPT_PACKET_IN}): a copy of the packet as
 * the actions before the controller action left it, cut to the action's {@code max_len}.
 *
 * @param data     the packet's bytes (at most {@code max_len} of them)
 * @param totalLen the packet's full length
 * @param inPort   the OpenFlow port it came in on
 * @param table    the table whose entry sent it
 * @param cookie   that entry's cookie (all ones for a table miss)
 * @param reason   why it was sent
 */
public record PacketIn(byte[] data, int totalLen, long inPort, int table, long cookie, Reason reason) {

    /** OpenFlow 1.3's packet-in reasons. */
    public enum Reason {
        /** A table-miss entry sent it. */
        NO_MATCH,
        /** An output to CONTROLLER (or a controller action) sent it. */
        ACTION,
        /** {@code dec_ttl} found a TTL of 0 or 1. */
        INVALID_TTL
    }
}
