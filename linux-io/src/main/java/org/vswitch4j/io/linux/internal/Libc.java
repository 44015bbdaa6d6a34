package org.vswitch4j.io.linux.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Hand-written FFM bindings to the libc calls the Linux ports make (jextract is not available here; every
 * constant and offset below is checked against the C headers by {@code NativeLayoutTest}, which compiles a
 * small C program with gcc).
 *
 * <p>Every call captures {@code errno} into a caller-supplied slot ({@link #errnoSlot}) instead of a
 * thread-local, so that the fast path (read, write, sendto) allocates nothing: each rx queue and tx lock owns
 * one slot. The handles are {@code static final} so the JIT treats them as constants; the per-packet ones are
 * {@linkplain Linker.Option#critical critical} (no thread-state transition: they never block, the fds are
 * non-blocking).
 *
 * <p>Thread-safety: stateless; a slot belongs to one thread at a time.
 */
@SuppressWarnings("restricted")
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERR = Linker.Option.captureCallState("errno");
    private static final Linker.Option FAST = Linker.Option.critical(false);

    // errno values (asm-generic/errno-base.h, errno.h)
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int EBADFD = 77;
    public static final int EOPNOTSUPP = 95;
    public static final int ENETDOWN = 100;
    public static final int ENOBUFS = 105;
    public static final int ENOSYS = 38;

    // open(2), socket(2), mmap(2), epoll(7), eventfd(2) flags
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    public static final int AF_INET = 2;
    public static final int AF_XDP = 44;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;
    public static final int EPOLLIN = 1;
    public static final int EPOLLONESHOT = 1 << 30;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLL_CLOEXEC = 0x80000;
    /** sizeof(struct epoll_event): packed on x86-64 (u32 events, u64 data at 4). */
    public static final int EPOLL_EVENT_SIZE = 12;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;
    public static final int RLIMIT_MEMLOCK = 8;
    public static final long RLIM_INFINITY = -1L;
    public static final int CLONE_NEWNET = 0x40000000;
    /** The bpf(2) system call number on x86-64. */
    public static final long SYS_BPF = 321;
    /** The io_uring_setup(2) and io_uring_enter(2) system call numbers (the same on every architecture). */
    public static final long SYS_IO_URING_SETUP = 425;
    public static final long SYS_IO_URING_ENTER = 426;

    private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
            ERR, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERR);
    private static final MethodHandle READ = handle("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERR, FAST);
    private static final MethodHandle WRITE = handle("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERR, FAST);
    // The buffer as a plain address (a C pointer and a long travel in the same register on x86-64), so the
    // fast path does not build a MemorySegment per frame.
    private static final MethodHandle READ_ADDR = handle("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), ERR, FAST);
    private static final MethodHandle WRITE_ADDR = handle("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), ERR, FAST);
    private static final MethodHandle SENDTO = handle("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), ERR, FAST);
    private static final MethodHandle RECVFROM = handle("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS), ERR, FAST);
    private static final MethodHandle IOCTL = handle("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), ERR, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SOCKET = handle("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERR);
    private static final MethodHandle SETSOCKOPT = handle("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERR);
    private static final MethodHandle GETSOCKOPT = handle("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), ERR);
    private static final MethodHandle BIND = handle("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERR);
    private static final MethodHandle MMAP = handle("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), ERR);
    private static final MethodHandle MUNMAP = handle("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), ERR);
    private static final MethodHandle EPOLL_CREATE1 = handle("epoll_create1",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERR);
    private static final MethodHandle EPOLL_CTL = handle("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), ERR);
    private static final MethodHandle EPOLL_WAIT = handle("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERR);
    private static final MethodHandle EVENTFD = handle("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERR);
    private static final MethodHandle GETRLIMIT = handle("getrlimit",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), ERR);
    private static final MethodHandle SETRLIMIT = handle("setrlimit",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), ERR);
    private static final MethodHandle SETNS = handle("setns",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERR);
    private static final MethodHandle SYSCALL3 = handle("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), ERR,
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL_SETUP = handle("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS), ERR, Linker.Option.firstVariadicArg(1));
    // io_uring_enter(fd, to_submit, min_complete, flags, NULL, 0): not critical, it may wait for completions
    private static final MethodHandle SYSCALL_ENTER = handle("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            ERR, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle STRERROR = handle("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment sym = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(sym, fd, options);
    }

    /** A slot that receives {@code errno} after each call made with it. */
    public static MemorySegment errnoSlot(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    /** The errno the last call made with {@code slot} left. */
    public static int errno(MemorySegment slot) {
        return (int) ERRNO.get(slot, 0L);
    }

    /** The C library's text for {@code errno}. */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    public static int open(MemorySegment err, MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(err, path, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int close(MemorySegment err, int fd) {
        try {
            return (int) CLOSE.invokeExact(err, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long read(MemorySegment err, int fd, MemorySegment buf, long n) {
        try {
            return (long) READ.invokeExact(err, fd, buf, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long write(MemorySegment err, int fd, MemorySegment buf, long n) {
        try {
            return (long) WRITE.invokeExact(err, fd, buf, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code read(fd, addr, n)} into native memory at {@code addr}. */
    public static long readAt(MemorySegment err, int fd, long addr, long n) {
        try {
            return (long) READ_ADDR.invokeExact(err, fd, addr, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code write(fd, addr, n)} from native memory at {@code addr}. */
    public static long writeAt(MemorySegment err, int fd, long addr, long n) {
        try {
            return (long) WRITE_ADDR.invokeExact(err, fd, addr, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0)}: the AF_XDP tx kick. */
    public static long kick(MemorySegment err, int fd) {
        try {
            return (long) SENDTO.invokeExact(err, fd, MemorySegment.NULL, 0L, MSG_DONTWAIT, MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL)}: the AF_XDP fill-ring wake-up. */
    public static long wakeRx(MemorySegment err, int fd) {
        try {
            return (long) RECVFROM.invokeExact(err, fd, MemorySegment.NULL, 0L, MSG_DONTWAIT, MemorySegment.NULL,
                    MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int ioctl(MemorySegment err, int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL.invokeExact(err, fd, request, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int socket(MemorySegment err, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(err, domain, type, protocol);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int setsockopt(MemorySegment err, int fd, int level, int name, MemorySegment val, int len) {
        try {
            return (int) SETSOCKOPT.invokeExact(err, fd, level, name, val, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int getsockopt(MemorySegment err, int fd, int level, int name, MemorySegment val,
                                 MemorySegment len) {
        try {
            return (int) GETSOCKOPT.invokeExact(err, fd, level, name, val, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int bind(MemorySegment err, int fd, MemorySegment addr, int len) {
        try {
            return (int) BIND.invokeExact(err, fd, addr, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Returns the mapping's address, or {@code -1} (MAP_FAILED). */
    public static long mmap(MemorySegment err, long len, int prot, int flags, int fd, long offset) {
        try {
            return ((MemorySegment) MMAP.invokeExact(err, MemorySegment.NULL, len, prot, flags, fd, offset)).address();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int munmap(MemorySegment err, long addr, long len) {
        try {
            return (int) MUNMAP.invokeExact(err, MemorySegment.ofAddress(addr), len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int epollCreate(MemorySegment err) {
        try {
            return (int) EPOLL_CREATE1.invokeExact(err, EPOLL_CLOEXEC);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int epollCtl(MemorySegment err, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(err, epfd, op, fd, event);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int epollWait(MemorySegment err, int epfd, MemorySegment events, int max, int timeoutMs) {
        try {
            return (int) EPOLL_WAIT.invokeExact(err, epfd, events, max, timeoutMs);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int eventfd(MemorySegment err, int initval, int flags) {
        try {
            return (int) EVENTFD.invokeExact(err, initval, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** struct rlimit {rlim_t cur; rlim_t max} in {@code rlim} (16 bytes). */
    public static int getrlimit(MemorySegment err, int resource, MemorySegment rlim) {
        try {
            return (int) GETRLIMIT.invokeExact(err, resource, rlim);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int setrlimit(MemorySegment err, int resource, MemorySegment rlim) {
        try {
            return (int) SETRLIMIT.invokeExact(err, resource, rlim);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int setns(MemorySegment err, int fd, int nstype) {
        try {
            return (int) SETNS.invokeExact(err, fd, nstype);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(SYS_io_uring_setup, entries, params)}: the ring's fd, or -1 with errno. */
    public static int ioUringSetup(MemorySegment err, int entries, MemorySegment params) {
        try {
            return (int) (long) SYSCALL_SETUP.invokeExact(err, SYS_IO_URING_SETUP, entries, params);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(SYS_io_uring_enter, fd, toSubmit, minComplete, flags, NULL, 0)}. */
    public static int ioUringEnter(MemorySegment err, int fd, int toSubmit, int minComplete, int flags) {
        try {
            return (int) (long) SYSCALL_ENTER.invokeExact(err, SYS_IO_URING_ENTER, fd, toSubmit, minComplete, flags,
                    0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(SYS_bpf, cmd, attr, size)}. */
    public static long bpf(MemorySegment err, int cmd, MemorySegment attr, int size) {
        try {
            return (long) SYSCALL3.invokeExact(err, SYS_BPF, cmd, attr, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
