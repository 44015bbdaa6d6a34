package org.vswitch4j.core.port;

import org.vswitch4j.core.packet.Packet;

/**
 * Receives the frames the switch transmits through a {@link MemoryPort}, on the transmitting thread.
 *
 * <p>Ownership: the port keeps ownership of {@code frame}. The view is valid only during the call; the
 * listener reads it ({@link Packet#u8}, {@link Packet#read}, {@link Packet#data()}, {@link Packet#toByteArray()})
 * but must not modify, bind, release or keep it. After the call returns the port releases the buffer.
 *
 * <p>Thread-safety: several poll threads may transmit through the same port at once, so a listener may be
 * called concurrently from several threads; it must be thread-safe (or the switch must use one poll thread).
 * A listener that throws loses nothing but its own frame: the port counts it in {@code tx_errors}.
 */
@FunctionalInterface
public interface FrameListener {

    /**
     * Called once per frame the switch sends out of {@code port}. {@code frame} is a read-only view valid
     * until this method returns.
     */
    void onFrame(MemoryPort port, Packet frame);
}
