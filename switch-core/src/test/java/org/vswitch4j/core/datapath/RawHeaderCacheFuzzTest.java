package org.vswitch4j.core.datapath;

import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.HexFormat;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowParser;
import org.vswitch4j.core.key.ParseStatus;
import org.vswitch4j.core.packet.HeapFrames;
import org.vswitch4j.core.packet.Packet;

/**
 * Jazzer fuzz test of {@link RawHeaderCache} against {@link FlowParser} (run only with {@code -Pfuzz}; see
 * switch-core's pom). Two frames per input: the fuzzer's, and a copy with one byte replaced at a position the
 * fuzzer picks (so that near-identical frames, the hard case for a raw key, come up all the time). Each lives in a
 * heap segment of exactly its length, so a read past its end throws and is a finding. Asserted: {@code find}
 * never throws; a frame it takes for a raw shape (IPv4 TCP/UDP, or L2 only) parses OK; once its key is inserted it is found again and the
 * hit leaves the parser's L3 and L4 offsets; and when both frames have the shape, their raw keys are equal exactly
 * when the parser's flow keys are.
 */
class RawHeaderCacheFuzzTest {
    private static final HexFormat HEX = HexFormat.of();
    private final FlowKey key1 = new FlowKey();
    private final FlowKey key2 = new FlowKey();

    @FuzzTest(maxDuration = "2m")
    void rawKeysAgreeWithTheParser(FuzzedDataProvider data) {
        int pos = data.consumeInt(0, 127);
        byte value = data.consumeByte();
        int inPort = data.consumeInt(0, Datapath.MAX_PORTS);
        byte[] f1 = data.consumeRemainingAsBytes();
        byte[] f2 = f1.clone();
        if (pos < f2.length) {
            f2[pos] = value;
        }
        long[] raw1 = check(f1, inPort, key1);
        long[] raw2 = check(f2, inPort, key2);
        if (raw1 != null && raw2 != null) {
            boolean sameRaw = Arrays.equals(raw1, 0, RawHeaderCache.WORDS, raw2, 0, RawHeaderCache.WORDS);
            boolean sameFlow = Arrays.equals(key1.w, 0, FlowKey.WORDS, key2.w, 0, FlowKey.WORDS);
            if (sameRaw != sameFlow) {
                fail("raw keys " + (sameRaw ? "equal" : "differ") + " but flow keys " + (sameFlow ? "equal" : "differ")
                        + " for " + HEX.formatHex(f1) + " and " + HEX.formatHex(f2));
            }
        }
    }

    /** The raw key of {@code frame}, or null when it has not the shape; parses it into {@code key} either way. */
    private static long[] check(byte[] frame, int inPort, FlowKey key) {
        RawHeaderCache c = new RawHeaderCache(4);
        Packet p = HeapFrames.wrap(frame);
        if (c.find(p, frame.length, inPort) >= 0) {
            fail("an empty table found something for " + HEX.formatHex(frame));
        }
        key.w[FlowKey.W_IN_PORT] = inPort;
        ParseStatus st = FlowParser.parse(p, key);
        if (!c.loaded) {
            return null;
        }
        int l3 = p.l3Offset();
        int l4 = p.l4Offset();
        int wantL4 = (c.k2 & RawHeaderCache.SHAPE_L2) != 0 ? Packet.ABSENT : l3 + 20; // the L2 shape has no L4
        if (st != ParseStatus.OK || l4 != wantL4) {
            fail("taken for the raw shape, but the parser says " + st + " (l3 " + l3 + ", l4 " + l4 + ") for "
                    + HEX.formatHex(frame));
        }
        long[] k = {c.k0, c.k1, c.k2, c.k3, c.k4};
        Megaflow m = new Megaflow(null, new FlowKey(), DatapathActions.DROP, null,
                new long[0], 0);
        c.insert(m);
        p.l3Offset(Packet.ABSENT);
        p.l4Offset(Packet.ABSENT);
        if (c.flowAt(c.find(p, frame.length, inPort)) != m || p.l3Offset() != l3 || p.l4Offset() != l4) {
            fail("inserted, but not found again with the parser's offsets for " + HEX.formatHex(frame));
        }
        return k;
    }
}
