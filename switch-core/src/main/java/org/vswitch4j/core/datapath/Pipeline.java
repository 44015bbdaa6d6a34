package org.vswitch4j.core.datapath;

import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

/**
 * The slow path's decider: given a flow key, says what the datapath should do with every packet like it.
 *
 * <p>The datapath calls {@link #translate} on a cache miss (an upcall) and again when it revalidates a
 * cached megaflow that packets used, unless {@link #refresh} says the cached decision still stands. The answer is a list of datapath actions plus, in {@code mask}, every key bit the decision
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

    /**
     * Revalidation without re-translation: packets used the megaflow that {@link #translate} installed for
     * {@code key} on {@code mask} since the last revalidation pass. The implementation applies the side
     * effects of that use which a revalidating {@code translate} would apply (the bridge refreshes the
     * source MAC's age) and returns true if the cached decision still stands, false to have the datapath
     * re-translate it ({@link #translate} with {@link Translation#isRevalidation()} true, as it does for every
     * pipeline that does not override this method).
     *
     * <p>Return true only when {@code translate(key, ...)} called now would return the same actions, the same
     * mask and the same tags as the cached decision, and the implementation can tell without translating:
     * typically because every piece of mutable state the decision read is named by one of its tags (so any
     * change was announced with {@link Datapath#invalidate(long)}) or changes only through
     * {@link Datapath#reconfigure} or {@link Datapath#invalidateAll()}, and no side effect of this call
     * changes it. A tag invalidated before or during this call still removes the megaflow before the datapath
     * processes another packet, so the implementation need not look for invalidated tags itself. Return false
     * whenever it cannot be sure; a false answer costs one translation, a wrong true answer leaves a stale
     * decision in the cache until its tags are invalidated or it idles out. When it returns false, the side
     * effects it already applied must be ones the following {@code translate} may repeat harmlessly.
     *
     * <p>{@link Translation#memo()} is what the megaflow's last translation kept with {@link Translation#setMemo}
     * (null if nothing): where a pipeline finds what its decision went through without translating again.
     *
     * <p>Called under the slow-path lock like {@code translate}, instead of it, for each used megaflow in
     * each revalidation pass, so it should allocate nothing: with a pipeline that returns true, a steady
     * state of cache hits and revalidation passes allocates nothing at all.
     *
     * @param key  the key of the upcall that installed the megaflow (in_port is the datapath port number);
     *             must not be changed
     * @param mask the megaflow's mask; read-only (the datapath discards writes)
     * @param tx   the revalidation's context: {@link Translation#nowNanos()}, {@link Translation#packet()}
     *             null, {@link Translation#isRevalidation()} true; tags added here are ignored (the megaflow
     *             keeps the tags of its last translation)
     * @return true if the cached actions, mask and tags still stand; false to re-translate
     */
    default boolean refresh(FlowKey key, FlowMask mask, Translation tx) {
        return false;
    }

    /**
     * Time-driven work of the pipeline (flow timeouts, say), at switch time {@code nowNanos}: called from
     * {@code Bridge.runMaintenance}, which {@code Switch.poll()} runs every round in synchronous mode. Not under the
     * slow-path lock: an implementation takes it for what it changes. Should return at once when nothing is due.
     */
    default void housekeeping(long nowNanos) {
    }
}
