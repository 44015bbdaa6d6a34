package org.vswitch4j.tunnel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.vswitch4j.core.key.FlowKey;

/**
 * Which Geneve options (RFC 8926 section 3.5) the switch carries as flow metadata, and in which field: Open vSwitch's
 * TLV map ({@code ovs-ofctl add-tlv-map br0 "{class=0xffff,type=0x80,len=4}->tun_metadata0"}). One map serves every
 * Geneve port of a bridge (give it to each {@link TunnelPort}).
 *
 * <p>Receive ({@link TunnelDecap#geneve(org.vswitch4j.core.packet.Packet, GeneveTlvMap)}): an option whose class,
 * type and length are mapped sets its field (tun_metadata<i>n</i>, right-aligned) and the field's "present" bit in
 * the flow key; an option that is not mapped (or is mapped with another length) is ignored when it is not critical
 * and makes the packet be dropped and counted ({@code critical_option}) when its type has the critical bit
 * (0x80), as Open vSwitch does: the switch cannot process it, and RFC 8926 says such a packet must be dropped.
 *
 * <p>Transmit ({@link TunnelPort#tunnelHeader}): every tun_metadata field present in the flow (received, or written
 * by {@code set_field:0x1234->tun_metadata0}) that is mapped is sent as its option, in field order; the C bit of
 * the Geneve header is set when one of them is critical.
 *
 * <p>Bounds: fields tun_metadata0..{@value FlowKey#TUN_METADATA_FIELDS}-1, each option's data 4 or 8 bytes
 * ({@value #MAX_LENGTH} at most; Open vSwitch allows 124 and 256 bytes in all: the flow key here has one word per
 * field, see {@link FlowKey}).
 *
 * <p>Changes: as Open vSwitch, a field or an option (class and type) can be mapped once; {@link #delete} and
 * {@link #clear} free them. Every change runs the listeners ({@link #onChange}: give it the datapath's
 * {@code invalidateAll}), since megaflows hold keys and headers made with the old map.
 *
 * <p>Thread-safety: changes are serialised on the map; the poll threads read an immutable snapshot published through
 * a volatile field, so a change applies from some packet on, never half.
 */
public final class GeneveTlvMap {
    /** The longest option data a field holds, in bytes. */
    public static final int MAX_LENGTH = 8;

    /** One mapping: option {@code optionClass}, {@code type}, {@code length} data bytes, to tun_metadata{@code field}. */
    public record Mapping(int optionClass, int type, int length, int field) {
        /** Checks the ranges; throws naming what is allowed. */
        public Mapping {
            if (optionClass < 0 || optionClass > 0xffff) {
                throw new IllegalArgumentException("option class 0x" + Integer.toHexString(optionClass)
                        + " is outside 0..0xffff");
            }
            if (type < 0 || type > 0xff) {
                throw new IllegalArgumentException("option type 0x" + Integer.toHexString(type) + " is outside 0..0xff");
            }
            if (length != 4 && length != 8) {
                throw new IllegalArgumentException("option length " + length + " is not allowed: 4 or 8 bytes (one "
                        + "tun_metadata field holds at most " + MAX_LENGTH + ")");
            }
            if (field < 0 || field >= FlowKey.TUN_METADATA_FIELDS) {
                throw new IllegalArgumentException("tun_metadata" + field + " is outside tun_metadata0..tun_metadata"
                        + (FlowKey.TUN_METADATA_FIELDS - 1));
            }
        }

        /** Whether the option type has the critical bit. */
        public boolean critical() {
            return (type & 0x80) != 0;
        }

        /** As {@code ovs-ofctl}: {@code {class=0xffff,type=0x80,len=4}->tun_metadata0}. */
        @Override
        public String toString() {
            return String.format("{class=0x%x,type=0x%x,len=%d}->tun_metadata%d", optionClass, type, length, field);
        }
    }

    /** The poll threads' view: mappings by field (null where none) and the option keys ({@code class << 8 | type}). */
    static final class Table {
        static final Table EMPTY = new Table(new Mapping[FlowKey.TUN_METADATA_FIELDS]);
        final Mapping[] byField;
        final int[] keys;
        final int[] fields;
        final int[] lengths;

        Table(Mapping[] byField) {
            this.byField = byField;
            int n = 0;
            for (Mapping m : byField) {
                n += m == null ? 0 : 1;
            }
            keys = new int[n];
            fields = new int[n];
            lengths = new int[n];
            int i = 0;
            for (Mapping m : byField) {
                if (m != null) {
                    keys[i] = m.optionClass << 8 | m.type;
                    fields[i] = m.field;
                    lengths[i++] = m.length;
                }
            }
        }

        /** The index into {@link #fields} of option {@code key}, or -1. A scan: at most four entries. */
        int find(int key) {
            int[] k = keys;
            for (int i = 0; i < k.length; i++) {
                if (k[i] == key) {
                    return i;
                }
            }
            return -1;
        }
    }

    private volatile Table table = Table.EMPTY;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    /** An empty map: every option is unmapped (critical ones drop their packet). */
    public GeneveTlvMap() {
    }

    /**
     * Adds the mappings of {@code spec}, {@code ovs-ofctl add-tlv-map}'s argument: one or more
     * {@code {class=C,type=T,len=L}->tun_metadataN}, comma separated (numbers decimal or {@code 0x} hex). All or none
     * are added.
     *
     * @throws IllegalArgumentException on bad syntax or ranges, or when a field or option is already mapped
     */
    public void add(String spec) {
        List<Mapping> ms = parse(spec);
        synchronized (this) {
            Mapping[] next = table.byField.clone();
            for (Mapping m : ms) {
                put(next, m);
            }
            publish(next);
        }
    }

    /** Adds one mapping; see {@link #add(String)}. */
    public void add(Mapping m) {
        Objects.requireNonNull(m, "mapping");
        synchronized (this) {
            Mapping[] next = table.byField.clone();
            put(next, m);
            publish(next);
        }
    }

    /**
     * Removes the mappings of {@code spec} ({@code ovs-ofctl del-tlv-map}'s argument, same syntax as {@link #add});
     * each must be in the map as given.
     */
    public void delete(String spec) {
        List<Mapping> ms = parse(spec);
        synchronized (this) {
            Mapping[] next = table.byField.clone();
            for (Mapping m : ms) {
                if (!m.equals(next[m.field])) {
                    throw new IllegalArgumentException(m + " is not in the TLV map" + (next[m.field] == null ? ""
                            : " (tun_metadata" + m.field + " is " + next[m.field] + ")"));
                }
                next[m.field] = null;
            }
            publish(next);
        }
    }

    /** Removes every mapping ({@code ovs-ofctl del-tlv-map br0} without an argument). */
    public void clear() {
        synchronized (this) {
            publish(new Mapping[FlowKey.TUN_METADATA_FIELDS]);
        }
    }

    /** The mappings, by field. */
    public List<Mapping> mappings() {
        List<Mapping> out = new ArrayList<>();
        for (Mapping m : table.byField) {
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    /** The mapping of tun_metadata{@code field}, or null. */
    public Mapping mapping(int field) {
        return table.byField[field];
    }

    /** Runs {@code listener} after every change (give it the datapath's {@code invalidateAll}). */
    public void onChange(Runnable listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** As {@code ovs-ofctl dump-tlv-map}: one line per mapping, {@code  class type length match_field}. */
    public String dump() {
        StringBuilder sb = new StringBuilder(" class\ttype\tlength\tmatch field\n ------\t----\t------\t-----------\n");
        for (Mapping m : mappings()) {
            sb.append(String.format(" 0x%x\t0x%x\t%d\ttun_metadata%d%n", m.optionClass, m.type, m.length, m.field));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return mappings().toString();
    }

    Table table() {
        return table;
    }

    private static void put(Mapping[] next, Mapping m) {
        if (next[m.field] != null) {
            throw new IllegalArgumentException("tun_metadata" + m.field + " is already mapped (" + next[m.field]
                    + "); delete that mapping first");
        }
        for (Mapping o : next) {
            if (o != null && o.optionClass == m.optionClass && o.type == m.type) {
                throw new IllegalArgumentException(String.format("option class 0x%x type 0x%x is already mapped (%s)",
                        m.optionClass, m.type, o));
            }
        }
        next[m.field] = m;
    }

    private void publish(Mapping[] next) {
        table = new Table(next);
        for (Runnable r : listeners) {
            r.run();
        }
    }

    /** Parses {@code {class=C,type=T,len=L}->tun_metadataN[,...]}. */
    static List<Mapping> parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        List<Mapping> out = new ArrayList<>();
        String s = spec.strip();
        int i = 0;
        while (i < s.length()) {
            int open = s.indexOf('{', i);
            int close = s.indexOf('}', i);
            if (open != i || close < 0) {
                throw syntax(spec, "expected {class=...,type=...,len=...}->tun_metadataN at offset " + i);
            }
            int cls = -1;
            int type = -1;
            int len = -1;
            for (String kv : s.substring(open + 1, close).split(",")) {
                int eq = kv.indexOf('=');
                if (eq < 0) {
                    throw syntax(spec, "'" + kv.strip() + "' is not key=value");
                }
                String k = kv.substring(0, eq).strip().toLowerCase(Locale.ROOT);
                int v = number(spec, kv.substring(eq + 1).strip());
                switch (k) {
                    case "class" -> cls = v;
                    case "type" -> type = v;
                    case "len" -> len = v;
                    default -> throw syntax(spec, "unknown key '" + k + "': class, type and len are allowed");
                }
            }
            if (cls < 0 || type < 0 || len < 0) {
                throw syntax(spec, "class, type and len are all required");
            }
            String rest = s.substring(close + 1);
            String arrow = "->tun_metadata";
            if (!rest.startsWith(arrow)) {
                throw syntax(spec, "expected ->tun_metadataN after }");
            }
            int j = close + 1 + arrow.length();
            int end = j;
            while (end < s.length() && Character.isDigit(s.charAt(end))) {
                end++;
            }
            if (end == j) {
                throw syntax(spec, "expected a field number after tun_metadata");
            }
            out.add(new Mapping(cls, type, len, Integer.parseInt(s.substring(j, Math.min(end, j + 6)))));
            i = end;
            if (i < s.length()) {
                if (s.charAt(i) != ',') {
                    throw syntax(spec, "expected ',' between mappings at offset " + i);
                }
                i++;
            }
        }
        if (out.isEmpty()) {
            throw syntax(spec, "no mapping given");
        }
        return out;
    }

    private static int number(String spec, String v) {
        try {
            return v.startsWith("0x") || v.startsWith("0X") ? Integer.parseInt(v.substring(2), 16) : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw syntax(spec, "'" + v + "' is not a number (decimal or 0x hex)");
        }
    }

    private static IllegalArgumentException syntax(String spec, String why) {
        return new IllegalArgumentException("bad TLV map \"" + spec + "\": " + why);
    }
}
