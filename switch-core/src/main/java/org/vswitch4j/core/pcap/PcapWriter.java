package org.vswitch4j.core.pcap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.time.Clock;

/**
 * Writes frames to a classic pcap file (the libpcap format that tcpdump, Wireshark and tshark read):
 * a 24-byte file header, then per frame a 16-byte record header (seconds, micro- or nanoseconds, captured
 * length, original length) and the captured bytes. Link type 1, Ethernet.
 *
 * <pre>{@code
 * try (PcapWriter w = PcapWriter.builder(Path.of("port1.pcap")).clock(clock).build()) {
 *     w.write(packet);
 * }
 * }</pre>
 *
 * <p>Timestamps: the switch {@link Clock} is monotonic, pcap wants wall time. The writer maps clock time
 * to epoch time by an offset fixed when it is built: by default "now" ({@link System#currentTimeMillis()})
 * at the clock's current reading; {@link Builder#epochNanosAt(long)} pins it for reproducible files.
 *
 * <p>Cost: records are assembled in one reusable direct buffer (header fields put in place, frame bytes
 * copied straight from the packet's memory segment) and handed to the file channel when the buffer
 * fills, on {@link #flush()} and on {@link #close()}. Writing a {@link Packet} allocates nothing.
 *
 * <p>Thread-safety: every method may be called from any thread; appends are serialised by a lock, so
 * records never interleave. Records appear in the file in the order the lock was taken. An I/O error is
 * thrown as {@link UncheckedIOException} (capturing is not on the forwarding path).
 */
public final class PcapWriter implements AutoCloseable {
    /** Timestamp resolution; it selects the file's magic number. */
    public enum Precision {
        /** Magic 0xa1b2c3d4: fractions are microseconds. */
        MICROS(0xA1B2_C3D4, 1_000L),
        /** Magic 0xa1b23c4d: fractions are nanoseconds. */
        NANOS(0xA1B2_3C4D, 1L);

        final int magic;
        final long nanosPerUnit;

        Precision(int magic, long nanosPerUnit) {
            this.magic = magic;
            this.nanosPerUnit = nanosPerUnit;
        }
    }

    /** LINKTYPE_ETHERNET. */
    public static final int LINKTYPE_ETHERNET = 1;
    static final int FILE_HEADER = 24;
    static final int RECORD_HEADER = 16;

    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Clock clock;
    private final Precision precision;
    private final int snapLen;
    private final long epochOffsetNanos;

    // Guarded by lock.
    private final ReentrantLock lock = new ReentrantLock();
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private final MemorySegment bufferSegment;
    private int pos;
    private long records;
    private boolean closed;

    private PcapWriter(Builder b) throws IOException {
        this.path = b.path;
        this.clock = b.clock;
        this.precision = b.precision;
        this.snapLen = b.snapLen;
        long clockNow = clock.nanos();
        long epochNow = b.epochSet ? b.epochNanos : Math.multiplyExact(System.currentTimeMillis(), 1_000_000L);
        this.epochOffsetNanos = epochNow - clockNow;
        this.buffer = ByteBuffer.allocateDirect(Math.max(b.bufferSize, RECORD_HEADER + snapLen)).order(ByteOrder.LITTLE_ENDIAN);
        this.bufferSegment = MemorySegment.ofBuffer(buffer);
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            bufferSegment.set(LE_INT, 0, precision.magic);
            bufferSegment.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4, (short) 2);
            bufferSegment.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 6, (short) 4);
            bufferSegment.set(LE_INT, 8, 0);   // thiszone
            bufferSegment.set(LE_INT, 12, 0);  // sigfigs
            bufferSegment.set(LE_INT, 16, snapLen);
            bufferSegment.set(LE_INT, 20, LINKTYPE_ETHERNET);
            pos = FILE_HEADER;
            drain();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** A builder for a writer to {@code file} (created or truncated). */
    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /** A microsecond writer to {@code file} with timestamps from {@code clock}. */
    public static PcapWriter open(Path file, Clock clock) {
        return builder(file).clock(clock).build();
    }

    /** Appends the frame of {@code p}, stamped with the clock's current time. Does not take ownership. */
    public void write(Packet p) {
        writeAt(p.region(), p.address(), p.length(), clock.nanos());
    }

    /** Appends the frame of {@code p} stamped with {@code clockNanos} (a reading of the writer's clock). */
    public void write(Packet p, long clockNanos) {
        writeAt(p.region(), p.address(), p.length(), clockNanos);
    }

    /** Appends {@code frame}, stamped with the clock's current time. */
    public void write(byte[] frame) {
        write(frame, 0, frame.length);
    }

    /** Appends {@code frame[off..off+len)}, stamped with the clock's current time. */
    public void write(byte[] frame, int off, int len) {
        Objects.checkFromIndexSize(off, len, frame.length);
        writeAt(MemorySegment.ofArray(frame), off, len, clock.nanos());
    }

    /** Appends {@code len} bytes of {@code seg} at {@code at}, stamped with {@code clockNanos}. */
    public void write(MemorySegment seg, long at, int len, long clockNanos) {
        writeAt(seg, at, len, clockNanos);
    }

    private void writeAt(MemorySegment src, long at, int len, long clockNanos) {
        if (len < 0) {
            throw new IllegalArgumentException("frame length " + len + " must be >= 0");
        }
        int cap = Math.min(len, snapLen);
        long epoch = clockNanos + epochOffsetNanos;
        long secs = Math.floorDiv(epoch, 1_000_000_000L);
        long frac = Math.floorMod(epoch, 1_000_000_000L) / precision.nanosPerUnit;
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("pcap writer for " + path + " is closed");
            }
            if (pos + RECORD_HEADER + cap > buffer.capacity()) {
                drain();
            }
            bufferSegment.set(LE_INT, pos, (int) secs);
            bufferSegment.set(LE_INT, pos + 4, (int) frac);
            bufferSegment.set(LE_INT, pos + 8, cap);
            bufferSegment.set(LE_INT, pos + 12, len);
            MemorySegment.copy(src, at, bufferSegment, pos + RECORD_HEADER, cap);
            pos += RECORD_HEADER + cap;
            records++;
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + path, e);
        } finally {
            lock.unlock();
        }
    }

    /** Hands buffered records to the file. */
    public void flush() {
        lock.lock();
        try {
            if (!closed) {
                drain();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + path, e);
        } finally {
            lock.unlock();
        }
    }

    /** Records written so far. */
    public long records() {
        lock.lock();
        try {
            return records;
        } finally {
            lock.unlock();
        }
    }

    /** The file written. */
    public Path path() {
        return path;
    }

    /** Flushes and closes the file; later writes throw, a second close does nothing. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                drain();
            } finally {
                channel.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("closing " + path, e);
        } finally {
            lock.unlock();
        }
    }

    /** Writes buffer[0, pos) to the channel. Caller holds the lock. */
    private void drain() throws IOException {
        buffer.clear().limit(pos);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        pos = 0;
    }

    @Override
    public String toString() {
        return "PcapWriter[" + path + ", " + precision + "]";
    }

    /** Options of a {@link PcapWriter}. */
    public static final class Builder {
        private final Path path;
        private Clock clock = Clock.system();
        private Precision precision = Precision.MICROS;
        private int snapLen = 65535;
        private int bufferSize = 256 * 1024;
        private boolean epochSet;
        private long epochNanos;

        private Builder(Path path) {
            this.path = Objects.requireNonNull(path, "path");
        }

        /** The clock that stamps records (default {@link Clock#system()}). */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** Microsecond (default) or nanosecond timestamps. */
        public Builder precision(Precision p) {
            this.precision = Objects.requireNonNull(p, "precision");
            return this;
        }

        /** Bytes kept of each frame: 64..262144 (default 65535); longer frames are cut, their length kept. */
        public Builder snapLen(int bytes) {
            if (bytes < 64 || bytes > 262144) {
                throw new IllegalArgumentException("snap length " + bytes + " is outside 64..262144");
            }
            this.snapLen = bytes;
            return this;
        }

        /** Bytes buffered before a write to the file: 4096..64 MiB (default 256 KiB). */
        public Builder bufferSize(int bytes) {
            if (bytes < 4096 || bytes > (64 << 20)) {
                throw new IllegalArgumentException("buffer size " + bytes + " is outside 4096..67108864");
            }
            this.bufferSize = bytes;
            return this;
        }

        /** Pins the wall time (nanoseconds since 1970) that the clock's reading at build time maps to. */
        public Builder epochNanosAt(long epochNanos) {
            this.epochSet = true;
            this.epochNanos = epochNanos;
            return this;
        }

        /** Creates (or truncates) the file and writes its header. */
        public PcapWriter build() {
            try {
                return new PcapWriter(this);
            } catch (IOException e) {
                throw new UncheckedIOException("opening " + path + " for a pcap capture", e);
            }
        }
    }
}
