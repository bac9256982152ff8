#!/usr/bin/env bash
# The bounded-memory figures of issue 12: `zidx-bench gen-build` (random
# records, keys 8-40 bytes, values 8-64 bytes, streamed into the writer) at
# each size of SIZES with the writer's default memory budget, and at the
# first size also with --memory-mib SMALL. Each run prints build time, peak
# RSS (VmHWM), temporary disk (spilled runs: bytes written in all, and the
# most held at once, sampled every 50 ms through /proc/self/fd) and the
# output size. The outputs are deleted between runs.
#
# Usage: scripts/bounded_build.sh [DIR [SIZES [SMALL]]]
#   (default: a temp dir under target/, "100000000 300000000", 256)
# Needs about 7.5 GB of disk per 100M records for the output, plus 1.6 GB
# per 100M for the spilled runs. Prints markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-$(mktemp -d -p target)}
sizes=${2:-"100000000 300000000"}
small=${3:-256}
mkdir -p "$dir"
trap 'rm -f "$dir/bounded.zidx"' EXIT
cargo build --release -q -p zidx-bench
echo "# Builds in bounded memory"
echo
echo "Command: \`scripts/bounded_build.sh $dir \"$sizes\" $small\`  "
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, kernel $(uname -r), disk $(df -h --output=source,fstype "$dir" | tail -1 | xargs)  "
echo "Git commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- crates/zidx-format crates/zidx-writer || echo ' (library crates modified)')  "
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
run() {
    local records=$1; shift
    echo
    echo "## $records records$([ $# -gt 0 ] && echo ", $*")"
    echo
    echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo '```'
    target/release/zidx-bench gen-build --records "$records" --out "$dir/bounded.zidx" "$@"
    echo '```'
    rm -f "$dir/bounded.zidx"
}
first=1
for n in $sizes; do
    run "$n"
    if [ "$first" = 1 ]; then
        run "$n" --memory-mib "$small"
        first=0
    fi
done
