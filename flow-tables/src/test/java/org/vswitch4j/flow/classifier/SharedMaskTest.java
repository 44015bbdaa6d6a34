package org.vswitch4j.flow.classifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

/**
 * Rules that share mask arrays (as matches do) and declare themselves well-formed: the classifier finds a mask's
 * subtable by the array's identity and skips checking the words. Random inserts, removes and gc passes on such a
 * classifier and on one whose rules each own a copy (checked, found by content) give the same lookups, consulted
 * bits and exact finds; and an array whose rule was freed, then reused for another mask, names its new mask,
 * not the old one.
 */
class SharedMaskTest {
    /** A rule holding the arrays it is given (no copy). */
    record Shared(String name, long[] value, long[] mask, int priority, boolean wellFormed)
            implements Classifier.Rule {
    }

    static LongStream seeds() {
        return LongStream.range(0, 30).map(i -> Seeds.BASE + i * 0x9E37_79B9_7F4A_7C15L);
    }

    private static long[] mask(SplittableRandom r) {
        long[] m = new long[FlowKey.WORDS];
        m[FlowKey.W_IN_PORT] = r.nextBoolean() ? 0xffff_ffffL : 0;
        m[FlowKey.W_ETH_TYPE] = 0xffff;
        int plen = 8 * (1 + r.nextInt(4));
        m[FlowKey.W_NW] = (-1L << (64 - plen)) | (r.nextBoolean() ? 0xffff_ff00L : 0);
        m[FlowKey.W_TP] = r.nextBoolean() ? 0xffffL << 32 : 0;
        return m;
    }

    private static long[] key(SplittableRandom r) {
        long[] k = new long[FlowKey.WORDS];
        k[FlowKey.W_IN_PORT] = 1 + r.nextInt(2);
        k[FlowKey.W_ETH_TYPE] = r.nextInt(8) == 0 ? 0x86dd : 0x0800;
        k[FlowKey.W_NW] = ((long) (0x0a000000 | r.nextInt(4) << 16 | r.nextInt(4) << 8 | r.nextInt(4)) << 32)
                | (0xc0000200L | r.nextInt(4));
        k[FlowKey.W_TP] = (long) (80 + r.nextInt(3)) << 32;
        return k;
    }

    private static long[] masked(long[] key, long[] mask) {
        long[] v = new long[FlowKey.WORDS];
        for (int i = 0; i < v.length; i++) {
            v[i] = key[i] & mask[i];
        }
        return v;
    }

    @ParameterizedTest(name = "case seed {0}")
    @MethodSource("seeds")
    void sharedArraysGiveWhatOwnCopiesGive(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[][] pool = new long[6][];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = mask(r);
        }
        Classifier<Shared> shared = new Classifier<>();
        Classifier<Shared> copies = new Classifier<>();
        List<Shared[]> live = new ArrayList<>();
        long version = 1;
        for (int step = 0; step < 400; step++) {
            String ctx = "step " + step + Seeds.replay(seed);
            if (live.isEmpty() || r.nextInt(3) > 0) {
                long[] m = pool[r.nextInt(pool.length)];
                long[] v = masked(key(r), m);
                int p = r.nextInt(50);
                Shared a = new Shared("r" + step, v, m, p, true);
                Shared b = new Shared("r" + step, v.clone(), m.clone(), p, false);
                if (shared.findExactWellFormed(v, m, p, version + 1) != null) {
                    continue; // one visible rule per value, mask and priority, as flow tables keep it
                }
                version++;
                shared.insert(a, version);
                copies.insert(b, version);
                live.add(new Shared[] {a, b});
            } else {
                Shared[] gone = live.remove(r.nextInt(live.size()));
                version++;
                shared.remove(gone[0], version);
                copies.remove(gone[1], version);
                if (r.nextBoolean()) {
                    shared.gc(version);
                    copies.gc(version);
                }
            }
            assertEquals(copies.subtableCount(), shared.subtableCount(), ctx);
            for (int i = 0; i < 8; i++) {
                long[] k = key(r);
                FlowKey fk = new FlowKey();
                System.arraycopy(k, 0, fk.w, 0, FlowKey.WORDS);
                FlowMask ca = new FlowMask();
                FlowMask cb = new FlowMask();
                Shared a = shared.lookup(fk, version, ca);
                Shared b = copies.lookup(fk, version, cb);
                assertEquals(b == null ? null : b.name(), a == null ? null : a.name(), ctx);
                assertArrayEquals(cb.w, ca.w, ctx + ": consulted bits differ");
            }
            for (Shared[] l : live) {
                Shared a = shared.findExactWellFormed(l[0].value(), l[0].mask(), l[0].priority(), version);
                Shared b = copies.findExact(l[1].value(), l[1].mask(), l[1].priority(), version);
                assertSame(l[0], a, ctx);
                assertSame(l[1], b, ctx);
            }
        }
    }

    @Test
    void aFreedRulesArrayReusedForAnotherMaskNamesTheNewMask() {
        Classifier<Shared> c = new Classifier<>();
        long[] x = new long[FlowKey.WORDS];
        x[FlowKey.W_IN_PORT] = 0xffff_ffffL;
        long[] reused = x.clone();
        long[] keyValue = new long[FlowKey.WORDS];
        keyValue[FlowKey.W_IN_PORT] = 1;
        Shared keeper = new Shared("keeper", keyValue.clone(), x, 10, false); // keeps the in_port subtable alive
        Shared first = new Shared("first", new long[FlowKey.WORDS], reused, 5, false); // in_port=0, last inserted
        c.insert(keeper, 1);
        c.insert(first, 2);
        c.remove(first, 3);
        c.gc(3);
        // The caller owns the freed rule's arrays again and makes them an eth_type mask.
        java.util.Arrays.fill(reused, 0);
        reused[FlowKey.W_ETH_TYPE] = 0xffff;
        long[] v = new long[FlowKey.WORDS];
        v[FlowKey.W_ETH_TYPE] = 0x0800;
        Shared second = new Shared("second", v, reused, 7, false);
        c.insert(second, 4);
        assertEquals(2, c.subtableCount(), "eth_type is a mask of its own, not in_port's");
        FlowKey ip = new FlowKey();
        ip.w[FlowKey.W_IN_PORT] = 2;
        ip.w[FlowKey.W_ETH_TYPE] = 0x0800;
        assertSame(second, c.lookup(ip, 4, new FlowMask()));
        assertSame(second, c.findExact(v, reused, 7, 4));
        assertSame(keeper, c.findExact(keyValue, x, 10, 4));
    }
}
