#!/bin/bash
# Side by side, interleaved: Open vSwitch with DPDK (ovs-vswitchd-dpdk, netdev datapath, net_null ports,
# one PMD, flows in_port=1->2 and 2->1: every packet an EMC hit) against vswitch4j's PortForwardBenchmark
# (the same pipeline in-process), then the NORMAL learning bridge on both sides: OVS with actions=NORMAL on
# net_pcap ports replaying 4 or 10,000 MAC pairs (both directions, so every destination is learned), and
# L2ForwardBenchmark with the same MAC pairs.
#
#   sudo benchmarks/ovs-side-by-side.sh [rounds]      (default 3 rounds; about 3 minutes per round)
#
# Order within a round: OVS in_port, our in_port, our NORMAL with 4 pairs, OVS in_port again, our NORMAL with
# 10,000 pairs, OVS NORMAL with 4 and 10,000 pairs, and OVS in_port->output on the 10,000-pair net_pcap ports.
# Why: this host's speed swings within minutes, and the issue's targets compare our NORMAL bridge with OVS's
# in_port case, so each of our readings sits next to an OVS in_port reading (take the mean of the round's two)
# instead of minutes after it.
#
# Needs root; installs Debian's OVS-DPDK and the DPDK plugins it loads for net_null and net_pcap ports when they
# are missing (openvswitch-switch-dpdk librte-net-null23 librte-net-pcap23 librte-bus-vdev23
# librte-mempool-ring23); reserves 256 2 MB hugepages and gives back what it reserved. Everything it starts
# runs in a private temporary directory and is stopped by pid at the end; nothing is sent anywhere (the ports
# are net_null and net_pcap devices inside OVS).
# Prints one line per measurement: what, Mpps.
set -euo pipefail
rounds=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/benchmarks/lib/peers.sh"
need_root "hugepages, DPDK"
packages=(openvswitch-switch-dpdk librte-net-null23 librte-net-pcap23 librte-bus-vdev23 librte-mempool-ring23)
install_missing "${packages[@]}"
[ -x "$ovs_vswitchd" ] || { echo "no $ovs_vswitchd after installing ${packages[*]}" >&2; exit 2; }

reserve_hugepages 256
d=$(mktemp -d /tmp/ovs-sbs.XXXXXX)
ovs_dir "$d"
cleanup() {
    stop_ovs
    release_hugepages
    rm -rf "$d"
}
trap cleanup EXIT

# Two pcap files of 64-byte UDP frames for the NORMAL rounds: port 1 receives a[i] -> b[i], port 2 b[i] -> a[i],
# i < flows, MACs as L2ForwardBenchmark's (02:10::i and 02:20::i); DPDK's net_pcap replays them in a loop.
# The UDP source port is 1024 + i: OVS hashes packets for its EMC by the 5-tuple when the NIC gives no RSS hash,
# so with one 5-tuple for all flows (as vswitch4j's generator sends: only the MACs differ) every flow would fall
# into one EMC bucket (measured: 23 % EMC hits with 4 flows, 0 % with 10,000, 5.5-6.5 and 1.3-1.5 Mpps).
write_pcaps() {
    python3 "$here/benchmarks/tools/replay-pcaps.py" "$1" "$d/p0.pcap" "$d/p1.pcap"
}

ovs_round() {
    local mode=$1 flows=${2:-0}
    start_ovs dpdk-extra="--in-memory --no-pci" dpdk-socket-mem=512 pmd-cpu-mask=0x2
    vsctl add-br br0 -- set bridge br0 datapath_type=netdev
    local dev0=net_null0 dev1=net_null1 what="in_port->output"
    if [ "$mode" != inport ]; then
        write_pcaps "$flows"
        dev0="net_pcap0,rx_pcap=$d/p0.pcap,infinite_rx=1"
        dev1="net_pcap1,rx_pcap=$d/p1.pcap,infinite_rx=1"
        what="NORMAL bridge, $flows flows"
        [ "$mode" = pcap-inport ] && what="in_port->output on net_pcap ports replaying $flows flows"
    fi
    vsctl add-port br0 p0 -- set Interface p0 type=dpdk "options:dpdk-devargs=\"$dev0\"" ofport_request=1
    vsctl add-port br0 p1 -- set Interface p1 type=dpdk "options:dpdk-devargs=\"$dev1\"" ofport_request=2
    ovs-ofctl -O OpenFlow13 del-flows br0
    if [ "$mode" = normal ]; then
        # OVS's MAC table holds 2,048 entries by default; 10,000 pairs are 20,000 MACs, which would keep evicting
        # and relearning. Sized as L2ForwardBenchmark sizes ours: 4 per flow, at least 8,192.
        vsctl set bridge br0 other_config:mac-table-size=$(( flows * 4 > 8192 ? flows * 4 : 8192 ))
        ovs-ofctl -O OpenFlow13 add-flow br0 priority=0,actions=NORMAL
    else
        ovs-ofctl -O OpenFlow13 add-flow br0 in_port=1,actions=output:2
        ovs-ofctl -O OpenFlow13 add-flow br0 in_port=2,actions=output:1
    fi
    sleep 3
    appctl dpif-netdev/pmd-stats-clear >/dev/null
    rx() { ovs-ofctl dump-ports br0 | awk '/rx pkts=/ { sub(/.*rx pkts=/, ""); sub(/,.*/, ""); s += $0 } END { print s }'; }
    local a t0 b t1
    a=$(rx); t0=$(date +%s.%N)
    sleep 10
    b=$(rx); t1=$(date +%s.%N)
    awk -v what="$what" -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "ovs-dpdk %s (both directions, 1 PMD): %.1f Mpps", what, (b - a) / (t1 - t0) / 1e6 }'
    # The PMD's own view: processing cycles per packet and its EMC hit share (a disturbed run shows more cycles).
    appctl dpif-netdev/pmd-stats-show | awk '
        /^pmd thread/ { pmd = 1 } /^main thread/ { pmd = 0 }
        pmd && /packets received:/ { rx = $3 }
        pmd && /emc hits:/ { emc = $3 }
        pmd && /megaflow hits:/ { mf = $3 }
        pmd && /avg processing cycles per packet:/ { cpp = $6 }
        END { printf "  [pmd: %s cycles/packet, %.0f %% EMC hits, %.0f %% megaflow hits]\n", cpp,
              rx ? 100 * emc / rx : 0, rx ? 100 * mf / rx : 0 }'
    if [ -n "${SBS_DEBUG:-}" ]; then appctl dpctl/dump-flows | head -4; appctl dpif-netdev/pmd-stats-show; grep -i "hugepage\|memory\|error" $d/sw.log | head -20; fi
    stop_ovs
    rm -rf "${d:?}"/*
}

# One vswitch4j benchmark: vsw_case <JMH pattern> [JMH options...]
vsw_case() {
    local pattern=$1
    shift
    "$here/vsw" java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
        -jar "$here/benchmarks/target/benchmarks.jar" "$pattern" "$@" \
        -f 1 -wi 3 -w 1 -i 10 -r 1 2>&1 | awk '
        /^\[flows=/ { print "  " $0 }
        /^PortForwardBenchmark.forward / { printf "vswitch4j in_port->output (one direction, 1 thread): %.1f Mpps\n", $(NF-3) / 1e6 }
        /^L2ForwardBenchmark.forward /   { printf "vswitch4j NORMAL bridge, %s flows (one direction, 1 thread): %.1f Mpps\n", $2, $(NF-3) / 1e6 }'
}

(cd "$here" && ./vsw mvn -q -B package -DskipTests -pl benchmarks -am)
for r in $(seq "$rounds"); do
    echo "# round $r, $(date -u +%H:%M:%S)"
    ovs_round inport
    vsw_case PortForward
    vsw_case L2Forward -p flows=4
    ovs_round inport
    vsw_case L2Forward -p flows=10000
    ovs_round normal 4
    ovs_round normal 10000
    # The same 10,000-frame replay through in_port->output: what the net_pcap ports and 10,000 EMC entries cost
    # OVS without the NORMAL bridge, to tell those apart in the row above.
    ovs_round pcap-inport 10000
done
