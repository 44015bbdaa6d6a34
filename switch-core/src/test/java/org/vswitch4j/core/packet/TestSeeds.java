package org.vswitch4j.core.packet;

import java.util.concurrent.ThreadLocalRandom;

/** The base seed of random tests: {@code -Dvs4j.seed=N} replays a run, otherwise a fresh one is drawn. */
public final class TestSeeds {
    private static final long BASE = pick();

    private TestSeeds() {
    }

    /** The seed of this test run (the same for every test in the JVM). */
    public static long base() {
        return BASE;
    }

    private static long pick() {
        String s = System.getProperty("vs4j.seed", "");
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            // Unset (Maven passes the literal expression or nothing): draw one; failures print it.
            return ThreadLocalRandom.current().nextLong();
        }
    }

    /** How to replay: appended to every failure message of a random test. */
    public static String replay(long caseSeed) {
        return " [base seed " + BASE + ", case seed " + caseSeed + "; replay with -Dvs4j.seed=" + BASE + "]";
    }
}
