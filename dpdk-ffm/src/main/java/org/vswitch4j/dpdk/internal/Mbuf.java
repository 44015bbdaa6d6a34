package org.vswitch4j.dpdk.internal;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;

/**
 * Field access to a {@code struct rte_mbuf} at a raw address. The address space is one segment here because an
 * mbuf's address comes from DPDK (a PMD's rx burst, a mempool dequeue) and is checked against the pool's
 * extent by the caller before anything is read; a view per mbuf would allocate per packet.
 */
@SuppressWarnings("restricted")
public final class Mbuf {
    private Mbuf() {
    }

    /** All of memory; only ever indexed by mbuf addresses (and the pointer arrays that hold them). */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** RTE_MBUF_PORT_INVALID. */
    private static final short PORT_INVALID = (short) 0xffff;

    public static long pool(long m) {
        return ALL.get(JAVA_LONG, m + Layouts.MBUF_POOL);
    }

    public static int nbSegs(long m) {
        return Short.toUnsignedInt(ALL.get(JAVA_SHORT, m + Layouts.MBUF_NB_SEGS));
    }

    public static int dataOff(long m) {
        return Short.toUnsignedInt(ALL.get(JAVA_SHORT, m + Layouts.MBUF_DATA_OFF));
    }

    public static int dataLen(long m) {
        return Short.toUnsignedInt(ALL.get(JAVA_SHORT, m + Layouts.MBUF_DATA_LEN));
    }

    public static int pktLen(long m) {
        return ALL.get(JAVA_INT, m + Layouts.MBUF_PKT_LEN);
    }

    public static int bufLen(long m) {
        return Short.toUnsignedInt(ALL.get(JAVA_SHORT, m + Layouts.MBUF_BUF_LEN));
    }

    public static int privSize(long m) {
        return Short.toUnsignedInt(ALL.get(JAVA_SHORT, m + Layouts.MBUF_PRIV_SIZE));
    }

    public static long bufAddr(long m) {
        return ALL.get(JAVA_LONG, m + Layouts.MBUF_BUF_ADDR);
    }

    /**
     * Writes the frame's place back before tx: the datapath may have pushed or popped headers (data_off moves)
     * or changed the length. Single-segment mbufs only, so pkt_len = data_len.
     */
    public static void setFrame(long m, int dataOff, int length) {
        ALL.set(JAVA_SHORT, m + Layouts.MBUF_DATA_OFF, (short) dataOff);
        ALL.set(JAVA_INT, m + Layouts.MBUF_PKT_LEN, length);
        ALL.set(JAVA_SHORT, m + Layouts.MBUF_DATA_LEN, (short) length);
    }

    /** What the inline {@code rte_pktmbuf_reset} does, for an mbuf just taken from its pool's ring. */
    public static void reset(long m, int headroom) {
        ALL.set(JAVA_LONG, m + Layouts.MBUF_NEXT, 0L);
        ALL.set(JAVA_INT, m + Layouts.MBUF_PKT_LEN, 0);
        ALL.set(JAVA_LONG, m + Layouts.MBUF_TX_OFFLOAD, 0L);
        ALL.set(JAVA_SHORT, m + Layouts.MBUF_VLAN_TCI, (short) 0);
        ALL.set(JAVA_SHORT, m + Layouts.MBUF_VLAN_TCI_OUTER, (short) 0);
        ALL.set(JAVA_SHORT, m + Layouts.MBUF_REFCNT, (short) 1);
        ALL.set(JAVA_SHORT, m + Layouts.MBUF_NB_SEGS, (short) 1);
        ALL.set(JAVA_SHORT, m + Layouts.MBUF_PORT, PORT_INVALID);
        ALL.set(JAVA_LONG, m + Layouts.MBUF_OL_FLAGS, 0L);
        ALL.set(JAVA_INT, m + Layouts.MBUF_PACKET_TYPE, 0);
        ALL.set(JAVA_SHORT, m + Layouts.MBUF_DATA_OFF, (short) Math.min(headroom, bufLen(m)));
        ALL.set(JAVA_SHORT, m + Layouts.MBUF_DATA_LEN, (short) 0);
    }
}
