package org.vswitch4j.flow;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import org.vswitch4j.core.key.FlowKey;

/**
 * What a flow entry matches: a set of {@link MatchField}s, each with a value and a mask (all ones when the
 * field is matched exactly). Immutable. Fields not in the match are wildcarded.
 *
 * <p>The builder checks what OpenFlow 1.3 checks and fails with the error the specification names (inside a
 * {@link FlowModException}): a value wider than its field ({@code OFPBMC_BAD_VALUE}), a mask on a field that
 * cannot be masked ({@code OFPBMC_BAD_MASK}), the same field twice with different values
 * ({@code OFPBMC_DUP_FIELD}), and a field whose prerequisite is missing ({@code OFPBMC_BAD_PREREQ}: say
 * {@code tcp_dst} without {@code ip_proto=6} and an IP {@code eth_type}). Value bits outside the mask are
 * cleared, as Open vSwitch does.
 *
 * <p>The match is also held as value and mask words in the layout of the core's {@link FlowKey}, which is
 * what the classifier and the datapath's megaflows work on.
 */
public final class Match {
    /** The match of everything (a table-miss entry's match). */
    public static final Match ANY = new Builder().build();

    /** One field's value and mask, up to 128 bits each ({@code high} is 0 for fields of 64 bits or fewer). */
    public record FieldMatch(long valueHigh, long value, long maskHigh, long mask) {
        /** Whether the mask is all ones over {@code field}'s width. */
        public boolean isExact(MatchField field) {
            return mask == field.widthMaskLow() && maskHigh == field.widthMaskHigh();
        }
    }

    private final Map<MatchField, FieldMatch> fields;
    private final long[] value;
    private final long[] mask;
    private final long conjId;
    private final int hash;

    /** Every field by ordinal (a builder names its fields by ordinal bits; see {@link Builder}). */
    private static final MatchField[] FIELDS = MatchField.values();

    static {
        if (FIELDS.length > 128) {
            throw new AssertionError("a builder's field bits hold 128 fields, not " + FIELDS.length);
        }
    }

    /** A match of {@code fields}, whose keys are the ordinals set in {@code bits0} (0..63) and {@code bits1}. */
    private Match(EnumMap<MatchField, FieldMatch> fields, long bits0, long bits1) {
        this.fields = Collections.unmodifiableMap(fields);
        this.value = new long[FlowKey.WORDS];
        long[] mask = new long[FlowKey.WORDS];
        // By the ordinal bits, not the map's iterator: that scans the map's whole table (one slot per field).
        for (int half = 0; half < 2; half++) {
            for (long b = half == 0 ? bits0 : bits1; b != 0; b &= b - 1) {
                MatchField f = FIELDS[64 * half + Long.numberOfTrailingZeros(b)];
                FieldMatch fm = fields.get(f);
                f.write(value, fm.valueHigh, fm.value, fm.maskHigh, fm.mask);
                f.orMask(mask, fm.maskHigh, fm.mask);
            }
        }
        for (int i = 0; i < value.length; i++) {
            value[i] &= mask[i];
        }
        FieldMatch cj = fields.get(MatchField.CONJ_ID);
        this.conjId = cj == null ? -1 : cj.value;
        int maskHash = Arrays.hashCode(mask);
        this.mask = SharedMasks.share(mask, maskHash);
        this.hash = 31 * (31 * Arrays.hashCode(value) + maskHash) + Long.hashCode(conjId);
    }

    /**
     * One array per distinct mask, shared by every match with that mask (up to {@value #MAX}): the classifier
     * recognises a stored rule's mask by identity (see {@code Classifier.Rule#wellFormed}), so adding a flow
     * of a known shape does not read the new match's 36 mask words, which a large batch of flow mods has out
     * of cache. Bounded, so masks made up in bulk cannot grow it without limit; past the bound a match keeps
     * its own array, which costs a compare, nothing else. Thread-safe (matches are built on any thread).
     */
    private static final class SharedMasks {
        static final int MAX = 4096;
        private static final java.util.concurrent.ConcurrentHashMap<Key, long[]> MASKS =
                new java.util.concurrent.ConcurrentHashMap<>();

        private record Key(long[] words, int hash) {
            @Override
            public boolean equals(Object o) {
                return o instanceof Key k && k.hash == hash && Arrays.equals(k.words, words);
            }

            @Override
            public int hashCode() {
                return hash;
            }
        }

        static long[] share(long[] mask, int hash) {
            Key k = new Key(mask, hash);
            long[] shared = MASKS.get(k);
            if (shared != null) {
                return shared;
            }
            if (MASKS.size() >= MAX) {
                return mask;
            }
            shared = MASKS.putIfAbsent(k, mask);
            return shared != null ? shared : mask;
        }
    }

    /** The {@code conj_id} this match requires, or -1 when it has none. */
    public long conjId() {
        return conjId;
    }

    /** A builder for a match. */
    public static Builder builder() {
        return new Builder();
    }

    /** The fields this match constrains, each with its value and mask, in field order. */
    public Map<MatchField, FieldMatch> fields() {
        return fields;
    }

    /** The value and mask of {@code field}, or null when the match wildcards it. */
    public FieldMatch get(MatchField field) {
        return fields.get(field);
    }

    /** Whether the match has no fields (matches every packet). */
    public boolean isAny() {
        return fields.isEmpty();
    }

    /** The match's value in key layout; shared, must not be modified. */
    long[] valueWords() {
        return value;
    }

    /** The match's mask in key layout; shared, must not be modified. */
    long[] maskWords() {
        return mask;
    }

    /** Whether {@code key} (a packet's fields, in key layout) matches; {@code conj_id} is not in the key and not checked. */
    public boolean matches(FlowKey key) {
        long[] w = key.w;
        for (int i = 0; i < FlowKey.WORDS; i++) {
            if ((w[i] & mask[i]) != value[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether every packet this match's entry could match is also matched by {@code this}, judged as OpenFlow's
     * non-strict modify and delete do: {@code other} constrains at least every bit {@code this} constrains, to
     * the same values.
     */
    public boolean covers(Match other) {
        if (conjId >= 0 && conjId != other.conjId) {
            return false;
        }
        for (int i = 0; i < FlowKey.WORDS; i++) {
            if ((mask[i] & ~other.mask[i]) != 0 || (other.value[i] & mask[i]) != value[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether some packet could match both {@code this} and {@code other} (for {@code check_overlap}). */
    public boolean overlaps(Match other) {
        if (conjId != other.conjId) {
            return false; // a conj_id flow is only reached through its conjunction, a plain one never is
        }
        for (int i = 0; i < FlowKey.WORDS; i++) {
            long both = mask[i] & other.mask[i];
            if ((value[i] & both) != (other.value[i] & both)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Match m && hash == m.hash && conjId == m.conjId && Arrays.equals(value, m.value)
                && Arrays.equals(mask, m.mask);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** The match as {@code field=value/mask} pairs (the ovs-ofctl printer gives the operator's form). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<MatchField, FieldMatch> e : fields.entrySet()) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            FieldMatch fm = e.getValue();
            sb.append(e.getKey().ovsName()).append("=0x");
            if (e.getKey().width() > 64) {
                sb.append(String.format("%016x%016x", fm.valueHigh, fm.value));
            } else {
                sb.append(Long.toHexString(fm.value));
            }
            if (!fm.isExact(e.getKey())) {
                sb.append("/0x");
                sb.append(e.getKey().width() > 64 ? String.format("%016x%016x", fm.maskHigh, fm.mask)
                        : Long.toHexString(fm.mask));
            }
        }
        return sb.toString();
    }

    /**
     * Builds a {@link Match}. {@link #build()} checks prerequisites; the setters check widths and masks.
     * Not thread-safe.
     */
    public static final class Builder {
        private EnumMap<MatchField, FieldMatch> fields = new EnumMap<>(MatchField.class);
        /** Whether {@link #fields} belongs to a built match: copied before the next change (matches never change). */
        private boolean handedOver;
        /** The ordinals of the fields in {@link #fields}: bit i of bits0 for ordinal i, of bits1 for 64 + i. */
        private long bits0;
        private long bits1;

        private Builder() {
        }

        /** A builder holding every field of {@code m}, to add to. */
        public static Builder from(Match m) {
            Builder b = new Builder();
            b.fields.putAll(m.fields);
            for (MatchField f : m.fields.keySet()) {
                b.mark(f, true);
            }
            return b;
        }

        /** Matches {@code field} (at most 64 bits wide) exactly. */
        public Builder exact(MatchField field, long value) {
            return masked(field, value, field.widthMaskLow());
        }

        /** Matches the bits of {@code field} (at most 64 bits wide) selected by {@code mask}. */
        public Builder masked(MatchField field, long value, long mask) {
            if (field.width() > 64) {
                throw new IllegalArgumentException(field.ovsName() + " is " + field.width()
                        + " bits wide: give its value as two longs (masked128)");
            }
            return masked128(field, 0, value, 0, mask);
        }

        /** Matches a field of up to 128 bits; {@code *High} are bits 64..127. */
        public Builder masked128(MatchField field, long valueHigh, long value, long maskHigh, long mask) {
            Objects.requireNonNull(field, "field");
            long wl = field.widthMaskLow();
            long wh = field.widthMaskHigh();
            if ((value & ~wl) != 0 || (valueHigh & ~wh) != 0) {
                throw new FlowModException(OfpError.BAD_MATCH_BAD_VALUE, "value 0x" + hex(field, valueHigh, value)
                        + " does not fit " + field.ovsName() + " (" + field.width() + " bits)");
            }
            if ((mask & ~wl) != 0 || (maskHigh & ~wh) != 0) {
                throw new FlowModException(OfpError.BAD_MATCH_BAD_MASK, "mask 0x" + hex(field, maskHigh, mask)
                        + " does not fit " + field.ovsName() + " (" + field.width() + " bits)");
            }
            boolean exact = mask == wl && maskHigh == wh;
            if (!exact && !field.maskable() && (mask != 0 || maskHigh != 0)) {
                throw new FlowModException(OfpError.BAD_MATCH_BAD_MASK, field.ovsName()
                        + " cannot be masked; match it exactly or leave it out");
            }
            if (mask == 0 && maskHigh == 0) {
                return this;
            }
            FieldMatch fm = new FieldMatch(valueHigh & maskHigh, value & mask, maskHigh, mask);
            FieldMatch old = fields.get(field);
            if (old == null) {
                own();
                fields.put(field, fm);
                mark(field, true);
            } else if (!old.equals(fm)) {
                throw new FlowModException(OfpError.BAD_MATCH_DUP_FIELD, field.ovsName()
                        + " is given twice with different values (" + hex(field, old.valueHigh, old.value) + " and "
                        + hex(field, fm.valueHigh, fm.value) + ")");
            }
            return this;
        }

        /** Stops matching {@code field}. */
        public Builder remove(MatchField field) {
            if (fields.containsKey(field)) {
                own();
                fields.remove(field);
                mark(field, false);
            }
            return this;
        }

        private void own() {
            if (handedOver) {
                fields = fields.clone();
                handedOver = false;
            }
        }

        private void mark(MatchField f, boolean present) {
            int o = f.ordinal();
            long bit = 1L << (o & 63);
            if (o < 64) {
                bits0 = present ? bits0 | bit : bits0 & ~bit;
            } else {
                bits1 = present ? bits1 | bit : bits1 & ~bit;
            }
        }

        /** Whether {@code field} is matched so far. */
        public boolean has(MatchField field) {
            return fields.containsKey(field);
        }

        /** The value and mask given for {@code field} so far, or null. */
        public FieldMatch get(MatchField field) {
            return fields.get(field);
        }

        /**
         * The match.
         *
         * @throws FlowModException with {@code OFPBMC_BAD_PREREQ} when a field's prerequisite is not matched,
         *                          naming the field and what it needs
         */
        public Match build() {
            for (int half = 0; half < 2; half++) {
                for (long b = half == 0 ? bits0 : bits1; b != 0; b &= b - 1) {
                    MatchField f = FIELDS[64 * half + Long.numberOfTrailingZeros(b)];
                    String missing = missingPrereq(f);
                    if (missing != null) {
                        throw new FlowModException(OfpError.BAD_MATCH_BAD_PREREQ,
                                f.ovsName() + " needs " + missing + " in the match");
                    }
                }
            }
            handedOver = true;
            return new Match(fields, bits0, bits1);
        }

        private String missingPrereq(MatchField f) {
            return switch (f.prereq()) {
                case NONE -> null;
                case IN_PORT -> exactIs(MatchField.IN_PORT, -1) ? null : "in_port";
                case VLAN -> vlanPresent() ? null : "a VLAN tag (vlan_vid with 0x1000 set, or vlan_tci with CFI)";
                case IP_ANY -> ethType(0x0800) || ethType(0x86dd) ? null : "eth_type=0x0800 or 0x86dd (ip or ipv6)";
                case IPV4 -> ethType(0x0800) ? null : "eth_type=0x0800 (ip)";
                case IPV6 -> ethType(0x86dd) ? null : "eth_type=0x86dd (ipv6)";
                case ARP -> ethType(0x0806) || ethType(0x8035) ? null : "eth_type=0x0806 (arp) or 0x8035 (rarp)";
                case TCP -> ipProto(6) ? null : "ip_proto=6 with eth_type ip or ipv6 (tcp or tcp6)";
                case UDP -> ipProto(17) ? null : "ip_proto=17 with eth_type ip or ipv6 (udp or udp6)";
                case SCTP -> ipProto(132) ? null : "ip_proto=132 with eth_type ip or ipv6 (sctp or sctp6)";
                case ICMPV4 -> ethType(0x0800) && exactIs(MatchField.IP_PROTO, 1) ? null
                        : "eth_type=0x0800 and ip_proto=1 (icmp)";
                case ICMPV6 -> ethType(0x86dd) && exactIs(MatchField.IP_PROTO, 58) ? null
                        : "eth_type=0x86dd and ip_proto=58 (icmp6)";
                case ND -> icmp6Type(135) || icmp6Type(136) ? null
                        : "icmp6 with icmpv6_type=135 or 136 (neighbour solicitation or advertisement)";
                case ND_SOLICIT -> icmp6Type(135) ? null : "icmp6 with icmpv6_type=135 (neighbour solicitation)";
                case ND_ADVERT -> icmp6Type(136) ? null : "icmp6 with icmpv6_type=136 (neighbour advertisement)";
            };
        }

        private boolean exactIs(MatchField f, long v) {
            FieldMatch fm = fields.get(f);
            return fm != null && fm.isExact(f) && (v < 0 || fm.value == v);
        }

        private boolean ethType(int t) {
            return exactIs(MatchField.ETH_TYPE, t);
        }

        private boolean ipProto(int p) {
            return (ethType(0x0800) || ethType(0x86dd)) && exactIs(MatchField.IP_PROTO, p);
        }

        private boolean icmp6Type(int t) {
            return ethType(0x86dd) && exactIs(MatchField.IP_PROTO, 58) && exactIs(MatchField.ICMPV6_TYPE, t);
        }

        private boolean vlanPresent() {
            FieldMatch vid = fields.get(MatchField.VLAN_VID);
            FieldMatch tci = fields.get(MatchField.VLAN_TCI);
            return vid != null && (vid.mask & vid.value & 0x1000) != 0
                    || tci != null && (tci.mask & tci.value & 0x1000) != 0;
        }

        private static String hex(MatchField f, long high, long low) {
            return f.width() > 64 ? String.format("%x%016x", high, low) : Long.toHexString(low);
        }
    }
}
