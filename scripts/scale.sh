#!/usr/bin/env bash
# The scale figures of the speed issue: a zidx file of RECORDS random
# records (keys 8-40 bytes, values 8-64 bytes) built by streaming them into
# the writer, then `zidx bench` on it (warm hits and misses, get and
# get_many, and cold pages per lookup after evicting the file).
#
# Usage: scripts/scale.sh [RECORDS] [DIR]   (default 100000000, a temp dir)
# Needs about 8 GB of disk per 100M records. Prints markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-100000000}
dir=${2:-$(mktemp -d)}
cleanup() { rm -f "$dir/scale.zidx"; }
trap cleanup EXIT
cargo build --release -q -p zidx-bench -p zidx-cli
echo "# zidx at $records records"
echo
echo "Command: \`scripts/scale.sh $records\`  "
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, kernel $(uname -r)  "
echo "Date: $(date -u +%Y-%m-%d)"
echo
echo "## Build (\`zidx-bench gen-build\`: records streamed into \`Writer::create\`)"
echo
echo '```'
target/release/zidx-bench gen-build --records "$records" --out "$dir/scale.zidx"
echo '```'
echo
echo "## Lookups (\`zidx bench --samples 200000 --cold 1000\`)"
echo
echo '```'
target/release/zidx bench "$dir/scale.zidx" --samples 200000 --cold 1000
echo '```'
