package org.vswitch4j.testkit;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * A UDP datagram a {@link VirtualHost} received.
 *
 * @param source          sender's IP address
 * @param sourcePort      sender's port
 * @param destination     the address it was sent to (the host's own)
 * @param destinationPort the port it was sent to
 * @param payload         the payload (a copy owned by this record)
 * @param receivedNanos   switch-clock time at which the host processed it
 */
public record UdpDatagram(InetAddress source, int sourcePort, InetAddress destination, int destinationPort,
                          byte[] payload, long receivedNanos) {

    public UdpDatagram {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        payload = payload.clone();
    }

    /** A copy of the payload. */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** The payload as ISO-8859-1 text (for tests that send strings). */
    public String payloadText() {
        return new String(payload, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UdpDatagram d && source.equals(d.source) && sourcePort == d.sourcePort
                && destination.equals(d.destination) && destinationPort == d.destinationPort
                && Arrays.equals(payload, d.payload) && receivedNanos == d.receivedNanos;
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, sourcePort, destination, destinationPort, Arrays.hashCode(payload), receivedNanos);
    }

    @Override
    public String toString() {
        return "UDP " + Addresses.format(source) + ":" + sourcePort + " > " + Addresses.format(destination) + ":"
                + destinationPort + " len " + payload.length;
    }
}
