package org.vswitch4j.flow;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * OpenFlow 1.3's action set (section 5.10): at most one action of each kind (one set-field per field), run when
 * the pipeline ends, in the specification's order whatever the order they were written in: pop, push,
 * dec_ttl, set-field, set_queue, then group (or, without a group, output; without either, a resubmit, which Open
 * vSwitch allows here). Group buckets are action sets too.
 *
 * <p>Thread-safety: none; belongs to one translation.
 */
final class ActionSet {
    private Action pop;
    private Action push;
    private Action decTtl;
    private Action setTtl;
    private final Map<MatchField, Action> sets = new EnumMap<>(MatchField.class);
    private final List<Action> loads = new ArrayList<>();
    private Action queue;
    private Action group;
    private Action output;
    /** resubmit, which Open vSwitch lets into an action set: run when there is neither group nor output. */
    private Action resubmit;
    /** Whether anything was written since the last {@link #clear}: most translations write nothing. */
    private boolean written;

    void clear() {
        if (!written) {
            return; // already empty: no field to null, no EnumMap or list to clear
        }
        written = false;
        if (!sets.isEmpty()) {
            sets.clear(); // EnumMap.clear fills its whole table: a cost per translation when nothing was written
        }
        pop = null;
        push = null;
        decTtl = null;
        setTtl = null;
        loads.clear();
        queue = null;
        group = null;
        output = null;
        resubmit = null;
    }

    boolean isEmpty() {
        return !written || pop == null && push == null && decTtl == null && setTtl == null && sets.isEmpty() && loads.isEmpty()
                && queue == null && group == null && output == null && resubmit == null;
    }

    /**
     * Merges {@code actions} into the set (a later action of a kind replaces an earlier one).
     *
     * @throws FlowModException {@code OFPBAC_BAD_TYPE} for an action an action set cannot hold (resubmit, learn, ...)
     */
    void write(List<Action> actions) {
        written = true;
        for (Action a : actions) {
            switch (a) {
                case Action.PopVlan _ -> pop = a;
                case Action.PushVlan _ -> push = a;
                case Action.DecTtl _ -> decTtl = a;
                case Action.SetTtl _ -> setTtl = a;
                case Action.SetField s -> sets.put(s.field(), a);
                case Action.Load _, Action.Move _ -> loads.add(a); // Open vSwitch lets these into write_actions
                case Action.SetQueue _ -> queue = a;
                case Action.Group _ -> group = a;
                case Action.Output _, Action.OutputReg _ -> output = a;
                case Action.Resubmit _ -> resubmit = a; // an Open vSwitch extension, below output and group
                case Action.Note _ -> {
                }
                default -> throw new FlowModException(OfpError.BAD_ACTION_BAD_TYPE, "an action set (write_actions, a"
                        + " group bucket) cannot hold " + a + "; it holds output, group, resubmit, set_field, load,"
                        + " move, push_vlan, pop_vlan, dec_ttl, mod_nw_ttl, set_queue");
            }
        }
    }

    /** A new action set holding what this one holds (a clone's, which starts as the packet's). */
    ActionSet copy() {
        ActionSet c = new ActionSet();
        c.pop = pop;
        c.push = push;
        c.decTtl = decTtl;
        c.setTtl = setTtl;
        c.sets.putAll(sets);
        c.loads.addAll(loads);
        c.queue = queue;
        c.group = group;
        c.output = output;
        c.resubmit = resubmit;
        c.written = written;
        return c;
    }

    /** Checks that {@code actions} fit an action set, without building one. */
    static void check(List<Action> actions) {
        new ActionSet().write(actions);
    }

    /**
     * Applies the set in the specification's order, emptying it first, as Open vSwitch's xlate_action_set does: a
     * table that the set's resubmit reaches, or a clone there, finds the set empty and cannot run it again.
     */
    void execute(Xlate x) {
        List<Action> ordered = new ArrayList<>();
        add(ordered, pop);
        add(ordered, push);
        add(ordered, decTtl);
        add(ordered, setTtl);
        ordered.addAll(sets.values());
        ordered.addAll(loads);
        add(ordered, queue);
        // The one final action, as Open vSwitch ranks them: group, else output, else resubmit.
        if (group != null) {
            ordered.add(group);
        } else if (output != null) {
            ordered.add(output);
        } else {
            add(ordered, resubmit);
        }
        clear();
        x.doActions(ordered, null);
    }

    String describe() {
        List<Action> all = new ArrayList<>();
        add(all, pop);
        add(all, push);
        add(all, decTtl);
        add(all, setTtl);
        all.addAll(sets.values());
        all.addAll(loads);
        add(all, queue);
        add(all, group);
        add(all, output);
        add(all, resubmit);
        return all.toString();
    }

    private static void add(List<Action> l, Action a) {
        if (a != null) {
            l.add(a);
        }
    }
}
