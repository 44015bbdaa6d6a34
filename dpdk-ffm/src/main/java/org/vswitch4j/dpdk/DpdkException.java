package org.vswitch4j.dpdk;

/**
 * A DPDK operation failed: the message says what failed, DPDK's reason, and the fix (install the package,
 * reserve hugepages, correct the devargs). Nothing in this module crashes the JVM on a bad setting: EAL,
 * mempool and device errors come back as this exception.
 */
public final class DpdkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error with its message (which names the fix). */
    public DpdkException(String message) {
        super(message);
    }

    /** An error with its message and cause. */
    public DpdkException(String message, Throwable cause) {
        super(message, cause);
    }
}
