/**
 * vswitch4j's core: packet buffers and parsing, the datapath (exact-match and megaflow caches, datapath
 * actions, poll threads), the L2 learning bridge with 802.1Q VLANs, the port SPI and in-process ports.
 * Depends on {@code java.base} only.
 */
module org.vswitch4j.core {
    exports org.vswitch4j.core.packet;
    exports org.vswitch4j.core.key;
    exports org.vswitch4j.core.ring;
    exports org.vswitch4j.core.port;
    exports org.vswitch4j.core.datapath;
    exports org.vswitch4j.core.time;
    exports org.vswitch4j.core.pcap;
}
