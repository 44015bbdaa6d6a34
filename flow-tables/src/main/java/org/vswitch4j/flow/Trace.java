package org.vswitch4j.flow;

import java.util.ArrayList;
import java.util.List;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * What {@code ovs-appctl ofproto/trace} tells an operator: for one packet (a flow key), every table it visited
 * and the entry it matched there (or the miss), the actions those entries applied, the datapath actions that
 * resulted and the megaflow the datapath would install for it.
 *
 * <p>A trace has no side effects: it counts nothing, learns nothing and sends nothing to the controller.
 *
 * @param flow        the key traced
 * @param steps       the tables visited, in order, with nesting depth (resubmits and groups nest)
 * @param actions     the datapath actions
 * @param megaflow    the megaflow's mask: the bits the decision read
 * @param text        all of it in the layout of {@code ofproto/trace}
 * @param finalFlow   the flow as the actions left it (registers, metadata and rewritten fields: ofproto/trace's
 *                    "Final flow")
 */
public record Trace(FlowKey flow, List<Step> steps, DatapathActions actions, FlowMask megaflow, String text,
        FlowKey finalFlow) {

    /**
     * One table visit.
     *
     * @param depth   nesting (0: the pipeline; 1: inside a resubmit or group; ...)
     * @param table   the table
     * @param entry   the entry matched, with its counters, or null for a table miss
     * @param actions what the entry's actions did, one line each
     */
    public record Step(int depth, int table, FlowStats entry, List<String> actions) {
    }

    /** Collects steps during a translation. */
    static final class Recorder {
        final List<Step> steps = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        private List<String> current = new ArrayList<>();

        void table(int depth, int table, FlowStats entry) {
            current = new ArrayList<>();
            steps.add(new Step(depth, table, entry, java.util.Collections.unmodifiableList(current)));
            String pad = "    ".repeat(depth);
            if (entry == null) {
                text.append(pad).append(table).append(". No match.\n").append(pad).append("    drop\n");
                return;
            }
            FlowMod f = entry.flow();
            String m = Ofctl.format(f.match());
            text.append(pad).append(table).append(". ").append(m.isEmpty() ? "" : m + ", ")
                    .append("priority ").append(f.priority()).append(", cookie 0x").append(Long.toHexString(f.cookie()))
                    .append('\n');
        }

        void action(int depth, Action a) {
            String line = Ofctl.formatActions(List.of(a));
            current.add(line);
            text.append("    ".repeat(depth)).append("    ").append(line).append('\n');
        }

        void note(int depth, String line) {
            current.add(line);
            text.append("    ".repeat(depth)).append("    ").append(line).append('\n');
        }
    }
}
