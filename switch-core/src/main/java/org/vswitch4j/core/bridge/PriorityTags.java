package org.vswitch4j.core.bridge;

/**
 * When a frame that leaves a port untagged keeps its priority in an 802.1p priority tag (VID 0), as
 * Open vSwitch's {@code Port other_config:priority-tags} says. Without a priority tag the PCP of a frame is
 * lost on untagged egress (access ports, the native VLAN of a native-untagged port, VLAN 0 of a trunk).
 */
public enum PriorityTags {
    /** {@code never} (the default): frames leave untagged; their PCP is lost. */
    NEVER("never"),
    /** {@code if-nonzero}: a priority tag is added when the frame's PCP is not 0. */
    IF_NONZERO("if-nonzero"),
    /** {@code always}: every frame that would leave untagged leaves with a priority tag. */
    ALWAYS("always");

    private final String ovsName;

    PriorityTags(String ovsName) {
        this.ovsName = ovsName;
    }

    /** The value Open vSwitch uses for {@code other_config:priority-tags}. */
    public String ovsName() {
        return ovsName;
    }
}
