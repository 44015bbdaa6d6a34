/**
 * Bounded lock-free rings of primitive {@code long} slots (buffer handles), for hand-offs between threads:
 * an in-process port's rx and tx queues, the free list of the buffer pool.
 */
package org.vswitch4j.core.ring;
