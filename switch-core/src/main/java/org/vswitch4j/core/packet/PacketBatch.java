package org.vswitch4j.core.packet;

/**
 * A burst of packets: a fixed set of {@link Packet} views, of which the first {@link #size()} are bound.
 *
 * <p>Ports receive into a batch and transmit from one; every datapath stage works on a batch. The views
 * are created once with the batch and rebound for every burst, so a batch allocates nothing after
 * construction.
 *
 * <p>Thread-safety: none; a batch belongs to one thread.
 */
public final class PacketBatch {
    /** The default burst size, as in DPDK and Open vSwitch. */
    public static final int DEFAULT_BURST = 32;

    private final Packet[] packets;
    private int size;

    /** A batch of {@link #DEFAULT_BURST} views. */
    public PacketBatch() {
        this(DEFAULT_BURST);
    }

    /** A batch of {@code capacity} views (1..1024). */
    public PacketBatch(int capacity) {
        if (capacity < 1 || capacity > 1024) {
            throw new IllegalArgumentException("batch capacity " + capacity + " is outside 1..1024");
        }
        packets = new Packet[capacity];
        for (int i = 0; i < capacity; i++) {
            packets[i] = new Packet();
        }
    }

    public int capacity() {
        return packets.length;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public boolean isFull() {
        return size == packets.length;
    }

    /** Room left. */
    public int remaining() {
        return packets.length - size;
    }

    /** The i-th view (0 ≤ i &lt; capacity). */
    public Packet get(int i) {
        return packets[i];
    }

    /**
     * The next free view, counted into the batch; the caller binds it. Throws when the batch is full, which
     * is a caller bug (check {@link #isFull()}).
     */
    public Packet add() {
        if (size == packets.length) {
            throw new IllegalStateException("batch is full (" + packets.length + " packets)");
        }
        return packets[size++];
    }

    /**
     * Appends view {@code i} of {@code from} to this batch without copying a field: the two batches exchange
     * view objects, and {@code from}'s slot {@code i} receives this batch's next spare (unbound) view. Moves the
     * buffer's ownership with the view. Throws when this batch is full (a caller bug).
     */
    public void takeFrom(PacketBatch from, int i) {
        if (size == packets.length) {
            throw new IllegalStateException("batch is full (" + packets.length + " packets)");
        }
        Packet spare = packets[size];
        packets[size++] = from.packets[i];
        from.packets[i] = spare;
    }

    /** Sets the number of bound views, after a port filled views 0..n-1 directly. */
    public void size(int n) {
        if (n < 0 || n > packets.length) {
            throw new IllegalArgumentException("batch size " + n + " is outside 0.." + packets.length);
        }
        size = n;
    }

    /** Forgets all views without releasing them (their buffers were passed on). */
    public void clear() {
        for (int i = 0; i < size; i++) {
            packets[i].unbind();
        }
        size = 0;
    }

    /** Releases every bound view's buffer and empties the batch. */
    public void releaseAll() {
        for (int i = 0; i < size; i++) {
            packets[i].release();
        }
        size = 0;
    }
}
