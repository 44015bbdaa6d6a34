package org.vswitch4j.io.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.io.linux.internal.VnetHeader;

/**
 * The vnet header in the headroom before a frame: what the port writes is what it reads back, in the kernel's
 * layout; malformed headers are refused (the port counts and drops those frames), never thrown.
 */
class VnetHeaderTest {
    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final BufferPool pool = BufferPool.builder().bufferSize(66048).count(8).strict(true).build();
    private final Packet p = new Packet();

    @AfterEach
    void noLeaks() {
        if (p.isBound()) {
            p.release();
        }
        pool.assertNoLeaks();
        pool.close();
    }

    private Packet tcp4(int payload, int flags) {
        assertTrue(FrameBuilder.ethernet("02:00:00:00:00:01", "02:00:00:00:00:02").ipv4("192.0.2.1", "192.0.2.2")
                .tcp(1, 2, flags).payload(payload).writeTo(pool, p));
        return p;
    }

    /** Sets the header before the frame: flags, gso_type, gso_size, csum_start, csum_offset. */
    private void header(int flags, int gsoType, int gsoSize, int csumStart, int csumOffset) {
        long at = p.address() - VnetHeader.SIZE;
        p.region().set(ValueLayout.JAVA_BYTE, at, (byte) flags);
        p.region().set(ValueLayout.JAVA_BYTE, at + 1, (byte) gsoType);
        p.region().set(LE, at + 4, (short) gsoSize);
        p.region().set(LE, at + 6, (short) csumStart);
        p.region().set(LE, at + 8, (short) csumOffset);
    }

    private int field(int off) {
        return Short.toUnsignedInt(p.region().get(LE, p.address() - VnetHeader.SIZE + off));
    }

    @Test
    void aGsoFrameWrittenIsReadBackWithTheSameOffloadState() {
        tcp4(20000, 0x10);
        p.offload(34, 16, Packet.GSO_TCP4, 1448);
        VnetHeader.write(p);
        assertEquals(VnetHeader.F_NEEDS_CSUM, p.region().get(ValueLayout.JAVA_BYTE, p.address() - 12));
        assertEquals(VnetHeader.GSO_TCPV4, p.region().get(ValueLayout.JAVA_BYTE, p.address() - 11));
        assertEquals(52, field(VnetHeader.HDR_LEN), "covers the checksum field");
        assertEquals(1448, field(VnetHeader.GSO_SIZE));
        assertEquals(34, field(VnetHeader.CSUM_START));
        assertEquals(16, field(VnetHeader.CSUM_OFFSET));
        p.clearOffload();
        assertTrue(VnetHeader.read(p));
        assertEquals(List.of(34, 16, Packet.GSO_TCP4, 1448), List.of(p.csumStart(), p.csumOffset(), p.gsoType(),
                p.gsoSize()));
    }

    @Test
    void aSegmentWithCwrIsMarkedEcnAndAFrameWithoutStateGetsAZeroHeader() {
        tcp4(5000, 0x90);
        p.offload(34, 16, Packet.GSO_TCP4, 1000);
        VnetHeader.write(p);
        assertEquals(VnetHeader.GSO_TCPV4 | VnetHeader.GSO_ECN,
                Byte.toUnsignedInt(p.region().get(ValueLayout.JAVA_BYTE, p.address() - 11)));
        assertTrue(VnetHeader.read(p), "ECN is accepted on receive too");
        assertEquals(Packet.GSO_TCP4, p.gsoType());
        p.clearOffload();
        VnetHeader.write(p);
        for (int i = 0; i < VnetHeader.SIZE; i++) {
            assertEquals(0, p.region().get(ValueLayout.JAVA_BYTE, p.address() - VnetHeader.SIZE + i));
        }
        assertTrue(VnetHeader.read(p));
        assertFalse(p.hasOffload());
    }

    @Test
    void dataValidAloneIsAnOrdinaryFrame() {
        tcp4(100, 0x10);
        header(VnetHeader.F_DATA_VALID, VnetHeader.GSO_NONE, 0, 0, 0);
        assertTrue(VnetHeader.read(p));
        assertFalse(p.hasOffload());
    }

    @Test
    void malformedHeadersAreRefused() {
        tcp4(3000, 0x10);
        header(VnetHeader.F_NEEDS_CSUM, VnetHeader.GSO_UDP, 1000, 34, 6);
        assertFalse(VnetHeader.read(p), "UDP fragmentation offload was not asked for");
        header(0, VnetHeader.GSO_TCPV4, 1000, 34, 16);
        assertFalse(VnetHeader.read(p), "GSO without a partial checksum");
        header(VnetHeader.F_NEEDS_CSUM, VnetHeader.GSO_TCPV4, 0, 34, 16);
        assertFalse(VnetHeader.read(p), "GSO size 0");
        header(VnetHeader.F_NEEDS_CSUM, VnetHeader.GSO_NONE, 0, 60000, 16);
        assertFalse(VnetHeader.read(p), "checksum start past the frame");
        header(VnetHeader.F_NEEDS_CSUM, VnetHeader.GSO_TCPV6, 1000, 34, 16);
        assertFalse(VnetHeader.read(p), "TCPv6 GSO on an IPv4 frame");
        header(VnetHeader.F_NEEDS_CSUM, 9, 1000, 34, 16);
        assertFalse(VnetHeader.read(p), "an unknown GSO type");
        assertFalse(p.hasOffload(), "a refused header leaves no state behind");
        header(VnetHeader.F_NEEDS_CSUM, VnetHeader.GSO_NONE, 0, 34, 16);
        assertTrue(VnetHeader.read(p));
        assertTrue(p.hasOffload());
    }

    @Test
    void anOffloadingPortRefusesMemoryTooSmallForGsoFrames() {
        try (BufferPool small = BufferPool.builder().count(4).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TapPort.builder("vv4-x").offloads(true).memory(small).build());
            assertTrue(e.getMessage().contains("bufferSize(66048)"), e.getMessage());
        }
    }
}
