package org.vswitch4j.dpdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;

/**
 * The shared-memory PMDs a VM or a container connects through, each pair in this one EAL: {@code net_memif}
 * (a memif server and a client on one control socket) and {@code net_vhost} (vhost-user, the backend a VM's
 * virtio NIC talks to) with {@code net_virtio_user} as the guest's side. Frames cross each pair both ways,
 * byte for byte, once the link has come up over the socket.
 */
class DpdkMemifVhostTest {
    private Dpdk dpdk;

    @BeforeEach
    void eal() {
        dpdk = TestEal.dpdk();
    }

    @Test
    void framesCrossAMemifServerAndClientBothWays() throws Exception {
        Path sock = Files.createTempDirectory("vsd-memif").resolve("memif.sock");
        try (DpdkPort server = DpdkPort.builder(dpdk, "net_memif0,role=server,id=7,socket=" + sock).build();
             DpdkPort client = DpdkPort.builder(dpdk, "net_memif1,role=client,id=7,socket=" + sock).build()) {
            assertEquals("net_memif", server.driver());
            awaitLink(server, client);
            exchange(server, client, 11);
            exchange(client, server, 12);
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(sock.getParent());
        }
    }

    @Test
    void framesCrossAVhostUserBackendAndAVirtioUserGuestBothWays() throws Exception {
        TestEal.requireRoot("vhost-user (the guest's memory is shared from hugepage files, which need root here)");
        Path sock = Files.createTempDirectory("vsd-vhost").resolve("vhost.sock");
        // the backend listens on the socket (as OVS's dpdkvhostuserclient's peer, QEMU, would); the guest connects
        try (DpdkPort vhost = DpdkPort.builder(dpdk, "net_vhost0,iface=" + sock + ",queues=1").build();
             DpdkPort guest = DpdkPort.builder(dpdk, "net_virtio_user0,path=" + sock + ",queues=1").build()) {
            assertEquals("net_vhost", vhost.driver());
            awaitLink(vhost, guest);
            exchange(guest, vhost, 21);
            exchange(vhost, guest, 22);
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(sock.getParent());
        }
    }

    private static void awaitLink(DpdkPort a, DpdkPort b) throws InterruptedException {
        // linkUp() re-reads the PMD's state once per 1,024 calls (it is on the poll threads' path): ask often
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int i = 1; !(a.linkUp() && b.linkUp()) && System.nanoTime() < until; i++) {
            if (i % 1024 == 0) {
                Thread.sleep(1);
            }
        }
        assertTrue(a.linkUp() && b.linkUp(), "both sides' links came up over the socket: " + a.linkUp() + " "
                + b.linkUp());
    }

    /** 64 distinct frames from {@code from} arrive on {@code to} in order and intact (within 5 s). */
    private void exchange(DpdkPort from, DpdkPort to, int tag) throws InterruptedException {
        byte[][] frames = new byte[64][];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = FrameBuilder.ethernet("02:00:00:00:00:01", "02:00:00:00:00:02")
                    .ipv4("192.0.2.1", "192.0.2.2").udp(1000 + tag, 2000 + i).payload(18 + i).build();
        }
        // the peer's rings may be ready a moment after the link reads up: a burst the PMD refuses is dropped and
        // counted, so send again (up to 2 s) until one burst goes through whole
        long sent = 0;
        long dropped = 0;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        try (BufferPool core = BufferPool.builder().count(128).strict(true).build()) {
            while (sent < frames.length && System.nanoTime() < until) {
                PacketBatch out = new PacketBatch(64);
                for (byte[] f : frames) {
                    Packet v = out.add().bindEmpty(core, core.allocate());
                    v.length(f.length);
                    v.write(0, f, 0, f.length);
                }
                // a memif client posts the buffers its server may fill when it polls: the receiver polls first,
                // as its poll thread would
                PacketBatch none = new PacketBatch(64);
                assertEquals(0, to.receive(0, none), "nothing sent yet");
                long before = from.stats().txPackets();
                long droppedBefore = from.stats().txDropped();
                from.transmit(out);
                assertEquals(0, core.usedCount(), "every foreign buffer was released after its copy");
                sent = from.stats().txPackets() - before;
                dropped += from.stats().txDropped() - droppedBefore;
                if (sent < frames.length) {
                    assertEquals(0, sent, "a burst goes whole or not at all while the peer gets ready");
                    Thread.sleep(10);
                }
            }
        }
        assertEquals(frames.length, sent, "a whole burst was sent (dropped before that: " + dropped + ")");
        PacketBatch in = new PacketBatch(64);
        int got = 0;
        until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (got < frames.length && System.nanoTime() < until) {
            int n = to.receive(0, in);
            for (int i = 0; i < n; i++) {
                assertArrayEquals(frames[got + i], in.get(i).toByteArray(), "frame " + (got + i) + " intact, in order");
            }
            got += n;
            in.releaseAll();
            if (n == 0) {
                Thread.sleep(1);
            }
        }
        assertEquals(frames.length, got, "every frame arrived");
    }
}
