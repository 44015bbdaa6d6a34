/**
 * DPDK ports for vswitch4j, as Open vSwitch-DPDK offers them: start the EAL once ({@link org.vswitch4j.dpdk.Dpdk}),
 * attach devices by devargs ({@link org.vswitch4j.dpdk.DpdkPort}, OVS's {@code options:dpdk-devargs}), pin
 * poll threads like {@code other_config:pmd-cpu-mask} ({@link org.vswitch4j.dpdk.PmdCpuMask}).
 *
 * <pre>{@code
 * Dpdk dpdk = Dpdk.builder().start();                         // hugepages if reserved, else --no-huge
 * PmdCpuMask pmd = PmdCpuMask.parse("0x2");                   // one poll thread, on CPU 1
 * try (Switch sw = Switch.builder().pollThreads(pmd.cores()).pollThreadHook(pmd).build();
 *      DpdkPort p0 = DpdkPort.builder(dpdk, "net_null0").build();
 *      DpdkPort p1 = DpdkPort.builder(dpdk, "net_tap0,iface=tap0").build()) {
 *     Bridge br = sw.addBridge("br0");
 *     br.addPort(p0, BridgePortConfig.builder("dpdk0").build());
 *     br.addPort(p1, BridgePortConfig.builder("dpdk1").build());
 *     sw.start();
 * }
 * }</pre>
 *
 * <p>Packets stay in mbufs: a {@link org.vswitch4j.dpdk.DpdkMemory} is the core's
 * {@link org.vswitch4j.core.packet.PacketMemory} over a DPDK mempool, so a frame crosses DPDK ports without a
 * copy, and is copied once when it goes between a DPDK port and a port of another memory.
 */
package org.vswitch4j.dpdk;
