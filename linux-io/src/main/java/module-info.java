/**
 * vswitch4j's Linux ports: TAP devices and AF_XDP sockets, driven through the FFM API (libc and the
 * {@code bpf()} system call; no JNI, no C shim). The bindings live in a package this module does not export.
 */
module org.vswitch4j.io.linux {
    requires transitive org.vswitch4j.core;
    exports org.vswitch4j.io.linux;
}
