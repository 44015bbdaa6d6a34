package org.vswitch4j.core.bridge;

/** MAC addresses as the low 48 bits of a long: formatting, parsing, and the tests the bridge makes. */
final class Mac {
    /** The group (multicast) bit: the least significant bit of the first octet. */
    static final long GROUP_BIT = 1L << 40;
    static final long MASK = 0xffff_ffff_ffffL;

    private Mac() {
    }

    /** Whether {@code mac} is multicast or broadcast. */
    static boolean isGroup(long mac) {
        return (mac & GROUP_BIT) != 0;
    }

    /**
     * Whether {@code mac} is a control-protocol address a bridge must not forward (as Open vSwitch's
     * {@code eth_addr_is_reserved} list, in part): IEEE 802.1D's 01:80:c2:00:00:00..0f (STP, LACP, 802.1X,
     * LLDP, ...) and Cisco's 01:00:0c:cc:cc:cc (CDP, VTP, DTP, PAgP, UDLD) and 01:00:0c:cc:cc:cd (PVST+).
     */
    static boolean isReserved(long mac) {
        return (mac & ~0xfL) == 0x0180_c200_0000L || mac == 0x0100_0ccc_ccccL || mac == 0x0100_0ccc_cccdL;
    }

    /** {@code aa:bb:cc:dd:ee:ff}. */
    static String format(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 5; i >= 0; i--) {
            int b = (int) (mac >>> (8 * i)) & 0xff;
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xf, 16));
            if (i != 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (or with dashes). */
    static long parse(String s) {
        String[] parts = s.split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("MAC address " + s + " is not six octets like 00:11:22:33:44:55");
        }
        long mac = 0;
        for (String p : parts) {
            int b = Integer.parseInt(p, 16);
            if (p.length() > 2 || b < 0) {
                throw new IllegalArgumentException("MAC address " + s + " has an octet outside 00..ff");
            }
            mac = (mac << 8) | b;
        }
        return mac;
    }

    static void check(long mac) {
        if ((mac & ~MASK) != 0) {
            throw new IllegalArgumentException(String.format("MAC address 0x%x is wider than 48 bits", mac));
        }
    }
}
