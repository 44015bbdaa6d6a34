package org.vswitch4j.core.packet;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds Ethernet frames for tests and virtual hosts in a line or two, with correct lengths and checksums
 * unless told to break them.
 *
 * <pre>{@code
 * byte[] f = FrameBuilder.ethernet("02:00:00:00:00:01", "02:00:00:00:00:02")
 *         .vlan(10).ipv4("192.0.2.1", "192.0.2.2").udp(1000, 53).payload(18).build();
 * }</pre>
 *
 * <p>Every constructor-like method names the <b>source first</b>: {@code ethernet(src, dst)},
 * {@code ipv4(src, dst)}, {@code tcp(srcPort, dstPort)}. Headers are stacked in call order; each header's
 * "next" field (EtherType, IP protocol, IPv6 next header) is derived from the header that follows it
 * unless set explicitly. Modifiers ({@link #ttl}, {@link #df}, {@link #tcpFlags}, ...) apply to the most
 * recent header of their kind.
 *
 * <p>At {@link #build()}: IPv4 total length and header checksum, IPv6 payload length, UDP length, and the
 * TCP/UDP/ICMP/ICMPv6 checksums (pseudo-header from the nearest enclosing IP header) and SCTP's CRC32c
 * are computed; then
 * {@link #padTo} pads with zeros (not counted in any length), and {@link #truncate} cuts the frame. The
 * breakers ({@link #ihl}, {@link #totalLength}, {@link #payloadLength6}, {@link #badIpChecksum},
 * {@link #badL4Checksum}, {@link #truncate}) make malformed frames on purpose.
 *
 * <p>Not for the fast path: it allocates freely. Thread-safety: none; a builder belongs to one thread.
 */
public final class FrameBuilder {
    private final List<Layer> layers = new ArrayList<>();
    private int truncateAt = -1;
    private int padTo;

    private FrameBuilder() {
    }

    // ---- address parsing --------------------------------------------------------------------------------

    /** A MAC address such as {@code "02:00:00:00:00:01"} (also '-' separated) as the low 48 bits of a long. */
    public static long mac(String s) {
        String[] parts = s.split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("MAC address '" + s + "' must be six hex bytes like 02:00:00:00:00:01");
        }
        long v = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 2) {
                throw new IllegalArgumentException("MAC address '" + s + "' must be six hex bytes like 02:00:00:00:00:01");
            }
            v = (v << 8) | Integer.parseInt(part, 16);
        }
        return v;
    }

    /** A MAC address given as 6 bytes, as the low 48 bits of a long. */
    public static long mac(byte[] b) {
        if (b.length != 6) {
            throw new IllegalArgumentException("MAC address has " + b.length + " bytes; it must have 6");
        }
        long v = 0;
        for (byte x : b) {
            v = (v << 8) | (x & 0xFF);
        }
        return v;
    }

    /** An IPv4 address literal such as {@code "192.0.2.1"} as an int (network order, high byte first). */
    public static int ipv4(String s) {
        return ipv4(ipBytes(s, 4));
    }

    /** An IPv4 address given as 4 bytes, as an int. */
    public static int ipv4(byte[] b) {
        if (b.length != 4) {
            throw new IllegalArgumentException("IPv4 address has " + b.length + " bytes; it must have 4");
        }
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    /** An IPv6 address literal such as {@code "2001:db8::1"} as 16 bytes. */
    public static byte[] ipv6(String s) {
        return ipBytes(s, 16);
    }

    private static byte[] ipBytes(String s, int n) {
        InetAddress ia;
        try {
            ia = InetAddress.ofLiteral(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + s + "' is not an IP" + (n == 4 ? "v4" : "v6") + " address literal", e);
        }
        if (n == 4 && !(ia instanceof Inet4Address) || n == 16 && !(ia instanceof Inet6Address)) {
            throw new IllegalArgumentException("'" + s + "' is not an IP" + (n == 4 ? "v4" : "v6") + " address literal");
        }
        return ia.getAddress();
    }

    // ---- Ethernet and VLAN ------------------------------------------------------------------------------

    /** Starts a frame with an Ethernet header from {@code src} to {@code dst} (low 48 bits). */
    public static FrameBuilder ethernet(long src, long dst) {
        FrameBuilder b = new FrameBuilder();
        Eth e = new Eth();
        e.src = src & 0xFFFF_FFFF_FFFFL;
        e.dst = dst & 0xFFFF_FFFF_FFFFL;
        b.layers.add(e);
        return b;
    }

    /** {@link #ethernet(long, long)} with addresses as strings ({@code "02:00:00:00:00:01"}). */
    public static FrameBuilder ethernet(String src, String dst) {
        return ethernet(mac(src), mac(dst));
    }

    /** {@link #ethernet(long, long)} with 6-byte addresses. */
    public static FrameBuilder ethernet(byte[] src, byte[] dst) {
        return ethernet(mac(src), mac(dst));
    }

    /**
     * Sets the EtherType of the last Ethernet header or VLAN tag explicitly (otherwise it follows from the
     * next header, or is 0x88B5, the local experimental type, when nothing follows).
     */
    public FrameBuilder ethType(int type) {
        last(Tagged.class, "ethType").nextType = type & 0xFFFF;
        return this;
    }

    /**
     * Makes the frame 802.3: the Ethernet type field holds the length of what follows (so the frame must
     * have no VLAN tag); an LLC header is up to the caller ({@link #payload(byte[])}).
     */
    public FrameBuilder ethLength() {
        last(Eth.class, "ethLength").lengthField = true;
        return this;
    }

    /** Adds an 802.1Q tag (TPID 0x8100) with VLAN id {@code vid}, PCP 0, DEI 0. */
    public FrameBuilder vlan(int vid) {
        return vlan(0x8100, 0, 0, vid);
    }

    /** Adds a VLAN tag: {@code tpid} (0x8100 or 0x88a8, or anything for tests), pcp 0..7, dei 0..1, vid 0..4095. */
    public FrameBuilder vlan(int tpid, int pcp, int dei, int vid) {
        check("PCP", pcp, 7);
        check("DEI", dei, 1);
        check("VLAN id", vid, 4095);
        Vlan v = new Vlan();
        v.tpid = tpid & 0xFFFF;
        v.tci = (pcp << 13) | (dei << 12) | vid;
        layers.add(v);
        return this;
    }

    /** Adds an 802.1ad service tag (TPID 0x88a8) with VLAN id {@code vid}. */
    public FrameBuilder qinq(int vid) {
        return vlan(0x88A8, 0, 0, vid);
    }

    // ---- ARP --------------------------------------------------------------------------------------------

    /** Adds an Ethernet/IPv4 ARP message: op (1 request, 2 reply), sender and target addresses. */
    public FrameBuilder arp(int op, long sha, int spa, long tha, int tpa) {
        check("ARP opcode", op, 0xFFFF);
        Arp x = new Arp();
        x.op = op;
        x.sha = sha;
        x.spa = spa;
        x.tha = tha;
        x.tpa = tpa;
        layers.add(x);
        return this;
    }

    /** {@link #arp(int, long, int, long, int)} with string addresses. */
    public FrameBuilder arp(int op, String sha, String spa, String tha, String tpa) {
        return arp(op, mac(sha), ipv4(spa), mac(tha), ipv4(tpa));
    }

    /** Overrides the ARP hardware type, protocol type and address lengths of the last ARP message. */
    public FrameBuilder arpFormat(int htype, int ptype, int hlen, int plen) {
        Arp x = last(Arp.class, "arpFormat");
        x.htype = htype;
        x.ptype = ptype;
        x.hlen = hlen;
        x.plen = plen;
        return this;
    }

    // ---- IPv4 -------------------------------------------------------------------------------------------

    /** Adds an IPv4 header from {@code src} to {@code dst}; TTL 64, no options, protocol from what follows. */
    public FrameBuilder ipv4(int src, int dst) {
        Ip4 x = new Ip4();
        x.src = src;
        x.dst = dst;
        layers.add(x);
        return this;
    }

    /** {@link #ipv4(int, int)} with address literals. */
    public FrameBuilder ipv4(String src, String dst) {
        return ipv4(ipv4(src), ipv4(dst));
    }

    /** {@link #ipv4(int, int)} with 4-byte addresses. */
    public FrameBuilder ipv4(byte[] src, byte[] dst) {
        return ipv4(ipv4(src), ipv4(dst));
    }

    /** TTL of the last IPv4 header, or hop limit of the last IPv6 header, whichever came last. */
    public FrameBuilder ttl(int ttl) {
        check("TTL", ttl, 255);
        last(Ip.class, "ttl").ttl = ttl;
        return this;
    }

    /** DSCP (0..63) and ECN (0..3) of the last IP header (the IPv4 TOS byte or the IPv6 traffic class). */
    public FrameBuilder tos(int dscp, int ecn) {
        check("DSCP", dscp, 63);
        check("ECN", ecn, 3);
        last(Ip.class, "tos").tos = (dscp << 2) | ecn;
        return this;
    }

    /** Identification field of the last IPv4 header. */
    public FrameBuilder ipId(int id) {
        check("IP id", id, 0xFFFF);
        last(Ip4.class, "ipId").id = id;
        return this;
    }

    /** Sets the don't-fragment bit of the last IPv4 header. */
    public FrameBuilder df() {
        last(Ip4.class, "df").flags |= 2;
        return this;
    }

    /** Sets the more-fragments bit of the last IPv4 header. */
    public FrameBuilder mf() {
        last(Ip4.class, "mf").flags |= 1;
        return this;
    }

    /** Fragment offset of the last IPv4 header, in 8-byte units (0..8191). */
    public FrameBuilder fragOffset(int units) {
        check("fragment offset", units, 0x1FFF);
        last(Ip4.class, "fragOffset").fragOffset = units;
        return this;
    }

    /** IPv4 options of the last IPv4 header, padded with zeros (end of options) to a multiple of 4, ≤ 40. */
    public FrameBuilder ipOptions(byte[] options) {
        int padded = (options.length + 3) & ~3;
        if (padded > 40) {
            throw new IllegalArgumentException("IPv4 options of " + options.length + " bytes exceed the 40 allowed");
        }
        last(Ip4.class, "ipOptions").options = Arrays.copyOf(options, padded);
        return this;
    }

    /** Overrides the protocol (IPv4) or next-header (IPv6, or the last extension header) field. */
    public FrameBuilder ipProto(int proto) {
        check("IP protocol", proto, 255);
        last(Chained.class, "ipProto").nextProto = proto;
        return this;
    }

    /** Breaker: writes {@code ihl} (0..15) into the IHL field of the last IPv4 header instead of the right one. */
    public FrameBuilder ihl(int ihl) {
        check("IHL", ihl, 15);
        last(Ip4.class, "ihl").ihlOverride = ihl;
        return this;
    }

    /** Breaker: writes {@code len} into the total-length field of the last IPv4 header. */
    public FrameBuilder totalLength(int len) {
        check("total length", len, 0xFFFF);
        last(Ip4.class, "totalLength").lengthOverride = len;
        return this;
    }

    /** Breaker: stores a wrong header checksum in the last IPv4 header. */
    public FrameBuilder badIpChecksum() {
        last(Ip4.class, "badIpChecksum").badChecksum = true;
        return this;
    }

    /** Breaker: writes {@code version} (0..15) into the last IP header's version field. */
    public FrameBuilder ipVersion(int version) {
        check("IP version", version, 15);
        last(Ip.class, "ipVersion").versionOverride = version;
        return this;
    }

    // ---- IPv6 -------------------------------------------------------------------------------------------

    /** Adds an IPv6 header (16-byte addresses); hop limit 64, label 0, next header from what follows. */
    public FrameBuilder ipv6(byte[] src, byte[] dst) {
        if (src.length != 16 || dst.length != 16) {
            throw new IllegalArgumentException("IPv6 addresses must have 16 bytes, got " + src.length + " and " + dst.length);
        }
        Ip6 x = new Ip6();
        x.src = src.clone();
        x.dst = dst.clone();
        layers.add(x);
        return this;
    }

    /** {@link #ipv6(byte[], byte[])} with address literals. */
    public FrameBuilder ipv6(String src, String dst) {
        return ipv6(ipv6(src), ipv6(dst));
    }

    /** Flow label (0..0xFFFFF) of the last IPv6 header. */
    public FrameBuilder flowLabel(int label) {
        check("flow label", label, 0xFFFFF);
        last(Ip6.class, "flowLabel").label = label;
        return this;
    }

    /** Hop limit of the last IPv6 header (same as {@link #ttl}). */
    public FrameBuilder hopLimit(int hops) {
        check("hop limit", hops, 255);
        last(Ip6.class, "hopLimit").ttl = hops;
        return this;
    }

    /** Breaker: writes {@code len} into the payload-length field of the last IPv6 header. */
    public FrameBuilder payloadLength6(int len) {
        check("payload length", len, 0xFFFF);
        last(Ip6.class, "payloadLength6").lengthOverride = len;
        return this;
    }

    /** Adds an 8-byte hop-by-hop options header (one PadN option). */
    public FrameBuilder hopByHop() {
        return extension(0, 0);
    }

    /** Adds a routing header: routing type, segments left, and {@code hdrExtLen} extra 8-byte units of data. */
    public FrameBuilder routing(int routingType, int segmentsLeft, int hdrExtLen) {
        check("routing type", routingType, 255);
        check("segments left", segmentsLeft, 255);
        Ext6 x = extensionLayer(43, hdrExtLen);
        x.body[0] = (byte) routingType;
        x.body[1] = (byte) segmentsLeft;
        return this;
    }

    /** Adds an 8-byte destination options header (one PadN option). */
    public FrameBuilder destOptions() {
        return extension(60, 0);
    }

    /**
     * Adds an options-style extension header of protocol number {@code type} (0 hop-by-hop, 43 routing,
     * 60 destination options) with the given Hdr Ext Len (total length {@code (hdrExtLen+1)*8}); the
     * options area holds one PadN option.
     */
    public FrameBuilder extension(int type, int hdrExtLen) {
        extensionLayer(type, hdrExtLen);
        return this;
    }

    /** Adds an authentication header with {@code payloadLen} (total length {@code (payloadLen+2)*4}). */
    public FrameBuilder ah(int payloadLen) {
        check("AH payload length", payloadLen, 255);
        Ext6 x = new Ext6();
        x.type = 51;
        x.hdrLenField = payloadLen;
        x.body = new byte[(payloadLen + 2) * 4 - 2];
        layers.add(x);
        return this;
    }

    /** Adds an IPv6 fragment header: offset in 8-byte units (0..8191), more-fragments flag, identification. */
    public FrameBuilder fragment6(int offsetUnits, boolean more, int id) {
        check("fragment offset", offsetUnits, 0x1FFF);
        Ext6 x = new Ext6();
        x.type = 44;
        x.hdrLenField = 0;  // reserved
        x.body = new byte[6];
        int offlg = (offsetUnits << 3) | (more ? 1 : 0);
        x.body[0] = (byte) (offlg >>> 8);
        x.body[1] = (byte) offlg;
        x.body[2] = (byte) (id >>> 24);
        x.body[3] = (byte) (id >>> 16);
        x.body[4] = (byte) (id >>> 8);
        x.body[5] = (byte) id;
        layers.add(x);
        return this;
    }

    private Ext6 extensionLayer(int type, int hdrExtLen) {
        check("Hdr Ext Len", hdrExtLen, 255);
        Ext6 x = new Ext6();
        x.type = type & 0xFF;
        x.hdrLenField = hdrExtLen;
        x.body = new byte[(hdrExtLen + 1) * 8 - 2];
        if (type != 43) {
            x.body[0] = 1;  // PadN covering the rest of the options area
            x.body[1] = (byte) (x.body.length - 2);
        }
        layers.add(x);
        return x;
    }

    // ---- ICMP -------------------------------------------------------------------------------------------

    /** Adds an ICMPv4 header of {@code type}/{@code code} with a zero rest-of-header. */
    public FrameBuilder icmp4(int type, int code) {
        return icmp(1, type, code, 0);
    }

    /** Adds an ICMPv4 echo request (type 8) with identifier and sequence number. */
    public FrameBuilder icmp4Echo(int id, int seq) {
        return icmp(1, 8, 0, ((id & 0xFFFF) << 16) | (seq & 0xFFFF));
    }

    /** Adds an ICMPv4 echo reply (type 0) with identifier and sequence number. */
    public FrameBuilder icmp4EchoReply(int id, int seq) {
        return icmp(1, 0, 0, ((id & 0xFFFF) << 16) | (seq & 0xFFFF));
    }

    /** Adds an ICMPv6 header of {@code type}/{@code code} with a zero rest-of-header. */
    public FrameBuilder icmp6(int type, int code) {
        return icmp(58, type, code, 0);
    }

    /** Adds an ICMPv6 echo request (type 128). */
    public FrameBuilder icmp6Echo(int id, int seq) {
        return icmp(58, 128, 0, ((id & 0xFFFF) << 16) | (seq & 0xFFFF));
    }

    /** Adds an ICMPv6 echo reply (type 129). */
    public FrameBuilder icmp6EchoReply(int id, int seq) {
        return icmp(58, 129, 0, ((id & 0xFFFF) << 16) | (seq & 0xFFFF));
    }

    /** Adds an ICMPv6 neighbor solicitation (type 135) for {@code target}; add options with {@link #sll}. */
    public FrameBuilder ndNs(byte[] target) {
        icmp(58, 135, 0, 0);
        last(Icmp.class, "ndNs").target = target16(target);
        return this;
    }

    /** {@link #ndNs(byte[])} with an address literal. */
    public FrameBuilder ndNs(String target) {
        return ndNs(ipv6(target));
    }

    /**
     * Adds an ICMPv6 neighbor advertisement (type 136) for {@code target} with the R/S/O flags in the top
     * three bits of {@code flags} (e.g. 0x60000000 = solicited + override); add options with {@link #tll}.
     */
    public FrameBuilder ndNa(byte[] target, int flags) {
        icmp(58, 136, 0, flags & 0xE000_0000);
        last(Icmp.class, "ndNa").target = target16(target);
        return this;
    }

    /** {@link #ndNa(byte[], int)} with an address literal. */
    public FrameBuilder ndNa(String target, int flags) {
        return ndNa(ipv6(target), flags);
    }

    /** Appends a source link-layer address option (type 1) to the last ICMPv6 message. */
    public FrameBuilder sll(long mac) {
        return ndOption(1, macBytes(mac));
    }

    /** Appends a target link-layer address option (type 2) to the last ICMPv6 message. */
    public FrameBuilder tll(long mac) {
        return ndOption(2, macBytes(mac));
    }

    /**
     * Appends an ND option of {@code type} with {@code value}, padded to a multiple of 8 bytes with its
     * length field set accordingly.
     */
    public FrameBuilder ndOption(int type, byte[] value) {
        int total = (value.length + 2 + 7) & ~7;
        byte[] opt = new byte[total];
        opt[0] = (byte) type;
        opt[1] = (byte) (total / 8);
        System.arraycopy(value, 0, opt, 2, value.length);
        return ndOptionRaw(opt);
    }

    /** Breaker-friendly: appends raw option bytes (type, length and value as given) to the last ICMPv6 message. */
    public FrameBuilder ndOptionRaw(byte[] bytes) {
        Icmp x = last(Icmp.class, "ndOption");
        byte[] o = Arrays.copyOf(x.options, x.options.length + bytes.length);
        System.arraycopy(bytes, 0, o, x.options.length, bytes.length);
        x.options = o;
        return this;
    }

    private FrameBuilder icmp(int proto, int type, int code, int rest) {
        check("ICMP type", type, 255);
        check("ICMP code", code, 255);
        Icmp x = new Icmp();
        x.proto = proto;
        x.type = type;
        x.code = code;
        x.rest = rest;
        layers.add(x);
        return this;
    }

    // ---- TCP, UDP, SCTP ----------------------------------------------------------------------------------

    /** Adds a TCP header (20 bytes, flags 0). */
    public FrameBuilder tcp(int srcPort, int dstPort) {
        return tcp(srcPort, dstPort, 0);
    }

    /** Adds a TCP header with the 12 flag bits {@code flags} (e.g. 0x002 SYN, 0x012 SYN+ACK). */
    public FrameBuilder tcp(int srcPort, int dstPort, int flags) {
        check("TCP flags", flags, 0x0FFF);
        Tcp x = new Tcp();
        x.sport = port(srcPort);
        x.dport = port(dstPort);
        x.flags = flags;
        layers.add(x);
        return this;
    }

    /** Sets the 12 flag bits of the last TCP header. */
    public FrameBuilder tcpFlags(int flags) {
        check("TCP flags", flags, 0x0FFF);
        last(Tcp.class, "tcpFlags").flags = flags;
        return this;
    }

    /** Sequence and acknowledgement numbers of the last TCP header. */
    public FrameBuilder tcpSeq(int seq, int ack) {
        Tcp x = last(Tcp.class, "tcpSeq");
        x.seq = seq;
        x.ack = ack;
        return this;
    }

    /** TCP options of the last TCP header, padded with zeros to a multiple of 4, ≤ 40. */
    public FrameBuilder tcpOptions(byte[] options) {
        int padded = (options.length + 3) & ~3;
        if (padded > 40) {
            throw new IllegalArgumentException("TCP options of " + options.length + " bytes exceed the 40 allowed");
        }
        last(Tcp.class, "tcpOptions").options = Arrays.copyOf(options, padded);
        return this;
    }

    /** Breaker: writes {@code words} (0..15) into the data-offset field of the last TCP header. */
    public FrameBuilder tcpDataOffset(int words) {
        check("TCP data offset", words, 15);
        last(Tcp.class, "tcpDataOffset").doffOverride = words;
        return this;
    }

    /** Adds a UDP header. */
    public FrameBuilder udp(int srcPort, int dstPort) {
        Udp x = new Udp();
        x.sport = port(srcPort);
        x.dport = port(dstPort);
        layers.add(x);
        return this;
    }

    /** Adds an SCTP common header (12 bytes, verification tag 0, CRC32c checksum over what follows). */
    public FrameBuilder sctp(int srcPort, int dstPort) {
        Sctp x = new Sctp();
        x.sport = port(srcPort);
        x.dport = port(dstPort);
        layers.add(x);
        return this;
    }

    /** Breaker: stores a wrong checksum in the last TCP, UDP, SCTP, ICMP or ICMPv6 header. */
    public FrameBuilder badL4Checksum() {
        last(L4.class, "badL4Checksum").badChecksum = true;
        return this;
    }

    // ---- payload and breakers ---------------------------------------------------------------------------

    /** Appends {@code n} payload bytes (0, 1, 2, ... modulo 256). */
    public FrameBuilder payload(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("payload length " + n + " must be >= 0");
        }
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return payload(b);
    }

    /** Appends {@code bytes} as payload. */
    public FrameBuilder payload(byte[] bytes) {
        Raw x = new Raw();
        x.bytes = bytes.clone();
        layers.add(x);
        return this;
    }

    /** Pads the built frame with zero bytes to at least {@code n} bytes (like Ethernet's 60-byte minimum). */
    public FrameBuilder padTo(int n) {
        this.padTo = n;
        return this;
    }

    /** Breaker: cuts the built frame to its first {@code n} bytes (after padding). */
    public FrameBuilder truncate(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("truncation length " + n + " must be >= 0");
        }
        this.truncateAt = n;
        return this;
    }

    // ---- output -----------------------------------------------------------------------------------------

    /** The frame's bytes. The builder may be changed and built again. */
    public byte[] build() {
        int n = layers.size();
        int[] at = new int[n + 1];
        for (int i = 0; i < n; i++) {
            at[i + 1] = at[i] + layers.get(i).headerLength();
        }
        int end = at[n];
        byte[] f = new byte[Math.max(end, padTo)];
        for (int i = 0; i < n; i++) {
            layers.get(i).write(f, at[i], i + 1 < n ? layers.get(i + 1) : null, end);
        }
        // Checksums inside out, so an outer checksum (ICMP error carrying a segment, tunnels) covers inner ones.
        for (int i = n - 1; i >= 0; i--) {
            if (layers.get(i) instanceof Sctp sctp) {
                sctpChecksum(f, sctp, at[i], end);
            } else if (layers.get(i) instanceof L4 l4) {
                l4Checksum(f, l4, at[i], end, enclosingIp(i), at);
            }
        }
        for (int i = 0; i < n; i++) {
            if (layers.get(i) instanceof Ip4 ip) {
                ip.checksum(f, at[i]);
            }
        }
        if (truncateAt >= 0 && truncateAt < f.length) {
            f = Arrays.copyOf(f, truncateAt);
        }
        return f;
    }

    /** Writes the frame into the bound packet {@code p} at its data offset and sets its length. */
    public Packet writeTo(Packet p) {
        byte[] f = build();
        p.length(f.length);
        p.write(0, f, 0, f.length);
        return p;
    }

    /** Allocates a buffer from {@code memory}, binds {@code p} to it and writes the frame; false when none is free. */
    public boolean writeTo(PacketMemory memory, Packet p) {
        long h = memory.allocate();
        if (h < 0) {
            return false;
        }
        p.bindEmpty(memory, h);
        writeTo(p);
        return true;
    }

    private void l4Checksum(byte[] f, L4 l4, int off, int end, int ipIndex, int[] at) {
        int proto = l4.proto();
        int len = end - off;
        long pseudo = 0;
        if (proto != 1 && ipIndex >= 0) {
            if (layers.get(ipIndex) instanceof Ip4 ip) {
                pseudo = Checksums.pseudoHeaderV4(ip.src, ip.dst, proto, len);
            } else {
                pseudo = Checksums.pseudoHeaderV6(f, at[ipIndex], proto, len);
            }
        }
        int c = Checksums.l4(f, off, len, proto, pseudo);
        put16(f, off + Checksums.checksumOffset(proto), l4.badChecksum ? c ^ 0x5555 : c);
    }

    /** RFC 4960 appendix B: CRC32c over the packet with the field zero, its bytes stored least significant first. */
    private static void sctpChecksum(byte[] f, Sctp x, int off, int end) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(f, off, end - off);
        int c = (int) crc.getValue() ^ (x.badChecksum ? 0x5555 : 0);
        f[off + 8] = (byte) c;
        f[off + 9] = (byte) (c >>> 8);
        f[off + 10] = (byte) (c >>> 16);
        f[off + 11] = (byte) (c >>> 24);
    }

    private int enclosingIp(int i) {
        for (int j = i - 1; j >= 0; j--) {
            if (layers.get(j) instanceof Ip) {
                return j;
            }
        }
        return -1;
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private <T> T last(Class<T> kind, String what) {
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer l = layers.get(i);
            if (kind.isInstance(l)) {
                return kind.cast(l);
            }
        }
        throw new IllegalStateException(what + "() needs a preceding " + kind.getSimpleName() + " header");
    }

    private static void check(String what, int v, int max) {
        if (v < 0 || v > max) {
            throw new IllegalArgumentException(what + " " + v + " is outside 0.." + max);
        }
    }

    private static int port(int p) {
        check("port", p, 0xFFFF);
        return p;
    }

    private static byte[] target16(byte[] t) {
        if (t.length != 16) {
            throw new IllegalArgumentException("ND target has " + t.length + " bytes; it must have 16");
        }
        return t.clone();
    }

    private static byte[] macBytes(long mac) {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (mac >>> (40 - 8 * i));
        }
        return b;
    }

    private static void put16(byte[] f, int off, int v) {
        f[off] = (byte) (v >>> 8);
        f[off + 1] = (byte) v;
    }

    private static void put32(byte[] f, int off, int v) {
        f[off] = (byte) (v >>> 24);
        f[off + 1] = (byte) (v >>> 16);
        f[off + 2] = (byte) (v >>> 8);
        f[off + 3] = (byte) v;
    }

    private static void put48(byte[] f, int off, long v) {
        for (int i = 0; i < 6; i++) {
            f[off + i] = (byte) (v >>> (40 - 8 * i));
        }
    }

    /** The EtherType announcing {@code next}, or -1 when it is no L3 header. */
    private static int etherTypeOf(Layer next) {
        return switch (next) {
            case null -> -1;
            case Vlan v -> v.tpid;
            case Ip4 x -> 0x0800;
            case Ip6 x -> 0x86DD;
            case Arp x -> 0x0806;
            default -> -1;
        };
    }

    /** The IP protocol number announcing {@code next}, or -1. */
    private static int protoOf(Layer next) {
        return switch (next) {
            case null -> -1;
            case Ip4 x -> 4;
            case Ip6 x -> 41;
            case Ext6 x -> x.type;
            case Icmp x -> x.proto;
            case Tcp x -> 6;
            case Udp x -> 17;
            case Sctp x -> 132;
            default -> -1;
        };
    }

    // ---- layers -----------------------------------------------------------------------------------------

    private sealed interface Layer permits Tagged, Arp, Chained, L4, Raw {
        int headerLength();

        /** Writes this header at {@code off}; {@code end} is where the last header ends (before padding). */
        void write(byte[] f, int off, Layer next, int end);
    }

    /** A header ending in an EtherType (Ethernet, VLAN tag). */
    private abstract static sealed class Tagged implements Layer permits Eth, Vlan {
        int nextType = -1;

        int typeFor(Layer next) {
            if (nextType >= 0) {
                return nextType;
            }
            int t = etherTypeOf(next);
            return t >= 0 ? t : 0x88B5;
        }
    }

    private static final class Eth extends Tagged {
        long src;
        long dst;
        boolean lengthField;

        @Override
        public int headerLength() {
            return 14;
        }

        @Override
        public void write(byte[] f, int off, Layer next, int end) {
            put48(f, off, dst);
            put48(f, off + 6, src);
            put16(f, off + 12, lengthField ? end - off - 14 : typeFor(next));
        }
    }

    private static final class Vlan extends Tagged {
        int tpid;
        int tci;

        @Override
        public int headerLength() {
            return 4;
        }

        /** Writes the TCI and the next type at {@code off}; the TPID is the previous header's type field. */
        @Override
        public void write(byte[] f, int off, Layer next, int end) {
            put16(f, off, tci);
            put16(f, off + 2, typeFor(next));
        }
    }

    private static final class Arp implements Layer {
        int htype = 1;
        int ptype = 0x0800;
        int hlen = 6;
        int plen = 4;
        int op;
        long sha;
        int spa;
        long tha;
        int tpa;

        @Override
        public int headerLength() {
            return 28;
        }

        @Override
        public void write(byte[] f, int off, Layer next, int end) {
            put16(f, off, htype);
            put16(f, off + 2, ptype);
            f[off + 4] = (byte) hlen;
            f[off + 5] = (byte) plen;
            put16(f, off + 6, op);
            put48(f, off + 8, sha);
            put32(f, off + 14, spa);
            put48(f, off + 18, tha);
            put32(f, off + 24, tpa);
        }
    }

    /** A header with a next-protocol field (IP headers, IPv6 extension headers). */
    private abstract static sealed class Chained implements Layer permits Ip, Ext6 {
        int nextProto = -1;

        int protoFor(Layer next) {
            if (nextProto >= 0) {
                return nextProto;
            }
            int p = protoOf(next);
            return p >= 0 ? p : 59;  // IPv6 "no next header"; for IPv4 an unassigned-looking but harmless value
        }
    }

    private abstract static sealed class Ip extends Chained permits Ip4, Ip6 {
        int ttl = 64;
        int tos;
        int versionOverride = -1;
        int lengthOverride = -1;
    }

    private static final class Ip4 extends Ip {
        int src;
        int dst;
        int id;
        int flags;
        int fragOffset;
        byte[] options = new byte[0];
        int ihlOverride = -1;
        boolean badChecksum;

        @Override
        public int headerLength() {
            return 20 + options.length;
        }

        @Override
        public void write(byte[] f, int off, Layer next, int end) {
            int ver = versionOverride >= 0 ? versionOverride : 4;
            int ihl = ihlOverride >= 0 ? ihlOverride : headerLength() / 4;
            f[off] = (byte) ((ver << 4) | ihl);
            f[off + 1] = (byte) tos;
            put16(f, off + 2, lengthOverride >= 0 ? lengthOverride : end - off);
            put16(f, off + 4, id);
            put16(f, off + 6, (flags << 13) | fragOffset);
            f[off + 8] = (byte) ttl;
            f[off + 9] = (byte) protoFor(next);
            put32(f, off + 12, src);
            put32(f, off + 16, dst);
            System.arraycopy(options, 0, f, off + 20, options.length);
        }

        void checksum(byte[] f, int off) {
            // The real header length, whatever a breaker wrote into IHL.
            int hl = headerLength();
            f[off + 10] = 0;
            f[off + 11] = 0;
            int c = Checksums.checksum(f, off, hl);
            put16(f, off + 10, badChecksum ? c ^ 0x5555 : c);
        }

    }

    private static final class Ip6 extends Ip {
        byte[] src;
        byte[] dst;
        int label;

        @Override
        public int headerLength() {
            return 40;
        }

        @Override
        public void write(byte[] f, int off, Layer next, int end) {
            int ver = versionOverride >= 0 ? versionOverride : 6;
            put32(f, off, (ver << 28) | (tos << 20) | label);
            put16(f, off + 4, lengthOverride >= 0 ? lengthOverride : end - off - 40);
            f[off + 6] = (byte) protoFor(next);
            f[off + 7] = (byte) ttl;
            System.arraycopy(src, 0, f, off + 8, 16);
            System.arraycopy(dst, 0, f, off + 24, 16);
        }
    }

    private static final class Ext6 extends Chained {
        int type;
        int hdrLenField;
        byte[] body;

        @Override
        public int headerLength() {
            return 2 + body.length;
        }

        @Override
        public void write(byte[] f, int off, Layer next, int end) {
            f[off] = (byte) protoFor(next);
            f[off + 1] = (byte) hdrLenField;
            System.arraycopy(body, 0, f, off + 2, body.length);
        }
    }

    /** An L4 header with a checksum computed at build time. */
    private abstract static sealed class L4 implements Layer permits Icmp, Tcp, Udp, Sctp {
        boolean badChecksum;

        abstract int proto();
    }

    private static final class Icmp extends L4 {
        int proto;
        int type;
        int code;
        int rest;
        byte[] target;
        byte[] options = new byte[0];

        @Override
        int proto() {
            return proto;
        }

        @Override
        public int headerLength() {
            return 8 + (target == null ? 0 : 16) + options.length;
        }

        @Override
        public void write(byte[] f, int off, Layer next, int end) {
            f[off] = (byte) type;
            f[off + 1] = (byte) code;
            put32(f, off + 4, rest);
            int o = off + 8;
            if (target != null) {
                System.arraycopy(target, 0, f, o, 16);
                o += 16;
            }
            System.arraycopy(options, 0, f, o, options.length);
        }
    }

    private static final class Tcp extends L4 {
        int sport;
        int dport;
        int seq;
        int ack;
        int flags;
        byte[] options = new byte[0];
        int doffOverride = -1;

        @Override
        int proto() {
            return 6;
        }

        @Override
        public int headerLength() {
            return 20 + options.length;
        }

        @Override
        public void write(byte[] f, int off, Layer next, int end) {
            put16(f, off, sport);
            put16(f, off + 2, dport);
            put32(f, off + 4, seq);
            put32(f, off + 8, ack);
            int doff = doffOverride >= 0 ? doffOverride : headerLength() / 4;
            put16(f, off + 12, (doff << 12) | flags);
            put16(f, off + 14, 65535);
            System.arraycopy(options, 0, f, off + 20, options.length);
        }
    }

    private static final class Udp extends L4 {
        int sport;
        int dport;

        @Override
        int proto() {
            return 17;
        }

        @Override
        public int headerLength() {
            return 8;
        }

        @Override
        public void write(byte[] f, int off, Layer next, int end) {
            put16(f, off, sport);
            put16(f, off + 2, dport);
            put16(f, off + 4, end - off);
        }
    }

    private static final class Sctp extends L4 {
        int sport;
        int dport;

        @Override
        int proto() {
            return 132;
        }

        @Override
        public int headerLength() {
            return 12;
        }

        @Override
        public void write(byte[] f, int off, Layer next, int end) {
            put16(f, off, sport);
            put16(f, off + 2, dport);
        }
    }

    private static final class Raw implements Layer {
        byte[] bytes;

        @Override
        public int headerLength() {
            return bytes.length;
        }

        @Override
        public void write(byte[] f, int off, Layer next, int end) {
            System.arraycopy(bytes, 0, f, off, bytes.length);
        }
    }
}
