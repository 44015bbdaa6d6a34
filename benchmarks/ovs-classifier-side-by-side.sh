#!/usr/bin/env bash
# Open vSwitch's classifier beside ours on the same table: ClassifierLookupBenchmark's 20 masks and key mix
# (benchmarks/peers/ovs-classifier-bench.c builds the same table for lib/classifier.c), at each rule count,
# interleaved: for each round and each count, OVS then ours. The question it answers is issue 4's lookup
# scaling target (within 10 % from 1k to 1M rules): how much the reference tuple-space classifier's
# lookup cost grows with the rule count on this machine.
#
#   benchmarks/ovs-classifier-side-by-side.sh [ROUNDS]      (default 2; RULES="1000 1000000" by default)
#
# Needs Debian's openvswitch-source (installed if missing) and gcc; builds OVS's lib/libopenvswitch.a once
# into $OVS_BUILD (default /tmp/vs4j-ovs-build, about 4 minutes on 2 cores). Not part of the tests.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
rounds=${1:-2}
rules=${RULES:-"1000 1000000"}
build=${OVS_BUILD:-/tmp/vs4j-ovs-build}
lookups=${LOOKUPS:-5000000}

if [ ! -f /usr/src/openvswitch/openvswitch.tar.gz ]; then
  apt-get install -y -qq openvswitch-source >/dev/null
fi
src="$build/openvswitch"
if [ ! -f "$src/lib/.libs/libopenvswitch.a" ]; then
  rm -rf "$build" && mkdir -p "$build"
  tar -xzf /usr/src/openvswitch/openvswitch.tar.gz -C "$build"
  (
    cd "$src"
    ./configure --disable-ssl --enable-silent-rules >"$build/configure.log" 2>&1
    # The generated headers first: the library target alone does not build them.
    make -j2 include/odp-netlink.h include/odp-netlink-macros.h lib/vswitch-idl.h lib/ovsdb-server-idl.h \
      >"$build/make.log" 2>&1
    make -j2 lib/libopenvswitch.la >>"$build/make.log" 2>&1
  ) || { echo "building Open vSwitch's library failed; see $build/*.log" >&2; exit 1; }
fi
gcc -O2 -march=native -I"$src" -I"$src/include" -I"$src/lib" "$here/peers/ovs-classifier-bench.c" \
  "$src/lib/.libs/libopenvswitch.a" -latomic -lm -lpthread -lrt -o "$build/ovs-classifier-bench"

jar="$root/benchmarks/target/benchmarks.jar"
if [ ! -f "$jar" ]; then
  "$root/vsw" mvn -q -B package -DskipTests -pl benchmarks -am
fi

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  for n in $rules; do
    "$build/ovs-classifier-bench" "$n" "$lookups" | sed "s/^/round $r: /"
    "$root/vsw" java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Djmh.ignoreLock=true \
      -jar "$jar" 'ClassifierLookupBenchmark.lookup$' -p rules="$n" -p prefixTracking=true \
      -f 1 -wi 3 -i 4 -w 1 -r 2 2>&1 | awk -v r="$r" '/^ClassifierLookupBenchmark/ {
        printf "round %s: vswitch4j rules=%s ns_per_lookup=%s +- %s\n", r, $3, $6, $8 }'
  done
done
echo "# end $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
