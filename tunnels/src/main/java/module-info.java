/**
 * vswitch4j's tunnels: VXLAN (RFC 7348), GRE (RFC 2784/2890) and Geneve (RFC 8926) header codecs, tunnel ports
 * with Open vSwitch's options (fixed or flow-based remote and key), and the kernel UDP socket underlay on Netty.
 */
module org.vswitch4j.tunnel {
    requires transitive org.vswitch4j.core;
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.classes.io_uring;
    requires io.netty.transport.unix.common;

    exports org.vswitch4j.tunnel;
}
