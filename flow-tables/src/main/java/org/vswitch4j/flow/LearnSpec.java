package org.vswitch4j.flow;

import java.util.List;
import java.util.Objects;

/**
 * What Open vSwitch's {@code learn} action adds: a flow in {@code table} whose match and actions are built
 * from the packet being processed. {@code learn(table=10, NXM_OF_VLAN_TCI[0..11],
 * NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[], load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15])} learns, per VLAN and source
 * MAC, a flow that sets reg0 to the port the MAC was seen on: the MAC learning of a multi-table pipeline.
 *
 * <p>Semantics as in Open vSwitch: when an identical flow (same table, priority and match) exists, its actions
 * are replaced and its timeouts restart; otherwise the flow is added. The learned flow is visible to packets
 * processed after the one that learned it, not to the rest of that packet's own translation. With
 * {@code deleteLearned}, the learned flows go when the learning flow is deleted.
 *
 * <p>{@code limit}, as in Open vSwitch: when the learned flow's table already holds {@code limit} or more flows
 * with the learned flow's cookie (whoever added them: this action, another learn, a controller), a new flow is
 * not added; refreshing a flow that is there already still succeeds. {@code resultDst}, when given, is a
 * single writable bit that the action sets to 1 when the flow was learned (added or refreshed) and to 0 when the
 * limit stopped it, so that later actions can act on the outcome; a translation that does not learn (a trace,
 * a revalidation with no packets) writes the outcome learning would have. It is left alone when the action
 * cannot build its flow (a learned match without its prerequisites), as in Open vSwitch.
 *
 * @param table           the table the learned flow goes into
 * @param priority        its priority
 * @param idleTimeout     its idle timeout in seconds (0: none)
 * @param hardTimeout     its hard timeout in seconds (0: none)
 * @param finIdleTimeout  idle timeout after a TCP FIN or RST is seen (0: none)
 * @param finHardTimeout  hard timeout after a TCP FIN or RST is seen (0: none)
 * @param cookie          its cookie
 * @param sendFlowRem     whether the learned flow has {@code send_flow_rem}
 * @param deleteLearned   whether deleting the learning flow deletes what it learned
 * @param limit           the most flows with {@code cookie} that {@code table} may hold for a new one to be learned
 *                        (0: no limit)
 * @param resultDst       the bit that receives whether the flow was learned ({@code result_dst}), or null
 * @param items           the match fields and actions of the learned flow, in order
 */
public record LearnSpec(int table, int priority, int idleTimeout, int hardTimeout, int finIdleTimeout,
                        int finHardTimeout, long cookie, boolean sendFlowRem, boolean deleteLearned, long limit,
                        FieldRef resultDst, List<Item> items) {

    /** A learn action without {@code result_dst}. */
    public LearnSpec(int table, int priority, int idleTimeout, int hardTimeout, int finIdleTimeout,
                     int finHardTimeout, long cookie, boolean sendFlowRem, boolean deleteLearned, long limit,
                     List<Item> items) {
        this(table, priority, idleTimeout, hardTimeout, finIdleTimeout, finHardTimeout, cookie, sendFlowRem,
                deleteLearned, limit, null, items);
    }

    /** Checks ranges and copies the list. */
    public LearnSpec {
        if (table < 0 || table > 254) {
            throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "learn table " + table + " is outside 0..254");
        }
        if (priority < 0 || priority > 0xffff) {
            throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "learn priority " + priority
                    + " is outside 0..65535");
        }
        for (int t : new int[] {idleTimeout, hardTimeout, finIdleTimeout, finHardTimeout}) {
            if (t < 0 || t > 0xffff) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "learn timeout " + t
                        + " is outside 0..65535 seconds");
            }
        }
        if (limit < 0 || limit > 0xffff_ffffL) {
            throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "learn limit " + limit
                    + " is outside 0..4294967295");
        }
        if (resultDst != null) {
            if (resultDst.bits() != 1) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "learn result_dst " + resultDst
                        + " must be a single bit, as in reg0[5]");
            }
            if (!Action.writable(resultDst.field())) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_SET_ARGUMENT, "learn result_dst "
                        + resultDst.field().ovsName() + " cannot be written; read-only: " + Action.READ_ONLY);
            }
        }
        items = List.copyOf(items);
    }

    /** One part of the learned flow. */
    public sealed interface Item {
    }

    /** Match {@code dst} against the packet's current value of {@code src} ({@code NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[]}; a bare field is {@code src == dst}). */
    public record MatchField(FieldRef dst, FieldRef src) implements Item {
        /** Checks widths. */
        public MatchField {
            Objects.requireNonNull(dst, "dst");
            Objects.requireNonNull(src, "src");
            if (dst.bits() != src.bits()) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "learn matches " + dst + " against "
                        + src + ": the widths differ (" + dst.bits() + " and " + src.bits() + ")");
            }
        }
    }

    /** Match {@code dst} against an immediate value ({@code dl_type=0x800}, {@code NXM_OF_VLAN_TCI[0..11]=0x10}). */
    public record MatchValue(FieldRef dst, long valueHigh, long value) implements Item {
        /** Checks the field. */
        public MatchValue {
            Objects.requireNonNull(dst, "dst");
        }
    }

    /** In the learned flow, load the packet's current value of {@code src} into {@code dst}. */
    public record LoadField(FieldRef src, FieldRef dst) implements Item {
        /** Checks widths. */
        public LoadField {
            Objects.requireNonNull(dst, "dst");
            Objects.requireNonNull(src, "src");
            if (dst.bits() != src.bits()) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "learn loads " + src + " into " + dst
                        + ": the widths differ (" + src.bits() + " and " + dst.bits() + ")");
            }
        }
    }

    /** In the learned flow, load an immediate value into {@code dst}. */
    public record LoadValue(long valueHigh, long value, FieldRef dst) implements Item {
        /** Checks the field. */
        public LoadValue {
            Objects.requireNonNull(dst, "dst");
        }
    }

    /** In the learned flow, output to the port number the packet has now in {@code src} ({@code output:NXM_OF_IN_PORT[]}). */
    public record OutputField(FieldRef src) implements Item {
        /** Checks the width. */
        public OutputField {
            Objects.requireNonNull(src, "src");
            if (src.bits() > 32) {
                throw new FlowModException(OfpError.BAD_ACTION_BAD_ARGUMENT, "learn output from " + src
                        + " takes at most 32 bits");
            }
        }
    }
}
