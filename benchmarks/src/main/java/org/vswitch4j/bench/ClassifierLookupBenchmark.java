package org.vswitch4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.flow.classifier.Classifier;

/**
 * One classifier lookup (with the consulted mask cleared first, as the pipeline does per table) over the
 * table of {@link ClassifierRules}: 20 distinct masks, {@code rules} rules spread evenly over them. The keys
 * (16,384, visited in turn) hit 85 % of the time, each its own random rule; a hit in band k (0..19) probes
 * k + 1 subtables, a miss all 20, the same at every table size (the setup prints the hit rate and the mean
 * band of a hit to show it). Lookup cost should depend on the masks, not the rules: compare the rows of one
 * run. Run with {@code -prof gc} for B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--sun-misc-unsafe-memory-access=allow",
    "--enable-native-access=ALL-UNNAMED"})
public class ClassifierLookupBenchmark {
    private static final int KEYS = 16_384;

    @Param({"1000", "10000", "100000", "1000000"})
    public int rules;

    /** Prefix tries on the IP addresses (the default), or none: what the narrower miss masks cost. */
    @Param({"true", "false"})
    public boolean prefixTracking;

    private Classifier<ClassifierRules.Rule> classifier;
    private final FlowKey[] keys = new FlowKey[KEYS];
    private final FlowMask consulted = new FlowMask();
    private int next;

    @Setup
    public void setUp() {
        ClassifierRules gen = new ClassifierRules(42);
        classifier = ClassifierRules.classifier(prefixTracking);
        ClassifierRules.Rule[] all = new ClassifierRules.Rule[rules];
        for (int i = 0; i < rules; i++) {
            all[i] = gen.rule(i);
            classifier.insert(all[i], 1);
        }
        int hits = 0;
        long bands = 0;
        for (int i = 0; i < KEYS; i++) {
            keys[i] = gen.random().nextInt(100) < 85 ? gen.keyFor(all[gen.random().nextInt(rules)]) : gen.packet();
            ClassifierRules.Rule hit = classifier.lookup(keys[i], 1, new FlowMask());
            if (hit != null) {
                hits++;
                bands += (20_000 - hit.priority()) / 1_000;
            }
        }
        System.out.printf("%n%d rules, %d subtables, hit rate %.1f %%, mean band of a hit %.1f%n", rules,
                classifier.subtableCount(), 100.0 * hits / KEYS, hits == 0 ? 0 : (double) bands / hits);
    }

    @Benchmark
    public ClassifierRules.Rule lookup() {
        FlowKey k = keys[next++ & (KEYS - 1)];
        consulted.clear();
        return classifier.lookup(k, 1, consulted);
    }
}
