#!/bin/bash
# Issue 6's side-by-side: two hosts nx network namespaces (vsl-b1 sends, vsl-b2 receives) joined by
#   (a) a plain veth pair                      (e) OVS userspace with type=tap ports
#   (b) the Linux bridge                       (f) vswitch4j with TAP ports
#   (c) OVS userspace, kernel-socket ports     (g) vswitch4j with AF_XDP ports (copy mode, one shared UMEM)
#   (d) OVS userspace with type=afxdp ports   (h) vswitch4j with TAP ports, one read/write per frame (no io_uring)
#   (i) vswitch4j with TAP ports with IFF_VNET_HDR offloads (hosts' checksum/TSO on: 64 KB GSO frames pass through)
#   (j) the Linux bridge with the hosts' veth offloads on (the peer for (i): the kernel moves 64 KB GSO frames too)
# measuring 64-byte frames/s received (trafgen on CPU 0, one core), iperf3 TCP Gbit/s (client and server on CPU 0)
# and ping latency; the switch (ovs-vswitchd, its PMD, or vswitch4j's JVM) is pinned to CPU 1. Runs are
# interleaved (a..g, then a..g again), each configuration built fresh; the table has the median of the runs and
# each row's ratio to (c).
#
#   sudo benchmarks/linux-io-side-by-side.sh [runs] [seconds]      (default 3 runs of 10 s; ~12 minutes)
#   sudo CONFIGS="e f h" benchmarks/linux-io-side-by-side.sh 3 10  (only some rows; (c) is then the ratios' base
#                                                                  only if it is among them; "e,f,h" works too)
#   sudo ALT_JAR=/tmp/main.jar CONFIGS="d g k" benchmarks/...     (row (k) = row (g) run from another build's
#                                                                  benchmarks.jar: an A/B of two builds, interleaved)
#
# Needs root and: iproute2, ethtool, iperf3, iputils-ping, netsniff-ng (trafgen), openvswitch-switch (installed
# with apt-get when missing), a JDK 25 (./vsw finds it). OVS runs privately (its own db, sockets and logs nx a
# temporary directory, ovs-vswitchd inside the switch namespace), never the system service. Everything it
# creates is named vsl-b* and removed at exit; processes are stopped by pid. Traffic stays nx the namespaces.
# Hosts' veths have checksum/segmentation offloads off (OVS without userspace-tso and AF_XDP need it; the same
# for every row but (i) and (j), whose point is the offloads).
# HOST_RPS=1 sets the hosts' devices' rps_cpus to CPU 0 in every row: a veth or TAP runs the receiving host's
# stack on the CPU that transmitted into it, so without RPS the switch's core (CPU 1) carries the receiving
# host's IP/UDP/TCP work in rows (c)-(i) and the sender's CPU 0 in (a), (b), (j); with it the hosts' stacks
# run on the hosts' CPU 0 in every row. Off by default (the table's published runs are without it).
set -euo pipefail
runs=${1:-3}
secs=${2:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/benchmarks/lib/peers.sh"
need_root "namespaces, veth, TAP, XDP"
install_missing iproute2 ethtool iperf3 iputils-ping netsniff-ng openvswitch-switch
jar=$here/benchmarks/target/benchmarks.jar
(cd "$here" && ./vsw mvn -q -B package -DskipTests -pl benchmarks -am)

d=$(mktemp -d /tmp/vsl-bench.XXXXXX)
db_pid= ; sw_pid= ; java_pid=
stop_switch() {
    if [ -n "$java_pid" ]; then kill "$java_pid" 2>/dev/null || true; wait "$java_pid" 2>/dev/null || true; java_pid=; fi
    if [ -n "$sw_pid" ]; then
        ovs-appctl -t "$d/ovs-vswitchd.ctl" exit --cleanup >/dev/null 2>&1 || true
        for _ in $(seq 50); do kill -0 "$sw_pid" 2>/dev/null || break; sleep 0.1; done
        kill "$sw_pid" 2>/dev/null || true; sw_pid=
    fi
    if [ -n "$db_pid" ]; then kill "$db_pid" 2>/dev/null || true; db_pid=; fi
}
teardown() {
    stop_switch
    for ns in vsl-b1 vsl-b2 vsl-bs; do ip netns del $ns 2>/dev/null || true; done
}
trap 'teardown; rm -rf "$d"' EXIT
nx() { ip netns exec "$@"; }

host() { # ns dev ip offloads(0/1)
    nx "$1" ip addr add "$3/24" dev "$2"; nx "$1" ip link set "$2" up
    [ "$4" = 1 ] && nx "$1" ethtool -K "$2" tx off tso off gso off gro off txvlan off >/dev/null 2>&1 || true
    if [ "${HOST_RPS:-0}" = 1 ]; then
        nx "$1" sh -c "for q in /sys/class/net/$2/queues/rx-*; do echo 1 > \$q/rps_cpus; done"
    fi
}
namespaces() { teardown; for ns in vsl-b1 vsl-b2 vsl-bs; do ip netns add $ns; nx $ns ip link set lo up; done; }
switch_veths() { # hosts' veths into the switch namespace: vsl-b1e/vsl-b2e <-> vsl-s1/vsl-s2; $1=0 keeps offloads
    local off=${1:-1}
    for i in 1 2; do
        ip link add vsl-b${i}e netns vsl-b$i type veth peer name vsl-s$i netns vsl-bs
        nx vsl-bs ip link set vsl-s$i up
        [ "$off" = 1 ] && { nx vsl-bs ethtool -K vsl-s$i tx off tso off gso off txvlan off >/dev/null 2>&1 || true; }
        host vsl-b$i vsl-b${i}e 192.0.2.$i "$off"
    done
    dev1=vsl-b1e; dev2=vsl-b2e
}
ovs_start() { # extra other_config for the PMD
    export OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d OVS_SYSCONFDIR=$d
    rm -f "$d"/conf.db; ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server "$d/conf.db" --remote=punix:"$d/db.sock" --pidfile="$d/db.pid" --log-file="$d/db.log" \
        --unixctl="$d/db.ctl" >/dev/null 2>&1 &
    db_pid=$!
    for _ in $(seq 50); do [ -S "$d/db.sock" ] && break; sleep 0.1; done
    vsctl --no-wait init
    vsctl --no-wait set Open_vSwitch . other_config:pmd-cpu-mask=0x2
    nx vsl-bs taskset -c 1 ovs-vswitchd unix:"$d/db.sock" --disable-system --pidfile="$d/sw.pid" \
        --log-file="$d/sw.log" --unixctl="$d/ovs-vswitchd.ctl" >/dev/null 2>&1 &
    sw_pid=$!
    for _ in $(seq 100); do [ -S "$d/ovs-vswitchd.ctl" ] && break; sleep 0.1; done
    vsctl add-br br0 -- set bridge br0 datapath_type=netdev
}
vsctl() { ovs-vsctl --timeout=20 --db=unix:"$d/db.sock" "$@"; }
java_start() { # LinuxBridgeMain args... (from $run_jar)
    (cd "$here" && exec taskset -c 1 ./vsw java --enable-native-access=ALL-UNNAMED -cp "${run_jar:-$jar}" \
        org.vswitch4j.bench.LinuxBridgeMain "$@") > "$d/java.out" 2>&1 &
    java_pid=$!
    for _ in $(seq 200); do grep -q '^ready' "$d/java.out" 2>/dev/null && return; sleep 0.1; done
    echo "vswitch4j did not start:" >&2; cat "$d/java.out" >&2; exit 1
}

setup() {
    namespaces
    case $1 in
    a)  ip link add vsl-b1e netns vsl-b1 type veth peer name vsl-b2e netns vsl-b2
        host vsl-b1 vsl-b1e 192.0.2.1 1; host vsl-b2 vsl-b2e 192.0.2.2 1; dev1=vsl-b1e; dev2=vsl-b2e ;;
    b)  switch_veths; nx vsl-bs ip link add vsl-br type bridge; nx vsl-bs ip link set vsl-br up
        for i in 1 2; do nx vsl-bs ip link set vsl-s$i master vsl-br; done ;;
    c)  switch_veths; ovs_start; for i in 1 2; do vsctl add-port br0 vsl-s$i; done ;;
    d)  switch_veths; ovs_start
        for i in 1 2; do vsctl add-port br0 vsl-s$i -- set interface vsl-s$i type=afxdp; done ;;
    e)  ovs_start
        for i in 1 2; do
            vsctl add-port br0 vsl-ot$i -- set interface vsl-ot$i type=tap
            for _ in $(seq 50); do nx vsl-bs ip link show vsl-ot$i >/dev/null 2>&1 && break; sleep 0.1; done
            nx vsl-bs ip link set vsl-ot$i netns vsl-b$i; host vsl-b$i vsl-ot$i 192.0.2.$i 0
        done
        dev1=vsl-ot1; dev2=vsl-ot2 ;;
    f)  java_start --tap vsl-t1@vsl-b1 --tap vsl-t2@vsl-b2
        host vsl-b1 vsl-t1 192.0.2.1 0; host vsl-b2 vsl-t2 192.0.2.2 0; dev1=vsl-t1; dev2=vsl-t2 ;;
    g)  switch_veths; java_start --xdp vsl-s1@vsl-bs --xdp vsl-s2@vsl-bs ;;
    k)  [ -f "${ALT_JAR:-}" ] || { echo "row (k) needs ALT_JAR=<another build's benchmarks.jar>" >&2; exit 2; }
        switch_veths; run_jar=$ALT_JAR java_start --xdp vsl-s1@vsl-bs --xdp vsl-s2@vsl-bs ;;
    h)  java_start --tap-syscalls vsl-t1@vsl-b1 --tap-syscalls vsl-t2@vsl-b2
        host vsl-b1 vsl-t1 192.0.2.1 0; host vsl-b2 vsl-t2 192.0.2.2 0; dev1=vsl-t1; dev2=vsl-t2 ;;
    i)  java_start --tap-offload vsl-t1@vsl-b1 --tap-offload vsl-t2@vsl-b2
        host vsl-b1 vsl-t1 192.0.2.1 0; host vsl-b2 vsl-t2 192.0.2.2 0; dev1=vsl-t1; dev2=vsl-t2 ;;
    j)  switch_veths 0; nx vsl-bs ip link add vsl-br type bridge; nx vsl-bs ip link set vsl-br up
        for i in 1 2; do nx vsl-bs ip link set vsl-s$i master vsl-br; done ;;
    esac
    sleep 1
    nx vsl-b1 ping -c 3 -i 0.2 -W 2 -q 192.0.2.2 >/dev/null || { echo "($1): no ping" >&2; }
    # the same 3-s warm-up for every row: it lets vswitch4j's JIT compile the fast path before the measurement
    warm
}
warm() {
    local mac
    mac=$(nx vsl-b2 cat /sys/class/net/"$dev2"/address)
    echo "{ eth(da=$mac), ipv4(saddr=192.0.2.1, daddr=192.0.2.2), udp(sp=4000, dp=9), fill(0x00, 18) }" > "$d/udp.cfg"
    timeout -s INT 3 taskset -c 0 ip netns exec vsl-b1 trafgen --dev "$dev1" --conf "$d/udp.cfg" --cpus 1 \
        --no-sock-mem -C >/dev/null 2>&1 || true
    sleep 0.5
}

rx() { nx vsl-b2 cat /sys/class/net/"$dev2"/statistics/rx_packets; }
measure() { # prints: pps Gbit/s latency_ms
    local mac cfg r0 r1 pps gbps lat
    mac=$(nx vsl-b2 cat /sys/class/net/"$dev2"/address)
    cfg=$d/udp.cfg
    # 60 bytes on the wire before the FCS: Ethernet 14, IPv4 20, UDP 8, payload 18
    echo "{ eth(da=$mac), ipv4(saddr=192.0.2.1, daddr=192.0.2.2), udp(sp=4000, dp=9), fill(0x00, 18) }" > "$cfg"
    r0=$(rx)
    timeout -s INT "$secs" taskset -c 0 ip netns exec vsl-b1 trafgen --dev "$dev1" --conf "$cfg" --cpus 1 \
        --no-sock-mem -C >/dev/null 2>&1 || true
    sleep 0.5
    r1=$(rx)
    pps=$(( (r1 - r0) / secs ))
    nx vsl-b2 taskset -c 0 iperf3 -s -1 -B 192.0.2.2 >/dev/null 2>&1 &
    local srv=$!
    sleep 0.5
    gbps=$(nx vsl-b1 taskset -c 0 iperf3 -c 192.0.2.2 -t "$secs" -J 2>/dev/null | python3 -c \
        'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))' \
        2>/dev/null || echo 0)
    kill $srv 2>/dev/null || true; wait $srv 2>/dev/null || true
    lat=$(nx vsl-b1 ping -c 20 -i 0.05 -q 192.0.2.2 2>/dev/null | awk -F/ '/^rtt/ {print $5}')
    echo "$pps ${gbps:-0} ${lat:-nan}"
}

configs=${CONFIGS:-a b c d e f g h i j}
configs=${configs//,/ }
declare -A name=([a]="plain veth pair" [b]="Linux bridge" [c]="OVS netdev, kernel-socket ports"
    [d]="OVS netdev, afxdp ports" [e]="OVS netdev, tap ports" [f]="vswitch4j, TAP ports (io_uring)" [g]="vswitch4j, AF_XDP ports"
    [h]="vswitch4j, TAP ports (a system call per frame)" [i]="vswitch4j, TAP ports with offloads (vnet_hdr, TSO)"
    [j]="Linux bridge, hosts' offloads on" [k]="vswitch4j, AF_XDP ports, ALT_JAR's build")
declare -A results
echo "# $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs, $runs runs of $secs s, interleaved" >&2
for run in $(seq "$runs"); do
    for c in $configs; do
        setup "$c"
        m=$(measure)
        stop_switch
        echo "run $run ($c) ${name[$c]}: $m" >&2
        results[$c]="${results[$c]:-} $m"
    done
done
teardown

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
col() { echo "${results[$1]:-}" | awk -v k="$2" '{for (i = k; i <= NF; i += 3) print $i}' | median; }
cp=$(col c 1); ct=$(col c 2)
printf "| row | path | 64-B frames/s received | ratio to (c) | iperf3 TCP Gbit/s | ratio to (c) | ping avg ms |\n"
printf "|---|---|---|---|---|---|---|\n"
for c in $configs; do
    p=$(col "$c" 1); t=$(col "$c" 2); l=$(col "$c" 3)
    printf "| (%s) | %s | %'d | %.2f | %s | %.2f | %s |\n" "$c" "${name[$c]}" "$p" \
        "$(awk -v a="$p" -v b="$cp" 'BEGIN {print b ? a / b : 0}')" "$t" \
        "$(awk -v a="$t" -v b="$ct" 'BEGIN {print b ? a / b : 0}')" "$l"
done
