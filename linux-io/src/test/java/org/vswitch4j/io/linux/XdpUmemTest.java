package org.vswitch4j.io.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The UMEM as packet memory: handles, ownership states, and what a socket that closes gives back. */
class XdpUmemTest {
    @Test
    void framesAreFixedSizeSlotsOfOneMappingWithTheKernelsHeadroom() {
        try (XdpUmem u = XdpUmem.builder().frames(64).frameSize(4096).build()) {
            assertEquals(64L * 4096, u.region().byteSize());
            assertEquals(4096, u.bufferSize());
            assertEquals(256, u.headroom());
            assertEquals(5L * 4096, u.bufferOffset(5));
            assertEquals(0, u.region().address() % 4096, "page-aligned, as UMEM registration requires");
        }
    }

    @Test
    void aDoubleReleaseOrReleasingAFrameTheKernelHoldsThrowsNamingTheFrame() {
        try (XdpUmem u = XdpUmem.builder().frames(64).build()) {
            long h = u.allocate();
            u.release(h);
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> u.release(h));
            assertTrue(twice.getMessage().contains("frame " + h) && twice.getMessage().contains("double release"),
                    twice.getMessage());
            int slot = u.attachSocket();
            long k = u.allocate();
            u.toKernel(k, slot);
            IllegalStateException kernel = assertThrows(IllegalStateException.class, () -> u.release(k));
            assertTrue(kernel.getMessage().contains("held by the kernel"), kernel.getMessage());
            u.detachSocket(slot);
        }
    }

    @Test
    void aClosingSocketGivesBackEveryFrameTheKernelStillHeldForItAndNoOther() {
        try (XdpUmem u = XdpUmem.builder().frames(64).build()) {
            int a = u.attachSocket();
            int b = u.attachSocket();
            long[] hs = new long[30];
            assertEquals(30, u.allocate(hs, 0, 30));
            for (int i = 0; i < 30; i++) {
                u.toKernel(hs[i], i < 20 ? a : b); // 20 in a's rings, 10 in b's
            }
            u.fromKernel(hs[0]); // a received one: the application owns it
            assertEquals(34, u.freeCount());
            assertEquals(19, u.detachSocket(a), "a's 19 frames still in the kernel");
            assertEquals(53, u.freeCount());
            assertEquals(1, u.sockets());
            IllegalStateException busy = assertThrows(IllegalStateException.class, u::close);
            assertTrue(busy.getMessage().contains("close their ports first"), busy.getMessage());
            assertEquals(10, u.detachSocket(b));
            u.release(hs[0]);
            assertEquals(64, u.freeCount());
        }
    }

    @Test
    void aCompletionForAFrameTheSocketDoesNotHoldIsCountedAndNeverFreesTwice() {
        try (XdpUmem u = XdpUmem.builder().frames(64).build()) {
            int a = u.attachSocket();
            int b = u.attachSocket();
            long[] hs = new long[3];
            assertEquals(3, u.allocate(hs, 0, 3));
            u.toKernel(hs[0], a);
            u.toKernel(hs[1], b);
            // hs[0] completes on a twice, hs[1] (b's) on a, hs[2] is the application's, 999 is no frame at all
            u.freeFromKernel(new long[] {hs[0], hs[0], hs[1], hs[2], 999}, 5, a);
            assertEquals(4, u.strayCompletions());
            assertEquals(62, u.freeCount(), "only the one real completion freed a frame");
            assertEquals(1, u.detachSocket(b));
            u.release(hs[2]);
            assertEquals(64, u.freeCount());
            u.detachSocket(a);
        }
    }

    @Test
    void theFillTargetSharesTheFramesAmongTheSockets() {
        try (XdpUmem u = XdpUmem.builder().frames(4096).build()) {
            int a = u.attachSocket();
            assertEquals(2048, u.fillTarget(2048));
            int b = u.attachSocket();
            assertEquals(1024, u.fillTarget(2048), "half an equal share: room is left for frames in flight");
            u.detachSocket(a);
            u.detachSocket(b);
        }
    }
}
