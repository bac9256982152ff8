#!/usr/bin/env bash
# The main job on the bundled data set: build an index of the Unicode
# Character Database (34,924 records), then query, count, inspect and verify
# it, and rebuild it from its own dump.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p zidx-cli
Z=target/release/zidx
OUT=${1:-target/unicode-data.zidx}
echo "\$ zidx build testdata/unicode-data.tsv -o $OUT"
"$Z" build testdata/unicode-data.tsv -o "$OUT"
echo "\$ zidx get $OUT U+0041"
"$Z" get "$OUT" U+0041
echo "\$ zidx get $OUT U+0041 U+00E9 U+1F600"
"$Z" get "$OUT" U+0041 U+00E9 U+1F600
echo "\$ printf 'U+03A9\\nU+2603\\nU+XXXX\\n' | zidx get $OUT -"
printf 'U+03A9\nU+2603\nU+XXXX\n' | "$Z" get "$OUT" - || echo "(exit $? : one key was absent)"
echo "\$ zidx count $OUT"
"$Z" count "$OUT"
echo "\$ zidx stats $OUT"
"$Z" stats "$OUT"
echo "\$ zidx inspect $OUT"
"$Z" inspect "$OUT"
echo "\$ zidx verify $OUT"
"$Z" verify "$OUT"
echo "\$ zidx dump $OUT | zidx build - -o $OUT.copy"
"$Z" dump "$OUT" | "$Z" build - -o "$OUT.copy"
cmp "$OUT" "$OUT.copy" && echo "the copy is identical"
rm -f "$OUT.copy"
cmp -s "$OUT" testdata/v1.1/unicode-data.zidx && echo "identical to the golden file testdata/v1.1/unicode-data.zidx"
ORD=${OUT%.zidx}.ordered.zidx
echo "\$ zidx build testdata/unicode-data.tsv -o $ORD --ordered --checked"
"$Z" build testdata/unicode-data.tsv -o "$ORD" --ordered --checked
echo "\$ zidx scan $ORD --from U+0391 --through U+0395"
"$Z" scan "$ORD" --from U+0391 --through U+0395
echo "\$ zidx scan $ORD --prefix U+1F60 --count"
"$Z" scan "$ORD" --prefix U+1F60 --count
echo "\$ zidx scan $ORD --reverse --limit 2 --keys-only"
"$Z" scan "$ORD" --reverse --limit 2 --keys-only
echo "\$ zidx verify $ORD"
"$Z" verify "$ORD"
cmp -s "$ORD" testdata/v1.2/unicode-data.ordered-checked.zidx && echo "identical to the golden file testdata/v1.2/unicode-data.ordered-checked.zidx"
