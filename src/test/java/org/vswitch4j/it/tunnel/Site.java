package org.vswitch4j.it.tunnel;

import java.net.InetAddress;
import java.util.concurrent.locks.LockSupport;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.port.MemoryPort;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.time.Clock;
import org.vswitch4j.flow.FlowPipeline;
import org.vswitch4j.flow.ofctl.Ofctl;
import org.vswitch4j.testkit.Pump;
import org.vswitch4j.testkit.VirtualHost;
import org.vswitch4j.tunnel.GeneveTlvMap;
import org.vswitch4j.tunnel.NativeUnderlay;
import org.vswitch4j.tunnel.TunnelConfig;
import org.vswitch4j.tunnel.TunnelPort;
import org.vswitch4j.tunnel.TunnelType;

/**
 * One end of a UDP tunnel test: a switch in synchronous mode whose bridge holds a virtual host and a VXLAN or Geneve
 * port (key 7) on a kernel UDP socket, driven by a {@link #waitingPump}. Closes everything it made, switch first.
 */
final class Site implements AutoCloseable {
    final BufferPool pool = BufferPool.builder().count(2048).strict(true).build();
    final MemoryPort hostPort = MemoryPort.builder().name("h").memory(pool).build();
    final TunnelPort tunnel;
    final Switch sw = Switch.builder().memory(pool).build();
    final VirtualHost host;
    final Pump pump;

    Site(String kind, String local, String remote, int udpPort, String hostIp, long hostMac) throws Exception {
        TunnelConfig cfg = TunnelConfig.builder(TunnelType.ofOvsName(kind)).local(InetAddress.getByName(local))
                .remote(InetAddress.getByName(remote)).key(7).dstPort(udpPort).build();
        tunnel = TunnelPort.udp("tun0", cfg, pool);
        Bridge br = sw.addBridge("br0");
        br.addPort(hostPort, BridgePortConfig.builder("h").build());
        br.addPort(tunnel, BridgePortConfig.builder("tun0").build());
        VirtualHost[] h = new VirtualHost[1];
        pump = waitingPump(sw, h, 1_000_000_000L);
        host = h[0] = VirtualHost.builder().name("h").mac(hostMac).ipv4(hostIp).port(hostPort).pump(pump).build();
    }

    /**
     * The native underlay of the peer tests: local address {@code cidr} on our br-phy's local port (MAC
     * 02:00:00:00:51:01); a change of its neighbours invalidates {@code sw[0]}'s datapath (set once it exists).
     */
    static NativeUnderlay nativeUnderlay(String cidr, BufferPool pool, Switch[] sw) {
        return NativeUnderlay.builder().local(cidr).port("br-phy", 0x0200_0000_5101L).memory(pool)
                .onNeighbourChange(() -> sw[0].datapath().invalidateAll()).build();
    }

    /** The TLV map of the peer tests: Geneve option class 0xffff type 1, 4 bytes, as tun_metadata0. */
    static GeneveTlvMap optionMap() {
        GeneveTlvMap tlv = new GeneveTlvMap();
        tlv.add("{class=0xffff,type=0x1,len=4}->tun_metadata0");
        return tlv;
    }

    /**
     * Native tunnelling's two bridges on {@code sw}: {@code br-phy} with the underlay's local port and {@code phy}
     * (the wire to the peer), {@code br-int} with {@code tunnel} and the host's port {@code h1}. Returns br-int.
     */
    static Bridge nativeTunnelBridges(Switch sw, Port underlayLocal, Port phy, TunnelPort tunnel, MemoryPort hostPort) {
        Bridge phyBridge = sw.addBridge("br-phy");
        phyBridge.addPort(underlayLocal, BridgePortConfig.builder("br-phy").build());
        phyBridge.addPort(phy, BridgePortConfig.builder("tap").build());
        Bridge integration = sw.addBridge("br-int");
        integration.addPort(tunnel, BridgePortConfig.builder("tun0").build());
        integration.addPort(hostPort, BridgePortConfig.builder("h1").build());
        return integration;
    }

    /**
     * An OpenFlow pipeline on br-int instead of NORMAL: h1's frames get tun_metadata0 = {@code sent} and go into the
     * tunnel; the tunnel's frames go to h1, only those with tun_metadata0 = {@code required} unless that is null.
     */
    static void geneveOptionFlows(Switch sw, Bridge integration, String sent, String required) {
        FlowPipeline of = FlowPipeline.attach(integration, sw.datapath());
        int h1 = integration.ofport("h1");
        int tun0 = integration.ofport("tun0");
        of.apply(Ofctl.parseFlow("in_port=" + h1 + ",actions=set_field:" + sent + "->tun_metadata0,output:" + tun0));
        of.apply(Ofctl.parseFlow("in_port=" + tun0 + (required == null ? "" : ",tun_metadata0=" + required)
                + ",actions=output:" + h1));
    }

    /**
     * {@code sw.poll()} and the host, one round; a round that moved nothing waits for real I/O (50 µs parks, up to
     * {@code quietNanos}) before it reports the network quiet. {@code host[0]} is read at each round.
     */
    static Pump waitingPump(Switch sw, VirtualHost[] host, long quietNanos) {
        return new Pump() {
            @Override
            public int pumpOnce() {
                long until = System.nanoTime() + quietNanos;
                int moved;
                do {
                    moved = sw.poll() + host[0].process();
                    if (moved == 0) {
                        LockSupport.parkNanos(50_000);
                    }
                } while (moved == 0 && System.nanoTime() < until);
                return moved;
            }

            @Override
            public Clock clock() {
                return sw.clock();
            }
        };
    }

    @Override
    public void close() {
        sw.close();
        tunnel.close();
        hostPort.close();
        pool.close();
    }
}
