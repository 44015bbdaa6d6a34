package org.vswitch4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vswitch4j.flow.classifier.Classifier;

/**
 * Flow-table updates into a classifier that holds 100,000 rules over the 20 masks of {@link
 * ClassifierRules}: {@code add} inserts a batch of 10,000 new rules at the next version (the batch is
 * removed and freed again outside the measurement, so every batch meets 100,000 rules); {@code addDeleteGc}
 * inserts the batch, then removes it and frees it with {@link Classifier#gc}, the whole life of a rule.
 * Scores are rules per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(ClassifierUpdateBenchmark.BATCH)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--sun-misc-unsafe-memory-access=allow",
    "--enable-native-access=ALL-UNNAMED"})
public class ClassifierUpdateBenchmark {
    static final int BATCH = 10_000;
    static final int TABLE = 100_000;

    /** A table of 100,000 rules and a batch of new ones. */
    @State(Scope.Thread)
    public static class Table {
        /** Prefix tries on the IP addresses (the default), or none: what maintaining them costs. */
        @Param({"true", "false"})
        public boolean prefixTracking;

        Classifier<ClassifierRules.Rule> classifier;
        ClassifierRules.Rule[] batch = new ClassifierRules.Rule[BATCH];
        long version = 1;
        boolean inserted;

        @Setup
        public void setUp() {
            ClassifierRules gen = new ClassifierRules(7);
            classifier = ClassifierRules.classifier(prefixTracking);
            for (int i = 0; i < TABLE; i++) {
                classifier.insert(gen.rule(i), version);
            }
            for (int i = 0; i < BATCH; i++) {
                batch[i] = gen.rule(TABLE + i);
            }
        }

        /** Takes an inserted batch out again, unmeasured, so the next one meets the same table. */
        @TearDown(Level.Invocation)
        public void takeBatchOut() {
            if (inserted) {
                version++;
                for (ClassifierRules.Rule r : batch) {
                    classifier.remove(r, version);
                }
                classifier.gc(version);
                inserted = false;
            }
            if (classifier.size() != TABLE) {
                throw new IllegalStateException("table holds " + classifier.size() + " rules, not " + TABLE);
            }
        }
    }

    @Benchmark
    public int add(Table t) {
        long v = ++t.version;
        for (ClassifierRules.Rule r : t.batch) {
            t.classifier.insert(r, v);
        }
        t.inserted = true;
        return t.classifier.size();
    }

    @Benchmark
    public int addDeleteGc(Table t) {
        long v = ++t.version;
        Classifier<ClassifierRules.Rule> c = t.classifier;
        for (ClassifierRules.Rule r : t.batch) {
            c.insert(r, v);
        }
        long gone = ++t.version;
        for (ClassifierRules.Rule r : t.batch) {
            c.remove(r, gone);
        }
        c.gc(gone);
        return c.size();
    }
}
