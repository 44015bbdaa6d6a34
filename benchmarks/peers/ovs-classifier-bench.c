/*
 * Open vSwitch's classifier (lib/classifier.c, linked from Debian's openvswitch-source) on the table of
 * vswitch4j's ClassifierLookupBenchmark: the same 20 masks, priority bands and key mix, built with the
 * same distributions (not the same random stream), at 1k..1M rules. It answers one question: how does
 * the reference tuple-space classifier's lookup cost grow with the rule count on this machine, when the
 * masks stay the same? Built and run by benchmarks/ovs-classifier-side-by-side.sh.
 *
 * usage: ovs-classifier-bench RULES [LOOKUPS]
 * prints: rules, subtables, hit rate, mean band of a hit, ns per lookup (with a wildcard mask, as the
 * slow path asks for one).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classifier.h"
#include "flow.h"
#include "openvswitch/match.h"
#include "openvswitch/meta-flow.h"
#include "packets.h"

#define MASKS 20
#define KEYS 16384
#define V4 0x0800
#define V6 0x86dd
#define ARP 0x0806

/* splitmix64: the harness's own generator. */
static uint64_t rnd_state = 42;

static uint64_t
rnd64(void)
{
    uint64_t z = (rnd_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint32_t
rnd_below(uint32_t n)
{
    return (uint32_t) ((rnd64() >> 32) * n >> 32);
}

/* The family (EtherType) a mask's rules need, 0 = any (ClassifierRules' ethTypes). */
static const int mask_family[MASKS] = {
    0, 0, V4, V4, V4, V4, V4, V4, V4, V4, V4, V6, V6, V6, V4, 0, 0, 0, ARP, 0,
};

/* A packet as ClassifierRules.packet(): IPv4 TCP/UDP 80 %, IPv6 15 %, ARP 5 %, fields uniform. */
static void
fill_l3(struct flow *f, int family)
{
    f->nw_src = f->nw_dst = 0;
    f->nw_proto = 0;
    f->nw_ttl = 0;
    f->tp_src = f->tp_dst = 0;
    memset(&f->ipv6_src, 0, sizeof f->ipv6_src);
    memset(&f->ipv6_dst, 0, sizeof f->ipv6_dst);
    f->dl_type = htons(family);
    if (family == ARP) {
        f->nw_proto = 1; /* arp_op */
        f->nw_src = htonl((uint32_t) rnd64());
        f->nw_dst = htonl((uint32_t) rnd64());
        return;
    }
    f->nw_proto = rnd64() & 1 ? 6 : 17;
    f->nw_ttl = 64;
    f->tp_src = htons(rnd_below(65536));
    f->tp_dst = htons(rnd_below(65536));
    if (family == V6) {
        uint64_t w[4] = {0x2001000000000000ULL | (rnd64() >> 16), rnd64(),
                         0x2001000000000000ULL | (rnd64() >> 16), rnd64()};
        for (int i = 0; i < 8; i++) {
            f->ipv6_src.s6_addr[i] = w[0] >> (56 - 8 * i);
            f->ipv6_src.s6_addr[8 + i] = w[1] >> (56 - 8 * i);
            f->ipv6_dst.s6_addr[i] = w[2] >> (56 - 8 * i);
            f->ipv6_dst.s6_addr[8 + i] = w[3] >> (56 - 8 * i);
        }
    } else {
        f->nw_src = htonl((uint32_t) rnd64());
        f->nw_dst = htonl((uint32_t) rnd64());
    }
}

static void
packet(struct flow *f)
{
    memset(f, 0, sizeof *f);
    f->in_port.ofp_port = u16_to_ofp(1 + rnd_below(64));
    eth_addr_from_uint64(rnd64() & 0xFEFFFFFFFFFFULL, &f->dl_src);
    eth_addr_from_uint64(rnd64() & 0xFEFFFFFFFFFFULL, &f->dl_dst);
    f->vlans[0].tci = htons(rnd_below(4096) | VLAN_CFI);
    uint32_t p = rnd_below(100);
    fill_l3(f, p < 80 ? V4 : p < 95 ? V6 : ARP);
    f->metadata = htonll(rnd64());
    f->regs[0] = (uint32_t) rnd64();
    f->tunnel.tun_id = htonll(rnd_below(1 << 24));
}

static void
v6_prefix(struct in6_addr *m, int len)
{
    memset(m, 0, sizeof *m);
    for (int i = 0; i < len; i++) {
        m->s6_addr[i / 8] |= 0x80 >> (i % 8);
    }
}

/* The match of mask i (ClassifierRules' shapes) with the values of flow f. */
static void
shape(struct match *m, int i, const struct flow *f)
{
    struct in6_addr pm;
    match_init_catchall(m);
    if (mask_family[i]) {
        match_set_dl_type(m, htons(mask_family[i]));
    }
    switch (i) {
    case 0: match_set_in_port(m, f->in_port.ofp_port); match_set_dl_dst(m, f->dl_dst); break;
    case 1:
        match_set_in_port(m, f->in_port.ofp_port);
        match_set_vlan_vid(m, f->vlans[0].tci & htons(VLAN_VID_MASK | VLAN_CFI));
        match_set_dl_dst(m, f->dl_dst);
        break;
    case 2: match_set_nw_dst(m, f->nw_dst); break;
    case 3: match_set_nw_dst_masked(m, f->nw_dst, htonl(0xFFFFFF00)); break;
    case 4: match_set_nw_dst_masked(m, f->nw_dst, htonl(0xFFFF0000)); match_set_tp_dst(m, f->tp_dst); break;
    case 5: match_set_nw_src(m, f->nw_src); match_set_nw_dst(m, f->nw_dst); break;
    case 6:
        match_set_nw_proto(m, f->nw_proto); match_set_nw_dst(m, f->nw_dst); match_set_tp_dst(m, f->tp_dst);
        break;
    case 7:
        match_set_nw_proto(m, f->nw_proto); match_set_tp_src(m, f->tp_src); match_set_tp_dst(m, f->tp_dst);
        break;
    case 8: match_set_nw_src_masked(m, f->nw_src, htonl(0xFFFFFF00)); break;
    case 9: match_set_in_port(m, f->in_port.ofp_port); match_set_nw_src(m, f->nw_src); break;
    case 10:
        match_set_nw_src_masked(m, f->nw_src, htonl(0xFFFF0000));
        match_set_nw_proto(m, f->nw_proto);
        match_set_tp_src(m, f->tp_src);
        break;
    case 11: v6_prefix(&pm, 64); match_set_ipv6_dst_masked(m, &f->ipv6_dst, &pm); break;
    case 12: match_set_ipv6_dst(m, &f->ipv6_dst); break;
    case 13: v6_prefix(&pm, 48); match_set_ipv6_src_masked(m, &f->ipv6_src, &pm); break;
    case 14: match_set_reg(m, 0, f->regs[0]); match_set_nw_dst(m, f->nw_dst); break;
    case 15: match_set_metadata(m, f->metadata); match_set_in_port(m, f->in_port.ofp_port); break;
    case 16: match_set_tun_id(m, f->tunnel.tun_id); match_set_dl_dst(m, f->dl_dst); break;
    case 17: match_set_in_port(m, f->in_port.ofp_port); match_set_dl_src(m, f->dl_src); break;
    case 18: match_set_nw_proto(m, f->nw_proto); match_set_nw_dst(m, f->nw_dst); break;
    case 19: match_set_dl_src(m, f->dl_src); match_set_dl_dst(m, f->dl_dst); break;
    default: abort();
    }
}

struct bench_rule {
    struct cls_rule cr;
    struct match match;
    int mask;
};

static double
now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int
main(int argc, char *argv[])
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s RULES [LOOKUPS]\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    long lookups = argc > 2 ? atol(argv[2]) : 20000000L;
    struct classifier cls;
    classifier_init(&cls, flow_segment_u64s);
    /* Open vSwitch's default prefix fields for an OpenFlow table (ofproto: nw_dst, nw_src). */
    enum mf_field_id prefixes[] = {MFF_IPV4_DST, MFF_IPV4_SRC};
    classifier_set_prefix_fields(&cls, prefixes, 2);

    struct bench_rule *rules = xcalloc(n, sizeof *rules);
    int replaced = 0;
    for (int i = 0; i < n; i++) {
        struct flow f;
        int m = i % MASKS;
        packet(&f);
        if (mask_family[m] && ntohs(f.dl_type) != mask_family[m]) {
            fill_l3(&f, mask_family[m]);
        }
        shape(&rules[i].match, m, &f);
        rules[i].mask = m;
        cls_rule_init(&rules[i].cr, &rules[i].match, 20000 - 1000 * m + rnd_below(100));
        /* Two rules may draw the same value and priority (a /24 has 2^24 values): the later one replaces
         * the earlier, as an OpenFlow add would. */
        if (classifier_replace(&cls, &rules[i].cr, OVS_VERSION_MIN, NULL, 0)) {
            replaced++;
        }
    }

    /* Keys: 85 % take a random rule's value under a packet of its family, the rest are fresh packets. */
    struct flow *keys = xcalloc(KEYS, sizeof *keys);
    int hits = 0;
    long bands = 0;
    for (int k = 0; k < KEYS; k++) {
        struct flow *f = &keys[k];
        if (rnd_below(100) < 85) {
            const struct bench_rule *r = &rules[rnd_below(n)];
            packet(f);
            int fam = mask_family[r->mask];
            if (fam && ntohs(f->dl_type) != fam) {
                fill_l3(f, fam);
            }
            uint64_t *fw = (uint64_t *) f;
            const uint64_t *vw = (const uint64_t *) &r->match.flow;
            const uint64_t *mw = (const uint64_t *) &r->match.wc.masks;
            for (size_t w = 0; w < sizeof *f / 8; w++) {
                fw[w] = (fw[w] & ~mw[w]) | (vw[w] & mw[w]);
            }
        } else {
            packet(f);
        }
        struct flow_wildcards wc;
        flow_wildcards_init_catchall(&wc);
        const struct cls_rule *hit = classifier_lookup(&cls, OVS_VERSION_MIN, f, &wc);
        if (hit) {
            hits++;
            bands += (20000 - hit->priority) / 1000;
        }
    }

    /* Warm up, then time: keys in turn, a fresh catch-all wildcard mask per lookup (as the slow path). */
    long sink = 0;
    for (int pass = 0; pass < 2; pass++) {
        long count = pass == 0 ? lookups / 4 : lookups;
        double t0 = now_ns();
        for (long i = 0; i < count; i++) {
            struct flow_wildcards wc;
            flow_wildcards_init_catchall(&wc);
            sink += classifier_lookup(&cls, OVS_VERSION_MIN, &keys[i & (KEYS - 1)], &wc) != NULL;
        }
        double t1 = now_ns();
        if (pass == 1) {
            printf("ovs-classifier rules=%d replaced=%d subtables=%d hit_rate=%.1f%% mean_band=%.1f ns_per_lookup=%.1f"
                   " (sink %ld)\n", n, replaced, (int) cmap_count(&cls.subtables_map),
                   100.0 * hits / KEYS, hits ? (double) bands / hits : 0.0, (t1 - t0) / count, sink & 1);
        }
    }
    return 0;
}
