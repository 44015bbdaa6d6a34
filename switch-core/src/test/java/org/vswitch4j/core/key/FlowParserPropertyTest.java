package org.vswitch4j.core.key;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vswitch4j.core.packet.HeapFrames;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.TestSeeds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The parser against the builder: random frames of every header combination, each parsed whole and cut
 * at every length. The reference is {@link FrameSpec}: the values the frame was built from.
 */
class FlowParserPropertyTest {
    static LongStream seeds() {
        Random r = new Random(TestSeeds.base());
        return LongStream.generate(r::nextLong).limit(600);
    }

    @ParameterizedTest(name = "case {index}")
    @MethodSource("seeds")
    void parsesEveryFieldTheBuilderWrote(long seed) {
        FrameSpec s = FrameSpec.random(seed);
        byte[] f = s.builder().build();
        Packet p = HeapFrames.wrap(f);
        FlowKey key = dirtyKey(seed);
        long[] before = key.w.clone();
        ParseStatus st = FlowParser.parse(p, key);
        String why = s + " " + FrameSpec.hex(f) + TestSeeds.replay(seed);
        assertEquals(ParseStatus.OK, st, why);
        FlowKey expected = s.expectedKey();
        System.arraycopy(before, 0, expected.w, 0, 1);
        System.arraycopy(before, FlowKey.PACKET_WORDS, expected.w, FlowKey.PACKET_WORDS,
                FlowKey.WORDS - FlowKey.PACKET_WORDS);
        assertEquals(expected.toString(), key.toString(), why);
        assertTrue(Arrays.equals(expected.w, key.w), why);
        assertEquals(s.expectedL3(), p.l3Offset(), "l3Offset " + why);
        assertEquals(s.expectedL4(), p.l4Offset(), "l4Offset " + why);
    }

    @ParameterizedTest(name = "case {index}")
    @MethodSource("seeds")
    void everyTruncationGivesTheRightStatusAndKeepsTheHeadersBeforeTheCut(long seed) {
        FrameSpec s = FrameSpec.random(seed);
        byte[] full = s.builder().build();
        FlowKey expected = s.expectedKey();
        int needed = s.needed(full);
        int l3 = s.l3Offset();
        FlowKey key = new FlowKey();
        for (int n = 0; n <= full.length; n++) {
            byte[] f = Arrays.copyOf(full, n);
            Packet p = HeapFrames.wrap(f);
            String why = "cut at " + n + " of " + s + " " + FrameSpec.hex(full) + TestSeeds.replay(seed);
            Arrays.fill(key.w, 0x5A5A_5A5A_5A5A_5A5AL);
            ParseStatus st;
            try {
                st = FlowParser.parse(p, key);
            } catch (RuntimeException e) {
                throw new AssertionError("parser threw on " + why, e);
            }
            assertOffsetsWithin(p, n, why);
            if (n < 14) {
                assertEquals(ParseStatus.RUNT, st, why);
                for (int i = 1; i < FlowKey.PACKET_WORDS; i++) {
                    assertEquals(0L, key.w[i], "word " + i + " " + why);
                }
                continue;
            }
            assertEquals(expected.w[1], key.w[1], "eth_dst " + why);
            assertEquals(expected.w[2], key.w[2], "eth_src " + why);
            if (n >= needed) {
                assertEquals(ParseStatus.OK, st, why);
                assertEquals(expected.toString(), withoutMeta(key).toString(), why);
                assertTrue(Arrays.equals(expected.w, withoutMeta(key).w), why);
                assertEquals(s.expectedL3(), p.l3Offset(), "l3Offset " + why);
                assertEquals(s.expectedL4(), p.l4Offset(), "l4Offset " + why);
                continue;
            }
            assertEquals(ParseStatus.MALFORMED, st, why);
            if (n < l3) {
                // A tag is cut: eth_type is its TPID and only the complete tags are in the key.
                int complete = (n - 14) / 4;
                assertEquals(s.tpid[complete], key.ethType(), "eth_type " + why);
                long vlan = 0;
                if (complete >= 1) {
                    vlan = ((long) s.tpid[0] << 48) | ((long) s.tci[0] << 32);
                }
                assertEquals(vlan, key.w[FlowKey.W_VLAN], "vlan " + why);
            } else {
                assertEquals(expected.w[3], key.w[3], "eth_type " + why);
                assertEquals(expected.w[4], key.w[4], "vlan " + why);
            }
            for (int i = 5; i < FlowKey.PACKET_WORDS; i++) {
                assertEquals(0L, key.w[i], "word " + i + " " + why);
            }
            assertEquals(Packet.ABSENT, p.l3Offset(), "l3Offset " + why);
            assertEquals(Packet.ABSENT, p.l4Offset(), "l4Offset " + why);
        }
    }

    static void assertOffsetsWithin(Packet p, int length, String why) {
        int l3 = p.l3Offset();
        int l4 = p.l4Offset();
        if (l3 != Packet.ABSENT && (l3 < 14 || l3 > length)) {
            fail("l3Offset " + l3 + " outside 14.." + length + " " + why);
        }
        if (l4 != Packet.ABSENT && (l3 == Packet.ABSENT || l4 < l3 || l4 > length)) {
            fail("l4Offset " + l4 + " with l3Offset " + l3 + " outside the frame of " + length + " " + why);
        }
    }

    /** A key with every word random, to prove the parser overwrites 1..15 and leaves the rest. */
    private static FlowKey dirtyKey(long seed) {
        Random r = new Random(~seed);
        FlowKey k = new FlowKey();
        for (int i = 0; i < FlowKey.WORDS; i++) {
            k.w[i] = r.nextLong();
        }
        return k;
    }

    private static FlowKey withoutMeta(FlowKey k) {
        FlowKey c = k.copy();
        c.w[0] = 0;
        Arrays.fill(c.w, FlowKey.PACKET_WORDS, FlowKey.WORDS, 0L);
        return c;
    }
}
