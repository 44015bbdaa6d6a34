package org.vswitch4j.flow.ofctl;

import java.math.BigInteger;
import java.util.Locale;
import org.vswitch4j.flow.MatchField;
import org.vswitch4j.flow.OfPort;

/**
 * The value syntaxes of {@code ovs-ofctl}: integers (decimal or {@code 0x} hex), MAC, IPv4 and IPv6 addresses
 * with their mask forms, port names, {@code ip_frag} names and {@code tcp_flags}; parsed with the position of
 * the token for errors, and printed as Open vSwitch 3.1 prints them.
 */
final class Values {
    private Values() {
    }

    /** How a field's values are written. */
    enum Kind { DECIMAL, HEX, MAC, IPV4, IPV6, PORT, FRAG, TCP_FLAGS }

    /** A value and mask of up to 128 bits. */
    record Val(long valueHigh, long value, long maskHigh, long mask) {
    }

    static Kind kind(MatchField f) {
        return switch (f) {
            case IN_PORT, IN_PHY_PORT -> Kind.PORT;
            case METADATA, ETH_TYPE, VLAN_TCI, IPV6_LABEL, TUN_ID, REG0, REG1, REG2, REG3, REG4, REG5, REG6, REG7,
                 REG8, REG9, REG10, REG11, REG12, REG13, REG14, REG15, XREG0, XREG1, XREG2, XREG3, XREG4, XREG5,
                 XREG6, XREG7, TUN_METADATA0, TUN_METADATA1, TUN_METADATA2, TUN_METADATA3 -> Kind.HEX;
            case ETH_DST, ETH_SRC, ARP_SHA, ARP_THA, ND_SLL, ND_TLL -> Kind.MAC;
            case IPV4_SRC, IPV4_DST, ARP_SPA, ARP_TPA, TUN_SRC, TUN_DST -> Kind.IPV4;
            case IPV6_SRC, IPV6_DST, ND_TARGET, TUN_IPV6_SRC, TUN_IPV6_DST -> Kind.IPV6;
            case IP_FRAG -> Kind.FRAG;
            case TCP_FLAGS -> Kind.TCP_FLAGS;
            case VLAN_VID, VLAN_PCP, IP_DSCP, NW_TOS, IP_ECN, NW_TTL, IP_PROTO, TCP_SRC, TCP_DST, UDP_SRC, UDP_DST,
                 SCTP_SRC, SCTP_DST, ICMPV4_TYPE, ICMPV4_CODE, ARP_OP, ICMPV6_TYPE, ICMPV6_CODE, CONJ_ID -> Kind.DECIMAL;
        };
    }

    // --- parsing ------------------------------------------------------------------------------------------

    /** Parses {@code s} (at {@code pos} of {@code text}) as a value of {@code f}, with an optional mask. */
    static Val parse(MatchField f, String s, String text, int pos) {
        Kind k = kind(f);
        int slash = s.indexOf('/');
        String v = slash < 0 ? s : s.substring(0, slash);
        String m = slash < 0 ? null : s.substring(slash + 1);
        int mpos = pos + slash + 1;
        switch (k) {
            case MAC: {
                long mac = mac(v, text, pos);
                return new Val(0, mac, 0, m == null ? 0xffff_ffff_ffffL : mac(m, text, mpos));
            }
            case IPV4: {
                long a = ipv4(v, text, pos);
                long mask = 0xffff_ffffL;
                if (m != null) {
                    mask = m.indexOf('.') >= 0 ? ipv4(m, text, mpos) : prefix(m, 32, text, mpos)[1];
                }
                return new Val(0, a, 0, mask);
            }
            case IPV6: {
                long[] a = ipv6(v, text, pos);
                long[] mask = {-1L, -1L};
                if (m != null) {
                    mask = m.indexOf(':') >= 0 ? ipv6(m, text, mpos) : prefix(m, 128, text, mpos);
                }
                return new Val(a[0], a[1], mask[0], mask[1]);
            }
            case PORT:
                // A port is a name or number; a masked one (set_field only: in_port cannot be masked in a match)
                // is two numbers.
                return new Val(0, port(v, text, pos), 0, m == null ? f.widthMaskLow() : integer(m, text, mpos));
            case FRAG:
                return frag(s, text, pos);
            case TCP_FLAGS:
                return tcpFlags(s, text, pos);
            case DECIMAL:
            case HEX:
            default: {
                long[] a = integer128(v, text, pos);
                long[] mask = m == null ? new long[] {f.widthMaskHigh(), f.widthMaskLow()} : integer128(m, text, mpos);
                return new Val(a[0], a[1], mask[0], mask[1]);
            }
        }
    }

    /** An unsigned integer, decimal or {@code 0x} hex, up to 64 bits. */
    static long integer(String s, String text, int pos) {
        long[] v = integer128(s, text, pos);
        if (v[0] != 0) {
            throw new FlowSyntaxException(text, pos, s, "number too large", "a number of at most 64 bits");
        }
        return v[1];
    }

    /** An unsigned integer up to 128 bits: {high, low}. */
    static long[] integer128(String s, String text, int pos) {
        BigInteger b;
        try {
            if (s.startsWith("0x") || s.startsWith("0X")) {
                if (s.length() == 2 || s.charAt(2) == '+' || s.charAt(2) == '-') {
                    throw new NumberFormatException();
                }
                b = new BigInteger(s.substring(2), 16);
            } else {
                if (s.isEmpty() || s.charAt(0) == '+' || s.charAt(0) == '-') {
                    throw new NumberFormatException();
                }
                b = new BigInteger(s, 10);
            }
        } catch (NumberFormatException e) {
            throw new FlowSyntaxException(text, pos, s, "bad number", "a decimal or 0x-prefixed hex number");
        }
        if (b.bitLength() > 128) {
            throw new FlowSyntaxException(text, pos, s, "number too large", "a number of at most 128 bits");
        }
        return new long[] {b.shiftRight(64).longValue(), b.longValue()};
    }

    /** An integer in {@code 0..max}, naming {@code what} in the error. */
    static long bounded(String s, long max, String what, String text, int pos) {
        long v = integer(s, text, pos);
        if (Long.compareUnsigned(v, max) > 0) {
            throw new FlowSyntaxException(text, pos, s, what + " out of range", what + " in 0.." + max);
        }
        return v;
    }

    static long mac(String s, String text, int pos) {
        String[] parts = s.split(":", -1);
        if (parts.length != 6) {
            throw new FlowSyntaxException(text, pos, s, "bad MAC address", "a MAC address like 01:23:45:67:89:ab");
        }
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2 || !isHex(p)) {
                throw new FlowSyntaxException(text, pos, s, "bad MAC address", "a MAC address like 01:23:45:67:89:ab");
            }
            v = v << 8 | Integer.parseInt(p, 16);
        }
        return v;
    }

    static long ipv4(String s, String text, int pos) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new FlowSyntaxException(text, pos, s, "bad IPv4 address", "an IPv4 address like 192.0.2.1");
        }
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                throw new FlowSyntaxException(text, pos, s, "bad IPv4 address", "an IPv4 address like 192.0.2.1");
            }
            v = v << 8 | Integer.parseInt(p);
        }
        return v;
    }

    /** A prefix length as a mask of {@code bits} bits: {high, low}. */
    static long[] prefix(String s, int bits, String text, int pos) {
        if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(Character::isDigit) || Integer.parseInt(s) > bits) {
            throw new FlowSyntaxException(text, pos, s, "bad prefix length", "a prefix length in 0.." + bits
                    + " or a mask");
        }
        int n = Integer.parseInt(s);
        if (bits == 32) {
            return new long[] {0, n == 0 ? 0 : (0xffff_ffffL << (32 - n)) & 0xffff_ffffL};
        }
        long hi = n == 0 ? 0 : n >= 64 ? -1L : -1L << (64 - n);
        long lo = n <= 64 ? 0 : n == 128 ? -1L : -1L << (128 - n);
        return new long[] {hi, lo};
    }

    /** An IPv6 address: {high 64 bits, low 64 bits}. */
    static long[] ipv6(String s, String text, int pos) {
        FlowSyntaxException bad = new FlowSyntaxException(text, pos, s, "bad IPv6 address",
                "an IPv6 address like 2001:db8::1");
        int[] groups = new int[8];
        String head = s;
        String tail = "";
        int dc = s.indexOf("::");
        if (dc >= 0) {
            head = s.substring(0, dc);
            tail = s.substring(dc + 2);
            if (tail.contains("::")) {
                throw bad;
            }
        }
        int[] h = groups(head, bad, dc < 0 || tail.isEmpty());
        int[] t = dc < 0 ? new int[0] : groups(tail, bad, true);
        if (dc < 0 ? h.length != 8 : h.length + t.length > 7) {
            throw bad;
        }
        System.arraycopy(h, 0, groups, 0, h.length);
        System.arraycopy(t, 0, groups, 8 - t.length, t.length);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++) {
            hi = hi << 16 | groups[i];
            lo = lo << 16 | groups[i + 4];
        }
        return new long[] {hi, lo};
    }

    /** Colon-separated hex groups; the last may be a dotted IPv4 address (two groups) when {@code last}. */
    private static int[] groups(String s, FlowSyntaxException bad, boolean last) {
        if (s.isEmpty()) {
            return new int[0];
        }
        String[] parts = s.split(":", -1);
        int n = parts.length;
        boolean v4 = last && parts[n - 1].indexOf('.') >= 0;
        int[] out = new int[v4 ? n + 1 : n];
        for (int i = 0; i < n; i++) {
            String p = parts[i];
            if (v4 && i == n - 1) {
                long a;
                try {
                    a = ipv4(p, "", 0);
                } catch (FlowSyntaxException e) {
                    throw bad;
                }
                out[i] = (int) (a >>> 16);
                out[i + 1] = (int) (a & 0xffff);
            } else if (p.isEmpty() || p.length() > 4 || !isHex(p)) {
                throw bad;
            } else {
                out[i] = Integer.parseInt(p, 16);
            }
        }
        return out;
    }

    private static boolean isHex(String p) {
        for (int i = 0; i < p.length(); i++) {
            if (Character.digit(p.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** A port: a number or a reserved port's name (LOCAL, IN_PORT, CONTROLLER, NORMAL, FLOOD, ALL, TABLE, ANY). */
    static long port(String s, String text, int pos) {
        long reserved = reservedPort(s);
        if (reserved >= 0) {
            return reserved;
        }
        if (s.isEmpty() || !Character.isDigit(s.charAt(0))) {
            throw new FlowSyntaxException(text, pos, s, "unknown port", "a port number or one of LOCAL, IN_PORT,"
                    + " CONTROLLER, NORMAL, FLOOD, ALL, TABLE, ANY");
        }
        return bounded(s, 0xffff_ffffL, "port", text, pos);
    }

    /** The number of a reserved port name (case-insensitive, as OVS), or -1. */
    static long reservedPort(String s) {
        return switch (s.toUpperCase(Locale.ROOT)) {
            case "LOCAL" -> OfPort.LOCAL;
            case "IN_PORT" -> OfPort.IN_PORT;
            case "CONTROLLER" -> OfPort.CONTROLLER;
            case "NORMAL" -> OfPort.NORMAL;
            case "FLOOD" -> OfPort.FLOOD;
            case "ALL" -> OfPort.ALL;
            case "TABLE" -> OfPort.TABLE;
            case "ANY", "NONE" -> OfPort.ANY;
            default -> -1;
        };
    }

    // ip_frag: FLOW_NW_FRAG_ANY = 1, FLOW_NW_FRAG_LATER = 2; the names and their value/mask as in OVS.
    private static final String[] FRAG_NAMES = {"no", "first", "later", "no", "yes", "not_later"};
    private static final int[] FRAG_MASKS = {3, 3, 3, 1, 1, 2};
    private static final int[] FRAG_VALUES = {0, 1, 3, 0, 1, 0};

    static Val frag(String s, String text, int pos) {
        for (int i = 0; i < FRAG_NAMES.length; i++) {
            if (FRAG_NAMES[i].equals(s)) {
                return new Val(0, FRAG_VALUES[i], 0, FRAG_MASKS[i]);
            }
        }
        if (!s.isEmpty() && Character.isDigit(s.charAt(0))) {
            int slash = s.indexOf('/');
            long v = integer(slash < 0 ? s : s.substring(0, slash), text, pos);
            long m = slash < 0 ? 3 : integer(s.substring(slash + 1), text, pos + slash + 1);
            return new Val(0, v, 0, m);
        }
        throw new FlowSyntaxException(text, pos, s, "unknown fragment type",
                "one of no, yes, first, later, not_later (or value/mask)");
    }

    /** The OVS name of an ip_frag value/mask when parsing that name gives it back, else {@code 0xV/0xM}. */
    static String formatFrag(long v, long m) {
        for (int i = 0; i < FRAG_NAMES.length; i++) {
            if (FRAG_VALUES[i] == v && FRAG_MASKS[i] == m) {
                Val back = frag(FRAG_NAMES[i], "", 0);
                if (back.value() == v && back.mask() == m) {
                    return FRAG_NAMES[i];
                }
                break;
            }
        }
        return "0x" + Long.toHexString(v) + "/0x" + Long.toHexString(m);
    }

    private static final String[] TCP_FLAG_NAMES = {"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns"};

    /** The name of TCP flag bit {@code bit} as OVS prints it ({@code [200]} for bits without a name). */
    private static String tcpFlagName(int bit) {
        return bit < TCP_FLAG_NAMES.length ? TCP_FLAG_NAMES[bit] : "[" + Integer.toHexString(1 << bit) + "]";
    }

    private static int tcpFlagBit(String name) {
        for (int b = 0; b < 12; b++) {
            if (tcpFlagName(b).equals(name)) {
                return b;
            }
        }
        return -1;
    }

    /** {@code +syn-ack} (masked), {@code syn|ack} (exact), {@code 0x12/0xff} or a number. */
    static Val tcpFlags(String s, String text, int pos) {
        if (!s.isEmpty() && Character.isDigit(s.charAt(0))) {
            int slash = s.indexOf('/');
            long v = integer(slash < 0 ? s : s.substring(0, slash), text, pos);
            long m = slash < 0 ? 0xfff : integer(s.substring(slash + 1), text, pos + slash + 1);
            return new Val(0, v, 0, m);
        }
        String expected = "tcp_flags as +flag-flag (fin, syn, rst, psh, ack, urg, ece, cwr, ns), flag|flag or a number";
        if (s.startsWith("+") || s.startsWith("-")) {
            long v = 0;
            long m = 0;
            int i = 0;
            while (i < s.length()) {
                char sign = s.charAt(i);
                if (sign != '+' && sign != '-') {
                    throw new FlowSyntaxException(text, pos + i, s.substring(i), "bad tcp_flags", expected);
                }
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != '+' && s.charAt(j) != '-') {
                    j++;
                }
                int bit = tcpFlagBit(s.substring(i + 1, j));
                if (bit < 0 || (m & 1L << bit) != 0) {
                    throw new FlowSyntaxException(text, pos + i + 1, s.substring(i + 1, j),
                            bit < 0 ? "unknown TCP flag" : "TCP flag given twice", expected);
                }
                m |= 1L << bit;
                if (sign == '+') {
                    v |= 1L << bit;
                }
                i = j;
            }
            return new Val(0, v, 0, m);
        }
        long v = 0;
        int start = 0;
        for (String name : s.split("\\|", -1)) {
            int bit = tcpFlagBit(name);
            if (bit < 0) {
                throw new FlowSyntaxException(text, pos + start, name, "unknown TCP flag", expected);
            }
            v |= 1L << bit;
            start += name.length() + 1;
        }
        return new Val(0, v, 0, 0xfff);
    }

    static String formatTcpFlags(long v, long m) {
        StringBuilder sb = new StringBuilder();
        if (m == 0) {
            return "0/0";
        }
        if (m == 0xfff) {
            if (v == 0) {
                return "0";
            }
            for (int b = 0; b < 12; b++) {
                if ((v & 1L << b) != 0) {
                    sb.append(sb.isEmpty() ? "" : "|").append(tcpFlagName(b));
                }
            }
            return sb.toString();
        }
        for (int b = 0; b < 12; b++) {
            if ((m & 1L << b) != 0) {
                sb.append((v & 1L << b) != 0 ? '+' : '-').append(tcpFlagName(b));
            }
        }
        return sb.toString();
    }

    // --- printing -----------------------------------------------------------------------------------------

    static String formatMac(long v) {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", v >>> 40 & 0xff, v >>> 32 & 0xff, v >>> 24 & 0xff,
                v >>> 16 & 0xff, v >>> 8 & 0xff, v & 0xff);
    }

    static String formatIpv4(long v) {
        return (v >>> 24 & 0xff) + "." + (v >>> 16 & 0xff) + "." + (v >>> 8 & 0xff) + "." + (v & 0xff);
    }

    /** IPv4 with its mask as OVS prints it: none when exact, {@code /len} for a prefix, else dotted. */
    static String formatIpv4Masked(long v, long m) {
        String a = formatIpv4(v);
        if (m == 0xffff_ffffL) {
            return a;
        }
        int len = Long.numberOfLeadingZeros(~m & 0xffff_ffffL) - 32;
        long asPrefix = len == 0 ? 0 : (0xffff_ffffL << (32 - len)) & 0xffff_ffffL;
        return a + "/" + (asPrefix == m ? Integer.toString(len) : formatIpv4(m));
    }

    /** IPv6 as glibc's inet_ntop prints it (the longest run of two or more zero groups becomes {@code ::}). */
    static String formatIpv6(long hi, long lo) {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i) & 0xffff);
            g[i + 4] = (int) (lo >>> (48 - 16 * i) & 0xffff);
        }
        int bestBase = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] == 0) {
                int j = i;
                while (j < 8 && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestBase = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestLen < 2) {
            bestBase = -1;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
                if (i == bestBase) {
                    sb.append(':');
                }
                continue;
            }
            if (i != 0) {
                sb.append(':');
            }
            // An IPv4-compatible or -mapped address ends in dotted form, as inet_ntop writes it.
            if (i == 6 && bestBase == 0 && (bestLen == 6 || bestLen == 5 && g[5] == 0xffff)) {
                sb.append(g[6] >>> 8).append('.').append(g[6] & 0xff).append('.').append(g[7] >>> 8).append('.')
                        .append(g[7] & 0xff);
                return sb.toString();
            }
            sb.append(Integer.toHexString(g[i]));
        }
        if (bestBase >= 0 && bestBase + bestLen == 8) {
            sb.append(':');
        }
        return sb.toString();
    }

    static String formatIpv6Masked(long hi, long lo, long mhi, long mlo) {
        String a = formatIpv6(hi, lo);
        if (mhi == -1L && mlo == -1L) {
            return a;
        }
        int len = mhi == -1L ? 64 + Long.numberOfLeadingZeros(~mlo) : Long.numberOfLeadingZeros(~mhi);
        long[] p = prefix(Integer.toString(len), 128, "", 0);
        return a + "/" + (p[0] == mhi && p[1] == mlo ? Integer.toString(len) : formatIpv6(mhi, mlo));
    }

    /** Hex as C's {@code %#x} writes it, which is how OVS prints hex fields: {@code 0} for zero, else {@code 0x...}. */
    static String hex(long high, long low) {
        if (high == 0) {
            return low == 0 ? "0" : "0x" + Long.toHexString(low);
        }
        return "0x" + Long.toHexString(high) + String.format("%016x", low);
    }

    /** A value of {@code f} as OVS's {@code mf_format} prints it (set_field, learn), with the mask unless exact. */
    static String format(MatchField f, long vh, long v, long mh, long m) {
        boolean exact = mh == f.widthMaskHigh() && m == f.widthMaskLow();
        return switch (kind(f)) {
            case MAC -> formatMac(v) + (exact ? "" : "/" + formatMac(m));
            case IPV4 -> formatIpv4Masked(v, m);
            case IPV6 -> formatIpv6Masked(vh, v, mh, m);
            case PORT -> exact ? OfPort.name(v) : hex(0, v) + "/" + hex(0, m);
            case FRAG -> formatFrag(v, m);
            case TCP_FLAGS -> formatTcpFlags(v, m);
            // OVS writes a masked decimal field as "0x%x/0x%x" (never C's %#x, so zero is 0x0).
            case DECIMAL -> exact ? Long.toUnsignedString(v) : "0x" + Long.toHexString(v) + "/0x" + Long.toHexString(m);
            case HEX -> hex(vh, v) + (exact ? "" : "/" + hex(mh, m));
        };
    }
}
