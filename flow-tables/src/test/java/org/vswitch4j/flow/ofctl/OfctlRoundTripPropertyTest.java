package org.vswitch4j.flow.ofctl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.FlowStats;
import org.vswitch4j.flow.GroupMod;
import org.vswitch4j.flow.MeterMod;
import org.vswitch4j.flow.OfPort;

/**
 * {@code parse(print(x)) == x} over random models built with the model's own builders ({@link RandomModels}):
 * flow mods of every command with every field and action kind, dump-flows lines with counters, groups and
 * meters. Each case has its own seed, printed in every failure; {@code -Dvs4j.seed=N} replays one.
 */
class OfctlRoundTripPropertyTest {
    static Stream<Long> seeds() {
        Long fixed = Long.getLong("vs4j.seed");
        if (fixed != null) {
            return Stream.of(fixed);
        }
        long base = System.nanoTime();
        return LongStream.range(0, 200).mapToObj(i -> base + i * 0x9E3779B97F4A7C15L);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aRandomFlowModPrintsAndParsesBackToItself(long seed) {
        RandomModels g = new RandomModels(new Random(seed));
        for (int i = 0; i < 20; i++) {
            FlowMod f = g.flowMod();
            String text = Ofctl.formatFlow(f);
            FlowMod back = Ofctl.parseFlow(text, f.command());
            assertEquals(f, back, "seed " + seed + " (-Dvs4j.seed=" + seed + "), text: " + text);
            assertEquals(text, Ofctl.formatFlow(back), "printing is stable, seed " + seed);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aRandomDumpFlowsLineParsesBackWithItsCounters(long seed) {
        Random r = new Random(seed);
        RandomModels g = new RandomModels(r);
        FlowMod m = g.flowMod();
        // An entry in a table: an add's fields only (no cookie mask, out_port or out_group; one table).
        FlowMod f = new FlowMod(FlowMod.Command.ADD, Math.min(m.table(), 254), m.priority(), m.match(),
                m.instructions(), r.nextLong(), 0, m.idleTimeout(), m.hardTimeout(), m.importance(), m.flags(),
                OfPort.ANY, FlowMod.ANY_GROUP);
        long duration = switch (r.nextInt(3)) {
            case 0 -> r.nextInt(1000) * 1_000_000_000L;
            case 1 -> r.nextInt(1_000_000) * 1_000_000L;
            default -> (long) (r.nextDouble() * 1e14);
        };
        FlowStats s = new FlowStats(f, duration, r.nextInt(1 << 30), r.nextLong() >>> 1, duration, duration);
        String text = Ofctl.format(s);
        FlowStats back = Ofctl.parseFlowStats(text);
        assertEquals(s, back, "seed " + seed + " (-Dvs4j.seed=" + seed + "), text: " + text);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aRandomGroupAndMeterPrintAndParseBack(long seed) {
        RandomModels g = new RandomModels(new Random(seed));
        GroupMod group = g.group();
        String gt = Ofctl.format(group);
        assertEquals(group, Ofctl.parseGroup(gt, GroupMod.Command.ADD), "seed " + seed + ", text: " + gt);
        MeterMod meter = g.meter();
        String mt = Ofctl.format(meter);
        assertEquals(meter, Ofctl.parseMeter(mt, MeterMod.Command.ADD), "seed " + seed + ", text: " + mt);
    }
}
