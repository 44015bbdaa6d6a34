package org.vswitch4j.io.linux.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Callable;
import org.vswitch4j.io.linux.LinuxIoException;

/**
 * Runs code inside a named network namespace ({@code ip netns add NAME}, so {@code /run/netns/NAME}).
 *
 * <p>Why: a TAP device is created in the namespace of the thread that opens {@code /dev/net/tun}; an AF_XDP
 * socket binds to a device of its own namespace; ioctls on a socket reach the devices of the namespace the
 * socket was created in. So a port whose device lives in another namespace does its setup on a short-lived
 * thread that has entered it ({@code setns(2)} changes only the calling thread), and keeps a control socket
 * created there for later device queries. Entering needs CAP_SYS_ADMIN.
 */
public final class NetNs {
    private NetNs() {
    }

    /** Runs {@code task} in namespace {@code ns}, or on this thread when {@code ns} is null. */
    public static <T> T call(String ns, Callable<T> task) {
        if (ns == null) {
            return run(task);
        }
        Object[] result = new Object[1];
        RuntimeException[] failure = new RuntimeException[1];
        Thread t = Thread.ofPlatform().name("vsw-netns-" + ns).unstarted(() -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment err = Libc.errnoSlot(a);
                int fd = Libc.open(err, a.allocateFrom("/run/netns/" + ns), Libc.O_CLOEXEC);
                if (fd < 0) {
                    int e = Libc.errno(err);
                    throw Native.error("cannot open network namespace /run/netns/" + ns, e,
                            e == Libc.ENOENT ? "create it with: ip netns add " + ns : null);
                }
                int rc = Libc.setns(err, fd, Libc.CLONE_NEWNET);
                int e = Libc.errno(err);
                Libc.close(err, fd);
                if (rc != 0) {
                    throw Native.error("cannot enter network namespace " + ns, e,
                            Native.privilegeHint(e, "CAP_SYS_ADMIN"));
                }
                result[0] = run(task);
            } catch (RuntimeException ex) {
                failure[0] = ex;
            }
        });
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        @SuppressWarnings("unchecked")
        T r = (T) result[0];
        return r;
    }

    private static <T> T run(Callable<T> task) {
        try {
            return task.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new LinuxIoException(e.toString(), 0);
        }
    }
}
