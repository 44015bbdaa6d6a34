package org.vswitch4j.core.packet;

import java.lang.foreign.MemorySegment;

/**
 * Where packet buffers live: a set of fixed-size buffers inside one memory region, each named by a
 * {@code long} handle.
 *
 * <p>The core's {@link BufferPool} is one implementation; an I/O backend may bring its own (AF_XDP's UMEM,
 * DPDK's mbuf pools) so that a packet crosses ports of the same kind without a copy. A {@link Packet} is a
 * view that names its memory and handle; the datapath never needs to know which kind it is.
 *
 * <p>Ownership: whoever holds a handle owns the buffer until it passes it on (tx burst, hand-off to a
 * ring) or gives it back with {@link #release(long)}. Releasing twice, or releasing a handle never
 * allocated, is a bug; implementations detect it where they can.
 *
 * <p>Thread-safety: implementations allow {@code allocate} and {@code release} from any thread.
 */
public interface PacketMemory {

    /** The segment that holds every buffer of this memory. */
    MemorySegment region();

    /** Size in bytes of each buffer, headroom included. */
    int bufferSize();

    /** Bytes reserved at the start of each buffer for headers pushed later (VLAN tags, tunnel headers). */
    int headroom();

    /** Offset within {@link #region()} at which the buffer named by {@code handle} starts. */
    long bufferOffset(long handle);

    /** Allocates one buffer and returns its handle, or {@code -1} when none is free. */
    long allocate();

    /**
     * Allocates up to {@code n} buffers into {@code handles[offset..offset+n)}; returns how many it got
     * (fewer than {@code n} only when the memory is exhausted).
     */
    int allocate(long[] handles, int offset, int n);

    /** Gives one buffer back. Takes ownership of {@code handle}. */
    void release(long handle);

    /** Gives {@code n} buffers back. Takes ownership of {@code handles[offset..offset+n)}. */
    void release(long[] handles, int offset, int n);

    /** Buffers currently free. May lag concurrent operations slightly (it sums per-thread state). */
    long freeCount();

    /** Buffers currently owned by someone. */
    long usedCount();

    /** Total number of buffers. */
    long capacity();
}
