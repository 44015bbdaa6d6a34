package org.vswitch4j.flow;

import java.util.List;
import java.util.Objects;

/**
 * A meter table modification ({@code ovs-ofctl add-meter}, {@code mod-meter}, {@code del-meters}; OpenFlow's
 * {@code OFPT_METER_MOD}).
 *
 * @param command  what to do
 * @param meterId  the meter (1..0xffff0000; {@link #ALL} for a delete of every meter)
 * @param kbps     rates in kilobits per second; false: packets per second
 * @param burst    whether the bands' burst sizes are used (without it, a band's burst is its rate over one second)
 * @param stats    whether the meter keeps statistics
 * @param bands    the bands (ignored by deletes): the band with the highest rate below the measured rate applies
 */
public record MeterMod(Command command, long meterId, boolean kbps, boolean burst, boolean stats, List<Band> bands) {

    /** {@code meterId} of a delete that removes every meter. */
    public static final long ALL = 0xffffffffL;

    /** What a meter mod does. */
    public enum Command { ADD, MODIFY, DELETE }

    /** A band type. */
    public enum BandType {
        /** Drop packets above the rate. */
        DROP("drop"),
        /** Lower the DSCP drop precedence of packets above the rate by {@code precLevel}. */
        DSCP_REMARK("dscp_remark");

        private final String ovsName;

        BandType(String ovsName) {
            this.ovsName = ovsName;
        }

        /** The band type's name in {@code ovs-ofctl} syntax. */
        public String ovsName() {
            return ovsName;
        }
    }

    /**
     * A band.
     *
     * @param type      what happens above the rate
     * @param rate      the rate, in kb/s or packets/s as the meter says (≥ 1)
     * @param burstSize the burst, in kilobits or packets (0: the meter's default)
     * @param precLevel for dscp_remark, how many drop-precedence levels to add
     */
    public record Band(BandType type, long rate, long burstSize, int precLevel) {
        /** Checks ranges. */
        public Band {
            Objects.requireNonNull(type, "type");
            if (rate < 1 || rate > 0xffffffffL) {
                throw new FlowModException(OfpError.METER_MOD_FAILED_BAD_RATE, "band rate " + rate
                        + " is outside 1..4294967295");
            }
            if (burstSize < 0 || burstSize > 0xffffffffL) {
                throw new FlowModException(OfpError.METER_MOD_FAILED_BAD_BURST, "band burst " + burstSize
                        + " is outside 0..4294967295");
            }
            if (precLevel < 0 || precLevel > 255 || type == BandType.DROP && precLevel != 0) {
                throw new FlowModException(OfpError.METER_MOD_FAILED_BAD_BAND_VALUE, "prec_level " + precLevel
                        + " is outside 0..255 (and only dscp_remark bands have one)");
            }
        }
    }

    /** Checks the id and the bands. */
    public MeterMod {
        Objects.requireNonNull(command, "command");
        if (meterId < 1 || meterId > 0xffff0000L && !(command == Command.DELETE && meterId == ALL)) {
            throw new FlowModException(OfpError.METER_MOD_FAILED_INVALID_METER, "meter " + meterId
                    + " is outside 1..4294901760");
        }
        bands = bands == null ? List.of() : List.copyOf(bands);
        if (command != Command.DELETE && bands.isEmpty()) {
            throw new FlowModException(OfpError.METER_MOD_FAILED_BAD_BAND, "meter " + meterId + " needs at least one band");
        }
    }
}
