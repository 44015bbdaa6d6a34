/**
 * End-to-end tests of the tunnels against real peers: the Linux kernel's own VXLAN, GRE (gretap) and Geneve devices
 * where the kernel has them, Open vSwitch's userspace tunnelling (GRE, Geneve with options, VXLAN), and a second JVM.
 */
package org.vswitch4j.it.tunnel;
