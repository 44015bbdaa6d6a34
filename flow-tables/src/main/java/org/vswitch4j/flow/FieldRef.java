package org.vswitch4j.flow;

import java.util.Objects;

/**
 * A run of bits of a field, as Nicira's load, move, output-to-register and learn actions name them:
 * {@code NXM_NX_REG0[0..15]} is {@code FieldRef(REG0, 0, 16)}, {@code NXM_OF_ETH_SRC[]} the whole field.
 *
 * @param field  the field
 * @param offset the lowest bit, counted from the field's least significant bit
 * @param bits   the number of bits (1..128), ending at or below the field's width
 */
public record FieldRef(MatchField field, int offset, int bits) {
    /** Checks the range. */
    public FieldRef {
        Objects.requireNonNull(field, "field");
        if (field == MatchField.CONJ_ID) {
            throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "conj_id has no bits to read or write;"
                    + " it is matched only, by the flows a conjunction leads to");
        }
        if (offset < 0 || bits < 1 || offset + bits > field.width()) {
            throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "bits [" + offset + ".." + (offset + bits - 1)
                    + "] are outside " + field.ovsName() + ", which has bits [0.." + (field.width() - 1) + "]");
        }
    }

    /** The whole field. */
    public static FieldRef of(MatchField field) {
        return new FieldRef(field, 0, field.width());
    }

    /** Bits {@code start..end} (inclusive) of {@code field}. */
    public static FieldRef of(MatchField field, int start, int end) {
        return new FieldRef(field, start, end - start + 1);
    }

    /** Whether the reference is the whole field. */
    public boolean isWhole() {
        return offset == 0 && bits == field.width();
    }

    /** In {@code ovs-ofctl} syntax: {@code NXM_NX_REG0[0..15]}, {@code NXM_OF_ETH_SRC[]}, {@code NXM_NX_REG1[3]}. */
    @Override
    public String toString() {
        String range = isWhole() ? "" : bits == 1 ? Integer.toString(offset) : offset + ".." + (offset + bits - 1);
        return field.nxmName() + "[" + range + "]";
    }
}
