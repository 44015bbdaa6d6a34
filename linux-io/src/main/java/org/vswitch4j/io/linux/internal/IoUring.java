package org.vswitch4j.io.linux.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.vswitch4j.io.linux.LinuxIoException;

/**
 * A small io_uring for what a TAP queue needs: a burst of {@code read}s or {@code write}s on non-blocking fds
 * handed to the kernel in one {@code io_uring_enter}, where plain system calls would cost one each. Like the
 * AF_XDP rings, liburing's ring helpers are static inline, so the ring protocol is written here: the
 * application writes submission entries (SQEs) and publishes the SQ tail with a release store; the kernel posts
 * completion entries (CQEs), whose tail is read with acquire and whose head is given back with release.
 *
 * <p>Use: {@link #prepare} up to {@link #entries()} operations, each with a {@code userData} that is its index
 * in the caller's burst, then {@link #submitAndWait}: it returns when every prepared operation has completed,
 * with each result (bytes, or {@code -errno}) stored at its index. On a non-blocking fd the kernel runs a read
 * or write inline during the call when it carries RWF_NOWAIT, as every operation here does (a read with no frame
 * waiting completes with {@code -EAGAIN}), so the wait costs nothing extra. A result carries its own errno: no errno-capture segment per operation.
 *
 * <p>Layouts (checked against linux/io_uring.h by NativeLayoutTest): {@code io_uring_params} 120 bytes, with
 * {@code sq_off} at 40 and {@code cq_off} at 80; SQE 64 bytes {opcode 0, fd 4, off 8, addr 16, len 24,
 * user_data 32}; CQE 16 bytes {user_data 0, res 8}.
 *
 * <p>Thread-safety: one thread at a time (a TAP queue's poll thread for its rx ring, the holder of its tx lock
 * for its tx ring).
 */
@SuppressWarnings("restricted") // the ring mappings are ours: reinterpret gives them their sizes
public final class IoUring implements AutoCloseable {
    public static final int OP_READ = 22;
    public static final int OP_WRITE = 23;
    public static final int PARAMS_SIZE = 120;
    public static final int SQE_SIZE = 64;
    public static final int CQE_SIZE = 16;
    public static final int P_SQ_ENTRIES = 0;
    public static final int P_CQ_ENTRIES = 4;
    public static final int P_FLAGS = 8;
    public static final int P_FEATURES = 20;
    public static final int P_SQ_OFF = 40;
    public static final int P_CQ_OFF = 80;
    /** Within io_sqring_offsets: head, tail, ring_mask, ring_entries, flags, dropped, array. */
    public static final int SQ_HEAD = 0;
    public static final int SQ_TAIL = 4;
    public static final int SQ_MASK = 8;
    public static final int SQ_ARRAY = 24;
    /** Within io_cqring_offsets: head, tail, ring_mask, ring_entries, overflow, cqes. */
    public static final int CQ_HEAD = 0;
    public static final int CQ_TAIL = 4;
    public static final int CQ_MASK = 8;
    public static final int CQ_CQES = 20;
    public static final int SETUP_SUBMIT_ALL = 1 << 7;
    public static final int FEAT_SINGLE_MMAP = 1;
    public static final int ENTER_GETEVENTS = 1;
    /**
     * Every operation's rw_flags: complete at once with -EAGAIN rather than wait. Without it io_uring arms a poll
     * on a file that supports non-blocking I/O and completes the read only when data comes, O_NONBLOCK or not.
     */
    public static final int RWF_NOWAIT = 8;
    public static final long OFF_SQ_RING = 0;
    public static final long OFF_CQ_RING = 0x8000000L;
    public static final long OFF_SQES = 0x10000000L;
    private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();
    /** Waits interrupted by signals before the ring gives up (a signal storm, not a normal case). */
    private static final int MAX_RETRIES = 1000;

    private final int fd;
    private final int entries;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment err = Libc.errnoSlot(arena);
    private final long sqMapAddr;
    private final long sqMapSize;
    private final long cqMapAddr;
    private final long cqMapSize;
    private final long sqesAddr;
    private final long sqesSize;
    private final MemorySegment sq;
    private final MemorySegment cq;
    private final MemorySegment sqes;
    private final long sqTail;
    private final long cqHead;
    private final long cqTail;
    private final long cqes;
    private final int cqMaskValue;
    private final int sqMaskValue;
    /** Our SQ tail: entries prepared up to here; the kernel's copy is published by submitAndWait. */
    private int tail;
    private int prepared;
    private int head;
    private boolean closed;

    private IoUring(int fd, MemorySegment params) {
        this.fd = fd;
        this.entries = params.get(ValueLayout.JAVA_INT, P_SQ_ENTRIES);
        int cqEntries = params.get(ValueLayout.JAVA_INT, P_CQ_ENTRIES);
        boolean single = (params.get(ValueLayout.JAVA_INT, P_FEATURES) & FEAT_SINGLE_MMAP) != 0;
        long sqArray = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + SQ_ARRAY) & 0xffffffffL;
        long cqCqes = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + CQ_CQES) & 0xffffffffL;
        long sqSize = sqArray + 4L * this.entries;
        long cqSize = cqCqes + (long) CQE_SIZE * cqEntries;
        if (single) {
            sqSize = Math.max(sqSize, cqSize);
            cqSize = sqSize;
        }
        long sqAddr = map(sqSize, OFF_SQ_RING);
        long cqAddr = -1;
        long sqeAddr = -1;
        try {
            cqAddr = single ? sqAddr : map(cqSize, OFF_CQ_RING);
            sqeAddr = map((long) SQE_SIZE * this.entries, OFF_SQES);
        } catch (RuntimeException e) {
            unmap(sqAddr, sqSize);
            if (!single && cqAddr != -1) {
                unmap(cqAddr, cqSize);
            }
            throw e;
        }
        this.sqMapAddr = sqAddr;
        this.sqMapSize = sqSize;
        this.cqMapAddr = cqAddr;
        this.cqMapSize = single ? 0 : cqSize;
        this.sqesAddr = sqeAddr;
        this.sqesSize = (long) SQE_SIZE * this.entries;
        this.sq = MemorySegment.ofAddress(sqAddr).reinterpret(sqSize);
        this.cq = MemorySegment.ofAddress(cqAddr).reinterpret(cqSize);
        this.sqes = MemorySegment.ofAddress(sqeAddr).reinterpret(sqesSize);
        this.sqTail = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + SQ_TAIL) & 0xffffffffL;
        this.cqHead = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + CQ_HEAD) & 0xffffffffL;
        this.cqTail = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + CQ_TAIL) & 0xffffffffL;
        this.cqes = cqCqes;
        this.sqMaskValue = sq.get(ValueLayout.JAVA_INT,
                params.get(ValueLayout.JAVA_INT, P_SQ_OFF + SQ_MASK) & 0xffffffffL);
        this.cqMaskValue = cq.get(ValueLayout.JAVA_INT,
                params.get(ValueLayout.JAVA_INT, P_CQ_OFF + CQ_MASK) & 0xffffffffL);
        // SQ slot i always names SQE i: entries are written at tail & mask, so the indirection is the identity
        for (int i = 0; i < this.entries; i++) {
            sq.set(ValueLayout.JAVA_INT, sqArray + 4L * i, i);
        }
        this.tail = (int) U32.getAcquire(sq, sqTail);
        this.head = (int) U32.getAcquire(cq, cqHead);
    }

    /**
     * A ring of at least {@code entries} (1..4096, rounded up to a power of two by the kernel).
     *
     * @throws LinuxIoException when the kernel refuses io_uring (disabled by {@code kernel.io_uring_disabled},
     *                          a seccomp filter, or a kernel without it), naming the errno and what to do
     */
    public static IoUring open(int entries) {
        if (entries < 1 || entries > 4096) {
            throw new IllegalArgumentException("io_uring entries " + entries + " is outside 1..4096");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Libc.errnoSlot(a);
            MemorySegment params = a.allocate(PARAMS_SIZE, 8);
            params.set(ValueLayout.JAVA_INT, P_FLAGS, SETUP_SUBMIT_ALL);
            int fd = Libc.ioUringSetup(err, entries, params);
            if (fd < 0) {
                int e = Libc.errno(err);
                throw Native.error("cannot set up an io_uring of " + entries + " entries", e,
                        e == Libc.EPERM || e == Libc.ENOSYS
                                ? "io_uring is disabled here (sysctl kernel.io_uring_disabled, or a seccomp filter"
                                + " of the container); build the port with ioUring(false)"
                                : null);
            }
            try {
                return new IoUring(fd, params);
            } catch (RuntimeException e) {
                Native.closeQuietly(fd);
                throw e;
            }
        }
    }

    /** Whether this kernel and process may use io_uring (probed by opening and closing a small ring). */
    public static boolean available() {
        try (IoUring r = open(2)) {
            return r.entries > 0;
        } catch (LinuxIoException e) {
            return false;
        }
    }

    private long map(long size, long offset) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = Libc.errnoSlot(a);
            long addr = Libc.mmap(e, size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE, fd,
                    offset);
            if (addr == -1L) {
                throw Native.error("cannot map an io_uring ring", Libc.errno(e), null);
            }
            return addr;
        }
    }

    private static void unmap(long addr, long size) {
        try (Arena a = Arena.ofConfined()) {
            Libc.munmap(Libc.errnoSlot(a), addr, size);
        }
    }

    /** Whether {@link #close} ran (the rings are unmapped: no operation may be prepared). */
    public boolean closed() {
        return closed;
    }

    /** Submission entries the ring holds: the most operations one {@link #submitAndWait} carries. */
    public int entries() {
        return entries;
    }

    /** Operations prepared and not yet submitted. */
    public int prepared() {
        return prepared;
    }

    /**
     * Prepares {@code op} ({@link #OP_READ} into, or {@link #OP_WRITE} from, native memory at {@code addr},
     * {@code len} bytes) on {@code fd} at the current file position; {@code userData} is where
     * {@link #submitAndWait} stores its result.
     *
     * @throws IllegalStateException when {@link #entries()} operations are already prepared
     */
    public void prepare(int op, int targetFd, long addr, int len, int userData) {
        if (prepared == entries) {
            throw new IllegalStateException("io_uring full: " + entries + " operations prepared; submit first");
        }
        long e = (long) (tail & sqMaskValue) * SQE_SIZE;
        MemorySegment s = sqes;
        s.set(ValueLayout.JAVA_LONG, e, (long) (op & 0xff)); // opcode, flags 0, ioprio 0, fd set next
        s.set(ValueLayout.JAVA_INT, e + 4, targetFd);
        s.set(ValueLayout.JAVA_LONG, e + 8, -1L); // off -1: the file position (a TAP has none)
        s.set(ValueLayout.JAVA_LONG, e + 16, addr);
        s.set(ValueLayout.JAVA_INT, e + 24, len);
        s.set(ValueLayout.JAVA_INT, e + 28, RWF_NOWAIT); // else the kernel waits on a pollable fd despite O_NONBLOCK
        s.set(ValueLayout.JAVA_LONG, e + 32, userData);
        s.set(ValueLayout.JAVA_LONG, e + 40, 0L); // buf_index, personality, splice_fd_in
        s.set(ValueLayout.JAVA_LONG, e + 48, 0L);
        s.set(ValueLayout.JAVA_LONG, e + 56, 0L);
        tail++;
        prepared++;
    }

    /**
     * Submits the prepared operations and returns when all have completed, each result ({@code res}: bytes
     * moved, or {@code -errno}) stored at {@code results[userData]}. Returns the number of operations.
     *
     * @throws IllegalStateException when io_uring_enter fails for a reason other than a signal or a moment's
     *                               shortage (a bad ring: a bug)
     */
    public int submitAndWait(int[] results) {
        int n = prepared;
        if (n == 0) {
            return 0;
        }
        U32.setRelease(sq, sqTail, tail); // the entries before the tail
        prepared = 0;
        int toSubmit = n;
        int done = 0;
        for (int tries = 0; done < n; tries++) {
            done += reap(results);
            if (done >= n) {
                break;
            }
            int r = Libc.ioUringEnter(err, fd, toSubmit, n - done, ENTER_GETEVENTS);
            if (r >= 0) {
                toSubmit -= Math.min(toSubmit, r);
                continue;
            }
            int e = Libc.errno(err);
            if ((e != Libc.EINTR && e != Libc.EAGAIN && e != Libc.EBUSY) || tries >= MAX_RETRIES) {
                throw new IllegalStateException("io_uring_enter failed: " + Libc.strerror(e) + " (errno " + e + ")");
            }
        }
        return n;
    }

    /** Takes every posted completion; returns how many. */
    private int reap(int[] results) {
        int t = (int) U32.getAcquire(cq, cqTail); // pairs with the kernel's release: CQEs visible
        int h = head;
        if (t == h) {
            return 0;
        }
        MemorySegment c = cq;
        for (int i = h; i != t; i++) {
            long e = cqes + (long) (i & cqMaskValue) * CQE_SIZE;
            int at = (int) c.get(ValueLayout.JAVA_LONG, e);
            results[at] = c.get(ValueLayout.JAVA_INT, e + 8);
        }
        head = t;
        U32.setRelease(cq, cqHead, t); // our reads of the CQEs happen before the kernel reuses the slots
        return t - h;
    }

    /** Unmaps the rings and closes the ring's fd (the kernel cancels what is left). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        unmap(sqesAddr, sqesSize);
        if (cqMapSize > 0) {
            unmap(cqMapAddr, cqMapSize);
        }
        unmap(sqMapAddr, sqMapSize);
        Native.closeQuietly(fd);
        arena.close();
    }
}
