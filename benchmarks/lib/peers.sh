# Sourced by the side-by-side scripts (benchmarks/*-side-by-side.sh): what they all need before and around a
# peer: root, Debian packages, 2 MB hugepages given back at the end, and a private Open vSwitch with DPDK whose
# database, sockets and logs live in a directory of the caller's, started and stopped by pid.

# Exits unless root; $1 says what for.
need_root() {
    [ "$(id -u)" = 0 ] || { echo "needs root ($1)" >&2; exit 2; }
}

# Installs those of the given Debian packages that are missing (all of them, if any is).
install_missing() {
    if ! dpkg -s "$@" >/dev/null 2>&1; then
        echo "installing $*" >&2
        apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
    fi
}

hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
hp_before=
# Makes at least $1 2 MB hugepages reserved; release_hugepages restores the count found.
reserve_hugepages() {
    hp_before=$(cat $hp)
    [ "$hp_before" -ge "$1" ] || echo "$1" > $hp
}
release_hugepages() {
    [ -z "$hp_before" ] || echo "$hp_before" > $hp
}

# The private Open vSwitch: ovs_dir DIR points the OVS tools at DIR (and defines vsctl and appctl for it).
ovs_vswitchd=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
ovs_db_pid=
ovs_sw_pid=
ovs_dir() {
    ovs_d=$1
    export OVS_RUNDIR=$ovs_d OVS_DBDIR=$ovs_d OVS_LOGDIR=$ovs_d OVS_SYSCONFDIR=$ovs_d
}
vsctl() { ovs-vsctl --db=unix:"$ovs_d/db.sock" "$@"; }
appctl() { ovs-appctl -t "$ovs_d/ovs-vswitchd.ctl" "$@"; }

# Starts a fresh database and ovs-vswitchd-dpdk with dpdk-init=true and the other_config settings given (as
# key=value), and waits until DPDK is initialised.
start_ovs() {
    ovsdb-tool create "$ovs_d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server "$ovs_d/conf.db" --remote=punix:"$ovs_d/db.sock" --pidfile="$ovs_d/db.pid" \
        --log-file="$ovs_d/db.log" --unixctl="$ovs_d/ovsdb-server.ctl" >/dev/null 2>&1 &
    ovs_db_pid=$!
    for _ in $(seq 50); do [ -S "$ovs_d/db.sock" ] && break; sleep 0.1; done
    vsctl --no-wait init
    local kv settings=(other_config:dpdk-init=true)
    for kv in "$@"; do settings+=("other_config:$kv"); done
    vsctl --no-wait set Open_vSwitch . "${settings[@]}"
    $ovs_vswitchd unix:"$ovs_d/db.sock" --pidfile="$ovs_d/sw.pid" --log-file="$ovs_d/sw.log" \
        --unixctl="$ovs_d/ovs-vswitchd.ctl" >/dev/null 2>&1 &
    ovs_sw_pid=$!
    for _ in $(seq 100); do
        [ "$(vsctl get Open_vSwitch . dpdk_initialized 2>/dev/null)" = true ] && break; sleep 0.1
    done
}

# Stops what start_ovs started (by pid; a no-op when nothing runs) and removes its files from the directory.
stop_ovs() {
    if [ -n "$ovs_sw_pid" ]; then
        appctl exit --cleanup >/dev/null 2>&1 || true
        for _ in $(seq 50); do kill -0 "$ovs_sw_pid" 2>/dev/null || break; sleep 0.1; done
        kill "$ovs_sw_pid" 2>/dev/null || true
        ovs_sw_pid=
    fi
    if [ -n "$ovs_db_pid" ]; then
        kill "$ovs_db_pid" 2>/dev/null || true
        wait "$ovs_db_pid" 2>/dev/null || true
        ovs_db_pid=
    fi
    rm -f "$ovs_d"/conf.db "$ovs_d"/*.log "$ovs_d"/*.pid "$ovs_d"/*.ctl "$ovs_d"/db.sock "$ovs_d"/br0.*
}
