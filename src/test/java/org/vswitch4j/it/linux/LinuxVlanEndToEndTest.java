package org.vswitch4j.it.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vswitch4j.it.linux.LinuxPortsEndToEndTest.ping;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * address in the same subnet. Root only (CI). On a kernel without 802.1Q devices (the CI kernel) the first test
 * skips; the others stand in for it: a trunk host whose tags the kernel writes through tc programs, and a trunk
 * through a plain Linux bridge.
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
     * A Linux host on a trunk port whose frames the kernel itself tags and untags: where the kernel has no 802.1Q
     * subinterfaces (this CI kernel lacks CONFIG_VLAN_8021Q), two tc programs on the host's device do what
     * {@code eth0.10} would, with the same kernel code underneath ({@code bpf_skb_vlan_push} on egress, whose tag
     * the software tx-vlan path writes into the frame; {@code bpf_skb_vlan_pop} on ingress, where the kernel has
     * already taken the tag off into the skb; frames of other VLANs are dropped, as a host without that
     * subinterface drops them). The host reaches the access host of its VLAN on an AF_XDP port and the one of its
     * VLAN on a TAP behind a second trunk hop, not an access host of VLAN 20 that has an address in its subnet,
     * and the switch learns its MAC in VLAN 10 on the trunk.
     */
    @Test
    void aHostWhoseKernelTagsItsFramesOnATrunkReachesItsVlanOnlyAndIsLearnedInIt() throws Exception {
        try (LinuxLab lab = LinuxLab.open("ping", "ethtool", "tc", "llc")) {
            String sw = lab.namespace("vsl-sw");
            for (String h : new String[] {"vsl-h1", "vsl-h2", "vsl-h3", "vsl-h4"}) {
                lab.namespace(h);
            }
            lab.veth("vsl-h1e", "vsl-h1", "vsl-p1", sw);
            lab.host("vsl-h1", "vsl-h1e", "192.0.2.1/24", true); // txvlan off: the pushed tag goes into the frame
            tagInKernel(lab, "vsl-h1", "vsl-h1e", 10);
            lab.veth("vsl-h2e", "vsl-h2", "vsl-p2", sw);
            lab.host("vsl-h2", "vsl-h2e", "192.0.2.2/24", true);
            lab.veth("vsl-h3e", "vsl-h3", "vsl-p3", sw);
            lab.host("vsl-h3", "vsl-h3e", "192.0.2.3/24", true); // VLAN 20, but VLAN 10's subnet
            try (XdpUmem umem = XdpUmem.builder().frames(16384).build();
                 AfXdpPort p1 = AfXdpPort.builder("vsl-p1").namespace(sw).umem(umem).build();
                 AfXdpPort p2 = AfXdpPort.builder("vsl-p2").namespace(sw).umem(umem).build();
                 AfXdpPort p3 = AfXdpPort.builder("vsl-p3").namespace(sw).umem(umem).build();
                 TapPort t4 = TapPort.builder("vsl-t4").namespace("vsl-h4").build();
                 Switch s = Switch.builder().pollThreads(1).build()) {
                lab.host("vsl-h4", "vsl-t4", "192.0.2.4/24", false);
                Bridge br = s.addBridge("br0");
                br.addPort(p1, BridgePortConfig.trunk("p1", 10, 20));
                br.addPort(p2, BridgePortConfig.access("p2", 10));
                br.addPort(p3, BridgePortConfig.access("p3", 20));
                br.addPort(t4, BridgePortConfig.access("t4", 10));
                s.datapath().start();

                ping(lab, "vsl-h1", "192.0.2.2"); // tagged by the host's kernel -> access VLAN 10 (AF_XDP)
                ping(lab, "vsl-h1", "192.0.2.4"); //                            -> access VLAN 10 (TAP)
                ping(lab, "vsl-h2", "192.0.2.1"); // and back: the switch tags, the host's kernel untags
                unreachable(lab, "vsl-h1", "192.0.2.3");
                unreachable(lab, "vsl-h3", "192.0.2.1");
                long mac = Long.parseLong(lab.in("vsl-h1", "cat", "/sys/class/net/vsl-h1e/address").trim()
                        .replace(":", ""), 16);
                assertEquals(br.ofport("p1"), br.macTable().lookup(10, mac),
                        "the host's MAC is learned in VLAN 10 on the trunk: " + br.macTable().format());
                assertEquals(0, br.macTable().lookup(20, mac), "and not in VLAN 20: " + br.macTable().format());
            }
        }
    }

    /**
     * Attaches tc programs to {@code dev} in {@code ns} that tag every frame it sends with {@code vid} and untag
     * frames it receives with {@code vid}, dropping other tagged frames: what the device would be as the VLAN
     * subinterface {@code dev.vid}. The programs are compiled from LLVM IR by {@code llc} (Debian's llvm).
     */
    static void tagInKernel(LinuxLab lab, String ns, String dev, int vid) throws IOException {
        Path dir = Files.createTempDirectory("vsl-bpf");
        try {
            Path ir = dir.resolve("vlan.ll");
            Path obj = dir.resolve("vlan.o");
            // __sk_buff: vlan_present at byte 20, vlan_tci at 24; helpers 18 = skb_vlan_push, 19 = skb_vlan_pop;
            // 129 = ETH_P_8021Q in network byte order; tc verdicts 0 = TC_ACT_OK, 2 = TC_ACT_SHOT
            Files.writeString(ir, """
                    target datalayout = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"
                    target triple = "bpf"
                    @_license = global [4 x i8] c"GPL\\00", section "license", align 1
                    define i32 @tag(i8* %skb) section "tc_egress" {
                      %push = inttoptr i64 18 to i64 (i8*, i32, i32)*
                      %r = call i64 %push(i8* %skb, i32 129, i32 VID)
                      ret i32 0
                    }
                    define i32 @untag(i8* %skb) section "tc_ingress" {
                      %pp = getelementptr inbounds i8, i8* %skb, i64 20
                      %pq = bitcast i8* %pp to i32*
                      %present = load i32, i32* %pq, align 4
                      %has = icmp ne i32 %present, 0
                      br i1 %has, label %tagged, label %plain
                    plain:
                      ret i32 0
                    tagged:
                      %tp = getelementptr inbounds i8, i8* %skb, i64 24
                      %tq = bitcast i8* %tp to i32*
                      %tci = load i32, i32* %tq, align 4
                      %vid = and i32 %tci, 4095
                      %ours = icmp eq i32 %vid, VID
                      br i1 %ours, label %pop, label %drop
                    pop:
                      %popf = inttoptr i64 19 to i64 (i8*)*
                      %q = call i64 %popf(i8* %skb)
                      ret i32 0
                    drop:
                      ret i32 2
                    }
                    """.replace("VID", Integer.toString(vid)));
            String out = LinuxLab.run(30, "llc", "-march=bpf", "-filetype=obj", "-o", obj.toString(), ir.toString());
            assertTrue(Files.size(obj) > 0, "llc wrote no object: " + out);
            lab.in(ns, "tc", "qdisc", "add", "dev", dev, "clsact");
            lab.in(ns, "tc", "filter", "add", "dev", dev, "egress", "bpf", "da", "obj", obj.toString(), "sec",
                    "tc_egress");
            lab.in(ns, "tc", "filter", "add", "dev", dev, "ingress", "bpf", "da", "obj", obj.toString(), "sec",
                    "tc_ingress");
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
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
