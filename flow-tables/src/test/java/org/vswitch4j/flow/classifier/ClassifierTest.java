package org.vswitch4j.flow.classifier;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The classifier's edge cases and its un-wildcarding, each stated as an operator would. */
class ClassifierTest {
    private static final long IP_10_1_0_0 = 0x0A01_0000L;
    private static final long IP_10_1_2_0 = 0x0A01_0200L;

    /** Builds rules field by field. */
    private static final class Match {
        final FlowKey value = new FlowKey();
        final FlowMask mask = new FlowMask();

        Match exact(FlowField f, long v) {
            value.set(f, v);
            mask.exact(f);
            return this;
        }

        Match prefix(FlowField f, long v, int len) {
            long m = ((1L << len) - 1) << (f.width() - len);
            value.set(f, v & m);
            mask.bits(f, m);
            return this;
        }

        TestRule rule(String name, int priority) {
            return new TestRule(name, value, mask, priority);
        }
    }

    private static Match match() {
        return new Match();
    }

    private static FlowKey key(FlowField f, long v, Object... more) {
        FlowKey k = new FlowKey();
        k.set(f, v);
        for (int i = 0; i < more.length; i += 2) {
            k.set((FlowField) more[i], ((Number) more[i + 1]).longValue());
        }
        return k;
    }

    private final Classifier<TestRule> c = new Classifier<>();

    @Test
    void emptyClassifierMissesAndConsultsNothing() {
        FlowMask m = new FlowMask();
        assertNull(c.lookup(key(FlowField.IN_PORT, 1), 0, m));
        assertEquals(new FlowMask(), m);
        assertEquals(0, c.size());
        assertEquals(0, c.subtableCount());
        assertTrue(!c.rules(0).iterator().hasNext());
    }

    @Test
    void allWildcardRuleMatchesEveryKeyAndConsultsNothing() {
        TestRule any = match().rule("any", 0);
        c.insert(any, 0);
        FlowMask m = new FlowMask();
        assertSame(any, c.lookup(key(FlowField.IN_PORT, 7, FlowField.ETH_TYPE, 0x0800), 0, m));
        assertEquals(new FlowMask(), m);
    }

    @Test
    void exactMatchRuleMatchesOnlyItsKeyAndConsultsItsFields() {
        TestRule r = match().exact(FlowField.IN_PORT, 1).exact(FlowField.ETH_TYPE, 0x0800)
                .exact(FlowField.IPV4_DST, IP_10_1_2_0 | 5).exact(FlowField.IP_PROTO, 6)
                .exact(FlowField.TP_DST, 80).rule("exact", 100);
        c.insert(r, 0);
        FlowKey hit = key(FlowField.IN_PORT, 1, FlowField.ETH_TYPE, 0x0800, FlowField.IPV4_DST, IP_10_1_2_0 | 5,
                FlowField.IP_PROTO, 6, FlowField.TP_DST, 80, FlowField.TP_SRC, 1234);
        FlowMask m = new FlowMask();
        assertSame(r, c.lookup(hit, 0, m));
        assertEquals(new FlowMask().exact(FlowField.IN_PORT).exact(FlowField.ETH_TYPE).exact(FlowField.IPV4_DST)
                .exact(FlowField.IP_PROTO).exact(FlowField.TP_DST), m);
        FlowKey miss = hit.copy();
        miss.set(FlowField.TP_DST, 81);
        assertNull(c.lookup(miss, 0, new FlowMask()));
    }

    @Test
    void sameMatchAtTwoPrioritiesGivesTheHigherThenTheLowerOnceTheHigherIsRemoved() {
        TestRule low = match().exact(FlowField.IN_PORT, 1).rule("low", 10);
        TestRule high = match().exact(FlowField.IN_PORT, 1).rule("high", 20);
        c.insert(low, 0);
        c.insert(high, 0);
        assertEquals(1, c.subtableCount());
        assertSame(high, c.lookup(key(FlowField.IN_PORT, 1), 0, new FlowMask()));
        c.remove(high, 1);
        assertSame(high, c.lookup(key(FlowField.IN_PORT, 1), 0, new FlowMask()), "old version still sees it");
        assertSame(low, c.lookup(key(FlowField.IN_PORT, 1), 1, new FlowMask()));
        assertSame(low, c.findExact(low.value, low.mask, 10, 1));
        assertNull(c.findExact(high.value, high.mask, 20, 1));
        assertSame(high, c.findExact(high.value, high.mask, 20, 0));
    }

    @Test
    void ruleRemovedThenInsertedAgainIsVisibleAgainFromItsNewVersion() {
        TestRule r = match().exact(FlowField.IN_PORT, 3).rule("r", 5);
        c.insert(r, 1);
        c.remove(r, 2);
        c.insert(r, 4);
        FlowKey k = key(FlowField.IN_PORT, 3);
        assertNull(c.lookup(k, 0, new FlowMask()));
        assertSame(r, c.lookup(k, 1, new FlowMask()));
        assertNull(c.lookup(k, 2, new FlowMask()));
        assertNull(c.lookup(k, 3, new FlowMask()));
        assertSame(r, c.lookup(k, 4, new FlowMask()));
        assertEquals(1, c.size());
        assertEquals(2, c.storedCount());
        c.gc(2);
        assertEquals(1, c.storedCount());
        assertSame(r, c.lookup(k, 4, new FlowMask()));
        c.remove(r, 5);
        assertThrows(IllegalStateException.class, () -> c.insert(r, 4), "before its removal took effect");
    }

    @Test
    void batchInsertedAtTheNextVersionBecomesVisibleAtOnce() {
        TestRule old = match().exact(FlowField.IN_PORT, 1).rule("old", 1);
        c.insert(old, 0);
        List<TestRule> batch = new ArrayList<>();
        for (int p = 1; p <= 5; p++) {
            TestRule r = match().exact(FlowField.IN_PORT, p).exact(FlowField.TP_DST, 80).rule("new" + p, 9);
            batch.add(r);
            c.insert(r, 1);
        }
        c.remove(old, 1);
        FlowKey k = key(FlowField.IN_PORT, 1, FlowField.TP_DST, 80);
        assertSame(old, c.lookup(k, 0, new FlowMask()), "version 0 sees the table before the batch");
        assertSame(batch.get(0), c.lookup(k, 1, new FlowMask()), "version 1 sees all of it");
        int v0 = 0;
        int v1 = 0;
        for (TestRule r : c.rules(0)) {
            v0++;
            assertSame(old, r);
        }
        for (TestRule r : c.rules(1)) {
            v1++;
            assertTrue(batch.contains(r));
        }
        assertEquals(1, v0);
        assertEquals(5, v1);
    }

    @Test
    void gcFreesOnlyRulesRemovedAtOrBeforeTheOldestVersionInUse() {
        TestRule a = match().exact(FlowField.IN_PORT, 1).rule("a", 1);
        TestRule b = match().exact(FlowField.ETH_TYPE, 0x0800).rule("b", 1);
        c.insert(a, 0);
        c.insert(b, 0);
        c.remove(a, 3);
        c.remove(b, 5);
        assertEquals(0, c.size());
        assertEquals(2, c.subtableCount());
        c.gc(2);
        assertEquals(2, c.storedCount());
        c.gc(3);
        assertEquals(1, c.storedCount());
        assertEquals(1, c.subtableCount(), "a's subtable is freed with its last rule");
        assertSame(b, c.lookup(key(FlowField.ETH_TYPE, 0x0800), 4, new FlowMask()));
        c.gc(10);
        assertEquals(0, c.storedCount());
        assertEquals(0, c.subtableCount());
        assertNull(c.lookup(key(FlowField.ETH_TYPE, 0x0800), 4, new FlowMask()));
    }

    @Test
    void ruleInsertedForAFutureVersionIsInvisibleBeforeIt() {
        TestRule r = match().exact(FlowField.IN_PORT, 1).rule("r", 1);
        c.insert(r, 5);
        assertNull(c.lookup(key(FlowField.IN_PORT, 1), 4, new FlowMask()));
        assertSame(r, c.lookup(key(FlowField.IN_PORT, 1), 5, new FlowMask()));
        assertEquals(1, c.size());
    }

    @Test
    void missOnInPortDoesNotUnwildcardTheLaterStages() {
        c.insert(match().exact(FlowField.IN_PORT, 1).exact(FlowField.ETH_TYPE, 0x0800)
                .exact(FlowField.IP_PROTO, 6).exact(FlowField.TP_DST, 80).rule("web", 10), 0);
        FlowMask m = new FlowMask();
        assertNull(c.lookup(key(FlowField.IN_PORT, 2, FlowField.ETH_TYPE, 0x0800, FlowField.IP_PROTO, 6,
                FlowField.TP_DST, 80), 0, m));
        assertEquals(new FlowMask().exact(FlowField.IN_PORT), m);
        // Right port, wrong protocol: metadata, L2 and L3 consulted, the ports not.
        FlowMask m2 = new FlowMask();
        assertNull(c.lookup(key(FlowField.IN_PORT, 1, FlowField.ETH_TYPE, 0x0800, FlowField.IP_PROTO, 17,
                FlowField.TP_DST, 80), 0, m2));
        assertEquals(new FlowMask().exact(FlowField.IN_PORT).exact(FlowField.ETH_TYPE).exact(FlowField.IP_PROTO), m2);
    }

    @Test
    void missOnTheL4PortUnwildcardsOnlyThePortBitsThatSeparateItFromTheRules() {
        c.insert(match().exact(FlowField.IN_PORT, 1).exact(FlowField.ETH_TYPE, 0x0800)
                .exact(FlowField.IP_PROTO, 6).exact(FlowField.TP_DST, 80).rule("web", 10), 0);
        FlowMask m = new FlowMask();
        // 443 = 0000 0001 1011 1011 leaves 80 = 0000 0000 0101 0000 at bit 7: the top 8 bits of tp_dst.
        assertNull(c.lookup(key(FlowField.IN_PORT, 1, FlowField.ETH_TYPE, 0x0800, FlowField.IP_PROTO, 6,
                FlowField.TP_DST, 443, FlowField.TP_SRC, 5555), 0, m));
        assertEquals(new FlowMask().exact(FlowField.IN_PORT).exact(FlowField.ETH_TYPE).exact(FlowField.IP_PROTO)
                .bits(FlowField.TP_DST, 0xFF00), m);
    }

    @Test
    void missBetweenPrefixesUnwildcardsOnlyTheBitsThatSeparateThem() {
        c.insert(match().prefix(FlowField.IPV4_DST, IP_10_1_0_0, 16).rule("sixteen", 10), 0);
        c.insert(match().prefix(FlowField.IPV4_DST, IP_10_1_2_0, 24).rule("twentyfour", 20), 0);
        FlowMask m = new FlowMask();
        assertNull(c.lookup(key(FlowField.IPV4_DST, 0xC000_0201L), 0, m)); // 192.0.2.1: first bit differs
        assertEquals(0x8000_0000L, m.get(FlowField.IPV4_DST));
        assertEquals(0x8000_0000L, m.w[FlowKey.W_NW], "nothing but ip_dst's first bit");

        Classifier<TestRule> plain = Classifier.builder().prefixFields().build(TestRule.class);
        plain.insert(match().prefix(FlowField.IPV4_DST, IP_10_1_0_0, 16).rule("sixteen", 10), 0);
        plain.insert(match().prefix(FlowField.IPV4_DST, IP_10_1_2_0, 24).rule("twentyfour", 20), 0);
        FlowMask wide = new FlowMask();
        assertNull(plain.lookup(key(FlowField.IPV4_DST, 0xC000_0201L), 0, wide));
        assertEquals(0xFFFF_FF00L, wide.get(FlowField.IPV4_DST), "without the trie both prefixes are read");
    }

    @Test
    void matchOnTheShorterPrefixSkipsTheLongerWithFewBits() {
        TestRule sixteen = match().prefix(FlowField.IPV4_DST, IP_10_1_0_0, 16).rule("sixteen", 10);
        c.insert(sixteen, 0);
        c.insert(match().prefix(FlowField.IPV4_DST, IP_10_1_2_0, 24).rule("twentyfour", 20), 0);
        FlowMask m = new FlowMask();
        assertSame(sixteen, c.lookup(key(FlowField.IPV4_DST, 0x0A01_0901L), 0, m)); // 10.1.9.1
        // The /24 is ruled out at bit 20 (third byte 0000 0010 vs 0000 1001), so 21 bits; the /16 reads 16.
        assertEquals(0xFFFF_F800L, m.get(FlowField.IPV4_DST));
    }

    @Test
    void higherPriorityMatchKeepsLowerSubtablesOutOfTheMask() {
        TestRule top = match().exact(FlowField.IN_PORT, 1).rule("top", 100);
        c.insert(top, 0);
        c.insert(match().exact(FlowField.TP_DST, 22).rule("ssh", 50), 0);
        FlowMask m = new FlowMask();
        assertSame(top, c.lookup(key(FlowField.IN_PORT, 1, FlowField.TP_DST, 22), 0, m));
        assertEquals(new FlowMask().exact(FlowField.IN_PORT), m);
    }

    @Test
    void equalPriorityMatchesResolveToTheFirstSubtableInTheDocumentedOrder() {
        TestRule byPort = match().exact(FlowField.IN_PORT, 1).rule("byPort", 7);
        TestRule byType = match().exact(FlowField.ETH_TYPE, 0x0800).rule("byType", 7);
        c.insert(byType, 0);
        c.insert(byPort, 0);
        // Same highest priority: the smaller mask as unsigned words from word 0 (eth_type's leaves in_port's
        // word 0 zero) ranks first.
        assertSame(byType, c.lookup(key(FlowField.IN_PORT, 1, FlowField.ETH_TYPE, 0x0800), 0, new FlowMask()));
        // A higher-priority rule elsewhere in byPort's subtable ranks that subtable first.
        TestRule port2 = match().exact(FlowField.IN_PORT, 2).rule("port2", 9);
        c.insert(port2, 0);
        assertSame(byPort, c.lookup(key(FlowField.IN_PORT, 1, FlowField.ETH_TYPE, 0x0800), 0, new FlowMask()));
        // ...until gc frees that rule: the rank counts stored rules, visible or not.
        c.remove(port2, 1);
        assertSame(byPort, c.lookup(key(FlowField.IN_PORT, 1, FlowField.ETH_TYPE, 0x0800), 1, new FlowMask()));
        c.gc(1);
        assertSame(byType, c.lookup(key(FlowField.IN_PORT, 1, FlowField.ETH_TYPE, 0x0800), 1, new FlowMask()));
    }

    @Test
    void forEachMatchVisitsMatchesInDescendingPriorityDownToTheMinimum() {
        TestRule a = match().exact(FlowField.IN_PORT, 1).rule("a", 30);
        TestRule b = match().exact(FlowField.ETH_TYPE, 0x0800).rule("b", 20);
        TestRule d = match().rule("d", 10);
        TestRule e = match().exact(FlowField.IN_PORT, 2).rule("e", 40);
        for (TestRule r : List.of(d, b, a, e)) {
            c.insert(r, 0);
        }
        FlowKey k = key(FlowField.IN_PORT, 1, FlowField.ETH_TYPE, 0x0800);
        List<TestRule> seen = new ArrayList<>();
        c.forEachMatch(k, 0, new FlowMask(), 15, seen::add);
        assertEquals(List.of(a, b), seen);
        seen.clear();
        FlowMask m = new FlowMask();
        c.forEachMatch(k, 0, m, Integer.MIN_VALUE, r -> seen.add(r) && false);
        assertEquals(List.of(a), seen, "stops when the visitor says so");
        assertEquals(new FlowMask().exact(FlowField.IN_PORT), m, "subtables after the stop are not read");
    }

    @Test
    void misuseIsRefusedWithAMessageSayingWhatIsAllowed() {
        long[] v = new long[FlowKey.WORDS];
        long[] m = new long[FlowKey.WORDS];
        v[FlowKey.W_IN_PORT] = 3;
        m[FlowKey.W_IN_PORT] = 1;
        Classifier<Classifier.Rule> raw = Classifier.builder().build();
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> raw.insert(new TestRuleRaw(v, m, 1), 0));
        assertTrue(outside.getMessage().contains("outside its mask in word 0"), outside.getMessage());
        assertThrows(IllegalArgumentException.class, () -> raw.insert(new TestRuleRaw(new long[3], new long[3], 1), 0));
        TestRule r = match().exact(FlowField.IN_PORT, 1).rule("r", 1);
        c.insert(r, 3);
        assertThrows(IllegalStateException.class, () -> c.insert(r, 4));
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class, () -> c.remove(r, 2));
        assertTrue(early.getMessage().contains("must be in 3"), early.getMessage());
        c.remove(r, 3);
        assertThrows(IllegalStateException.class, () -> c.remove(r, 4));
        assertThrows(IllegalStateException.class, () -> c.remove(match().rule("never", 1), 0));
        IllegalArgumentException field = assertThrows(IllegalArgumentException.class,
                () -> Classifier.builder().prefixFields(FlowField.TP_DST));
        assertTrue(field.getMessage().contains("allowed: ip_src, ip_dst"), field.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Classifier.builder().prefixFields(FlowField.IPV4_SRC, FlowField.ARP_SPA));
        assertThrows(IllegalArgumentException.class, () -> Classifier.builder().prefixFields(FlowField.IPV4_SRC,
                FlowField.IPV4_DST, FlowField.IPV6_SRC, FlowField.IPV6_DST, FlowField.TUN_DST));
    }

    /** A rule that does not clean its value, to test the classifier's own check. */
    private record TestRuleRaw(long[] value, long[] mask, int priority) implements Classifier.Rule {
    }
}
