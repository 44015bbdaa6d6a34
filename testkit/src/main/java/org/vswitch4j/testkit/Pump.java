package org.vswitch4j.testkit;

import org.vswitch4j.core.time.Clock;

/**
 * What drives a {@link VirtualHost}: one call moves frames one step through the network. A
 * {@link TestNetwork} is one; a test may write its own (a hub, a hand-wired pair of ports).
 */
public interface Pump {

    /**
     * One round: let the switch forward what is queued and every host process what it received. Returns how
     * many frames moved (0 means the network is quiet: no further round will change anything until someone
     * sends).
     */
    int pumpOnce();

    /** The clock hosts stamp pings with (the switch's clock). */
    Clock clock();

    /** The most rounds a host waits for an answer before giving up. */
    default int maxRounds() {
        return 64;
    }
}
