package org.vswitch4j.it.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.port.MemoryPort;
import org.vswitch4j.io.linux.TapPort;
import org.vswitch4j.it.PrivateOvs;
import org.vswitch4j.it.linux.LinuxLab;
import org.vswitch4j.testkit.PingResult;
import org.vswitch4j.testkit.Pump;
import org.vswitch4j.testkit.VirtualHost;
import org.vswitch4j.tunnel.NativeUnderlay;
import org.vswitch4j.tunnel.TunnelConfig;
import org.vswitch4j.tunnel.TunnelPort;
import org.vswitch4j.tunnel.TunnelType;

/**
 * Issue 5's peers for GRE and Geneve where the kernel has no {@code gretap} or {@code geneve} device (this CI
 * kernel has neither): Open vSwitch's own userspace tunnelling (Debian's {@code openvswitch-switch}, a private
 * instance whose ovs-vswitchd runs in namespace {@code vst-o}, {@code datapath_type=netdev}). Its {@code br-phy}
 * holds the TAP {@code vst-otap} (on our side a {@link TapPort} of our br-phy) and, on its internal port, the
 * underlay address 198.51.100.2; its {@code br-int} holds the tunnel port (key 42, remote 198.51.100.1) and, on its
 * internal port, the overlay host 192.0.2.2 (the namespace's own stack). OVS resolves our underlay address by ARP
 * and we resolve its. Our in-process host 192.0.2.1 pings OVS's host and OVS's host pings ours.
 *
 * <p>For Geneve both sides map option class 0xffff type 1 (4 bytes) to tun_metadata0, and each side forwards
 * only what carries the other side's value: ours sets 0xc0ffee and OVS matches it, OVS sets 0xbeef and we match
 * it. So the pings pass only if options go both ways intact. Root only (CI).
 */
class OvsTunnelEndToEndTest {
    private static final Pattern LOSS = Pattern.compile("(\\d+)% packet loss");
    static final String NS = "vst-o";
    static final String TAP = "vst-otap";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gre", "geneve", "vxlan"})
    void aHostBehindOpenVswitchsTunnelAndOneBehindOursPingBothWays(String kind) throws Exception {
        try (LinuxLab lab = LinuxLab.open("ping")) {
            lab.namespace(NS);
            try (BufferPool pool = BufferPool.builder().count(8192).strict(true).build();
                 TapPort tap = TapPort.builder(TAP).namespace(NS).memory(pool).build();
                 MemoryPort hostPort = MemoryPort.builder().name("h1").memory(pool).build();
                 PrivateOvs ovs = PrivateOvs.inNamespace(NS)) {
                lab.in(NS, "ip", "link", "set", TAP, "up");
                ovs.vsctl("add-br", "br-phy", "--", "set", "bridge", "br-phy", "datapath_type=netdev",
                        "--", "add-port", "br-phy", TAP);
                ovs.vsctl("add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev",
                        "protocols=OpenFlow10,OpenFlow13", "--", "add-port", "br-int", "t0", "--", "set", "interface", "t0", "type=" + kind,
                        "options:remote_ip=198.51.100.1", "options:key=42");
                lab.in(NS, "ip", "addr", "add", "198.51.100.2/24", "dev", "br-phy");
                lab.in(NS, "ip", "link", "set", "br-phy", "up");
                lab.in(NS, "ip", "addr", "add", "192.0.2.2/24", "dev", "br-int");
                lab.in(NS, "ip", "link", "set", "br-int", "up");
                boolean geneve = kind.equals("geneve");
                if (geneve) {
                    ovs.ofctl("add-tlv-map", "br-int", "{class=0xffff,type=0x1,len=4}->tun_metadata0");
                    ovs.ofctl("del-flows", "br-int");
                    ovs.ofctl("add-flow", "br-int", "in_port=t0,tun_metadata0=0xc0ffee,actions=LOCAL");
                    ovs.ofctl("add-flow", "br-int", "in_port=LOCAL,actions=set_field:0xbeef->tun_metadata0,output:t0");
                }

                TunnelType type = switch (kind) {
                    case "gre" -> TunnelType.GRE;
                    case "geneve" -> TunnelType.GENEVE;
                    default -> TunnelType.VXLAN;
                };
                TunnelConfig cfg = TunnelConfig.builder(type).local(InetAddress.getByName("198.51.100.1"))
                        .remote(InetAddress.getByName("198.51.100.2")).key(42).build();
                Switch[] swRef = new Switch[1];
                NativeUnderlay underlay = Site.nativeUnderlay("198.51.100.1/24", pool, swRef);
                try (TunnelPort tunnel = new TunnelPort("tun0", cfg, underlay.tunnel(cfg), pool, Site.optionMap());
                     var phyLocal = underlay.localPort();
                     Switch sw = Switch.builder().memory(pool).build()) {
                    swRef[0] = sw;
                    Bridge integration = Site.nativeTunnelBridges(sw, phyLocal, tap, tunnel, hostPort);
                    if (geneve) {
                        Site.geneveOptionFlows(sw, integration, "0xc0ffee", "0xbeef");
                    }
                    VirtualHost[] host = new VirtualHost[1];
                    Pump pump = Site.waitingPump(sw, host, 2_000_000_000L);
                    host[0] = VirtualHost.builder().name("h1").mac(0x0200_0000_0001L).ipv4("192.0.2.1").port(hostPort)
                            .pump(pump).build();

                    // The first attempts may go while both underlays resolve their next hop.
                    PingResult r = null;
                    for (int i = 0; i < 10 && (r == null || !r.success()); i++) {
                        r = host[0].ping(InetAddress.getByName("192.0.2.2"));
                    }
                    assertTrue(r.success(), kind + ": 192.0.2.1 -> 192.0.2.2 through Open vSwitch's " + kind + ": " + r
                            + "; underlay " + underlay.counters() + " arp " + underlay.arpTable() + "; tunnel "
                            + tunnel.stats() + " " + tunnel.decapErrors() + "; OVS neighbours "
                            + ovs.appctl("tnl/neigh/show") + "\n" + ovs.logTail());
                    for (int i = 0; i < 3; i++) {
                        assertTrue(host[0].ping(InetAddress.getByName("192.0.2.2")).success(), kind + " ping #" + i);
                    }
                    lab.in(NS, "ip", "neigh", "flush", "dev", "br-int");
                    Process ping = lab.start(NS, "ping", "-c", "3", "-i", "0.3", "-W", "2", "-w", "15", "192.0.2.1");
                    KernelTunnelEndToEndTest.pumpUntilExit(pump, ping, 20);
                    String out = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    Matcher m = LOSS.matcher(out);
                    assertTrue(m.find() && m.group(1).equals("0"), kind + ": OVS's host -> our host: " + out);
                    assertEquals(0, tunnel.stats().rxErrors(), tunnel.decapErrors().toString());
                    assertTrue(tunnel.stats().rxPackets() >= 6 && tunnel.stats().txPackets() >= 6,
                            "the tunnel carried both pings: " + tunnel.stats());
                }
            }
        }
    }
}
