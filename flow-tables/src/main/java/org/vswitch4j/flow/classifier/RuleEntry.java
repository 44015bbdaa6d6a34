package org.vswitch4j.flow.classifier;

/**
 * A rule as the classifier stores it: the caller's rule, its versions, and its place in its subtable. Rules
 * of one subtable with the same value form a chain from the hash table's slot, highest priority first (equal
 * priorities in insertion order).
 */
final class RuleEntry {
    /** Remove version of a rule not (yet) removed. */
    static final long NEVER = Long.MAX_VALUE;

    final Classifier.Rule rule;
    final int priority;
    /** The rule's value array (immutable while inserted, by the {@link Classifier.Rule} contract). */
    final long[] value;
    final Subtable subtable;
    final long addVersion;
    /** Written by {@link Classifier#remove}; read by lookups, which the caller keeps apart from writes. */
    long removeVersion = NEVER;
    /** Next rule with the same value in the subtable, lower or equal priority. */
    RuleEntry next;

    RuleEntry(Classifier.Rule rule, int priority, long[] value, Subtable subtable, long addVersion) {
        this.rule = rule;
        this.priority = priority;
        this.value = value;
        this.subtable = subtable;
        this.addVersion = addVersion;
    }

    boolean visibleAt(long version) {
        return addVersion <= version && version < removeVersion;
    }
}
