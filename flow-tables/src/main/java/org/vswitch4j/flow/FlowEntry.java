package org.vswitch4j.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.vswitch4j.flow.classifier.Classifier;

/**
 * One flow entry of a {@link FlowTable}: its match and priority (fixed for its life, so the classifier may keep
 * it), its instructions, cookie, timeouts and flags (a modify changes them), and its counters.
 *
 * <p>Thread-safety: written under the datapath's slow-path lock only (flow mods, translations, expiry), and read
 * under it too (dumps take it).
 */
final class FlowEntry implements Classifier.Rule {
    final long id;
    final int table;
    final int priority;
    final Match match;
    /** {@link FlowTable#entryTag} of the id, {@link FlowTable#priorityTag} of table and priority: fixed, made once. */
    final long entryTag;
    final long priorityTag;

    Instructions instructions;
    long cookie;
    int idleTimeout;
    int hardTimeout;
    int importance;
    Set<FlowFlag> flags;
    /** Conjunction actions of the entry's apply-actions (it is then a clause of a conjunctive match), else empty. */
    List<Action.Conjunction> conjunctions;

    long createdNanos;
    long modifiedNanos;
    long usedNanos;
    long packets;
    long bytes;

    /** The entry whose learn action added this one (for delete_learned), or null. */
    FlowEntry learnedBy;
    /** Entries this one's learn actions added, kept only when one of them has delete_learned. */
    List<FlowEntry> learned;
    /** Whether the entry was removed (a translation that still holds it must not count on it). */
    boolean removed;

    /** An entry for {@code mod}, with {@code instructions} (equal to the mod's, perhaps another entry's object). */
    FlowEntry(long id, FlowMod mod, Instructions instructions, long now) {
        this.id = id;
        this.table = mod.table();
        this.priority = mod.priority();
        this.match = mod.match();
        this.entryTag = FlowTable.entryTag(id);
        this.priorityTag = FlowTable.priorityTag(table, priority);
        this.createdNanos = now;
        set(mod, instructions, now);
    }

    /**
     * Takes cookie, timeouts, importance and flags from {@code mod} (an add or a modify), and {@code instructions},
     * which equal the mod's (see {@link SharedInstructions}).
     */
    void set(FlowMod mod, Instructions instructions, long now) {
        this.instructions = instructions;
        this.cookie = mod.cookie();
        this.idleTimeout = mod.idleTimeout();
        this.hardTimeout = mod.hardTimeout();
        this.importance = mod.importance();
        this.flags = mod.flags();
        this.modifiedNanos = now;
        this.usedNanos = now;
        List<Action> apply = instructions.applyActions();
        List<Action.Conjunction> cj = null;
        for (int i = 0, n = apply.size(); i < n; i++) {
            if (apply.get(i) instanceof Action.Conjunction c) {
                if (cj == null) {
                    cj = new ArrayList<>();
                }
                cj.add(c);
            }
        }
        this.conjunctions = cj == null ? List.of() : List.copyOf(cj);
    }

    @Override
    public long[] value() {
        return match.valueWords();
    }

    @Override
    public long[] mask() {
        return match.maskWords();
    }

    @Override
    public int priority() {
        return priority;
    }

    /** A match's words are well-formed and immutable (Match builds them so). */
    @Override
    public boolean wellFormed() {
        return true;
    }

    /** When the entry expires by its timeouts (Long.MAX_VALUE: never). */
    long deadline() {
        long d = Long.MAX_VALUE;
        if (idleTimeout > 0) {
            d = usedNanos + idleTimeout * 1_000_000_000L;
        }
        if (hardTimeout > 0) {
            d = Math.min(d, modifiedNanos + hardTimeout * 1_000_000_000L);
        }
        return d;
    }

    /** Whether the entry outputs to {@code port} or uses group {@code group} (for out_port/out_group of deletes). */
    boolean outputsTo(long port, long group) {
        boolean portOk = port == OfPort.ANY || uses(instructions.applyActions(), port, -1)
                || instructions.writeActions() != null && uses(instructions.writeActions(), port, -1);
        boolean groupOk = group == FlowMod.ANY_GROUP || uses(instructions.applyActions(), -1, group)
                || instructions.writeActions() != null && uses(instructions.writeActions(), -1, group);
        return portOk && groupOk;
    }

    private static boolean uses(List<Action> actions, long port, long group) {
        for (Action a : actions) {
            if (port >= 0 && a instanceof Action.Output o && o.port() == port) {
                return true;
            }
            if (group >= 0 && a instanceof Action.Group g && g.groupId() == group) {
                return true;
            }
            if (a instanceof Action.Clone c && uses(c.actions(), port, group)) { // as OVS, a clone's actions count
                return true;
            }
        }
        return false;
    }

    /** The entry as the add that recreates it. */
    FlowMod toFlowMod() {
        return new FlowMod(FlowMod.Command.ADD, table, priority, match, instructions, cookie, 0, idleTimeout,
                hardTimeout, importance, flags, OfPort.ANY, FlowMod.ANY_GROUP);
    }

    /** The entry with its counters, as dump-flows shows it. */
    FlowStats stats(long now) {
        return new FlowStats(toFlowMod(), now - createdNanos, flags.contains(FlowFlag.NO_PKT_COUNTS) ? -1 : packets,
                flags.contains(FlowFlag.NO_BYT_COUNTS) ? -1 : bytes, now - usedNanos, now - modifiedNanos);
    }
}
