package org.vswitch4j.core.datapath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.port.TunnelHeader;
import org.vswitch4j.core.time.VirtualClock;

/**
 * The core's part of tunnelling: a tunnel port's metadata reaches the flow key (and keeps such keys out of the
 * raw-header cache, which does not see it); {@code tnl_push} copies when more actions follow, moves when last,
 * and a header that cannot be pushed drops and counts.
 */
class TunnelPushTest {
    private BufferPool pool;
    private Datapath dp;
    private TestPort wire;
    private TestPort p2;
    private TestPort p3;
    private final List<String> keys = new ArrayList<>();

    /** A tunnel port: frames from {@code wire} with tunnel metadata {@link #nextId}, 10.0.0.9 → 10.0.0.1. */
    private final class FakeTunnel implements Port {
        long nextId;

        @Override
        public String name() {
            return "tun";
        }

        @Override
        public boolean isTunnel() {
            return true;
        }

        @Override
        public int receive(int queue, PacketBatch batch) {
            int at = batch.size();
            int n = wire.receive(queue, batch);
            for (int i = at; i < at + n; i++) {
                batch.get(i).tunnel(nextId, 0x0a000009, 0x0a000001);
            }
            return n;
        }

        @Override
        public void transmit(PacketBatch batch) {
            wire.transmit(batch);
        }

        @Override
        public PacketMemory memory() {
            return pool;
        }

        @Override
        public boolean linkUp() {
            return true;
        }

        @Override
        public int mtu() {
            return 9000;
        }

        @Override
        public long mac() {
            return 0;
        }

        @Override
        public PortStats stats() {
            return PortStats.ZERO;
        }

        @Override
        public void close() {
        }
    }

    /** Pushes "TUNL"; refuses frames longer than {@link #max}. */
    static final class FourBytes implements TunnelHeader {
        int max = 9000;

        @Override
        public boolean push(Packet p) {
            if (p.length() > max || !p.adjustHead(4)) {
                return false;
            }
            p.u32(0, 0x54554e4cL);
            return true;
        }

        @Override
        public String toString() {
            return "TUNL";
        }
    }

    @BeforeEach
    void setUp() {
        pool = BufferPool.builder().count(256).strict(true).build();
        dp = Datapath.builder().clock(new VirtualClock()).memory(pool).emcEntries(64).emcInsertInverseProbability(1).build();
        wire = new TestPort("wire", pool);
        p2 = new TestPort("p2", pool);
        p3 = new TestPort("p3", pool);
    }

    @AfterEach
    void noLeaks() {
        dp.close();
        assertEquals(0, pool.usedCount(), "buffers leaked");
        pool.close();
    }

    @Test
    void tunnelMetadataIsInTheKeyAndSplitsFlowsTheRawCacheWouldMerge() {
        FakeTunnel tun = new FakeTunnel();
        Pipeline byTunId = (key, mask, tx) -> {
            mask.exact(FlowField.IN_PORT).exact(FlowField.TUN_ID);
            keys.add(key.get(FlowField.TUN_ID) + "/" + Long.toHexString(key.get(FlowField.TUN_SRC)) + "/"
                    + Long.toHexString(key.get(FlowField.TUN_DST)));
            return key.inPort() == 1 && key.get(FlowField.TUN_ID) == 5 ? DatapathActions.builder().output(2).build()
                    : DatapathActions.DROP;
        };
        dp.addPort(tun, byTunId);
        dp.addPort(p2, byTunId);
        byte[] f = Frames.udp(0x0a000001, 0x0a000002, 1000, 53); // IPv4 UDP: the raw-header cache's shape
        for (long id : new long[] {5, 6, 5, 6}) {
            tun.nextId = id;
            wire.inject(f);
            dp.poll();
        }
        assertEquals(List.of("5/a000009/a000001", "6/a000009/a000001"), keys, "one upcall per tunnel id");
        assertEquals(2, p2.drain().size(), "only tun_id=5 is forwarded");
        // A non-tunnel port's key has no tunnel words, even after a tunnel port's burst.
        Pipeline record = (key, mask, tx) -> {
            keys.add("p3:" + key.get(FlowField.TUN_ID) + "/" + key.w[FlowKey.W_TUN_IP]);
            return DatapathActions.DROP;
        };
        dp.addPort(p3, record);
        p3.inject(f);
        dp.poll();
        assertEquals("p3:0/0", keys.get(keys.size() - 1));
    }

    @Test
    void tnlPushBeforeAnotherOutputPushesOntoACopy() {
        FourBytes h = new FourBytes();
        Pipeline pushThenOutput = (key, mask, tx) -> DatapathActions.builder()
                .add(new DatapathAction.TunnelPush(3, h)).output(2).build();
        dp.addPort(wire, pushThenOutput);
        dp.addPort(p2, pushThenOutput);
        dp.addPort(p3, pushThenOutput);
        byte[] f = Frames.udp(0x0a000001, 0x0a000002, 1000, 53);
        wire.inject(f);
        dp.poll();
        assertArrayEquals(f, p2.drain().get(0), "the other output sees the inner frame");
        byte[] pushed = p3.drain().get(0);
        assertEquals(f.length + 4, pushed.length);
        assertEquals("TUNL", new String(pushed, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
        assertTrue(dp.dumpFlows().toString().contains("tnl_push(tnl_port(3),header(TUNL)),2"), dp.dumpFlows().toString());
    }

    @Test
    void aLoneTnlPushGoesOutAsABurstAndARefusedPushIsDroppedAndCounted() {
        FourBytes h = new FourBytes();
        Pipeline push = (key, mask, tx) -> DatapathActions.builder().add(new DatapathAction.TunnelPush(2, h)).build();
        dp.addPort(wire, push);
        dp.addPort(p2, push);
        byte[] small = Frames.udp(0x0a000001, 0x0a000002, 1000, 53);
        for (int i = 0; i < 8; i++) {
            wire.inject(small);
        }
        dp.poll();
        List<byte[]> out = p2.drain();
        assertEquals(8, out.size());
        assertEquals(1, p2.transmitCalls.get(), "one transmit for the burst");
        assertEquals(8L * (small.length + 4), dp.portStats(2).txBytes(), "tx bytes count the pushed header");
        h.max = small.length - 1;
        wire.inject(small);
        dp.poll();
        assertEquals(0, p2.drain().size());
        assertEquals(1, dp.dropCount(1, DropReason.TUNNEL_PUSH));
        assertEquals(1, dp.portStats(2).txDropped());
    }

    @Test
    void tunnelMetadataMovesAndCopiesWithTheFrameAndABindClearsIt() {
        Packet a = new Packet().bindEmpty(pool, pool.allocate());
        a.length(60);
        a.tunnel(42, 0x0a000009, 0x0a000001);
        assertEquals(0x0a000009_0a000001L, a.tunnelIps());
        Packet b = new Packet();
        a.moveTo(b);
        assertEquals(42, b.tunnelId());
        Packet c = new Packet();
        assertTrue(b.copyTo(pool, c));
        assertEquals(42, c.tunnelId());
        assertEquals(0x0a000009_0a000001L, c.tunnelIps());
        long h = c.handle();
        c.unbind();
        c.bindEmpty(pool, h);
        assertEquals(0, c.tunnelId() | c.tunnelIps());
        b.release();
        c.release();
    }
}
