package org.vswitch4j.core.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;

class ExactMatchCacheTest {

    private static Megaflow flow() {
        return new Megaflow(new long[FlowKey.WORDS], null, new FlowKey(), DatapathActions.DROP, null, new long[0], 0);
    }

    private static FlowKey key(long dst) {
        FlowKey k = new FlowKey();
        k.set(FlowField.ETH_DST, dst);
        k.set(FlowField.IN_PORT, 1);
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
        v6.w[FlowKey.W_IPV6_SRC] = 0x20010db8_00000000L; // word 8 is not hashed
        assertEquals(ExactMatchCache.hash(k.w), ExactMatchCache.hash(v6.w));
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

    @Test
    void wideKeysAreComparedOnEveryWordAndNeverMatchANarrowEntry() {
        ExactMatchCache c = new ExactMatchCache(16);
        FlowKey narrow = key(1);
        FlowKey wide = key(1);
        wide.w[FlowKey.W_IPV6_SRC + 1] = 0x1;        // word 9: hashed
        FlowKey wideOther = key(1);
        wideOther.w[FlowKey.W_IPV6_SRC + 1] = 0x1;
        wideOther.w[FlowKey.W_TUN_IP] = 0xc0000201L; // word 17: not hashed, only compared
        Megaflow fn = flow();
        Megaflow fw = flow();
        c.insert(wide.w, ExactMatchCache.hash(wide.w), fw);
        assertSame(fw, c.lookup(wide.w, ExactMatchCache.hash(wide.w)));
        assertNull(c.lookup(wideOther.w, ExactMatchCache.hash(wideOther.w)), "differs in word 17 only");
        assertNull(c.lookup(narrow.w, ExactMatchCache.hash(narrow.w)), "narrow probe, wide entry");
        c.insert(narrow.w, ExactMatchCache.hash(narrow.w), fn);
        assertSame(fn, c.lookup(narrow.w, ExactMatchCache.hash(narrow.w)));
        assertSame(fw, c.lookup(wide.w, ExactMatchCache.hash(wide.w)), "both live side by side");
        // A narrow entry and a wide probe that agree on words 0..7 and hash alike (word 12 is not hashed).
        FlowKey arp = key(1);
        arp.w[FlowKey.W_ARP_SHA] = 0x02_00_00_00_00_09L;
        assertEquals(ExactMatchCache.hash(narrow.w), ExactMatchCache.hash(arp.w));
        assertNull(c.lookup(arp.w, ExactMatchCache.hash(arp.w)), "wide probe, narrow entry");
    }
}
