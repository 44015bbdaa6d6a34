package org.vswitch4j.flow.classifier;

import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

/** A rule for the tests: a value, a mask, a priority and a name for failure messages. */
final class TestRule implements Classifier.Rule {
    final String name;
    final long[] value;
    final long[] mask;
    final int priority;

    TestRule(String name, long[] value, long[] mask, int priority) {
        this.name = name;
        this.mask = mask.clone();
        this.value = value.clone();
        for (int i = 0; i < FlowKey.WORDS; i++) {
            this.value[i] &= this.mask[i];
        }
        this.priority = priority;
    }

    TestRule(String name, FlowKey value, FlowMask mask, int priority) {
        this(name, value.w, mask.w, priority);
    }

    @Override
    public long[] value() {
        return value;
    }

    @Override
    public long[] mask() {
        return mask;
    }

    @Override
    public int priority() {
        return priority;
    }

    boolean matches(long[] key) {
        for (int i = 0; i < FlowKey.WORDS; i++) {
            if (((key[i] ^ value[i]) & mask[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        FlowKey v = new FlowKey();
        System.arraycopy(value, 0, v.w, 0, FlowKey.WORDS);
        FlowMask m = new FlowMask();
        System.arraycopy(mask, 0, m.w, 0, FlowKey.WORDS);
        return name + "{priority=" + priority + ", value=" + v + ", mask=" + m + "}";
    }
}
