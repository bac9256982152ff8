#!/usr/bin/env bash
# What the writer's parallel sorts give on this machine: `zidx-bench
# gen-build --records N` (random records streamed into the writer) with
# RAYON_NUM_THREADS=1 and with every core, alternating, REPEATS times each;
# median wall time and peak RSS (VmHWM) of each, and a check that both
# builds wrote the same bytes. The files are deleted at the end.
#
# Usage: scripts/parallel_build.sh [N [REPEATS]]   (default 10000000 5)
# Prints markdown (results/PARALLEL-BUILD.md is its output).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
REPEATS=${2:-5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo build --release -q -p zidx-bench
cores=$(nproc)
echo "# Parallel sorts in the writer: build time with 1 thread and with $cores"
echo
echo "Command: \`scripts/parallel_build.sh $N $REPEATS\`  "
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $cores cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, kernel $(uname -r)  "
echo "Git commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- crates/zidx-format crates/zidx-writer || echo ' (library crates modified)')  "
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')  "
echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "Each build: \`RAYON_NUM_THREADS=T zidx-bench gen-build --records $N\` (format 1.1, unordered), the two settings alternating, $REPEATS builds each. The writer sorts its hash entries (16 bytes a record) twice with rayon's \`par_sort_unstable\`; everything else is one thread."
echo
declare -A times rss
for r in $(seq 1 "$REPEATS"); do
    for t in 1 "$cores"; do
        out=$(RAYON_NUM_THREADS=$t /usr/bin/time -f "%e %M" target/release/zidx-bench gen-build --records "$N" --out "$dir/t$t.zidx" 2>&1 >/dev/null | tail -1)
        times[$t]="${times[$t]:-} ${out% *}"
        rss[$t]="${rss[$t]:-} ${out#* }"
    done
    cmp -s "$dir/t1.zidx" "$dir/t$cores.zidx" || { echo "FAIL: builds with 1 and $cores threads differ"; exit 1; }
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t1=$(echo "${times[1]}" | median)
tn=$(echo "${times[$cores]}" | median)
echo "| threads | build s, median (all runs) | peak RSS MiB, median |"
echo "| --- | --- | --- |"
echo "| 1 | $t1 (${times[1]# }) | $(( $(echo "${rss[1]}" | median) / 1024 )) |"
echo "| $cores | $tn (${times[$cores]# }) | $(( $(echo "${rss[$cores]}" | median) / 1024 )) |"
echo
echo "Speedup: $(awk -v a="$t1" -v b="$tn" 'BEGIN {printf "%.2f", a / b}')x. Every pair of builds wrote identical bytes."
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
