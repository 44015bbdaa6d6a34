package org.vswitch4j.io.linux.internal;

import java.util.concurrent.locks.ReentrantLock;

/** Taking a port queue's transmit lock on a poll thread. */
public final class BurstLock {
    private BurstLock() {
    }

    /**
     * Takes {@code lock} for a transmit burst without ever queueing on it: a contended {@code lock()} allocates
     * a wait node, and poll threads allocate nothing. Bursts are short, so a waiter spins briefly, then yields.
     */
    public static void lock(ReentrantLock lock) {
        for (int i = 0; !lock.tryLock(); i++) {
            if (i < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }
}
