package org.vswitch4j.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;

/**
 * The ports a VM or a container plugs into, each with its peer in this process: a vhost-user port
 * ({@code net_vhost}, the socket a VM's virtio NIC connects to, as OVS's {@code dpdkvhostuser}) with DPDK's own
 * virtio-user driver ({@code net_virtio_user}, which speaks the vhost-user protocol as QEMU does) as the guest, and
 * a memif server ({@code net_memif}, shared-memory packet interface, as VPP and OVS's {@code dpdk} memif ports)
 * with a memif client. Frames cross both ways unchanged, the server side's link follows its peer, and every mbuf
 * comes back to the pool. Root only (the guest maps DPDK's memory: hugepages); sockets live in a temporary
 * directory.
 */
class DpdkGuestPortsTest {
    private static final HexFormat HEX = HexFormat.of();
    private Dpdk dpdk;

    @BeforeEach
    void eal() {
        // The peers map DPDK's memory through the socket: that needs hugepages (memfds), which TestEal uses as root.
        TestEal.requireRoot("vhost-user and memif (the EAL on hugepages)");
        dpdk = TestEal.dpdk();
    }

    @Test
    void framesCrossAVhostUserSocketBothWaysUnchanged(@TempDir Path dir) {
        Path sock = dir.resolve("vsn-vhost.sock");
        // The vhost port listens (server mode, OVS's dpdkvhostuser); the guest side connects when it is probed.
        crossBothWays("net_vhost40,iface=" + sock + ",queues=1", "net_virtio_user40,path=" + sock + ",queues=1");
    }

    @Test
    void framesCrossAMemifSocketBothWaysUnchanged(@TempDir Path dir) {
        Path sock = dir.resolve("vsn-memif.sock");
        crossBothWays("net_memif40,role=server,id=0,socket=" + sock, "net_memif41,role=client,id=0,socket=" + sock);
    }

    /** {@code hostArgs} (the server side) first, then its peer: 40 frames each way, then the peer leaves. */
    private void crossBothWays(String hostArgs, String peerArgs) {
        long freeBefore = dpdk.memory().freeCount();
        try (DpdkPort host = DpdkPort.builder(dpdk, hostArgs).build();
             BufferPool core = BufferPool.builder().count(256).strict(true).build()) {
            DpdkPort guest = DpdkPort.builder(dpdk, peerArgs).build();
            try {
                List<byte[]> toHost = frames(0x0A, 40);
                List<byte[]> toGuest = frames(0x0B, 40);
                assertEquals(hex(toHost), exchange(guest, host, core, toHost), "peer -> server");
                assertEquals(hex(toGuest), exchange(host, guest, core, toGuest), "server -> peer");
                assertTrue(linkBecomes(host, true), "the server port's link is up while its peer is connected");
                assertEquals(toHost.size(), host.stats().rxPackets(), "server rx: " + host.stats());
                assertEquals(toGuest.size(), guest.stats().rxPackets(), "peer rx: " + guest.stats());
            } finally {
                guest.close();
            }
            assertTrue(linkBecomes(host, false), "the server port's link goes down when its peer leaves");
            PacketBatch none = new PacketBatch();
            assertEquals(0, host.receive(0, none), "nothing to receive without a peer");
        }
        assertEquals(freeBefore, dpdk.memory().freeCount(), "every mbuf is back in the pool");
    }

    /**
     * Whether {@code p.linkUp()} reads {@code up} within two seconds (DPDK's vhost thread sees the guest come and
     * go; the port re-reads the link state every 1,024 status calls, so this calls it in a loop).
     */
    private static boolean linkBecomes(DpdkPort p, boolean up) {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (p.linkUp() == up) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    private static List<byte[]> frames(int tag, int n) {
        List<byte[]> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(FrameBuilder.ethernet(0x02_00_00_00_00_00L | tag, 0x02_00_00_00_00_01L)
                    .ipv4("192.0.2.1", "192.0.2.2").udp(1000 + i, 53).payload(i).padTo(60).build());
        }
        return fs;
    }

    /**
     * Sends {@code frames} from {@code from} (copied from the core's pool into mbufs) and receives on {@code to}
     * until all came or two seconds passed (the handshake runs on DPDK's own thread, so the first
     * bursts may find the queues not ready yet: what the device refused is sent again). Returns what came, in
     * order, in hex.
     */
    private static List<String> exchange(DpdkPort from, DpdkPort to, BufferPool core, List<byte[]> frames) {
        List<String> got = new ArrayList<>();
        int sent = 0;
        long deadline = System.nanoTime() + 2_000_000_000L;
        PacketBatch in = new PacketBatch();
        while (got.size() < frames.size() && System.nanoTime() < deadline) {
            if (sent < frames.size()) {
                long droppedBefore = from.stats().txDropped();
                PacketBatch out = new PacketBatch();
                int k = Math.min(8, frames.size() - sent);
                for (int i = 0; i < k; i++) {
                    byte[] f = frames.get(sent + i);
                    Packet v = out.add().bindEmpty(core, core.allocate());
                    v.length(f.length);
                    v.write(0, f, 0, f.length);
                }
                from.transmit(out);
                sent += k - (int) (from.stats().txDropped() - droppedBefore);
            }
            int n = to.receive(0, in);
            for (int i = 0; i < n; i++) {
                got.add(HEX.formatHex(in.get(i).toByteArray()));
            }
            in.releaseAll();
        }
        assertEquals(0, core.usedCount(), "the core's buffers were released after their copies");
        return got;
    }

    private static List<String> hex(List<byte[]> frames) {
        return frames.stream().map(HEX::formatHex).toList();
    }
}
