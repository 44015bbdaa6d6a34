/**
 * Packet buffers and views: {@link org.vswitch4j.core.packet.PacketMemory} (where buffers live),
 * {@link org.vswitch4j.core.packet.BufferPool} (the core's off-heap pool), {@link org.vswitch4j.core.packet.Packet}
 * (a reusable view of one frame) and {@link org.vswitch4j.core.packet.PacketBatch} (a burst); with
 * {@link org.vswitch4j.core.packet.Checksums} (Internet checksums and their incremental updates),
 * {@link org.vswitch4j.core.packet.Offloads} (completing partial checksums and segmenting GSO frames in software)
 * and {@link org.vswitch4j.core.packet.FrameBuilder} (frames for tests and virtual hosts).
 *
 * <h2>Ownership rule</h2>
 * A buffer has exactly one owner. A port's rx burst hands the received buffers to the datapath; a tx burst
 * hands them to the port, which releases them once sent or dropped; the datapath releases what it drops;
 * a hand-off through a ring passes ownership with the handle. Whoever drops a packet releases it.
 */
package org.vswitch4j.core.packet;
