package org.vswitch4j.io.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.vswitch4j.io.linux.internal.Libc;

/**
 * What a user sees when something is missing or not allowed: each failure is a {@link LinuxIoException} naming
 * the device, the cause and what to do. The privilege cases drop capabilities on one thread only (capabilities
 * are per thread on Linux), so they run as root and need no second process.
 */
@SuppressWarnings("restricted")
class ErrorMessagesTest {
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_NET_RAW = 13;
    private static final int CAP_IPC_LOCK = 14;
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_SYS_RESOURCE = 24;
    private static final int CAP_BPF = 39;

    @Test
    void anAfXdpPortOnAMissingDeviceNamesItAndHowToListDevices() {
        LinuxIoException e = assertThrows(LinuxIoException.class, () -> AfXdpPort.builder("vsl-nodev0").build());
        assertTrue(e.getMessage().contains("no network device named vsl-nodev0"), e.getMessage());
        assertTrue(e.getMessage().contains("ip link show"), e.getMessage());
        assertEquals(Libc.ENODEV, e.errno());
    }

    @Test
    void attachingToAMissingTapSaysHowToCreateIt() {
        LinuxIoException e = assertThrows(LinuxIoException.class,
                () -> TapPort.builder("vsl-nodev1").attachOnly().build());
        assertTrue(e.getMessage().contains("ip tuntap add vsl-nodev1 mode tap"), e.getMessage());
    }

    @Test
    void aMissingNamespaceSaysHowToCreateIt() {
        LinuxIoException e = assertThrows(LinuxIoException.class,
                () -> TapPort.builder("vsl-t0").namespace("vsl-nons").build());
        assertTrue(e.getMessage().contains("ip netns add vsl-nons"), e.getMessage());
    }

    @Test
    void badNamesAndSizesAreRefusedWithTheAllowedValues() {
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
                () -> TapPort.builder("vsl-a-name-too-long"));
        assertTrue(n.getMessage().contains("1..15 bytes"), n.getMessage());
        IllegalArgumentException r = assertThrows(IllegalArgumentException.class,
                () -> AfXdpPort.builder("vsl-x").ringSize(1000));
        assertTrue(r.getMessage().contains("power of two in 64..16384"), r.getMessage());
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> XdpUmem.builder().frameSize(3000));
        assertTrue(f.getMessage().contains("2048 or 4096"), f.getMessage());
    }

    @Test
    void withoutCapNetAdminATapSaysWhichCapabilityItNeeds() throws Exception {
        RootLab.requireRoot();
        LinuxIoException e = withoutCapabilities(() -> TapPort.builder("vsl-ecap").build(), CAP_NET_ADMIN,
                CAP_SYS_ADMIN);
        assertTrue(e.getMessage().contains("CAP_NET_ADMIN") && e.getMessage().contains("run as root"), e.getMessage());
        assertEquals(Libc.EPERM, e.errno());
    }

    @Test
    void withoutCapNetRawAnAfXdpPortSaysWhichCapabilitiesItNeeds() throws Exception {
        RootLab.requireRoot();
        withVeth(() -> {
            LinuxIoException e = withoutCapabilities(() -> AfXdpPort.builder("vsl-ea").build(), CAP_NET_RAW,
                    CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_BPF);
            assertTrue(e.getMessage().contains("CAP_NET_RAW") && e.getMessage().contains("CAP_BPF")
                    && e.getMessage().contains("CAP_NET_ADMIN"), e.getMessage());
            return null;
        });
    }

    @Test
    void aUmemAboveTheLockedMemoryLimitSaysHowToRaiseIt() throws Exception {
        RootLab.requireRoot();
        withVeth(() -> {
            long[] saved = memlock();
            long hard = saved[1] == Libc.RLIM_INFINITY ? 8L << 20 : Math.min(saved[1], 8L << 20);
            setMemlock(1 << 20, hard); // the soft limit far below the UMEM; the hard one below it too
            try (XdpUmem umem = XdpUmem.builder().frames(16384).build()) { // 32 MiB
                LinuxIoException e = withoutCapabilities(() -> AfXdpPort.builder("vsl-ea").umem(umem).build(),
                        CAP_IPC_LOCK, CAP_SYS_RESOURCE);
                assertTrue(e.getMessage().contains("cannot register the 32 MiB UMEM for vsl-ea")
                        && e.getMessage().contains("RLIMIT_MEMLOCK is " + (hard >> 10) + " KiB")
                        && e.getMessage().contains("ulimit -l") && e.getMessage().contains("CAP_IPC_LOCK"),
                        e.getMessage());
                assertEquals(hard, memlock()[0], "the port raised the soft limit to the hard one before giving up");
                assertEquals(0, umem.sockets(), "the failed socket gave its slot back");
                assertEquals(umem.capacity(), umem.freeCount(), "and every frame");
            } finally {
                rawSetMemlock(saved[0], saved[1]); // raising the hard limit back needs CAP_SYS_RESOURCE; best effort
            }
            return null;
        });
    }

    private static <T> T withVeth(Callable<T> body) throws Exception {
        RootLab.sh(false, "ip", "link", "del", "vsl-ea");
        RootLab.sh(true, "ip", "link", "add", "vsl-ea", "type", "veth", "peer", "name", "vsl-eb");
        try {
            RootLab.sh(true, "ip", "link", "set", "vsl-ea", "up");
            return body.call();
        } finally {
            RootLab.sh(false, "ip", "link", "del", "vsl-ea");
        }
    }

    /** Runs {@code open} on a thread without the given effective capabilities; returns what it threw. */
    private static LinuxIoException withoutCapabilities(Callable<AutoCloseable> open, int... caps) throws Exception {
        Object[] result = new Object[1];
        Thread t = Thread.ofPlatform().unstarted(() -> {
            try {
                dropEffective(caps);
                try (AutoCloseable port = open.call()) {
                    result[0] = new AssertionError("opened " + port + " without the capabilities");
                }
            } catch (Throwable e) {
                result[0] = e;
            }
        });
        t.start();
        t.join();
        if (result[0] instanceof LinuxIoException e) {
            return e;
        }
        throw new AssertionError("expected a LinuxIoException, got " + result[0], (Throwable) result[0]);
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle CAPGET = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("capget"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CAPSET = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("capset"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

    /** capget/capset, version 3 (two 32-bit words of each set): clears {@code caps} from the effective set. */
    private static void dropEffective(int... caps) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment hdr = a.allocate(8, 4);
            hdr.set(JAVA_INT, 0, 0x20080522);
            hdr.set(JAVA_INT, 4, 0);
            MemorySegment data = a.allocate(24, 4);
            assertEquals(0, (int) CAPGET.invokeExact(hdr, data));
            for (int c : caps) {
                long off = 12L * (c / 32);
                data.set(JAVA_INT, off, data.get(JAVA_INT, off) & ~(1 << (c % 32)));
            }
            assertEquals(0, (int) CAPSET.invokeExact(hdr, data));
        }
    }

    private static long[] memlock() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rl = a.allocate(16, 8);
            assertEquals(0, Libc.getrlimit(Libc.errnoSlot(a), Libc.RLIMIT_MEMLOCK, rl));
            return new long[] {rl.get(ValueLayout.JAVA_LONG, 0), rl.get(ValueLayout.JAVA_LONG, 8)};
        }
    }

    private static void setMemlock(long cur, long max) {
        assertEquals(0, rawSetMemlock(cur, max));
    }

    private static int rawSetMemlock(long cur, long max) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rl = a.allocate(16, 8);
            rl.set(ValueLayout.JAVA_LONG, 0, cur);
            rl.set(ValueLayout.JAVA_LONG, 8, max);
            return Libc.setrlimit(Libc.errnoSlot(a), Libc.RLIMIT_MEMLOCK, rl);
        }
    }
}
