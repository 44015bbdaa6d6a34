/* Prints, one "NAME VALUE" per line, every struct offset, size and constant the Java binding
 * (org.vswitch4j.dpdk.internal.Layouts) hard-codes, as the installed DPDK headers define them.
 * DpdkLayoutTest compiles this with gcc and compares: a DPDK upgrade that moves a field fails the test. */
#include <stdio.h>
#include <string.h>
#include <stddef.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define OFF(s, f, name) printf("%s %zu\n", name, offsetof(struct s, f))
#define SIZE(s, name) printf("%s %zu\n", name, sizeof(struct s))
#define CONST(c) printf("%s %llu\n", #c, (unsigned long long) (c))

int main(void) {
    SIZE(rte_eth_fp_ops, "fp_ops.size");
    OFF(rte_eth_fp_ops, rx_pkt_burst, "fp_ops.rx_pkt_burst");
    OFF(rte_eth_fp_ops, rxq.data, "fp_ops.rxq.data");
    OFF(rte_eth_fp_ops, rxq.clbk, "fp_ops.rxq.clbk");
    OFF(rte_eth_fp_ops, tx_pkt_burst, "fp_ops.tx_pkt_burst");
    OFF(rte_eth_fp_ops, txq.data, "fp_ops.txq.data");
    OFF(rte_eth_fp_ops, txq.clbk, "fp_ops.txq.clbk");

    SIZE(rte_mbuf, "mbuf.size");
    OFF(rte_mbuf, buf_addr, "mbuf.buf_addr");
    OFF(rte_mbuf, data_off, "mbuf.data_off");
    OFF(rte_mbuf, refcnt, "mbuf.refcnt");
    OFF(rte_mbuf, nb_segs, "mbuf.nb_segs");
    OFF(rte_mbuf, port, "mbuf.port");
    OFF(rte_mbuf, ol_flags, "mbuf.ol_flags");
    OFF(rte_mbuf, packet_type, "mbuf.packet_type");
    OFF(rte_mbuf, pkt_len, "mbuf.pkt_len");
    OFF(rte_mbuf, data_len, "mbuf.data_len");
    OFF(rte_mbuf, vlan_tci, "mbuf.vlan_tci");
    OFF(rte_mbuf, vlan_tci_outer, "mbuf.vlan_tci_outer");
    OFF(rte_mbuf, buf_len, "mbuf.buf_len");
    OFF(rte_mbuf, pool, "mbuf.pool");
    OFF(rte_mbuf, next, "mbuf.next");
    OFF(rte_mbuf, tx_offload, "mbuf.tx_offload");
    OFF(rte_mbuf, priv_size, "mbuf.priv_size");

    SIZE(rte_mempool, "mempool.size");
    OFF(rte_mempool, size, "mempool.count");
    OFF(rte_mempool, elt_size, "mempool.elt_size");
    OFF(rte_mempool, header_size, "mempool.header_size");
    OFF(rte_mempool, ops_index, "mempool.ops_index");
    SIZE(rte_mempool_ops, "mempool_ops.size");
    OFF(rte_mempool_ops, dequeue, "mempool_ops.dequeue");
    OFF(rte_mempool_ops_table, ops, "mempool_ops_table.ops");

    SIZE(rte_eth_conf, "eth_conf.size");
    OFF(rte_eth_conf, rxmode.mq_mode, "eth_conf.rxmode.mq_mode");
    OFF(rte_eth_conf, rxmode.mtu, "eth_conf.rxmode.mtu");
    OFF(rte_eth_conf, txmode.mq_mode, "eth_conf.txmode.mq_mode");
    OFF(rte_eth_conf, rx_adv_conf.rss_conf.rss_key, "eth_conf.rss_key");
    OFF(rte_eth_conf, rx_adv_conf.rss_conf.rss_hf, "eth_conf.rss_hf");

    SIZE(rte_eth_dev_info, "dev_info.size");
    OFF(rte_eth_dev_info, device, "dev_info.device");
    OFF(rte_eth_dev_info, driver_name, "dev_info.driver_name");
    OFF(rte_eth_dev_info, if_index, "dev_info.if_index");
    OFF(rte_eth_dev_info, min_mtu, "dev_info.min_mtu");
    OFF(rte_eth_dev_info, max_mtu, "dev_info.max_mtu");
    OFF(rte_eth_dev_info, max_rx_queues, "dev_info.max_rx_queues");
    OFF(rte_eth_dev_info, max_tx_queues, "dev_info.max_tx_queues");
    OFF(rte_eth_dev_info, flow_type_rss_offloads, "dev_info.flow_type_rss_offloads");
    OFF(rte_eth_dev_info, rx_desc_lim, "dev_info.rx_desc_lim");
    OFF(rte_eth_dev_info, tx_desc_lim, "dev_info.tx_desc_lim");
    OFF(rte_eth_desc_lim, nb_max, "desc_lim.nb_max");
    OFF(rte_eth_desc_lim, nb_min, "desc_lim.nb_min");
    OFF(rte_eth_desc_lim, nb_align, "desc_lim.nb_align");

    SIZE(rte_eth_stats, "eth_stats.size");
    OFF(rte_eth_stats, ipackets, "eth_stats.ipackets");
    OFF(rte_eth_stats, opackets, "eth_stats.opackets");
    OFF(rte_eth_stats, ibytes, "eth_stats.ibytes");
    OFF(rte_eth_stats, obytes, "eth_stats.obytes");
    OFF(rte_eth_stats, imissed, "eth_stats.imissed");
    OFF(rte_eth_stats, ierrors, "eth_stats.ierrors");
    OFF(rte_eth_stats, oerrors, "eth_stats.oerrors");
    OFF(rte_eth_stats, rx_nombuf, "eth_stats.rx_nombuf");

    SIZE(rte_eth_link, "eth_link.size");
    OFF(rte_eth_link, link_speed, "eth_link.link_speed");
    {   /* the bit fields: which bit of the 16-bit word after link_speed holds link_status */
        struct rte_eth_link l;
        unsigned short w;
        memset(&l, 0, sizeof l);
        l.link_status = 1;
        memcpy(&w, (char *) &l + sizeof(uint32_t), sizeof w);
        printf("eth_link.status_mask %u\n", w);
    }

    CONST(RTE_MAX_ETHPORTS);
    CONST(RTE_PKTMBUF_HEADROOM);
    CONST(RTE_MBUF_DEFAULT_BUF_SIZE);
    CONST(RTE_ETH_MQ_RX_NONE);
    CONST(RTE_ETH_MQ_RX_RSS);
    CONST(RTE_ETH_RSS_IP);
    CONST(RTE_ETH_RSS_TCP);
    CONST(RTE_ETH_RSS_UDP);
    CONST(RTE_MEMPOOL_NAMESIZE);
    CONST(RTE_ETH_NAME_MAX_LEN);
    return 0;
}
