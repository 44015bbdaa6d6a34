#!/bin/bash
# Side by side, interleaved: Open vSwitch with DPDK (ovs-vswitchd-dpdk, netdev datapath, net_null ports,
# one PMD, flows in_port=1->2 and 2->1: every packet an EMC hit) against vswitch4j's PortForwardBenchmark
# (the same pipeline in-process) and L2ForwardBenchmark (the NORMAL learning bridge, 4 flows).
#
#   sudo benchmarks/ovs-side-by-side.sh [rounds]      (default 3 rounds; about 1.5 minutes per round)
#
# Needs root, Debian's OVS-DPDK and the DPDK plugins it loads for net_null ports (apt-get install
# openvswitch-switch-dpdk librte-net-null23 librte-bus-vdev23 librte-mempool-ring23) and 2 MB
# hugepages (it reserves 256 and gives back what it reserved). Everything it starts runs in a private
# temporary directory and is stopped by pid at the end; nothing is sent anywhere (net_null ports).
# Prints one line per measurement: what, Mpps.
set -euo pipefail
rounds=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
vswitchd=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
[ "$(id -u)" = 0 ] || { echo "needs root (hugepages, DPDK)" >&2; exit 2; }
[ -x "$vswitchd" ] || { echo "needs $vswitchd: apt-get install openvswitch-switch-dpdk librte-net-null23 librte-bus-vdev23 librte-mempool-ring23" >&2; exit 2; }

hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
hp_before=$(cat $hp)
[ "$hp_before" -ge 256 ] || echo 256 > $hp
d=$(mktemp -d /tmp/ovs-sbs.XXXXXX)
db_pid=
sw_pid=
cleanup() {
    if [ -n "$sw_pid" ]; then
        ovs-appctl -t "$d/ovs-vswitchd.ctl" exit --cleanup >/dev/null 2>&1 || true
        for _ in $(seq 50); do kill -0 "$sw_pid" 2>/dev/null || break; sleep 0.1; done
        kill "$sw_pid" 2>/dev/null || true
    fi
    [ -n "$db_pid" ] && kill "$db_pid" 2>/dev/null || true
    echo "$hp_before" > $hp
    rm -rf "$d"
}
trap cleanup EXIT

export OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d OVS_SYSCONFDIR=$d
vsctl() { ovs-vsctl --db=unix:$d/db.sock "$@"; }

ovs_round() {
    ovsdb-tool create $d/conf.db /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server $d/conf.db --remote=punix:$d/db.sock --pidfile=$d/db.pid --log-file=$d/db.log \
        --unixctl=$d/ovsdb-server.ctl >/dev/null 2>&1 &
    db_pid=$!
    for _ in $(seq 50); do [ -S $d/db.sock ] && break; sleep 0.1; done
    vsctl --no-wait init
    vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
        other_config:dpdk-extra="--in-memory --no-pci" other_config:dpdk-socket-mem=512 other_config:pmd-cpu-mask=0x2
    $vswitchd unix:$d/db.sock --pidfile=$d/sw.pid --log-file=$d/sw.log --unixctl=$d/ovs-vswitchd.ctl >/dev/null 2>&1 &
    sw_pid=$!
    for _ in $(seq 100); do
        [ "$(vsctl get Open_vSwitch . dpdk_initialized 2>/dev/null)" = true ] && break; sleep 0.1
    done
    vsctl add-br br0 -- set bridge br0 datapath_type=netdev
    vsctl add-port br0 p0 -- set Interface p0 type=dpdk options:dpdk-devargs=net_null0 ofport_request=1
    vsctl add-port br0 p1 -- set Interface p1 type=dpdk options:dpdk-devargs=net_null1 ofport_request=2
    ovs-ofctl -O OpenFlow13 del-flows br0
    ovs-ofctl -O OpenFlow13 add-flow br0 in_port=1,actions=output:2
    ovs-ofctl -O OpenFlow13 add-flow br0 in_port=2,actions=output:1
    sleep 3
    ovs-appctl -t $d/ovs-vswitchd.ctl dpif-netdev/pmd-stats-clear >/dev/null
    rx() { ovs-ofctl dump-ports br0 | awk '/rx pkts=/ { sub(/.*rx pkts=/, ""); sub(/,.*/, ""); s += $0 } END { print s }'; }
    local a t0 b t1
    a=$(rx); t0=$(date +%s.%N)
    sleep 10
    b=$(rx); t1=$(date +%s.%N)
    awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "ovs-dpdk in_port->output (both directions, 1 PMD): %.1f Mpps", (b - a) / (t1 - t0) / 1e6 }'
    # The PMD's own view: processing cycles per packet and its EMC hit share (a disturbed run shows more cycles).
    ovs-appctl -t $d/ovs-vswitchd.ctl dpif-netdev/pmd-stats-show | awk '
        /^pmd thread/ { pmd = 1 } /^main thread/ { pmd = 0 }
        pmd && /packets received:/ { rx = $3 }
        pmd && /emc hits:/ { emc = $3 }
        pmd && /avg processing cycles per packet:/ { cpp = $6 }
        END { printf "  [pmd: %s cycles/packet, %.0f %% EMC hits]\n", cpp, rx ? 100 * emc / rx : 0 }'
    if [ -n "${SBS_DEBUG:-}" ]; then ovs-appctl -t $d/ovs-vswitchd.ctl dpif-netdev/pmd-stats-show; grep -i "hugepage\|memory\|error" $d/sw.log | head -20; fi
    ovs-appctl -t $d/ovs-vswitchd.ctl exit --cleanup >/dev/null 2>&1 || true
    for _ in $(seq 50); do kill -0 "$sw_pid" 2>/dev/null || break; sleep 0.1; done
    kill "$sw_pid" 2>/dev/null || true
    sw_pid=
    kill "$db_pid" 2>/dev/null || true
    wait "$db_pid" 2>/dev/null || true
    db_pid=
    rm -rf "${d:?}"/*
}

vsw_round() {
    "$here/vsw" java -jar "$here/benchmarks/target/benchmarks.jar" 'PortForward|L2Forward' -p flows=4 \
        -f 1 -wi 3 -w 1 -i 10 -r 1 2>&1 | awk '
        /^PortForwardBenchmark.forward / { printf "vswitch4j in_port->output (one direction, 1 thread): %.1f Mpps\n", $(NF-3) / 1e6 }
        /^L2ForwardBenchmark.forward /   { printf "vswitch4j NORMAL bridge, 4 flows (1 thread): %.1f Mpps\n", $(NF-3) / 1e6 }'
}

(cd "$here" && ./vsw mvn -q -B package -DskipTests -pl benchmarks -am)
for r in $(seq "$rounds"); do
    echo "# round $r, $(date -u +%H:%M:%S)"
    ovs_round
    vsw_round
done
