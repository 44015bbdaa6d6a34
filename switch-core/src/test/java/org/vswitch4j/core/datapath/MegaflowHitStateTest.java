package org.vswitch4j.core.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.TestSeeds;

/**
 * The classifier's dense hit state ({@link MegaflowClassifier#stats}, {@link MegaflowClassifier#byId}) against a
 * reference map, under random inserts, hits, removals and flushes: every live megaflow has a row of its own that
 * holds exactly its counts, a removed one keeps its counts in its fields, and — the point of liveness by row — a
 * raw-header slot left pointing at a removed megaflow misses even after its row was handed to a new megaflow.
 */
class MegaflowHitStateTest {
    private final BufferPool pool = BufferPool.builder().count(16).strict(true).build();

    @AfterEach
    void noLeaks() {
        assertEquals(0, pool.usedCount());
        pool.close();
    }

    static LongStream seeds() {
        Random r = new Random(TestSeeds.base());
        return LongStream.generate(r::nextLong).limit(8);
    }

    /** Counts a megaflow should have: packets, bytes, last use. */
    private record Counts(long packets, long bytes, long used) {
    }

    @ParameterizedTest(name = "case {index}")
    @MethodSource("seeds")
    void rowsHoldEachMegaflowsCountsAndAStaleSlotNeverAnswersItsRowsNextOwner(long seed) {
        System.out.println("MegaflowHitStateTest seed " + seed + TestSeeds.replay(seed));
        Random r = new Random(seed);
        MegaflowClassifier cls = new MegaflowClassifier();
        RawHeaderCache raw = new RawHeaderCache(1024, cls);
        long[] mask = new long[FlowKey.WORDS];
        mask[FlowKey.W_IN_PORT] = 0xffff_ffffL;
        Subtable t = cls.subtableFor(mask);
        Map<Megaflow, Counts> ref = new IdentityHashMap<>();
        List<Megaflow> live = new ArrayList<>();
        Map<Megaflow, Integer> sportOf = new IdentityHashMap<>();
        List<Megaflow> removed = new ArrayList<>();
        int nextSport = 1;
        long now = 0;
        for (int step = 0; step < 3000; step++) {
            String at = " at step " + step + TestSeeds.replay(seed);
            now += 1 + r.nextInt(1000);
            int op = r.nextInt(100);
            if (op < 30 || live.isEmpty()) {
                long[] mk = new long[FlowKey.WORDS];
                mk[FlowKey.W_IN_PORT] = nextSport; // distinct masked keys: the subtable takes them all
                Megaflow f = new Megaflow(mk, t, new FlowKey(), DatapathActions.DROP, null, new long[0], now);
                cls.insert(f);
                int sport = nextSport++;
                assertNull(findUdp(raw, sport), "a new key misses" + at);
                raw.insert(f);
                live.add(f);
                sportOf.put(f, sport);
                ref.put(f, new Counts(0, 0, now));
            } else if (op < 80) {
                Megaflow f = live.get(r.nextInt(live.size()));
                Megaflow got = findUdp(raw, sportOf.get(f));
                if (got != null) { // the raw table may have dropped it (cuckoo), never answered another
                    assertSame(f, got, "the raw table answers the key's own megaflow" + at);
                    assertEquals(f.id, raw.hitId, "the hit names the megaflow's row" + at);
                }
                int len = 60 + r.nextInt(1400);
                f.hit(len, now);
                Counts c = ref.get(f);
                ref.put(f, new Counts(c.packets + 1, c.bytes + len, now));
            } else if (op < 98) {
                Megaflow f = live.remove(r.nextInt(live.size()));
                cls.remove(f);
                removed.add(f);
            } else {
                cls.clear();
                removed.addAll(live);
                live.clear();
            }
            Set<Integer> ids = new HashSet<>();
            for (Megaflow f : live) {
                assertTrue(f.id > 0 && ids.add(f.id), "each live megaflow has a row of its own" + at);
                assertSame(f, cls.byId[f.id], at);
                assertCounts(ref.get(f), f, at);
            }
            if (!removed.isEmpty()) {
                Megaflow f = removed.get(r.nextInt(removed.size()));
                assertEquals(0, f.id, "a removed megaflow has no row" + at);
                assertTrue(f.dead, at);
                assertCounts(ref.get(f), f, at);
                assertNull(findUdp(raw, sportOf.get(f)), "a removed megaflow's key misses, whoever has its row" + at);
            }
        }
    }

    private static void assertCounts(Counts want, Megaflow f, String at) {
        assertEquals(want.packets, f.packets(), "packets" + at);
        assertEquals(want.bytes, f.bytes(), "bytes" + at);
        assertEquals(want.used, f.usedNanos(), "last use" + at);
    }

    /** {@link RawHeaderCache#find} for a UDP frame from 192.0.2.1:{@code sport} to 192.0.2.2:53. */
    private Megaflow findUdp(RawHeaderCache c, int sport) {
        byte[] b = FrameBuilder.ethernet(1, 2).ipv4("192.0.2.1", "192.0.2.2").udp(sport, 53).padTo(64).build();
        Packet p = new Packet().bindEmpty(pool, pool.allocate());
        p.length(b.length);
        p.write(0, b, 0, b.length);
        try {
            Megaflow got = c.find(p, b.length, 1);
            assertTrue(got != null || c.loaded, "a UDP frame has the raw shape");
            return got;
        } finally {
            p.release();
        }
    }
}
