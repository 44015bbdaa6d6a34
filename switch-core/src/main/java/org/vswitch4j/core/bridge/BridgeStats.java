package org.vswitch4j.core.bridge;

/**
 * Bridge-level counters.
 *
 * <p>The MAC table counters count table events. {@code floodDecisions} counts translations (upcalls and
 * revalidations) that flooded, not packets: a flooding megaflow serves many packets without the bridge seeing
 * them. {@code vlanDrops} and {@code reservedDrops} count packets: they are the datapath's per-port drop
 * counters ({@link org.vswitch4j.core.datapath.DropReason#VLAN_MODE},
 * {@link org.vswitch4j.core.datapath.DropReason#RESERVED_MULTICAST}) summed over the bridge's current ports.
 *
 * @param macEntries     entries in the MAC table now
 * @param learned        MAC entries learned (new stations)
 * @param moved          station moves (a known MAC seen on another port)
 * @param aged           entries that aged out
 * @param evicted        entries evicted because the table was full
 * @param flushed        entries removed by flushes, port removal and port reconfiguration
 * @param floodDecisions translations that flooded (unknown unicast, broadcast, multicast)
 * @param vlanDrops      packets dropped because they broke their input port's VLAN mode
 * @param reservedDrops  reserved multicast (STP, LACP, LLDP, CDP, ...) frames dropped
 */
public record BridgeStats(int macEntries, long learned, long moved, long aged, long evicted, long flushed,
                          long floodDecisions, long vlanDrops, long reservedDrops) {
}
