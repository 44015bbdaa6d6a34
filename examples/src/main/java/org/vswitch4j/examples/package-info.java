/**
 * Example programs. {@link org.vswitch4j.examples.Demo}: a bridge with four in-process hosts on VLANs 10 and
 * 20, pings within and across VLANs, the MAC table, port counters and a pcap file.
 */
package org.vswitch4j.examples;
