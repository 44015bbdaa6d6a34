package org.vswitch4j.it.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.datapath.DropReason;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.io.linux.AfXdpPort;
import org.vswitch4j.io.linux.TapPort;
import org.vswitch4j.io.linux.XdpUmem;

/**
 * TAP ports with IFF_VNET_HDR offloads against real Linux hosts: {@code vv4-h1} and {@code vv4-h2} behind TAPs
 * with offloads, {@code vv4-h3} behind a TAP without, {@code vv4-h4} behind a veth whose switch end (in
 * {@code vv4-sw}) is an AF_XDP port. Between the two offloading TAPs TCP goes as 64 KB GSO frames passed through
 * untouched; to and from the plain TAP and the AF_XDP port the datapath completes checksums and segments in
 * software, over IPv4 and IPv6. t1 has two queues (IFF_MULTI_QUEUE with IFF_VNET_HDR) and io_uring, t2 one queue
 * and a system call per frame. Ping and iperf3 TCP on every pair; no frame dropped for its offload state or
 * its size, no malformed vnet header. Root only (CI).
 */
class TapOffloadEndToEndTest {

    @Test
    void tcpFlowsAsGsoFramesBetweenOffloadingTapsAndIsSegmentedInSoftwareForAPlainTap() {
        try (LinuxLab lab = LinuxLab.open("ping", "iperf3")) {
            for (int i = 1; i <= 4; i++) {
                lab.namespace("vv4-h" + i);
            }
            String sw = lab.namespace("vv4-sw");
            lab.veth("vv4-h4e", "vv4-h4", "vv4-p4", sw);
            lab.host("vv4-h4", "vv4-h4e", "192.0.2.4/24", true); // AF_XDP in copy mode sees what the veth sends
            lab.in("vv4-h4", "ip", "addr", "add", "2001:db8::4/64", "dev", "vv4-h4e", "nodad");
            try (XdpUmem umem = XdpUmem.builder().frames(4096).build();
                 AfXdpPort p4 = AfXdpPort.builder("vv4-p4").namespace(sw).umem(umem).build();
                 TapPort t1 = TapPort.builder("vv4-t1").namespace("vv4-h1").queues(2).offloads(true).build();
                 TapPort t2 = TapPort.builder("vv4-t2").namespace("vv4-h2").offloads(true).ioUring(false).build();
                 TapPort t3 = TapPort.builder("vv4-t3").namespace("vv4-h3").build();
                 Switch s = Switch.builder().pollThreads(2).build()) {
                assertTrue(t1.offloads() && t2.offloads() && !t3.offloads());
                for (int i = 1; i <= 3; i++) {
                    String ns = "vv4-h" + i;
                    lab.host(ns, "vv4-t" + i, "192.0.2." + i + "/24", false);
                    lab.in(ns, "ip", "addr", "add", "2001:db8::" + i + "/64", "dev", "vv4-t" + i, "nodad");
                }
                Bridge br = s.addBridge("br0");
                br.addPort(t1, BridgePortConfig.access("t1", 10));
                br.addPort(t2, BridgePortConfig.access("t2", 10));
                br.addPort(t3, BridgePortConfig.access("t3", 10));
                br.addPort(p4, BridgePortConfig.access("p4", 10));
                s.datapath().start();

                LinuxPortsEndToEndTest.ping(lab, "vv4-h1", "192.0.2.2");
                LinuxPortsEndToEndTest.ping(lab, "vv4-h1", "192.0.2.3");
                LinuxPortsEndToEndTest.ping(lab, "vv4-h2", "2001:db8::3");
                LinuxPortsEndToEndTest.ping(lab, "vv4-h1", "192.0.2.4");

                // offload -> offload, both io_uring and plain system calls: large frames pass untouched
                PortStats before = t1.stats();
                double gso = LinuxPortsEndToEndTest.iperf(lab, "vv4-h2", "vv4-h1", "192.0.2.2");
                PortStats after = t1.stats();
                long frames = after.rxPackets() - before.rxPackets();
                double avg = (double) (after.rxBytes() - before.rxBytes()) / frames;
                // offload -> plain: segmented in software, IPv4 and IPv6
                PortStats t3Before = t3.stats();
                double soft4 = LinuxPortsEndToEndTest.iperf(lab, "vv4-h3", "vv4-h1", "192.0.2.3");
                double soft6 = LinuxPortsEndToEndTest.iperf(lab, "vv4-h3", "vv4-h2", "2001:db8::3");
                PortStats t3After = t3.stats();
                // plain -> offload
                double plain = LinuxPortsEndToEndTest.iperf(lab, "vv4-h1", "vv4-h3", "192.0.2.1");
                // offload -> AF_XDP (segmented, then copied into the UMEM), IPv6, and back
                double xdp = LinuxPortsEndToEndTest.iperf(lab, "vv4-h4", "vv4-h1", "2001:db8::4");
                double fromXdp = LinuxPortsEndToEndTest.iperf(lab, "vv4-h2", "vv4-h4", "192.0.2.2");
                System.out.printf("iperf3 TCP through vswitch4j TAPs: offload->offload %.2f Gbit/s (%.0f B per frame"
                        + " from h1), offload->plain %.2f (IPv6 %.2f), plain->offload %.2f, offload->AF_XDP %.2f"
                        + " (IPv6), AF_XDP->offload %.2f%n", gso / 1e9, avg, soft4 / 1e9, soft6 / 1e9, plain / 1e9,
                        xdp / 1e9, fromXdp / 1e9);
                assertTrue(gso > 1e6 && soft4 > 1e6 && soft6 > 1e6 && plain > 1e6 && xdp > 1e6 && fromXdp > 1e6,
                        "TCP flows on every path");
                assertTrue(avg > 3000, "h1's TCP stack handed over GSO frames, " + avg + " B on average over "
                        + frames + " frames");
                long t3Frames = t3After.txPackets() - t3Before.txPackets();
                assertTrue(t3Frames > 1000 && (t3After.txBytes() - t3Before.txBytes()) / t3Frames <= 1514,
                        "the plain TAP got wire-sized frames: " + t3Before + " -> " + t3After);
                for (String p : new String[] {"t1", "t2", "t3", "p4"}) {
                    int port = br.ofport(p);
                    for (DropReason r : new DropReason[] {DropReason.TX_OFFLOAD, DropReason.TX_OVER_MTU,
                            DropReason.OVER_MTU, DropReason.NO_BUFFER}) {
                        assertEquals(0, s.datapath().dropCount(port, r), p + " " + r);
                    }
                }
                assertEquals(0, t1.vnetHeaderErrors() + t2.vnetHeaderErrors(), "no malformed vnet header");

                // Software segmentation and the vnet header paths allocate nothing per packet: heap bytes the poll
                // threads allocate over one more offload->plain run (its flows cached by the run above), per frame
                // received; up to three windows, as LinuxPortsEndToEndTest explains (a recompile runs C1 code).
                StringBuilder windows = new StringBuilder();
                boolean quiet = false;
                for (int w = 0; w < 3 && !quiet; w++) {
                    long[] a0 = LinuxPortsEndToEndTest.pollThreadAllocation();
                    long n0 = t1.stats().rxPackets() + t3.stats().rxPackets();
                    LinuxPortsEndToEndTest.iperf(lab, "vv4-h3", "vv4-h1", "192.0.2.3");
                    long[] a1 = LinuxPortsEndToEndTest.pollThreadAllocation();
                    long n = t1.stats().rxPackets() + t3.stats().rxPackets() - n0;
                    windows.append(String.format(" [%d B for %d frames]", a1[0] - a0[0], n));
                    assertTrue(n > 1000, "a real TCP run:" + windows);
                    quiet = (double) (a1[0] - a0[0]) / n < 1.0;
                }
                System.out.println("poll-thread allocation over offload->plain runs:" + windows);
                assertTrue(quiet, "the poll threads allocated at least 1 B per frame in every window:" + windows);
                assertEquals(0, t1.stats().rxErrors() + t2.stats().rxErrors() + t3.stats().rxErrors());
            }
        }
    }
}
