package org.vswitch4j.core.bridge;

/**
 * A bridge port's 802.1Q behaviour, named as Open vSwitch's {@code Port.vlan_mode} names it.
 *
 * <p>Every frame inside a bridge belongs to one VLAN (0..4094; VLAN 0 is the "untagged VLAN" of trunks, as in
 * Open vSwitch). The mode says which VLAN a received frame belongs to, which VLANs the port carries and how a
 * frame of a VLAN leaves the port. The full matrix is in {@link Bridge}'s documentation.
 */
public enum VlanMode {
    /**
     * {@code access}: carries exactly VLAN {@code tag}, untagged. Received frames are untagged or
     * priority-tagged (VID 0, no second tag); any other tagged frame is dropped. Frames leave untagged
     * (a priority tag is added only as {@link PriorityTags} says).
     */
    ACCESS("access"),
    /**
     * {@code trunk}: carries the VLANs in {@code trunks} (all when empty), tagged. Untagged and
     * priority-tagged frames belong to VLAN 0, which leaves untagged; a trunk carries VLAN 0 only when
     * {@code trunks} is empty or contains 0.
     */
    TRUNK("trunk"),
    /**
     * {@code native-tagged}: a trunk whose untagged and priority-tagged frames belong to VLAN {@code tag};
     * frames of the native VLAN leave tagged.
     */
    NATIVE_TAGGED("native-tagged"),
    /**
     * {@code native-untagged}: a trunk whose untagged and priority-tagged frames belong to VLAN {@code tag};
     * frames of the native VLAN leave untagged.
     */
    NATIVE_UNTAGGED("native-untagged"),
    /**
     * {@code dot1q-tunnel}: a QinQ customer port. Every received frame (tagged or not) belongs to the
     * service VLAN {@code tag}; its own tags are payload. Towards tagged ports the frame gets an outer
     * service tag (802.1ad, TPID 0x88a8, unless the port's QinQ ethertype says 0x8100); leaving a dot1q-tunnel
     * port the service tag is removed. With {@code cvlans} set, only frames whose 802.1Q customer tag is in
     * {@code cvlans} are accepted.
     */
    DOT1Q_TUNNEL("dot1q-tunnel");

    private final String ovsName;

    VlanMode(String ovsName) {
        this.ovsName = ovsName;
    }

    /** The name Open vSwitch uses ({@code ovs-vsctl set port p1 vlan_mode=native-untagged}). */
    public String ovsName() {
        return ovsName;
    }

    /** Whether the mode requires a {@code tag}. */
    public boolean needsTag() {
        return this != TRUNK;
    }

    /** Whether the mode accepts a {@code trunks} list. */
    public boolean takesTrunks() {
        return this == TRUNK || this == NATIVE_TAGGED || this == NATIVE_UNTAGGED;
    }
}
