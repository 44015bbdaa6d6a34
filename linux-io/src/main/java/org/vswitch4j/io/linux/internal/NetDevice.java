package org.vswitch4j.io.linux.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Network-device queries and settings by name, through ioctls on a control socket ({@code AF_INET},
 * {@code SOCK_DGRAM}) that was created in the device's namespace: index, flags (up, running), carrier, MTU, MAC.
 *
 * <p>Layout of {@code struct ifreq} (40 bytes): {@code ifr_name[16]} at 0, then a union at 16 holding
 * {@code ifr_flags} (short), {@code ifr_mtu} / {@code ifr_ifindex} (int) or {@code ifr_hwaddr}
 * (struct sockaddr: family u16 at 16, address bytes at 18).
 *
 * <p>Thread-safety: every method is synchronized (one ifreq buffer); called on slow paths only.
 */
public final class NetDevice implements AutoCloseable {
    public static final int IFREQ_SIZE = 40;
    public static final int IFR_UNION = 16;
    public static final long SIOCGIFFLAGS = 0x8913;
    public static final long SIOCSIFFLAGS = 0x8914;
    public static final long SIOCGIFMTU = 0x8921;
    public static final long SIOCSIFMTU = 0x8922;
    public static final long SIOCSIFHWADDR = 0x8924;
    public static final long SIOCGIFHWADDR = 0x8927;
    public static final long SIOCGIFINDEX = 0x8933;
    public static final long SIOCETHTOOL = 0x8946;
    /** {@code ETHTOOL_GLINK}: {@code struct ethtool_value {u32 cmd; u32 data;}}, data = carrier. */
    public static final int ETHTOOL_GLINK = 0x0000000a;
    public static final int IFF_UP = 0x1;
    public static final int IFF_RUNNING = 0x40;
    public static final int IFNAMSIZ = 16;
    private static final int ARPHRD_ETHER = 1;

    private final String name;
    private final byte[] nameBytes;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
    private final MemorySegment ethtoolValue = arena.allocate(8, 8);
    private final MemorySegment err = Libc.errnoSlot(arena);
    private final int sock;
    private boolean closed;

    /** A control socket for {@code name}, created in the calling thread's namespace. */
    public NetDevice(String name) {
        checkName(name);
        this.name = name;
        this.nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int fd = Libc.socket(err, Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            int e = Libc.errno(err);
            arena.close();
            throw Native.error("cannot open a control socket for " + name, e, null);
        }
        this.sock = fd;
    }

    /** Throws unless {@code name} is a valid interface name (1..15 bytes, no '/', no whitespace). */
    public static void checkName(String name) {
        if (name == null || name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length >= IFNAMSIZ
                || name.contains("/") || name.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("interface name '" + name + "' is not 1.." + (IFNAMSIZ - 1)
                    + " bytes without '/' and spaces");
        }
    }

    public String name() {
        return name;
    }

    /** Writes {@code name} into the first 16 bytes of {@code ifr} (NUL-padded). */
    public static void putName(MemorySegment ifr, String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        ifr.asSlice(0, IFNAMSIZ).fill((byte) 0);
        MemorySegment.copy(b, 0, ifr, ValueLayout.JAVA_BYTE, 0, b.length);
    }

    // The ifreq is rewritten with plain stores, no slices: link checks run on poll threads (every 10 ms at
    // most, see LinkWatch), which allocate nothing.
    private int ioctl(long req) {
        for (int i = 0; i < IFNAMSIZ; i++) {
            ifr.set(ValueLayout.JAVA_BYTE, i, i < nameBytes.length ? nameBytes[i] : 0);
        }
        return Libc.ioctl(err, sock, req, ifr);
    }

    private void clearUnion() {
        for (long off = IFR_UNION; off < IFREQ_SIZE; off += 8) {
            ifr.set(ValueLayout.JAVA_LONG_UNALIGNED, off, 0L);
        }
    }

    /** The device's index, or 0 when there is no such device. */
    public synchronized int index() {
        clearUnion();
        return ioctl(SIOCGIFINDEX) == 0 ? ifr.get(ValueLayout.JAVA_INT, IFR_UNION) : 0;
    }

    /** The device's flags (IFF_*), or -1 when there is no such device. */
    public synchronized int flags() {
        clearUnion();
        return ioctl(SIOCGIFFLAGS) == 0 ? Short.toUnsignedInt(ifr.get(ValueLayout.JAVA_SHORT, IFR_UNION)) : -1;
    }

    /**
     * The device's carrier through {@code ETHTOOL_GLINK}: 1 or 0, or -1 when the device is gone or its driver
     * does not say.
     */
    public synchronized int carrier() {
        clearUnion();
        ethtoolValue.set(ValueLayout.JAVA_INT, 0, ETHTOOL_GLINK);
        ethtoolValue.set(ValueLayout.JAVA_INT, 4, 0);
        ifr.set(ValueLayout.ADDRESS, IFR_UNION, ethtoolValue); // ifr_data
        return ioctl(SIOCETHTOOL) == 0 ? ethtoolValue.get(ValueLayout.JAVA_INT, 4) != 0 ? 1 : 0 : -1;
    }

    /**
     * Whether the device exists, is administratively up and has carrier. Carrier comes from
     * {@code ETHTOOL_GLINK}, not from IFF_RUNNING: the kernel sets IFF_RUNNING (the operational state) from its
     * link-watch work, which it may defer by up to a second after the carrier changes, while frames flow as soon
     * as the carrier is on. Reading IFF_RUNNING alone made a port that was just set up count as down (its
     * floods dropped as PORT_DOWN) for as long as that deferral lasted. A driver without GLINK falls back to
     * IFF_RUNNING.
     */
    public boolean upAndRunning() {
        int f = flags();
        if (f < 0 || (f & IFF_UP) == 0) {
            return false;
        }
        int c = carrier();
        return c >= 0 ? c == 1 : (f & IFF_RUNNING) != 0;
    }

    /** Sets or clears IFF_UP. */
    public synchronized void setUp(boolean up) {
        clearUnion();
        if (ioctl(SIOCGIFFLAGS) != 0) {
            throw failure("cannot read the flags of");
        }
        short f = ifr.get(ValueLayout.JAVA_SHORT, IFR_UNION);
        f = (short) (up ? f | IFF_UP : f & ~IFF_UP);
        ifr.set(ValueLayout.JAVA_SHORT, IFR_UNION, f);
        if (ioctl(SIOCSIFFLAGS) != 0) {
            throw failure("cannot set " + (up ? "up" : "down"));
        }
    }

    public synchronized int mtu() {
        clearUnion();
        if (ioctl(SIOCGIFMTU) != 0) {
            throw failure("cannot read the MTU of");
        }
        return ifr.get(ValueLayout.JAVA_INT, IFR_UNION);
    }

    public synchronized void setMtu(int mtu) {
        clearUnion();
        ifr.set(ValueLayout.JAVA_INT, IFR_UNION, mtu);
        if (ioctl(SIOCSIFMTU) != 0) {
            throw failure("cannot set MTU " + mtu + " on");
        }
    }

    /** The MAC address as the low 48 bits. */
    public synchronized long mac() {
        clearUnion();
        if (ioctl(SIOCGIFHWADDR) != 0) {
            throw failure("cannot read the MAC address of");
        }
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = m << 8 | Byte.toUnsignedLong(ifr.get(ValueLayout.JAVA_BYTE, IFR_UNION + 2 + i));
        }
        return m;
    }

    public synchronized void setMac(long mac) {
        clearUnion();
        ifr.set(ValueLayout.JAVA_SHORT, IFR_UNION, (short) ARPHRD_ETHER);
        for (int i = 0; i < 6; i++) {
            ifr.set(ValueLayout.JAVA_BYTE, IFR_UNION + 2 + i, (byte) (mac >>> (40 - 8 * i)));
        }
        if (ioctl(SIOCSIFHWADDR) != 0) {
            throw failure(String.format("cannot set MAC %012x on", mac));
        }
    }

    private RuntimeException failure(String what) {
        int e = Libc.errno(err);
        return Native.error(what + " device " + name, e, e == Libc.ENODEV
                ? "no network device named " + name + " in this namespace (ip link show)"
                : Native.privilegeHint(e, "CAP_NET_ADMIN"));
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.close(err, sock);
            arena.close();
        }
    }
}
