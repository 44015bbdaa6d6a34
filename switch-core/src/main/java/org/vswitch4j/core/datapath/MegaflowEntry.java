package org.vswitch4j.core.datapath;

import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;

/**
 * One megaflow as {@code ovs-appctl dpctl/dump-flows} shows it: the masked key, the mask, the actions and
 * the counters, copied out of a poll thread's classifier at the time of the dump.
 *
 * <p>Thread-safety: a snapshot; its key and mask are fresh copies that belong to the caller.
 *
 * @param key       the key with every wildcarded bit zero
 * @param mask      the bits the megaflow matches
 * @param actions   what it does
 * @param packets   packets it matched
 * @param bytes     bytes of those packets
 * @param usedNanos switch-clock time of its last use (its installation if never used since)
 * @param thread    index of the poll thread whose classifier holds it (0 in synchronous mode)
 */
public record MegaflowEntry(FlowKey key, FlowMask mask, DatapathActions actions, long packets, long bytes,
                            long usedNanos, int thread) {

    /** Fields shown in a dump, one per bit range (aliases such as arp_spa are left out). */
    private static final FlowField[] SHOWN = {
        FlowField.IN_PORT, FlowField.ETH_SRC, FlowField.ETH_DST, FlowField.ETH_TYPE, FlowField.VLAN0,
        FlowField.VLAN1, FlowField.IPV4_SRC, FlowField.IPV4_DST, FlowField.IP_PROTO, FlowField.IP_TOS,
        FlowField.IP_TTL, FlowField.IP_FRAG, FlowField.IPV6_LABEL, FlowField.TP_SRC, FlowField.TP_DST,
        FlowField.TCP_FLAGS, FlowField.ARP_SHA, FlowField.ARP_THA, FlowField.TUN_ID, FlowField.TUN_SRC,
        FlowField.TUN_DST, FlowField.TUN_METADATA_PRESENT, FlowField.TUN_IPV6, FlowField.TUN_METADATA0,
        FlowField.TUN_METADATA1, FlowField.TUN_METADATA2, FlowField.TUN_METADATA3, FlowField.METADATA, FlowField.XREG0, FlowField.XREG1, FlowField.XREG2,
        FlowField.XREG3, FlowField.XREG4, FlowField.XREG5, FlowField.XREG6, FlowField.XREG7
    };

    /**
     * The match in {@code field=value/mask} form (the mask is left out where the field is matched exactly),
     * then the counters and actions: {@code in_port=0x1,eth_dst=0x1/0x1, packets:3, bytes:180, used:5000000ns,
     * actions:2}.
     */
    public String format() {
        StringBuilder sb = new StringBuilder();
        for (FlowField f : SHOWN) {
            long m = mask.get(f);
            if (m == 0) {
                continue;
            }
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            long all = f.width() >= 64 ? -1L : (1L << f.width()) - 1;
            sb.append(f.ovsName()).append("=0x").append(Long.toHexString(key.get(f)));
            if (m != all) {
                sb.append("/0x").append(Long.toHexString(m));
            }
        }
        for (FlowField f : new FlowField[] {FlowField.IPV6_SRC, FlowField.IPV6_DST, FlowField.ND_TARGET,
            FlowField.TUN_IPV6_SRC, FlowField.TUN_IPV6_DST}) {
            int w = f.word();
            if (mask.w[w] != 0 || mask.w[w + 1] != 0) {
                if (!sb.isEmpty()) {
                    sb.append(',');
                }
                sb.append(f.ovsName()).append(String.format("=0x%016x%016x/0x%016x%016x",
                        key.w[w], key.w[w + 1], mask.w[w], mask.w[w + 1]));
            }
        }
        if (sb.isEmpty()) {
            sb.append("<all wildcarded>");
        }
        sb.append(", packets:").append(packets).append(", bytes:").append(bytes)
                .append(", used:").append(usedNanos).append("ns, actions:").append(actions);
        return sb.toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
