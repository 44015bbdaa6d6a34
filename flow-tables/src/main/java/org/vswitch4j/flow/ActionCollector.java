package org.vswitch4j.flow;

import java.util.Arrays;
import org.vswitch4j.core.datapath.DatapathAction;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.key.FlowField;

/**
 * The datapath actions one translation emits, collected in a reusable array, and the immutable
 * {@link DatapathActions} made of them at the end.
 *
 * <p>Why not {@code DatapathActions.builder()} per translation: a builder is a new object and a new list that
 * grows from empty, and the result is another array, on every upcall. Here the scratch array is reused, an
 * {@code output:p} action is made once per port, and the list that dominates switching, exactly one output,
 * is one shared {@link DatapathActions} per port ({@link DatapathActions} is immutable and compared by value,
 * so sharing it changes nothing a datapath can see, and lets the datapath reuse its compiled form). Other
 * lists are copied out through a builder as before.
 *
 * <p>Thread-safety: none; belongs to the pipeline's {@link Xlate}, used under the slow-path lock.
 */
final class ActionCollector {
    /** Ports below this get a shared {@code output:p} action and single-output list. */
    static final int SHARED_PORTS = 4096;

    private DatapathAction[] acts = new DatapathAction[8];
    private int n;
    private DatapathAction.Output[] outputs = new DatapathAction.Output[16];
    private DatapathActions[] singles = new DatapathActions[16];

    /**
     * Forgets the previous translation's actions. The slots keep their old references until overwritten (no fill
     * per translation): at most {@code acts.length} small action objects stay reachable, which nothing reads.
     */
    void reset() {
        n = 0;
    }

    void output(int port) {
        add(outputAction(port));
    }

    void pushVlan(int tpid, int tci) {
        add(new DatapathAction.PushVlan(tpid, tci));
    }

    void popVlan() {
        add(new DatapathAction.PopVlan());
    }

    void setField(FlowField field, long value) {
        add(new DatapathAction.SetField(field, value));
    }

    /** Sets a 128-bit field (ipv6_src, ipv6_dst, nd_target) to {@code high:low}. */
    void setField(FlowField field, long high, long low) {
        add(new DatapathAction.SetField128(field, high, low));
    }

    void add(DatapathAction a) {
        if (n == acts.length) {
            acts = Arrays.copyOf(acts, n * 2);
        }
        acts[n++] = a;
    }

    /** The number of actions collected so far (a mark for {@link #cut}). */
    int size() {
        return n;
    }

    /** The actions collected since {@code mark}, as {@link #build} makes them, and forgets them. */
    DatapathActions cut(int mark) {
        DatapathActions d = build(mark);
        n = mark;
        return d;
    }

    /** The actions collected since {@link #reset}, as an immutable list (shared for drop and single outputs). */
    DatapathActions build() {
        return build(0);
    }

    private DatapathActions build(int from) {
        if (n == from) {
            return DatapathActions.DROP;
        }
        if (n == from + 1 && acts[from] instanceof DatapathAction.Output o && o.port() >= 0
                && o.port() < SHARED_PORTS) {
            int p = o.port();
            if (p >= singles.length) {
                singles = Arrays.copyOf(singles, Math.min(SHARED_PORTS, Math.max(p + 1, singles.length * 2)));
            }
            DatapathActions s = singles[p];
            if (s == null) {
                s = DatapathActions.builder().add(o).build();
                singles[p] = s;
            }
            return s;
        }
        DatapathActions.Builder b = DatapathActions.builder();
        for (int i = from; i < n; i++) {
            b.add(acts[i]);
        }
        return b.build();
    }

    private DatapathAction.Output outputAction(int port) {
        if (port < 0 || port >= SHARED_PORTS) {
            return new DatapathAction.Output(port);
        }
        if (port >= outputs.length) {
            outputs = Arrays.copyOf(outputs, Math.min(SHARED_PORTS, Math.max(port + 1, outputs.length * 2)));
        }
        DatapathAction.Output o = outputs[port];
        if (o == null) {
            o = new DatapathAction.Output(port);
            outputs[port] = o;
        }
        return o;
    }
}
