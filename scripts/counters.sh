#!/usr/bin/env bash
# Per-lookup instruction and cache-miss counts of zidx's `get`, from
# valgrind's callgrind with its cache simulator (this project's VM exposes
# no hardware counters to `perf stat`). It simulates the caches (L1 and the
# last level, sized like this machine's), so its miss counts are a model, not the CPU's own.
#
# Usage: scripts/counters.sh [RECORDS] [LOOKUPS]   (default 1000000 100000)
# Needs valgrind (apt install valgrind). Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-1000000}
lookups=${2:-100000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo build --release -q -p zidx-bench
bench=target/release/zidx-bench
$bench gen-build --records "$records" --out "$dir/v11.zidx" >/dev/null
$bench gen-build --records "$records" --out "$dir/v10.zidx" --v1-0 >/dev/null
echo "| file | lookups | instructions per lookup | L1 data misses per lookup | last-level data misses per lookup |"
echo "|---|---|---|---|---|"
for format in v11 v10; do
  for kind in hit miss; do
    out="$dir/cg.$format.$kind"
    # callgrind, for --toggle-collect; the last level set to this machine's
    # L3 (32 MiB, 16-way), which valgrind misreads under the hypervisor.
    valgrind --tool=callgrind --cache-sim=yes --LL=33554432,16,64 \
      --callgrind-out-file="$out" --toggle-collect='*run_lookups*' \
      "$bench" count-lookups "$dir/$format.zidx" --kind "$kind" --count "$lookups" \
      >/dev/null 2>&1
    callgrind_annotate "$out" 2>/dev/null | python3 -c '
import re, sys
text = sys.stdin.read()
events = re.search(r"^Events shown:\s+(.*)$", text, re.M).group(1).split()
line = next(l for l in text.splitlines() if "PROGRAM TOTALS" in l)
values = [0 if v == "." else int(v.replace(",", "")) for v in re.sub(r"\([^)]*\)", "", line).split()[: len(events)]]
t = dict(zip(events, values))
n = int(sys.argv[1])
fmt = {"v11": "format 1.1 (SipHash-1-3)", "v10": "format 1.0 (XXH3)"}[sys.argv[2]]
ir, d1, ll = t["Ir"] / n, (t["D1mr"] + t["D1mw"]) / n, (t["DLmr"] + t["DLmw"]) / n
print("| %s, %s records | %s | %.0f | %.2f | %.2f |" % (fmt, sys.argv[4], sys.argv[3], ir, d1, ll))
' "$lookups" "$format" "$kind" "$records"
  done
done
