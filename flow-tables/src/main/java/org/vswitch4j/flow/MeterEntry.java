package org.vswitch4j.flow;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.vswitch4j.core.datapath.PacketMeter;

/**
 * An OpenFlow meter as the fast path runs it: every band is a GCRA rate limiter (the "virtual scheduling" form
 * of a token bucket, RFC 2697's single-rate meter in another shape): a band keeps its theoretical arrival time;
 * a packet conforms when that time is no more than the band's burst tolerance ahead of now, and then pushes it
 * on by the packet's cost at the band's rate. One compare-and-set per band and packet, no lock, no allocation.
 * A packet that exceeds several bands is handled by the exceeded band with the highest rate, as OpenFlow says.
 *
 * <p>Thread-safety: {@link #admit} runs on every poll thread at once; configuration is immutable (a modify
 * makes a new entry). Counters are {@link LongAdder}s.
 */
final class MeterEntry implements PacketMeter {
    final MeterMod mod;
    private final long[] nanosPerUnit;     // per band: cost of one bit (kbps) or one packet (pktps), x1e3
    private final long[] toleranceNanos;   // per band, x1e3
    private final AtomicLongArray tat;     // per band: theoretical arrival time, ns x1e3
    private final int[] order;             // band indices by descending rate
    final LongAdder packetsIn = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder[] bandPackets;
    final LongAdder[] bandBytes;
    final long createdNanos;
    /** Flows whose instructions name this meter (for the meter's flow count and meter deletes). */
    int flowCount;

    MeterEntry(MeterMod mod, long now) {
        this.mod = mod;
        this.createdNanos = now;
        List<MeterMod.Band> bands = mod.bands();
        int n = bands.size();
        nanosPerUnit = new long[n];
        toleranceNanos = new long[n];
        tat = new AtomicLongArray(n);
        bandPackets = new LongAdder[n];
        bandBytes = new LongAdder[n];
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            MeterMod.Band b = bands.get(i);
            // kbps: one bit costs 1e6/rate ns; pktps: one packet costs 1e9/rate ns. Kept x1000 for precision.
            nanosPerUnit[i] = mod.kbps() ? 1_000_000_000L / b.rate() : 1_000_000_000_000L / b.rate();
            long burstUnits = mod.burst() && b.burstSize() > 0 ? b.burstSize() * (mod.kbps() ? 1000 : 1) : b.rate()
                    * (mod.kbps() ? 1000 : 1);
            toleranceNanos[i] = saturatedProduct(burstUnits, nanosPerUnit[i]);
            bandPackets[i] = new LongAdder();
            bandBytes[i] = new LongAdder();
            idx[i] = i;
            tat.set(i, now * 1000L);
        }
        java.util.Arrays.sort(idx, (a, c) -> Long.compare(bands.get(c).rate(), bands.get(a).rate()));
        order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = idx[i];
        }
    }

    @Override
    public int admit(long nowNanos, int frameBytes) {
        packetsIn.increment();
        bytesIn.add(frameBytes);
        long now = nowNanos * 1000L;
        long units = mod.kbps() ? frameBytes * 8L : 1L;
        int exceeded = -1;
        for (int k = 0; k < order.length; k++) {
            int i = order[k];
            long cost = units * nanosPerUnit[i];
            while (true) {
                long t = tat.get(i);
                long start = Math.max(t, now);
                if (start - now > toleranceNanos[i]) {
                    if (exceeded < 0) {
                        exceeded = i; // bands go by descending rate: the first exceeded is the highest
                    }
                    break;
                }
                if (tat.compareAndSet(i, t, start + cost)) {
                    break;
                }
            }
        }
        if (exceeded < 0) {
            return 0;
        }
        bandPackets[exceeded].increment();
        bandBytes[exceeded].add(frameBytes);
        MeterMod.Band b = mod.bands().get(exceeded);
        return b.type() == MeterMod.BandType.DROP ? DROP : Math.max(1, b.precLevel());
    }

    private static long saturatedProduct(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE / 4 : lo;
    }

    @Override
    public String toString() {
        return "meter:" + mod.meterId();
    }
}
