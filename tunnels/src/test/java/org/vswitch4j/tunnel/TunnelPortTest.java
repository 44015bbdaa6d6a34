package org.vswitch4j.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vswitch4j.core.Switch;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.datapath.DropReason;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.port.MemoryPort;
import org.vswitch4j.core.time.Clock;
import org.vswitch4j.core.time.VirtualClock;
import org.vswitch4j.flow.FlowPipeline;
import org.vswitch4j.flow.ofctl.Ofctl;
import org.vswitch4j.testkit.PingResult;
import org.vswitch4j.testkit.Pump;
import org.vswitch4j.testkit.VirtualHost;

/**
 * Tunnel ports in switches, over an in-memory underlay: NORMAL bridges on both ends, ARP and ping through the
 * tunnel; keys that filter; flow-based remote and key from the OpenFlow tables; the underlay MTU policy.
 */
class TunnelPortTest {
    private final BufferPool pool = BufferPool.builder().count(2048).strict(true).build();
    private final VirtualClock clock = new VirtualClock();
    private final Switch swA = Switch.builder().clock(clock).memory(pool).build();
    private final Switch swB = Switch.builder().clock(clock).memory(pool).build();
    private final Bridge brA = swA.addBridge("br-a");
    private final Bridge brB = swB.addBridge("br-b");
    private final MemoryPort pa = MemoryPort.builder().name("a").memory(pool).build();
    private final MemoryPort pb = MemoryPort.builder().name("b").memory(pool).build();
    private VirtualHost hostA;
    private VirtualHost hostB;
    private LoopUnderlay[] underlays;
    /** The TLV map both bridges' tunnel ports use (Open vSwitch: one per bridge; the same mappings on both ends). */
    private final GeneveTlvMap tlvMap = new GeneveTlvMap();

    private final Pump pump = new Pump() {
        @Override
        public int pumpOnce() {
            return swA.poll() + swB.poll() + hostA.process() + hostB.process();
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
        pa.close();
        pb.close();
        assertEquals(0, pool.usedCount(), "buffers leaked");
    }

    static final int IP_A = 0xc633_6401; // 198.51.100.1, the underlay
    static final int IP_B = 0xc633_6402;

    static TunnelConfig.Builder cfg(TunnelType t, String local, String remote) throws Exception {
        return TunnelConfig.builder(t).local(InetAddress.getByName(local)).remote(InetAddress.getByName(remote));
    }

    private TunnelPort[] wire(TunnelType t, TunnelConfig a, TunnelConfig b) {
        LoopUnderlay[] u = LoopUnderlay.pair(pool, t);
        underlays = u;
        TunnelPort ta = new TunnelPort("tun-a", a, u[0], pool, tlvMap);
        TunnelPort tb = new TunnelPort("tun-b", b, u[1], pool, tlvMap);
        brA.addPort(pa, BridgePortConfig.builder("a").build());
        brB.addPort(pb, BridgePortConfig.builder("b").build());
        brA.addPort(ta, BridgePortConfig.builder("tun-a").build());
        brB.addPort(tb, BridgePortConfig.builder("tun-b").build());
        hostA = VirtualHost.builder().name("a").mac(0x0200_0000_000aL).ipv4("192.0.2.1").port(pa).pump(pump).build();
        hostB = VirtualHost.builder().name("b").mac(0x0200_0000_000bL).ipv4("192.0.2.2").port(pb).pump(pump).build();
        return new TunnelPort[] {ta, tb};
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TunnelType.class)
    void hostsBehindTwoBridgesPingThroughTheTunnelBothWaysWithArp(TunnelType t) throws Exception {
        TunnelPort[] tp = wire(t, cfg(t, "198.51.100.1", "198.51.100.2").key(42).build(),
                cfg(t, "198.51.100.2", "198.51.100.1").key(42).build());
        PingResult ab = hostA.ping(hostB);
        assertTrue(ab.success(), "a -> b: " + ab);
        PingResult ba = hostB.ping(hostA);
        assertTrue(ba.success(), "b -> a: " + ba);
        assertEquals(0x0200_0000_000bL, hostA.neighbors().get(InetAddress.getByName("192.0.2.2")), "ARP through the tunnel");
        String flows = swB.datapath().dumpFlows().toString();
        assertTrue(flows.contains("actions:tnl_push(tnl_port(" + brB.ofport("tun-b") + "),header(" + t.ovsName()), flows);
        assertTrue(tp[1].stats().rxPackets() >= 2 && tp[0].stats().txPackets() >= 2, tp[1].stats() + " " + tp[0].stats());
        assertEquals(0, tp[1].stats().rxErrors());
    }

    @Test
    void aFloodToATunnelAndALocalPortEncapsulatesOnlyTheTunnelsCopy() throws Exception {
        TunnelPort[] tp = wire(TunnelType.VXLAN, cfg(TunnelType.VXLAN, "198.51.100.1", "198.51.100.2").key(9).build(),
                cfg(TunnelType.VXLAN, "198.51.100.2", "198.51.100.1").key(9).build());
        MemoryPort pc = MemoryPort.builder().name("c").memory(pool).build();
        try {
            brA.addPort(pc, BridgePortConfig.builder("c").build());
            byte[] bcast = FrameBuilder.ethernet(0x0200_0000_000aL, -1L >>> 16).ethType(0x88b5).payload(50).build();
            assertTrue(pa.send(bcast));
            for (int i = 0; i < 4; i++) {
                pump.pumpOnce();
            }
            String acts = swA.datapath().dumpFlows().toString();
            assertTrue(acts.contains("tnl_push"), acts);
            org.junit.jupiter.api.Assertions.assertArrayEquals(bcast, pc.receive(), "the local port gets the frame as it came");
            byte[] out = underlays[0].sent.get(0);
            assertEquals(bcast.length + 50, out.length, "the tunnel gets it encapsulated");
            org.junit.jupiter.api.Assertions.assertArrayEquals(bcast, java.util.Arrays.copyOfRange(out, 50, out.length));
            assertEquals(1, tp[0].stats().txPackets());
        } finally {
            swA.close();
            pc.close();
        }
    }

    @Test
    void framesWithAnotherVniBadFlagsOrAnotherSenderAreDroppedAndCounted() throws Exception {
        TunnelPort[] tp = wire(TunnelType.VXLAN, cfg(TunnelType.VXLAN, "198.51.100.1", "198.51.100.2").key(42).build(),
                cfg(TunnelType.VXLAN, "198.51.100.2", "198.51.100.1").key(42).build());
        byte[] inner = FrameBuilder.ethernet(0x0200_0000_0099L, -1L >>> 16).ethType(0x88b5).payload(50).build();
        LoopUnderlay u = underlay(tp[1]);
        u.inject(concat(TunnelCodecTest.hex("08000000 00002b00"), inner), IP_A, IP_B); // VNI 43
        u.inject(concat(TunnelCodecTest.hex("00000000 00002a00"), inner), IP_A, IP_B); // I flag clear
        u.inject(concat(TunnelCodecTest.hex("08000000 00002a00"), inner), IP_A + 7, IP_B); // not from remote_ip
        u.inject(concat(TunnelCodecTest.hex("08000000 00002a00"), inner), IP_A, IP_B); // good
        for (int i = 0; i < 4; i++) {
            pump.pumpOnce();
        }
        Map<String, Long> errs = tp[1].decapErrors();
        assertEquals(1L, errs.get("unknown_key"), errs.toString());
        assertEquals(1L, errs.get("bad_flags"), errs.toString());
        assertEquals(1L, errs.get("unknown_remote"), errs.toString());
        assertEquals(3, tp[1].stats().rxErrors());
        assertEquals(1, tp[1].stats().rxPackets());
        assertEquals(1, hostB.framesReceived(), "only the good frame reached host b");
    }

    @Test
    void flowBasedTunnelTakesRemoteAndKeyFromSetFieldAndMatchesThemOnReceive() throws Exception {
        TunnelConfig flowCfg = TunnelConfig.fromOptions(TunnelType.VXLAN,
                Map.of("remote_ip", "flow", "key", "flow", "local_ip", "198.51.100.1"));
        TunnelPort[] tp = wire(TunnelType.VXLAN, flowCfg, cfg(TunnelType.VXLAN, "198.51.100.2", "198.51.100.1").key(77).build());
        FlowPipeline of = FlowPipeline.attach(brA, swA.datapath());
        int host = brA.ofport("a");
        int tun = brA.ofport("tun-a");
        of.apply(Ofctl.parseFlow("priority=10,in_port=" + host
                + ",actions=set_field:198.51.100.2->tun_dst,set_field:77->tun_id,output:" + tun));
        of.apply(Ofctl.parseFlow("priority=10,in_port=" + tun + ",tun_id=77,tun_src=198.51.100.2,actions=output:" + host));
        of.apply(Ofctl.parseFlow("priority=5,in_port=" + tun + ",actions=drop"));
        PingResult r = hostA.ping(hostB);
        assertTrue(r.success(), "a -> b through a flow-based tunnel: " + r);
        byte[] first = underlay(tp[0]).sent.get(0);
        assertEquals(IP_B, LoopUnderlay.be32(first, 30), "outer destination = tun_dst");
        assertEquals(77, LoopUnderlay.be32(first, 14 + 20 + 8 + 4) >>> 8, "VNI = tun_id");
        String dp = swA.datapath().dumpFlows().toString();
        assertTrue(dp.contains("tnl_push(tnl_port(" + tun + "),header(vxlan(src=198.51.100.1,dst=198.51.100.2,dst_port=4789,key=77"), dp);
        // A frame with another key arrives at the flow-based port (any key accepted) but no flow forwards it.
        long before = hostA.framesReceived();
        byte[] inner = FrameBuilder.ethernet(0x0200_0000_000bL, 0x0200_0000_000aL).ethType(0x88b5).payload(50).build();
        underlay(tp[0]).inject(concat(TunnelCodecTest.hex("08000000 00004d00"), inner), IP_B, IP_A); // 77
        underlay(tp[0]).inject(concat(TunnelCodecTest.hex("08000000 00004e00"), inner), IP_B, IP_A); // 78
        for (int i = 0; i < 4; i++) {
            pump.pumpOnce();
        }
        assertEquals(before + 1, hostA.framesReceived(), "only tun_id=77 is forwarded");
        assertEquals(0, tp[0].stats().rxErrors());
    }

    @Test
    void geneveOptionSetBySetFieldIsSentAsItsTlvAndMatchedAsTunMetadataOnReceive() throws Exception {
        tlvMap.add("{class=0xffff,type=0x80,len=4}->tun_metadata0,{class=0x102,type=0x1,len=8}->tun_metadata1");
        tlvMap.onChange(swA.datapath()::invalidateAll);
        TunnelPort[] tp = wire(TunnelType.GENEVE, cfg(TunnelType.GENEVE, "198.51.100.1", "198.51.100.2").key(5).build(),
                cfg(TunnelType.GENEVE, "198.51.100.2", "198.51.100.1").key(5).build());
        FlowPipeline ofA = FlowPipeline.attach(brA, swA.datapath());
        FlowPipeline ofB = FlowPipeline.attach(brB, swB.datapath());
        int a = brA.ofport("a");
        int tunA = brA.ofport("tun-a");
        int b = brB.ofport("b");
        int tunB = brB.ofport("tun-b");
        ofA.apply(Ofctl.parseFlow("in_port=" + a + ",actions=set_field:0x1234->tun_metadata0,output:" + tunA));
        ofA.apply(Ofctl.parseFlow("in_port=" + tunA + ",actions=output:" + a));
        // b forwards only frames whose option says 0x1234 (masked: the low 16 bits), and answers with another option.
        ofB.apply(Ofctl.parseFlow("priority=10,in_port=" + tunB + ",tun_metadata0=0x1234/0xffff,actions=output:" + b));
        ofB.apply(Ofctl.parseFlow("priority=5,in_port=" + tunB + ",actions=drop"));
        ofB.apply(Ofctl.parseFlow("in_port=" + b + ",actions=set_field:0x0102030405060708->tun_metadata1,output:" + tunB));
        PingResult r = hostA.ping(hostB);
        assertTrue(r.success(), "a -> b with the option: " + r);
        byte[] out = underlays[0].sent.get(0);
        // Outer Ethernet 14, IPv4 20, UDP 8, then Geneve: 2 words of options, C set (type 0x80 is critical).
        assertEquals("0240655800000500ffff800100001234",
                java.util.HexFormat.of().formatHex(java.util.Arrays.copyOfRange(out, 42, 58)), "Geneve header and option");
        byte[] back = underlays[1].sent.get(0);
        assertEquals("03006558000005000102010201020304" + "05060708", // 3 words, no C bit: type 0x01 is not critical
                java.util.HexFormat.of().formatHex(java.util.Arrays.copyOfRange(back, 42, 62)));
        String mf = swB.datapath().dumpFlows().toString();
        assertTrue(mf.contains("tun_metadata_present=0x1") && mf.contains("tun_metadata0=0x1234/0xffff"), mf);
        // The same frame with another option value, without the option, or with an unknown critical one: not forwarded.
        long before = hostB.framesReceived();
        byte[] inner = FrameBuilder.ethernet(0x0200_0000_000aL, 0x0200_0000_000bL).ethType(0x88b5).payload(50).build();
        LoopUnderlay u = underlays[1];
        u.inject(concat(TunnelCodecTest.hex("02406558 00000500 ffff8001 00009999"), inner), IP_A, IP_B);
        u.inject(concat(TunnelCodecTest.hex("00006558 00000500"), inner), IP_A, IP_B);
        u.inject(concat(TunnelCodecTest.hex("04406558 00000500 ffff8001 00001234 01038501 00000000"), inner), IP_A, IP_B);
        u.inject(concat(TunnelCodecTest.hex("04406558 00000500 ffff8001 00ab1234 01030501 00000000"), inner), IP_A, IP_B);
        for (int i = 0; i < 4; i++) {
            pump.pumpOnce();
        }
        assertEquals(before + 1, hostB.framesReceived(), "only the last frame (0x1234 in the low bits, unknown option"
                + " not critical) reaches b");
        assertEquals(1L, tp[1].decapErrors().get("critical_option"), tp[1].decapErrors().toString());
    }

    @Test
    void flowBasedIpv6RemoteComesFromSetFieldTunIpv6DstAndTunIpv6SrcMatchesOnReceive() throws Exception {
        TunnelConfig flowCfg = TunnelConfig.fromOptions(TunnelType.GENEVE,
                Map.of("remote_ip", "flow", "key", "flow", "local_ip", "2001:db8::1"));
        TunnelPort[] tp = wire(TunnelType.GENEVE, flowCfg, cfg(TunnelType.GENEVE, "2001:db8::2", "2001:db8::1").key(8).build());
        FlowPipeline of = FlowPipeline.attach(brA, swA.datapath());
        int host = brA.ofport("a");
        int tun = brA.ofport("tun-a");
        of.apply(Ofctl.parseFlow("priority=10,in_port=" + host
                + ",actions=set_field:2001:db8::2->tun_ipv6_dst,set_field:8->tun_id,output:" + tun));
        of.apply(Ofctl.parseFlow("priority=10,in_port=" + tun + ",tun_id=8,tun_ipv6_src=2001:db8::2,tun_ipv6_dst=2001:db8::1"
                + ",actions=output:" + host));
        of.apply(Ofctl.parseFlow("priority=5,in_port=" + tun + ",actions=drop"));
        PingResult r = hostA.ping(hostB);
        assertTrue(r.success(), "a -> b through a flow-based IPv6 tunnel: " + r);
        byte[] first = underlay(tp[0]).sent.get(0);
        assertEquals(0x86dd, (first[12] & 0xff) << 8 | (first[13] & 0xff), "outer IPv6");
        assertEquals("20010db8000000000000000000000002", java.util.HexFormat.of().formatHex(first, 38, 54),
                "outer destination = tun_ipv6_dst");
        String mf = swA.datapath().dumpFlows().toString();
        assertTrue(mf.contains("tun_ipv6_src=0x20010db8000000000000000000000002"), mf);
        // The same frame from another IPv6 source is not forwarded; b refuses a sender other than its remote_ip.
        long before = hostA.framesReceived();
        byte[] inner = FrameBuilder.ethernet(0x0200_0000_000bL, 0x0200_0000_000aL).ethType(0x88b5).payload(50).build();
        byte[] v6 = TunnelCodecTest.hex("20010db8000000000000000000000003 20010db8000000000000000000000001");
        underlay(tp[0]).inbox.add(new LoopUnderlay.Held(concat(TunnelCodecTest.hex("00006558 00000800"), inner), 0, 0, v6));
        underlay(tp[1]).inbox.add(new LoopUnderlay.Held(concat(TunnelCodecTest.hex("00006558 00000800"), inner), 0, 0,
                TunnelCodecTest.hex("20010db8000000000000000000000003 20010db8000000000000000000000002")));
        for (int i = 0; i < 4; i++) {
            pump.pumpOnce();
        }
        assertEquals(before, hostA.framesReceived(), "tun_ipv6_src=2001:db8::3 matches no forwarding flow");
        assertEquals(1L, tp[1].decapErrors().get("unknown_remote"), tp[1].decapErrors().toString());
    }

    @Test
    void flowBasedRemoteWithoutTunDstSendsNothing() throws Exception {
        TunnelConfig flowCfg = TunnelConfig.fromOptions(TunnelType.VXLAN, Map.of("remote_ip", "flow", "local_ip", "198.51.100.1"));
        TunnelPort[] tp = wire(TunnelType.VXLAN, flowCfg, cfg(TunnelType.VXLAN, "198.51.100.2", "198.51.100.1").build());
        PingResult r = hostA.ping(hostB); // NORMAL floods the ARP request; the tunnel port has no remote for it
        assertTrue(!r.success());
        assertEquals(0, underlay(tp[0]).sent.size());
    }

    @Test
    void anInnerFrameOverTheUnderlayMtuIsDroppedAndCountedNeverTruncated() throws Exception {
        TunnelPort[] tp = wire(TunnelType.GENEVE, cfg(TunnelType.GENEVE, "198.51.100.1", "198.51.100.2").underlayMtu(1400).build(),
                cfg(TunnelType.GENEVE, "198.51.100.2", "198.51.100.1").underlayMtu(1400).build());
        assertTrue(hostA.ping(hostB).success());
        int sentBefore = underlay(tp[0]).sent.size();
        // 1400 - 20 (IP) - 8 (UDP) - 8 (Geneve) = 1364 bytes of inner frame fit: 1350 of IP.
        assertTrue(hostA.sendUdp(InetAddress.getByName("192.0.2.2"), 1, 2, new byte[1350 - 28]));
        assertTrue(hostA.sendUdp(InetAddress.getByName("192.0.2.2"), 1, 2, new byte[1351 - 28]));
        for (int i = 0; i < 4; i++) {
            pump.pumpOnce();
        }
        assertEquals(sentBefore + 1, underlay(tp[0]).sent.size());
        assertEquals(1400 + 14, underlay(tp[0]).sent.get(sentBefore).length);
        int tun = brA.ofport("tun-a");
        assertEquals(1, swA.datapath().dropCount(brA.ofport("a"), DropReason.TUNNEL_PUSH));
        assertEquals(1, swA.datapath().portStats(tun).txDropped());
        assertEquals(1, hostB.receivedUdp().size());
    }

    @Test
    void withPmtudAnOverMtuFrameWithDfIsAnsweredWithFragmentationNeededAndStillCounted() throws Exception {
        TunnelPort[] tp = wire(TunnelType.VXLAN, cfg(TunnelType.VXLAN, "198.51.100.1", "198.51.100.2").underlayMtu(1400)
                .pmtud(true).build(), cfg(TunnelType.VXLAN, "198.51.100.2", "198.51.100.1").underlayMtu(1400).build());
        assertTrue(hostA.ping(hostB).success());
        long before = hostA.framesReceived();
        // 1400 - 20 - 8 - 8 = 1364 bytes of inner frame fit, 1350 of IP: one byte more, with DF.
        byte[] big = FrameBuilder.ethernet(0x0200_0000_000aL, 0x0200_0000_000bL).ipv4("192.0.2.1", "192.0.2.2").df()
                .udp(1, 2).payload(1351 - 28).build();
        assertTrue(hostA.sendFrame(big));
        for (int i = 0; i < 4; i++) {
            pump.pumpOnce();
        }
        assertEquals(1, tp[0].fragNeededSent());
        assertEquals(before + 1, hostA.framesReceived(), "the ICMP reply came back to a through the bridge");
        assertEquals(1, swA.datapath().dropCount(brA.ofport("a"), DropReason.TUNNEL_PUSH), "the frame itself is dropped");
        assertEquals(0, hostB.receivedUdp().size());
    }

    private LoopUnderlay underlay(TunnelPort p) {
        return p.name().equals("tun-a") ? underlays[0] : underlays[1];
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

}
