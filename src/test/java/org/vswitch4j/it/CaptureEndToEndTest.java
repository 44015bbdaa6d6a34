package org.vswitch4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.bridge.VlanMode;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.pcap.PcapWriter;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.time.VirtualClock;
import org.vswitch4j.testkit.TestNetwork;
import org.vswitch4j.testkit.VirtualHost;

/**
 * Issue 3's "any port can be captured to a pcap file that tshark -r reads": captures taken by the bridge while
 * traffic crosses it, decoded by the real tshark. Skips with a message when tshark is absent; fails under
 * {@code CI=true} (CI installs it).
 */
class CaptureEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void aPingThroughTheBridgeIsCapturedOnTheAccessAndTheTrunkPortWithItsVlanTags() throws Exception {
        String tshark = findTshark();
        Path access = dir.resolve("a.pcap");
        Path trunk = dir.resolve("t.pcap");
        try (TestNetwork net = TestNetwork.builder().build()) {
            VirtualHost a = net.addHost("a").ipv4("192.0.2.1").access(10).add();
            net.addHost("b").ipv4("192.0.2.2").access(10).add();
            VirtualHost t = net.addHost("t").ipv4("192.0.2.4").vlan(10).trunk(10, 20).add();
            PcapWriter wa = net.capture("a", access);
            PcapWriter wt = net.capture("t", trunk);
            assertTrue(a.ping(t).success());
            wa.flush();
            wt.flush();
        }
        List<String> expectedProtocols = List.of("arp", "arp", "ip:icmp:data", "ip:icmp:data");
        // frame.protocols, vlan.id, eth.src, arp.opcode / icmp.type
        List<String[]> onA = decode(tshark, access);
        List<String[]> onT = decode(tshark, trunk);
        assertEquals(4, onA.size(), "ARP request and reply, echo request and reply on a's port");
        assertEquals(4, onT.size(), "the same four on the trunk");
        for (int i = 0; i < 4; i++) {
            assertEquals("eth:ethertype:" + expectedProtocols.get(i), onA.get(i)[0], "a's port frame " + (i + 1));
            assertEquals("", onA.get(i)[1], "untagged on the access port");
            assertEquals("eth:ethertype:vlan:ethertype:" + expectedProtocols.get(i), onT.get(i)[0],
                    "trunk frame " + (i + 1));
            assertEquals("10", onT.get(i)[1], "tagged with VLAN 10 on the trunk");
        }
        // Direction: request from a (received on a's port, sent to t), reply from t.
        String macA = onA.get(0)[2];
        String macT = onA.get(1)[2];
        assertEquals(List.of(macA, macT, macA, macT), onA.stream().map(c -> c[2]).toList());
        assertEquals(List.of(macA, macT, macA, macT), onT.stream().map(c -> c[2]).toList());
        assertEquals(List.of("1", "2", "8", "0"), onT.stream().map(c -> c[3].isEmpty() ? c[4] : c[3]).toList(),
                "ARP request, ARP reply, echo request, echo reply");
    }

    @Test
    void aPortThatIsNotAMemoryPortIsCapturedTooAndAQinQFrameDecodes() throws Exception {
        String tshark = findTshark();
        Path file = dir.resolve("wire.pcap");
        VirtualClock clock = new VirtualClock(1_000_000_000L);
        try (BufferPool pool = BufferPool.builder().count(64).strict(true).build()) {
            QueuePort wire = new QueuePort("wire", pool);
            QueuePort access = new QueuePort("access", pool);
            try (Switch sw = Switch.builder().clock(clock).memory(pool).build();
                 PcapWriter w = PcapWriter.open(file, clock)) {
                Bridge br = sw.addBridge("br0");
                br.addPort(wire, BridgePortConfig.trunk("wire"));
                br.addPort(access, BridgePortConfig.builder("access").mode(VlanMode.DOT1Q_TUNNEL).tag(100).build());
                br.capture("wire", w);
                // A customer frame tagged 7 enters the dot1q-tunnel port and leaves the trunk as QinQ 100/7.
                access.in.add(FrameBuilder.ethernet(0x0200_0000_0001L, 0xffff_ffff_ffffL).vlan(7)
                        .ipv4("192.0.2.1", "192.0.2.2").udp(1000, 2000).payload(18).build());
                sw.poll();
                wire.in.add(FrameBuilder.ethernet(0x0200_0000_0002L, 0x0200_0000_0001L).qinq(100).vlan(7)
                        .ipv4("192.0.2.2", "192.0.2.1").udp(2000, 1000).payload(18).build());
                clock.advanceMillis(1);
                sw.poll();
                assertTrue(br.stopCapture("wire"));
                wire.in.add(FrameBuilder.ethernet(0x0200_0000_0002L, 0xffff_ffff_ffffL).qinq(100).vlan(7)
                        .ipv4("192.0.2.2", "192.0.2.255").udp(2000, 1000).payload(18).build());
                sw.poll();
                assertEquals(2, w.records(), "nothing recorded after stopCapture");
                assertEquals(1, wire.sent, "the flood went out on the trunk");
                assertEquals(2, access.sent, "the reply and the broadcast reached the customer port");
            }
        }
        List<String[]> rows = decode(tshark, file);
        assertEquals(2, rows.size());
        for (String[] r : rows) {
            assertEquals("eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:ip:udp:data", r[0], String.join("|", r));
            assertEquals("100", r[5], "802.1ad service tag 100 outside");
            assertEquals("7", r[1], "802.1Q customer tag 7 inside");
        }
        assertEquals("02:00:00:00:00:01", rows.get(0)[2], "sent to the trunk first");
        assertEquals("02:00:00:00:00:02", rows.get(1)[2], "then received from it");
    }

    /** Per frame: frame.protocols, vlan.id (comma-separated), eth.src, arp.opcode, icmp.type, ieee8021ad.id. */
    private static List<String[]> decode(String tshark, Path file) throws Exception {
        return run(tshark, "-r", file.toString(), "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                "-e", "frame.protocols", "-e", "vlan.id", "-e", "eth.src", "-e", "arp.opcode", "-e", "icmp.type",
                "-e", "ieee8021ad.id")
                .stream().map(l -> l.split("\t", -1)).toList();
    }

    /** tshark's path; skips the test when it is absent, but fails under CI=true (as PcapWriterTest does). */
    static String findTshark() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path t = Path.of(d, "tshark");
            if (Files.isExecutable(t)) {
                return t.toString();
            }
        }
        String msg = "tshark is not installed (apt-get install tshark); the capture end-to-end check needs it";
        if ("true".equals(System.getenv("CI"))) {
            fail(msg + " and CI=true makes a skip a failure");
        }
        Assumptions.abort(msg + "; skipped");
        return null;
    }

    private static List<String> run(String... cmd) throws Exception {
        Process pr = new ProcessBuilder(cmd).start();
        pr.getOutputStream().close();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(pr.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!pr.waitFor(60, TimeUnit.SECONDS)) {
            pr.destroyForcibly();
            fail("tshark did not finish within 60 s");
        }
        assertEquals(0, pr.exitValue(), "tshark failed: " + err);
        for (String line : err.split("\n")) {
            if (!line.isBlank() && !line.contains("Running as user")) {
                fail("tshark complained: " + err);   // a cut or unreadable file
            }
        }
        return out.lines().toList();
    }

    /** A port of no particular kind: byte arrays in, counts what it is sent. Single-threaded (synchronous mode). */
    static final class QueuePort implements Port {
        final String name;
        final PacketMemory memory;
        final ArrayDeque<byte[]> in = new ArrayDeque<>();
        int sent;

        QueuePort(String name, PacketMemory memory) {
            this.name = name;
            this.memory = memory;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int receive(int queue, PacketBatch batch) {
            int n = 0;
            while (batch.remaining() > 0 && !in.isEmpty()) {
                long h = memory.allocate();
                if (h < 0) {
                    break;
                }
                byte[] f = in.poll();
                Packet p = batch.add().bindEmpty(memory, h);
                p.length(f.length);
                p.write(0, f, 0, f.length);
                n++;
            }
            return n;
        }

        @Override
        public void transmit(PacketBatch batch) {
            sent += batch.size();
            batch.releaseAll();
        }

        @Override
        public PacketMemory memory() {
            return memory;
        }

        @Override
        public boolean linkUp() {
            return true;
        }

        @Override
        public int mtu() {
            return 1500;
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
}
