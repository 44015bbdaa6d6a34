#!/bin/bash
# Issue 4's miss path beside Open vSwitch's, interleaved: the cost of one upcall (translation through the same
# 1,000-rule, 3-table pipeline, and the megaflow's install) in Open vSwitch-DPDK's PMD thread and in vswitch4j's
# UpcallBenchmark, on the same traffic.
#   OVS: ovs-vswitchd-dpdk, netdev datapath, 1 PMD on CPU 1 with pmd-perf-metrics, ofport 1 a net_pcap port
#     replaying (infinite_rx=1) UpcallBenchmark's 60,000 packets (FlowReplayFiles DIR upcalls), ofport 2 a
#     net_null (no-rx); the rules of FlowReplayFiles (ovs-ofctl add-flows), fail mode secure. Every second for
#     10 s `revalidator/purge` drops every datapath flow and ukey, so the replay keeps upcalling. Reported:
#     pmd-perf-show's upcalls and its "us/upcall" (the PMD's cycles inside upcall handling per upcall: the
#     translation, the ukey and the megaflow install; not the EMC/dpcls misses before it, nor rx and tx).
#   vswitch4j: UpcallBenchmark (the same rules and packets; its upcalls/s count everything the poll loop does,
#     misses, rx, tx and the 15 % of packets that share a megaflow included, so its µs per upcall is an upper
#     bound of the same work).
#
#   sudo benchmarks/ovs-upcall-side-by-side.sh [rounds]      (default 3; about a minute per round)
#
# Needs root; installs Debian's OVS-DPDK and the DPDK plugins it loads for net_null and net_pcap ports when they
# are missing; reserves 512 2 MB hugepages and gives back what it reserved. OVS runs in a private temporary
# directory (DPDK --in-memory) and is stopped by pid at the end; nothing is sent anywhere.
set -euo pipefail
rounds=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/benchmarks/lib/peers.sh"
need_root "hugepages, DPDK"
packages=(openvswitch-switch-dpdk librte-net-null23 librte-net-pcap23 librte-bus-vdev23 librte-mempool-ring23)
install_missing "${packages[@]}"
[ -x "$ovs_vswitchd" ] || { echo "no $ovs_vswitchd after installing ${packages[*]}" >&2; exit 2; }
jar="$here/benchmarks/target/benchmarks.jar"
[ -f "$jar" ] || "$here/vsw" mvn -q -B package -DskipTests -pl benchmarks -am

reserve_hugepages 512
d=$(mktemp -d /tmp/ovs-upcall.XXXXXX)
ovs_dir "$d"
cleanup() {
    stop_ovs
    release_hugepages
    rm -rf "$d"
}
trap cleanup EXIT

"$here/vsw" java -cp "$jar" org.vswitch4j.bench.FlowReplayFiles "$d/up" upcalls >/dev/null

ovs_round() {
    start_ovs dpdk-extra="--in-memory --no-pci --file-prefix=vsup-ovs" dpdk-socket-mem=512 pmd-cpu-mask=0x2 \
        pmd-perf-metrics=true
    vsctl add-br br0 -- set bridge br0 datapath_type=netdev
    vsctl set-fail-mode br0 secure
    ovs-ofctl -O OpenFlow13 del-flows br0
    ovs-ofctl -O OpenFlow13 add-flows br0 "$d/up/rules.txt"
    vsctl add-port br0 p1 -- set Interface p1 type=dpdk "options:dpdk-devargs=\"net_null1,no-rx=1\"" ofport_request=2
    vsctl add-port br0 p0 -- set Interface p0 type=dpdk \
        "options:dpdk-devargs=\"net_pcap0,rx_pcap=$d/up/flows.pcap,infinite_rx=1\"" ofport_request=1
    sleep 3
    appctl revalidator/purge >/dev/null
    appctl dpif-netdev/pmd-stats-clear >/dev/null
    for _ in $(seq 10); do
        sleep 1
        appctl revalidator/purge >/dev/null
    done
    appctl dpif-netdev/pmd-perf-show >"$d/perf.txt"
    awk '/Rx packets:/ { rx = $3 } /- Upcalls:/ { up = $3; sub(/.*, /, ""); sub(/ us\/upcall.*/, ""); us = $0 }
         /- Megaflow hits:/ { mf = $4 } /- EMC hits:/ { emc = $4 }
         END { printf "ovs-dpdk upcalls: %d in 10 s of %d packets, %.2f us/upcall = %.0f upcalls per second of upcall cycles\n", up, rx, us, (us > 0 ? 1e6 / us : 0) }' "$d/perf.txt"
    stop_ovs
    rm -f "$d/perf.txt"
}

vsw_round() {
    "$here/vsw" java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Djmh.ignoreLock=true \
        -jar "$jar" 'UpcallBenchmark' -f 1 -wi 3 -i 5 -w 1 -r 2 >"$d/jmh.txt" 2>&1
    awk '/^UpcallBenchmark.upcalls:upcalls/ { up = $5 } /^UpcallBenchmark.upcalls / { pk = $5 }
         END { printf "vswitch4j upcalls: %.0f upcalls/s (%.0f packets/s), %.2f us/upcall\n", up, pk, (up > 0 ? 1e6 / up : 0) }' "$d/jmh.txt"
}

echo "# $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
    ovs_round | sed "s/^/round $r: /"
    vsw_round | sed "s/^/round $r: /"
done
echo "# end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
