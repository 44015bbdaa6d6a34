package org.vswitch4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EmbeddedSwitchTest {
    @Test
    void everyFrameSentByOneGuestReachesTheOtherThroughThePollThread() {
        assertEquals(1000, EmbeddedSwitch.run(1000));
    }
}
