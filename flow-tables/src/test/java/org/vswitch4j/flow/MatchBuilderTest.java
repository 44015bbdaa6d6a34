package org.vswitch4j.flow;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.key.FlowKey;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A match built field by field: its key-layout value and mask are those of its fields however they were added
 * and removed, and a builder used again after {@code build()} never changes a match it built.
 */
class MatchBuilderTest {
    private static final long SEED = Long.getLong("vs4j.seed", ThreadLocalRandom.current().nextLong());
    /** Fields without prerequisites, of every word of the key, some masked, some 128 bits wide. */
    private static final MatchField[] FREE = {MatchField.IN_PORT, MatchField.METADATA, MatchField.ETH_DST,
        MatchField.ETH_SRC, MatchField.ETH_TYPE, MatchField.TUN_ID, MatchField.TUN_SRC, MatchField.TUN_DST,
        MatchField.REG0, MatchField.REG1, MatchField.REG7, MatchField.REG15, MatchField.XREG3};

    @Test
    void valueAndMaskAreThoseOfTheFieldsLeftAfterRandomAddsAndRemoves() {
        Random r = new Random(SEED);
        for (int c = 0; c < 2_000; c++) {
            Match.Builder b = Match.builder();
            Map<MatchField, long[]> want = new EnumMap<>(MatchField.class);
            List<Match> built = new ArrayList<>();
            List<Map<MatchField, long[]>> builtWant = new ArrayList<>();
            for (int op = 0, n = 1 + r.nextInt(12); op < n; op++) {
                MatchField f = FREE[r.nextInt(FREE.length)];
                if (r.nextInt(4) == 0) {
                    b.remove(f);
                    want.remove(f);
                } else if (!want.containsKey(f)) {
                    long m = f.maskable() && r.nextBoolean() ? r.nextLong() & f.widthMaskLow() : f.widthMaskLow();
                    long v = r.nextLong() & m;
                    if (m != 0) {
                        b.masked(f, v, m);
                        want.put(f, new long[] {v, m});
                    }
                }
                if (r.nextInt(3) == 0) { // build midway, then keep changing the builder
                    built.add(b.build());
                    builtWant.add(new EnumMap<>(want));
                }
            }
            built.add(b.build());
            builtWant.add(new EnumMap<>(want));
            for (int i = 0; i < built.size(); i++) {
                Match m = built.get(i);
                Map<MatchField, long[]> w = builtWant.get(i);
                long[] value = new long[FlowKey.WORDS];
                long[] mask = new long[FlowKey.WORDS];
                for (Map.Entry<MatchField, long[]> e : w.entrySet()) {
                    e.getKey().write(value, 0, e.getValue()[0], 0, e.getValue()[1]);
                    e.getKey().orMask(mask, 0, e.getValue()[1]);
                }
                String why = "case " + c + ", match " + i + " of " + built.size() + " [seed " + SEED
                        + "; replay with -Dvs4j.seed=" + SEED + "]";
                assertEquals(w.keySet(), m.fields().keySet(), why);
                assertArrayEquals(mask, m.maskWords(), why);
                assertArrayEquals(value, m.valueWords(), why);
            }
        }
    }
}
