package org.vswitch4j.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;

/**
 * Kernel devices through DPDK PMDs, pinged from network namespaces through the NORMAL bridge: net_tap (the PMD
 * creates the TAP; it stays in the root namespace, where the PMD reads its link state, joined by a kernel
 * bridge to a veth into the host's namespace) and net_af_packet (on the root end of a veth whose other end is
 * in a namespace). Nothing in the root namespace has an address: traffic runs only between the namespaces. Root only; the namespaces ({@code vsd-ns1}, {@code vsd-ns2}) and interfaces
 * ({@code vsd-*}) are this test's own and are removed afterwards.
 */
class DpdkTapTest {
    private static final String NS1 = "vsd-ns1";
    private static final String NS2 = "vsd-ns2";

    private Dpdk dpdk;

    @BeforeEach
    void setUp() throws Exception {
        TestEal.requireRoot("the TAP/af_packet ping test");
        dpdk = TestEal.dpdk();
        cleanUp();
        sh("ip", "netns", "add", NS1);
        sh("ip", "netns", "add", NS2);
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (!TestEal.root()) {
            return;
        }
        for (String ns : List.of(NS1, NS2)) {
            run(false, "ip", "netns", "del", ns);
        }
        for (String dev : List.of("vsd-v1", "vsd-v2")) {
            run(false, "ip", "link", "del", dev);
        }
    }

    @Test
    void hostsInTwoNamespacesPingEachOtherThroughTwoDpdkTapPorts() throws Exception {
        try (Switch sw = Switch.builder().pollThreads(1).build();
             DpdkPort t1 = DpdkPort.builder(dpdk, "net_tap40,iface=vsd-tap1").build();
             DpdkPort t2 = DpdkPort.builder(dpdk, "net_tap41,iface=vsd-tap2").build()) {
            assertEquals("net_tap", t1.driver());
            // The TAPs stay in the root namespace (DPDK's tap PMD reads their link state by name there) without
            // an address, each wired by tc (mirred redirect, both ways) to the root end of a veth whose other end
            // is a host. tc, not a kernel bridge: the root namespace's bridge netfilter must not see the frames.
            veth("vsd-v1", NS1, "192.0.2.1/24");
            veth("vsd-v2", NS2, "192.0.2.2/24");
            wire("vsd-tap1", "vsd-v1");
            wire("vsd-tap2", "vsd-v2");
            assertTrue(t1.linkUp() && t2.linkUp(), "the PMD set both TAPs up");
            Bridge br = sw.addBridge("br0");
            br.addPort(t1, BridgePortConfig.builder("tap1").build());
            br.addPort(t2, BridgePortConfig.builder("tap2").build());
            sw.start();
            String out = sh("ip", "netns", "exec", NS1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "192.0.2.2");
            assertTrue(out.contains("3 received"), out);
            assertTrue(t1.stats().rxPackets() >= 3 && t2.stats().txPackets() >= 3, t1.stats() + " / " + t2.stats());
        }
    }

    @Test
    void hostsBehindVethsPingEachOtherThroughTwoDpdkAfPacketPorts() throws Exception {
        veth("vsd-v1", NS1, "192.0.2.11/24");
        veth("vsd-v2", NS2, "192.0.2.12/24");
        try (Switch sw = Switch.builder().pollThreads(1).build();
             DpdkPort v1 = DpdkPort.builder(dpdk, "net_af_packet40,iface=vsd-v1").build();
             DpdkPort v2 = DpdkPort.builder(dpdk, "net_af_packet41,iface=vsd-v2").build()) {
            assertEquals("net_af_packet", v1.driver());
            Bridge br = sw.addBridge("br0");
            br.addPort(v1, BridgePortConfig.builder("v1").build());
            br.addPort(v2, BridgePortConfig.builder("v2").build());
            sw.start();
            String out = sh("ip", "netns", "exec", NS1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "192.0.2.12");
            assertTrue(out.contains("3 received"), out);
        }
    }

    /** Every frame that arrives on {@code a} leaves by {@code b} and the other way round (tc u32 + mirred). */
    private static void wire(String a, String b) throws Exception {
        for (String[] d : new String[][] {{a, b}, {b, a}}) {
            sh("tc", "qdisc", "add", "dev", d[0], "ingress");
            sh("tc", "filter", "add", "dev", d[0], "parent", "ffff:", "protocol", "all", "u32", "match", "u32", "0", "0",
                    "action", "mirred", "egress", "redirect", "dev", d[1]);
        }
    }

    /** A veth pair: {@code root} stays in the root namespace without an address, its peer goes into {@code ns}. */
    private static void veth(String root, String ns, String addr) throws Exception {
        sh("ip", "link", "add", root, "type", "veth", "peer", "name", "eth0", "netns", ns);
        // The root end stays silent (no IPv6 link-local address, no router solicitations).
        java.nio.file.Files.writeString(java.nio.file.Path.of("/proc/sys/net/ipv6/conf", root, "disable_ipv6"), "1");
        sh("ip", "link", "set", root, "up");
        sh("ip", "-n", ns, "addr", "add", addr, "dev", "eth0");
        sh("ip", "-n", ns, "link", "set", "eth0", "up");
        sh("ip", "-n", ns, "link", "set", "lo", "up");
        // No offloads: af_packet hands frames to us as they are, and checksums must be real.
        run(false, "ip", "netns", "exec", ns, "ethtool", "-K", "eth0", "tx", "off");
    }

    private static String sh(String... cmd) throws Exception {
        return run(true, cmd);
    }

    private static String run(boolean check, String... cmd) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in 30 s");
        }
        if (check && p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }
}
