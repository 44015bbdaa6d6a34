package org.vswitch4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vswitch4j.core.datapath.Datapath;
import org.vswitch4j.core.datapath.DatapathActions;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowParser;
import org.vswitch4j.core.key.ParseStatus;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.Packet;

/**
 * The DPDK side by side's pipeline case gives OVS and vswitch4j the same inputs: the printed rules parse back to
 * exactly the rule set the flow-table benchmarks use, and every frame of the capture is a distinct flow that the
 * pipeline forwards from ofport 1 to ofport 2.
 */
class FlowReplayFilesTest {
    @Test
    void printedRulesParseBackAndEveryCapturedFlowIsForwardedToOfport2(@TempDir Path dir) throws IOException {
        FlowReplayFiles.write(dir, 10_000);
        assertEquals(FlowRules.ruleSet(FlowPipelineForwardBenchmark.RULES),
                FlowReplayFiles.readRules(dir.resolve(FlowReplayFiles.RULES)), "rules.txt is the rule set, losslessly");

        ByteBuffer pcap = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(FlowReplayFiles.FLOWS)))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, pcap.getInt(0), "classic pcap, microseconds");
        assertEquals(1, pcap.getInt(20), "LINKTYPE_ETHERNET");
        DatapathActions toPort2 = DatapathActions.builder().output(2).build();
        Set<String> seen = new HashSet<>();
        try (PipelineHarness h = new PipelineHarness(Datapath.builder(), FlowPipelineForwardBenchmark.RULES);
             BufferPool pool = BufferPool.builder().count(4).build()) {
            FlowKey key = new FlowKey();
            Packet p = new Packet();
            int at = 24;
            int frames = 0;
            while (at < pcap.limit()) {
                int len = pcap.getInt(at + 8);
                assertEquals(64, len, "record " + frames);
                byte[] f = new byte[len];
                pcap.get(at + 16, f);
                at += 16 + len;
                p.bindEmpty(pool, pool.allocate());
                p.length(len);
                p.write(0, f, 0, len);
                key.w[FlowKey.W_IN_PORT] = 1;
                assertEquals(ParseStatus.OK, FlowParser.parse(p, key));
                p.release();
                // The quadruple (addresses and ports) makes the flow: bytes 26..37.
                assertTrue(seen.add(HexFormat.of().formatHex(f, 26, 38)), "flow " + frames + " is new");
                assertEquals(toPort2, h.of.trace(key).actions(), "flow " + frames + " goes to ofport 2");
                frames++;
            }
            assertEquals(10_000, frames);
        }
    }
}
