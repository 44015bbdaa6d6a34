package org.vswitch4j.core.bridge;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The configuration of one bridge port, as Open vSwitch's {@code Port} record holds it: name, VLAN mode,
 * {@code tag}, {@code trunks}, {@code cvlans}, {@code other_config:priority-tags},
 * {@code other_config:qinq-ethtype} and the administrative state.
 *
 * <p>Build one with {@link #builder(String)} or the shorthands {@link #access(String, int)} and
 * {@link #trunk(String, int...)}. When no mode is given, the mode follows Open vSwitch's default:
 * {@link VlanMode#ACCESS} when a tag is set, else {@link VlanMode#TRUNK}. {@link Builder#build()} checks the
 * combination and throws {@link IllegalArgumentException} with a message naming what is allowed:
 * <ul>
 *   <li>VLAN ids are 0..4094 (4095 is reserved by IEEE 802.1Q);</li>
 *   <li>access, native-tagged, native-untagged and dot1q-tunnel need a {@code tag}; trunk takes none;</li>
 *   <li>{@code trunks} only on trunk and native ports; {@code cvlans} only on dot1q-tunnel ports;</li>
 *   <li>the QinQ ethertype is 0x88a8 (802.1ad, default) or 0x8100.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class BridgePortConfig {
    /** The value of {@link #tag()} when no tag is set. */
    public static final int NO_TAG = -1;
    /** 802.1Q customer tag TPID. */
    public static final int TPID_8021Q = 0x8100;
    /** 802.1ad service tag TPID. */
    public static final int TPID_8021AD = 0x88a8;

    private final String name;
    private final VlanMode mode;
    private final int tag;
    private final int[] trunks;
    private final long[] trunkBits;
    private final int[] cvlans;
    private final long[] cvlanBits;
    private final PriorityTags priorityTags;
    private final int qinqEthertype;
    private final boolean adminUp;

    private BridgePortConfig(Builder b, VlanMode mode, int[] trunks, int[] cvlans) {
        this.name = b.name;
        this.mode = mode;
        this.tag = b.tag;
        this.trunks = trunks;
        this.trunkBits = bits(trunks);
        this.cvlans = cvlans;
        this.cvlanBits = bits(cvlans);
        this.priorityTags = b.priorityTags;
        this.qinqEthertype = b.qinqEthertype;
        this.adminUp = b.adminUp;
    }

    /** A builder for a port named {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** An access port of VLAN {@code tag}. */
    public static BridgePortConfig access(String name, int tag) {
        return builder(name).mode(VlanMode.ACCESS).tag(tag).build();
    }

    /** A trunk port carrying {@code vlans} (every VLAN when none are given). */
    public static BridgePortConfig trunk(String name, int... vlans) {
        return builder(name).mode(VlanMode.TRUNK).trunks(vlans).build();
    }

    /** A builder holding this configuration, to change some of it. */
    public Builder toBuilder() {
        Builder b = new Builder(name);
        b.mode = mode;
        b.tag = tag;
        b.trunks = trunks.clone();
        b.cvlans = cvlans.clone();
        b.priorityTags = priorityTags;
        b.qinqEthertype = qinqEthertype;
        b.adminUp = adminUp;
        return b;
    }

    /** The port's name (unique within its bridge). */
    public String name() {
        return name;
    }

    /** The VLAN mode. */
    public VlanMode mode() {
        return mode;
    }

    /** The access VLAN, native VLAN or service VLAN; {@link #NO_TAG} on a trunk. */
    public int tag() {
        return tag;
    }

    /** The trunked VLANs in ascending order; empty means every VLAN (trunk and native modes only). */
    public List<Integer> trunks() {
        return Arrays.stream(trunks).boxed().toList();
    }

    /** The customer VLANs a dot1q-tunnel port accepts, ascending; empty means any frame. */
    public List<Integer> cvlans() {
        return Arrays.stream(cvlans).boxed().toList();
    }

    /** When frames leaving untagged keep their PCP in a priority tag. */
    public PriorityTags priorityTags() {
        return priorityTags;
    }

    /** The TPID of the service tag a dot1q-tunnel port pushes: 0x88a8 (default) or 0x8100. */
    public int qinqEthertype() {
        return qinqEthertype;
    }

    /** Whether the port is administratively up (a port that is down neither receives nor sends). */
    public boolean adminUp() {
        return adminUp;
    }

    /** Whether {@code vlan} is in {@code trunks}, an empty list meaning every VLAN. */
    boolean trunksVlan(int vlan) {
        return trunks.length == 0 || (trunkBits[vlan >>> 6] & (1L << vlan)) != 0;
    }

    /** Whether {@code vid} is in {@code cvlans}, an empty list meaning any. */
    boolean allowsCvlan(int vid) {
        return cvlans.length == 0 || (cvlanBits[vid >>> 6] & (1L << vid)) != 0;
    }

    /** Whether cvlans restrict the customer frames a dot1q-tunnel port accepts. */
    boolean hasCvlans() {
        return cvlans.length != 0;
    }

    /**
     * Whether frames of {@code vlan} may leave (and, tagged, enter) this port: the access or service VLAN,
     * the native VLAN, or a trunked VLAN.
     */
    boolean carries(int vlan) {
        return switch (mode) {
            case ACCESS, DOT1Q_TUNNEL -> vlan == tag;
            case TRUNK -> trunksVlan(vlan);
            case NATIVE_TAGGED, NATIVE_UNTAGGED -> vlan == tag || trunksVlan(vlan);
        };
    }

    /** Whether the VLAN treatment of this configuration equals {@code o}'s (name and admin state aside). */
    boolean sameVlanTreatment(BridgePortConfig o) {
        return mode == o.mode && tag == o.tag && Arrays.equals(trunks, o.trunks) && Arrays.equals(cvlans, o.cvlans)
                && priorityTags == o.priorityTags && qinqEthertype == o.qinqEthertype;
    }

    private static long[] bits(int[] vlans) {
        long[] b = new long[64];
        for (int v : vlans) {
            b[v >>> 6] |= 1L << v;
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BridgePortConfig c && name.equals(c.name) && adminUp == c.adminUp && sameVlanTreatment(c);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, mode, tag, Arrays.hashCode(trunks), Arrays.hashCode(cvlans), priorityTags,
                qinqEthertype, adminUp);
    }

    /** In {@code ovs-vsctl} terms: {@code p1 vlan_mode=access tag=10}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append(" vlan_mode=").append(mode.ovsName());
        if (tag != NO_TAG) {
            sb.append(" tag=").append(tag);
        }
        if (trunks.length != 0) {
            sb.append(" trunks=").append(join(trunks));
        }
        if (cvlans.length != 0) {
            sb.append(" cvlans=").append(join(cvlans));
        }
        if (priorityTags != PriorityTags.NEVER) {
            sb.append(" other_config:priority-tags=").append(priorityTags.ovsName());
        }
        if (qinqEthertype != TPID_8021AD) {
            sb.append(" other_config:qinq-ethtype=802.1q");
        }
        if (!adminUp) {
            sb.append(" admin=down");
        }
        return sb.toString();
    }

    private static String join(int[] v) {
        StringBuilder sb = new StringBuilder();
        for (int x : v) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(x);
        }
        return sb.toString();
    }

    /** Collects a port configuration; {@link #build()} validates it. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private VlanMode mode;
        private int tag = NO_TAG;
        private int[] trunks = new int[0];
        private int[] cvlans = new int[0];
        private PriorityTags priorityTags = PriorityTags.NEVER;
        private int qinqEthertype = TPID_8021AD;
        private boolean adminUp = true;

        private Builder(String name) {
            Objects.requireNonNull(name, "port name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("a port name must not be blank");
            }
            this.name = name;
        }

        /** The VLAN mode; when not set, access if a tag is set, else trunk (as Open vSwitch). */
        public Builder mode(VlanMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** The access, native or service VLAN (0..4094); {@link #NO_TAG} clears it. */
        public Builder tag(int tag) {
            if (tag != NO_TAG) {
                checkVlan(tag, "tag");
            }
            this.tag = tag;
            return this;
        }

        /** The trunked VLANs (0..4094); none means every VLAN. */
        public Builder trunks(int... vlans) {
            this.trunks = sortedVlans(vlans, "trunks");
            return this;
        }

        /** The customer VLANs a dot1q-tunnel port accepts (0..4094); none means any frame. */
        public Builder cvlans(int... vlans) {
            this.cvlans = sortedVlans(vlans, "cvlans");
            return this;
        }

        /** When frames leaving untagged keep their PCP in a priority tag (default {@link PriorityTags#NEVER}). */
        public Builder priorityTags(PriorityTags p) {
            this.priorityTags = Objects.requireNonNull(p, "priorityTags");
            return this;
        }

        /** The service tag TPID of a dot1q-tunnel port: 0x88a8 (802.1ad, the default) or 0x8100 (802.1Q). */
        public Builder qinqEthertype(int tpid) {
            if (tpid != TPID_8021AD && tpid != TPID_8021Q) {
                throw new IllegalArgumentException(String.format(
                        "QinQ ethertype 0x%04x is not 0x88a8 (802.1ad) or 0x8100 (802.1q)", tpid));
            }
            this.qinqEthertype = tpid;
            return this;
        }

        /** The administrative state (default up). */
        public Builder adminUp(boolean up) {
            this.adminUp = up;
            return this;
        }

        /** Validates and builds. */
        public BridgePortConfig build() {
            VlanMode m = mode != null ? mode : (tag != NO_TAG ? VlanMode.ACCESS : VlanMode.TRUNK);
            if (m.needsTag() && tag == NO_TAG) {
                throw new IllegalArgumentException("port " + name + ": vlan_mode=" + m.ovsName()
                        + " needs a tag (0..4094)");
            }
            if (!m.needsTag() && tag != NO_TAG) {
                throw new IllegalArgumentException("port " + name + ": vlan_mode=trunk takes no tag (got " + tag
                        + "); use native-tagged or native-untagged for a native VLAN");
            }
            if (!m.takesTrunks() && trunks.length != 0) {
                throw new IllegalArgumentException("port " + name + ": vlan_mode=" + m.ovsName()
                        + " takes no trunks; trunks apply to trunk, native-tagged and native-untagged");
            }
            if (m != VlanMode.DOT1Q_TUNNEL && cvlans.length != 0) {
                throw new IllegalArgumentException("port " + name + ": cvlans apply only to vlan_mode=dot1q-tunnel"
                        + " (this port is " + m.ovsName() + ")");
            }
            return new BridgePortConfig(this, m, trunks, cvlans);
        }

        private static int[] sortedVlans(int[] vlans, String what) {
            int[] v = vlans.clone();
            for (int x : v) {
                checkVlan(x, what);
            }
            return Arrays.stream(v).sorted().distinct().toArray();
        }
    }

    /** Throws unless {@code vlan} is a usable VLAN id (0..4094). */
    static void checkVlan(int vlan, String what) {
        if (vlan < 0 || vlan > 4095) {
            throw new IllegalArgumentException("VLAN id " + vlan + " is outside 0..4095 (" + what + ")");
        }
        if (vlan == 4095) {
            throw new IllegalArgumentException("VLAN id 4095 is reserved by IEEE 802.1Q; use 0..4094 (" + what + ")");
        }
    }
}
