package org.vswitch4j.core.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vswitch4j.core.datapath.PollThreadsTest.await;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.packet.BufferPool;

/**
 * {@link org.vswitch4j.core.port.Port#armRxWakeup}: a poll thread whose ports can all wake it sleeps until one
 * does (no polling at all meanwhile), one with a port that cannot keeps waking itself, and a reconfiguration
 * wakes a sleeping thread. Waits are bounded loops with a deadline, no sleeps; "does not happen" is checked
 * over a bounded window of yields.
 */
class IdleWakeupTest {
    private static final Pipeline TO_2 = (key, mask, tx) -> DatapathActions.builder().output(2).build();

    private BufferPool pool;

    @BeforeEach
    void setUp() {
        pool = BufferPool.builder().count(256).strict(true).build();
    }

    @AfterEach
    void noLeaks() {
        assertEquals(0, pool.usedCount(), "buffers still in use: a leak");
        pool.close();
    }

    /** Yields for {@code nanos} and returns whether {@code cond} held at every look. */
    private static boolean holdsFor(long nanos, BooleanSupplier cond) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            if (!cond.getAsBoolean()) {
                return false;
            }
            Thread.yield();
        }
        return true;
    }

    private static Datapath threaded(BufferPool pool) {
        // a housekeeping hour away: a sleeping thread wakes only when told to
        return Datapath.builder().memory(pool).pollThreads(1).revalidateInterval(Duration.ofHours(1))
                .maxIdle(Duration.ofHours(2)).build();
    }

    @Test
    void aPollThreadWhosePortsCanWakeItSleepsWithoutPollingUntilAPortWakesIt() {
        TestPort a = new TestPort("a", pool);
        TestPort b = new TestPort("b", pool);
        a.wakeable = true;
        b.wakeable = true;
        try (Datapath dp = threaded(pool)) {
            dp.addPort(a, TO_2);
            dp.addPort(b, TO_2);
            dp.start();
            await("both ports armed", () -> a.armed.get() != null && b.armed.get() != null);
            int calls = a.receiveCalls.get();
            a.inject(Frames.udp(0x0a000001, 0x0a000002, 1, 2)); // arrives, but nobody says so
            assertEquals(true, holdsFor(200_000_000L, () -> a.receiveCalls.get() == calls && b.sent.get() == 0),
                    "the sleeping thread polled (" + (a.receiveCalls.get() - calls) + " receive calls)");
            a.armed.getAndSet(null).run(); // what the port's epoll thread does when its fd turns readable
            await("the frame forwarded once the port woke the thread", () -> b.sent.get() == 1);
            b.drain();
        }
    }

    @Test
    void aPortThatCannotWakeTheThreadKeepsItPollingOnItsOwn() {
        TestPort a = new TestPort("a", pool);
        TestPort b = new TestPort("b", pool);
        a.wakeable = true; // b refuses: the thread must not sleep on a's word alone
        try (Datapath dp = threaded(pool)) {
            dp.addPort(a, TO_2);
            dp.addPort(b, TO_2);
            dp.start();
            await("a armed", () -> a.armed.get() != null);
            a.inject(Frames.udp(0x0a000001, 0x0a000002, 1, 2));
            await("the frame forwarded without a wake-up", () -> b.sent.get() == 1);
            b.drain();
        }
    }

    @Test
    void aReconfigurationWakesASleepingThreadSoItPollsANewPortAtOnce() {
        TestPort a = new TestPort("a", pool);
        TestPort b = new TestPort("b", pool);
        a.wakeable = true;
        b.wakeable = true;
        try (Datapath dp = threaded(pool)) {
            dp.addPort(a, TO_2);
            dp.start();
            await("a armed", () -> a.armed.get() != null);
            b.inject(Frames.udp(0x0a000001, 0x0a000002, 1, 2));
            dp.addPort(b, (key, mask, tx) -> DatapathActions.builder().output(1).build());
            await("b's frame, queued before it was added, forwarded to a", () -> a.sent.get() == 1);
            a.drain();
        }
    }
}
