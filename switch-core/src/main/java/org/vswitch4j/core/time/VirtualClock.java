package org.vswitch4j.core.time;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when told to: tests advance it to exactly the instant they want to check.
 *
 * <p>Thread-safety: {@link #advance} and {@link #set} may be called from any thread; readers see the new time
 * at once (volatile semantics).
 */
public final class VirtualClock implements Clock {
    private final AtomicLong nanos;

    /** A virtual clock at time zero. */
    public VirtualClock() {
        this(0L);
    }

    /** A virtual clock at {@code startNanos}. */
    public VirtualClock(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    @Override
    public long nanos() {
        return nanos.get();
    }

    /** Moves time forward by {@code d}; negative durations are refused (the clock is monotonic). */
    public void advance(Duration d) {
        advanceNanos(d.toNanos());
    }

    /** Moves time forward by {@code delta} nanoseconds (≥ 0). */
    public void advanceNanos(long delta) {
        if (delta < 0) {
            throw new IllegalArgumentException("cannot move a clock backwards: delta " + delta + " ns is < 0");
        }
        nanos.addAndGet(delta);
    }

    /** Moves time forward by {@code millis} milliseconds (≥ 0). */
    public void advanceMillis(long millis) {
        advanceNanos(Math.multiplyExact(millis, 1_000_000L));
    }

    /** Sets the time; it must not be earlier than the current time. */
    public void set(long newNanos) {
        long now = nanos.get();
        if (newNanos < now) {
            throw new IllegalArgumentException("cannot move a clock backwards: " + newNanos + " ns < now " + now + " ns");
        }
        nanos.set(newNanos);
    }

    @Override
    public String toString() {
        return "VirtualClock[" + nanos.get() + " ns]";
    }
}
