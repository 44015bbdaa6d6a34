package org.vswitch4j.core.key;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.vswitch4j.core.packet.HeapFrames;
import org.vswitch4j.core.packet.Packet;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Jazzer fuzz test of {@link FlowParser} (run only with {@code -Pfuzz}; see switch-core's pom). The frame
 * lives in a heap segment of exactly its length, so a read past its end throws and is a finding.
 * Asserted: no exception; the status is RUNT exactly for frames under 14 bytes; offsets within the frame
 * and ordered (l4 only with l3); parsing again into a key holding other values gives the same key,
 * status and offsets (every word 1..15 is written, there is no hidden state); words 0 and 16..26 are
 * untouched. Failure messages are built only on failure, to keep executions cheap.
 */
class FlowParserFuzzTest {
    private final FlowKey key = new FlowKey();
    private final FlowKey again = new FlowKey();

    @FuzzTest(maxDuration = "2m")
    void parserNeverThrowsAndKeepsOffsetsInTheFrame(byte[] frame) {
        Packet p = HeapFrames.wrap(frame);
        int n = frame.length;
        key.w[0] = 0x1234;
        key.w[FlowKey.W_REGS] = 0x5678;
        ParseStatus st = FlowParser.parse(p, key);
        check(n < 14 == (st == ParseStatus.RUNT), frame, "status " + st);
        int l3 = p.l3Offset();
        int l4 = p.l4Offset();
        check(l3 == Packet.ABSENT || (l3 >= 14 && l3 <= n), frame, "l3Offset");
        check(l4 == Packet.ABSENT || (l3 != Packet.ABSENT && l4 >= l3 && l4 <= n), frame, "l4Offset");
        check(key.w[0] == 0x1234 && key.w[FlowKey.W_REGS] == 0x5678, frame, "metadata words touched");
        again.w[0] = 0x1234;
        again.w[FlowKey.W_REGS] = 0x5678;
        for (int i = 1; i < FlowKey.PACKET_WORDS; i++) {
            again.w[i] = ~key.w[i];
        }
        ParseStatus st2 = FlowParser.parse(p, again);
        check(st2 == st && again.equals(key) && p.l3Offset() == l3 && p.l4Offset() == l4, frame,
                "second parse differs");
    }

    private static void check(boolean ok, byte[] frame, String what) {
        if (!ok) {
            fail(what + " for frame " + FrameSpec.hex(frame));
        }
    }
}
