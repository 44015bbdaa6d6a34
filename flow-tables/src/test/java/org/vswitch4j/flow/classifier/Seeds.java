package org.vswitch4j.flow.classifier;

import java.util.concurrent.ThreadLocalRandom;

/** The base seed of this module's random tests: {@code -Dvs4j.seed=N} replays a run. */
final class Seeds {
    static final long BASE = pick();

    private Seeds() {
    }

    private static long pick() {
        try {
            return Long.parseLong(System.getProperty("vs4j.seed", "").trim());
        } catch (NumberFormatException e) {
            return ThreadLocalRandom.current().nextLong(); // unset: a fresh run, printed on failure
        }
    }

    /** Appended to every failure message of a random test. */
    static String replay(long caseSeed) {
        return " [base seed " + BASE + ", case seed " + caseSeed + "; replay with -Dvs4j.seed=" + BASE + "]";
    }
}
