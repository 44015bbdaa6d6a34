package org.vswitch4j.flow;

/** Flags of a flow entry (OpenFlow 1.3 {@code ofp_flow_mod_flags}), by their {@code ovs-ofctl} names. */
public enum FlowFlag {
    /** Send a flow-removed message when the entry expires or is deleted. */
    SEND_FLOW_REM("send_flow_rem"),
    /** Refuse the add if an entry of the same priority in the table overlaps it ({@code OFPFMFC_OVERLAP}). */
    CHECK_OVERLAP("check_overlap"),
    /** A modify resets the entry's counters. */
    RESET_COUNTS("reset_counts"),
    /** Do not count packets (the entry reports no packet count). */
    NO_PKT_COUNTS("no_packet_counts"),
    /** Do not count bytes (the entry reports no byte count). */
    NO_BYT_COUNTS("no_byte_counts");

    private final String ovsName;

    FlowFlag(String ovsName) {
        this.ovsName = ovsName;
    }

    /** The flag's name in {@code ovs-ofctl} syntax. */
    public String ovsName() {
        return ovsName;
    }
}
