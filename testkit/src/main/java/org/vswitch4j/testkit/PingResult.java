package org.vswitch4j.testkit;

import java.net.InetAddress;
import java.util.Objects;

/**
 * The outcome of one {@link VirtualHost#ping}: whether the echo reply came back, after how long in switch-clock
 * time, and if not, why.
 *
 * @param status    what happened
 * @param target    the address pinged
 * @param rttNanos  round-trip time on the switch clock (0 with a virtual clock nobody advanced); -1 on failure
 * @param rounds    pump rounds the ping took, address resolution included
 */
public record PingResult(Status status, InetAddress target, long rttNanos, int rounds) {

    /** Why a ping ended. */
    public enum Status {
        /** The echo reply arrived. */
        REPLY("reply"),
        /** ARP (IPv4) or neighbour solicitation (IPv6) got no answer: the target is unreachable at layer 2. */
        NO_NEIGHBOR("no ARP/ND reply"),
        /** The neighbour was known but no echo reply came before the network fell quiet or rounds ran out. */
        TIMEOUT("timeout"),
        /** The host could not even send (its port refused the frame: link down or ring full). */
        SEND_FAILED("send failed");

        private final String text;

        Status(String text) {
            this.text = text;
        }

        /** Short text, as a ping tool would print it. */
        public String text() {
            return text;
        }
    }

    public PingResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(target, "target");
    }

    /** Whether the echo reply arrived. */
    public boolean success() {
        return status == Status.REPLY;
    }

    /** Like a ping tool's line: {@code reply from 192.0.2.2: time=0.012 ms} or {@code 192.0.2.3: no ARP/ND reply}. */
    @Override
    public String toString() {
        String addr = Addresses.format(target);
        return success()
                ? String.format("reply from %s: time=%.3f ms (%d rounds)", addr, rttNanos / 1e6, rounds)
                : String.format("%s: %s (%d rounds)", addr, status.text(), rounds);
    }
}
