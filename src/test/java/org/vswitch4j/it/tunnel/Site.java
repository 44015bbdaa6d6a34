package org.vswitch4j.it.tunnel;

import java.net.InetAddress;
import java.util.concurrent.locks.LockSupport;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.port.MemoryPort;
import org.vswitch4j.core.time.Clock;
import org.vswitch4j.testkit.Pump;
import org.vswitch4j.testkit.VirtualHost;
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
