package org.vswitch4j.flow.classifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The prefix trie against a list of prefixes: after random inserts and removes (with duplicates), a walk
 * reports exactly the lengths of the stored prefixes that match the key, and keys that agree with it on the
 * top bits the walk reported get the same lengths; the one-length question ({@code excludes}) agrees, and
 * its bit count is enough too.
 */
class PrefixTrieTest {
    static LongStream seeds() {
        Random r = new Random(Seeds.BASE ^ 0x7472_6965L);
        return LongStream.generate(r::nextLong).limit(200);
    }

    @ParameterizedTest(name = "case {index}")
    @MethodSource("seeds")
    void walkReportsTheMatchingLengthsAndTheBitsItDependsOn(long seed) {
        Random r = new Random(seed);
        int width = r.nextBoolean() ? 32 : 128;
        PrefixTrie t = new PrefixTrie(width);
        List<long[]> stored = new ArrayList<>(); // {hi, lo, len}
        long[] base = {r.nextLong(), r.nextLong()};
        for (int op = 0; op < 300; op++) {
            if (stored.isEmpty() || r.nextInt(3) != 0) {
                int len = 1 + r.nextInt(width);
                long[] v = near(r, base, width);
                long hi = PrefixTrie.truncHi(v[0], len);
                long lo = PrefixTrie.truncLo(v[1], len);
                t.insert(v[0], v[1], len);
                stored.add(new long[] {hi, lo, len});
            } else {
                long[] p = stored.remove(r.nextInt(stored.size()));
                t.remove(p[0], p[1], (int) p[2]);
            }
            assertEquals(stored.size(), t.size());
            long[] key = near(r, base, width);
            long[] plens = new long[2];
            int check = t.lookup(key[0], key[1], plens, 0);
            assertEquals(expected(stored, key), plens[0] + "/" + plens[1], "seed " + seed + Seeds.replay(seed));
            int plen = 1 + r.nextInt(width);
            int bits = t.excludes(key[0], key[1], plen);
            assertEquals(PrefixTrie.has(plens, 0, plen), bits < 0, "excludes /" + plen + Seeds.replay(seed));
            if (bits >= 0) {
                long[] other = near(r, base, width);
                other[0] = PrefixTrie.truncHi(key[0], bits) | (other[0] & ~PrefixTrie.truncHi(-1L, bits));
                other[1] = PrefixTrie.truncLo(key[1], bits) | (other[1] & ~PrefixTrie.truncLo(-1L, bits));
                long[] p2 = new long[2];
                t.lookup(other[0], other[1], p2, 0);
                assertEquals(false, PrefixTrie.has(p2, 0, plen), "excludes /" + plen + " depends on more than its "
                        + bits + " bits" + Seeds.replay(seed));
            }
            for (int i = 0; i < 4; i++) {
                long[] other = near(r, base, width);
                other[0] = PrefixTrie.truncHi(key[0], check) | (other[0] & ~PrefixTrie.truncHi(-1L, check));
                other[1] = PrefixTrie.truncLo(key[1], check) | (other[1] & ~PrefixTrie.truncLo(-1L, check));
                long[] p2 = new long[2];
                t.lookup(other[0], other[1], p2, 0);
                assertEquals(plens[0] + "/" + plens[1], p2[0] + "/" + p2[1],
                        "walk depends on more than its " + check + " bits" + Seeds.replay(seed));
            }
        }
    }

    /**
     * The jump table changes nothing: a trie that keeps one (built after a few prefixes, dropped and rebuilt as
     * the count crosses its threshold) answers every walk and every one-length question exactly as a trie
     * without one, after random inserts and removes of prefixes short and long, clustered so that changes hit
     * the top levels (splits, splices, counts on nodes above bit 16) as well as the deep ones.
     */
    @ParameterizedTest(name = "case {index}")
    @MethodSource("seeds")
    void jumpTableAnswersAsThePlainWalk(long seed) {
        JUMP_CASES_RUN.incrementAndGet();
        Random r = new Random(seed ^ 0x6A75_6D70L);
        int width = r.nextBoolean() ? 32 : 128;
        int jumpMin = 1 + r.nextInt(40);
        PrefixTrie jumping = new PrefixTrie(width, jumpMin, 1 + r.nextInt(12), 1 + r.nextInt(12));
        PrefixTrie plain = new PrefixTrie(width, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);
        List<long[]> stored = new ArrayList<>();
        long[][] bases = new long[1 + r.nextInt(4)][];
        for (int i = 0; i < bases.length; i++) {
            bases[i] = new long[] {r.nextLong(), r.nextLong()};
        }
        boolean built = false;
        int subs = 0;
        for (int op = 0; op < 400; op++) {
            boolean shrink = op % 200 >= 140; // a phase of removals drops the table again
            if (stored.isEmpty() || (!shrink && r.nextInt(4) != 0)) {
                int len = r.nextInt(3) == 0 ? 1 + r.nextInt(Math.min(width, 20)) : 1 + r.nextInt(width);
                long[] v = near(r, bases[r.nextInt(bases.length)], width);
                jumping.insert(v[0], v[1], len);
                plain.insert(v[0], v[1], len);
                stored.add(new long[] {v[0], v[1], len});
            } else {
                long[] p = stored.remove(r.nextInt(stored.size()));
                jumping.remove(p[0], p[1], (int) p[2]);
                plain.remove(p[0], p[1], (int) p[2]);
            }
            built |= jumping.hasJumpTable();
            subs = Math.max(subs, jumping.subTables());
            if (!jumping.hasJumpTable() && jumping.subTables() > 0) {
                SMALL_TABLES_SEEN.incrementAndGet();
            }
            // The entries as a fresh walk computes them, not only those these keys happen to read: at the end of
            // each growing phase all of them, else the node tables, and top entries near the bases (where the
            // changes are) and at random.
            int[] tops = null;
            if (op % 200 != 139 && op != 399) {
                tops = new int[64];
                for (int i = 0; i < tops.length; i++) {
                    tops[i] = i < 32 ? (int) (near(r, bases[r.nextInt(bases.length)], width)[0] >>> 48) : r.nextInt();
                }
            }
            // A refill from any key (not only from a change's path) must leave every entry as it was.
            long[] around = near(r, bases[r.nextInt(bases.length)], width);
            jumping.refillAround(around[0], r.nextInt(PrefixTrie.JUMP_BITS + 1));
            String diff = jumping.checkJumpTables(tops);
            assertEquals(null, diff, "jump entry after op " + op + Seeds.replay(seed));
            for (int i = 0; i < 6; i++) {
                long[] key = near(r, bases[r.nextInt(bases.length)], width);
                long[] a = new long[2];
                long[] b = new long[2];
                int ca = jumping.lookup(key[0], key[1], a, 0);
                int cb = plain.lookup(key[0], key[1], b, 0);
                String at = " after op " + op + " (" + stored.size() + " prefixes, jump table "
                        + jumping.hasJumpTable() + ")" + Seeds.replay(seed);
                assertEquals(b[0] + "/" + b[1] + " check " + cb, a[0] + "/" + a[1] + " check " + ca, "walk" + at);
                int plen = 1 + r.nextInt(width);
                int ex = plain.excludes(key[0], key[1], plen);
                assertEquals(ex, jumping.excludes(key[0], key[1], plen), "excludes /" + plen + at);
                int steps = r.nextInt(4);
                int within = (r.nextBoolean() ? plain : jumping).excludesWithin(key[0], key[1], plen, steps);
                assertEquals(true, within == PrefixTrie.UNKNOWN || within == ex,
                        "excludesWithin " + steps + " steps: " + within + " but excludes says " + ex + at);
            }
        }
        assertEquals(true, built, "the jump table was never built" + Seeds.replay(seed));
        SUB_TABLES_SEEN.addAndGet(subs);
    }

    /** Node jump tables built over all cases (the cases must reach them; checked once at the end). */
    private static final java.util.concurrent.atomic.AtomicInteger SUB_TABLES_SEEN =
            new java.util.concurrent.atomic.AtomicInteger();

    /** Steps after which a trie without a top table held node tables (small tries' tables), over all cases. */
    private static final java.util.concurrent.atomic.AtomicInteger SMALL_TABLES_SEEN =
            new java.util.concurrent.atomic.AtomicInteger();

    @org.junit.jupiter.api.AfterAll
    static void nodeJumpTablesWereExercised() {
        if (SUB_TABLES_SEEN.get() == 0 && JUMP_CASES_RUN.get() >= 50) {
            throw new AssertionError("no case built a node jump table: the jump-table cases test too little");
        }
        if (SMALL_TABLES_SEEN.get() == 0 && JUMP_CASES_RUN.get() >= 50) {
            throw new AssertionError("no case had a node table without a top table: small tries are not tested");
        }
    }

    private static final java.util.concurrent.atomic.AtomicInteger JUMP_CASES_RUN =
            new java.util.concurrent.atomic.AtomicInteger();

    /** A value sharing a random number of top bits with {@code base}, the rest random. */
    private static long[] near(Random r, long[] base, int width) {
        int keep = r.nextInt(width + 1);
        long hi = PrefixTrie.truncHi(base[0], keep) | (r.nextLong() & ~PrefixTrie.truncHi(-1L, keep));
        long lo = PrefixTrie.truncLo(base[1], keep) | (r.nextLong() & ~PrefixTrie.truncLo(-1L, keep));
        return new long[] {PrefixTrie.truncHi(hi, width), PrefixTrie.truncLo(lo, width)};
    }

    private static String expected(List<long[]> stored, long[] key) {
        long p0 = 0;
        long p1 = 0;
        for (long[] p : stored) {
            int len = (int) p[2];
            if (PrefixTrie.truncHi(key[0], len) == p[0] && PrefixTrie.truncLo(key[1], len) == p[1]) {
                if (len <= 64) {
                    p0 |= 1L << (len - 1);
                } else {
                    p1 |= 1L << (len - 65);
                }
            }
        }
        return p0 + "/" + p1;
    }

    /**
     * A small trie (no top table) with the default thresholds gives each dense cluster's branching node a table
     * of its own (and the root, which branches above them all), narrower where the field ends (a /25 node of /32
     * prefixes: 7 bits). A table given above one
     * replaces it (a table inside another's bits is never read); the walks stay those of a plain trie throughout,
     * and removing every prefix again leaves the walks right.
     */
    @Test
    void smallTrieTablesSitAtTheClustersAndAnswerAsThePlainWalk() {
        PrefixTrie t = new PrefixTrie(32);
        PrefixTrie plain = new PrefixTrie(32, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);
        List<long[]> stored = new ArrayList<>();
        // 192.0.0.0 + i /32 (i < 100: a /25 cluster), 208.0.i.0/24 (i < 153: a /16 cluster), 128.i.0.0/16 (i < 50).
        for (int i = 0; i < 100; i++) {
            stored.add(new long[] {(0xC000_0000L + i) << 32, 32});
        }
        for (int i = 0; i < 153; i++) {
            stored.add(new long[] {(0xD000_0000L + ((long) i << 8)) << 32, 24});
        }
        for (int i = 0; i < 50; i++) {
            stored.add(new long[] {(0x8000_0000L + ((long) i << 16)) << 32, 16});
        }
        for (long[] p : stored) {
            t.insert(p[0], 0, (int) p[1]);
            plain.insert(p[0], 0, (int) p[1]);
        }
        assertEquals(false, t.hasJumpTable());
        assertEquals(4, t.subTables(), "one table per cluster, and the root's (a branching node with them below)");
        assertEquals(null, t.checkJumpTables(null));
        Random r = new Random(5);
        sameWalks(t, plain, r, "clusters");
        // 192.0.0.128 + i /32 (i < 28): the cluster grows into a /24; its /24 node (128 prefixes) gets a table over
        // bits 24..31, which covers the /25 node's: that one goes.
        for (int i = 0; i < 28; i++) {
            t.insert((0xC000_0080L + i) << 32, 0, 32);
            plain.insert((0xC000_0080L + i) << 32, 0, 32);
            stored.add(new long[] {(0xC000_0080L + i) << 32, 32});
        }
        assertEquals(null, t.checkJumpTables(null));
        assertEquals(4, t.subTables(), "the /24 node's table replaced the /25 node's");
        sameWalks(t, plain, r, "grown");
        java.util.Collections.shuffle(stored, r);
        for (long[] p : stored) {
            t.remove(p[0], 0, (int) p[1]);
            plain.remove(p[0], 0, (int) p[1]);
            assertEquals(null, t.checkJumpTables(null));
        }
        sameWalks(t, plain, r, "emptied");
    }

    private static void sameWalks(PrefixTrie t, PrefixTrie plain, Random r, String when) {
        long[] bases = {0xC000_0000L, 0xD000_0000L, 0x8000_0000L, 0xC000_0100L};
        for (int i = 0; i < 20_000; i++) {
            long key = (bases[r.nextInt(bases.length)] + (r.nextInt() >>> r.nextInt(32))) << 32;
            long[] a = new long[2];
            long[] b = new long[2];
            int ca = t.lookup(key, 0, a, 0);
            int cb = plain.lookup(key, 0, b, 0);
            assertEquals(b[0] + " check " + cb, a[0] + " check " + ca, when + ": walk of " + Long.toHexString(key));
            int plen = 1 + r.nextInt(32);
            assertEquals(plain.excludes(key, 0, plen), t.excludes(key, 0, plen), when + ": excludes /" + plen);
        }
    }

    @Test
    void removingAPrefixThatIsNotStoredIsRefused() {
        PrefixTrie t = new PrefixTrie(32);
        t.insert(0x0A00_0000L << 32, 0, 8);
        assertThrows(IllegalStateException.class, () -> t.remove(0x0A00_0000L << 32, 0, 16));
        assertThrows(IllegalStateException.class, () -> t.remove(0x0B00_0000L << 32, 0, 8));
        t.remove(0x0A00_0000L << 32, 0, 8);
        assertThrows(IllegalStateException.class, () -> t.remove(0x0A00_0000L << 32, 0, 8));
    }
}
