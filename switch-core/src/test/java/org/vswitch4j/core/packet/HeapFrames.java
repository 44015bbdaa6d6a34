package org.vswitch4j.core.packet;

import java.lang.foreign.MemorySegment;

/**
 * Test memory that holds exactly one frame in a heap segment of exactly the frame's length, so that any
 * read past the frame's end fails loudly (IndexOutOfBoundsException) instead of reading a neighbour buffer.
 */
public final class HeapFrames implements PacketMemory {
    private final MemorySegment region;

    private HeapFrames(byte[] frame) {
        this.region = MemorySegment.ofArray(frame);
    }

    /** A packet view bound to a copy of {@code frame}, with no headroom and no tailroom. */
    public static Packet wrap(byte[] frame) {
        HeapFrames m = new HeapFrames(frame.clone());
        return new Packet().bind(m, 0, 0, frame.length);
    }

    @Override
    public MemorySegment region() {
        return region;
    }

    @Override
    public int bufferSize() {
        return (int) region.byteSize();
    }

    @Override
    public int headroom() {
        return 0;
    }

    @Override
    public long bufferOffset(long handle) {
        return 0;
    }

    @Override
    public long allocate() {
        return -1;
    }

    @Override
    public int allocate(long[] handles, int offset, int n) {
        return 0;
    }

    @Override
    public void release(long handle) {
        // The heap array is garbage collected.
    }

    @Override
    public void release(long[] handles, int offset, int n) {
        // The heap array is garbage collected.
    }

    @Override
    public long freeCount() {
        return 0;
    }

    @Override
    public long usedCount() {
        return 1;
    }

    @Override
    public long capacity() {
        return 1;
    }
}
