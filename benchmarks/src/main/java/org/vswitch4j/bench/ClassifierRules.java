package org.vswitch4j.bench;

import java.util.Random;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.flow.classifier.Classifier;

/**
 * The classifier benchmarks' table: rules over 20 distinct masks of the shapes OpenFlow tables hold (L2
 * learning, IPv4 host and prefix routes, 5-tuple ACL pieces, IPv6 prefixes, registers, metadata, tunnel id,
 * ARP), each mask in its own priority band (mask i at 20,000 - 1,000 i, plus 0..99), and packet-like keys:
 * most take a random rule's value with random other fields (so they hit it, after probing the higher
 * bands), the rest are fresh packets. Every mask covers at least 2^32 values and the fields are drawn
 * uniformly, so even 50,000 rules per mask cover a negligible share: a key hits its own rule and nothing
 * in a higher band, and fresh packets miss, at 1,000 rules as at 1,000,000. The lookup path (which bands
 * are probed) is then the same at every table size, and only the rule count differs.
 */
final class ClassifierRules {
    /** A benchmark rule: its own value, the mask shared by its shape. */
    record Rule(long[] value, long[] mask, int priority) implements Classifier.Rule {
    }

    static final int MASKS = 20;

    private static final int V4 = 0x0800;
    private static final int V6 = 0x86DD;
    private static final int ARP = 0x0806;

    private final long[][] masks = new long[MASKS][];
    private final int[] ethTypes = new int[MASKS];
    private final Random r;

    ClassifierRules(long seed) {
        r = new Random(seed);
        shape(0, 0, FlowField.IN_PORT, FlowField.ETH_DST);
        shape(1, 0, FlowField.IN_PORT, FlowField.VLAN0_VID, FlowField.ETH_DST);
        shape(2, V4, FlowField.IPV4_DST);
        prefix(3, V4, FlowField.IPV4_DST, 24);
        prefix(4, V4, FlowField.IPV4_DST, 16);
        masks[4][FlowKey.W_TP] |= 0xFFFFL << 32; // tp_dst: a /16 alone has only 65,536 values
        shape(5, V4, FlowField.IPV4_SRC, FlowField.IPV4_DST);
        shape(6, V4, FlowField.IP_PROTO, FlowField.IPV4_DST, FlowField.TP_DST);
        shape(7, V4, FlowField.IP_PROTO, FlowField.TP_SRC, FlowField.TP_DST);
        prefix(8, V4, FlowField.IPV4_SRC, 24);
        shape(9, V4, FlowField.IN_PORT, FlowField.IPV4_SRC);
        prefix(10, V4, FlowField.IPV4_SRC, 16);
        masks[10][FlowKey.W_IP] |= 0xFF; // ip_proto
        masks[10][FlowKey.W_TP] |= 0xFFFFL << 48; // tp_src
        prefix(11, V6, FlowField.IPV6_DST, 64);
        prefix(12, V6, FlowField.IPV6_DST, 128);
        prefix(13, V6, FlowField.IPV6_SRC, 48);
        shape(14, V4, FlowField.REG0, FlowField.IPV4_DST);
        shape(15, 0, FlowField.METADATA, FlowField.IN_PORT);
        shape(16, 0, FlowField.TUN_ID, FlowField.ETH_DST);
        shape(17, 0, FlowField.IN_PORT, FlowField.ETH_SRC);
        shape(18, ARP, FlowField.ARP_OP, FlowField.ARP_TPA); // arp_tpa alone would be ip_dst's mask
        shape(19, 0, FlowField.ETH_SRC, FlowField.ETH_DST);
    }

    private void shape(int i, int ethType, FlowField... fields) {
        FlowMask m = new FlowMask();
        for (FlowField f : fields) {
            m.exact(f);
        }
        if (ethType != 0) {
            m.exact(FlowField.ETH_TYPE);
        }
        masks[i] = m.w;
        ethTypes[i] = ethType;
    }

    private void prefix(int i, int ethType, FlowField f, int len) {
        shape(i, ethType);
        if (f.width() == 128) {
            masks[i][f.word()] = len >= 64 ? -1L : -1L << (64 - len);
            masks[i][f.word() + 1] = len <= 64 ? 0 : len == 128 ? -1L : -1L << (128 - len);
        } else {
            FlowMask m = new FlowMask();
            m.bits(f, ((1L << len) - 1) << (32 - len));
            masks[i][f.word()] |= m.w[f.word()];
        }
    }

    /** A packet: IPv4 TCP/UDP (80 %), IPv6 (15 %) or ARP (5 %), its other fields uniform over their ranges. */
    FlowKey packet() {
        FlowKey k = new FlowKey();
        k.set(FlowField.IN_PORT, 1 + r.nextInt(64));
        k.set(FlowField.ETH_SRC, r.nextLong() & 0xFEFF_FFFF_FFFFL);
        k.set(FlowField.ETH_DST, r.nextLong() & 0xFEFF_FFFF_FFFFL);
        k.set(FlowField.VLAN0_VID, r.nextInt(4096));
        int p = r.nextInt(100);
        k.set(FlowField.ETH_TYPE, p < 80 ? V4 : p < 95 ? V6 : ARP);
        fillL3(k, (int) k.get(FlowField.ETH_TYPE));
        k.set(FlowField.METADATA, r.nextLong());
        k.set(FlowField.REG0, r.nextInt());
        k.set(FlowField.TUN_ID, r.nextInt(1 << 24)); // a VNI
        return k;
    }

    private void fillL3(FlowKey k, int ethType) {
        k.w[FlowKey.W_NW] = 0;
        k.w[FlowKey.W_IP] = 0;
        k.w[FlowKey.W_TP] = 0;
        k.w[FlowKey.W_IPV6_SRC] = k.w[FlowKey.W_IPV6_SRC + 1] = 0;
        k.w[FlowKey.W_IPV6_DST] = k.w[FlowKey.W_IPV6_DST + 1] = 0;
        if (ethType == ARP) {
            k.set(FlowField.ARP_OP, 1);
            k.set(FlowField.ARP_SPA, r.nextInt());
            k.set(FlowField.ARP_TPA, r.nextInt());
            return;
        }
        k.set(FlowField.IP_PROTO, r.nextBoolean() ? 6 : 17);
        k.set(FlowField.IP_TTL, 64);
        k.set(FlowField.TP_SRC, r.nextInt(65536));
        k.set(FlowField.TP_DST, r.nextInt(65536));
        if (ethType == V6) {
            k.w[FlowKey.W_IPV6_SRC] = 0x2001_0000_0000_0000L | (r.nextLong() >>> 16); // 2001::/16
            k.w[FlowKey.W_IPV6_SRC + 1] = r.nextLong();
            k.w[FlowKey.W_IPV6_DST] = 0x2001_0000_0000_0000L | (r.nextLong() >>> 16);
            k.w[FlowKey.W_IPV6_DST + 1] = r.nextLong();
        } else {
            k.set(FlowField.IPV4_SRC, r.nextInt());
            k.set(FlowField.IPV4_DST, r.nextInt());
        }
    }

    /** Rule {@code i}: mask {@code i % 20}, the value of a fresh packet of the mask's family. */
    Rule rule(int i) {
        int m = i % MASKS;
        FlowKey k = packet();
        if (ethTypes[m] != 0 && k.get(FlowField.ETH_TYPE) != ethTypes[m]) {
            k.set(FlowField.ETH_TYPE, ethTypes[m]);
            fillL3(k, ethTypes[m]);
        }
        long[] v = k.w;
        long[] mask = masks[m];
        for (int w = 0; w < FlowKey.WORDS; w++) {
            v[w] &= mask[w];
        }
        return new Rule(v, mask, 20_000 - 1_000 * m + r.nextInt(100));
    }

    /** A key that matches {@code rule} (its value under a packet of the same family). */
    FlowKey keyFor(Rule rule) {
        FlowKey k = packet();
        int ethType = (int) rule.value()[FlowKey.W_ETH_TYPE];
        if (ethType != 0 && k.get(FlowField.ETH_TYPE) != ethType) {
            k.set(FlowField.ETH_TYPE, ethType);
            fillL3(k, ethType);
        }
        for (int w = 0; w < FlowKey.WORDS; w++) {
            k.w[w] = (k.w[w] & ~rule.mask()[w]) | rule.value()[w];
        }
        return k;
    }

    /** A classifier with the default prefix tracking, or with none. */
    static Classifier<Rule> classifier(boolean prefixTracking) {
        Classifier.Builder b = Classifier.builder();
        if (!prefixTracking) {
            b.prefixFields();
        }
        return b.build(Rule.class);
    }

    Random random() {
        return r;
    }
}
