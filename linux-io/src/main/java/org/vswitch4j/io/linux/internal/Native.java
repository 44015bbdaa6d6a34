package org.vswitch4j.io.linux.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.vswitch4j.io.linux.LinuxIoException;

/**
 * Slow-path helpers over {@link Libc}: each call gets a fresh confined arena for its arguments and turns a
 * failure into a {@link LinuxIoException} that names the call, the object and the system's error text.
 */
public final class Native {
    private Native() {
    }

    /** Throws for a failed call: {@code what} says what was being done, {@code hint} what the user can do. */
    public static LinuxIoException error(String what, int errno, String hint) {
        String msg = what + ": " + Libc.strerror(errno) + " (errno " + errno + ")";
        return new LinuxIoException(hint == null || hint.isEmpty() ? msg : msg + "; " + hint, errno);
    }

    /** The usual advice for EPERM/EACCES on a network operation. */
    public static String privilegeHint(int errno, String caps) {
        return errno == Libc.EPERM || errno == Libc.EACCES
                ? "this needs " + caps + ": run as root, or grant the JVM those capabilities (setcap or an"
                        + " ambient capability set)"
                : null;
    }

    /** Closes {@code fd}, ignoring errors (cleanup paths). */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            try (Arena a = Arena.ofConfined()) {
                Libc.close(Libc.errnoSlot(a), fd);
            }
        }
    }

    /** A NUL-terminated C string of {@code s} in {@code arena}. */
    public static MemorySegment cstring(Arena arena, String s) {
        return arena.allocateFrom(s);
    }
}
