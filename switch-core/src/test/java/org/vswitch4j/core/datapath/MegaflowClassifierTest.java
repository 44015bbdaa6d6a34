package org.vswitch4j.core.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

/**
 * The megaflow classifier against a linear scan. Megaflows come from a random decision tree that
 * un-wildcards every bit it tests (as a correct pipeline does), so they never overlap; packets are random
 * keys over small value sets, so that they often agree on masks. Inserts (on miss) and removes interleave.
 * Replay a failure with {@code -Dvs4j.seed=<seed>}.
 */
class MegaflowClassifierTest {

    static LongStream seeds() {
        String s = System.getProperty("vs4j.seed");
        if (s != null && !s.isBlank()) {
            return LongStream.of(Long.parseLong(s.trim()));
        }
        Random r = new Random();
        return LongStream.concat(LongStream.of(0, 1, 42), LongStream.generate(r::nextLong).limit(5));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void classifierAgreesWithLinearScanUnderInsertsAndRemoves(long seed) {
        System.out.println("MegaflowClassifierTest seed " + seed);
        Random rnd = new Random(seed);
        Node tree = Node.random(rnd, 0);
        MegaflowClassifier cls = new MegaflowClassifier();
        List<Megaflow> reference = new ArrayList<>();
        FlowKey k = new FlowKey();
        FlowMask m = new FlowMask();
        for (int step = 0; step < 4000; step++) {
            randomKey(rnd, k);
            Megaflow expected = null;
            for (Megaflow f : reference) {
                if (matches(f, k.w)) {
                    assertNull(expected, "seed " + seed + ": two reference megaflows match " + k);
                    expected = f;
                }
            }
            Megaflow got = cls.lookup(k.w);
            assertSame(expected, got, "seed " + seed + " step " + step + ": key " + k);
            m.clear();
            int leaf = tree.decide(k, m);
            if (got == null) {
                Subtable t = cls.subtableFor(m.w);
                Megaflow f = new Megaflow(t, k.copy(),
                        DatapathActions.builder().output(leaf).build(), null, new long[0], 0);
                cls.insert(f, k.w);
                reference.add(f);
                assertSame(f, cls.lookup(k.w), "seed " + seed + ": just inserted");
            } else {
                assertEquals(leaf, ((DatapathAction.Output) got.actions.get(0)).port(),
                        "seed " + seed + ": megaflow's decision differs from the tree's for " + k);
            }
            if (rnd.nextInt(5) == 0 && !reference.isEmpty()) {
                Megaflow victim = reference.remove(rnd.nextInt(reference.size()));
                cls.remove(victim);
                assertTrue(victim.dead);
            }
            if (step % 500 == 0) {
                cls.rank();
            }
            if (rnd.nextInt(700) == 0) { // a flush: the subtables are kept as spares, and must come back empty
                assertEquals(reference.size(), cls.clear(), "seed " + seed);
                for (Megaflow f : reference) {
                    assertTrue(f.dead, "seed " + seed + ": a flushed megaflow is dead");
                }
                reference.clear();
            }
            assertEquals(reference.size(), cls.size(), "seed " + seed);
        }
        int masks = (int) reference.stream().map(f -> java.util.Arrays.toString(f.subtable.mask)).distinct().count();
        assertEquals(masks, cls.subtableCount(), "seed " + seed + ": one subtable per distinct live mask");
    }

    @Test
    void rankingPutsTheMostHitSubtableFirst() {
        MegaflowClassifier cls = new MegaflowClassifier();
        FlowKey a = new FlowKey();
        a.set(FlowField.ETH_DST, 1);
        FlowMask ma = new FlowMask().exact(FlowField.ETH_DST);
        FlowKey b = new FlowKey();
        b.set(FlowField.ETH_TYPE, 0x0800);
        FlowMask mb = new FlowMask().exact(FlowField.ETH_TYPE);
        Megaflow fa = flow(cls, a, ma);
        Megaflow fb = flow(cls, b, mb);
        assertSame(fa.subtable, cls.subtable(0));
        for (int i = 0; i < 10; i++) {
            assertSame(fb, cls.lookup(b.w));
        }
        cls.rank();
        assertSame(fb.subtable, cls.subtable(0));
        assertSame(fa, cls.lookup(a.w));
    }

    /**
     * Inserts take no lock, so a dump on another thread (holding the lock, as {@code Datapath.dumpFlows} does) runs
     * while the list grows: every entry it reads must be a whole, listed megaflow, and the count never shrinks.
     */
    @Test
    void aDumpDuringInsertsSeesOnlyInsertedMegaflows() throws Exception {
        MegaflowClassifier cls = new MegaflowClassifier();
        FlowMask m = new FlowMask().exact(FlowField.ETH_DST);
        int total = 50_000;
        var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread dumper = new Thread(() -> {
            int last = 0;
            try {
                while (!done.get()) {
                    cls.lock.lock();
                    try {
                        int n = cls.dumpSize();
                        assertTrue(n >= last, "the count went from " + last + " to " + n);
                        last = n;
                        for (int i = 0; i < n; i++) {
                            Megaflow f = cls.dumpGet(i);
                            assertTrue(f != null && f.subtable != null && f.actions != null, "entry " + i + " of " + n);
                            assertTrue(f.maskedKey()[FlowKey.W_ETH_DST] != 0, "entry " + i + ": its key");
                        }
                    } finally {
                        cls.lock.unlock();
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        dumper.start();
        for (int i = 0; i < total; i++) {
            FlowKey k = new FlowKey();
            k.set(FlowField.ETH_DST, i + 1L);
            flow(cls, k, m);
        }
        done.set(true);
        dumper.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(total, cls.dumpSize());
    }

    @Test
    void removingEveryEntryOfAClusterKeepsTheRestFindable() {
        // Many keys in one subtable force probe clusters; removing in random order exercises backward shift.
        MegaflowClassifier cls = new MegaflowClassifier();
        FlowMask m = new FlowMask().exact(FlowField.ETH_DST);
        List<Megaflow> flows = new ArrayList<>();
        List<FlowKey> keys = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            FlowKey k = new FlowKey();
            k.set(FlowField.ETH_DST, i * 7919L);
            keys.add(k);
            flows.add(flow(cls, k, m));
        }
        Random r = new Random(7);
        while (!flows.isEmpty()) {
            int i = r.nextInt(flows.size());
            cls.remove(flows.remove(i));
            keys.remove(i);
            for (int j = 0; j < flows.size(); j++) {
                assertSame(flows.get(j), cls.lookup(keys.get(j).w));
            }
        }
        assertEquals(0, cls.subtableCount());
    }

    @Test
    void aSubtableReusedAfterAFlushHoldsNothingOfBefore() {
        MegaflowClassifier cls = new MegaflowClassifier();
        FlowMask m = new FlowMask().exact(FlowField.ETH_DST);
        List<FlowKey> keys = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            FlowKey k = new FlowKey();
            k.set(FlowField.ETH_DST, i * 104729L + 1);
            keys.add(k);
            flow(cls, k, m);
        }
        Subtable before = cls.subtable(0);
        assertEquals(1000, cls.clear());
        assertEquals(0, cls.subtableCount());
        for (FlowKey k : keys) {
            assertNull(cls.lookup(k.w), "flushed");
        }
        // The same mask comes back: its subtable (and capacity) is reused, empty.
        Megaflow f = flow(cls, keys.get(3), m);
        assertSame(before, f.subtable, "the spare subtable of this mask is reused");
        assertEquals(1, f.subtable.size());
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(i == 3 ? f : null, cls.lookup(keys.get(i).w), "key " + i);
        }
        assertEquals(1, before.hits, "the hit count restarted with the reuse: one hit since");
        // A mask that was not there before gets a new subtable; removal still works in the reused one.
        FlowKey other = new FlowKey();
        other.set(FlowField.ETH_SRC, 5);
        Megaflow g = flow(cls, other, new FlowMask().exact(FlowField.ETH_SRC));
        assertTrue(g.subtable != before);
        cls.remove(f);
        assertNull(cls.lookup(keys.get(3).w));
        assertSame(g, cls.lookup(other.w));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aPackedUpcallKeyUnpacksToEveryWordOfTheKey(long seed) {
        System.out.println("MegaflowClassifierTest pack seed " + seed);
        Random rnd = new Random(seed);
        FlowKey into = new FlowKey();
        for (int c = 0; c < 2000; c++) {
            FlowKey k = new FlowKey();
            int density = rnd.nextInt(FlowKey.WORDS + 1);
            int last = -1;
            for (int i = 0; i < FlowKey.WORDS; i++) {
                if (rnd.nextInt(FlowKey.WORDS) < density) {
                    long v = switch (rnd.nextInt(3)) {
                        case 0 -> 1L << rnd.nextInt(64);
                        case 1 -> -1L;
                        default -> rnd.nextLong();
                    };
                    k.w[i] = v;
                    last = v != 0 ? i : last;
                }
            }
            long[] packed = Megaflow.pack(k.w);
            assertEquals(last + 1, packed.length, "seed " + seed + ": the words up to the last non-zero one");
            java.util.Arrays.fill(into.w, c); // garbage in the target: every word must be written
            Megaflow.unpack(packed, into.w);
            org.junit.jupiter.api.Assertions.assertArrayEquals(k.w, into.w, "seed " + seed + " case " + c);
            Megaflow f = new Megaflow(null, k, DatapathActions.DROP, null, new long[0], 0);
            FlowKey back = new FlowKey();
            f.upcallKey(back);
            org.junit.jupiter.api.Assertions.assertArrayEquals(k.w, back.w, "seed " + seed + " case " + c);
        }
    }

    @Test
    void aMegaflowKeepsItsUpcallKeyWhenTheCallerReusesItsKey() {
        FlowKey k = new FlowKey();
        k.set(FlowField.ETH_DST, 77);
        k.set(FlowField.IPV4_DST, 0x0a000001L);
        FlowKey expected = k.copy();
        Megaflow f = new Megaflow(null, k, DatapathActions.DROP, null, new long[0], 0);
        k.clear(); // the worker's scratch key is overwritten by the next packet
        k.set(FlowField.ETH_SRC, 5);
        FlowKey back = new FlowKey();
        f.upcallKey(back);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected.w, back.w);
    }

    private static Megaflow flow(MegaflowClassifier cls, FlowKey k, FlowMask m) {
        Megaflow f = new Megaflow(cls.subtableFor(m.w), k.copy(),
                DatapathActions.DROP, null, new long[0], 0);
        cls.insert(f, k.w);
        return f;
    }

    private static boolean matches(Megaflow f, long[] key) {
        long[] mask = f.subtable.mask;
        long[] mk = f.maskedKey();
        for (int i = 0; i < FlowKey.WORDS; i++) {
            if ((key[i] & mask[i]) != mk[i]) {
                return false;
            }
        }
        return true;
    }

    private static final FlowField[] FIELDS = {
        FlowField.IN_PORT, FlowField.ETH_DST, FlowField.ETH_SRC, FlowField.ETH_TYPE, FlowField.VLAN0_VID,
        FlowField.IPV4_DST, FlowField.IP_PROTO, FlowField.TP_DST
    };

    private static void randomKey(Random r, FlowKey k) {
        k.clear();
        k.set(FlowField.IN_PORT, 1 + r.nextInt(3));
        k.set(FlowField.ETH_DST, r.nextInt(4));
        k.set(FlowField.ETH_SRC, r.nextInt(6));
        k.set(FlowField.ETH_TYPE, r.nextBoolean() ? 0x0800 : 0x0806);
        k.set(FlowField.VLAN0_VID, r.nextInt(3));
        k.set(FlowField.IPV4_DST, 0x0a000000L | r.nextInt(4) << 16 | r.nextInt(4));
        k.set(FlowField.IP_PROTO, r.nextBoolean() ? 6 : 17);
        k.set(FlowField.TP_DST, r.nextInt(3));
    }

    /** A random decision tree: inner nodes test (field & bits) == value, leaves name an output port. */
    private record Node(FlowField field, long bits, long value, Node yes, Node no, int leaf) {
        static Node random(Random r, int depth) {
            if (depth >= 5 || (depth > 0 && r.nextInt(4) == 0)) {
                return new Node(null, 0, 0, null, null, 1 + r.nextInt(1000));
            }
            FlowField f = FIELDS[r.nextInt(FIELDS.length)];
            long bits = f.width() >= 64 ? -1L : (1L << f.width()) - 1;
            if (f == FlowField.IPV4_DST && r.nextBoolean()) {
                bits = 0xffff0000L; // a prefix: a mask that is not the whole field
            }
            long value = switch (f) {
                case IN_PORT -> 1 + r.nextInt(3);
                case ETH_DST -> r.nextInt(4);
                case ETH_SRC -> r.nextInt(6);
                case ETH_TYPE -> r.nextBoolean() ? 0x0800 : 0x0806;
                case VLAN0_VID, TP_DST -> r.nextInt(3);
                case IP_PROTO -> r.nextBoolean() ? 6 : 17;
                default -> (0x0a000000L | r.nextInt(4) << 16 | r.nextInt(4)) & bits;
            };
            return new Node(f, bits, value & bits, random(r, depth + 1), random(r, depth + 1), 0);
        }

        int decide(FlowKey k, FlowMask m) {
            if (field == null) {
                return leaf;
            }
            m.bits(field, bits);
            return (k.get(field) & bits) == value ? yes.decide(k, m) : no.decide(k, m);
        }
    }
}
