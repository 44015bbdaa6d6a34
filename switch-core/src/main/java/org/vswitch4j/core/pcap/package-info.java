/**
 * Packet capture files: {@link org.vswitch4j.core.pcap.PcapWriter} writes frames in the classic pcap format
 * that tcpdump, Wireshark and tshark read. Capture-on-port builds on it.
 */
package org.vswitch4j.core.pcap;
