package org.vswitch4j.flow;

/**
 * OpenFlow 1.3 port numbers: ordinary ports are 1..{@link #MAX}; the reserved ones name what an
 * {@link Action.Output} does besides sending out of one port.
 */
public final class OfPort {
    /** The highest ordinary port number. */
    public static final long MAX = 0xffffff00L;
    /** Back out of the port the packet came in on (an output to the input port itself is dropped). */
    public static final long IN_PORT = 0xfffffff8L;
    /** Through the flow tables again (packet-out only). */
    public static final long TABLE = 0xfffffff9L;
    /** The NORMAL learning bridge. */
    public static final long NORMAL = 0xfffffffaL;
    /** Every port of the bridge except the input port and ports with flooding disabled. */
    public static final long FLOOD = 0xfffffffbL;
    /** Every port of the bridge except the input port. */
    public static final long ALL = 0xfffffffcL;
    /** To the controller, as a packet-in. */
    public static final long CONTROLLER = 0xfffffffdL;
    /** The bridge's local port. */
    public static final long LOCAL = 0xfffffffeL;
    /** No port (a wildcard in requests; {@code out_port} of a delete). */
    public static final long ANY = 0xffffffffL;

    private OfPort() {
    }

    /** The {@code ovs-ofctl} name of a reserved port ({@code NORMAL}), or the number as a decimal string. */
    public static String name(long port) {
        if (port == IN_PORT) {
            return "IN_PORT";
        } else if (port == TABLE) {
            return "TABLE";
        } else if (port == NORMAL) {
            return "NORMAL";
        } else if (port == FLOOD) {
            return "FLOOD";
        } else if (port == ALL) {
            return "ALL";
        } else if (port == CONTROLLER) {
            return "CONTROLLER";
        } else if (port == LOCAL) {
            return "LOCAL";
        } else if (port == ANY) {
            return "ANY";
        }
        return Long.toString(port);
    }

    /** Whether {@code port} is an ordinary port number (1..MAX). */
    public static boolean isOrdinary(long port) {
        return port >= 1 && port <= MAX;
    }
}
