package org.vswitch4j.flow.classifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.vswitch4j.core.key.FlowField;
import org.vswitch4j.core.key.FlowKey;

/**
 * Random rules and keys for the property tests, over the fields OpenFlow tables really match: in_port,
 * eth_dst (exact or the multicast bit), eth_type, vlan_vid, IPv4 and IPv6 addresses with CIDR prefixes (and
 * now and then an arbitrary mask), ip_proto, L4 ports (exact or a range mask), tcp_flags bits, metadata
 * (arbitrary masks), reg0, tun_id and tun_src (a prefix field in the metadata stage). Values come from
 * small pools so that rules overlap and keys drawn near the rules hit them, miss them by a bit, or fall
 * between prefixes.
 */
final class RuleGen {
    /** One field of a mask shape: its mask bits (two words for IPv6). */
    private record Part(FlowField field, long hi, long lo) {
    }

    private static final FlowField[] FIELDS = {
        FlowField.IN_PORT, FlowField.ETH_DST, FlowField.ETH_TYPE, FlowField.VLAN0_VID, FlowField.IPV4_SRC,
        FlowField.IPV4_DST, FlowField.IP_PROTO, FlowField.TP_DST, FlowField.TP_SRC, FlowField.TCP_FLAGS,
        FlowField.IPV6_SRC, FlowField.IPV6_DST, FlowField.METADATA, FlowField.REG0, FlowField.TUN_ID,
        FlowField.TUN_SRC,
    };

    private final Random r;
    private final List<List<Part>> shapes = new ArrayList<>();
    private int next;

    RuleGen(Random r, int nShapes) {
        this.r = r;
        for (int i = 0; i < nShapes; i++) {
            shapes.add(shape());
        }
    }

    private List<Part> shape() {
        List<Part> parts = new ArrayList<>();
        int n = r.nextInt(10) == 0 ? 0 : 1 + r.nextInt(4); // now and then the all-wildcard mask
        for (int i = 0; i < n; i++) {
            FlowField f = FIELDS[r.nextInt(FIELDS.length)];
            if (parts.stream().anyMatch(p -> p.field == f)) {
                continue;
            }
            parts.add(maskFor(f));
        }
        return parts;
    }

    private Part maskFor(FlowField f) {
        return switch (f) {
            case ETH_DST -> new Part(f, r.nextInt(3) == 0 ? 0x0100_0000_0000L : 0xFFFF_FFFF_FFFFL, 0);
            case IPV4_SRC, IPV4_DST, TUN_SRC -> {
                if (r.nextInt(8) == 0) {
                    yield new Part(f, 0xFF00_FF00L, 0); // not a prefix: no trie for this subtable
                }
                int[] common = {8, 16, 24, 32};
                int len = r.nextBoolean() ? common[r.nextInt(4)] : 1 + r.nextInt(32);
                yield new Part(f, (0xFFFF_FFFFL << (32 - len)) & 0xFFFF_FFFFL, 0);
            }
            case IPV6_SRC, IPV6_DST -> {
                int[] common = {32, 48, 64, 128};
                int len = r.nextBoolean() ? common[r.nextInt(4)] : 1 + r.nextInt(128);
                yield new Part(f, PrefixTrie.truncHi(-1L, len), PrefixTrie.truncLo(-1L, len));
            }
            case TP_DST, TP_SRC -> new Part(f, r.nextInt(3) == 0 ? 0xFFF0L : 0xFFFFL, 0);
            case TCP_FLAGS -> new Part(f, r.nextBoolean() ? 0x02L : 0x12L, 0);
            case METADATA -> new Part(f, r.nextLong() | 1L, 0);
            default -> new Part(f, f.bitsInWord() >>> f.shift(), 0);
        };
    }

    /** A new random rule: a random shape, values from the pools, a priority from a small range (ties). */
    TestRule rule() {
        List<Part> shape = shapes.get(r.nextInt(shapes.size()));
        FlowKey v = new FlowKey();
        FlowKey m = new FlowKey();
        for (Part p : shape) {
            setValue(v, p.field);
            setMask(m, p);
        }
        int priority = r.nextInt(4) == 0 ? r.nextInt(65536) : r.nextInt(8);
        return new TestRule("r" + next++, v.w, m.w, priority);
    }

    private static void setMask(FlowKey m, Part p) {
        if (p.field.width() == 128) {
            m.w[p.field.word()] = p.hi;
            m.w[p.field.word() + 1] = p.lo;
        } else {
            m.set(p.field, p.hi);
        }
    }

    private void setValue(FlowKey k, FlowField f) {
        switch (f) {
            case IN_PORT -> k.set(f, 1 + r.nextInt(6));
            case ETH_DST -> k.set(f, new long[] {0x0200_0000_0001L, 0x0200_0000_0002L, 0x0100_5E00_0001L,
                0xFFFF_FFFF_FFFFL}[r.nextInt(4)]);
            case ETH_TYPE -> k.set(f, new long[] {0x0800, 0x86DD, 0x0806}[r.nextInt(3)]);
            case VLAN0_VID -> k.set(f, new long[] {0, 10, 20}[r.nextInt(3)]);
            case IPV4_SRC, IPV4_DST, TUN_SRC -> k.set(f, ipv4());
            case IP_PROTO -> k.set(f, new long[] {1, 6, 17}[r.nextInt(3)]);
            case TP_DST, TP_SRC -> k.set(f, new long[] {22, 53, 80, 443, 8080, 8081}[r.nextInt(6)]);
            case TCP_FLAGS -> k.set(f, new long[] {0x02, 0x10, 0x12, 0x11}[r.nextInt(4)]);
            case IPV6_SRC, IPV6_DST -> {
                k.w[f.word()] = 0x2001_0DB8_0000_0000L | (long) r.nextInt(4) << 16 | r.nextInt(3);
                k.w[f.word() + 1] = new long[] {1, 2, 0x100, 0x8000_0000_0000_0001L}[r.nextInt(4)];
            }
            case METADATA -> k.set(f, r.nextInt(4) == 0 ? r.nextLong() : r.nextInt(4));
            case REG0 -> k.set(f, r.nextInt(4));
            case TUN_ID -> k.set(f, r.nextInt(3));
            default -> throw new IllegalArgumentException(f.ovsName());
        }
    }

    private long ipv4() {
        if (r.nextInt(6) == 0) {
            return 0xC000_0200L | r.nextInt(256); // 192.0.2.x: far from the 10/8 rules
        }
        int a = new int[] {0, 1, 2}[r.nextInt(3)];
        int b = new int[] {0, 1, 2, 255}[r.nextInt(4)];
        int c = new int[] {1, 2, 3, 200}[r.nextInt(4)];
        return (10L << 24) | (a << 16) | (b << 8) | c;
    }

    /**
     * A key near the rules: a random rule's value (or nothing) with some fields redrawn from the pools, and
     * now and then one bit flipped anywhere.
     */
    FlowKey keyNear(List<TestRule> rules) {
        FlowKey k = new FlowKey();
        if (!rules.isEmpty() && r.nextInt(5) != 0) {
            System.arraycopy(rules.get(r.nextInt(rules.size())).value, 0, k.w, 0, FlowKey.WORDS);
        }
        for (FlowField f : FIELDS) {
            if (r.nextInt(3) == 0) {
                setValue(k, f);
            }
        }
        if (r.nextInt(4) == 0) {
            k.w[r.nextInt(FlowKey.WORDS)] ^= 1L << r.nextInt(64);
        }
        return k;
    }

    /**
     * A key that agrees with {@code k} on every bit of {@code consulted} and differs elsewhere: random
     * flips, or the unconsulted bits of another key near the rules (which likely matches other rules).
     */
    FlowKey perturb(FlowKey k, long[] consulted, List<TestRule> rules) {
        FlowKey p = k.copy();
        long[] other = r.nextBoolean() ? keyNear(rules).w : null;
        for (int w = 0; w < FlowKey.WORDS; w++) {
            long free = ~consulted[w];
            if (other != null) {
                p.w[w] = (k.w[w] & consulted[w]) | (other[w] & free);
            } else if (r.nextInt(3) == 0) {
                p.w[w] ^= r.nextLong() & free;
            }
        }
        return p;
    }
}
