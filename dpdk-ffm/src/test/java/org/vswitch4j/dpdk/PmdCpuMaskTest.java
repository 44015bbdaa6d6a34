package org.vswitch4j.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.datapath.Datapath;
import org.vswitch4j.core.datapath.PollThreadHook;
import org.vswitch4j.dpdk.internal.Affinity;

/** pmd-cpu-mask parsing as OVS reads it, and the pinning of real poll threads. */
class PmdCpuMaskTest {

    @Test
    void hexMaskWithOrWithoutPrefixSelectsOneCorePerBit() {
        assertEquals(List.of(0), PmdCpuMask.parse("0x1").cpus());
        assertEquals(List.of(0), PmdCpuMask.parse("1").cpus());
        assertEquals(1, PmdCpuMask.parse("0X1").cores());
        assertEquals("0x1", PmdCpuMask.parse("1").toString());
        assertEquals(0, PmdCpuMask.parse("0x1").cpuOf(5), "more threads than cores wrap round");
    }

    @Test
    void malformedEmptyOrDisallowedMasksAreRefusedWithTheReason() {
        IllegalArgumentException hex = assertThrows(IllegalArgumentException.class, () -> PmdCpuMask.parse("0xzz"));
        assertTrue(hex.getMessage().contains("not hexadecimal"), hex.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> PmdCpuMask.parse("0x0"));
        assertTrue(none.getMessage().contains("selects no CPU"), none.getMessage());
        IllegalArgumentException far = assertThrows(IllegalArgumentException.class, () -> PmdCpuMask.of(1023));
        assertTrue(far.getMessage().contains("may not run on"), far.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PmdCpuMask.of(-1));
    }

    @Test
    void pollThreadIsPinnedToItsCoreOfTheMask() {
        BitSet allowed = Affinity.allowed();
        int last = allowed.length() - 1; // the highest CPU this process may use
        PmdCpuMask mask = PmdCpuMask.of(last);
        AtomicReference<BitSet> seen = new AtomicReference<>();
        PollThreadHook probe = new PollThreadHook() {
            @Override
            public void started(int index) {
                mask.started(index);
                seen.set(Affinity.allowed());
            }

            @Override
            public void stopping(int index) {
                mask.stopping(index);
            }
        };
        try (Datapath dp = Datapath.builder().pollThreads(mask.cores()).pollThreadHook(probe).build()) {
            dp.start();
            long end = System.nanoTime() + 10_000_000_000L;
            while (seen.get() == null && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
        }
        BitSet expected = new BitSet();
        expected.set(last);
        assertEquals(expected, seen.get(), "the poll thread runs on CPU " + last + " only");
        assertEquals(allowed, Affinity.allowed(), "the test thread itself is not pinned");
    }
}
