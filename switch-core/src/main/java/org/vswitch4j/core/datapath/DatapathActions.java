package org.vswitch4j.core.datapath;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.vswitch4j.core.key.FlowField;

/**
 * An immutable list of {@link DatapathAction}s: what a megaflow does to each packet it matches. Built once
 * per upcall by the slow path; executed per packet by the fast path.
 *
 * <p>Thread-safety: immutable, shared freely.
 */
public final class DatapathActions {
    /** Drop, counted as {@link DropReason#PIPELINE}. */
    public static final DatapathActions DROP = new DatapathActions(new DatapathAction[0]);

    private final DatapathAction[] actions;

    private DatapathActions(DatapathAction[] actions) {
        this.actions = actions;
    }

    /** A builder for a new list. */
    public static Builder builder() {
        return new Builder();
    }

    /** The actions, in order. */
    public List<DatapathAction> actions() {
        return List.of(actions);
    }

    public int size() {
        return actions.length;
    }

    public DatapathAction get(int i) {
        return actions[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DatapathActions d && Arrays.equals(actions, d.actions);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(actions);
    }

    /** As Open vSwitch's {@code dpctl/dump-flows} prints actions: {@code push_vlan(...),2,3} or {@code drop}. */
    @Override
    public String toString() {
        if (actions.length == 0) {
            return "drop";
        }
        StringBuilder sb = new StringBuilder();
        for (DatapathAction a : actions) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(a);
        }
        return sb.toString();
    }

    /** Collects actions in order. Not thread-safe. */
    public static final class Builder {
        private final List<DatapathAction> list = new ArrayList<>();

        private Builder() {
        }

        public Builder output(int port) {
            return add(new DatapathAction.Output(port));
        }

        public Builder pushVlan(int tpid, int tci) {
            return add(new DatapathAction.PushVlan(tpid, tci));
        }

        public Builder popVlan() {
            return add(new DatapathAction.PopVlan());
        }

        public Builder setField(FlowField field, long value) {
            return add(new DatapathAction.SetField(field, value));
        }

        /** Sets a 128-bit field (ipv6_src, ipv6_dst, nd_target) to {@code high:low}. */
        public Builder setField(FlowField field, long high, long low) {
            return add(new DatapathAction.SetField128(field, high, low));
        }

        public Builder drop(DropReason reason) {
            return add(new DatapathAction.Drop(reason));
        }

        public Builder add(DatapathAction action) {
            list.add(java.util.Objects.requireNonNull(action, "action"));
            return this;
        }

        /** Whether nothing has been added. */
        public boolean isEmpty() {
            return list.isEmpty();
        }

        public DatapathActions build() {
            return list.isEmpty() ? DROP : new DatapathActions(list.toArray(DatapathAction[]::new));
        }
    }
}
