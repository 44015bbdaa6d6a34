package org.vswitch4j.examples;

import java.io.PrintStream;
import java.util.List;
import org.vswitch4j.core.packet.FrameBuilder;
import org.vswitch4j.flow.FlowMod;
import org.vswitch4j.flow.FlowPipeline;
import org.vswitch4j.flow.FlowStats;
import org.vswitch4j.flow.Trace;
import org.vswitch4j.flow.ofctl.Ofctl;
import org.vswitch4j.testkit.TestNetwork;
import org.vswitch4j.testkit.VirtualHost;

/**
 * The NFV use: a bridge run by OpenFlow tables written in {@code ovs-ofctl} syntax, as an appliance or a
 * controller would write them. Three hosts share one VLAN; the tables let ARP through, quarantine host c's IPv4
 * traffic, count ICMP in a table of its own and hand everything else to NORMAL. Then it shows what
 * {@code ovs-ofctl dump-flows} and {@code ovs-appctl ofproto/trace} would.
 */
public final class OpenFlowAcl {
    static final List<String> FLOWS = List.of(
            "table=0, priority=100, arp actions=NORMAL",
            "table=0, priority=90, ip, nw_src=192.0.2.3 actions=drop",
            "table=0, priority=80, icmp actions=goto_table:1",
            "table=0, priority=0 actions=NORMAL",
            "table=1, priority=0 actions=NORMAL");

    private OpenFlowAcl() {
    }

    /** Runs the example, printing to standard output. */
    public static void main(String[] args) {
        run(System.out);
    }

    /** Runs the example, printing to {@code out}. */
    public static void run(PrintStream out) {
        try (TestNetwork net = TestNetwork.builder().bridgeName("br1").build()) {
            VirtualHost a = net.addHost("a").ipv4("192.0.2.1").access(10).add();
            VirtualHost b = net.addHost("b").ipv4("192.0.2.2").access(10).add();
            VirtualHost c = net.addHost("c").ipv4("192.0.2.3").access(10).add();
            FlowPipeline of = FlowPipeline.attach(net.bridge(), net.sw().datapath(), FlowPipeline.FailMode.SECURE);
            out.println("OpenFlow: bridge " + net.bridge().name() + " (fail-mode secure), three hosts on VLAN 10");
            for (String f : FLOWS) {
                out.println("$ ovs-ofctl add-flow " + net.bridge().name() + " \"" + f + "\"");
                of.apply(Ofctl.parseFlow(f, FlowMod.Command.ADD));
            }
            out.println();
            out.printf("  %-36s %s%n", "a -> b", a.ping(b).success() ? "OK" : "FAIL");
            out.printf("  %-36s %s%n", "c -> a (quarantined by table 0)", c.ping(a).success() ? "OK" : "FAIL");
            out.printf("  %-36s %s%n", "b -> a", b.ping(a).success() ? "OK" : "FAIL");
            net.virtualClock().advanceMillis(600); // one revalidation: the datapath reports its use to the flows
            net.settle();

            out.println();
            out.println("$ ovs-ofctl dump-flows " + net.bridge().name());
            for (FlowStats s : of.dumpFlows()) {
                out.println(" " + Ofctl.format(s));
            }
            out.println();
            int in = net.bridge().ofport("c");
            byte[] probe = FrameBuilder.ethernet(c.mac(), a.mac()).ipv4("192.0.2.3", "192.0.2.1").icmp4Echo(1, 1)
                    .build();
            out.println("$ ovs-appctl ofproto/trace " + net.bridge().name() + " in_port=" + in
                    + ",icmp,nw_src=192.0.2.3,nw_dst=192.0.2.1");
            Trace t = of.trace(in, probe);
            out.print(t.text());
        }
    }
}
