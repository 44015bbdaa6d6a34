package org.vswitch4j.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.port.MemoryPort;
import org.vswitch4j.core.time.Clock;
import org.vswitch4j.testkit.PingResult;
import org.vswitch4j.testkit.Pump;
import org.vswitch4j.testkit.VirtualHost;

/**
 * Two switches in one JVM joined by VXLAN or Geneve over real kernel UDP sockets on 127.0.0.1 and 127.0.0.2
 * (Netty epoll, and io_uring): hosts behind them resolve each other with ARP and ping both ways.
 *
 * <p>The sockets deliver on Netty's event loop, so a round of this test's pump that moved nothing waits for
 * them, bounded: up to {@value #QUIET_NANOS} ns of real time in 50 µs parks before it calls the network quiet.
 */
class UdpTunnelTest {
    static final long QUIET_NANOS = 2_000_000_000L;

    private final BufferPool pool = BufferPool.builder().count(4096).strict(true).build();
    private final Clock clock = Clock.system();
    private final Switch swA = Switch.builder().clock(clock).memory(pool).build();
    private final Switch swB = Switch.builder().clock(clock).memory(pool).build();
    private final MemoryPort pa = MemoryPort.builder().name("a").memory(pool).build();
    private final MemoryPort pb = MemoryPort.builder().name("b").memory(pool).build();
    private TunnelPort ta;
    private TunnelPort tb;
    private VirtualHost hostA;
    private VirtualHost hostB;

    private final Pump pump = new Pump() {
        @Override
        public int pumpOnce() {
            long until = System.nanoTime() + QUIET_NANOS;
            int moved;
            do {
                moved = swA.poll() + swB.poll() + hostA.process() + hostB.process();
                if (moved == 0) {
                    LockSupport.parkNanos(50_000);
                }
            } while (moved == 0 && System.nanoTime() < until);
            return moved;
        }

        @Override
        public Clock clock() {
            return clock;
        }
    };

    @AfterEach
    void close() {
        swA.close();
        swB.close();
        if (ta != null) {
            ta.close();
        }
        if (tb != null) {
            tb.close();
        }
        pa.close();
        pb.close();
        assertEquals(0, pool.usedCount(), "buffers leaked");
    }

    /** Bridges br-a (host a, tun-a) and br-b (host b, tun-b) with hosts a and b on them. */
    private Bridge[] wire() {
        Bridge brA = swA.addBridge("br-a");
        Bridge brB = swB.addBridge("br-b");
        brA.addPort(pa, BridgePortConfig.builder("a").build());
        brA.addPort(ta, BridgePortConfig.builder("tun-a").build());
        brB.addPort(pb, BridgePortConfig.builder("b").build());
        brB.addPort(tb, BridgePortConfig.builder("tun-b").build());
        hostA = VirtualHost.builder().name("a").mac(0x0200_0000_000aL).ipv4("192.0.2.1").port(pa).pump(pump).build();
        hostB = VirtualHost.builder().name("b").mac(0x0200_0000_000bL).ipv4("192.0.2.2").port(pb).pump(pump).build();
        return new Bridge[] {brA, brB};
    }

    static int freePort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
            return s.getLocalPort();
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({"VXLAN, EPOLL", "GENEVE, EPOLL", "VXLAN, IO_URING", "GENEVE, IO_URING"})
    void twoSwitchesOverLoopbackUdpCarryArpAndPingBothWays(TunnelType type, UdpUnderlay.Transport transport)
            throws Exception {
        if (transport == UdpUnderlay.Transport.IO_URING && !io.netty.channel.uring.IoUring.isAvailable()) {
            org.junit.jupiter.api.Assumptions.abort("io_uring is not available here: "
                    + io.netty.channel.uring.IoUring.unavailabilityCause());
        }
        int port = freePort();
        TunnelConfig ca = TunnelConfig.builder(type).local(InetAddress.getByName("127.0.0.1"))
                .remote(InetAddress.getByName("127.0.0.2")).key(5001).dstPort(port).build();
        TunnelConfig cb = TunnelConfig.builder(type).local(InetAddress.getByName("127.0.0.2"))
                .remote(InetAddress.getByName("127.0.0.1")).key(5001).dstPort(port).build();
        ta = new TunnelPort("tun-a", ca, UdpUnderlay.open(ca, pool, transport), pool);
        tb = new TunnelPort("tun-b", cb, UdpUnderlay.open(cb, pool, transport), pool);
        wire();
        for (int i = 0; i < 5; i++) {
            PingResult ab = hostA.ping(hostB);
            assertTrue(ab.success(), "a -> b #" + i + ": " + ab + "; " + ta.stats() + " " + tb.stats());
            PingResult ba = hostB.ping(hostA);
            assertTrue(ba.success(), "b -> a #" + i + ": " + ba);
        }
        assertEquals(0x0200_0000_000bL, hostA.neighbors().get(InetAddress.getByName("192.0.2.2")));
        assertTrue(tb.stats().rxPackets() >= 6, tb.stats().toString()); // ARP request, reply and 5 echoes at least
        assertEquals(0, ta.stats().rxErrors() + tb.stats().rxErrors());
        assertEquals(0, ta.stats().txDropped() + tb.stats().txDropped());
    }

    @org.junit.jupiter.api.Test
    void aDatagramFromAnIpv6PeerCarriesItsOuterAddressesAsTunIpv6SrcAndDst() throws Exception {
        InetAddress lo6 = InetAddress.getByName("::1");
        int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(lo6, 0))) {
            port = probe.getLocalPort();
        } catch (java.net.SocketException e) {
            throw new AssertionError("no IPv6 loopback (::1) to bind: " + e.getMessage(), e);
        }
        TunnelConfig c = TunnelConfig.fromOptions(TunnelType.VXLAN, java.util.Map.of("remote_ip", "flow", "key", "flow",
                "local_ip", "::1", "dst_port", Integer.toString(port)));
        ta = new TunnelPort("tun-a", c, UdpUnderlay.open(c, pool, UdpUnderlay.Transport.EPOLL), pool);
        Bridge brA = swA.addBridge("br-a");
        brA.addPort(pa, BridgePortConfig.builder("a").build());
        brA.addPort(ta, BridgePortConfig.builder("tun-a").build());
        org.vswitch4j.flow.FlowPipeline of = org.vswitch4j.flow.FlowPipeline.attach(brA, swA.datapath());
        of.apply(org.vswitch4j.flow.ofctl.Ofctl.parseFlow("priority=10,in_port=" + brA.ofport("tun-a")
                + ",tun_id=7,tun_ipv6_src=::1,tun_ipv6_dst=::1,actions=output:" + brA.ofport("a")));
        of.apply(org.vswitch4j.flow.ofctl.Ofctl.parseFlow("priority=5,actions=drop"));
        byte[] inner = org.vswitch4j.core.packet.FrameBuilder.ethernet(0x0200_0000_000bL, 0x0200_0000_000aL)
                .ethType(0x88b5).payload(50).build();
        byte[] datagram = TunnelPortTest.concat(TunnelCodecTest.hex("08000000 00000700"), inner);
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress(lo6, 0))) {
            peer.send(new java.net.DatagramPacket(datagram, datagram.length, new InetSocketAddress(lo6, port)));
            byte[] got = null;
            long until = System.nanoTime() + QUIET_NANOS;
            while (got == null && System.nanoTime() < until) {
                swA.poll();
                got = pa.receive();
                if (got == null) {
                    LockSupport.parkNanos(50_000);
                }
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(inner, got, "forwarded by the tun_ipv6_src/dst flow");
        }
        String mf = swA.datapath().dumpFlows().toString();
        assertTrue(mf.contains("tun_ipv6_src=0x00000000000000000000000000000001"), mf);
    }

    @org.junit.jupiter.api.Test
    void aGeneveOptionSetOnOneSwitchIsMatchedOnTheOtherOverKernelUdpSockets() throws Exception {
        int port = freePort();
        GeneveTlvMap tlv = new GeneveTlvMap();
        tlv.add("{class=0x102,type=0x80,len=4}->tun_metadata1");
        TunnelConfig ca = TunnelConfig.builder(TunnelType.GENEVE).local(InetAddress.getByName("127.0.0.1"))
                .remote(InetAddress.getByName("127.0.0.2")).key(77).dstPort(port).build();
        TunnelConfig cb = TunnelConfig.builder(TunnelType.GENEVE).local(InetAddress.getByName("127.0.0.2"))
                .remote(InetAddress.getByName("127.0.0.1")).key(77).dstPort(port).build();
        ta = new TunnelPort("tun-a", ca, UdpUnderlay.open(ca, pool, UdpUnderlay.Transport.EPOLL), pool, tlv);
        tb = new TunnelPort("tun-b", cb, UdpUnderlay.open(cb, pool, UdpUnderlay.Transport.EPOLL), pool, tlv);
        Bridge[] br = wire();
        Bridge brA = br[0];
        Bridge brB = br[1];
        org.vswitch4j.flow.FlowPipeline ofA = org.vswitch4j.flow.FlowPipeline.attach(brA, swA.datapath());
        org.vswitch4j.flow.FlowPipeline ofB = org.vswitch4j.flow.FlowPipeline.attach(brB, swB.datapath());
        ofA.apply(org.vswitch4j.flow.ofctl.Ofctl.parseFlow("in_port=" + brA.ofport("a")
                + ",actions=set_field:0xbeef->tun_metadata1,output:" + brA.ofport("tun-a")));
        ofA.apply(org.vswitch4j.flow.ofctl.Ofctl.parseFlow("in_port=" + brA.ofport("tun-a") + ",actions=output:"
                + brA.ofport("a")));
        ofB.apply(org.vswitch4j.flow.ofctl.Ofctl.parseFlow("priority=10,in_port=" + brB.ofport("tun-b")
                + ",tun_metadata1=0xbeef,actions=output:" + brB.ofport("b")));
        ofB.apply(org.vswitch4j.flow.ofctl.Ofctl.parseFlow("priority=5,in_port=" + brB.ofport("tun-b") + ",actions=drop"));
        ofB.apply(org.vswitch4j.flow.ofctl.Ofctl.parseFlow("in_port=" + brB.ofport("b") + ",actions=output:"
                + brB.ofport("tun-b")));
        PingResult r = hostA.ping(hostB);
        assertTrue(r.success(), "a -> b, forwarded by b only with the option: " + r + " " + tb.decapErrors());
        assertEquals(0, tb.stats().rxErrors(), "the critical option is mapped: accepted " + tb.decapErrors());
    }
}
