package org.vswitch4j.tunnel;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** IPv4 addresses as the datapath holds them (an {@code int}, network order) and as the JDK does. */
final class Ip4 {
    private Ip4() {
    }

    /** The 4 bytes of {@code a} as an int. */
    static int toInt(byte[] a) {
        return (a[0] & 0xff) << 24 | (a[1] & 0xff) << 16 | (a[2] & 0xff) << 8 | (a[3] & 0xff);
    }

    static byte[] toBytes(int a) {
        return new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
    }

    /** Dotted quad. */
    static String format(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 0xff) + "." + (a >>> 8 & 0xff) + "." + (a & 0xff);
    }

    /** The address of raw bytes (4 or 16), no lookup. */
    static InetAddress address(byte[] a) {
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
