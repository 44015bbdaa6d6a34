/**
 * vswitch4j's end-to-end tests across modules and with real peers and tools (tshark; Linux hosts in network
 * namespaces on veth, TAP and AF_XDP ports, ping, iperf3, the Linux bridge, the kernel's VXLAN, GRE and Geneve devices, Open vSwitch's userspace tunnels), built by the {@code integration-tests}
 * module. Opened to JUnit, which runs them by reflection.
 */
open module org.vswitch4j.it {
    requires org.vswitch4j.core;
    requires org.vswitch4j.testkit;
    requires org.vswitch4j.flow;
    requires org.vswitch4j.io.linux;
    requires org.vswitch4j.tunnel;
    requires java.management;
    requires jdk.management;
    requires org.junit.jupiter.api;
    requires org.junit.jupiter.params;
}
