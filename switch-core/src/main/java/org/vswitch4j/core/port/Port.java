package org.vswitch4j.core.port;

import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;

/**
 * The port SPI: what an I/O backend (in-process memory port, TAP, AF_XDP, DPDK, tunnel) implements so the
 * datapath can poll it.
 *
 * <p>Bursts: {@link #receive} appends up to {@code batch.remaining()} frames and returns how many; it never
 * blocks. {@link #transmit} sends a whole batch.
 *
 * <p>Ownership: received buffers belong to the caller (the datapath). {@link #transmit} takes ownership of
 * every packet in the batch, sent or not: it releases what it cannot send (counting it in
 * {@link PortStats#txDropped()}) and leaves the batch empty.
 *
 * <p>Thread-safety: each rx queue is polled by one thread at a time (the poll thread that owns it).
 * {@link #transmit} may be called by several poll threads at once; a backend whose device has one tx
 * queue serialises internally (a lock-free ring, or a lock held for the burst). Status methods are safe from
 * any thread.
 */
public interface Port extends AutoCloseable {

    /** The device's name, as an operator would see it ({@code tap0}, {@code vm1-eth0}). */
    String name();

    /** Number of receive queues (≥ 1); the datapath spreads them over its poll threads. */
    default int rxQueues() {
        return 1;
    }

    /**
     * Receives up to {@code batch.remaining()} frames from rx queue {@code queue} into the batch's next views,
     * setting nothing but the buffer binding (the datapath sets in_port). Returns the number received.
     */
    int receive(int queue, PacketBatch batch);

    /** Sends every packet of {@code batch}; takes ownership of all of them and leaves the batch empty. */
    void transmit(PacketBatch batch);

    /**
     * Idle support: asks the port to run {@code wakeup} once, on any thread, as soon as rx queue {@code queue}
     * may have frames (at once if it already has), and returns true; returns false when the port cannot
     * (the default), or is configured to be busy-polled. A poll thread that found no frames calls this for
     * each of its queues before it parks; when every queue agreed it sleeps until woken (or until its next
     * housekeeping), otherwise it wakes itself every few tens of microseconds. Each call arms one wake-up; an
     * extra or early run is harmless (the thread polls and finds nothing). Called by the queue's poll thread.
     */
    default boolean armRxWakeup(int queue, Runnable wakeup) {
        return false;
    }

    /** The memory this port receives into (buffers of the same memory cross between ports without a copy). */
    PacketMemory memory();

    /** Whether the link is up (carrier present). A port that is down receives nothing and drops on tx. */
    boolean linkUp();

    /** The MTU: the largest L3 payload, in bytes; a frame may carry 14 + 4 × tags more. */
    int mtu();

    /** The port's MAC address, as the low 48 bits. */
    long mac();

    /** The backend's own counters (what the device saw), not the datapath's. */
    PortStats stats();

    /**
     * Whether this port exchanges frames with offload state ({@link org.vswitch4j.core.packet.Packet#hasOffload()}:
     * partial checksums, GSO frames of up to 64 KB): its receive may return such frames and its transmit takes
     * them as they are (a TAP with {@code IFF_VNET_HDR}). False by default: the datapath then completes checksums
     * and segments GSO frames in software before they reach this port's transmit
     * ({@link org.vswitch4j.core.packet.Offloads}), and the port's receive must return no frame with offload
     * state. Read once, when the port is added to a datapath.
     */
    default boolean offloads() {
        return false;
    }

    /**
     * Whether this is a tunnel port (VXLAN, GRE, Geneve): frames it receives carry tunnel metadata
     * ({@link org.vswitch4j.core.packet.Packet#tunnelId()}), which the datapath copies into the flow key
     * (tun_id, tun_src, tun_dst), and output to it goes through {@link #tunnelHeader}. False by default.
     */
    default boolean isTunnel() {
        return false;
    }

    /**
     * For a tunnel port ({@link #isTunnel()}): the outer header to push on output of a packet whose flow, as
     * the pipeline left it, is {@code flow} (a flow-based port reads tun_dst and tun_id there and un-wildcards
     * in {@code mask} what it read). Returns null when the port cannot send such a packet (a flow-based remote
     * with no tun_dst): the pipeline then drops it. Called by pipelines, under the slow-path lock.
     *
     * @throws UnsupportedOperationException for a port that is no tunnel
     */
    default TunnelHeader tunnelHeader(FlowKey flow, FlowMask mask) {
        throw new UnsupportedOperationException("port " + name() + " is not a tunnel port");
    }

    /** Frees the device's resources. Idempotent. */
    @Override
    void close();
}
