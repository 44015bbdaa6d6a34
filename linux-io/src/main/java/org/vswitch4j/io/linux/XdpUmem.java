package org.vswitch4j.io.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.io.linux.internal.Libc;
import org.vswitch4j.io.linux.internal.Native;

/**
 * AF_XDP's UMEM as the switch's packet memory: {@code frames} frames of {@code frameSize} bytes (a power of
 * two) in one page-aligned anonymous mapping. The kernel writes received frames into it and sends from it;
 * the datapath parses and edits them in place. Give one {@code XdpUmem} to several {@link AfXdpPort}s
 * ({@link AfXdpPort.Builder#umem}) and a frame received on one is transmitted on another by passing its
 * address: no copy. (Every socket registers the whole area as a UMEM of its own, so the ports stay
 * independent: one can close, or lose its device, while the others go on.)
 *
 * <p>Layout: handle {@code h} is frame {@code h}, at {@code h * frameSize}; {@link #headroom()} is 256 bytes,
 * where the kernel puts received data in copy mode ({@code XDP_PACKET_HEADROOM}).
 *
 * <p>Ownership: as {@link PacketMemory} says, plus a state per frame: free, the application's, or the kernel's
 * (on a given socket's fill or tx ring). When a socket closes, every frame it still had is returned to the
 * free list, including frames the kernel took from the fill ring and never gave back. Releasing a frame
 * twice, or one the kernel holds, throws {@link IllegalStateException}.
 *
 * <p>Memory: the frames are locked while registered, and count against {@code RLIMIT_MEMLOCK} (per socket)
 * unless the process has CAP_IPC_LOCK; a port raises the soft limit to the hard one when it must.
 *
 * <p>Thread-safety: {@code allocate} and {@code release} from any thread (a lock held once per call, and the
 * bulk calls move a burst at once); frame states are written by the frame's current owner.
 */
@SuppressWarnings("restricted") // the mapping is ours: reinterpret gives it its size
public final class XdpUmem implements PacketMemory, AutoCloseable {
    /** Where the kernel places received data in a frame (XDP_PACKET_HEADROOM). */
    public static final int HEADROOM = 256;
    static final byte FREE = 0;
    static final byte APP = 1;
    /** States KERNEL + slot: held by the kernel for socket slot {@code slot}. */
    static final int KERNEL = 2;
    static final int MAX_SOCKETS = 250;

    private final long address;
    private final long size;
    private final MemorySegment region;
    private final int frameSize;
    private final int shift;
    private final int frames;
    private final byte[] state;
    // ---- guarded by this ----
    private final int[] free;
    private int nFree;
    private final boolean[] slotUsed = new boolean[MAX_SOCKETS];
    private int sockets;
    private boolean closed;
    private long strays;

    private XdpUmem(Builder b) {
        this.frameSize = b.frameSize;
        this.shift = Integer.numberOfTrailingZeros(frameSize);
        this.frames = b.frames;
        this.size = (long) frames * frameSize;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Libc.errnoSlot(a);
            long addr = Libc.mmap(err, size, Libc.PROT_READ | Libc.PROT_WRITE,
                    Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_POPULATE, -1, 0);
            if (addr == -1L) {
                throw Native.error("cannot map a " + (size >> 20) + " MiB UMEM", Libc.errno(err), null);
            }
            this.address = addr;
        }
        this.region = MemorySegment.ofAddress(address).reinterpret(size);
        this.state = new byte[frames];
        this.free = new int[frames];
        for (int i = 0; i < frames; i++) {
            free[i] = frames - 1 - i; // lowest handles first
        }
        this.nFree = frames;
    }

    /** A builder: 4096 frames of 2048 bytes (8 MiB). */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public MemorySegment region() {
        return region;
    }

    @Override
    public int bufferSize() {
        return frameSize;
    }

    @Override
    public int headroom() {
        return HEADROOM;
    }

    @Override
    public long bufferOffset(long handle) {
        return handle << shift;
    }

    /** log2 of the frame size: handle = address &gt;&gt; shift. */
    int shift() {
        return shift;
    }

    long address() {
        return address;
    }

    long size() {
        return size;
    }

    @Override
    public synchronized long allocate() {
        if (nFree == 0) {
            return -1;
        }
        int h = free[--nFree];
        state[h] = APP;
        return h;
    }

    @Override
    public synchronized int allocate(long[] handles, int offset, int n) {
        int k = Math.min(n, nFree);
        for (int i = 0; i < k; i++) {
            int h = free[--nFree];
            state[h] = APP;
            handles[offset + i] = h;
        }
        return k;
    }

    @Override
    public synchronized void release(long handle) {
        int h = check(handle);
        if (state[h] != APP) {
            throw new IllegalStateException(describe(h, "released"));
        }
        state[h] = FREE;
        free[nFree++] = h;
    }

    @Override
    public synchronized void release(long[] handles, int offset, int n) {
        for (int i = 0; i < n; i++) {
            release(handles[offset + i]);
        }
    }

    private String describe(int h, String what) {
        int s = state[h];
        return "UMEM frame " + h + " " + what + " while " + (s == FREE ? "free (a double release)"
                : s == APP ? "owned by the application" : "held by the kernel (socket slot " + (s - KERNEL) + ")");
    }

    private int check(long handle) {
        if (handle < 0 || handle >= frames) {
            throw new IllegalArgumentException("UMEM frame " + handle + " is outside 0.." + (frames - 1));
        }
        return (int) handle;
    }

    /** The application hands frame {@code h} to the kernel on socket slot {@code slot} (fill or tx ring). */
    void toKernel(long h, int slot) {
        state[(int) h] = (byte) (KERNEL + slot);
    }

    /** The kernel returned frame {@code h} on an rx ring: the application owns it now. */
    void fromKernel(long h) {
        state[(int) h] = APP;
    }

    /**
     * Completed transmissions on socket slot {@code slot}: frames back from the kernel straight to the free list.
     * A completion for a frame that slot does not hold (a ring protocol bug; the kernel never sends one) is
     * counted in {@link #strayCompletions} and skipped, so that it cannot put a frame on the free list twice.
     */
    synchronized void freeFromKernel(long[] handles, int n, int slot) {
        byte k = (byte) (KERNEL + slot);
        for (int i = 0; i < n; i++) {
            int h = (int) handles[i];
            if (h < 0 || h >= frames || state[h] != k) {
                strays++;
                continue;
            }
            state[h] = FREE;
            free[nFree++] = h;
        }
    }

    /** Completions skipped because their frame was not held by the kernel for that socket; 0 unless a bug. */
    public synchronized long strayCompletions() {
        return strays;
    }

    /** A new socket on this memory: its slot. */
    synchronized int attachSocket() {
        if (closed) {
            throw new IllegalStateException("the UMEM is closed");
        }
        for (int i = 0; i < MAX_SOCKETS; i++) {
            if (!slotUsed[i]) {
                slotUsed[i] = true;
                sockets++;
                return i;
            }
        }
        throw new IllegalStateException("a UMEM serves at most " + MAX_SOCKETS + " sockets");
    }

    /** A socket closed: every frame the kernel still held for it is free again. Returns how many. */
    synchronized int detachSocket(int slot) {
        byte k = (byte) (KERNEL + slot);
        int n = 0;
        for (int h = 0; h < frames; h++) {
            if (state[h] == k) {
                state[h] = FREE;
                free[nFree++] = h;
                n++;
            }
        }
        slotUsed[slot] = false;
        sockets--;
        return n;
    }

    /** How many frames a socket should keep in its fill ring: half an equal share, at most {@code ringSize}. */
    synchronized int fillTarget(int ringSize) {
        return Math.max(1, Math.min(ringSize, frames / (2 * Math.max(1, sockets))));
    }

    @Override
    public synchronized long freeCount() {
        return nFree;
    }

    @Override
    public synchronized long usedCount() {
        return frames - nFree;
    }

    @Override
    public long capacity() {
        return frames;
    }

    /** Sockets currently using this memory. */
    public synchronized int sockets() {
        return sockets;
    }

    /**
     * Unmaps the memory. Refused while a port still uses it (close the ports first). Idempotent.
     *
     * @throws IllegalStateException when sockets are still attached
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (sockets > 0) {
            throw new IllegalStateException("the UMEM still serves " + sockets + " AF_XDP socket(s): close their"
                    + " ports first");
        }
        closed = true;
        try (Arena a = Arena.ofConfined()) {
            Libc.munmap(Libc.errnoSlot(a), address, size);
        }
    }

    @Override
    public String toString() {
        return "XdpUmem[" + frames + " x " + frameSize + " B, free " + freeCount() + ", sockets " + sockets() + "]";
    }

    /** Options for an {@link XdpUmem}. */
    public static final class Builder {
        private int frames = 4096;
        private int frameSize = 2048;

        private Builder() {
        }

        /** Number of frames, 64..1048576 (default 4096). */
        public Builder frames(int n) {
            if (n < 64 || n > (1 << 20)) {
                throw new IllegalArgumentException("UMEM frames " + n + " is outside 64..1048576");
            }
            this.frames = n;
            return this;
        }

        /** Bytes per frame: 2048 or 4096 (default 2048; 4096 for frames above 1792 bytes). */
        public Builder frameSize(int bytes) {
            if (bytes != 2048 && bytes != 4096) {
                throw new IllegalArgumentException("UMEM frame size " + bytes + " must be 2048 or 4096");
            }
            this.frameSize = bytes;
            return this;
        }

        public XdpUmem build() {
            return new XdpUmem(this);
        }
    }
}
