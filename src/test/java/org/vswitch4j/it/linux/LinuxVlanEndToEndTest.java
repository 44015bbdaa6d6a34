package org.vswitch4j.it.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vswitch4j.it.linux.LinuxPortsEndToEndTest.ping;

import org.junit.jupiter.api.Test;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.io.linux.AfXdpPort;
import org.vswitch4j.io.linux.TapPort;
import org.vswitch4j.io.linux.XdpUmem;

/**
 * 802.1Q with Linux hosts as peers: a host with VLAN subinterfaces on a trunk port, access-port hosts on
 * AF_XDP and TAP ports, and a Linux bridge with {@code vlan_filtering} on a second trunk with its own access
 * hosts. Hosts of one VLAN reach each other across all of it; a host of another VLAN does not, even with an
 * address in the same subnet. Root only (CI).
 */
class LinuxVlanEndToEndTest {
    @Test
    void vlanSubinterfacesAccessPortsAndAVlanFilteringLinuxBridgeShareVlansAndNothingCrossesThem() {
        try (LinuxLab lab = LinuxLab.open("ping", "ethtool", "bridge")) {
            requireKernelVlans(lab);
            String sw = lab.namespace("vsl-sw");
            for (String h : new String[] {"vsl-h1", "vsl-h2", "vsl-h3", "vsl-lb", "vsl-h5", "vsl-h6"}) {
                lab.namespace(h);
            }
            // h1: a trunk host with subinterfaces for VLANs 10 and 20
            lab.veth("vsl-h1e", "vsl-h1", "vsl-p1", sw);
            lab.host("vsl-h1", "vsl-h1e", "203.0.113.1/24", true);
            lab.in("vsl-h1", "ip", "link", "add", "link", "vsl-h1e", "name", "vsl-h1e.10", "type", "vlan", "id", "10");
            lab.in("vsl-h1", "ip", "link", "add", "link", "vsl-h1e", "name", "vsl-h1e.20", "type", "vlan", "id", "20");
            lab.host("vsl-h1", "vsl-h1e.10", "192.0.2.1/24", false);
            lab.host("vsl-h1", "vsl-h1e.20", "198.51.100.1/24", false);
            // h2: access VLAN 10 through AF_XDP
            lab.veth("vsl-h2e", "vsl-h2", "vsl-p2", sw);
            lab.host("vsl-h2", "vsl-h2e", "192.0.2.2/24", true);
            // lb: a Linux bridge with vlan_filtering, trunked to the switch, with h5 (VLAN 10) and h6 (VLAN 20)
            lab.in("vsl-lb", "ip", "link", "add", "vsl-br", "type", "bridge", "vlan_filtering", "1");
            lab.in("vsl-lb", "ip", "link", "set", "vsl-br", "up");
            lab.veth("vsl-lbu", "vsl-lb", "vsl-p4", sw);
            lab.offloadsOff("vsl-lb", "vsl-lbu");
            lab.in("vsl-lb", "ip", "link", "set", "vsl-lbu", "master", "vsl-br");
            lab.in("vsl-lb", "bridge", "vlan", "del", "dev", "vsl-lbu", "vid", "1");
            lab.in("vsl-lb", "bridge", "vlan", "add", "dev", "vsl-lbu", "vid", "10");
            lab.in("vsl-lb", "bridge", "vlan", "add", "dev", "vsl-lbu", "vid", "20");
            for (int h : new int[] {5, 6}) {
                String port = "vsl-lb" + h;
                lab.veth("vsl-h" + h + "e", "vsl-h" + h, port, "vsl-lb");
                lab.in("vsl-lb", "ip", "link", "set", port, "master", "vsl-br");
                lab.in("vsl-lb", "bridge", "vlan", "del", "dev", port, "vid", "1");
                lab.in("vsl-lb", "bridge", "vlan", "add", "dev", port, "vid", h == 5 ? "10" : "20", "pvid", "untagged");
            }
            lab.host("vsl-h5", "vsl-h5e", "192.0.2.5/24", true);
            lab.host("vsl-h6", "vsl-h6e", "198.51.100.6/24", true);
            lab.in("vsl-h6", "ip", "addr", "add", "192.0.2.6/24", "dev", "vsl-h6e"); // VLAN 20, VLAN 10's subnet

            try (XdpUmem umem = XdpUmem.builder().frames(16384).build();
                 AfXdpPort p1 = AfXdpPort.builder("vsl-p1").namespace(sw).umem(umem).build();
                 AfXdpPort p2 = AfXdpPort.builder("vsl-p2").namespace(sw).umem(umem).build();
                 AfXdpPort p4 = AfXdpPort.builder("vsl-p4").namespace(sw).umem(umem).build();
                 TapPort t3 = TapPort.builder("vsl-t3").namespace("vsl-h3").build();
                 Switch s = Switch.builder().pollThreads(1).build()) {
                // h3: access VLAN 20 through a TAP, with a second address in VLAN 10's subnet
                lab.host("vsl-h3", "vsl-t3", "198.51.100.3/24", false);
                lab.in("vsl-h3", "ip", "addr", "add", "192.0.2.3/24", "dev", "vsl-t3");
                Bridge br = s.addBridge("br0");
                br.addPort(p1, BridgePortConfig.trunk("p1", 10, 20));
                br.addPort(p2, BridgePortConfig.access("p2", 10));
                br.addPort(t3, BridgePortConfig.access("t3", 20));
                br.addPort(p4, BridgePortConfig.trunk("p4", 10, 20));
                s.datapath().start();

                ping(lab, "vsl-h1", "192.0.2.2");     // VLAN 10: subinterface on a trunk -> access host
                ping(lab, "vsl-h1", "198.51.100.3");  // VLAN 20: subinterface -> access host on a TAP
                ping(lab, "vsl-h5", "192.0.2.2");     // VLAN 10: behind the Linux bridge -> access host
                ping(lab, "vsl-h5", "192.0.2.1");     //          -> the trunk host's subinterface
                ping(lab, "vsl-h6", "198.51.100.3");  // VLAN 20: behind the Linux bridge -> TAP host
                ping(lab, "vsl-h6", "198.51.100.1");

                unreachable(lab, "vsl-h2", "192.0.2.3"); // h3 has the address but is in VLAN 20
                unreachable(lab, "vsl-h2", "192.0.2.6"); // so has h6, behind the Linux bridge
                unreachable(lab, "vsl-h5", "192.0.2.3");
                unreachable(lab, "vsl-h1", "203.0.113.9"); // untagged on a trunk without a native VLAN: dropped
                assertTrue(br.portStats("p4").rxPackets() > 0 && br.portStats("p4").txPackets() > 0,
                        "the Linux bridge's trunk carried traffic both ways");
            }
        }
    }

    /**
     * Access hosts of two VLANs on two vswitch4j bridges joined by a trunk that runs through a real Linux bridge
     * (a plain one, which passes tagged frames on unchanged): needs no 802.1Q support in the kernel, so it runs
     * on every machine.
     */
    @Test
    void accessHostsOfAVlanMeetAcrossATrunkThroughALinuxBridgeAndOtherVlansStayApart() {
        try (LinuxLab lab = LinuxLab.open("ping", "ethtool")) {
            String sw = lab.namespace("vsl-sw");
            for (String h : new String[] {"vsl-h2", "vsl-h3", "vsl-lb", "vsl-h5", "vsl-h6"}) {
                lab.namespace(h);
            }
            lab.in("vsl-lb", "ip", "link", "add", "vsl-br", "type", "bridge");
            lab.in("vsl-lb", "ip", "link", "set", "vsl-br", "up");
            for (String side : new String[] {"a", "b"}) {
                lab.veth("vsl-lb" + side, "vsl-lb", "vsl-p" + side, sw);
                lab.in("vsl-lb", "ip", "link", "set", "vsl-lb" + side, "master", "vsl-br");
                lab.offloadsOff("vsl-lb", "vsl-lb" + side); // the bridge re-sends our tags: keep them in the frame
            }
            lab.veth("vsl-h2e", "vsl-h2", "vsl-p2", sw);
            lab.host("vsl-h2", "vsl-h2e", "192.0.2.2/24", true);
            lab.veth("vsl-h5e", "vsl-h5", "vsl-p5", sw);
            lab.host("vsl-h5", "vsl-h5e", "192.0.2.5/24", true);
            try (XdpUmem umem = XdpUmem.builder().frames(16384).build();
                 AfXdpPort p2 = AfXdpPort.builder("vsl-p2").namespace(sw).umem(umem).build();
                 AfXdpPort p5 = AfXdpPort.builder("vsl-p5").namespace(sw).umem(umem).build();
                 AfXdpPort pa = AfXdpPort.builder("vsl-pa").namespace(sw).umem(umem).build();
                 AfXdpPort pb = AfXdpPort.builder("vsl-pb").namespace(sw).umem(umem).build();
                 TapPort t3 = TapPort.builder("vsl-t3").namespace("vsl-h3").build();
                 TapPort t6 = TapPort.builder("vsl-t6").namespace("vsl-h6").build();
                 Switch s = Switch.builder().pollThreads(1).build()) {
                lab.host("vsl-h3", "vsl-t3", "198.51.100.3/24", false);
                lab.in("vsl-h3", "ip", "addr", "add", "192.0.2.3/24", "dev", "vsl-t3"); // VLAN 10's subnet
                lab.host("vsl-h6", "vsl-t6", "198.51.100.6/24", false);
                Bridge left = s.addBridge("left");
                left.addPort(p2, BridgePortConfig.access("p2", 10));
                left.addPort(t3, BridgePortConfig.access("t3", 20));
                left.addPort(pa, BridgePortConfig.trunk("pa", 10, 20));
                Bridge right = s.addBridge("right");
                right.addPort(pb, BridgePortConfig.trunk("pb", 10, 20));
                right.addPort(p5, BridgePortConfig.access("p5", 10));
                right.addPort(t6, BridgePortConfig.access("t6", 20));
                s.datapath().start();

                ping(lab, "vsl-h2", "192.0.2.5");    // VLAN 10: AF_XDP host -> trunk -> Linux bridge -> AF_XDP host
                ping(lab, "vsl-h3", "198.51.100.6"); // VLAN 20: TAP host -> ... -> TAP host
                unreachable(lab, "vsl-h2", "192.0.2.3"); // h3 has the address, but in VLAN 20
                unreachable(lab, "vsl-h5", "192.0.2.3"); // and not across the trunk either
                assertTrue(left.portStats("pa").txPackets() > 0 && right.portStats("pb").rxPackets() > 0,
                        "the trunk carried the traffic");
            }
        }
    }

    /**
     * Skips unless the kernel has 802.1Q subinterfaces and bridge VLAN filtering. Also under CI=true: that is a
     * kernel build option (CONFIG_VLAN_8021Q, CONFIG_BRIDGE_VLAN_FILTERING), not a package .ci/run could install;
     * the test above covers VLANs with Linux peers on such kernels.
     */
    static void requireKernelVlans(LinuxLab lab) {
        String probe = lab.namespace("vsl-vprobe");
        lab.in(probe, "ip", "link", "add", "vsl-vp", "type", "veth", "peer", "name", "vsl-vq");
        LinuxLab.Result vlan = lab.tryIn(10, probe, "ip", "link", "add", "link", "vsl-vp", "name", "vsl-vp.10", "type",
                "vlan", "id", "10");
        LinuxLab.Result filtering = lab.tryIn(10, probe, "ip", "link", "add", "vsl-vbr", "type", "bridge",
                "vlan_filtering", "1");
        if (vlan.exit() != 0 || filtering.exit() != 0) {
            org.junit.jupiter.api.Assumptions.abort("this kernel has no 802.1Q subinterfaces or bridge VLAN filtering"
                    + " (CONFIG_VLAN_8021Q, CONFIG_BRIDGE_VLAN_FILTERING; ip said: " + vlan.output().trim() + " / "
                    + filtering.output().trim() + "); skipped, also in CI: a kernel option is not a package");
        }
    }

    /** Three pings, none answered. */
    static void unreachable(LinuxLab lab, String ns, String to) {
        LinuxLab.Result r = lab.tryIn(15, ns, "ping", "-c", "3", "-i", "0.2", "-W", "1", to);
        assertTrue(r.output().contains("100% packet loss"), ns + " reached " + to + " across VLANs: " + r.output());
    }
}
