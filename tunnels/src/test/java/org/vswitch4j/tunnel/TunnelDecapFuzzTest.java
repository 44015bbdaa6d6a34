package org.vswitch4j.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Map;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.port.PortStats;

/**
 * Jazzer fuzz test of the tunnel decoders (run only with {@code -Pfuzz}; see the tunnels pom): VXLAN, Geneve (with
 * and without a TLV map) and GRE headers from random bytes, through {@link TunnelDecap} and through a
 * {@link TunnelPort}'s receive. Asserted for every input: nothing throws; a refusal is a known {@link TunnelDecap.Error}
 * and leaves the frame as it was; an accepted frame is the input's tail (only the header stripped), at least an
 * Ethernet header long, with tunnel metadata only in mapped fields; the port counts every frame exactly once, as
 * received or as an error of one reason; no buffer leaks.
 */
class TunnelDecapFuzzTest {
    private static final BufferPool POOL = BufferPool.builder().bufferSize(2048).headroom(256).count(64).strict(true)
            .build();
    private static final GeneveTlvMap MAP = new GeneveTlvMap();
    private static final TunnelPort[] PORTS = new TunnelPort[TunnelType.values().length * 2];
    private static final OneShot[] UNDERLAYS = new OneShot[PORTS.length];

    static {
        MAP.add("{class=0xffff,type=0x80,len=4}->tun_metadata0,{class=0x102,type=0x1,len=8}->tun_metadata2");
        try {
            for (TunnelType t : TunnelType.values()) {
                for (int flowKey = 0; flowKey < 2; flowKey++) {
                    TunnelConfig c = TunnelConfig.fromOptions(t, Map.of("remote_ip", flowKey == 1 ? "flow" : "198.51.100.2",
                            "local_ip", "198.51.100.1", "key", flowKey == 1 ? "flow" : "5"));
                    int i = t.ordinal() * 2 + flowKey;
                    UNDERLAYS[i] = new OneShot();
                    PORTS[i] = new TunnelPort("fuzz" + i, c, UNDERLAYS[i], POOL, MAP);
                }
            }
            InetAddress.getByName("198.51.100.2");
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void randomHeadersNeverThrowAndEveryRefusalIsCountedOnce(FuzzedDataProvider data) {
        int type = data.consumeInt(0, TunnelType.values().length - 1);
        boolean mapped = data.consumeBoolean();
        int port = data.consumeInt(0, PORTS.length - 1);
        byte[] frame = data.consumeRemainingAsBytes();
        if (frame.length > POOL.bufferSize() - POOL.headroom()) {
            frame = Arrays.copyOf(frame, POOL.bufferSize() - POOL.headroom());
        }
        TunnelType t = TunnelType.values()[type];
        Packet p = packet(frame);
        try {
            long k = TunnelDecap.decap(t, p, mapped ? MAP : null);
            if (k < 0) {
                TunnelDecap.Error e = TunnelDecap.Error.of(k); // throws for a code that is no Error
                assertTrue(e != TunnelDecap.Error.UNKNOWN_KEY && e != TunnelDecap.Error.UNKNOWN_REMOTE,
                        "the decoder itself never knows keys or remotes: " + e);
                assertArrayEquals(frame, p.toByteArray(), "a refused frame is left as it was");
                assertEquals(0, p.tunnelFlags(), "a refused frame gets no metadata");
            } else {
                assertTrue(k <= t.maxKey(), "key " + k + " fits " + t);
                int stripped = frame.length - p.length();
                assertTrue(stripped > 0 && p.length() >= 14, "header stripped, Ethernet left");
                assertArrayEquals(Arrays.copyOfRange(frame, stripped, frame.length), p.toByteArray(), "no byte changed");
                long flags = p.tunnelFlags();
                assertEquals(0, flags & ~(mapped && t == TunnelType.GENEVE ? 0b101L : 0L),
                        "only mapped fields are present: " + Long.toBinaryString(flags));
                assertEquals(0, p.tunnelWord(FlowKey.W_TUN_METADATA + 1), "unmapped field stays zero");
            }
        } finally {
            p.release();
        }
        // The same bytes through a tunnel port: counted exactly once, as a frame or as one error.
        TunnelPort tp = PORTS[port];
        PortStats before = tp.stats();
        long errorsBefore = sum(tp.decapErrors());
        UNDERLAYS[port].next = packet(frame);
        PacketBatch batch = new PacketBatch(PacketBatch.DEFAULT_BURST);
        int n = tp.receive(0, batch);
        PortStats after = tp.stats();
        assertEquals(n, batch.size());
        assertEquals(1, after.rxPackets() - before.rxPackets() + after.rxErrors() - before.rxErrors(),
                "one frame in, counted once");
        assertEquals(after.rxErrors() - before.rxErrors(), sum(tp.decapErrors()) - errorsBefore,
                "every error has its reason");
        batch.releaseAll();
        assertEquals(0, POOL.usedCount(), "no buffer leaked");
    }

    private static long sum(Map<String, Long> m) {
        return m.values().stream().mapToLong(Long::longValue).sum();
    }

    private static Packet packet(byte[] frame) {
        Packet p = new Packet().bindEmpty(POOL, POOL.allocate());
        p.length(frame.length);
        p.write(0, frame, 0, frame.length);
        p.tunnel(0, 0xc633_6402, 0xc633_6401); // from the fixed remote 198.51.100.2
        return p;
    }

    /** Delivers one prepared frame per receive. */
    private static final class OneShot implements Underlay {
        Packet next;

        @Override
        public int receive(PacketBatch batch) {
            if (next == null) {
                return 0;
            }
            next.moveTo(batch.add());
            next = null;
            return 1;
        }

        @Override
        public void send(PacketBatch batch) {
            batch.releaseAll();
        }

        @Override
        public long rxDropped() {
            return 0;
        }

        @Override
        public long txDropped() {
            return 0;
        }

        @Override
        public void close() {
        }
    }
}
