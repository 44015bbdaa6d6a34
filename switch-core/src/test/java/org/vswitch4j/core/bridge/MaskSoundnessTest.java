package org.vswitch4j.core.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vswitch4j.core.bridge.BridgeHarness.ad;
import static org.vswitch4j.core.bridge.BridgeHarness.frame;
import static org.vswitch4j.core.bridge.BridgeHarness.mac;
import static org.vswitch4j.core.bridge.BridgeHarness.q;

import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

/**
 * The megaflow mask is sound: any key that agrees with a translated key on every bit of the returned mask gets
 * the same actions (and the same tags), even with garbage in every bit the mask leaves out (outside the
 * fields too). Keys and the other keys' free bits are random; the bridge mixes every
 * VLAN mode. A failure prints the seed; replay with {@code -Dvs4j.seed=N}.
 */
class MaskSoundnessTest {
    static final long[] SRCS = {mac(0xa), mac(0xb), mac(0xc), mac(0xd), mac(0xe), 0x0100_5e00_0001L, 0xffff_ffff_ffffL};
    static final long[] DSTS = {mac(0xa), mac(0xb), mac(0xc), mac(0xd), mac(0xf), 0xffff_ffff_ffffL,
        0x0100_5e00_0001L, 0x0180_c200_0000L, 0x0100_0ccc_ccccL};
    static final int[] ETH_TYPES = {0x0800, 0x0806, 0x86dd, 0x8100, 0x88a8, 0x9100, 0x05ff};

    static LongStream seeds() {
        Long fixed = Long.getLong("vs4j.seed");
        if (fixed != null) {
            return LongStream.of(fixed);
        }
        long base = System.nanoTime();
        return LongStream.range(0, 4).map(i -> base + i * 0x9e3779b97f4a7c15L);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everyKeyMatchingTheMaskGetsTheSameDecision(long seed) {
        System.out.println("MaskSoundnessTest seed " + seed + " (replay: -Dvs4j.seed=" + seed + ")");
        Random rnd = new Random(seed);
        BridgeHarness h = new BridgeHarness();
        h.add(BridgePortConfig.access("p1", 10));
        h.add(BridgePortConfig.builder("p2").tag(10).priorityTags(PriorityTags.IF_NONZERO).build());
        h.add(BridgePortConfig.trunk("p3"));
        h.add(BridgePortConfig.trunk("p4", 10, 20));
        h.add(BridgePortConfig.builder("p5").mode(VlanMode.NATIVE_TAGGED).tag(10).trunks(20).build());
        h.add(BridgePortConfig.builder("p6").mode(VlanMode.NATIVE_UNTAGGED).tag(20).trunks(10).build());
        h.add(BridgePortConfig.builder("p7").mode(VlanMode.DOT1Q_TUNNEL).tag(10).build());
        h.add(BridgePortConfig.builder("p8").mode(VlanMode.DOT1Q_TUNNEL).tag(30).cvlans(100).build());
        h.add(BridgePortConfig.builder("p9").tag(20).priorityTags(PriorityTags.ALWAYS).build());
        h.add(BridgePortConfig.builder("p10").mode(VlanMode.NATIVE_UNTAGGED).tag(30).build());
        h.dp.operDown.add(9);
        // Some stations, learned by real upcalls.
        h.translate(frame(1, mac(0xa), mac(0xf)));
        h.translate(frame(3, mac(0xb), mac(0xf), q(0, 20), 0, 0x0800));
        h.translate(frame(7, mac(0xc), mac(0xf), q(0, 55), 0, 0x0800));
        h.translate(frame(3, mac(0xc), mac(0xf), q(0, 30), 0, 0x0800));
        h.bridge.macTable().addStatic(20, mac(0xd), 6);

        for (int i = 0; i < 1500; i++) {
            FlowKey key = randomKey(rnd);
            DatapathActions actions = h.revalidate(key);
            FlowMask mask = h.mask;
            Set<Long> tags = h.tags;
            for (int j = 0; j < 5; j++) {
                FlowKey other = new FlowKey();
                for (int w = 0; w < FlowKey.WORDS; w++) {
                    other.w[w] = (rnd.nextLong() & ~mask.w[w]) | (key.w[w] & mask.w[w]);
                }
                String why = "seed " + seed + " (replay with -Dvs4j.seed=" + seed + "): key " + key + " mask " + mask
                        + " other " + other;
                assertEquals(actions, h.revalidate(other), why);
                assertEquals(tags, h.tags, why);
                // The other key's mask may differ (which eth_type bits prove "not a TPID" depends on the value);
                // what must hold is that the decision does not.
            }
        }
    }

    private static FlowKey randomKey(Random rnd) {
        int in = 1 + rnd.nextInt(10);
        long src = SRCS[rnd.nextInt(SRCS.length)];
        long dst = DSTS[rnd.nextInt(DSTS.length)];
        int pcp = rnd.nextInt(8);
        int vlan0 = switch (rnd.nextInt(9)) {
            case 0, 1 -> 0;
            case 2 -> q(pcp, 0);
            case 3 -> q(pcp, 10);
            case 4 -> q(pcp, 20);
            case 5 -> q(pcp, 30 + 70 * rnd.nextInt(2));
            case 6 -> ad(pcp, 10 * rnd.nextInt(4));
            case 7 -> q(pcp, 4095) | (rnd.nextInt(2) << 12);
            default -> q(pcp, rnd.nextInt(4096));
        };
        int vlan1 = vlan0 != 0 && rnd.nextInt(3) == 0 ? q(rnd.nextInt(8), 100 + rnd.nextInt(2)) : 0;
        int ethType = rnd.nextInt(4) == 0 ? rnd.nextInt(0x10000) : ETH_TYPES[rnd.nextInt(ETH_TYPES.length)];
        return frame(in, src, dst, vlan0, vlan1, ethType);
    }
}
