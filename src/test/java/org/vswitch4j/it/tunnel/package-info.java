/** End-to-end tests of the tunnels against the Linux kernel's own VXLAN, GRE (gretap) and Geneve devices. */
package org.vswitch4j.it.tunnel;
