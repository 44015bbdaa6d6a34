package org.vswitch4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AddressesTest {
    @Test
    void ipv6IsPrintedInRfc5952Form() {
        assertEquals("2001:db8::1", Addresses.format(Addresses.ip("2001:db8:0:0:0:0:0:1")));
        assertEquals("::", Addresses.format(Addresses.ip("::")));
        assertEquals("::1", Addresses.format(Addresses.ip("::1")));
        assertEquals("fe80::", Addresses.format(Addresses.ip("fe80::")));
        assertEquals("2001:db8:0:1:1:1:1:1", Addresses.format(Addresses.ip("2001:db8:0:1:1:1:1:1")), "one zero group stays");
        assertEquals("2001:0:0:1::1", Addresses.format(Addresses.ip("2001:0:0:1:0:0:0:1")), "the longest run wins");
        assertEquals("192.0.2.1", Addresses.format(Addresses.ip("192.0.2.1")));
    }

    @Test
    void macsRoundTripAndBadOnesAreRefused() {
        assertEquals("02:00:00:00:00:0a", Addresses.formatMac(Addresses.parseMac("02:00:00:00:00:0A")));
        assertEquals(0x0200_0000_000aL, Addresses.parseMac("02-00-00-00-00-0a"));
        assertThrows(IllegalArgumentException.class, () -> Addresses.parseMac("02:00:00:00:00"));
        assertThrows(IllegalArgumentException.class, () -> Addresses.parseMac("02:00:00:00:00:zz"));
    }

    @Test
    void hostNamesAreNotLookedUp() {
        assertThrows(IllegalArgumentException.class, () -> Addresses.ip("localhost"));
    }
}
