package org.vswitch4j.flow;

import java.util.HashMap;

/**
 * One {@link Instructions} object for the flow entries whose instructions are equal.
 *
 * <p>Why: large tables repeat a few instruction lists (an ACL's 100,000 entries say {@code goto_table:2} or
 * {@code drop}), and translation reads the matched entry's instructions, their action list and its actions. With
 * an object per entry, each of those is a cache miss of its own once the table outgrows the caches (at 1M rules,
 * the first read of the instructions was a quarter of a lookup's time); shared, they stay in cache, and the entries
 * take less memory. Instructions are immutable values (records of immutable lists of records), so which of two
 * equal objects an entry holds changes nothing but where it is.
 *
 * <p>Bounded: at {@value #LIMIT} distinct instructions the table starts over (rule sets whose instructions are
 * mostly distinct then share little, at the cost of one hash lookup per flow mod). It may keep up to that many
 * instructions of removed entries alive.
 *
 * <p>Thread-safety: none; used under the pipeline's write lock (flow mods and learn actions).
 */
final class SharedInstructions {
    static final int LIMIT = 4096;

    private final HashMap<Instructions, Instructions> shared = new HashMap<>();

    /** The object equal to {@code in} that earlier calls returned, or {@code in} itself, remembered. */
    Instructions share(Instructions in) {
        Instructions s = shared.get(in);
        if (s != null) {
            return s;
        }
        if (shared.size() >= LIMIT) {
            shared.clear();
        }
        shared.put(in, in);
        return in;
    }

    /** Distinct instructions remembered (tests). */
    int size() {
        return shared.size();
    }
}
