/**
 * The hand-written FFM binding to DPDK 22.11: library lookup, one constant downcall handle per function,
 * the struct offsets (checked against the C headers by a test), CPU affinity through libc. Not exported:
 * only {@code org.vswitch4j.dpdk} uses it.
 */
package org.vswitch4j.dpdk.internal;
