#!/usr/bin/env bash
# Issue 2's acceptance run: a 1,000,000-record TSV with every escape, built
# twice (deterministic), dumped and rebuilt (identical), and queried with
# 100,000 present and 100,000 absent keys through `zidx get INDEX -`.
# Prints build time, lookup rate and overhead per record.
#
# The records hold every byte, tabs and newlines included, so they travel
# in the escaped form (`--format tsv-escaped`, `dump --escaped`,
# `get --escaped`); the raw pipeline `zidx dump | zidx build -` is checked
# to refuse them loudly rather than change them.
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
rm -f "$WORK"/[abcd].zidx

t0=$(date +%s%N)
"$Z" build "$WORK/data.tsv" --format tsv-escaped -o "$WORK/a.zidx"
t1=$(date +%s%N)
echo "build of $N records: $(( (t1 - t0) / 1000000 )) ms"
"$Z" build "$WORK/data.tsv" --format tsv-escaped -o "$WORK/b.zidx"
cmp "$WORK/a.zidx" "$WORK/b.zidx" && echo "two builds: byte-identical"
"$Z" dump --escaped "$WORK/a.zidx" | "$Z" build - --format tsv-escaped -o "$WORK/c.zidx"
cmp "$WORK/a.zidx" "$WORK/c.zidx" && echo "dump --escaped | build --format tsv-escaped: byte-identical"
if "$Z" dump "$WORK/a.zidx" 2> "$WORK/dump.err" | "$Z" build - -o "$WORK/d.zidx" 2> /dev/null; then
    echo "raw dump | build should have failed: the records hold tabs and newlines"; exit 1
fi
[ ! -e "$WORK/d.zidx" ] && grep -q "use --escaped" "$WORK/dump.err" \
    && echo "dump | build (raw): refused loudly, no file written"
"$Z" verify "$WORK/a.zidx"

t0=$(date +%s%N)
set +e
"$Z" get --escaped "$WORK/a.zidx" - < "$WORK/queries.txt" > "$WORK/got.tsv" 2> "$WORK/get.err"
rc=$?
set -e
t1=$(date +%s%N)
cat "$WORK/get.err"
[ "$rc" = 1 ] || { echo "expected exit 1 (some keys absent), got $rc"; exit 1; }
cmp "$WORK/got.tsv" "$WORK/expected.tsv" && echo "get -: every answer correct ($(wc -l < "$WORK/got.tsv") hits)"
grep -q "^zidx: $Q of $((2 * Q)) keys not found$" "$WORK/get.err" && echo "get -: $Q misses reported"
echo "get - of $((2 * Q)) keys: $(( (t1 - t0) / 1000000 )) ms = $(( 2 * Q * 1000000000 / (t1 - t0) )) keys/s"
"$Z" count "$WORK/a.zidx"
"$Z" inspect "$WORK/a.zidx" | grep -E "records|overhead|file length|probe|load"
