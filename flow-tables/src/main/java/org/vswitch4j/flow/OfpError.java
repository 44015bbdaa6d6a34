package org.vswitch4j.flow;

/**
 * The OpenFlow 1.3 errors (type and code, section 7.4.4 of the 1.3.5 specification) that a flow, group or
 * meter modification can fail with. The OpenFlow channel sends exactly these on the wire; the API throws them
 * inside a {@link FlowModException}.
 */
public enum OfpError {
    BAD_REQUEST_BAD_TYPE(1, 1),
    BAD_REQUEST_EPERM(1, 5),
    BAD_REQUEST_BAD_TABLE_ID(1, 9),

    BAD_ACTION_BAD_TYPE(2, 0),
    BAD_ACTION_BAD_LEN(2, 1),
    BAD_ACTION_BAD_OUT_PORT(2, 4),
    BAD_ACTION_BAD_ARGUMENT(2, 5),
    BAD_ACTION_TOO_MANY(2, 7),
    BAD_ACTION_BAD_QUEUE(2, 8),
    BAD_ACTION_BAD_OUT_GROUP(2, 9),
    BAD_ACTION_MATCH_INCONSISTENT(2, 10),
    BAD_ACTION_UNSUPPORTED_ORDER(2, 11),
    BAD_ACTION_BAD_TAG(2, 12),
    BAD_ACTION_BAD_SET_TYPE(2, 13),
    BAD_ACTION_BAD_SET_LEN(2, 14),
    BAD_ACTION_BAD_SET_ARGUMENT(2, 15),

    BAD_INSTRUCTION_UNKNOWN_INST(3, 0),
    BAD_INSTRUCTION_UNSUP_INST(3, 1),
    BAD_INSTRUCTION_BAD_TABLE_ID(3, 2),
    BAD_INSTRUCTION_UNSUP_METADATA_MASK(3, 4),

    BAD_MATCH_BAD_TYPE(4, 0),
    BAD_MATCH_BAD_LEN(4, 1),
    BAD_MATCH_BAD_DL_ADDR_MASK(4, 3),
    BAD_MATCH_BAD_NW_ADDR_MASK(4, 4),
    BAD_MATCH_BAD_FIELD(4, 6),
    BAD_MATCH_BAD_VALUE(4, 7),
    BAD_MATCH_BAD_MASK(4, 8),
    BAD_MATCH_BAD_PREREQ(4, 9),
    BAD_MATCH_DUP_FIELD(4, 10),

    FLOW_MOD_FAILED_UNKNOWN(5, 0),
    FLOW_MOD_FAILED_TABLE_FULL(5, 1),
    FLOW_MOD_FAILED_BAD_TABLE_ID(5, 2),
    FLOW_MOD_FAILED_OVERLAP(5, 3),
    FLOW_MOD_FAILED_BAD_TIMEOUT(5, 5),
    FLOW_MOD_FAILED_BAD_COMMAND(5, 6),
    FLOW_MOD_FAILED_BAD_FLAGS(5, 7),

    GROUP_MOD_FAILED_GROUP_EXISTS(6, 0),
    GROUP_MOD_FAILED_INVALID_GROUP(6, 1),
    GROUP_MOD_FAILED_OUT_OF_GROUPS(6, 3),
    GROUP_MOD_FAILED_OUT_OF_BUCKETS(6, 4),
    GROUP_MOD_FAILED_CHAINING_UNSUPPORTED(6, 5),
    GROUP_MOD_FAILED_WATCH_UNSUPPORTED(6, 6),
    GROUP_MOD_FAILED_LOOP(6, 7),
    GROUP_MOD_FAILED_UNKNOWN_GROUP(6, 8),
    GROUP_MOD_FAILED_BAD_TYPE(6, 10),
    GROUP_MOD_FAILED_BAD_COMMAND(6, 11),
    GROUP_MOD_FAILED_BAD_BUCKET(6, 12),
    GROUP_MOD_FAILED_BAD_WATCH(6, 13),

    METER_MOD_FAILED_METER_EXISTS(12, 1),
    METER_MOD_FAILED_INVALID_METER(12, 2),
    METER_MOD_FAILED_UNKNOWN_METER(12, 3),
    METER_MOD_FAILED_BAD_COMMAND(12, 4),
    METER_MOD_FAILED_BAD_FLAGS(12, 5),
    METER_MOD_FAILED_BAD_RATE(12, 6),
    METER_MOD_FAILED_BAD_BURST(12, 7),
    METER_MOD_FAILED_BAD_BAND(12, 8),
    METER_MOD_FAILED_BAD_BAND_VALUE(12, 9),
    METER_MOD_FAILED_OUT_OF_METERS(12, 10),
    METER_MOD_FAILED_OUT_OF_BANDS(12, 11);

    private final int type;
    private final int code;

    OfpError(int type, int code) {
        this.type = type;
        this.code = code;
    }

    /** The {@code ofp_error_type} ({@code OFPET_*}). */
    public int type() {
        return type;
    }

    /** The code within the type ({@code OFPBMC_*}, {@code OFPFMFC_*}, ...). */
    public int code() {
        return code;
    }
}
