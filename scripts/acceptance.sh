#!/usr/bin/env bash
# Issue 2's acceptance run: a 1,000,000-record TSV with every escape, built
# twice (deterministic), dumped and rebuilt (identical), and queried with
# 100,000 present and 100,000 absent keys through `zidx get INDEX -`.
# Prints build time, lookup rate and overhead per record.
# Usage: scripts/acceptance.sh [N] [Q] [WORKDIR]
set -euo pipefail
N=${1:-1000000}
Q=${2:-100000}
WORK=${3:-$(mktemp -d)}
cd "$(dirname "$0")/.."
cargo build --release -q -p zidx-cli
Z=$PWD/target/release/zidx
python3 scripts/gen_tsv.py "$WORK" "$N" "$Q"
ls -l "$WORK"/data.tsv

t0=$(date +%s%N)
"$Z" build "$WORK/data.tsv" -o "$WORK/a.zidx"
t1=$(date +%s%N)
echo "build of $N records: $(( (t1 - t0) / 1000000 )) ms"
"$Z" build "$WORK/data.tsv" -o "$WORK/b.zidx"
cmp "$WORK/a.zidx" "$WORK/b.zidx" && echo "two builds: byte-identical"
"$Z" dump "$WORK/a.zidx" | "$Z" build - -o "$WORK/c.zidx"
cmp "$WORK/a.zidx" "$WORK/c.zidx" && echo "dump | build: byte-identical"
"$Z" verify "$WORK/a.zidx"

t0=$(date +%s%N)
set +e
"$Z" get "$WORK/a.zidx" - < "$WORK/queries.txt" > "$WORK/got.tsv" 2> "$WORK/get.err"
rc=$?
set -e
t1=$(date +%s%N)
cat "$WORK/get.err"
[ "$rc" = 1 ] || { echo "expected exit 1 (some keys absent), got $rc"; exit 1; }
cmp "$WORK/got.tsv" "$WORK/expected.tsv" && echo "get -: every answer correct ($(wc -l < "$WORK/got.tsv") hits)"
grep -q "^zidx: $Q of $((2 * Q)) keys not found$" "$WORK/get.err" && echo "get -: $Q misses reported"
echo "get - of $((2 * Q)) keys: $(( (t1 - t0) / 1000000 )) ms = $(( 2 * Q * 1000000000 / (t1 - t0) )) keys/s"
"$Z" inspect "$WORK/a.zidx" | grep -E "records|overhead|file length|probe|load"
