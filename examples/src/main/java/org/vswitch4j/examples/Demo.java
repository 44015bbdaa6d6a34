package org.vswitch4j.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.pcap.PcapWriter;
import org.vswitch4j.core.time.Clock;
import org.vswitch4j.testkit.PingResult;
import org.vswitch4j.testkit.TestNetwork;
import org.vswitch4j.testkit.UdpDatagram;
import org.vswitch4j.testkit.VirtualHost;

/**
 * The demo the README runs first ({@code ./vsw demo}): one bridge, four in-process hosts, two VLANs.
 *
 * <pre>
 *            br0 (NORMAL learning bridge)
 *   a ── access VLAN 10        c ── access VLAN 20
 *   b ── access VLAN 10        t ── trunk 10,20  (t sends 802.1Q-tagged VLAN 10 frames)
 * </pre>
 *
 * Pings within VLAN 10 (access to access, trunk to access, IPv6) succeed; pings from VLAN 20 to VLAN 10
 * fail although every host is in the same IP subnet, because the bridge keeps VLANs apart at layer 2. Then it
 * prints the MAC table and the port counters as Open vSwitch's tools would, and captures the trunk port
 * (both directions, tags visible) into a pcap file (path: the first argument, default
 * {@code target/demo-trunk.pcap}).
 *
 * <p>The switch runs in synchronous mode on the system clock, so ping times are real (in-process) times.
 */
public final class Demo {
    private Demo() {
    }

    /** Runs the demo; {@code args[0]}, if given, is where the pcap file goes. */
    public static void main(String[] args) throws IOException {
        run(System.out, Path.of(args.length > 0 ? args[0] : "target/demo-trunk.pcap").toAbsolutePath());
    }

    /** Runs the demo, printing to {@code out} and writing host a's frames to {@code pcap}. */
    public static void run(PrintStream out, Path pcap) throws IOException {
        try (TestNetwork net = TestNetwork.builder().clock(Clock.system()).build()) {
            VirtualHost a = net.addHost("a").ipv4("192.0.2.1").ipv6("2001:db8::1").access(10).add();
            VirtualHost b = net.addHost("b").ipv4("192.0.2.2").ipv6("2001:db8::2").access(10).add();
            VirtualHost c = net.addHost("c").ipv4("192.0.2.3").access(20).add();
            VirtualHost t = net.addHost("t").ipv4("192.0.2.4").vlan(10).trunk(10, 20).add();
            Files.createDirectories(pcap.getParent());
            PcapWriter capture = net.capture("t", pcap); // the trunk: frames show their 802.1Q tags

            Bridge br = net.bridge();
            out.println("vswitch4j demo: bridge " + br.name() + " with four in-process hosts");
            for (VirtualHost h : net.hosts()) {
                out.printf("  port %d %-2s %-30s %s%n", br.ofport(h.name()), h.name(),
                        br.portConfig(h.name()).toString().replaceFirst("^[^ ]* ?", ""), h);
            }

            out.println();
            out.println("Within VLAN 10:");
            show(out, "a -> b", a.ping(b));
            show(out, "b -> a", b.ping(a));
            show(out, "t -> a (tagged, through the trunk)", t.ping(a));
            show(out, "a -> t", a.ping(t));
            show(out, "a -> b (IPv6, neighbour discovery)", a.ping6(b));

            out.println();
            out.println("Across VLANs (same IP subnet, different VLAN: must fail):");
            show(out, "c -> a", c.ping(a));
            show(out, "a -> c", a.ping(c));
            show(out, "t -> c", t.ping(c));

            out.println();
            a.sendUdp(t.ipv4(), 40000, 9, "hello over the trunk".getBytes(StandardCharsets.ISO_8859_1));
            net.settle();
            List<UdpDatagram> got = t.receivedUdp();
            out.println("UDP a -> t: " + (got.isEmpty() ? "not delivered"
                    : got.getFirst() + ", \"" + got.getFirst().payloadText() + "\""));

            out.println();
            out.println("$ ovs-appctl fdb/show " + br.name());
            out.print(net.fdbShow());
            out.println();
            out.println("$ ovs-ofctl dump-ports " + br.name());
            out.print(net.dumpPorts());

            capture.flush();
            long frames = capture.records();
            out.println();
            out.println("Wrote the " + frames + " frames that crossed trunk port t (port " + br.ofport("t")
                    + ", tagged VLAN 10 and 20) to " + pcap);
            out.println("Read them with: tshark -r " + pcap);
        }
        out.println();
        OpenFlowAcl.run(out);
    }

    private static void show(PrintStream out, String what, PingResult r) {
        out.printf("  %-36s %s %s%n", what, r.success() ? "OK  " : "FAIL", r);
    }
}
