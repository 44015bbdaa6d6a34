package org.vswitch4j.io.linux.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The XDP side of an AF_XDP port, through the {@code bpf(2)} system call: an XSKMAP (rx queue index →
 * AF_XDP socket), a five-instruction XDP program that redirects each frame to the socket of its rx queue (or
 * passes it to the kernel stack when that queue has none), and a BPF link that attaches the program to the
 * device.
 *
 * <p>Why raw {@code bpf()} rather than libxdp or libbpf: the whole job is these three calls; the link form of
 * attachment ({@code BPF_LINK_CREATE}, kernel 5.9+) detaches the program when its fd is closed, so a crashed
 * JVM leaves no program behind, and the port needs no system library beyond libc. The program, in the
 * kernel's instruction encoding (8 bytes: opcode, dst|src registers, 16-bit offset, 32-bit immediate):
 * <pre>
 *   r2 = *(u32 *)(r1 + 16)     ; ctx-&gt;rx_queue_index
 *   r1 = map_fd ll             ; two slots: ld_imm64 with BPF_PSEUDO_MAP_FD
 *   r3 = 2                     ; XDP_PASS when the map has no socket at that index
 *   call bpf_redirect_map      ; helper 51
 *   exit                       ; its result is the program's
 * </pre>
 * Layouts of {@code union bpf_attr} used (checked against linux/bpf.h by NativeLayoutTest): map create
 * {map_type 0, key_size 4, value_size 8, max_entries 12, map_name 28}; element update {map_fd 0, key 8,
 * value 16, flags 24}; program load {prog_type 0, insn_cnt 4, insns 8, license 16, log_level 24, log_size 28,
 * log_buf 32, prog_name 48, expected_attach_type 68}; link create {prog_fd 0, target_ifindex 4, attach_type 8,
 * flags 12}.
 */
public final class Bpf {
    public static final int BPF_MAP_CREATE = 0;
    public static final int BPF_MAP_UPDATE_ELEM = 2;
    public static final int BPF_MAP_DELETE_ELEM = 3;
    public static final int BPF_PROG_LOAD = 5;
    public static final int BPF_LINK_CREATE = 28;
    public static final int BPF_MAP_TYPE_XSKMAP = 17;
    public static final int BPF_PROG_TYPE_XDP = 6;
    public static final int BPF_XDP = 37;
    public static final int BPF_FUNC_REDIRECT_MAP = 51;
    public static final int XDP_MD_RX_QUEUE_INDEX = 16;
    public static final int XDP_PASS = 2;
    public static final int ATTR_SIZE = 144;
    public static final int XDP_FLAGS_SKB_MODE = 2;
    public static final int XDP_FLAGS_DRV_MODE = 4;
    /** What an AF_XDP port needs, named in every privilege error. */
    public static final String AF_XDP_CAPS = "CAP_NET_RAW, CAP_NET_ADMIN and CAP_BPF (CAP_SYS_ADMIN before kernel 5.8)";

    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Bpf() {
    }

    /** Creates an XSKMAP of {@code entries} slots; returns its fd. */
    public static int createXskMap(int entries) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, BPF_MAP_TYPE_XSKMAP);
            attr.set(ValueLayout.JAVA_INT, 4, 4);
            attr.set(ValueLayout.JAVA_INT, 8, 4);
            attr.set(ValueLayout.JAVA_INT, 12, entries);
            MemorySegment.copy(a.allocateFrom("vs4j_xsks"), 0, attr, 28, 10);
            return (int) call(a, BPF_MAP_CREATE, attr, "create the XSKMAP");
        }
    }

    /** Sets {@code map[key] = value} (an AF_XDP socket fd for an XSKMAP). */
    public static void updateElement(int mapFd, int key, int value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            MemorySegment k = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            k.set(ValueLayout.JAVA_INT, 0, key);
            v.set(ValueLayout.JAVA_INT, 0, value);
            attr.set(ValueLayout.JAVA_INT, 0, mapFd);
            attr.set(ValueLayout.JAVA_LONG, 8, k.address());
            attr.set(ValueLayout.JAVA_LONG, 16, v.address());
            call(a, BPF_MAP_UPDATE_ELEM, attr, "put the AF_XDP socket into the XSKMAP");
        }
    }

    /** The program's instructions for {@code mapFd}. */
    public static byte[] redirectProgram(int mapFd) {
        MemorySegment p = MemorySegment.ofArray(new byte[6 * 8]);
        insn(p, 0, 0x61, 2, 1, XDP_MD_RX_QUEUE_INDEX, 0);   // ldx w r2 = *(u32 *)(r1 + 16)
        insn(p, 1, 0x18, 1, 1, 0, mapFd);                   // ld_imm64 r1 = map (src 1 = BPF_PSEUDO_MAP_FD)
        insn(p, 2, 0x00, 0, 0, 0, 0);                       //   its upper 32 bits
        insn(p, 3, 0xb7, 3, 0, 0, XDP_PASS);                // mov64 r3 = XDP_PASS
        insn(p, 4, 0x85, 0, 0, 0, BPF_FUNC_REDIRECT_MAP);   // call bpf_redirect_map
        insn(p, 5, 0x95, 0, 0, 0, 0);                       // exit
        return p.toArray(ValueLayout.JAVA_BYTE);
    }

    private static void insn(MemorySegment p, int i, int code, int dst, int src, int off, int imm) {
        long o = 8L * i;
        p.set(ValueLayout.JAVA_BYTE, o, (byte) code);
        p.set(ValueLayout.JAVA_BYTE, o + 1, (byte) (src << 4 | dst));
        p.set(LE_SHORT, o + 2, (short) off);
        p.set(LE_INT, o + 4, imm);
    }

    /** Loads the redirect program for {@code mapFd}; returns its fd. The verifier's log is in the error. */
    public static int loadRedirectProgram(int mapFd) {
        try (Arena a = Arena.ofConfined()) {
            byte[] code = redirectProgram(mapFd);
            MemorySegment insns = a.allocate(code.length, 8);
            MemorySegment.copy(code, 0, insns, ValueLayout.JAVA_BYTE, 0, code.length);
            MemorySegment license = a.allocateFrom("GPL");
            int logSize = 4096;
            MemorySegment log = a.allocate(logSize);
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, BPF_PROG_TYPE_XDP);
            attr.set(ValueLayout.JAVA_INT, 4, code.length / 8);
            attr.set(ValueLayout.JAVA_LONG, 8, insns.address());
            attr.set(ValueLayout.JAVA_LONG, 16, license.address());
            attr.set(ValueLayout.JAVA_INT, 24, 1);
            attr.set(ValueLayout.JAVA_INT, 28, logSize);
            attr.set(ValueLayout.JAVA_LONG, 32, log.address());
            MemorySegment.copy(a.allocateFrom("vs4j_xsk_redir"), 0, attr, 48, 15);
            attr.set(ValueLayout.JAVA_INT, 68, BPF_XDP);
            MemorySegment err = Libc.errnoSlot(a);
            long fd = Libc.bpf(err, BPF_PROG_LOAD, attr, ATTR_SIZE);
            if (fd < 0) {
                int e = Libc.errno(err);
                throw Native.error("cannot load the XDP redirect program (verifier log: " + log.getString(0).trim()
                        + ")", e, Native.privilegeHint(e, AF_XDP_CAPS));
            }
            return (int) fd;
        }
    }

    /**
     * Attaches program {@code progFd} to device {@code ifindex} with a BPF link in {@code xdpFlags} mode
     * (XDP_FLAGS_SKB_MODE generic, XDP_FLAGS_DRV_MODE native); returns the link fd (closing it detaches).
     */
    public static int attachXdp(int progFd, int ifindex, int xdpFlags, String device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, progFd);
            attr.set(ValueLayout.JAVA_INT, 4, ifindex);
            attr.set(ValueLayout.JAVA_INT, 8, BPF_XDP);
            attr.set(ValueLayout.JAVA_INT, 12, xdpFlags);
            MemorySegment err = Libc.errnoSlot(a);
            long fd = Libc.bpf(err, BPF_LINK_CREATE, attr, ATTR_SIZE);
            if (fd < 0) {
                int e = Libc.errno(err);
                throw Native.error("cannot attach the XDP program to " + device + " in "
                        + (xdpFlags == XDP_FLAGS_DRV_MODE ? "native (driver)" : "generic (skb)") + " mode", e,
                        e == Libc.EBUSY || e == Libc.EEXIST
                                ? "another XDP program is attached to " + device + " (ip link show " + device
                                + "; remove it with ip link set dev " + device + " xdp off)"
                                : Native.privilegeHint(e, AF_XDP_CAPS));
            }
            return (int) fd;
        }
    }

    private static long call(Arena a, int cmd, MemorySegment attr, String what) {
        MemorySegment err = Libc.errnoSlot(a);
        long r = Libc.bpf(err, cmd, attr, ATTR_SIZE);
        if (r < 0) {
            int e = Libc.errno(err);
            throw Native.error("cannot " + what, e, Native.privilegeHint(e, AF_XDP_CAPS));
        }
        return r;
    }
}
