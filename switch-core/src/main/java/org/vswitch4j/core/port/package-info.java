/**
 * The port SPI ({@link org.vswitch4j.core.port.Port}) that I/O backends implement, its counters, and the
 * in-process memory port that a hypervisor's virtual NIC or a test drives.
 */
package org.vswitch4j.core.port;
