package org.vswitch4j.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.port.MemoryPort;
import org.vswitch4j.io.linux.TapPort;
import org.vswitch4j.it.linux.LinuxLab;
import org.vswitch4j.testkit.PingResult;
import org.vswitch4j.testkit.Pump;
import org.vswitch4j.testkit.VirtualHost;
import org.vswitch4j.tunnel.NativeUnderlay;
import org.vswitch4j.tunnel.TunnelConfig;
import org.vswitch4j.tunnel.TunnelPort;
import org.vswitch4j.tunnel.TunnelType;

/**
 * Issue 5's proof with the kernel as the peer. Namespace {@code vst-k} holds the kernel's tunnel device
 * ({@code vxlan}, {@code gretap} or {@code geneve}, key 42) with 192.0.2.2/24, carried by {@code vst-tap}
 * (198.51.100.2/24), a TAP device that is, on our side, a {@link TapPort} of the switch's physical bridge. The
 * switch: {@code br-phy} = that TAP port + a {@link NativeUnderlay}'s local port (198.51.100.1, the underlay's ARP
 * and routes); {@code br-int} = the tunnel port + an in-process host at 192.0.2.1. The host pings the kernel and the
 * kernel pings the host, ARP included on both the overlay and the underlay; tshark, capturing on the TAP in the
 * namespace, decodes the frames the switch sent as VXLAN/GRE/Geneve with key 42, and for Geneve the option the
 * pipeline sets ({@code set_field:0xc0ffee->tun_metadata0}, mapped to class 0xffff type 1 by the TLV map). Case
 * {@code vxlan6} runs VXLAN over an IPv6 underlay (2001:db8:51::1 and ::2): the kernel and our underlay find each
 * other by neighbour discovery.
 *
 * <p>Root only (CI). On a kernel without the device type (as some minimal VM kernels are built: no gretap, no
 * geneve) our host's encapsulated pings still go out on the TAP and tshark must decode them as that type with
 * key 42; then the kernel-peer part is skipped with the kernel option named, also under {@code CI=true} (a kernel
 * build option is nothing .ci/run could install). {@link OvsTunnelEndToEndTest} then gives GRE and Geneve a real
 * peer all the same: Open vSwitch's userspace tunnels.
 */
class KernelTunnelEndToEndTest {
    private static final Pattern LOSS = Pattern.compile("(\\d+)% packet loss");
    static final String NS = "vst-k";
    static final String TAP = "vst-tap";
    static final String TUN = "vst-tun";
    static final String LOCAL6 = "2001:db8:51::1";
    static final String PEER6 = "2001:db8:51::2";

    /** The display filter for frames the switch sent (outer source its underlay address). */
    static String ourSource(String kind) {
        return kind.equals("vxlan6") ? "ipv6.src==" + LOCAL6 : "ip.src==198.51.100.1";
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"vxlan", "gretap", "geneve", "vxlan6"})
    void aHostBehindTheKernelsTunnelDeviceAndOneBehindOurTunnelPortPingBothWays(String kind, @TempDir Path dir)
            throws Exception {
        try (LinuxLab lab = LinuxLab.open("ping", "tshark")) {
            lab.namespace(NS);
            try (BufferPool pool = BufferPool.builder().count(8192).strict(true).build();
                 TapPort tap = TapPort.builder(TAP).namespace(NS).memory(pool).build();
                 MemoryPort hostPort = MemoryPort.builder().name("h1").memory(pool).build()) {
                // vxlan6: the underlay is IPv6 (our neighbour discovery against the kernel's); nodad: usable at once.
                boolean v6 = kind.equals("vxlan6");
                if (v6) {
                    lab.in(NS, "ip", "-6", "addr", "add", PEER6 + "/64", "dev", TAP, "nodad");
                } else {
                    lab.in(NS, "ip", "addr", "add", "198.51.100.2/24", "dev", TAP);
                }
                lab.in(NS, "ip", "link", "set", TAP, "up");
                String missing = kernelDevice(lab, kind);
                if (missing == null) {
                    lab.in(NS, "ip", "addr", "add", "192.0.2.2/24", "dev", TUN);
                    lab.in(NS, "ip", "link", "set", TUN, "up");
                }

                TunnelType type = switch (kind) {
                    case "vxlan", "vxlan6" -> TunnelType.VXLAN;
                    case "gretap" -> TunnelType.GRE;
                    default -> TunnelType.GENEVE;
                };
                TunnelConfig cfg = TunnelConfig.builder(type).local(InetAddress.getByName(v6 ? LOCAL6 : "198.51.100.1"))
                        .remote(InetAddress.getByName(v6 ? PEER6 : "198.51.100.2")).key(42).build();
                Switch[] swRef = new Switch[1];
                NativeUnderlay underlay = Site.nativeUnderlay(v6 ? LOCAL6 + "/64" : "198.51.100.1/24", pool, swRef);
                // Closed in reverse: the switch first, then its ports (Switch's rule).
                // Geneve carries an option (non-critical, so a kernel peer ignores it) set by the pipeline; tshark must
                // decode it.
                try (TunnelPort tunnel = new TunnelPort("tun0", cfg, underlay.tunnel(cfg), pool, Site.optionMap());
                     var phyLocal = underlay.localPort();
                     Switch sw = Switch.builder().memory(pool).build()) {
                    swRef[0] = sw;
                    Bridge integration = Site.nativeTunnelBridges(sw, phyLocal, tap, tunnel, hostPort);
                    if (type == TunnelType.GENEVE) {
                        Site.geneveOptionFlows(sw, integration, "0xc0ffee", null);
                    }
                    VirtualHost[] host = new VirtualHost[1];
                    Pump pump = Site.waitingPump(sw, host, 2_000_000_000L);
                    host[0] = VirtualHost.builder().name("h1").mac(0x0200_0000_0001L).ipv4("192.0.2.1").port(hostPort)
                            .pump(pump).build();

                    Path pcap = dir.resolve(kind + ".pcap");
                    Process capture = startCapture(lab, pcap, pump);

                    if (missing != null) {
                        // No kernel peer: our host's ARP requests for 192.0.2.2 still go out encapsulated (the TAP's
                        // address answers the underlay's ARP) and tshark must decode them; then the peer part is
                        // skipped.
                        for (int i = 0; i < 3; i++) {
                            host[0].ping(InetAddress.getByName("192.0.2.2"));
                        }
                        stopCapture(capture);
                        List<String[]> ours = decode(pcap, kind, ourSource(kind));
                        assertTrue(ours.stream().filter(row -> row[0].endsWith(":arp")).count() >= 2,
                                kind + ": our encapsulated ARP requests on the wire: " + ours.size() + " frames");
                        checkDecoded(kind, ours);
                        System.out.printf("%s: tshark decoded %d frames the switch encapsulated (no kernel peer)%n",
                                kind, ours.size());
                        Assumptions.abort(missing + "; tshark decoded our " + kind + " frames as valid, the ping with"
                                + " a kernel peer is skipped, also under CI=true: a kernel build option is not a package"
                                + " .ci/run could install");
                    }
                    // Our host pings the kernel: the first attempts may go while the underlay resolves its next hop.
                    PingResult r = null;
                    for (int i = 0; i < 10 && (r == null || !r.success()); i++) {
                        r = host[0].ping(InetAddress.getByName("192.0.2.2"));
                    }
                    assertTrue(r.success(), kind + ": 192.0.2.1 -> 192.0.2.2 through the kernel's " + kind + ": " + r
                            + "; underlay " + underlay.counters() + " arp " + underlay.arpTable() + "; tunnel "
                            + tunnel.stats() + " " + tunnel.decapErrors());
                    for (int i = 0; i < 3; i++) {
                        assertTrue(host[0].ping(InetAddress.getByName("192.0.2.2")).success(), kind + " ping #" + i);
                    }
                    // The kernel pings our host (its ARP for 192.0.2.1 crosses the tunnel too).
                    lab.in(NS, "ip", "neigh", "flush", "dev", TUN);
                    Process ping = lab.start(NS, "ping", "-c", "3", "-i", "0.3", "-W", "2", "-w", "15", "192.0.2.1");
                    pumpUntilExit(pump, ping, 20);
                    String out = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    Matcher m = LOSS.matcher(out);
                    assertTrue(m.find() && m.group(1).equals("0"), kind + ": kernel -> our host: " + out);
                    assertEquals(0, tunnel.stats().rxErrors(), tunnel.decapErrors().toString());

                    stopCapture(capture);
                    List<String[]> ours = decode(pcap, kind, ourSource(kind) + " && !arp && !icmpv6.type==135"
                            + " && !icmpv6.type==136");
                    StringBuilder rows = new StringBuilder();
                    ours.forEach(row -> rows.append(String.join("|", row)).append('\n'));
                    System.out.printf("%s: tshark decoded %d frames the switch encapsulated:%n%s", kind, ours.size(), rows);
                    // Echo requests of our host's pings and echo replies to the kernel's, at least.
                    assertTrue(ours.stream().filter(row -> row[2].equals("8")).count() >= 3, kind + ": " + rows);
                    assertTrue(ours.stream().filter(row -> row[2].equals("0")).count() >= 2, kind + ": " + rows);
                    checkDecoded(kind, ours);
                }
            }
        }
    }

    /** Every frame of ours tshark decoded is {@code kind} carrying Ethernet, with key/VNI 42, and not malformed. */
    static void checkDecoded(String kind, List<String[]> ours) {
        String want = switch (kind) {
            case "vxlan", "vxlan6" -> "udp:vxlan:eth:ethertype";
            case "gretap" -> "gre:eth:ethertype";
            default -> "udp:geneve:eth:ethertype";
        };
        for (String[] row : ours) {
            String protocols = row[0];
            assertTrue(protocols.contains(want), kind + ": " + String.join("|", row));
            assertEquals(42L, Long.decode(row[1]), kind + ": key/VNI in " + String.join("|", row)); // 42 or 0x2a
            assertFalse(protocols.contains("malformed") || protocols.contains("expert"), String.join("|", row));
            if (kind.equals("geneve")) {
                // The option set_field:0xc0ffee->tun_metadata0 sent, as the TLV map says: class 0xffff, type 1, 4 bytes.
                assertEquals(0xffff, Long.decode(row[3]), "option class in " + String.join("|", row));
                assertEquals(1, Long.decode(row[4]), "option type in " + String.join("|", row));
                assertEquals(8, Long.decode(row[5]), "option length (header and data) in " + String.join("|", row));
                assertEquals("00c0ffee", row[6].replace(":", ""), "option data in " + String.join("|", row));
            }
        }
    }

    /**
     * Creates the kernel's tunnel device; returns null, or why it could not when the kernel lacks the type (a
     * build option such as CONFIG_GENEVE or CONFIG_NET_IPGRE, which some VM kernels leave out).
     */
    static String kernelDevice(LinuxLab lab, String kind) {
        String[] cmd = switch (kind) {
            case "vxlan" -> new String[] {"ip", "link", "add", TUN, "type", "vxlan", "id", "42", "remote", "198.51.100.1",
                "local", "198.51.100.2", "dstport", "4789", "dev", TAP};
            case "vxlan6" -> new String[] {"ip", "link", "add", TUN, "type", "vxlan", "id", "42", "remote", LOCAL6,
                "local", PEER6, "dstport", "4789", "dev", TAP};
            case "gretap" -> new String[] {"ip", "link", "add", TUN, "type", "gretap", "remote", "198.51.100.1", "local",
                "198.51.100.2", "key", "42"};
            default -> new String[] {"ip", "link", "add", TUN, "type", "geneve", "id", "42", "remote", "198.51.100.1"};
        };
        LinuxLab.Result r = lab.tryIn(10, NS, cmd);
        return r.exit() == 0 ? null : "this kernel cannot create a " + kind + " device (" + r.output().trim()
                + "; kernel option " + (kind.equals("gretap") ? "CONFIG_NET_IPGRE" : kind.equals("geneve") ? "CONFIG_GENEVE"
                : "CONFIG_VXLAN with CONFIG_IPV6") + ")";
    }

    static void pumpUntilExit(Pump pump, Process p, int seconds) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (p.isAlive() && System.nanoTime() < until) {
            pump.pumpOnce();
        }
        if (!p.waitFor(1, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("ping did not end within " + seconds + " s");
        }
    }

    /** tshark on the TAP in the namespace, writing {@code pcap}; waits (bounded) until it captures. */
    static Process startCapture(LinuxLab lab, Path pcap, Pump pump) throws Exception {
        Process p = lab.start(NS, LinuxLab.find("tshark").toString(), "-q", "-i", TAP, "-w", pcap.toString());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        StringBuilder seen = new StringBuilder();
        var in = p.getInputStream();
        while (System.nanoTime() < until && !seen.toString().contains("Capturing on")) {
            while (in.available() > 0) {
                seen.append((char) in.read());
            }
            if (!p.isAlive()) {
                fail("tshark ended: " + seen);
            }
            pump.pumpOnce();
        }
        assertTrue(seen.toString().contains("Capturing on"), "tshark did not start capturing: " + seen);
        return p;
    }

    static void stopCapture(Process p) throws InterruptedException {
        p.destroy(); // SIGTERM: tshark closes the file properly
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    /** Our frames (outer source 198.51.100.1) as tshark decodes them: {protocols, VNI or GRE key, ICMP type}. */
    static List<String[]> decode(Path pcap, String kind, String filter) throws Exception {
        String field = switch (kind) {
            case "vxlan", "vxlan6" -> "vxlan.vni";
            case "gretap" -> "gre.key";
            default -> "geneve.vni";
        };
        assertTrue(Files.size(pcap) > 24, "the capture is empty");
        List<String> cmd = new java.util.ArrayList<>(List.of(LinuxLab.find("tshark").toString(), "-r", pcap.toString(),
                "-Y", filter, "-T", "fields", "-E", "occurrence=f", "-e", "frame.protocols",
                "-e", field, "-e", "icmp.type"));
        if (kind.equals("geneve")) {
            cmd.addAll(List.of("-e", "geneve.option.class", "-e", "geneve.option.type", "-e", "geneve.option.length",
                    "-e", "geneve.option.unknown.data"));
        }
        LinuxLab.Result r = LinuxLab.exec(60, cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), "tshark -r failed: " + r.output());
        return r.output().lines().filter(l -> !l.isBlank() && !l.contains("Running as user"))
                .map(l -> l.split("\t", -1)).toList();
    }
}
