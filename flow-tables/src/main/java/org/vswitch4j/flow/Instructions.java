package org.vswitch4j.flow;

import java.util.List;

/**
 * A flow entry's instructions (OpenFlow 1.3 section 5.9), each at most once, executed in the specification's
 * order: meter, apply-actions, clear-actions, write-actions, write-metadata, goto-table.
 *
 * @param meterId       the meter to pass the packet through first (0: none)
 * @param applyActions  actions applied at once, in order (empty: none)
 * @param clearActions  whether the action set is emptied
 * @param writeActions  actions merged into the action set, run when the pipeline ends (null: no write-actions)
 * @param metadata      the value written into {@code metadata} under {@code metadataMask}
 * @param metadataMask  which metadata bits are written (0: no write-metadata)
 * @param gotoTable     the next table, greater than the current one (-1: the pipeline ends here)
 */
public record Instructions(long meterId, List<Action> applyActions, boolean clearActions, List<Action> writeActions,
                           long metadata, long metadataMask, int gotoTable) {

    /** No instructions at all: the packet is dropped (unless the action set has something). */
    public static final Instructions NONE = new Instructions(0, List.of(), false, null, 0, 0, -1);

    /** Copies the lists and checks ranges. */
    public Instructions {
        if (meterId < 0 || meterId > 0xffff0000L) {
            throw new FlowModException(OfpError.METER_MOD_FAILED_INVALID_METER, "meter " + meterId
                    + " is outside 1..4294901760");
        }
        if (gotoTable < -1 || gotoTable > 254) {
            throw new FlowModException(OfpError.BAD_INSTRUCTION_BAD_TABLE_ID, "goto_table " + gotoTable
                    + " is outside 0..254");
        }
        applyActions = List.copyOf(applyActions);
        writeActions = writeActions == null ? null : List.copyOf(writeActions);
        metadata &= metadataMask;
    }

    /** Just apply-actions, as {@code actions=...} without instructions means in {@code ovs-ofctl}. */
    public static Instructions apply(List<Action> actions) {
        return new Instructions(0, actions, false, null, 0, 0, -1);
    }

    /** Just apply-actions. */
    public static Instructions apply(Action... actions) {
        return apply(List.of(actions));
    }

    /** These instructions with goto-table {@code table}. */
    public Instructions withGoto(int table) {
        return new Instructions(meterId, applyActions, clearActions, writeActions, metadata, metadataMask, table);
    }

    /** These instructions with write-metadata {@code value/mask}. */
    public Instructions withWriteMetadata(long value, long mask) {
        return new Instructions(meterId, applyActions, clearActions, writeActions, value, mask, gotoTable);
    }

    /** These instructions with a meter. */
    public Instructions withMeter(long meter) {
        return new Instructions(meter, applyActions, clearActions, writeActions, metadata, metadataMask, gotoTable);
    }

    /** These instructions with write-actions {@code actions} (and clear-actions if {@code clear}). */
    public Instructions withWriteActions(boolean clear, List<Action> actions) {
        return new Instructions(meterId, applyActions, clear, actions, metadata, metadataMask, gotoTable);
    }
}
