package org.vswitch4j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.core.pcap.PcapWriter;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.ofctl.Ofctl;

/**
 * Writes the inputs of the DPDK side by side's pipeline case (issue 7, case 4), so that Open vSwitch and vswitch4j
 * get the same rules and the same traffic: {@code rules.txt}, the {@link FlowRules} rule set of 1,000 rules in
 * three tables, each rule printed by {@link Ofctl#formatFlow} from the parsed flow mod (what
 * {@code ovs-ofctl -O OpenFlow13 add-flows br0 rules.txt} loads; {@code DpdkForwardBenchmark} parses the same file
 * back), and {@code flows.pcap}, one 64-byte IPv4/UDP frame per flow of {@code FlowPipelineForwardBenchmark}'s
 * 10,000 distinct flows (from ofport 1's permitted source MAC; every one is forwarded to ofport 2), for a
 * {@code net_pcap} port with {@code infinite_rx=1}. With {@code upcalls} instead of a flow count, the capture is
 * {@code UpcallBenchmark}'s traffic instead (60,000 packets whose destination ports step through 20,000 values),
 * for Open vSwitch's miss path beside ours ({@code benchmarks/ovs-upcall-side-by-side.sh}).
 *
 * <pre>
 *   java -cp benchmarks.jar org.vswitch4j.bench.FlowReplayFiles DIR [FLOWS | upcalls]
 * </pre>
 */
public final class FlowReplayFiles {
    static final String RULES = "rules.txt";
    static final String FLOWS = "flows.pcap";

    private FlowReplayFiles() {
    }

    /** {@code DIR [FLOWS | upcalls]}: writes {@code DIR/rules.txt} and {@code DIR/flows.pcap} (10,000 flows by default). */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: FlowReplayFiles DIR [FLOWS | upcalls]   (writes DIR/" + RULES + " and DIR/"
                    + FLOWS + ")");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int[][] quads = args.length > 1 && args[1].equals("upcalls")
                ? UpcallBenchmark.traffic(FlowPipelineForwardBenchmark.RULES)
                : distinctFlows(args.length > 1 ? Integer.parseInt(args[1]) : 10_000);
        write(dir, quads);
        System.out.println("wrote " + dir.resolve(RULES) + " (" + FlowPipelineForwardBenchmark.RULES + " rules) and "
                + dir.resolve(FLOWS) + " (" + quads.length + " packets)");
    }

    /** {@link #write(Path, int[][])} of {@code flows} distinct flows of the hit benchmark's traffic. */
    static void write(Path dir, int flows) {
        write(dir, distinctFlows(flows));
    }

    private static int[][] distinctFlows(int flows) {
        return FlowRules.distinctFlows(flows, FlowRules.counts(FlowPipelineForwardBenchmark.RULES), 42,
                FlowPipelineForwardBenchmark.DST_PORTS);
    }

    /** Writes the rule set and one 64-byte IPv4/UDP frame per quadruple (source, destination, ports). */
    static void write(Path dir, int[][] quads) {
        List<String> lines = new ArrayList<>();
        for (FlowMod m : FlowRules.ruleSet(FlowPipelineForwardBenchmark.RULES)) {
            lines.add(Ofctl.formatFlow(m));
        }
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve(RULES), lines);
            try (PcapWriter w = PcapWriter.builder(dir.resolve(FLOWS)).build()) {
                for (int[] q : quads) {
                    w.write(FrameBuilder.ethernet(FlowRules.SRC_MAC, FlowRules.DST_MAC).ipv4(q[0], q[1])
                            .udp(q[2], q[3]).padTo(64).build());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the replay files into " + dir, e);
        }
    }

    /** The rule set as {@link #write} printed it, parsed back. */
    static List<FlowMod> readRules(Path file) {
        try {
            List<FlowMod> mods = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    mods.add(Ofctl.parseFlow(line));
                }
            }
            return mods;
        } catch (IOException e) {
            throw new UncheckedIOException("reading rules " + file, e);
        }
    }
}
