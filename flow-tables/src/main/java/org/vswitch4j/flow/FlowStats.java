package org.vswitch4j.flow;

import java.util.Objects;

/**
 * One flow entry as {@code ovs-ofctl dump-flows} shows it: the entry (as the add that would recreate it) and
 * its counters and ages.
 *
 * @param flow          the entry: table, priority, match, instructions, cookie, timeouts, flags
 * @param durationNanos how long the entry has existed
 * @param packets       packets that matched it (-1 when it has {@code no_packet_counts})
 * @param bytes         bytes of those packets (-1 when it has {@code no_byte_counts})
 * @param idleAgeNanos  time since a packet last matched it (or since it was added)
 * @param hardAgeNanos  time since it was added or last modified
 */
public record FlowStats(FlowMod flow, long durationNanos, long packets, long bytes, long idleAgeNanos,
                        long hardAgeNanos) {
    /** Checks the flow is there. */
    public FlowStats {
        Objects.requireNonNull(flow, "flow");
    }
}
