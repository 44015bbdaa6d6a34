/**
 * The fast path: {@link org.vswitch4j.core.datapath.Datapath} (poll threads or the synchronous driver,
 * per-thread exact-match cache and megaflow classifier, datapath action execution, per-thread counters),
 * and its narrow boundary with the slow path: {@link org.vswitch4j.core.datapath.Pipeline} decides,
 * returning {@link org.vswitch4j.core.datapath.DatapathActions} and the mask of what it consulted, with
 * {@link org.vswitch4j.core.datapath.Translation} as the upcall's context.
 *
 * <h2>Where to read</h2>
 * <ul>
 * <li>{@code Datapath}: the public API, the consistency promises (reconfigure, invalidate, revalidate).</li>
 * <li>{@code PollWorker}: one thread's round, the epoch handshake, invalidation and revalidation, the idle
 * strategy, the counter layout.</li>
 * <li>{@code ExactMatchCache} and {@code MegaflowClassifier}/{@code Subtable}: the two caches and what a
 * lookup costs.</li>
 * <li>{@code CompiledActions} and {@code PacketEdits}: how actions are executed, and what set-field
 * rewrites.</li>
 * </ul>
 *
 * <h2>Packet ownership in the datapath</h2>
 * A received buffer belongs to the datapath until it is moved into an output port's tx batch (the port's
 * {@code transmit} then owns it) or released on a drop. Every output but the last of an action list
 * transmits a copy in a fresh buffer; the last moves the original.
 */
package org.vswitch4j.core.datapath;
