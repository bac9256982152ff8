#!/usr/bin/env bash
# The bounded-memory figures of issue 12: `zidx-bench gen-build` (random
# records, keys 8-40 bytes, values 8-64 bytes, streamed into the writer)
# for each CONFIG "RECORDS:MEMORY_MIB" (MEMORY_MIB "default" is the
# writer's default budget, a quarter of RAM and at most 1 GiB), REPEATS
# times each, the configurations alternating. Each run gives build time,
# peak RSS (VmHWM), temporary disk (the spilled runs: bytes written in
# all, and the most held at once, sampled every 50 ms through
# /proc/self/fd) and the output size; the table has the medians. The
# outputs are deleted between runs.
#
# Usage: scripts/bounded_build.sh DIR REPEATS CONFIG...
#   e.g. scripts/bounded_build.sh target/bb 3 100000000:default 100000000:256 100000000:16384
# Needs about 7.5 GB of disk per 100M records for the output, plus 1.6 GB
# per 100M for the spilled runs. Prints markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1; repeats=$2; shift 2
configs=("$@")
mkdir -p "$dir"
trap 'rm -f "$dir/bounded.zidx"' EXIT
cargo build --release -q -p zidx-bench
echo "# Builds in bounded memory"
echo
echo "Command: \`scripts/bounded_build.sh $dir $repeats ${configs[*]}\`  "
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, kernel $(uname -r), disk $(df -h --output=source,fstype "$dir" | tail -1 | xargs)  "
echo "Git commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- crates/zidx-format crates/zidx-writer || echo ' (library crates modified)')  "
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')  "
echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
log="$dir/runs.log"
: > "$log"
for r in $(seq 1 "$repeats"); do
    for c in "${configs[@]}"; do
        records=${c%%:*}; memory=${c#*:}
        args=(--records "$records" --out "$dir/bounded.zidx")
        [ "$memory" != default ] && args+=(--memory-mib "$memory")
        out=$(target/release/zidx-bench gen-build "${args[@]}")
        rm -f "$dir/bounded.zidx"
        {
            echo "== $c run $r (load $(cut -d' ' -f1 /proc/loadavg))"
            echo "$out"
        } >> "$log"
    done
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo
echo "| records | --memory | build (median s) | peak RSS (median MiB) | runs spilled | temporary disk written (MiB) | temporary disk at once (max MiB) | output (bytes) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for c in "${configs[@]}"; do
    block() { awk -v c="== $c run" 'index($0, c) == 1 {on=1; next} /^== / {on=0} on' "$log"; }
    t=$(block | awk '/^build total/ {print $3}' | median)
    rss=$(block | awk '/^peak RSS/ {print $3}' | median)
    runs=$(block | awk '/^memory budget/ {print $9}' | head -1)
    written=$(block | awk '/^memory budget/ {print $11}' | head -1)
    once=$(block | awk '/^memory budget/ {print $(NF-3)}' | sort -n | tail -1)
    size=$(block | awk '/^file/ {print $2}' | head -1)
    budget=$(block | awk '/^memory budget/ {print $3}' | head -1)
    echo "| ${c%%:*} | ${c#*:} ($budget MiB) | $t | $rss | $runs | $written | $once | $size |"
done
echo
echo "Every run (\`zidx-bench gen-build\` output):"
echo
echo '```'
cat "$log"
echo '```'
