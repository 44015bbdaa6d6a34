/**
 * vswitch4j's test kit: virtual hosts that speak ARP, IPv6 neighbour discovery, ICMP echo and UDP over
 * in-process memory ports, a driven test network around a switch in synchronous mode, and a JUnit Jupiter
 * extension that gives every test a fresh network and fails it when packet buffers leak.
 */
module org.vswitch4j.testkit {
    requires transitive org.vswitch4j.core;
    requires transitive org.junit.jupiter.api;

    exports org.vswitch4j.testkit;
}
