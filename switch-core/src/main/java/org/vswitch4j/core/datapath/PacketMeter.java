package org.vswitch4j.core.datapath;

/**
 * A rate limiter the fast path consults per packet ({@link DatapathAction.Meter}): OpenFlow's meters are one
 * implementation ({@code flow-tables}).
 *
 * <p>Called by every poll thread whose megaflows use the meter, concurrently: implementations are thread-safe
 * and lock-free (one token bucket updated with compare-and-set, say) and allocate nothing.
 */
public interface PacketMeter {
    /** {@link #admit}'s answer for a packet to drop. */
    int DROP = -1;

    /**
     * Accounts one packet of {@code frameBytes} bytes at switch time {@code nowNanos} and says what happens to it:
     * {@link #DROP}, 0 to pass it unchanged, or a positive number of DSCP drop-precedence levels to add (a
     * dscp_remark band; applied to IPv4 and IPv6 packets that carry an assured-forwarding DSCP, RFC 2597).
     */
    int admit(long nowNanos, int frameBytes);
}
