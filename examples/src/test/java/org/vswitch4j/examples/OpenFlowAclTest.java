package org.vswitch4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OpenFlowAclTest {
    @Test
    void theTablesLetAAndBTalkQuarantineCAndCountWhatTheyDid() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OpenFlowAcl.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.matches("(?s).*a -> b\\s+OK\\n.*"), out);
        assertTrue(out.matches("(?s).*c -> a \\(quarantined by table 0\\)\\s+FAIL\\n.*"), out);
        assertTrue(out.matches("(?s).*b -> a\\s+OK\\n.*"), out);
        assertTrue(out.matches("(?s).*table=0, n_packets=[1-9][0-9]*, n_bytes=[0-9]+, priority=90,ip,nw_src=192.0.2.3"
                + " actions=drop.*"), out);
        assertTrue(out.matches("(?s).*table=1, n_packets=[1-9][0-9]*, n_bytes=[0-9]+, priority=0 actions=NORMAL.*"), out);
        assertTrue(out.contains("Datapath actions: drop"), out);
    }
}
