package org.vswitch4j.io.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.vswitch4j.io.linux.internal.IoUring;
import org.vswitch4j.io.linux.internal.Libc;
import org.vswitch4j.io.linux.internal.Native;

/**
 * The io_uring binding on a non-blocking eventfd (no root needed): every prepared operation completes once, its
 * result lands at its index, a read with nothing to read completes with -EAGAIN, and many more bursts than the
 * ring has entries go through (the ring indices wrap their masks). Seeded: {@code -Dvs4j.seed=N} replays.
 */
class IoUringTest {
    @Test
    void burstsOfReadsAndWritesCompleteOnceEachWithTheirResultsAtTheirIndices() {
        requireIoUring();
        long seed = seed();
        Random rnd = new Random(seed);
        try (Arena a = Arena.ofConfined(); IoUring ring = IoUring.open(8)) {
            assertEquals(8, ring.entries());
            MemorySegment err = Libc.errnoSlot(a);
            int efd = Libc.eventfd(err, 0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
            assertTrue(efd >= 0, "eventfd: errno " + Libc.errno(err));
            try {
                MemorySegment bufs = a.allocate(8L * 8, 8);
                int[] res = new int[8];
                long counter = 0;
                for (int round = 0; round < 500; round++) {
                    int n = 1 + rnd.nextInt(8);
                    boolean[] isRead = new boolean[n];
                    long expectRead = -1;
                    for (int i = 0; i < n; i++) {
                        isRead[i] = rnd.nextInt(3) == 0;
                        if (!isRead[i]) {
                            bufs.set(ValueLayout.JAVA_LONG, 8L * i, 1 + rnd.nextInt(100));
                        }
                        ring.prepare(isRead[i] ? IoUring.OP_READ : IoUring.OP_WRITE, efd, bufs.address() + 8L * i, 8,
                                i);
                    }
                    Arrays.fill(res, Integer.MAX_VALUE);
                    assertEquals(n, ring.submitAndWait(res), "seed " + seed);
                    assertEquals(0, ring.prepared());
                    // the kernel ran them in order: a write adds to the counter, a read takes it all (or EAGAIN)
                    for (int i = 0; i < n; i++) {
                        if (isRead[i]) {
                            if (counter == 0) {
                                assertEquals(-Libc.EAGAIN, res[i], "seed " + seed + ": a read of a zero eventfd");
                            } else {
                                assertEquals(8, res[i], "seed " + seed);
                                expectRead = counter;
                                assertEquals(expectRead, bufs.get(ValueLayout.JAVA_LONG, 8L * i), "seed " + seed);
                                counter = 0;
                            }
                        } else {
                            assertEquals(8, res[i], "seed " + seed + ": a write");
                            counter += bufs.get(ValueLayout.JAVA_LONG, 8L * i);
                        }
                    }
                    for (int i = n; i < res.length; i++) {
                        assertEquals(Integer.MAX_VALUE, res[i], "seed " + seed + ": nothing written past the burst");
                    }
                }
            } finally {
                Native.closeQuietly(efd);
            }
        }
    }

    @Test
    void preparingMoreThanTheRingHoldsThrowsAndAnEmptySubmitIsFree() {
        requireIoUring();
        try (IoUring ring = IoUring.open(2)) {
            assertEquals(0, ring.submitAndWait(new int[2]));
            ring.prepare(IoUring.OP_READ, -1, 0, 0, 0);
            ring.prepare(IoUring.OP_READ, -1, 0, 0, 1);
            IllegalStateException full = assertThrows(IllegalStateException.class,
                    () -> ring.prepare(IoUring.OP_READ, -1, 0, 0, 2));
            assertTrue(full.getMessage().contains("submit first"), full.getMessage());
            int[] res = new int[2];
            assertEquals(2, ring.submitAndWait(res));
            assertEquals(-9, res[0], "a bad fd completes with -EBADF; the ring goes on"); // EBADF
            assertEquals(-9, res[1]);
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> IoUring.open(0));
        assertTrue(bad.getMessage().contains("1..4096"), bad.getMessage());
    }

    private static void requireIoUring() {
        if (!IoUring.available()) {
            String msg = "io_uring is not available to this process (kernel.io_uring_disabled or seccomp)";
            if ("true".equals(System.getenv("CI"))) {
                fail(msg + "; CI=true makes a skip a failure");
            }
            Assumptions.abort(msg + "; skipped");
        }
    }

    private static long seed() {
        String fixed = System.getProperty("vs4j.seed");
        long s = fixed != null && !fixed.isEmpty() && !fixed.startsWith("$") ? Long.parseLong(fixed)
                : System.nanoTime();
        System.out.println("IoUringTest seed " + s + " (replay with -Dvs4j.seed=" + s + ")");
        return s;
    }
}
