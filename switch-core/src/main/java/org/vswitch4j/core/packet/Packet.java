package org.vswitch4j.core.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.vswitch4j.core.key.FlowKey;

/**
 * A reusable view of one frame in a packet buffer: which memory, which buffer, where the frame starts
 * and how long it is, plus the metadata the datapath attaches (input port, header offsets) and the offload
 * state a port may set (partial checksum, GSO; see {@link #offload} and {@link Offloads}).
 *
 * <p>A {@code Packet} holds no memory of its own and is never allocated per packet: ports and the datapath
 * keep a fixed set of views (in {@link PacketBatch}es) and rebind them with {@link #bind}. The frame
 * occupies {@code region[base + dataOffset, base + dataOffset + length)}, where {@code base} is the start of
 * the buffer; the bytes before {@code dataOffset} are headroom for pushed headers.
 *
 * <p>Multi-byte accessors are network byte order (big-endian), because every header field is.
 *
 * <p>Ownership: a view that is bound owns its buffer on behalf of whoever holds the view. {@link #release()}
 * gives the buffer back and unbinds; {@link #moveTo(Packet)} hands it to another view and unbinds this
 * one. Thread-safety: none; a view belongs to one thread at a time.
 */
public final class Packet {
    /** Big-endian layouts for header fields; unaligned, because headers are. */
    public static final ValueLayout.OfShort BE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfLong BE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Offset value meaning "this header is not present". */
    public static final int ABSENT = -1;

    // Buffer binding.
    private PacketMemory memory;
    private MemorySegment region;
    private long handle = -1;
    private long base;
    private int bufferSize;
    private int dataOffset;
    private int length;

    // Metadata set by the port and the parser.
    private int inPort;
    private int l3Offset = ABSENT;
    private int l4Offset = ABSENT;
    // Tunnel metadata, in the layout of the flow key's words 16 and 17 (tun_id; tun_src << 32 | tun_dst): set by
    // a tunnel port that decapsulated the frame, copied into the key by the datapath, zero for every other frame.
    private long tunnelId;
    private long tunnelIps;
    // Offload state (see offload()): set by a port that received the frame with a partial checksum or as one
    // large TCP segment (TAP with IFF_VNET_HDR); ABSENT/0 for every other frame.
    private int csumStart = ABSENT;
    private int csumOffset;
    private int gsoType;
    private int gsoSize;

    /** {@link #gsoType()}: not a GSO frame. */
    public static final int GSO_NONE = 0;
    /** {@link #gsoType()}: one TCP-over-IPv4 segment of up to 64 KB, to be cut into {@link #gsoSize()} pieces. */
    public static final int GSO_TCP4 = 1;
    /** {@link #gsoType()}: one TCP-over-IPv6 segment of up to 64 KB, to be cut into {@link #gsoSize()} pieces. */
    public static final int GSO_TCP6 = 2;
    // The rest of the tunnel words (key words 18..26): flags (word 18), then IPv6 outer addresses and Geneve option
    // fields (19..26) in tunnelExt, valid only while tunnelFlags is not zero; the array is made once per view.
    private long tunnelFlags;
    private long[] tunnelExt;

    /** An unbound view. */
    public Packet() {
    }

    /**
     * Binds this view to buffer {@code handle} of {@code memory}, holding a frame of {@code length} bytes at
     * {@code dataOffset} from the buffer's start. Takes ownership of the buffer. Header offsets are reset.
     */
    public Packet bind(PacketMemory memory, long handle, int dataOffset, int length) {
        if (memory != this.memory) {
            // Views are rebound to the same memory burst after burst: skip the reference stores (each a GC
            // write barrier) and the memory's region/size calls unless it really changed.
            this.memory = memory;
            this.region = memory.region();
            this.bufferSize = memory.bufferSize();
        }
        this.handle = handle;
        this.base = memory.bufferOffset(handle);
        this.dataOffset = dataOffset;
        this.length = length;
        this.inPort = 0;
        this.l3Offset = ABSENT;
        this.l4Offset = ABSENT;
        this.tunnelId = 0;
        this.tunnelIps = 0;
        this.csumStart = ABSENT;
        this.gsoType = GSO_NONE;
        this.gsoSize = 0;
        this.tunnelFlags = 0;
        return this;
    }

    /** Binds to {@code handle} with the frame starting right after the memory's headroom, length 0. */
    public Packet bindEmpty(PacketMemory memory, long handle) {
        return bind(memory, handle, memory.headroom(), 0);
    }

    /** Whether this view currently holds a buffer. */
    public boolean isBound() {
        return handle != -1;
    }

    /** Gives the buffer back to its memory and unbinds. */
    public void release() {
        long h = handle;
        if (h != -1) {
            unbind();
            memory.release(h);
        }
    }

    /**
     * Forgets the buffer without releasing it (the caller has passed ownership elsewhere). The view keeps
     * its reference to the memory (not the buffer), so that rebinding it to the same memory is cheaper.
     */
    public void unbind() {
        handle = -1;
    }

    /**
     * Moves the buffer and all metadata to {@code to} (which must be unbound or be released by the caller
     * first) and unbinds this view. No bytes are copied.
     */
    public void moveTo(Packet to) {
        if (to.memory != memory) {
            to.memory = memory;
            to.region = region;
            to.bufferSize = bufferSize;
        }
        to.handle = handle;
        to.base = base;
        to.dataOffset = dataOffset;
        to.length = length;
        to.inPort = inPort;
        to.l3Offset = l3Offset;
        to.l4Offset = l4Offset;
        to.tunnelId = tunnelId;
        to.tunnelIps = tunnelIps;
        to.csumStart = csumStart;
        to.csumOffset = csumOffset;
        to.gsoType = gsoType;
        to.gsoSize = gsoSize;
        copyTunnelExt(to);
        unbind();
    }

    /**
     * Copies this frame and its metadata into a fresh buffer from {@code target}, bound to {@code to}.
     * Returns false (and leaves {@code to} unbound) when {@code target} has no free buffer.
     */
    public boolean copyTo(PacketMemory target, Packet to) {
        long h = target.allocate();
        if (h < 0) {
            return false;
        }
        int off = Math.min(dataOffset, target.bufferSize() - length);
        if (off < 0) {
            target.release(h);
            return false;
        }
        to.bind(target, h, off, length);
        MemorySegment.copy(region, base + dataOffset, to.region, to.base + off, length);
        to.inPort = inPort;
        to.l3Offset = l3Offset;
        to.l4Offset = l4Offset;
        to.tunnelId = tunnelId;
        to.tunnelIps = tunnelIps;
        to.csumStart = csumStart;
        to.csumOffset = csumOffset;
        to.gsoType = gsoType;
        to.gsoSize = gsoSize;
        copyTunnelExt(to);
        return true;
    }

    // ---- binding -------------------------------------------------------------------------------------

    /** The memory holding the buffer, or null when unbound. */
    public PacketMemory memory() {
        return handle == -1 ? null : memory;
    }

    public long handle() {
        return handle;
    }

    /** The memory region that holds the buffer (all buffers of {@link #memory()}). */
    public MemorySegment region() {
        return region;
    }

    /** Absolute offset in {@link #region()} of the first byte of the frame. */
    public long address() {
        return base + dataOffset;
    }

    /** Offset of the frame's first byte from the start of the buffer (= headroom left). */
    public int dataOffset() {
        return dataOffset;
    }

    public int length() {
        return length;
    }

    public int bufferSize() {
        return bufferSize;
    }

    /** Bytes free after the frame in this buffer. */
    public int tailroom() {
        return bufferSize - dataOffset - length;
    }

    /** Sets the frame length (≤ dataOffset + length + tailroom). */
    public void length(int newLength) {
        if (newLength < 0 || dataOffset + newLength > bufferSize) {
            throw new IllegalArgumentException("frame length " + newLength + " is outside 0.." + (bufferSize - dataOffset));
        }
        this.length = newLength;
    }

    /**
     * Grows the frame at the front by {@code n} bytes (pushing a header), or shrinks it for negative
     * {@code n}. Returns false, changing nothing, when the headroom (or the frame) is too small.
     * Header offsets move with the data: they stay relative to the frame start.
     */
    public boolean adjustHead(int n) {
        int nd = dataOffset - n;
        int nl = length + n;
        if (nd < 0 || nl < 0) {
            return false;
        }
        dataOffset = nd;
        length = nl;
        if (l3Offset != ABSENT) {
            l3Offset += n;
        }
        if (l4Offset != ABSENT) {
            l4Offset += n;
        }
        if (csumStart != ABSENT) {
            csumStart += n;
        }
        return true;
    }

    /** A new slice over the frame's bytes. Allocates: for tests, slow paths and callbacks, never per packet. */
    public MemorySegment data() {
        return region.asSlice(base + dataOffset, length);
    }

    /** Copies the frame into a new array (tests and slow paths). */
    public byte[] toByteArray() {
        return data().toArray(ValueLayout.JAVA_BYTE);
    }

    // ---- metadata ------------------------------------------------------------------------------------

    /** Datapath port number the frame came in on (0 = none). */
    public int inPort() {
        return inPort;
    }

    public void inPort(int port) {
        this.inPort = port;
    }

    /** Offset from the frame start of the L3 header, or {@link #ABSENT}. Set by the parser. */
    public int l3Offset() {
        return l3Offset;
    }

    public void l3Offset(int off) {
        this.l3Offset = off;
    }

    /** Offset from the frame start of the L4 header, or {@link #ABSENT}. Set by the parser. */
    public int l4Offset() {
        return l4Offset;
    }

    public void l4Offset(int off) {
        this.l4Offset = off;
    }

    /** The tunnel key (VNI, GRE key) the frame arrived with, 0 when it did not come out of a tunnel. */
    public long tunnelId() {
        return tunnelId;
    }

    /** The outer IPv4 addresses the frame arrived with, as {@code tun_src << 32 | tun_dst}; 0 when none. */
    public long tunnelIps() {
        return tunnelIps;
    }

    /**
     * Sets the tunnel metadata of a frame a tunnel port just decapsulated: the key (VNI, GRE key) and the outer
     * IPv4 source and destination (0 for an IPv6 underlay, which the flow key does not carry).
     */
    public void tunnel(long id, int src, int dst) {
        this.tunnelId = id;
        this.tunnelIps = (Integer.toUnsignedLong(src) << 32) | Integer.toUnsignedLong(dst);
    }

    // ---- offload state ------------------------------------------------------------------------------

    /**
     * Whether the frame carries offload state: a partial L4 checksum still to be completed, and possibly
     * GSO (one large TCP segment still to be cut). A port that cannot take such frames gets them completed and
     * segmented in software first ({@link Offloads}).
     */
    public boolean hasOffload() {
        return csumStart != ABSENT;
    }

    /**
     * Offset from the frame start where the partial checksum's coverage starts (the L4 header), or
     * {@link #ABSENT} when the frame's checksums are complete. Moves with the data ({@link #adjustHead}).
     */
    public int csumStart() {
        return csumStart;
    }

    /** Offset of the checksum field from {@link #csumStart()} (16 for TCP, 6 for UDP). */
    public int csumOffset() {
        return csumOffset;
    }

    /** {@link #GSO_NONE}, {@link #GSO_TCP4} or {@link #GSO_TCP6}. */
    public int gsoType() {
        return gsoType;
    }

    /** For a GSO frame, the TCP payload bytes per segment (the MSS); 0 otherwise. */
    public int gsoSize() {
        return gsoSize;
    }

    /**
     * Marks the frame as carrying a partial checksum (the field at {@code csumStart + csumOffset} holds the
     * pseudo-header sum; the sum from {@code csumStart} to the frame's end is still to be added) and, unless
     * {@code gsoType} is {@link #GSO_NONE}, as a GSO frame of {@code gsoSize}-byte segments. A port sets this
     * from what its device reported; {@link Offloads#valid} says whether the values fit the frame.
     *
     * @throws IllegalArgumentException for a gsoType other than GSO_NONE, GSO_TCP4, GSO_TCP6, a negative
     *         offset, or a GSO frame with a gsoSize outside 1..65535
     */
    public void offload(int csumStart, int csumOffset, int gsoType, int gsoSize) {
        if (csumStart < 0 || csumOffset < 0) {
            throw new IllegalArgumentException("checksum start " + csumStart + " and offset " + csumOffset
                    + " must be >= 0");
        }
        if (gsoType < GSO_NONE || gsoType > GSO_TCP6) {
            throw new IllegalArgumentException("GSO type " + gsoType + " is not one of 0 (none), 1 (TCP4), 2 (TCP6)");
        }
        if (gsoType != GSO_NONE && (gsoSize < 1 || gsoSize > 65535)) {
            throw new IllegalArgumentException("GSO size " + gsoSize + " is outside 1..65535");
        }
        this.csumStart = csumStart;
        this.csumOffset = csumOffset;
        this.gsoType = gsoType;
        this.gsoSize = gsoType == GSO_NONE ? 0 : gsoSize;
    }

    /** Forgets the offload state (the checksums are complete and the frame is one wire-sized packet). */
    public void clearOffload() {
        this.csumStart = ABSENT;
        this.gsoType = GSO_NONE;
        this.gsoSize = 0;
    }

    // ---- tunnel metadata beyond tun_id and the IPv4 addresses -------------------------------------

    /**
     * The tunnel flags word (key word {@code FlowKey.W_TUN_FLAGS}): {@code FlowKey.TUN_FLAG_IPV6} for an IPv6
     * underlay, bit n for each Geneve option field tun_metadata n present; 0 when none of them applies.
     */
    public long tunnelFlags() {
        return tunnelFlags;
    }

    /** Sets the outer IPv6 addresses of a frame an IPv6 tunnel delivered (each as high and low 64 bits). */
    public void tunnelIpv6(long srcHigh, long srcLow, long dstHigh, long dstLow) {
        long[] x = tunnelExt();
        x[0] = srcHigh;
        x[1] = srcLow;
        x[2] = dstHigh;
        x[3] = dstLow;
        tunnelFlags |= FlowKey.TUN_FLAG_IPV6;
    }

    /** Sets Geneve option field tun_metadata{@code field} (0..{@code FlowKey.TUN_METADATA_FIELDS}-1) to {@code value}. */
    public void tunnelOption(int field, long value) {
        if (field < 0 || field >= FlowKey.TUN_METADATA_FIELDS) {
            throw new IllegalArgumentException("tun_metadata" + field + " is outside tun_metadata0.."
                    + (FlowKey.TUN_METADATA_FIELDS - 1));
        }
        tunnelExt()[4 + field] = value;
        tunnelFlags |= 1L << field;
    }

    /**
     * Key word {@code word} (one of {@code FlowKey.W_TUN_IPV6_SRC}..{@code FlowKey.TUNNEL_END}-1) as this frame's
     * tunnel metadata sets it: 0 unless {@link #tunnelFlags} says the word applies.
     */
    public long tunnelWord(int word) {
        int i = word - FlowKey.W_TUN_IPV6_SRC;
        if (i < 0 || i >= FlowKey.TUNNEL_END - FlowKey.W_TUN_IPV6_SRC) {
            throw new IllegalArgumentException("word " + word + " is not one of the tunnel words "
                    + FlowKey.W_TUN_IPV6_SRC + ".." + (FlowKey.TUNNEL_END - 1));
        }
        return tunnelFlags == 0 ? 0 : tunnelExt[i]; // absent words were zeroed when the first flag was set
    }

    /** Copies words 19..26 of the tunnel metadata into key words {@code w} (with every absent word zero). */
    public void tunnelWords(long[] w) {
        if (tunnelFlags == 0) {
            java.util.Arrays.fill(w, FlowKey.W_TUN_IPV6_SRC, FlowKey.TUNNEL_END, 0L);
        } else {
            System.arraycopy(tunnelExt, 0, w, FlowKey.W_TUN_IPV6_SRC, tunnelExt.length);
        }
    }

    private long[] tunnelExt() {
        long[] x = tunnelExt;
        if (x == null) {
            x = new long[FlowKey.TUNNEL_END - FlowKey.W_TUN_IPV6_SRC]; // once per view, not per packet
            tunnelExt = x;
        }
        if (tunnelFlags == 0) {
            java.util.Arrays.fill(x, 0L); // stale words of an earlier frame: none of them applies yet
        }
        return x;
    }

    private void copyTunnelExt(Packet to) {
        to.tunnelFlags = 0;
        if (tunnelFlags != 0) {
            System.arraycopy(tunnelExt, 0, to.tunnelExt(), 0, tunnelExt.length);
            to.tunnelFlags = tunnelFlags;
        }
    }

    // ---- frame access (offsets relative to the frame start; no bounds check beyond the segment's) ----

    public int u8(int off) {
        return Byte.toUnsignedInt(region.get(ValueLayout.JAVA_BYTE, base + dataOffset + off));
    }

    public int u16(int off) {
        return Short.toUnsignedInt(region.get(BE_SHORT, base + dataOffset + off));
    }

    public long u32(int off) {
        return Integer.toUnsignedLong(region.get(BE_INT, base + dataOffset + off));
    }

    public int i32(int off) {
        return region.get(BE_INT, base + dataOffset + off);
    }

    public long i64(int off) {
        return region.get(BE_LONG, base + dataOffset + off);
    }

    /** The 48-bit MAC address at {@code off}, as the low 48 bits of a long. */
    public long mac(int off) {
        long a = base + dataOffset + off;
        return (Short.toUnsignedLong(region.get(BE_SHORT, a)) << 32) | Integer.toUnsignedLong(region.get(BE_INT, a + 2));
    }

    public void u8(int off, int v) {
        region.set(ValueLayout.JAVA_BYTE, base + dataOffset + off, (byte) v);
    }

    public void u16(int off, int v) {
        region.set(BE_SHORT, base + dataOffset + off, (short) v);
    }

    public void u32(int off, long v) {
        region.set(BE_INT, base + dataOffset + off, (int) v);
    }

    public void i64(int off, long v) {
        region.set(BE_LONG, base + dataOffset + off, v);
    }

    public void mac(int off, long mac) {
        long a = base + dataOffset + off;
        region.set(BE_SHORT, a, (short) (mac >>> 32));
        region.set(BE_INT, a + 2, (int) mac);
    }

    /** Copies {@code src[srcOff..srcOff+len)} into the frame at {@code off}. */
    public void write(int off, byte[] src, int srcOff, int len) {
        MemorySegment.copy(src, srcOff, region, ValueLayout.JAVA_BYTE, base + dataOffset + off, len);
    }

    /** Copies {@code len} bytes of the frame at {@code off} into {@code dst[dstOff..)}. */
    public void read(int off, byte[] dst, int dstOff, int len) {
        MemorySegment.copy(region, ValueLayout.JAVA_BYTE, base + dataOffset + off, dst, dstOff, len);
    }

    /** Moves {@code len} bytes within the frame from {@code from} to {@code to} (overlap allowed). */
    public void moveBytes(int from, int to, int len) {
        MemorySegment.copy(region, base + dataOffset + from, region, base + dataOffset + to, len);
    }

    @Override
    public String toString() {
        return handle == -1 ? "Packet[unbound]"
                : "Packet[handle=" + handle + ", len=" + length + ", inPort=" + inPort + "]";
    }
}
