package org.vswitch4j.dpdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.pcap.PcapWriter;
import org.vswitch4j.core.time.VirtualClock;

/**
 * net_pcap ports (rx_pcap / tx_pcap files, as OVS-DPDK users test with): a capture replayed through the NORMAL
 * bridge comes out of the other port's tx_pcap file, tagged where the VLAN configuration says so.
 */
class DpdkPcapTest {
    private static final long A = FrameBuilder.mac("02:00:00:00:00:0a");
    private static final long B = FrameBuilder.mac("02:00:00:00:00:0b");

    private Dpdk dpdk;

    @BeforeEach
    void eal() {
        dpdk = TestEal.dpdk();
    }

    @Test
    void replayThroughTheBridgeLeavesTheTrunkPortTaggedAndComplete(@TempDir Path dir) throws IOException {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            frames.add(FrameBuilder.ethernet(A, B).ipv4("192.0.2.1", "192.0.2.2").udp(1000 + i, 53).payload(10 + i)
                    .build());
        }
        Path in = dir.resolve("in.pcap");
        Path empty = dir.resolve("empty.pcap");
        Path out0 = dir.resolve("out0.pcap");
        Path out1 = dir.resolve("out1.pcap");
        VirtualClock clock = new VirtualClock();
        try (PcapWriter w = PcapWriter.open(in, clock)) {
            frames.forEach(w::write);
        }
        try (PcapWriter w = PcapWriter.open(empty, clock)) {
            w.flush();
        }
        long freeBefore = dpdk.memory().freeCount();
        try (Switch sw = Switch.builder().clock(clock).build();
             DpdkPort p0 = DpdkPort.builder(dpdk, "net_pcap30,rx_pcap=" + in + ",tx_pcap=" + out0).build();
             DpdkPort p1 = DpdkPort.builder(dpdk, "net_pcap31,rx_pcap=" + empty + ",tx_pcap=" + out1).build()) {
            assertEquals("net_pcap", p0.driver());
            Bridge br = sw.addBridge("br0");
            br.addPort(p0, BridgePortConfig.access("access", 10));
            br.addPort(p1, BridgePortConfig.trunk("trunk", 10));
            for (int round = 0; round < 1000 && p1.stats().txPackets() < frames.size(); round++) {
                sw.poll();
            }
            assertEquals(frames.size(), p0.stats().rxPackets(), "the whole capture was read");
            assertEquals(frames.size(), p1.stats().txPackets(), "every frame went out of the trunk port");
            assertEquals(0, sw.datapath().memory().usedCount(), "no copy: mbufs moved between the ports");
        }
        assertEquals(freeBefore, dpdk.memory().freeCount(), "every mbuf is back");
        List<byte[]> sent = read(out1);
        assertEquals(frames.size(), sent.size());
        for (int i = 0; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            byte[] tagged = new byte[f.length + 4];
            System.arraycopy(f, 0, tagged, 0, 12);
            tagged[12] = (byte) 0x81;
            tagged[14] = 0;
            tagged[15] = 10;
            System.arraycopy(f, 12, tagged, 16, f.length - 12);
            assertArrayEquals(tagged, sent.get(i), "frame " + i + " with the 802.1Q tag of VLAN 10 pushed");
        }
        assertTrue(read(out0).isEmpty(), "nothing came back to the access port");
    }

    /** The frames of a classic pcap file (either byte order). */
    static List<byte[]> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        b.order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0xa1b2c3d4 && b.getInt(0) != 0xa1b23c4d) {
            b.order(ByteOrder.BIG_ENDIAN);
        }
        List<byte[]> frames = new ArrayList<>();
        int at = 24;
        while (at + 16 <= b.limit()) {
            int caplen = b.getInt(at + 8);
            byte[] f = new byte[caplen];
            b.get(at + 16, f);
            frames.add(f);
            at += 16 + caplen;
        }
        return frames;
    }
}
