package org.vswitch4j.dpdk;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import org.vswitch4j.core.datapath.PollThreadHook;
import org.vswitch4j.dpdk.internal.Affinity;

/**
 * The CPUs poll threads run on, given as Open vSwitch's {@code other_config:pmd-cpu-mask}: a hexadecimal mask,
 * one poll thread per set bit. As a {@link PollThreadHook} it pins poll thread {@code i} to the {@code i}-th CPU
 * of the mask (in increasing order) and then registers it as a DPDK lcore when DPDK runs (after pinning,
 * because DPDK records the thread's affinity at registration); when the thread stops it gives the lcore back.
 *
 * <pre>{@code
 * PmdCpuMask pmd = PmdCpuMask.parse("0x6");                   // CPUs 1 and 2
 * Switch sw = Switch.builder().pollThreads(pmd.cores()).pollThreadHook(pmd).build();
 * }</pre>
 *
 * <p>With more poll threads than CPUs in the mask, thread {@code i} goes to CPU {@code i mod cores()} (two
 * threads then share a CPU, which OVS never does: give as many threads as {@link #cores()}).
 * Thread-safety: immutable.
 */
public final class PmdCpuMask implements PollThreadHook {
    private final int[] cpus;

    private PmdCpuMask(int[] cpus) {
        this.cpus = cpus;
    }

    /**
     * Parses a mask as OVS does: hexadecimal, with or without {@code 0x} ({@code "0x6"}, {@code "6"}).
     *
     * @throws IllegalArgumentException when it is not hexadecimal, selects no CPU, or selects a CPU this process may
     *                                  not run on (the message lists the allowed ones)
     */
    public static PmdCpuMask parse(String mask) {
        String m = Objects.requireNonNull(mask, "mask").strip();
        if (m.startsWith("0x") || m.startsWith("0X")) {
            m = m.substring(2);
        }
        BigInteger v;
        try {
            v = new BigInteger(m, 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pmd-cpu-mask '" + mask + "' is not hexadecimal (for example 0x6 = CPUs 1 and 2)");
        }
        List<Integer> l = new ArrayList<>();
        for (int b = 0; b < v.bitLength(); b++) {
            if (v.testBit(b)) {
                l.add(b);
            }
        }
        return of(l.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * The mask of exactly these CPUs (sorted, duplicates removed).
     *
     * @throws IllegalArgumentException when empty or when a CPU is not one this process may run on
     */
    public static PmdCpuMask of(int... cpuIds) {
        BitSet set = new BitSet();
        for (int c : cpuIds) {
            if (c < 0 || c >= 1024) {
                throw new IllegalArgumentException("CPU " + c + " is outside 0..1023");
            }
            set.set(c);
        }
        if (set.isEmpty()) {
            throw new IllegalArgumentException("pmd-cpu-mask selects no CPU; give at least one (for example 0x2)");
        }
        BitSet allowed = Affinity.allowed();
        BitSet outside = (BitSet) set.clone();
        outside.andNot(allowed);
        if (!outside.isEmpty()) {
            throw new IllegalArgumentException("pmd-cpu-mask selects CPUs " + outside + " this process may not run on; "
                    + "allowed: " + allowed);
        }
        return new PmdCpuMask(set.stream().toArray());
    }

    /** Number of CPUs in the mask: the number of poll threads to start. */
    public int cores() {
        return cpus.length;
    }

    /** The CPUs, in increasing order. */
    public List<Integer> cpus() {
        List<Integer> l = new ArrayList<>();
        for (int c : cpus) {
            l.add(c);
        }
        return List.copyOf(l);
    }

    /** The CPU poll thread {@code index} runs on. */
    public int cpuOf(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("poll thread index " + index + " must be >= 0");
        }
        return cpus[index % cpus.length];
    }

    /** Pins the calling poll thread to its CPU, then registers it with DPDK if the EAL runs. */
    @Override
    public void started(int index) {
        BitSet one = new BitSet();
        one.set(cpuOf(index));
        Affinity.pin(one);
        if (Dpdk.current().isPresent()) {
            Dpdk.registerCurrentThread();
        }
    }

    @Override
    public void stopping(int index) {
        if (Dpdk.current().isPresent()) {
            Dpdk.unregisterCurrentThread();
        }
    }

    /** The mask in OVS's notation ({@code 0x6}). */
    @Override
    public String toString() {
        BigInteger v = BigInteger.ZERO;
        for (int c : cpus) {
            v = v.setBit(c);
        }
        return "0x" + v.toString(16);
    }
}
