package org.vswitch4j.io.linux.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.vswitch4j.core.packet.Offloads;
import org.vswitch4j.core.packet.Packet;

/**
 * The {@code struct virtio_net_hdr_v1} ({@code linux/virtio_net.h}) that precedes every frame on a TAP opened
 * with {@code IFF_VNET_HDR}, and its translation to and from a {@link Packet}'s offload state.
 * <pre>
 *  0       1         2          4          6            8             10            12
 *  | flags | gso_type | hdr_len | gso_size | csum_start | csum_offset | num_buffers |
 * </pre>
 * The 16-bit fields are little-endian (a TAP's vnet header is in the host's order unless TUNSETVNETBE says
 * otherwise, and this module runs on little-endian Linux only). The header sits in the buffer's headroom right
 * before the frame, so neither direction copies the frame: a read lands the header there, a write starts there.
 *
 * <p>Thread-safety: stateless.
 */
public final class VnetHeader {
    /** Bytes of the header (TUNSETVNETHDRSZ); {@code num_buffers} is read as 0 and written as 0. */
    public static final int SIZE = 12;
    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_ECN = 0x80;
    /** Field offsets, checked against the C header in NativeLayoutTest. */
    public static final int FLAGS = 0;
    public static final int GSO_TYPE = 1;
    public static final int HDR_LEN = 2;
    public static final int GSO_SIZE = 4;
    public static final int CSUM_START = 6;
    public static final int CSUM_OFFSET = 8;
    public static final int NUM_BUFFERS = 10;

    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int TCP_CWR = 0x80;

    private VnetHeader() {
    }

    /**
     * Applies the header that precedes the frame of {@code p} (at {@code p.address() - SIZE} in its region) to
     * the packet's offload state. Returns false when the header is malformed: an unknown or unrequested GSO type
     * (UDP), GSO without a partial checksum or with a size of 0, or checksum offsets that do not fit the frame
     * ({@link Offloads#valid}). The caller counts and drops such frames.
     */
    public static boolean read(Packet p) {
        MemorySegment r = p.region();
        long at = p.address() - SIZE;
        int flags = Byte.toUnsignedInt(r.get(ValueLayout.JAVA_BYTE, at + FLAGS));
        int gso = Byte.toUnsignedInt(r.get(ValueLayout.JAVA_BYTE, at + GSO_TYPE));
        if ((flags & F_NEEDS_CSUM) == 0) {
            return gso == GSO_NONE; // complete checksums (DATA_VALID or nothing): an ordinary frame
        }
        int type = switch (gso & ~GSO_ECN) {
            case GSO_NONE -> Packet.GSO_NONE;
            case GSO_TCPV4 -> Packet.GSO_TCP4;
            case GSO_TCPV6 -> Packet.GSO_TCP6;
            default -> -1;
        };
        int size = Short.toUnsignedInt(r.get(LE_SHORT, at + GSO_SIZE));
        if (type < 0 || type != Packet.GSO_NONE && size == 0) {
            return false;
        }
        p.offload(Short.toUnsignedInt(r.get(LE_SHORT, at + CSUM_START)),
                Short.toUnsignedInt(r.get(LE_SHORT, at + CSUM_OFFSET)), type, size);
        if (!Offloads.valid(p)) {
            p.clearOffload();
            return false;
        }
        return true;
    }

    /**
     * Writes the header for the frame of {@code p} into the {@value #SIZE} bytes before it (the caller checked
     * {@code p.dataOffset() >= SIZE}): zeros for a frame without offload state, else NEEDS_CSUM with its checksum
     * offsets and, for a GSO frame, the GSO type (with ECN when the segment carries CWR, so that whoever
     * segments it sets CWR on the first segment only) and size.
     */
    public static void write(Packet p) {
        MemorySegment r = p.region();
        long at = p.address() - SIZE;
        if (!p.hasOffload()) {
            r.set(LE_LONG, at, 0L);
            r.set(ValueLayout.JAVA_INT_UNALIGNED, at + 8, 0);
            return;
        }
        int cs = p.csumStart();
        int gso = switch (p.gsoType()) {
            case Packet.GSO_TCP4 -> GSO_TCPV4;
            case Packet.GSO_TCP6 -> GSO_TCPV6;
            default -> GSO_NONE;
        };
        if (gso != GSO_NONE && (p.u8(cs + 13) & TCP_CWR) != 0) {
            gso |= GSO_ECN;
        }
        r.set(ValueLayout.JAVA_BYTE, at + FLAGS, (byte) F_NEEDS_CSUM);
        r.set(ValueLayout.JAVA_BYTE, at + GSO_TYPE, (byte) gso);
        // hdr_len: the kernel only needs it to cover the checksum field (it raises it to that itself).
        r.set(LE_SHORT, at + HDR_LEN, (short) (cs + p.csumOffset() + 2));
        r.set(LE_SHORT, at + GSO_SIZE, (short) p.gsoSize());
        r.set(LE_SHORT, at + CSUM_START, (short) cs);
        r.set(LE_SHORT, at + CSUM_OFFSET, (short) p.csumOffset());
        r.set(LE_SHORT, at + NUM_BUFFERS, (short) 0);
    }
}
