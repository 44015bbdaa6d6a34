package org.vswitch4j.core.time;

/**
 * The switch's notion of time: MAC ageing, flow timeouts, revalidation and statistics read it.
 *
 * <p>Production switches use {@link #system()}; tests use a {@link VirtualClock} and step it to the
 * boundary they check (at T−1 nothing happens, at T it does), so that nothing in a test sleeps.
 *
 * <p>Thread-safety: implementations are safe to read from any thread.
 */
public interface Clock {

    /** Monotonic time in nanoseconds; only differences are meaningful. */
    long nanos();

    /** Monotonic time in milliseconds. */
    default long millis() {
        return nanos() / 1_000_000L;
    }

    /** The JVM's monotonic clock ({@link System#nanoTime()}). */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
