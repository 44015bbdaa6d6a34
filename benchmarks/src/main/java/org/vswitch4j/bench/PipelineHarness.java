package org.vswitch4j.bench;

import java.util.List;
import org.vswitch4j.core.bridge.Bridge;
import org.vswitch4j.core.bridge.BridgePortConfig;
import org.vswitch4j.core.datapath.Datapath;
import org.vswitch4j.core.datapath.DatapathStats;
import org.vswitch4j.core.datapath.MegaflowEntry;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.flow.FlowPipeline;

/**
 * The flow-table forwarding benchmarks' switch: a synchronous datapath, bridge br0 with two {@link GeneratorPort}s
 * (ofports 1 and 2, frames from 1 to 2 recycled to 1's generator) and a {@link FlowPipeline} in fail-mode secure
 * holding the {@link FlowRules} rule set, applied as one bundle. The benchmark drives it with {@link #poll}.
 */
final class PipelineHarness implements AutoCloseable {
    final BufferPool pool = BufferPool.builder().count(4096).build();
    final Datapath dp;
    final Bridge br;
    final GeneratorPort p1;
    final GeneratorPort p2;
    final FlowPipeline of;

    PipelineHarness(Datapath.Builder datapath, int rules) {
        dp = datapath.build();
        br = Bridge.builder("br0").datapath(dp).build();
        byte[] template = FrameBuilder.ethernet(FlowRules.SRC_MAC, FlowRules.DST_MAC)
                .ipv4("192.0.2.1", "192.0.2.2").udp(1024, 2048).padTo(64).build();
        p1 = new GeneratorPort("p1", pool, template, L2ForwardBenchmark.GENERATOR_BUFFERS);
        p2 = new GeneratorPort("p2", pool, template, L2ForwardBenchmark.GENERATOR_BUFFERS);
        p1.recycleTo(p1);
        p2.recycleTo(p1);
        if (br.addPort(p1, BridgePortConfig.trunk("p1")) != 1 || br.addPort(p2, BridgePortConfig.trunk("p2")) != 2) {
            throw new IllegalStateException("expected ofports 1 and 2");
        }
        of = FlowPipeline.attach(br, dp, FlowPipeline.FailMode.SECURE);
        of.apply(FlowRules.ruleSet(rules));
    }

    /** One synchronous round, as {@code Switch.poll()} does it: the datapath, then the bridge's maintenance. */
    int poll() {
        int n = dp.poll();
        br.runMaintenance(dp.lastPollNanos());
        return n;
    }

    /** Checks that every packet received on ofport 1 so far went out of ofport 2. */
    void checkAllForwarded() {
        long in = dp.portStats(1).rxPackets();
        long out = dp.portStats(2).txPackets();
        if (in == 0 || in != out) {
            throw new IllegalStateException("the pipeline forwarded " + out + " of " + in + " packets to p2");
        }
    }

    /** Where the packets since {@code before} were served, and what the megaflow cache holds (fork output). */
    void printServedBy(DatapathStats before, String what) {
        DatapathStats st = dp.stats();
        double emcHits = st.emcHits() - before.emcHits();
        double mfHits = st.megaflowHits() - before.megaflowHits();
        double misses = st.misses() - before.misses();
        double all = emcHits + mfHits + misses;
        List<MegaflowEntry> mfs = dp.dumpFlows();
        long masks = mfs.stream().map(MegaflowEntry::mask).distinct().count();
        System.out.printf("%n[%s: %.0f packets, %.2f %% EMC hits, %.2f %% megaflow hits, %.4f %% misses, %d upcalls,"
                        + " %d revalidations; %d megaflows over %d masks]%n", what, all, 100 * emcHits / all,
                100 * mfHits / all, 100 * misses / all, st.upcalls() - before.upcalls(),
                st.revalidations() - before.revalidations(), mfs.size(), masks);
    }

    @Override
    public void close() {
        dp.close();
        p1.close();
        p2.close();
        pool.close();
    }
}
