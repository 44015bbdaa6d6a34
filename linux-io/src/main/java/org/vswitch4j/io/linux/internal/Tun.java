package org.vswitch4j.io.linux.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Opening TAP queues: {@code open("/dev/net/tun")} and {@code ioctl(TUNSETIFF)} with
 * {@code IFF_TAP | IFF_NO_PI} (and {@code IFF_MULTI_QUEUE} for several queues). Each call creates the device
 * if it does not exist, else attaches one more queue to it, in the calling thread's network namespace.
 */
public final class Tun {
    public static final long TUNSETIFF = 0x400454caL;
    public static final long TUNSETPERSIST = 0x400454cbL;
    public static final int IFF_TAP = 0x2;
    public static final int IFF_NO_PI = 0x1000;
    public static final int IFF_MULTI_QUEUE = 0x100;

    private Tun() {
    }

    /** Opens one non-blocking queue fd of TAP {@code name}. */
    public static int openQueue(String name, boolean multiQueue) {
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
                    (short) (IFF_TAP | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0)));
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
