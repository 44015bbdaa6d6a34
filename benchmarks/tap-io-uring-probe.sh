#!/bin/bash
# Issue 6, TAP I/O: vswitch4j's TAP ports with io_uring batching (--tap) against one read/write system call per
# frame (--tap-syscalls), interleaved, 3 runs each: trafgen floods 64-byte frames from namespace vsl-q1 for 8 s
# (CPU 0), LinuxBridgeMain (pinned to CPU 1) forwards them to vsl-q2. Prints frames/s received and frames per
# CPU second of the poll thread (from /proc task times), which a shared machine disturbs less than frames/s.
#   sudo benchmarks/tap-io-uring-probe.sh      (root; needs trafgen (netsniff-ng) and the benchmarks jar built)
# Creates namespaces vsl-q1, vsl-q2 and removes them at exit; stops its JVM by pid.

here=$(cd "$(dirname "$0")/.." && pwd); jar=$here/benchmarks/target/benchmarks.jar
nx() { ip netns exec "$@"; }
cleanup() { [ -n "${jp:-}" ] && kill $jp 2>/dev/null; wait $jp 2>/dev/null; for n in vsl-q1 vsl-q2; do ip netns del $n 2>/dev/null; done; }
trap cleanup EXIT
for run in 1 2 3; do for mode in tap tap-syscalls; do
  cleanup; jp=
  ip netns add vsl-q1; ip netns add vsl-q2
  (cd $here && exec taskset -c 1 ./vsw java --enable-native-access=ALL-UNNAMED -cp $jar org.vswitch4j.bench.LinuxBridgeMain --$mode vsl-qt1@vsl-q1 --$mode vsl-qt2@vsl-q2) > /tmp/tapprobe.java.out 2>&1 &
  jp=$!
  for _ in $(seq 200); do grep -q '^ready' /tmp/tapprobe.java.out 2>/dev/null && break; sleep 0.1; done
  nx vsl-q1 ip addr add 192.0.2.1/24 dev vsl-qt1; nx vsl-q1 ip link set vsl-qt1 up
  nx vsl-q2 ip addr add 192.0.2.2/24 dev vsl-qt2; nx vsl-q2 ip link set vsl-qt2 up
  nx vsl-q1 ping -c 3 -i 0.2 -q 192.0.2.2 >/dev/null || echo "no ping"
  mac=$(nx vsl-q2 cat /sys/class/net/vsl-qt2/address)
  echo "{ eth(da=$mac), ipv4(saddr=192.0.2.1, daddr=192.0.2.2), udp(sp=4000, dp=9), fill(0x00, 18) }" > /tmp/tapprobe.cfg
  timeout -s INT 3 taskset -c 0 ip netns exec vsl-q1 trafgen --dev vsl-qt1 --conf /tmp/tapprobe.cfg --cpus 1 --no-sock-mem -C >/dev/null 2>&1
  sleep 0.5
  jpid=$(pgrep -P $jp -f LinuxBridgeMain || echo $jp)
  tid=$(grep -l "vsw-pmd-0" /proc/$jpid/task/*/comm | head -1 | xargs dirname)
  t0=$(awk '{print $14+$15}' $tid/stat); r0=$(nx vsl-q2 cat /sys/class/net/vsl-qt2/statistics/rx_packets)
  timeout -s INT 8 taskset -c 0 ip netns exec vsl-q1 trafgen --dev vsl-qt1 --conf /tmp/tapprobe.cfg --cpus 1 --no-sock-mem -C >/dev/null 2>&1
  sleep 0.5
  t1=$(awk '{print $14+$15}' $tid/stat); r1=$(nx vsl-q2 cat /sys/class/net/vsl-qt2/statistics/rx_packets)
  tk=$(getconf CLK_TCK)
  echo "run $run $mode: $(( (r1-r0)/8 )) frames/s, poll thread $(awk -v t=$((t1-t0)) -v k=$tk 'BEGIN{printf "%.2f", t/k}') CPU s, $(awk -v r=$((r1-r0)) -v t=$((t1-t0)) -v k=$tk 'BEGIN{printf "%.0f", t? r/(t/k) : 0}') frames per CPU s; load $(cut -d' ' -f1 /proc/loadavg)"
done; done
