package org.vswitch4j.core.datapath;

import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

/**
 * The slow path's decider: given a flow key, says what the datapath should do with every packet like it.
 *
 * <p>The datapath calls {@link #translate} on a cache miss (an upcall) and again when it revalidates a
 * cached megaflow. The answer is a list of datapath actions plus, in {@code mask}, every key bit the decision
 * consulted: the megaflow installed for it matches exactly those bits, so the implementation must
 * un-wildcard every field it reads — including fields whose value led it <em>not</em> to do something.
 * A decision that depends on mutable state (a MAC table entry, a flow table) names that state with
 * {@link Translation#addTag(long)}; when the state changes, the implementation calls
 * {@link Datapath#invalidate(long)} with the same tag and the datapath drops every megaflow that carries it.
 *
 * <p>The NORMAL learning bridge ({@code org.vswitch4j.core.bridge.Bridge}) is the core's pipeline; the
 * OpenFlow tables of {@code flow-tables} are another.
 *
 * <p>Thread-safety: the datapath serialises every call on its slow-path lock, so an implementation sees one
 * call at a time; its configuration methods must take the same lock ({@link Datapath#reconfigure}).
 */
public interface Pipeline {

    /**
     * Decides for packets like {@code key}. Must not change {@code key}. Writes every consulted bit into
     * {@code mask} (which arrives wildcarded except for bits the datapath always matches).
     *
     * @param key  the packet's flow key (in_port is the datapath port number)
     * @param mask where to un-wildcard the consulted bits
     * @param tx   the upcall's context: the clock, the packet (on a real upcall), side-effect policy, tags
     * @return the actions for every packet that matches {@code key} on {@code mask}; never null
     *         (an empty list drops)
     */
    DatapathActions translate(FlowKey key, FlowMask mask, Translation tx);
}
