package org.vswitch4j.flow;

/**
 * Told when an entry with {@link FlowFlag#SEND_FLOW_REM} leaves the pipeline: what the OpenFlow channel turns
 * into {@code OFPT_FLOW_REMOVED}. Called after the change, outside the datapath's slow-path lock, on the thread
 * that made it (a flow mod's caller, or whoever ran the expiry).
 */
@FunctionalInterface
public interface FlowRemovedListener {

    /** Why an entry was removed (OpenFlow 1.3's {@code ofp_flow_removed_reason}). */
    enum Reason {
        /** No packet matched it for its idle timeout. */
        IDLE_TIMEOUT,
        /** Its hard timeout passed. */
        HARD_TIMEOUT,
        /** A delete flow mod removed it. */
        DELETE,
        /** The group it used was deleted. */
        GROUP_DELETE,
        /** The meter it used was deleted. */
        METER_DELETE
    }

    /** {@code entry} (with its final counters) was removed for {@code reason}. */
    void flowRemoved(FlowStats entry, Reason reason);
}
