package org.vswitch4j.core.datapath;

import java.util.Objects;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.pcap.PcapWriter;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.time.Clock;

/**
 * A {@link Port} decorator that records every frame crossing it into a pcap file: what {@link Datapath#capture}
 * puts in a port's slot so that capture works for every port type without the fast path knowing about it.
 *
 * <p>Received frames are written right after the device's {@link Port#receive} appended them (before the
 * datapath parses them: runts and malformed frames too), transmitted frames right before the device's
 * {@link Port#transmit} takes them (after the datapath's own tx drops, port down and over-MTU, which are not
 * recorded). Each burst is stamped with one reading of the datapath's {@link Clock}. Everything else is
 * delegated.
 *
 * <p>Cost: nothing when no capture runs (the slot holds the device itself); while one runs, a copy into the
 * writer's buffer and its lock per frame. An exception from the writer (closed, I/O error) is swallowed: the
 * frame's record is lost, forwarding goes on.
 *
 * <p>Thread-safety: as the device's ({@link Port}); the writer serialises its appends itself.
 */
final class CapturingPort implements Port {
    private final Port device;
    private final PcapWriter writer;
    private final Clock clock;

    CapturingPort(Port device, PcapWriter writer, Clock clock) {
        this.device = Objects.requireNonNull(device, "device");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The wrapped device. */
    Port device() {
        return device;
    }

    /** The writer frames go to. */
    PcapWriter writer() {
        return writer;
    }

    @Override
    public String name() {
        return device.name();
    }

    @Override
    public int rxQueues() {
        return device.rxQueues();
    }

    @Override
    public int receive(int queue, PacketBatch batch) {
        int before = batch.size();
        int n = device.receive(queue, batch);
        int after = batch.size(); // the datapath goes by the batch, so do we
        if (after > before) {
            write(batch, before, after);
        }
        return n;
    }

    @Override
    public void transmit(PacketBatch batch) {
        int n = batch.size();
        if (n > 0) {
            write(batch, 0, n);
        }
        device.transmit(batch);
    }

    private void write(PacketBatch batch, int from, int to) {
        long t = clock.nanos();
        for (int i = from; i < to; i++) {
            try {
                writer.write(batch.get(i), t);
            } catch (RuntimeException e) {
                // Capturing is for troubleshooting: it never costs a frame or the poll loop.
            }
        }
    }

    @Override
    public boolean armRxWakeup(int queue, Runnable wakeup) {
        return device.armRxWakeup(queue, wakeup);
    }

    @Override
    public PacketMemory memory() {
        return device.memory();
    }

    @Override
    public boolean linkUp() {
        return device.linkUp();
    }

    @Override
    public int mtu() {
        return device.mtu();
    }

    @Override
    public long mac() {
        return device.mac();
    }

    @Override
    public PortStats stats() {
        return device.stats();
    }

    /** Closes nothing: the device belongs to whoever added it, the writer to whoever started the capture. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "CapturingPort[" + device + " → " + writer + "]";
    }
}
