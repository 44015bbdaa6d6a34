/**
 * Bounded lock-free rings of primitive {@code long} slots (buffer handles), for hand-offs between threads:
 * an in-process port's rx and tx queues, and any hand-off of buffer handles between poll threads.
 *
 * <h2>Conventions (for maintainers)</h2>
 * Memory order is named by {@link java.lang.invoke.VarHandle} access modes only: {@code getAcquire} /
 * {@code setRelease} pair to publish, {@code getOpaque} reads a field this thread owns or a value used only
 * as a hint (a CAS or a later acquire validates it), {@code compareAndSet} claims. Each ordering load or
 * store carries a comment saying what it publishes or pairs with; benign races are labelled as such. Indices
 * are {@code long} and only grow (no wrap to handle); a slot is {@code index & (capacity - 1)}. A free slot
 * holds {@code -1}, so consumers read slots, never the producer index; the SPSC producer looks ahead over
 * slots and the MPSC producers re-read the consumer index only past a cached limit. The indices sit on
 * padded cache lines ({@code Rings}): a two-thread benchmark showed the unpadded layout several times slower.
 */
package org.vswitch4j.core.ring;
