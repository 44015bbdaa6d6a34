#!/bin/bash
# Builds the disassembler plugin that JMH's perfasm needs (benchmarks/tools/hsdis-capstone.c) into /tmp/hsdis,
# installing libcapstone-dev first when it is missing (needs root then). Then, for example:
#   LD_LIBRARY_PATH=/tmp/hsdis ./vsw bench L2Forward -p flows=4 -prof "perfasm:events=cpu-clock"
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! dpkg -s libcapstone-dev >/dev/null 2>&1; then
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libcapstone-dev >/dev/null
fi
mkdir -p /tmp/hsdis
gcc -O2 -shared -fPIC -o /tmp/hsdis/hsdis-amd64.so "$here/hsdis-capstone.c" -lcapstone
echo "built /tmp/hsdis/hsdis-amd64.so; run JMH with LD_LIBRARY_PATH=/tmp/hsdis and -prof \"perfasm:events=cpu-clock\""
