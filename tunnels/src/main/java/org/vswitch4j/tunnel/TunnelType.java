package org.vswitch4j.tunnel;

/** The encapsulations, with Open vSwitch's interface type names and their IANA UDP ports. */
public enum TunnelType {
    /** VXLAN, RFC 7348: UDP, 8-byte header, 24-bit VNI. */
    VXLAN("vxlan", 4789),
    /** Geneve, RFC 8926: UDP, 8-byte header plus option TLVs, 24-bit VNI. */
    GENEVE("geneve", 6081),
    /** GRE, RFC 2784/2890, carrying Ethernet (transparent Ethernet bridging, 0x6558): what Linux calls gretap. */
    GRE("gre", 0);

    private final String ovsName;
    private final int defaultPort;

    TunnelType(String ovsName, int defaultPort) {
        this.ovsName = ovsName;
        this.defaultPort = defaultPort;
    }

    /** The {@code type} Open vSwitch gives such an interface. */
    public String ovsName() {
        return ovsName;
    }

    /** The default UDP destination port (0 for GRE, which is IP protocol 47). */
    public int defaultPort() {
        return defaultPort;
    }

    /** Whether the encapsulation rides on UDP. */
    public boolean udp() {
        return this != GRE;
    }

    /** The widest key: 24 bits for the VNI of VXLAN and Geneve, 32 for GRE's key. */
    public long maxKey() {
        return this == GRE ? 0xffff_ffffL : 0xff_ffffL;
    }

    /** The type named {@code name} as Open vSwitch spells it ({@code vxlan}, {@code geneve}, {@code gre}). */
    public static TunnelType ofOvsName(String name) {
        for (TunnelType t : values()) {
            if (t.ovsName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("tunnel type " + name + " is not one of vxlan, geneve, gre");
    }
}
