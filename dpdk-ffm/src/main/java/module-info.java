/**
 * DPDK ports for vswitch4j through the FFM API (no JNI, no C shim): the EAL ({@link org.vswitch4j.dpdk.Dpdk}),
 * mbuf pools as packet memory ({@link org.vswitch4j.dpdk.DpdkMemory}), ports by devargs
 * ({@link org.vswitch4j.dpdk.DpdkPort}) and poll threads pinned like Open vSwitch's {@code pmd-cpu-mask}
 * ({@link org.vswitch4j.dpdk.PmdCpuMask}). Needs DPDK 22.11 ({@code librte_*.so.23}) and
 * {@code --enable-native-access=org.vswitch4j.dpdk}.
 */
module org.vswitch4j.dpdk {
    requires transitive org.vswitch4j.core;

    exports org.vswitch4j.dpdk;
}
