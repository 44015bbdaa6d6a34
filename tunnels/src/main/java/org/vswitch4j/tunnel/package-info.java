/**
 * Tunnel ports: a {@link org.vswitch4j.tunnel.TunnelPort} is a bridge port whose frames travel inside VXLAN, GRE
 * or Geneve over an {@link org.vswitch4j.tunnel.Underlay}.
 *
 * <p>Transmit, as Open vSwitch's userspace datapath: output to a tunnel port is translated into a
 * {@code tnl_push} ({@link org.vswitch4j.core.datapath.DatapathAction.TunnelPush}) of a {@link
 * org.vswitch4j.tunnel.TunnelEncap} the port built at translation time (remote and key fixed by its options, or
 * taken from the flow's tun_dst and tun_id); the fast path pushes the outer Ethernet, IP, UDP or GRE and tunnel
 * headers into the buffer's headroom and hands the frame to the port, whose underlay sends it.
 *
 * <p>Receive: the underlay delivers the tunnel header and inner frame; {@link org.vswitch4j.tunnel.TunnelDecap}
 * validates and strips the header on the poll thread, the frame enters the bridge with in_port the tunnel port and
 * tun_id, tun_src and tun_dst (or tun_ipv6_src and tun_ipv6_dst over IPv6) in its flow key, and the Geneve options a
 * {@link org.vswitch4j.tunnel.GeneveTlvMap} maps as tun_metadata0..3. Frames with bad flags, lengths, checksums, an
 * unknown critical option or an unknown key are
 * dropped and counted ({@link org.vswitch4j.tunnel.TunnelPort#stats()}, {@link
 * org.vswitch4j.tunnel.TunnelPort#decapErrors()}).
 *
 * <p>Underlays: {@link org.vswitch4j.tunnel.UdpUnderlay} (kernel UDP sockets on Netty epoll or io_uring, VXLAN and
 * Geneve, no root) and {@link org.vswitch4j.tunnel.NativeUnderlay} (the switch's own outer Ethernet/IP, ARP or
 * neighbour discovery and routes, through a local port of another bridge; VXLAN, Geneve and GRE, IPv4 or IPv6, any
 * number of tunnel ports per underlay).
 *
 * <pre>{@code
 * TunnelConfig cfg = TunnelConfig.fromOptions(TunnelType.VXLAN,
 *         Map.of("remote_ip", "198.51.100.2", "local_ip", "198.51.100.1", "key", "42"));
 * bridge.addPort(TunnelPort.udp("vxlan0", cfg, sw.datapath().memory()), BridgePortConfig.builder("vxlan0").build());
 * }</pre>
 */
package org.vswitch4j.tunnel;
