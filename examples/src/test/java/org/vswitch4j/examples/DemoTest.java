package org.vswitch4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {

    @Test
    void demoShowsPingsWithinVlan10WorkingAndAcrossVlansFailing(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Path pcap = dir.resolve("trunk.pcap");
        Demo.run(new PrintStream(buf, true, StandardCharsets.UTF_8), pcap);
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(5, count(out, " OK   reply from "), out);
        assertEquals(3, count(out, " FAIL "), out);
        assertTrue(out.contains("\"hello over the trunk\""), out);
        assertTrue(out.contains(" port  VLAN  MAC                Age"), out);
        assertTrue(out.contains("OFPST_PORT reply: 4 ports"), out);
        assertTrue(out.contains("to " + pcap), out);
        assertTrue(Files.size(pcap) > 24, "pcap has frames");
        tsharkAccepts(pcap);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** When tshark is installed: it reads the file without complaint and finds every checksum correct. */
    private static void tsharkAccepts(Path pcap) throws IOException, InterruptedException {
        if (!new File("/usr/bin/tshark").canExecute()) {
            System.out.println("DemoTest: tshark not installed; pcap checked by size only");
            return;
        }
        Process p = new ProcessBuilder("/usr/bin/tshark", "-r", pcap.toString(), "-V",
                "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE")
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), text);
        assertFalse(text.contains("[incorrect"), text);
        assertFalse(text.toLowerCase(java.util.Locale.ROOT).contains("malformed"), text);
        assertTrue(text.contains("Echo (ping) reply"), text);
        assertTrue(text.contains("802.1Q Virtual LAN, PRI: 0, DEI: 0, ID: 10"), text);
        assertTrue(text.contains("802.1Q Virtual LAN, PRI: 0, DEI: 0, ID: 20"), "c's broadcast crosses the trunk in VLAN 20");
    }
}
