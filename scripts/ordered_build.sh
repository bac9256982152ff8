#!/usr/bin/env bash
# Ordered builds at scale: for each record count, `zidx-bench gen-build`
# (random records streamed into the writer: keys 8-40 bytes, values 8-64
# bytes) without and with --ordered, one after the other on the same
# records, each in its own process: wall time, peak RSS (VmHWM), sorted runs
# spilled to temporary files, and the file size. The file is deleted after
# each build.
#
# Usage: scripts/ordered_build.sh [RECORDS...] [-- DIR]
#   default: 10000000 100000000, in a temp dir (the sort's runs go to
#   $TMPDIR). Needs about 2 x 8 GB of disk per 100M records at the peak of an
#   ordered build (the runs and the file). Prints markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=()
dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --) dir=$2; shift 2 ;;
        *) sizes+=("$1"); shift ;;
    esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(10000000 100000000)
[ -n "$dir" ] || dir=$(mktemp -d)
cleanup() { rm -f "$dir/ordered-build.zidx"; }
trap cleanup EXIT
cargo build --release -q -p zidx-bench
echo "# zidx builds with and without --ordered"
echo
echo "Command: \`scripts/ordered_build.sh ${sizes[*]}\`  "
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, kernel $(uname -r)  "
echo "Git commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- crates/zidx crates/zidx-format crates/zidx-writer || echo ' (library crates modified)')  "
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')  "
echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "Each build: \`zidx-bench gen-build --records N [--ordered]\` (format 1.2, default sort buffer 256 MiB). Peak RSS is the process's VmHWM."
for n in "${sizes[@]}"; do
    for mode in "" "--ordered"; do
        echo
        echo "## $n records ${mode:-(unordered)}"
        echo
        echo '```'
        # shellcheck disable=SC2086 # $mode is one word or none
        target/release/zidx-bench gen-build --records "$n" --out "$dir/ordered-build.zidx" $mode
        echo '```'
        rm -f "$dir/ordered-build.zidx"
    done
done
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
