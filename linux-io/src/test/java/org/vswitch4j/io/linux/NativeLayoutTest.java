package org.vswitch4j.io.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vswitch4j.io.linux.internal.Bpf;
import org.vswitch4j.io.linux.internal.IoUring;
import org.vswitch4j.io.linux.internal.Libc;
import org.vswitch4j.io.linux.internal.NetDevice;
import org.vswitch4j.io.linux.internal.Tun;
import org.vswitch4j.io.linux.internal.VnetHeader;

/**
 * The hand-written FFM bindings against the C headers: a small C program, compiled here with gcc against
 * /usr/include (linux/if_xdp.h, linux/bpf.h, linux/if_tun.h, linux/virtio_net.h, linux/io_uring.h, net/if.h, sys/epoll.h …), prints every constant,
 * structure size and field offset the bindings use; each must equal the Java side. Needs gcc and the kernel
 * headers (skips with a message without them; fails under CI=true, where .ci/run installs them).
 */
class NativeLayoutTest {
    @TempDir
    Path dir;

    @Test
    void everyConstantSizeAndOffsetTheBindingsUseMatchesTheCHeaders() throws Exception {
        Map<String, Long> java = new LinkedHashMap<>();
        // errno and flags (Libc)
        java.put("EPERM", (long) Libc.EPERM);
        java.put("ENOENT", (long) Libc.ENOENT);
        java.put("EINTR", (long) Libc.EINTR);
        java.put("EIO", (long) Libc.EIO);
        java.put("ENXIO", (long) Libc.ENXIO);
        java.put("EAGAIN", (long) Libc.EAGAIN);
        java.put("ENOMEM", (long) Libc.ENOMEM);
        java.put("EACCES", (long) Libc.EACCES);
        java.put("EBUSY", (long) Libc.EBUSY);
        java.put("EEXIST", (long) Libc.EEXIST);
        java.put("ENODEV", (long) Libc.ENODEV);
        java.put("EINVAL", (long) Libc.EINVAL);
        java.put("EBADFD", (long) Libc.EBADFD);
        java.put("EOPNOTSUPP", (long) Libc.EOPNOTSUPP);
        java.put("ENETDOWN", (long) Libc.ENETDOWN);
        java.put("ENOBUFS", (long) Libc.ENOBUFS);
        java.put("O_RDWR", (long) Libc.O_RDWR);
        java.put("O_NONBLOCK", (long) Libc.O_NONBLOCK);
        java.put("O_CLOEXEC", (long) Libc.O_CLOEXEC);
        java.put("AF_INET", (long) Libc.AF_INET);
        java.put("AF_XDP", (long) Libc.AF_XDP);
        java.put("SOCK_DGRAM", (long) Libc.SOCK_DGRAM);
        java.put("SOCK_RAW", (long) Libc.SOCK_RAW);
        java.put("SOCK_CLOEXEC", (long) Libc.SOCK_CLOEXEC);
        java.put("MSG_DONTWAIT", (long) Libc.MSG_DONTWAIT);
        java.put("PROT_READ", (long) Libc.PROT_READ);
        java.put("PROT_WRITE", (long) Libc.PROT_WRITE);
        java.put("MAP_SHARED", (long) Libc.MAP_SHARED);
        java.put("MAP_PRIVATE", (long) Libc.MAP_PRIVATE);
        java.put("MAP_ANONYMOUS", (long) Libc.MAP_ANONYMOUS);
        java.put("MAP_POPULATE", (long) Libc.MAP_POPULATE);
        java.put("EPOLLIN", (long) Libc.EPOLLIN);
        java.put("EPOLLONESHOT", (long) Libc.EPOLLONESHOT);
        java.put("EPOLL_CTL_ADD", (long) Libc.EPOLL_CTL_ADD);
        java.put("EPOLL_CTL_DEL", (long) Libc.EPOLL_CTL_DEL);
        java.put("EPOLL_CTL_MOD", (long) Libc.EPOLL_CTL_MOD);
        java.put("EPOLL_CLOEXEC", (long) Libc.EPOLL_CLOEXEC);
        java.put("sizeof(struct epoll_event)", (long) Libc.EPOLL_EVENT_SIZE);
        java.put("offsetof(struct epoll_event, data)", 4L); // RxWakeups reads data at 4
        java.put("RLIMIT_MEMLOCK", (long) Libc.RLIMIT_MEMLOCK);
        java.put("RLIM_INFINITY", Libc.RLIM_INFINITY);
        java.put("sizeof(struct rlimit)", 16L); // Memlock
        java.put("CLONE_NEWNET", (long) Libc.CLONE_NEWNET);
        java.put("SYS_bpf", Libc.SYS_BPF);
        // devices (NetDevice, Tun)
        java.put("sizeof(struct ifreq)", (long) NetDevice.IFREQ_SIZE);
        java.put("offsetof(struct ifreq, ifr_flags)", (long) NetDevice.IFR_UNION);
        java.put("offsetof(struct ifreq, ifr_mtu)", (long) NetDevice.IFR_UNION);
        java.put("offsetof(struct ifreq, ifr_ifindex)", (long) NetDevice.IFR_UNION);
        java.put("offsetof(struct ifreq, ifr_hwaddr)", (long) NetDevice.IFR_UNION);
        java.put("IFNAMSIZ", (long) NetDevice.IFNAMSIZ);
        java.put("SIOCGIFFLAGS", NetDevice.SIOCGIFFLAGS);
        java.put("SIOCSIFFLAGS", NetDevice.SIOCSIFFLAGS);
        java.put("SIOCGIFMTU", NetDevice.SIOCGIFMTU);
        java.put("SIOCSIFMTU", NetDevice.SIOCSIFMTU);
        java.put("SIOCSIFHWADDR", NetDevice.SIOCSIFHWADDR);
        java.put("SIOCGIFHWADDR", NetDevice.SIOCGIFHWADDR);
        java.put("SIOCGIFINDEX", NetDevice.SIOCGIFINDEX);
        java.put("IFF_UP", (long) NetDevice.IFF_UP);
        java.put("IFF_RUNNING", (long) NetDevice.IFF_RUNNING);
        java.put("SIOCETHTOOL", NetDevice.SIOCETHTOOL);
        java.put("ETHTOOL_GLINK", (long) NetDevice.ETHTOOL_GLINK);
        java.put("offsetof(struct ifreq, ifr_data)", (long) NetDevice.IFR_UNION);
        java.put("sizeof(struct ethtool_value)", 8L); // NetDevice.carrier
        java.put("offsetof(struct ethtool_value, data)", 4L);
        java.put("TUNSETIFF", Tun.TUNSETIFF);
        java.put("TUNSETPERSIST", Tun.TUNSETPERSIST);
        java.put("IFF_TAP", (long) Tun.IFF_TAP);
        java.put("IFF_NO_PI", (long) Tun.IFF_NO_PI);
        java.put("IFF_MULTI_QUEUE", (long) Tun.IFF_MULTI_QUEUE);
        java.put("IFF_VNET_HDR", (long) Tun.IFF_VNET_HDR);
        java.put("TUNSETOFFLOAD", Tun.TUNSETOFFLOAD);
        java.put("TUNSETVNETHDRSZ", Tun.TUNSETVNETHDRSZ);
        java.put("TUN_F_CSUM", (long) Tun.TUN_F_CSUM);
        java.put("TUN_F_TSO4", (long) Tun.TUN_F_TSO4);
        java.put("TUN_F_TSO6", (long) Tun.TUN_F_TSO6);
        // the vnet header (VnetHeader)
        java.put("sizeof(struct virtio_net_hdr_v1)", (long) VnetHeader.SIZE);
        java.put("offsetof(struct virtio_net_hdr_v1, flags)", (long) VnetHeader.FLAGS);
        java.put("offsetof(struct virtio_net_hdr_v1, gso_type)", (long) VnetHeader.GSO_TYPE);
        java.put("offsetof(struct virtio_net_hdr_v1, hdr_len)", (long) VnetHeader.HDR_LEN);
        java.put("offsetof(struct virtio_net_hdr_v1, gso_size)", (long) VnetHeader.GSO_SIZE);
        java.put("offsetof(struct virtio_net_hdr_v1, csum_start)", (long) VnetHeader.CSUM_START);
        java.put("offsetof(struct virtio_net_hdr_v1, csum_offset)", (long) VnetHeader.CSUM_OFFSET);
        java.put("offsetof(struct virtio_net_hdr_v1, num_buffers)", (long) VnetHeader.NUM_BUFFERS);
        java.put("sizeof(((struct virtio_net_hdr_v1 *) 0)->gso_size)", 2L); // read and written as 16 bits
        java.put("VIRTIO_NET_HDR_F_NEEDS_CSUM", (long) VnetHeader.F_NEEDS_CSUM);
        java.put("VIRTIO_NET_HDR_F_DATA_VALID", (long) VnetHeader.F_DATA_VALID);
        java.put("VIRTIO_NET_HDR_GSO_NONE", (long) VnetHeader.GSO_NONE);
        java.put("VIRTIO_NET_HDR_GSO_TCPV4", (long) VnetHeader.GSO_TCPV4);
        java.put("VIRTIO_NET_HDR_GSO_UDP", (long) VnetHeader.GSO_UDP);
        java.put("VIRTIO_NET_HDR_GSO_TCPV6", (long) VnetHeader.GSO_TCPV6);
        java.put("VIRTIO_NET_HDR_GSO_ECN", (long) VnetHeader.GSO_ECN);
        // AF_XDP (XskSocket, XskRing, XdpUmem)
        java.put("SOL_XDP", (long) XskSocket.SOL_XDP);
        java.put("XDP_MMAP_OFFSETS", (long) XskSocket.XDP_MMAP_OFFSETS);
        java.put("XDP_RX_RING", (long) XskSocket.XDP_RX_RING);
        java.put("XDP_TX_RING", (long) XskSocket.XDP_TX_RING);
        java.put("XDP_UMEM_REG", (long) XskSocket.XDP_UMEM_REG);
        java.put("XDP_UMEM_FILL_RING", (long) XskSocket.XDP_UMEM_FILL_RING);
        java.put("XDP_UMEM_COMPLETION_RING", (long) XskSocket.XDP_UMEM_COMPLETION_RING);
        java.put("XDP_STATISTICS", (long) XskSocket.XDP_STATISTICS);
        java.put("XDP_COPY", (long) XskSocket.XDP_COPY);
        java.put("XDP_ZEROCOPY", (long) XskSocket.XDP_ZEROCOPY);
        java.put("XDP_USE_NEED_WAKEUP", (long) XskSocket.XDP_USE_NEED_WAKEUP);
        java.put("XDP_RING_NEED_WAKEUP", (long) XskRing.NEED_WAKEUP);
        java.put("XDP_PGOFF_RX_RING", XskSocket.PGOFF_RX);
        java.put("XDP_PGOFF_TX_RING", XskSocket.PGOFF_TX);
        java.put("XDP_UMEM_PGOFF_FILL_RING", XskSocket.PGOFF_FILL);
        java.put("XDP_UMEM_PGOFF_COMPLETION_RING", XskSocket.PGOFF_COMPLETION);
        java.put("XDP_PACKET_HEADROOM", (long) XdpUmem.HEADROOM);
        // literal offsets in XskSocket.open, receive and transmit, and XskSocket.statistics
        java.put("sizeof(struct xdp_umem_reg)", 32L);
        java.put("offsetof(struct xdp_umem_reg, addr)", 0L);
        java.put("offsetof(struct xdp_umem_reg, len)", 8L);
        java.put("offsetof(struct xdp_umem_reg, chunk_size)", 16L);
        java.put("offsetof(struct xdp_umem_reg, headroom)", 20L);
        java.put("offsetof(struct xdp_umem_reg, flags)", 24L);
        java.put("sizeof(struct sockaddr_xdp)", 16L);
        java.put("offsetof(struct sockaddr_xdp, sxdp_flags)", 2L);
        java.put("offsetof(struct sockaddr_xdp, sxdp_ifindex)", 4L);
        java.put("offsetof(struct sockaddr_xdp, sxdp_queue_id)", 8L);
        java.put("sizeof(struct xdp_mmap_offsets)", 128L);
        java.put("offsetof(struct xdp_mmap_offsets, rx)", 0L);
        java.put("offsetof(struct xdp_mmap_offsets, tx)", 32L);
        java.put("offsetof(struct xdp_mmap_offsets, fr)", 64L);
        java.put("offsetof(struct xdp_mmap_offsets, cr)", 96L);
        java.put("offsetof(struct xdp_ring_offset, producer)", 0L);
        java.put("offsetof(struct xdp_ring_offset, consumer)", 8L);
        java.put("offsetof(struct xdp_ring_offset, desc)", 16L);
        java.put("offsetof(struct xdp_ring_offset, flags)", 24L);
        java.put("sizeof(struct xdp_desc)", 16L);
        java.put("offsetof(struct xdp_desc, len)", 8L);
        java.put("offsetof(struct xdp_desc, options)", 12L);
        java.put("sizeof(struct xdp_statistics)", 48L);
        java.put("offsetof(struct xdp_statistics, rx_ring_full)", 24L);
        java.put("offsetof(struct xdp_statistics, tx_invalid_descs)", 16L);
        // bpf() (Bpf)
        java.put("sizeof(union bpf_attr)", (long) Bpf.ATTR_SIZE);
        java.put("BPF_MAP_CREATE", (long) Bpf.BPF_MAP_CREATE);
        java.put("BPF_MAP_UPDATE_ELEM", (long) Bpf.BPF_MAP_UPDATE_ELEM);
        java.put("BPF_PROG_LOAD", (long) Bpf.BPF_PROG_LOAD);
        java.put("BPF_LINK_CREATE", (long) Bpf.BPF_LINK_CREATE);
        java.put("BPF_MAP_TYPE_XSKMAP", (long) Bpf.BPF_MAP_TYPE_XSKMAP);
        java.put("BPF_PROG_TYPE_XDP", (long) Bpf.BPF_PROG_TYPE_XDP);
        java.put("BPF_XDP", (long) Bpf.BPF_XDP);
        java.put("BPF_FUNC_redirect_map", (long) Bpf.BPF_FUNC_REDIRECT_MAP);
        java.put("offsetof(struct xdp_md, rx_queue_index)", (long) Bpf.XDP_MD_RX_QUEUE_INDEX);
        java.put("XDP_PASS", (long) Bpf.XDP_PASS);
        java.put("XDP_FLAGS_SKB_MODE", (long) Bpf.XDP_FLAGS_SKB_MODE);
        java.put("XDP_FLAGS_DRV_MODE", (long) Bpf.XDP_FLAGS_DRV_MODE);
        java.put("offsetof(union bpf_attr, key_size)", 4L);
        java.put("offsetof(union bpf_attr, value_size)", 8L);
        java.put("offsetof(union bpf_attr, max_entries)", 12L);
        java.put("offsetof(union bpf_attr, map_name)", 28L);
        java.put("offsetof(union bpf_attr, key)", 8L);
        java.put("offsetof(union bpf_attr, value)", 16L);
        java.put("offsetof(union bpf_attr, flags)", 24L);
        java.put("offsetof(union bpf_attr, insn_cnt)", 4L);
        java.put("offsetof(union bpf_attr, insns)", 8L);
        java.put("offsetof(union bpf_attr, license)", 16L);
        java.put("offsetof(union bpf_attr, log_level)", 24L);
        java.put("offsetof(union bpf_attr, log_size)", 28L);
        java.put("offsetof(union bpf_attr, log_buf)", 32L);
        java.put("offsetof(union bpf_attr, prog_name)", 48L);
        java.put("offsetof(union bpf_attr, expected_attach_type)", 68L);
        java.put("offsetof(union bpf_attr, link_create.target_ifindex)", 4L);
        java.put("offsetof(union bpf_attr, link_create.attach_type)", 8L);
        java.put("offsetof(union bpf_attr, link_create.flags)", 12L);
        java.put("BPF_PSEUDO_MAP_FD", 1L); // Bpf.redirectProgram's ld_imm64 source register
        // io_uring (IoUring)
        java.put("__NR_io_uring_setup", Libc.SYS_IO_URING_SETUP);
        java.put("__NR_io_uring_enter", Libc.SYS_IO_URING_ENTER);
        java.put("ENOSYS", (long) Libc.ENOSYS);
        java.put("IORING_OP_READ", (long) IoUring.OP_READ);
        java.put("RWF_NOWAIT", (long) IoUring.RWF_NOWAIT);
        java.put("IORING_OP_WRITE", (long) IoUring.OP_WRITE);
        java.put("IORING_SETUP_SUBMIT_ALL", (long) IoUring.SETUP_SUBMIT_ALL);
        java.put("IORING_FEAT_SINGLE_MMAP", (long) IoUring.FEAT_SINGLE_MMAP);
        java.put("IORING_ENTER_GETEVENTS", (long) IoUring.ENTER_GETEVENTS);
        java.put("IORING_OFF_SQ_RING", IoUring.OFF_SQ_RING);
        java.put("IORING_OFF_CQ_RING", IoUring.OFF_CQ_RING);
        java.put("IORING_OFF_SQES", IoUring.OFF_SQES);
        java.put("sizeof(struct io_uring_params)", (long) IoUring.PARAMS_SIZE);
        java.put("offsetof(struct io_uring_params, sq_entries)", (long) IoUring.P_SQ_ENTRIES);
        java.put("offsetof(struct io_uring_params, cq_entries)", (long) IoUring.P_CQ_ENTRIES);
        java.put("offsetof(struct io_uring_params, flags)", (long) IoUring.P_FLAGS);
        java.put("offsetof(struct io_uring_params, features)", (long) IoUring.P_FEATURES);
        java.put("offsetof(struct io_uring_params, sq_off)", (long) IoUring.P_SQ_OFF);
        java.put("offsetof(struct io_uring_params, cq_off)", (long) IoUring.P_CQ_OFF);
        java.put("offsetof(struct io_sqring_offsets, head)", (long) IoUring.SQ_HEAD);
        java.put("offsetof(struct io_sqring_offsets, tail)", (long) IoUring.SQ_TAIL);
        java.put("offsetof(struct io_sqring_offsets, ring_mask)", (long) IoUring.SQ_MASK);
        java.put("offsetof(struct io_sqring_offsets, array)", (long) IoUring.SQ_ARRAY);
        java.put("offsetof(struct io_cqring_offsets, head)", (long) IoUring.CQ_HEAD);
        java.put("offsetof(struct io_cqring_offsets, tail)", (long) IoUring.CQ_TAIL);
        java.put("offsetof(struct io_cqring_offsets, ring_mask)", (long) IoUring.CQ_MASK);
        java.put("offsetof(struct io_cqring_offsets, cqes)", (long) IoUring.CQ_CQES);
        java.put("sizeof(struct io_uring_sqe)", (long) IoUring.SQE_SIZE);
        java.put("offsetof(struct io_uring_sqe, opcode)", 0L);
        java.put("offsetof(struct io_uring_sqe, flags)", 1L);
        java.put("offsetof(struct io_uring_sqe, ioprio)", 2L);
        java.put("offsetof(struct io_uring_sqe, fd)", 4L);
        java.put("offsetof(struct io_uring_sqe, off)", 8L);
        java.put("offsetof(struct io_uring_sqe, addr)", 16L);
        java.put("offsetof(struct io_uring_sqe, len)", 24L);
        java.put("offsetof(struct io_uring_sqe, rw_flags)", 28L);
        java.put("offsetof(struct io_uring_sqe, user_data)", 32L);
        java.put("offsetof(struct io_uring_sqe, buf_index)", 40L);
        java.put("sizeof(struct io_uring_cqe)", (long) IoUring.CQE_SIZE);
        java.put("offsetof(struct io_uring_cqe, user_data)", 0L);
        java.put("offsetof(struct io_uring_cqe, res)", 8L);
        java.put("offsetof(struct io_uring_cqe, flags)", 12L);

        Map<String, Long> c = compileAndRun(java.keySet());
        for (Map.Entry<String, Long> e : java.entrySet()) {
            assertEquals(c.get(e.getKey()), e.getValue(), e.getKey() + ": the C headers say " + c.get(e.getKey()));
        }
    }

    private Map<String, Long> compileAndRun(Iterable<String> names) throws Exception {
        Path gcc = findGcc();
        StringBuilder src = new StringBuilder("""
                #include <stdio.h>
                #include <stddef.h>
                #include <errno.h>
                #include <fcntl.h>
                #include <sched.h>
                #include <sys/epoll.h>
                #include <sys/ioctl.h>
                #include <sys/mman.h>
                #include <sys/resource.h>
                #include <sys/socket.h>
                #include <sys/syscall.h>
                #include <net/if.h>
                #include <linux/if_link.h>
                #include <linux/if_tun.h>
                #include <linux/virtio_net.h>
                #include <linux/if_xdp.h>
                #include <linux/bpf.h>
                #include <linux/sockios.h>
                #include <linux/ethtool.h>
                #include <linux/io_uring.h>
                #include <linux/fs.h>
                #ifndef SOL_XDP
                #define SOL_XDP 283
                #endif
                #ifndef AF_XDP
                #define AF_XDP 44
                #endif
                int main(void) {
                """);
        for (String n : names) {
            src.append("    printf(\"%s\\t%lld\\n\", \"").append(n).append("\", (long long) (").append(n)
                    .append("));\n");
        }
        src.append("    return 0;\n}\n");
        Path c = dir.resolve("layout.c");
        Path exe = dir.resolve("layout");
        Files.writeString(c, src.toString());
        String out = RootLab.sh(true, gcc.toString(), "-D_GNU_SOURCE", "-o", exe.toString(), c.toString());
        if (!Files.exists(exe)) {
            fail("gcc produced nothing: " + out);
        }
        Map<String, Long> r = new HashMap<>();
        for (String line : RootLab.sh(true, exe.toString()).split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                r.put(line.substring(0, tab), Long.parseLong(line.substring(tab + 1).trim()));
            }
        }
        return r;
    }

    private static Path findGcc() {
        Path gcc = RootLab.onPath("gcc");
        if (gcc == null || !Files.exists(Path.of("/usr/include/linux/if_xdp.h"))) {
            RootLab.skipOrFail("gcc and the kernel headers (apt-get install gcc libc6-dev linux-libc-dev) are needed"
                    + " to check the FFM layouts against the C headers");
        }
        return gcc;
    }
}
