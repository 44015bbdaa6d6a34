package org.vswitch4j.dpdk.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every struct offset, size and constant of DPDK 22.11 (x86-64, Debian's build) that the binding reads or
 * writes. jextract is not available here, so these are written by hand; {@code DpdkLayoutTest} compiles a C
 * program against the installed headers and compares each one with {@link #all()}, so that a DPDK upgrade
 * that moves a field fails a test instead of corrupting memory.
 */
public final class Layouts {
    private Layouts() {
    }

    // struct rte_eth_fp_ops: the per-port fast-path table that the inline rte_eth_rx_burst/tx_burst read.
    public static final long FP_OPS_SIZE = 128;
    public static final long FP_RX_PKT_BURST = 0;
    public static final long FP_RXQ_DATA = 24;
    public static final long FP_RXQ_CLBK = 32;
    public static final long FP_TX_PKT_BURST = 64;
    public static final long FP_TXQ_DATA = 88;
    public static final long FP_TXQ_CLBK = 96;

    // struct rte_mbuf (RTE_IOVA_AS_PA build: buf_iova present).
    public static final long MBUF_SIZE = 128;
    public static final long MBUF_BUF_ADDR = 0;
    public static final long MBUF_DATA_OFF = 16;
    public static final long MBUF_REFCNT = 18;
    public static final long MBUF_NB_SEGS = 20;
    public static final long MBUF_PORT = 22;
    public static final long MBUF_OL_FLAGS = 24;
    public static final long MBUF_PACKET_TYPE = 32;
    public static final long MBUF_PKT_LEN = 36;
    public static final long MBUF_DATA_LEN = 40;
    public static final long MBUF_VLAN_TCI = 42;
    public static final long MBUF_VLAN_TCI_OUTER = 52;
    public static final long MBUF_BUF_LEN = 54;
    public static final long MBUF_POOL = 56;
    public static final long MBUF_NEXT = 64;
    public static final long MBUF_TX_OFFLOAD = 72;
    public static final long MBUF_PRIV_SIZE = 88;

    // struct rte_mempool and its ops table (allocation goes through ops[ops_index].dequeue).
    public static final long MEMPOOL_SIZE = 192;
    public static final long MEMPOOL_COUNT = 64;
    public static final long MEMPOOL_ELT_SIZE = 72;
    public static final long MEMPOOL_HEADER_SIZE = 76;
    public static final long MEMPOOL_OPS_INDEX = 88;
    public static final long MEMPOOL_OPS_SIZE = 128;
    public static final long MEMPOOL_OPS_DEQUEUE = 56;
    public static final long MEMPOOL_OPS_TABLE_OPS = 64;

    // struct rte_eth_conf (zeroed except these).
    public static final long ETH_CONF_SIZE = 2272;
    public static final long ETH_CONF_RX_MQ_MODE = 8;
    public static final long ETH_CONF_RX_MTU = 12;
    public static final long ETH_CONF_TX_MQ_MODE = 64;
    public static final long ETH_CONF_RSS_KEY = 128;
    public static final long ETH_CONF_RSS_HF = 144;

    // struct rte_eth_dev_info and rte_eth_desc_lim.
    public static final long DEV_INFO_SIZE = 376;
    public static final long DEV_INFO_DEVICE = 0;
    public static final long DEV_INFO_DRIVER_NAME = 8;
    public static final long DEV_INFO_IF_INDEX = 16;
    public static final long DEV_INFO_MIN_MTU = 20;
    public static final long DEV_INFO_MAX_MTU = 22;
    public static final long DEV_INFO_MAX_RX_QUEUES = 44;
    public static final long DEV_INFO_MAX_TX_QUEUES = 46;
    public static final long DEV_INFO_FLOW_TYPE_RSS_OFFLOADS = 112;
    public static final long DEV_INFO_RX_DESC_LIM = 262;
    public static final long DEV_INFO_TX_DESC_LIM = 272;
    public static final long DESC_LIM_NB_MAX = 0;
    public static final long DESC_LIM_NB_MIN = 2;
    public static final long DESC_LIM_NB_ALIGN = 4;

    // struct rte_eth_stats.
    public static final long ETH_STATS_SIZE = 704;
    public static final long ETH_STATS_IPACKETS = 0;
    public static final long ETH_STATS_OPACKETS = 8;
    public static final long ETH_STATS_IBYTES = 16;
    public static final long ETH_STATS_OBYTES = 24;
    public static final long ETH_STATS_IMISSED = 32;
    public static final long ETH_STATS_IERRORS = 40;
    public static final long ETH_STATS_OERRORS = 48;
    public static final long ETH_STATS_RX_NOMBUF = 56;

    // struct rte_eth_link: link_speed, then bit fields in a uint16 (link_status is the third bit).
    public static final long ETH_LINK_SIZE = 8;
    public static final long ETH_LINK_SPEED = 0;
    public static final long ETH_LINK_STATUS_WORD = 4;
    public static final int ETH_LINK_STATUS_MASK = 4;

    // Build constants and enum values.
    public static final int RTE_MAX_ETHPORTS = 32;
    public static final int RTE_PKTMBUF_HEADROOM = 128;
    public static final int RTE_MBUF_DEFAULT_BUF_SIZE = 2176;
    public static final int RTE_ETH_MQ_RX_NONE = 0;
    public static final int RTE_ETH_MQ_RX_RSS = 1;
    public static final long RTE_ETH_RSS_IP = 41868;
    public static final long RTE_ETH_RSS_TCP = 66576;
    public static final long RTE_ETH_RSS_UDP = 133152;
    public static final int RTE_MEMPOOL_NAMESIZE = 26;
    public static final int RTE_ETH_NAME_MAX_LEN = 64;

    /** Every value above under the name the C program prints for it. */
    public static Map<String, Long> all() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("fp_ops.size", FP_OPS_SIZE);
        m.put("fp_ops.rx_pkt_burst", FP_RX_PKT_BURST);
        m.put("fp_ops.rxq.data", FP_RXQ_DATA);
        m.put("fp_ops.rxq.clbk", FP_RXQ_CLBK);
        m.put("fp_ops.tx_pkt_burst", FP_TX_PKT_BURST);
        m.put("fp_ops.txq.data", FP_TXQ_DATA);
        m.put("fp_ops.txq.clbk", FP_TXQ_CLBK);
        m.put("mbuf.size", MBUF_SIZE);
        m.put("mbuf.buf_addr", MBUF_BUF_ADDR);
        m.put("mbuf.data_off", MBUF_DATA_OFF);
        m.put("mbuf.refcnt", MBUF_REFCNT);
        m.put("mbuf.nb_segs", MBUF_NB_SEGS);
        m.put("mbuf.port", MBUF_PORT);
        m.put("mbuf.ol_flags", MBUF_OL_FLAGS);
        m.put("mbuf.packet_type", MBUF_PACKET_TYPE);
        m.put("mbuf.pkt_len", MBUF_PKT_LEN);
        m.put("mbuf.data_len", MBUF_DATA_LEN);
        m.put("mbuf.vlan_tci", MBUF_VLAN_TCI);
        m.put("mbuf.vlan_tci_outer", MBUF_VLAN_TCI_OUTER);
        m.put("mbuf.buf_len", MBUF_BUF_LEN);
        m.put("mbuf.pool", MBUF_POOL);
        m.put("mbuf.next", MBUF_NEXT);
        m.put("mbuf.tx_offload", MBUF_TX_OFFLOAD);
        m.put("mbuf.priv_size", MBUF_PRIV_SIZE);
        m.put("mempool.size", MEMPOOL_SIZE);
        m.put("mempool.count", MEMPOOL_COUNT);
        m.put("mempool.elt_size", MEMPOOL_ELT_SIZE);
        m.put("mempool.header_size", MEMPOOL_HEADER_SIZE);
        m.put("mempool.ops_index", MEMPOOL_OPS_INDEX);
        m.put("mempool_ops.size", MEMPOOL_OPS_SIZE);
        m.put("mempool_ops.dequeue", MEMPOOL_OPS_DEQUEUE);
        m.put("mempool_ops_table.ops", MEMPOOL_OPS_TABLE_OPS);
        m.put("eth_conf.size", ETH_CONF_SIZE);
        m.put("eth_conf.rxmode.mq_mode", ETH_CONF_RX_MQ_MODE);
        m.put("eth_conf.rxmode.mtu", ETH_CONF_RX_MTU);
        m.put("eth_conf.txmode.mq_mode", ETH_CONF_TX_MQ_MODE);
        m.put("eth_conf.rss_key", ETH_CONF_RSS_KEY);
        m.put("eth_conf.rss_hf", ETH_CONF_RSS_HF);
        m.put("dev_info.size", DEV_INFO_SIZE);
        m.put("dev_info.device", DEV_INFO_DEVICE);
        m.put("dev_info.driver_name", DEV_INFO_DRIVER_NAME);
        m.put("dev_info.if_index", DEV_INFO_IF_INDEX);
        m.put("dev_info.min_mtu", DEV_INFO_MIN_MTU);
        m.put("dev_info.max_mtu", DEV_INFO_MAX_MTU);
        m.put("dev_info.max_rx_queues", DEV_INFO_MAX_RX_QUEUES);
        m.put("dev_info.max_tx_queues", DEV_INFO_MAX_TX_QUEUES);
        m.put("dev_info.flow_type_rss_offloads", DEV_INFO_FLOW_TYPE_RSS_OFFLOADS);
        m.put("dev_info.rx_desc_lim", DEV_INFO_RX_DESC_LIM);
        m.put("dev_info.tx_desc_lim", DEV_INFO_TX_DESC_LIM);
        m.put("desc_lim.nb_max", DESC_LIM_NB_MAX);
        m.put("desc_lim.nb_min", DESC_LIM_NB_MIN);
        m.put("desc_lim.nb_align", DESC_LIM_NB_ALIGN);
        m.put("eth_stats.size", ETH_STATS_SIZE);
        m.put("eth_stats.ipackets", ETH_STATS_IPACKETS);
        m.put("eth_stats.opackets", ETH_STATS_OPACKETS);
        m.put("eth_stats.ibytes", ETH_STATS_IBYTES);
        m.put("eth_stats.obytes", ETH_STATS_OBYTES);
        m.put("eth_stats.imissed", ETH_STATS_IMISSED);
        m.put("eth_stats.ierrors", ETH_STATS_IERRORS);
        m.put("eth_stats.oerrors", ETH_STATS_OERRORS);
        m.put("eth_stats.rx_nombuf", ETH_STATS_RX_NOMBUF);
        m.put("eth_link.size", ETH_LINK_SIZE);
        m.put("eth_link.link_speed", ETH_LINK_SPEED);
        m.put("eth_link.status_mask", (long) ETH_LINK_STATUS_MASK);
        m.put("RTE_MAX_ETHPORTS", (long) RTE_MAX_ETHPORTS);
        m.put("RTE_PKTMBUF_HEADROOM", (long) RTE_PKTMBUF_HEADROOM);
        m.put("RTE_MBUF_DEFAULT_BUF_SIZE", (long) RTE_MBUF_DEFAULT_BUF_SIZE);
        m.put("RTE_ETH_MQ_RX_NONE", (long) RTE_ETH_MQ_RX_NONE);
        m.put("RTE_ETH_MQ_RX_RSS", (long) RTE_ETH_MQ_RX_RSS);
        m.put("RTE_ETH_RSS_IP", RTE_ETH_RSS_IP);
        m.put("RTE_ETH_RSS_TCP", RTE_ETH_RSS_TCP);
        m.put("RTE_ETH_RSS_UDP", RTE_ETH_RSS_UDP);
        m.put("RTE_MEMPOOL_NAMESIZE", (long) RTE_MEMPOOL_NAMESIZE);
        m.put("RTE_ETH_NAME_MAX_LEN", (long) RTE_ETH_NAME_MAX_LEN);
        return m;
    }
}
