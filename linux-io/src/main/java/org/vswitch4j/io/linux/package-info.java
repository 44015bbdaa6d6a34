/**
 * Ports on Linux devices: {@link org.vswitch4j.io.linux.TapPort} (a TAP device, optionally with IFF_VNET_HDR
 * checksum and TCP segmentation offloads) and
 * {@link org.vswitch4j.io.linux.AfXdpPort} (an AF_XDP socket on any network device, copy mode on veth,
 * zero-copy where the driver has it), with {@link org.vswitch4j.io.linux.XdpUmem}, the packet memory AF_XDP
 * ports share so that frames cross between them without a copy. Failures to open say what to do in a
 * {@link org.vswitch4j.io.linux.LinuxIoException}.
 */
package org.vswitch4j.io.linux;
