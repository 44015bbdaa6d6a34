package org.vswitch4j.core.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.packet.TestSeeds;

class ExactMatchCacheTest {

    private static Megaflow flow() {
        return new Megaflow(null, new FlowKey(), DatapathActions.DROP, null, new long[0], 0);
    }

    private static FlowKey key(long dst) {
        return key(dst, 0x0800);
    }

    /**
     * Keys as the parser fills them: words 8..15 may be set only with eth_type IPv6 or ARP (the cache tells
     * narrow keys from wide ones by that, see FlowParser's "narrow keys").
     */
    private static FlowKey key(long dst, int ethType) {
        FlowKey k = new FlowKey();
        k.set(FlowField.ETH_DST, dst);
        k.set(FlowField.IN_PORT, 1);
        k.set(FlowField.ETH_TYPE, ethType);
        return k;
    }

    @Test
    void aCachedKeyIsFoundAndADifferentOneIsNot() {
        ExactMatchCache c = new ExactMatchCache(16);
        FlowKey k = key(1);
        Megaflow f = flow();
        c.insert(k.w, ExactMatchCache.hash(k.w), f);
        assertSame(f, c.lookup(k.w, ExactMatchCache.hash(k.w)));
        FlowKey other = key(2);
        assertNull(c.lookup(other.w, ExactMatchCache.hash(other.w)));
    }

    @Test
    void wordsOutsideTheHashStillTakePartInTheCompare() {
        ExactMatchCache c = new ExactMatchCache(16);
        FlowKey k = key(1);
        c.insert(k.w, ExactMatchCache.hash(k.w), flow());
        FlowKey v6 = key(1);
        v6.w[FlowKey.W_ETH_TYPE] = 0x86DD;
        v6.w[FlowKey.W_IPV6_SRC] = 0x20010db8_00000000L; // word 8 is not hashed
        v6.w[FlowKey.W_ETH_TYPE] = 0x0800; // same eth_type as k, so only word 8 differs
        assertEquals(ExactMatchCache.hash(k.w), ExactMatchCache.hash(v6.w));
        v6.w[FlowKey.W_ETH_TYPE] = 0x86DD;
        assertNull(c.lookup(v6.w, ExactMatchCache.hash(v6.w)));
    }

    @Test
    void aDeadMegaflowIsAMissAndItsSlotIsReused() {
        ExactMatchCache c = new ExactMatchCache(2);
        FlowKey k = key(1);
        int h = ExactMatchCache.hash(k.w);
        Megaflow f = flow();
        c.insert(k.w, h, f);
        f.dead = true;
        assertNull(c.lookup(k.w, h));
        assertEquals(0, c.liveCount());
        Megaflow g = flow();
        c.insert(k.w, h, g);
        assertSame(g, c.lookup(k.w, h));
    }

    @Test
    void bothWaysAreUsedBeforeReplacing() {
        ExactMatchCache c = new ExactMatchCache(1024);
        int found = 0;
        int n = 600;
        Megaflow[] fs = new Megaflow[n];
        for (int i = 0; i < n; i++) {
            FlowKey k = key(i);
            fs[i] = flow();
            c.insert(k.w, ExactMatchCache.hash(k.w), fs[i]);
        }
        for (int i = 0; i < n; i++) {
            FlowKey k = key(i);
            if (c.lookup(k.w, ExactMatchCache.hash(k.w)) == fs[i]) {
                found++;
            }
        }
        // With 2 ways and a load of 0.6, nearly every key must survive (a 1-way cache would keep ~75%).
        assertEquals(true, found > n * 0.85, "found " + found + " of " + n);
    }

    /**
     * Cuckoo displacement: at 60 % load nearly every key is placed (plain replacement by a hash bit keeps ~89 %),
     * entries moved between their two slots keep their side words (a third of the keys here are wide: IPv6 with a
     * source address, or a tunnel id), and at any load a lookup answers the megaflow of that very key or nothing.
     */
    @Test
    void displacementPlacesNearlyEveryKeyAndMovesWideKeysWhole() {
        Random r = new Random(TestSeeds.base());
        int slots = 4096;
        ExactMatchCache c = new ExactMatchCache(slots);
        int n = slots + slots / 2;
        FlowKey[] ks = new FlowKey[n];
        Megaflow[] fs = new Megaflow[n];
        for (int i = 0; i < n; i++) {
            FlowKey k;
            switch (i % 3) {
                case 0 -> {
                    k = key(0x02_00_00_00_00_00L | i, 0x86DD);
                    k.w[FlowKey.W_IPV6_SRC] = 0x20010db8_00000000L;
                    k.w[FlowKey.W_IPV6_SRC + 1] = r.nextLong(); // word 9: a wide key
                }
                case 1 -> {
                    k = key(0x02_00_00_00_00_00L | i);
                    k.w[FlowKey.W_TUN_ID] = 1 + r.nextInt(1000); // a tunnel word: wide, not hashed
                }
                default -> k = key(0x02_00_00_00_00_00L | i);
            }
            ks[i] = k;
            int h = ExactMatchCache.hash(k.w);
            assertNull(c.lookup(k.w, h), "a new key is a miss" + TestSeeds.replay(0));
            fs[i] = flow();
            c.insert(k.w, h, fs[i]);
            if (i + 1 == slots * 6 / 10 || i + 1 == n) {
                int found = 0;
                for (int j = 0; j <= i; j++) {
                    Megaflow got = c.lookup(ks[j].w, ExactMatchCache.hash(ks[j].w));
                    assertTrue(got == null || got == fs[j], "key " + j + " answered another's" + TestSeeds.replay(0));
                    found += got == null ? 0 : 1;
                }
                if (i + 1 < n) {
                    assertTrue(found >= (i + 1) * 95 / 100, "at 60 % load " + found + " of " + (i + 1) + " placed"
                            + TestSeeds.replay(0));
                } else {
                    assertEquals(found, c.liveCount(), "every live slot holds a key that finds it");
                }
            }
        }
    }

    @Test
    void wideKeysAreComparedOnEveryWordAndNeverMatchANarrowEntry() {
        ExactMatchCache c = new ExactMatchCache(16);
        FlowKey narrow = key(1, 0x86DD);             // IPv6 with words 8..15 zero: stored wide all the same
        FlowKey wide = key(1, 0x86DD);
        wide.w[FlowKey.W_IPV6_SRC + 1] = 0x1;        // word 9: hashed
        FlowKey wideOther = key(1, 0x86DD);
        wideOther.w[FlowKey.W_IPV6_SRC + 1] = 0x1;
        wideOther.w[FlowKey.W_TUN_IP] = 0xc0000201L; // word 17: not hashed, only compared
        Megaflow fn = flow();
        Megaflow fw = flow();
        c.insert(wide.w, ExactMatchCache.hash(wide.w), fw);
        assertSame(fw, c.lookup(wide.w, ExactMatchCache.hash(wide.w)));
        assertNull(c.lookup(wideOther.w, ExactMatchCache.hash(wideOther.w)), "differs in word 17 only");
        assertNull(c.lookup(narrow.w, ExactMatchCache.hash(narrow.w)), "same words 0..7, differs in word 9");
        c.insert(narrow.w, ExactMatchCache.hash(narrow.w), fn);
        assertSame(fn, c.lookup(narrow.w, ExactMatchCache.hash(narrow.w)));
        assertSame(fw, c.lookup(wide.w, ExactMatchCache.hash(wide.w)), "both live side by side");
        // Tunnel words make any key wide: a probe that agrees on words 0..7 with a narrow IPv4 entry and hashes
        // alike (word 16 is not hashed) must miss, and one equal in every word must hit.
        FlowKey v4 = key(1);
        Megaflow f4 = flow();
        c.insert(v4.w, ExactMatchCache.hash(v4.w), f4);
        FlowKey tunnelled = key(1);
        tunnelled.w[FlowKey.W_TUN_ID] = 42;
        assertEquals(ExactMatchCache.hash(v4.w), ExactMatchCache.hash(tunnelled.w));
        assertNull(c.lookup(tunnelled.w, ExactMatchCache.hash(tunnelled.w)), "wide probe, narrow entry");
        assertSame(f4, c.lookup(v4.w, ExactMatchCache.hash(v4.w)));
        // An ARP entry with its sender hardware address (word 12, not hashed) is compared on it.
        FlowKey arp = key(1, 0x0806);
        arp.w[FlowKey.W_ARP_SHA] = 0x02_00_00_00_00_09L;
        c.insert(arp.w, ExactMatchCache.hash(arp.w), flow());
        FlowKey arpOther = key(1, 0x0806);
        arpOther.w[FlowKey.W_ARP_SHA] = 0x02_00_00_00_00_0aL;
        assertNull(c.lookup(arpOther.w, ExactMatchCache.hash(arpOther.w)), "ARP keys differing in word 12");
    }

    @Test
    void keysThatDifferOnlyInAQuietWordStillSpreadOverTheCache() {
        // in_port, eth_type, VLANs and the IP TTL/TOS/proto word share one product in the hash: flows that differ
        // only there (one flow per VLAN on a trunk, the same flow from many ports) must still spread.
        String[] words = {"in_port", "vlan", "ip"};
        for (String which : words) {
            ExactMatchCache c = new ExactMatchCache(1024);
            int n = 600;
            Megaflow[] fs = new Megaflow[n];
            FlowKey[] ks = new FlowKey[n];
            for (int i = 0; i < n; i++) {
                FlowKey k = key(7);
                switch (which) {
                    case "in_port" -> k.w[FlowKey.W_IN_PORT] = 1 + i;
                    case "vlan" -> k.w[FlowKey.W_VLAN] = (0x8100L << 48) | ((long) (1 + i) << 32);
                    default -> k.w[FlowKey.W_IP] = (64L << 16) | i;
                }
                ks[i] = k;
                fs[i] = flow();
                c.insert(k.w, ExactMatchCache.hash(k.w), fs[i]);
            }
            int found = 0;
            for (int i = 0; i < n; i++) {
                if (c.lookup(ks[i].w, ExactMatchCache.hash(ks[i].w)) == fs[i]) {
                    found++;
                }
            }
            assertEquals(true, found > n * 0.85, which + ": found " + found + " of " + n);
        }
    }
}
