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
 * @param controllerId the controller connection the action named (Open vSwitch's {@code controller(id=N)}; 0, the
 *                 default, for every other packet-in)
 * @param userdata the action's {@code userdata} bytes (Open vSwitch's NXT_PACKET_IN2 property), empty when none
 */
public record PacketIn(byte[] data, int totalLen, long inPort, int table, long cookie, Reason reason,
        int controllerId, byte[] userdata) {

    /** Checks the id; copies nothing (the pipeline hands over fresh arrays). */
    public PacketIn {
        if (controllerId < 0 || controllerId > 0xffff) {
            throw new IllegalArgumentException("controller id " + controllerId + " is outside 0..65535");
        }
        userdata = userdata == null ? new byte[0] : userdata;
    }

    /** A packet-in for controller 0 without userdata. */
    public PacketIn(byte[] data, int totalLen, long inPort, int table, long cookie, Reason reason) {
        this(data, totalLen, inPort, table, cookie, reason, 0, new byte[0]);
    }

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
