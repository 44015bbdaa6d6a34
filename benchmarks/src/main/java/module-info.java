/**
 * vswitch4j's JMH benchmarks: L2 forwarding through the NORMAL bridge, the port-to-port case, the bare
 * yardstick loop, the rings and the buffer pool; the flow classifier, and forwarding, upcalls, flow mods and
 * lookups through an OpenFlow pipeline; DPDK ports; VXLAN encap and decap. They run from the shaded {@code benchmarks/target/benchmarks.jar}
 * on the class path (the shade leaves this descriptor out); the module keeps the build's compile and test checks.
 * JMH instantiates the benchmark state classes and the code it generates by reflection, hence the opens.
 */
module org.vswitch4j.benchmarks {
    requires org.vswitch4j.core;
    requires org.vswitch4j.flow;
    requires org.vswitch4j.dpdk;
    requires org.vswitch4j.io.linux;
    requires org.vswitch4j.tunnel;
    requires org.jctools.core;
    requires jmh.core;
    requires java.management; // DpdkForwardBenchmark: the poll thread's CPU time

    opens org.vswitch4j.bench to jmh.core;
    opens org.vswitch4j.bench.jmh_generated to jmh.core;
}
