package org.vswitch4j.flow;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenFlow 1.3's action set (section 5.10) as Open vSwitch 3.1 keeps and runs it (ofpacts_execute_action_set):
 * pop_vlan, push_vlan and dec_ttl at most once each (the last written), then every set-type action (set_field,
 * load, move, mod_nw_ttl, set_queue) in the order written, then one final action: group, else output, else a
 * resubmit. A set without a final action runs nothing at all. Group buckets are action sets too.
 *
 * <p>Thread-safety: none; belongs to one translation.
 */
final class ActionSet {
    private Action pop;
    private Action push;
    private Action decTtl;
    /** set_field, load, move, mod_nw_ttl and set_queue, in the order written (Open vSwitch runs them all so). */
    private final List<Action> setOrMove = new ArrayList<>();
    private Action group;
    private Action output;
    /** resubmit, which Open vSwitch lets into an action set: the final action when there is neither group nor output. */
    private Action resubmit;
    /** Whether anything was written since the last {@link #clear}: most translations write nothing. */
    private boolean written;

    void clear() {
        if (!written) {
            return; // already empty: nothing to null or clear
        }
        written = false;
        pop = null;
        push = null;
        decTtl = null;
        setOrMove.clear();
        group = null;
        output = null;
        resubmit = null;
    }

    boolean isEmpty() {
        return !written || pop == null && push == null && decTtl == null && setOrMove.isEmpty() && group == null
                && output == null && resubmit == null;
    }

    /**
     * Merges {@code actions} into the set (a later pop, push, dec_ttl or final action of a kind replaces an earlier
     * one; set-type actions add up).
     *
     * @throws FlowModException {@code OFPBAC_BAD_TYPE} for an action an action set cannot hold (learn, clone, ...)
     */
    void write(List<Action> actions) {
        written = true;
        for (Action a : actions) {
            switch (a) {
                case Action.PopVlan _ -> pop = a;
                case Action.PushVlan _ -> push = a;
                case Action.DecTtl _ -> decTtl = a;
                case Action.SetTtl _, Action.SetField _, Action.Load _, Action.Move _, Action.SetQueue _ ->
                        setOrMove.add(a);
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
        c.setOrMove.addAll(setOrMove);
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
     * Applies the set in Open vSwitch's order, emptying it first, as its xlate_action_set does: a table that the
     * set's resubmit reaches, or a clone there, finds the set empty and cannot run it again. Without a final action
     * (group, output, resubmit) nothing runs: not even a dec_ttl, whose expiry would send a packet-in.
     */
    void execute(Xlate x) {
        Action fin = group != null ? group : output != null ? output : resubmit;
        if (fin == null) {
            clear();
            return;
        }
        List<Action> ordered = new ArrayList<>();
        add(ordered, pop);
        add(ordered, push);
        add(ordered, decTtl);
        ordered.addAll(setOrMove);
        ordered.add(fin);
        clear();
        x.doActions(ordered, null);
    }

    String describe() {
        List<Action> all = new ArrayList<>();
        add(all, pop);
        add(all, push);
        add(all, decTtl);
        all.addAll(setOrMove);
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
