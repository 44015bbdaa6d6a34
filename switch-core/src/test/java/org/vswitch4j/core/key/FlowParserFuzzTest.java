package org.vswitch4j.core.key;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.vswitch4j.core.packet.HeapFrames;
import org.vswitch4j.core.packet.Packet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Jazzer fuzz test of {@link FlowParser} (run only with {@code -Pfuzz}; see switch-core's pom). The frame
 * lives in a heap segment of exactly its length, so a read past its end throws and is a finding.
 * Asserted: no exception; the status is RUNT exactly for frames under 14 bytes; offsets within the frame
 * and ordered; a RUNT, or a frame whose L3 did not parse, has no L4 offset; parsing twice gives the same
 * key (no hidden state); words 0 and 16..26 are untouched.
 */
class FlowParserFuzzTest {
    private final FlowKey key = new FlowKey();
    private final FlowKey again = new FlowKey();

    @FuzzTest(maxDuration = "2m")
    void parserNeverThrowsAndKeepsOffsetsInTheFrame(byte[] frame) {
        Packet p = HeapFrames.wrap(frame);
        key.w[0] = 0x1234;
        key.w[FlowKey.W_REGS] = 0x5678;
        ParseStatus st = FlowParser.parse(p, key);
        String why = FrameSpec.hex(frame);
        assertEquals(frame.length < 14, st == ParseStatus.RUNT, why);
        FlowParserPropertyTest.assertOffsetsWithin(p, frame.length, why);
        if (st == ParseStatus.RUNT) {
            assertEquals(Packet.ABSENT, p.l3Offset(), why);
        }
        assertEquals(0x1234L, key.w[0], why);
        assertEquals(0x5678L, key.w[FlowKey.W_REGS], why);
        again.w[0] = 0x1234;
        again.w[FlowKey.W_REGS] = 0x5678;
        for (int i = 1; i < FlowKey.PACKET_WORDS; i++) {
            again.w[i] = ~key.w[i];
        }
        int l3 = p.l3Offset();
        int l4 = p.l4Offset();
        assertEquals(st, FlowParser.parse(p, again), why);
        assertEquals(key, again, why);
        assertEquals(l3, p.l3Offset(), why);
        assertEquals(l4, p.l4Offset(), why);
    }
}
