package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

/**
 * Random pipelines (two tables, masks on in_port, eth_type, ip_proto, the IPv4 addresses, tp_dst and reg0,
 * goto, resubmit, load, set-field, outputs), random packets: (1) with one table and distinct priorities, the
 * pipeline's output equals a linear scan's highest-priority match; (2) for every traced packet, every key that
 * agrees with it on the megaflow mask gets the same datapath actions, which is what makes a megaflow safe to
 * cache. Replay a failure with -Dvs4j.seed=N.
 */
class MegaflowSoundnessTest {
    static Stream<Long> seeds() {
        String s = System.getProperty("vs4j.seed");
        if (s != null && !s.isBlank()) {
            return Stream.of(Long.parseLong(s));
        }
        long base = System.nanoTime();
        return LongStream.range(0, 40).mapToObj(i -> base + i * 0x9e3779b97f4a7c15L);
    }

    static final int[] ADDRS = {0xc0000201, 0xc0000202, 0xc0000281, 0xc6336401, 0xcb007101};

    static Match randomMatch(Random rnd) {
        Match.Builder b = Match.builder();
        if (rnd.nextInt(3) == 0) {
            b.exact(MatchField.IN_PORT, 1 + rnd.nextInt(3));
        }
        if (rnd.nextInt(3) > 0) {
            b.exact(MatchField.ETH_TYPE, 0x0800);
            if (rnd.nextInt(2) == 0) {
                int plen = new int[] {8, 16, 24, 25, 32}[rnd.nextInt(5)];
                long m = (0xffffffffL << (32 - plen)) & 0xffffffffL;
                b.masked(MatchField.IPV4_DST, ADDRS[rnd.nextInt(ADDRS.length)] & m & 0xffffffffL, m);
            }
            if (rnd.nextInt(3) == 0) {
                b.masked(MatchField.IPV4_SRC, ADDRS[rnd.nextInt(ADDRS.length)] & 0xffffff00L, 0xffffff00L);
            }
            if (rnd.nextInt(2) == 0) {
                int proto = rnd.nextBoolean() ? 6 : 17;
                b.exact(MatchField.IP_PROTO, proto);
                if (rnd.nextBoolean()) {
                    b.exact(proto == 6 ? MatchField.TCP_DST : MatchField.UDP_DST, new int[] {53, 80, 443}[rnd.nextInt(3)]);
                }
            }
        }
        return b.build();
    }

    static FlowKey randomKey(Random rnd) {
        FlowKey k = new FlowKey();
        k.inPort(1 + rnd.nextInt(3));
        k.w[FlowKey.W_ETH_SRC] = 0x020000000000L | rnd.nextInt(4);
        k.w[FlowKey.W_ETH_DST] = 0x020000000000L | rnd.nextInt(4);
        boolean ip = rnd.nextInt(4) > 0;
        k.w[FlowKey.W_ETH_TYPE] = ip ? 0x0800 : 0x0806;
        if (ip) {
            long src = ADDRS[rnd.nextInt(ADDRS.length)] & 0xffffffffL ^ rnd.nextInt(4);
            long dst = ADDRS[rnd.nextInt(ADDRS.length)] & 0xffffffffL ^ rnd.nextInt(4);
            k.w[FlowKey.W_NW] = src << 32 | dst;
            int proto = rnd.nextBoolean() ? 6 : 17;
            k.w[FlowKey.W_IP] = 64L << 16 | proto;
            k.w[FlowKey.W_TP] = (long) (1024 + rnd.nextInt(4)) << 48 | (long) new int[] {53, 80, 443, 8080}[rnd.nextInt(4)] << 32;
        }
        return k;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void oneTableAgreesWithALinearScan(long seed) {
        Random rnd = new Random(seed);
        try (Rig r = new Rig(4)) {
            List<FlowMod> rules = new ArrayList<>();
            List<Integer> prios = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                prios.add(i * 7 + 1);
            }
            java.util.Collections.shuffle(prios, rnd);
            for (int i = 0; i < 30; i++) {
                FlowMod f = FlowMod.add(0, prios.get(i), randomMatch(rnd),
                        Instructions.apply(Action.Output.to(1 + rnd.nextInt(4))));
                r.of.apply(f);
                rules.add(f);
                if (rnd.nextInt(5) == 0) {
                    FlowMod gone = rules.remove(rnd.nextInt(rules.size()));
                    r.of.apply(gone.withCommand(FlowMod.Command.DELETE_STRICT));
                }
            }
            for (int i = 0; i < 200; i++) {
                FlowKey k = randomKey(rnd);
                FlowMod best = null;
                for (FlowMod f : rules) {
                    if (f.match().matches(k) && (best == null || f.priority() > best.priority())) {
                        best = f;
                    }
                }
                Trace t = r.of.trace(k);
                String want = "[]";
                if (best != null) {
                    long port = ((Action.Output) best.instructions().applyActions().get(0)).port();
                    want = port == k.inPort() ? "[]" : "[" + port + "]";
                }
                assertEquals(want, t.actions().actions().toString(), "seed " + seed + " key " + k + "\n" + t.text());
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void keysThatAgreeOnTheMegaflowMaskGetTheSameActions(long seed) {
        Random rnd = new Random(seed);
        try (Rig r = new Rig(4)) {
            for (int i = 0; i < 25; i++) {
                int table = rnd.nextInt(2);
                List<Action> acts = new ArrayList<>();
                int kind = rnd.nextInt(6);
                if (kind == 0) {
                    acts.add(Action.Load.of(FieldRef.of(MatchField.REG0, 0, 7), rnd.nextInt(4)));
                }
                if (kind == 1 && table == 0) {
                    acts.add(new Action.Resubmit(OfPort.IN_PORT, 1));
                }
                if (kind == 2) {
                    acts.add(Action.SetField.of(MatchField.ETH_DST, 0x020000000077L));
                }
                acts.add(Action.Output.to(1 + rnd.nextInt(4)));
                Match m = randomMatch(rnd);
                if (table == 1 && rnd.nextBoolean()) {
                    m = Match.Builder.from(m).exact(MatchField.REG0, rnd.nextInt(4)).build();
                }
                Instructions in = Instructions.apply(acts);
                if (table == 0 && kind == 3) {
                    in = in.withGoto(1);
                }
                r.of.apply(FlowMod.add(table, rnd.nextInt(100), m, in));
            }
            for (int i = 0; i < 100; i++) {
                FlowKey k = randomKey(rnd);
                Trace t = r.of.trace(k);
                DatapathActions acts = t.actions();
                for (int j = 0; j < 10; j++) {
                    FlowKey other = sameUnderMask(k, t.megaflow(), randomKey(rnd));
                    assertEquals(acts, r.of.trace(other).actions(), "seed " + seed + ": " + k + " and " + other
                            + " agree on " + t.megaflow() + "\n" + t.text());
                }
            }
        }
    }

    /** {@code other} with the bits {@code mask} covers taken from {@code k}: a key the same megaflow must match. */
    static FlowKey sameUnderMask(FlowKey k, FlowMask mask, FlowKey other) {
        for (int w = 0; w < FlowKey.WORDS; w++) {
            other.w[w] = (k.w[w] & mask.w[w]) | (other.w[w] & ~mask.w[w]);
        }
        return other;
    }
}
