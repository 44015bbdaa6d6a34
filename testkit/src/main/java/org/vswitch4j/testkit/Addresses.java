package org.vswitch4j.testkit;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** MAC and IP address conversions for the test kit: text, {@code long}/{@code int} and byte forms. */
public final class Addresses {
    /** The Ethernet broadcast address. */
    public static final long BROADCAST = 0xffff_ffff_ffffL;

    private Addresses() {
    }

    /** {@code 02:00:00:00:00:01} for {@code 0x020000000001}. */
    public static String formatMac(long mac) {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", (mac >>> 40) & 0xff, (mac >>> 32) & 0xff,
                (mac >>> 24) & 0xff, (mac >>> 16) & 0xff, (mac >>> 8) & 0xff, mac & 0xff);
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (or with {@code -}) into the low 48 bits of a long. */
    public static long parseMac(String text) {
        String[] parts = text.split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("MAC '" + text + "' must be six hex bytes like 02:00:00:00:00:01");
        }
        long mac = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2) {
                throw new IllegalArgumentException("MAC '" + text + "' must be six hex bytes like 02:00:00:00:00:01");
            }
            try {
                mac = (mac << 8) | Integer.parseInt(p, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("MAC '" + text + "' must be six hex bytes like 02:00:00:00:00:01", e);
            }
        }
        return mac;
    }

    /** Parses a literal IPv4 or IPv6 address (never a host name: no DNS lookup happens). */
    public static InetAddress ip(String literal) {
        boolean v6 = literal.indexOf(':') >= 0;
        if (!v6 && !literal.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException("'" + literal + "' is not an IPv4 or IPv6 address literal");
        }
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + literal + "' is not an IPv4 or IPv6 address literal", e);
        }
    }

    /** An IPv4 address literal. */
    public static Inet4Address ipv4(String literal) {
        if (ip(literal) instanceof Inet4Address a) {
            return a;
        }
        throw new IllegalArgumentException("'" + literal + "' is not an IPv4 address");
    }

    /** An IPv6 address literal. */
    public static Inet6Address ipv6(String literal) {
        if (ip(literal) instanceof Inet6Address a) {
            return a;
        }
        throw new IllegalArgumentException("'" + literal + "' is not an IPv6 address");
    }

    /**
     * The address as text: dotted quad for IPv4, RFC 5952 form for IPv6 ({@code 2001:db8::1}: lower case, the
     * longest run of two or more zero groups as {@code ::}), unlike {@link InetAddress#getHostAddress()}.
     */
    public static String format(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    static int toInt(Inet4Address a) {
        byte[] b = a.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    static Inet4Address fromInt(int v) {
        byte[] b = {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        try {
            return (Inet4Address) InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always an IPv4 address", e);
        }
    }

    static Inet6Address fromBytes16(byte[] b, int off) {
        byte[] a = java.util.Arrays.copyOfRange(b, off, off + 16);
        try {
            return (Inet6Address) InetAddress.getByAddress(a);
        } catch (UnknownHostException | ClassCastException e) {
            // InetAddress maps IPv4-mapped IPv6 addresses to Inet4Address; hosts never use those.
            try {
                return Inet6Address.getByAddress(null, a, -1);
            } catch (UnknownHostException e2) {
                throw new AssertionError("sixteen bytes are always an IPv6 address", e2);
            }
        }
    }
}
