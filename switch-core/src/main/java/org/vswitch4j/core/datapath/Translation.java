package org.vswitch4j.core.datapath;

import org.vswitch4j.core.packet.Packet;

/**
 * What the datapath tells a {@link Pipeline} about one translation, and what the pipeline tells back
 * besides actions and mask.
 *
 * <p>An instance is reused by the datapath; a pipeline must not keep it after {@link Pipeline#translate}
 * (or {@link Pipeline#refresh}) returns.
 */
public interface Translation {

    /** The switch clock, in nanoseconds, at the time of the upcall. */
    long nowNanos();

    /**
     * The packet that missed the caches, or null when the datapath revalidates a megaflow (there is no
     * packet then). Read-only: the pipeline must not modify it.
     */
    Packet packet();

    /**
     * True when this translation revalidates a cached megaflow that packets used since the last
     * revalidation: a pipeline applies the side effects that use implies (refreshing a learned MAC's age,
     * as Open vSwitch's revalidators do) but must not act as for a new packet.
     */
    boolean isRevalidation();

    /**
     * Marks the decision as depending on state named by {@code tag} (for example one MAC table entry);
     * {@link Datapath#invalidate(long)} with the same tag drops the megaflow. Tags are any 64-bit values;
     * a pipeline should make them distinct, say by hashing what they name.
     */
    void addTag(long tag);

    /**
     * During a revalidation, the packets that used the megaflow since the previous revalidation pass (the
     * upcall's own packet excluded); 0 on an upcall. A pipeline that keeps per-rule counters adds these to the
     * rules the decision went through, as Open vSwitch's revalidators push datapath flow statistics to
     * OpenFlow rules. Packets that use a megaflow after its last revalidation and before it is removed are not
     * reported.
     */
    default long usedPackets() {
        return 0;
    }

    /** The bytes of {@link #usedPackets()}'s packets (frame lengths as received). */
    default long usedBytes() {
        return 0;
    }

    /**
     * Keeps {@code memo} with the decision being made (Open vSwitch's xlate cache): the datapath stores it with the
     * megaflow and hands it back, as {@link #memo()}, to {@link Pipeline#refresh} for that megaflow, so that a
     * pipeline can apply a use's side effects (counters of the rules the decision went through, their idle
     * times) without translating again. The last call of a translation counts; null keeps nothing. A pipeline must
     * not change a memo after handing it over: the datapath may hold it for as long as the megaflow lives.
     */
    default void setMemo(Object memo) {
    }

    /**
     * In {@link Pipeline#refresh}, the memo the megaflow's last translation kept ({@link #setMemo}), or null;
     * null in {@link Pipeline#translate}.
     */
    default Object memo() {
        return null;
    }
}
