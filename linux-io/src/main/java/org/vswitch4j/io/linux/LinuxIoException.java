package org.vswitch4j.io.linux;

/**
 * A Linux port could not be opened or configured: the message says what failed, why (the system's error
 * text) and what to do about it ("run as root or grant CAP_NET_ADMIN", "no network device named vsl-v1a;
 * see ip link show").
 */
public final class LinuxIoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    /** An error with the C {@code errno} that caused it (0 when none did). */
    public LinuxIoException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The {@code errno} behind the failure, or 0. */
    public int errno() {
        return errno;
    }
}
