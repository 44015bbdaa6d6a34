package org.vswitch4j.io.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.vswitch4j.io.linux.internal.Libc;

/**
 * RLIMIT_MEMLOCK and the UMEM: registering a UMEM pins its pages, which the kernel charges to the process's
 * locked-memory limit unless it has CAP_IPC_LOCK (Debian's default soft limit is 8 MiB). Before registering,
 * the soft limit is raised to the hard limit (always allowed) or to unlimited when that is allowed; if
 * registration still fails, {@link #hint} says what to change.
 */
final class Memlock {
    private Memlock() {
    }

    /** Raises the soft limit if it is below what {@code bytes} more would need. Never lowers it. */
    static synchronized void raiseFor(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Libc.errnoSlot(a);
            MemorySegment rl = a.allocate(16, 8);
            if (Libc.getrlimit(err, Libc.RLIMIT_MEMLOCK, rl) != 0) {
                return;
            }
            long cur = rl.get(ValueLayout.JAVA_LONG, 0);
            long max = rl.get(ValueLayout.JAVA_LONG, 8);
            if (cur == Libc.RLIM_INFINITY) {
                return;
            }
            rl.set(ValueLayout.JAVA_LONG, 0, Libc.RLIM_INFINITY);
            rl.set(ValueLayout.JAVA_LONG, 8, Libc.RLIM_INFINITY);
            if (Libc.setrlimit(err, Libc.RLIMIT_MEMLOCK, rl) == 0) {
                return; // CAP_SYS_RESOURCE: unlimited
            }
            if (max != cur) {
                rl.set(ValueLayout.JAVA_LONG, 0, max);
                rl.set(ValueLayout.JAVA_LONG, 8, max);
                Libc.setrlimit(err, Libc.RLIMIT_MEMLOCK, rl);
            }
        }
    }

    /** The current soft limit in bytes (-1 = unlimited). */
    static long current() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rl = a.allocate(16, 8);
            if (Libc.getrlimit(Libc.errnoSlot(a), Libc.RLIMIT_MEMLOCK, rl) != 0) {
                return -1;
            }
            return rl.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    static String hint(long bytes) {
        long cur = current();
        return "a UMEM is locked memory (" + (bytes >> 10) + " KiB per socket) and RLIMIT_MEMLOCK is "
                + (cur < 0 ? "unlimited" : (cur >> 10) + " KiB") + ": raise it (ulimit -l, LimitMEMLOCK= in a"
                + " systemd unit, memlock in limits.conf), grant CAP_IPC_LOCK, or build the XdpUmem with fewer frames";
    }
}
