package org.vswitch4j.io.linux.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Opening TAP queues: {@code open("/dev/net/tun")} and {@code ioctl(TUNSETIFF)} with
 * {@code IFF_TAP | IFF_NO_PI} (and {@code IFF_MULTI_QUEUE} for several queues, {@code IFF_VNET_HDR} for offloads).
 * Each call creates the device if it does not exist, else attaches one more queue to it, in the calling thread's
 * network namespace. With offloads every frame read or written is preceded by a {@link VnetHeader}, and
 * {@code TUNSETOFFLOAD} tells the kernel it may hand over partial checksums and TCP segments of up to 64 KB.
 */
public final class Tun {
    public static final long TUNSETIFF = 0x400454caL;
    public static final long TUNSETPERSIST = 0x400454cbL;
    public static final int IFF_TAP = 0x2;
    public static final int IFF_NO_PI = 0x1000;
    public static final int IFF_MULTI_QUEUE = 0x100;
    public static final int IFF_VNET_HDR = 0x4000;
    public static final long TUNSETOFFLOAD = 0x400454d0L;
    public static final long TUNSETVNETHDRSZ = 0x400454d8L;
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;

    private Tun() {
    }

    /** Opens one non-blocking queue fd of TAP {@code name}, without offloads. */
    public static int openQueue(String name, boolean multiQueue) {
        return openQueue(name, multiQueue, false);
    }

    /**
     * Opens one non-blocking queue fd of TAP {@code name}; with {@code offloads}, with IFF_VNET_HDR, a
     * {@value VnetHeader#SIZE}-byte header (TUNSETVNETHDRSZ) and checksum and TCP segmentation offload for both
     * address families (TUNSETOFFLOAD TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6).
     */
    public static int openQueue(String name, boolean multiQueue, boolean offloads) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Libc.errnoSlot(a);
            int fd = Libc.open(err, a.allocateFrom("/dev/net/tun"), Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
            if (fd < 0) {
                int e = Libc.errno(err);
                throw Native.error("cannot open /dev/net/tun for TAP " + name, e, e == Libc.ENOENT || e == Libc.ENODEV
                        ? "the kernel has no TUN/TAP driver (CONFIG_TUN; modprobe tun), or /dev/net/tun is missing"
                        + " (mknod /dev/net/tun c 10 200)"
                        : Native.privilegeHint(e, "CAP_NET_ADMIN"));
            }
            MemorySegment ifr = a.allocate(NetDevice.IFREQ_SIZE, 8);
            NetDevice.putName(ifr, name);
            ifr.set(ValueLayout.JAVA_SHORT, NetDevice.IFR_UNION,
                    (short) (IFF_TAP | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0) | (offloads ? IFF_VNET_HDR : 0)));
            if (Libc.ioctl(err, fd, TUNSETIFF, ifr) != 0) {
                int e = Libc.errno(err);
                Libc.close(err, fd);
                throw Native.error("cannot create or attach TAP " + name, e, e == Libc.EPERM || e == Libc.EACCES
                        ? Native.privilegeHint(e, "CAP_NET_ADMIN")
                        : e == Libc.EINVAL || e == Libc.EBUSY
                        ? "a device of that name exists and is not a TAP with the same queue mode (multi-queue: "
                        + multiQueue + "), or all its queues are taken; see ip -d link show " + name
                        : null);
            }
            if (offloads) {
                MemorySegment size = a.allocateFrom(ValueLayout.JAVA_INT, VnetHeader.SIZE);
                long what = TUNSETVNETHDRSZ;
                int r = Libc.ioctl(err, fd, what, size);
                if (r == 0) {
                    what = TUNSETOFFLOAD;
                    r = Libc.ioctl(err, fd, what, MemorySegment.ofAddress(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6));
                }
                if (r != 0) {
                    int e = Libc.errno(err);
                    Libc.close(err, fd);
                    throw Native.error("cannot enable offloads (" + (what == TUNSETOFFLOAD ? "TUNSETOFFLOAD"
                            : "TUNSETVNETHDRSZ") + ") on TAP " + name, e, "build the port with offloads(false)");
                }
            }
            return fd;
        }
    }

    /** Sets or clears the device's persist flag through queue {@code fd}. */
    public static void setPersistent(int fd, String name, boolean on) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Libc.errnoSlot(a);
            if (Libc.ioctl(err, fd, TUNSETPERSIST, MemorySegment.ofAddress(on ? 1 : 0)) != 0) {
                throw Native.error("cannot set persist=" + on + " on TAP " + name, Libc.errno(err), null);
            }
        }
    }
}
