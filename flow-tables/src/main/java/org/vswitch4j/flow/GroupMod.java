package org.vswitch4j.flow;

import java.util.List;
import java.util.Objects;

/**
 * A group table modification ({@code ovs-ofctl add-group}, {@code mod-group}, {@code del-groups}; OpenFlow's
 * {@code OFPT_GROUP_MOD}).
 *
 * @param command  what to do
 * @param groupId  the group (0..0xffffff00; {@link #ALL} for a delete of every group)
 * @param type     the group type (ignored by deletes)
 * @param buckets  the buckets (ignored by deletes)
 */
public record GroupMod(Command command, long groupId, Type type, List<Bucket> buckets) {

    /** {@code groupId} of a delete that removes every group. */
    public static final long ALL = 0xfffffffcL;

    /** What a group mod does. */
    public enum Command { ADD, MODIFY, DELETE }

    /** Group types (OpenFlow 1.3 section 5.6.1), by their {@code ovs-ofctl} names. */
    public enum Type {
        /** Every bucket gets a copy: multicast, flooding. */
        ALL("all"),
        /** One bucket, chosen by a hash of the packet's L2-L4 fields weighted by bucket weights. */
        SELECT("select"),
        /** The single bucket: a shared next hop. */
        INDIRECT("indirect"),
        /** The first bucket whose watched port (or group) is live. */
        FAST_FAILOVER("ff");

        private final String ovsName;

        Type(String ovsName) {
            this.ovsName = ovsName;
        }

        /** The type's name in {@code ovs-ofctl} syntax ({@code ff} is also accepted as {@code fast_failover}). */
        public String ovsName() {
            return ovsName;
        }
    }

    /**
     * A bucket.
     *
     * @param weight     for select groups, the bucket's share (0: never chosen); others: 0
     * @param watchPort  for fast-failover, the port whose liveness enables the bucket ({@link OfPort#ANY}: none)
     * @param watchGroup for fast-failover, the group whose liveness enables the bucket ({@link #NO_GROUP}: none)
     * @param actions    the bucket's actions (an action set: applied as one)
     */
    public record Bucket(int weight, long watchPort, long watchGroup, List<Action> actions) {
        /** No group to watch. */
        public static final long NO_GROUP = 0xffffffffL;

        /** Checks and copies. */
        public Bucket {
            if (weight < 0 || weight > 0xffff) {
                throw new FlowModException(OfpError.GROUP_MOD_FAILED_BAD_BUCKET, "bucket weight " + weight
                        + " is outside 0..65535");
            }
            actions = List.copyOf(actions);
        }

        /** A bucket with only actions (weight 1 as Open vSwitch gives select buckets by default, no watch). */
        public static Bucket of(List<Action> actions) {
            return new Bucket(1, OfPort.ANY, NO_GROUP, actions);
        }
    }

    /** Checks the id, the type and the buckets against the type. */
    public GroupMod {
        Objects.requireNonNull(command, "command");
        if (groupId < 0 || groupId > 0xffffff00L && !(command == Command.DELETE && groupId == ALL)) {
            throw new FlowModException(OfpError.GROUP_MOD_FAILED_INVALID_GROUP, "group " + groupId
                    + " is outside 0..4294967040");
        }
        buckets = buckets == null ? List.of() : List.copyOf(buckets);
        if (command != Command.DELETE) {
            Objects.requireNonNull(type, "type");
            if (type == Type.INDIRECT && buckets.size() != 1) {
                throw new FlowModException(OfpError.GROUP_MOD_FAILED_BAD_BUCKET, "an indirect group has exactly one"
                        + " bucket; group " + groupId + " has " + buckets.size());
            }
            for (Bucket b : buckets) {
                if (type == Type.FAST_FAILOVER && b.watchPort == OfPort.ANY && b.watchGroup == Bucket.NO_GROUP) {
                    throw new FlowModException(OfpError.GROUP_MOD_FAILED_BAD_WATCH, "every bucket of fast-failover"
                            + " group " + groupId + " needs watch_port or watch_group");
                }
            }
        }
    }
}
