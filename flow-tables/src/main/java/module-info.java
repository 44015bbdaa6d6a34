/**
 * vswitch4j's OpenFlow pipeline: up to 255 flow tables with OpenFlow 1.3 matches, instructions and actions,
 * the Nicira extensions Open vSwitch users rely on (resubmit, registers, load/move, learn, conjunction),
 * groups and meters, a tuple-space classifier, the {@code ovs-ofctl} flow syntax, and trace. It plugs into
 * the core datapath as a slow-path decider ({@link org.vswitch4j.core.datapath.Pipeline}).
 */
@SuppressWarnings("module") // the qualified export names the benchmarks, which are built after this module
module org.vswitch4j.flow {
    requires transitive org.vswitch4j.core;
    requires org.jctools.core;

    exports org.vswitch4j.flow;
    exports org.vswitch4j.flow.ofctl;
    // The classifier is internal to this module; only the benchmarks reach it directly.
    exports org.vswitch4j.flow.classifier to org.vswitch4j.benchmarks;
}
