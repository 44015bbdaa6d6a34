package org.vswitch4j.flow;

/**
 * An OpenFlow group as the pipeline keeps it: its type and buckets, and its counters (group and per bucket).
 *
 * <p>Thread-safety: under the datapath's slow-path lock, like the tables.
 */
final class GroupEntry {
    final long id;
    GroupMod.Type type;
    java.util.List<GroupMod.Bucket> buckets;
    long packets;
    long bytes;
    long[] bucketPackets;
    long[] bucketBytes;
    long createdNanos;
    /** Flows whose actions use this group (OpenFlow's reference count; deleting the group deletes them). */
    int refCount;

    GroupEntry(GroupMod mod, long now) {
        this.id = mod.groupId();
        this.createdNanos = now;
        set(mod);
    }

    void set(GroupMod mod) {
        this.type = mod.type();
        this.buckets = mod.buckets();
        this.bucketPackets = new long[buckets.size()];
        this.bucketBytes = new long[buckets.size()];
    }
}
