package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.flow.ofctl.Ofctl;

/** The outer IPv6 and Geneve option fields: presence is part of the match and of every write, as in Open vSwitch. */
class TunnelFieldsTest {

    @Test
    void tunMetadataZeroDoesNotMatchAPacketWithoutTheOption() {
        Match m = Ofctl.parseMatch("tun_metadata0=0");
        FlowKey none = new FlowKey();
        assertFalse(m.matches(none), "absent is not zero");
        FlowKey zero = new FlowKey();
        zero.set(FlowField.TUN_METADATA_PRESENT, 0b1);
        assertTrue(m.matches(zero));
        FlowKey other = new FlowKey();
        other.set(FlowField.TUN_METADATA_PRESENT, 0b10); // tun_metadata1 present, not 0
        assertFalse(m.matches(other));
    }

    @Test
    void maskedOptionMatchComparesOnlyTheMaskedBits() {
        Match m = Ofctl.parseMatch("tun_metadata3=0x1234/0xffff");
        FlowKey k = new FlowKey();
        k.set(FlowField.TUN_METADATA_PRESENT, 0b1000);
        k.set(FlowField.TUN_METADATA3, 0xab_1234L);
        assertTrue(m.matches(k));
        k.set(FlowField.TUN_METADATA3, 0xab_1235L);
        assertFalse(m.matches(k));
        assertEquals("tun_metadata3=0x1234/0xffff", Ofctl.format(m));
    }

    @Test
    void writingAnOptionFieldMakesItPresentAndAMaskOfNothingDoesNot() {
        long[] w = new long[FlowKey.WORDS];
        MatchField.TUN_METADATA1.write(w, 0, 7, 0, -1L);
        assertEquals(0b10, w[FlowKey.W_TUN_FLAGS]);
        assertEquals(7, w[FlowKey.W_TUN_METADATA + 1]);
        long[] none = new long[FlowKey.WORDS];
        MatchField.TUN_METADATA1.write(none, 0, 7, 0, 0);
        assertEquals(0, none[FlowKey.W_TUN_FLAGS]);
        assertEquals(0, MatchField.TUN_METADATA1.readLow(new long[FlowKey.WORDS]));
    }

    @Test
    void tunIpv6AddressesMatchTheIpv6UnderlayOnly() {
        Match m = Ofctl.parseMatch("tun_ipv6_src=2001:db8::/32");
        FlowKey k = new FlowKey();
        k.w[FlowKey.W_TUN_FLAGS] = FlowKey.TUN_FLAG_IPV6;
        k.w[FlowKey.W_TUN_IPV6_SRC] = 0x2001_0db8_0000_0000L;
        k.w[FlowKey.W_TUN_IPV6_SRC + 1] = 1;
        assertTrue(m.matches(k));
        k.w[FlowKey.W_TUN_IPV6_SRC] = 0x2001_0db9_0000_0000L;
        assertFalse(m.matches(k));
        assertEquals("tun_ipv6_src=2001:db8::/32", Ofctl.format(m));
        assertEquals("tun_ipv6_dst=2001:db8::2", Ofctl.format(Ofctl.parseMatch("tun_ipv6_dst=2001:db8::2")));
    }
}
