package org.vswitch4j.core.datapath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.time.VirtualClock;

/**
 * The in_port-only burst path ({@code PollWorker.portOnlyBurst}): a burst from a port whose installed megaflow
 * consults in_port only skips parse and lookups. It must be indistinguishable from the normal path in everything
 * but the EMC/megaflow hit split: outputs, port counters, drop reasons, malformed counts, megaflow stats, expiry.
 * The property test runs two datapaths side by side, one with the path and one without, through the same random
 * rules, flow mods, clock steps and frames. Seeded: a failure prints the seed, {@code -Dvs4j.seed=N} replays it.
 */
class PortOnlyBurstTest {
    private static final int PORTS = 4;
    private static final int NO_SUCH_PORT = 9;

    /** Per in_port: what the decision depends on and the actions (read by both datapaths' pipelines). */
    private static final class Rules {
        /** 0: in_port only; 1: in_port and eth_type (IPv4 vs other); 2: in_port and the eth_dst group bit. */
        final int[] kind = new int[PORTS + 1];
        final DatapathActions[] first = new DatapathActions[PORTS + 1];
        final DatapathActions[] second = new DatapathActions[PORTS + 1];

        DatapathActions translate(FlowKey key, org.vswitch4j.core.key.FlowMask mask, Translation tx) {
            int in = key.inPort();
            tx.addTag(in);
            return switch (kind[in]) {
                case 0 -> first[in];
                case 1 -> {
                    mask.exact(FlowField.ETH_TYPE);
                    yield key.get(FlowField.ETH_TYPE) == 0x0800 ? first[in] : second[in];
                }
                default -> {
                    mask.bits(FlowField.ETH_DST, 0x01_00_00_00_00_00L);
                    yield (key.get(FlowField.ETH_DST) & 0x01_00_00_00_00_00L) != 0 ? first[in] : second[in];
                }
            };
        }
    }

    /** One datapath with its own pool, clock and ports; {@code fast} says whether the path under test is on. */
    private static final class Side implements AutoCloseable {
        final BufferPool pool = BufferPool.builder().count(1024).strict(true).build();
        final VirtualClock clock = new VirtualClock();
        final Datapath dp;
        final TestPort[] ports = new TestPort[PORTS + 1];

        Side(boolean fast, Rules rules, int emcInvProb) {
            dp = Datapath.builder().clock(clock).memory(pool).emcEntries(64).emcInsertInverseProbability(emcInvProb)
                    .maxIdle(java.time.Duration.ofSeconds(2)).revalidateInterval(java.time.Duration.ofMillis(500))
                    .build();
            dp.portOnlyBursts(fast);
            for (int i = 1; i <= PORTS; i++) {
                ports[i] = new TestPort("p" + i, pool);
                assertEquals(i, dp.addPort(ports[i], rules::translate));
            }
        }

        @Override
        public void close() {
            dp.close();
            assertEquals(0, pool.usedCount(), "buffers still in use: a leak");
            pool.close();
        }
    }

    @Test
    void portOnlyBurstsBehaveExactlyAsTheNormalPathUnderRandomRulesFlowModsAndFrames() {
        long seed = seed();
        String replay = " (seed " + seed + ", replay with -Dvs4j.seed=" + seed + ")";
        System.out.println("PortOnlyBurstTest seed=" + seed);
        Random r = new Random(seed);
        long fastBursts = 0;
        for (int trial = 0; trial < 12; trial++) {
            Rules rules = new Rules();
            for (int i = 1; i <= PORTS; i++) {
                randomRule(r, rules, i);
            }
            int emcInvProb = r.nextBoolean() ? 1 : 100;
            try (Side a = new Side(true, rules, emcInvProb); Side b = new Side(false, rules, emcInvProb)) {
                for (int step = 0; step < 300; step++) {
                    String what = step(r, rules, a, b);
                    String at = " after trial " + trial + " step " + step + " (" + what + ")" + replay;
                    compare(a, b, at);
                }
                DatapathStats sa = a.dp.stats();
                DatapathStats sb = b.dp.stats();
                fastBursts += sb.emcHits() - sa.emcHits();
            }
        }
        assertTrue(fastBursts > 0, "the path under test never ran: the comparison proved nothing" + replay);
    }

    /** One random operation on both sides; returns what it was, for the failure message. */
    private static String step(Random r, Rules rules, Side a, Side b) {
        int op = r.nextInt(100);
        if (op < 70) {
            List<byte[]> frames = new ArrayList<>();
            int in = 1 + r.nextInt(PORTS);
            int n = r.nextInt(4) == 0 ? 1 + r.nextInt(40) : 1 + r.nextInt(PacketBatch.DEFAULT_BURST);
            for (int i = 0; i < n; i++) {
                frames.add(randomFrame(r, a.ports[in].mtu));
            }
            for (Side s : new Side[] {a, b}) {
                for (byte[] f : frames) {
                    s.ports[in].inject(f.clone());
                }
                while (s.dp.poll() > 0) {
                    // drain every rx queue
                }
            }
            return n + " frames into port " + in;
        }
        int in = 1 + r.nextInt(PORTS);
        if (op < 78) {
            randomRule(r, rules, in);
            for (Side s : new Side[] {a, b}) {
                s.dp.invalidate(in); // a flow mod: the pipeline invalidates the tags of the decisions it changed
            }
            return "flow mod on in_port " + in;
        }
        if (op < 84) {
            // The same match, new actions, no invalidation: the revalidator replaces the actions in place.
            rules.first[in] = randomActions(r);
            rules.second[in] = randomActions(r);
            for (Side s : new Side[] {a, b}) {
                s.clock.advanceMillis(600);
            }
            return "actions of in_port " + in + " changed for the revalidator";
        }
        if (op < 92) {
            long ms = r.nextInt(3000);
            for (Side s : new Side[] {a, b}) {
                s.clock.advanceMillis(ms); // may expire idle megaflows (max idle 2 s) or revalidate
            }
            return "clock +" + ms + " ms";
        }
        if (op < 95) {
            for (Side s : new Side[] {a, b}) {
                s.dp.invalidateAll();
            }
            return "invalidate all";
        }
        if (op < 98) {
            boolean up = r.nextBoolean();
            for (Side s : new Side[] {a, b}) {
                s.dp.portAdminUp(in, up);
            }
            return "port " + in + (up ? " up" : " down");
        }
        int mtu = r.nextBoolean() ? 1500 : 1400;
        for (Side s : new Side[] {a, b}) {
            s.ports[in].mtu = mtu;
        }
        return "port " + in + " mtu " + mtu;
    }

    private static void randomRule(Random r, Rules rules, int in) {
        rules.kind[in] = r.nextInt(3) == 0 ? 1 + r.nextInt(2) : 0;
        rules.first[in] = randomActions(r);
        rules.second[in] = randomActions(r);
    }

    /** Mostly plain outputs; also drops, nothing, two outputs, a missing port, and header rewrites. */
    private static DatapathActions randomActions(Random r) {
        DatapathActions.Builder b = DatapathActions.builder();
        switch (r.nextInt(10)) {
            case 0 -> b.drop(DropReason.PIPELINE);
            case 1 -> {
                return DatapathActions.DROP;
            }
            case 2 -> b.output(1 + r.nextInt(PORTS)).output(1 + r.nextInt(PORTS));
            case 3 -> b.output(NO_SUCH_PORT);
            case 4 -> b.pushVlan(0x8100, 7).output(1 + r.nextInt(PORTS));
            case 5 -> b.setField(FlowField.ETH_DST, 0x02_00_00_00_00_99L).output(1 + r.nextInt(PORTS));
            default -> b.output(1 + r.nextInt(PORTS));
        }
        return b.build();
    }

    /** Good frames of several shapes, runts, truncated headers, and frames at and over the MTU. */
    private static byte[] randomFrame(Random r, int mtu) {
        long dst = r.nextBoolean() ? Frames.MAC_B : 0x01_00_5e_00_00_01L;
        return switch (r.nextInt(12)) {
            case 0, 1, 2 -> Frames.udp(0x0a000001, 0x0a000002, 1000 + r.nextInt(8), 53);
            case 3 -> Frames.ipv4(dst, Frames.MAC_A, new int[] {0x8100_0000 | r.nextInt(4096)}, 6, 0x0a000001,
                    0x0a000003, 80, 1024 + r.nextInt(4), 0, false);
            case 4 -> Frames.eth(dst, Frames.MAC_A, 0x0806, 28);
            case 5 -> Frames.eth(dst, Frames.MAC_A, r.nextBoolean() ? 0x88B5 : 46, 46);
            case 6 -> {
                byte[] f = new byte[r.nextInt(14)]; // a runt
                r.nextBytes(f);
                yield f;
            }
            case 7 -> {
                int[] types = {0x0800, 0x86DD, 0x0806, 0x8100, 0x88A8, 0x88B5};
                byte[] f = Frames.eth(dst, Frames.MAC_A, types[r.nextInt(types.length)], r.nextInt(30));
                for (int i = 14; i < f.length; i++) {
                    f[i] = (byte) r.nextInt(256); // a header cut short or inconsistent: mostly malformed
                }
                yield f;
            }
            case 8, 9 -> {
                // Around the MTU: untagged, or with a tag (4 more bytes allowed), a few bytes either side.
                boolean tagged = r.nextBoolean();
                byte[] f = Frames.eth(dst, Frames.MAC_A, tagged ? 0x8100 : 0x88B5, mtu - 3 + r.nextInt(10));
                if (tagged) {
                    f[16] = (byte) 0x88;
                    f[17] = (byte) 0xB5;
                }
                yield f;
            }
            default -> {
                byte[] f = new byte[14 + r.nextInt(80)];
                r.nextBytes(f);
                yield f;
            }
        };
    }

    private static void compare(Side a, Side b, String at) {
        for (int i = 1; i <= PORTS; i++) {
            List<byte[]> oa = a.ports[i].drain();
            List<byte[]> ob = b.ports[i].drain();
            assertEquals(ob.size(), oa.size(), "frames out of port " + i + at);
            for (int k = 0; k < oa.size(); k++) {
                assertArrayEquals(ob.get(k), oa.get(k), "frame " + k + " out of port " + i + at);
            }
            PortStats pa = a.dp.portStats(i);
            PortStats pb = b.dp.portStats(i);
            assertEquals(pb, pa, "port " + i + " counters" + at);
            assertEquals(b.dp.malformedCount(i), a.dp.malformedCount(i), "port " + i + " malformed" + at);
            for (DropReason reason : DropReason.values()) {
                assertEquals(b.dp.dropCount(i, reason), a.dp.dropCount(i, reason), "port " + i + " " + reason + at);
            }
        }
        assertEquals(flows(b.dp), flows(a.dp), "megaflows (match, counters, used time, actions)" + at);
        DatapathStats sa = a.dp.stats();
        DatapathStats sb = b.dp.stats();
        assertEquals(sb.emcHits() + sb.megaflowHits(), sa.emcHits() + sa.megaflowHits(), "hits" + at);
        assertEquals(sb.misses(), sa.misses(), "misses" + at);
        assertEquals(sb.upcalls(), sa.upcalls(), "upcalls" + at);
        assertEquals(sb.lost(), sa.lost(), "lost" + at);
        assertEquals(sb.invalidations(), sa.invalidations(), "invalidations" + at);
        assertEquals(sb.revalidations(), sa.revalidations(), "revalidations" + at);
        assertEquals(sb.megaflows(), sa.megaflows(), "megaflow count" + at);
    }

    private static List<String> flows(Datapath dp) {
        List<String> r = new ArrayList<>();
        for (MegaflowEntry e : dp.dumpFlows()) {
            r.add(e.format());
        }
        r.sort(null);
        return r;
    }

    // ---- single behaviours ---------------------------------------------------------------------------

    /** in_port 1 to port 2 on in_port alone; the other ports drop. */
    private static Rules oneToTwo() {
        Rules rules = new Rules();
        rules.first[1] = DatapathActions.builder().output(2).build();
        for (int i = 2; i <= PORTS; i++) {
            rules.first[i] = DatapathActions.DROP;
        }
        return rules;
    }

    @Test
    void laterBurstsOfAnInPortOnlyMegaflowSkipTheCachesAndCountOnceExactly() {
        Rules rules = oneToTwo();
        try (Side s = new Side(true, rules, 1)) {
            byte[] first = Frames.udp(0x0a000001, 0x0a000002, 1000, 53);
            s.ports[1].inject(first);
            s.dp.poll(); // the upcall installs in_port=1 -> 2
            byte[] runt = new byte[13];
            byte[] cut = Frames.eth(Frames.MAC_B, Frames.MAC_A, 0x0800, 10); // IPv4 cut short: malformed, forwarded
            byte[] big = Frames.eth(Frames.MAC_B, Frames.MAC_A, 0x88B5, 1501); // 1515 bytes: over MTU 1500
            byte[] good = Frames.eth(Frames.MAC_B, Frames.MAC_A, 0x88B5, 50);
            s.ports[1].inject(good).inject(runt).inject(cut).inject(big).inject(good);
            s.dp.poll();
            List<byte[]> out = s.ports[2].drain();
            assertEquals(4, out.size(), "the upcall's packet, two good frames and the malformed one");
            assertArrayEquals(good, out.get(1));
            assertArrayEquals(cut, out.get(2));
            assertArrayEquals(good, out.get(3));
            DatapathStats st = s.dp.stats();
            assertEquals(1, st.upcalls());
            assertEquals(0, st.emcHits(), "no EMC lookup for the second burst");
            assertEquals(3, st.megaflowHits(), "the frames the megaflow forwarded");
            assertEquals(1, s.dp.dropCount(1, DropReason.RUNT));
            assertEquals(1, s.dp.dropCount(1, DropReason.OVER_MTU));
            assertEquals(1, s.dp.malformedCount(1));
            PortStats p1 = s.dp.portStats(1);
            assertEquals(6, p1.rxPackets());
            assertEquals(first.length + 2L * good.length + runt.length + cut.length + big.length, p1.rxBytes());
            assertEquals(2, p1.rxDropped());
            assertEquals(3, p1.rxErrors(), "runt, malformed, over-MTU");
            MegaflowEntry e = s.dp.dumpFlows().get(0);
            assertEquals(4, e.packets());
            assertEquals(first.length + 2L * good.length + cut.length, e.bytes());
        }
    }

    @Test
    void aFlowModIsSeenByTheVeryNextBurst() {
        Rules rules = oneToTwo();
        try (Side s = new Side(true, rules, 1)) {
            byte[] f = Frames.udp(0x0a000001, 0x0a000002, 1000, 53);
            s.ports[1].inject(f).inject(f);
            s.dp.poll();
            assertEquals(2, s.ports[2].drain().size());
            rules.first[1] = DatapathActions.builder().output(3).build();
            s.dp.invalidate(1);
            s.ports[1].inject(f);
            s.dp.poll();
            assertEquals(0, s.ports[2].drain().size(), "the old decision is gone");
            s.ports[1].inject(f);
            s.dp.poll(); // a use since the upcall: the revalidator looks at used megaflows
            assertEquals(2, s.ports[3].drain().size());
            rules.first[1] = DatapathActions.builder().output(4).build(); // actions only: the revalidator's job
            s.clock.advanceMillis(600);
            s.ports[1].inject(f);
            s.dp.poll();
            assertEquals(1, s.ports[4].drain().size(), "actions replaced in place are taken by the next burst");
            s.clock.advanceMillis(2500); // idle past max-idle: the megaflow expires
            s.ports[1].inject(f);
            s.dp.poll();
            assertEquals(1, s.ports[4].drain().size());
            assertEquals(3, s.dp.stats().upcalls(), "first packet, after the flow mod, after the expiry");
        }
    }

    @Test
    void aTunnelPortKeepsTheNormalPath() {
        try (BufferPool pool = BufferPool.builder().count(256).strict(true).build()) {
            VirtualClock clock = new VirtualClock();
            Datapath dp = Datapath.builder().clock(clock).memory(pool).emcInsertInverseProbability(1).build();
            TestPort inner = new TestPort("t", pool);
            TestPort out = new TestPort("o", pool);
            Port tunnel = new TunnelLike(inner);
            Pipeline toTwo = (key, mask, tx) -> key.inPort() == 1
                    ? DatapathActions.builder().output(2).build() : DatapathActions.DROP;
            dp.addPort(tunnel, toTwo);
            dp.addPort(out, toTwo);
            byte[] f = Frames.udp(0x0a000001, 0x0a000002, 1000, 53);
            inner.inject(f);
            dp.poll();
            inner.inject(f).inject(f);
            dp.poll();
            assertEquals(3, out.drain().size());
            assertEquals(2, dp.stats().emcHits(), "a tunnel port's packets are looked up one by one");
            dp.close();
            assertEquals(0, pool.usedCount());
        }
    }

    /** A test port that says it is a tunnel port (its frames carry no tunnel metadata: zero words). */
    private record TunnelLike(TestPort p) implements Port {
        @Override
        public String name() {
            return p.name();
        }

        @Override
        public int receive(int queue, PacketBatch batch) {
            return p.receive(queue, batch);
        }

        @Override
        public void transmit(PacketBatch batch) {
            p.transmit(batch);
        }

        @Override
        public PacketMemory memory() {
            return p.memory();
        }

        @Override
        public boolean linkUp() {
            return true;
        }

        @Override
        public int mtu() {
            return p.mtu();
        }

        @Override
        public long mac() {
            return p.mac();
        }

        @Override
        public PortStats stats() {
            return PortStats.ZERO;
        }

        @Override
        public boolean isTunnel() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void onlyMasksOfInPortAloneAndOutputOrDropActionsQualify() {
        long[] m = new long[FlowKey.WORDS];
        m[FlowKey.W_IN_PORT] = 0xffff_ffffL;
        assertTrue(PollWorker.inPortOnly(m));
        m[FlowKey.W_TUN_ID] = 1;
        assertEquals(false, PollWorker.inPortOnly(m), "a tunnel word in the mask");
        assertTrue(PollWorker.headerFree(CompiledActions.compile(DatapathActions.builder().output(1).output(2).build())));
        assertTrue(PollWorker.headerFree(CompiledActions.compile(DatapathActions.DROP)));
        assertEquals(false, PollWorker.headerFree(CompiledActions.compile(
                DatapathActions.builder().popVlan().output(1).build())), "pop_vlan needs the parsed tags");
    }

    private static long seed() {
        String s = System.getProperty("vs4j.seed");
        return s == null || s.isBlank() || s.startsWith("$") ? System.nanoTime() : Long.parseLong(s.trim());
    }
}
