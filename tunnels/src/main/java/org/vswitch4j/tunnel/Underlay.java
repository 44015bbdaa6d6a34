package org.vswitch4j.tunnel;

import org.vswitch4j.core.packet.PacketBatch;

/**
 * What carries a tunnel port's encapsulated frames: a kernel UDP socket ({@link UdpUnderlay}), or a port of another
 * bridge with the switch's own ARP and routes ({@link NativeUnderlay}, Open vSwitch's native tunnelling).
 *
 * <p>Ownership as in the port SPI: {@link #receive} hands the caller the buffers it adds; {@link #send} takes every
 * packet of the batch and leaves it empty. Thread-safety: {@link #receive} from one thread at a time (the tunnel
 * port's poll thread); {@link #send} from any number of threads.
 */
public interface Underlay extends AutoCloseable {

    /**
     * Appends up to {@code batch.remaining()} received frames, each starting at its tunnel header (the UDP payload for
     * VXLAN and Geneve, the GRE header for GRE), with {@code Packet.tunnel(0, outerSrc, outerDst)} set (0 for IPv6
     * addresses). Returns how many. Never blocks.
     */
    int receive(PacketBatch batch);

    /** Sends every frame of {@code batch}, each with the whole outer header (from Ethernet on) that a {@link TunnelEncap} pushed. */
    void send(PacketBatch batch);

    /**
     * The outer Ethernet source and destination for a frame to {@code remote} (4 or 16 bytes), as {@code {src, dst}};
     * null while the next hop is unresolved (the underlay has asked for it and calls its neighbour listener when
     * the answer comes). The default, for underlays whose kernel builds the outer headers: {@code {0, 0}}.
     * Called under the slow-path lock.
     */
    default long[] ethernetFor(byte[] remote) {
        return new long[2];
    }

    /** Like {@link org.vswitch4j.core.port.Port#armRxWakeup}: runs {@code wakeup} once frames may be there; false if it cannot. */
    default boolean armRxWakeup(Runnable wakeup) {
        return false;
    }

    /** Frames the underlay itself dropped on receive (ring full, no buffer, too long). */
    long rxDropped();

    /** Frames the underlay itself dropped on send (ring full, socket not writable, not a frame it can send). */
    long txDropped();

    /** Releases the socket or device and every buffer it holds. Idempotent. */
    @Override
    void close();
}
