package org.vswitch4j.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TunnelConfigTest {

    @Test
    void ovsOptionsAreParsedWithOvsDefaults() {
        TunnelConfig c = TunnelConfig.fromOptions(TunnelType.VXLAN, Map.of("remote_ip", "192.0.2.2", "key", "5000"));
        assertEquals("192.0.2.2", c.remote().getHostAddress());
        assertEquals("0.0.0.0", c.local().getHostAddress());
        assertEquals(5000, c.key());
        assertEquals(4789, c.dstPort());
        assertEquals(64, c.ttl());
        assertEquals(0, c.tos());
        assertTrue(c.dfDefault());
        assertEquals(6081, TunnelConfig.fromOptions(TunnelType.GENEVE, Map.of("remote_ip", "192.0.2.2")).dstPort());
    }

    @Test
    void flowRemoteAndKeyAndInheritedTosTtl() {
        TunnelConfig c = TunnelConfig.fromOptions(TunnelType.GENEVE, Map.of("remote_ip", "flow", "key", "flow",
                "tos", "inherit", "ttl", "inherit", "csum", "true", "dst_port", "16081", "local_ip", "192.0.2.1"));
        assertNull(c.remote());
        assertEquals(TunnelConfig.FLOW_KEY, c.key());
        assertEquals(-1, c.tos());
        assertEquals(-1, c.ttl());
        assertTrue(c.csum());
        assertEquals(16081, c.dstPort());
    }

    @Test
    void badOptionsAreRefusedWithTheAllowedValues() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TunnelConfig.fromOptions(TunnelType.VXLAN, Map.of("remote_ip", "192.0.2.2", "key", "16777216")))
                .getMessage().contains("outside 0..16777215"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TunnelConfig.fromOptions(TunnelType.VXLAN, Map.of("remote_ip", "192.0.2.2", "colour", "red")))
                .getMessage().contains("allowed: remote_ip"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TunnelConfig.fromOptions(TunnelType.VXLAN, Map.of("key", "1"))).getMessage().contains("needs remote_ip"));
        assertThrows(IllegalArgumentException.class,
                () -> TunnelConfig.fromOptions(TunnelType.GRE, Map.of("remote_ip", "192.0.2.2", "dst_port", "1")));
        assertThrows(IllegalArgumentException.class,
                () -> TunnelConfig.fromOptions(TunnelType.VXLAN, Map.of("remote_ip", "example.org")));
        assertThrows(IllegalArgumentException.class,
                () -> TunnelConfig.fromOptions(TunnelType.VXLAN, Map.of("remote_ip", "2001:db8::1", "local_ip", "192.0.2.1")));
        assertThrows(IllegalArgumentException.class,
                () -> TunnelConfig.fromOptions(TunnelType.VXLAN, Map.of("remote_ip", "192.0.2.2", "ttl", "0")));
        assertEquals(0xffff_ffffL, TunnelConfig.fromOptions(TunnelType.GRE, Map.of("remote_ip", "192.0.2.2", "key", "4294967295")).key());
    }

    @Test
    void pmtudIsOffByDefaultAndParsedAsABoolean() {
        assertEquals(false, TunnelConfig.fromOptions(TunnelType.VXLAN, Map.of("remote_ip", "198.51.100.2")).pmtud());
        TunnelConfig on = TunnelConfig.fromOptions(TunnelType.VXLAN, Map.of("remote_ip", "198.51.100.2", "pmtud", "true"));
        assertTrue(on.pmtud());
        assertTrue(on.toString().contains("pmtud=true"), on.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TunnelConfig.fromOptions(TunnelType.VXLAN, Map.of("remote_ip", "198.51.100.2", "pmtud", "maybe")));
        assertTrue(e.getMessage().contains("pmtud"), e.getMessage());
    }
}
