#!/usr/bin/env bash
# The main job on the bundled data set: build an index of the Unicode
# Character Database (34,924 records), then query, count, inspect and verify
# it, and rebuild it from its own dump; then a typed table (format 1.3) of
# the bundled countries, queried as JSON; then an index set of 4 shards.
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
TYPED=${OUT%unicode-data.zidx}countries.zidx
SCHEMA='lat:f64,lon:f64,numeric:u16,zones:u8,alpha3:str[3],name:str[48],tz:str[34]'
echo "\$ zidx build testdata/countries.csv --key code --schema '$SCHEMA' -o $TYPED"
"$Z" build testdata/countries.csv --key code --schema "$SCHEMA" -o "$TYPED"
echo "\$ zidx get $TYPED FR --json"
"$Z" get "$TYPED" FR --json
echo "\$ zidx get $TYPED JP NZ --json"
"$Z" get "$TYPED" JP NZ --json
echo "\$ zidx dump $TYPED --json | head -2"
"$Z" dump "$TYPED" --json | head -2
echo "\$ zidx dump $TYPED --json | zidx build - --format jsonl --value value --schema '$SCHEMA' -o $TYPED.copy"
"$Z" dump "$TYPED" --json | "$Z" build - --format jsonl --value value --schema "$SCHEMA" -o "$TYPED.copy"
cmp "$TYPED" "$TYPED.copy" && echo "the copy is identical"
rm -f "$TYPED.copy"
echo "\$ zidx inspect $TYPED | sed -n '/value schema/,/sections/p'"
"$Z" inspect "$TYPED" | sed -n '/value schema/,/sections/p'
echo "\$ zidx verify $TYPED"
"$Z" verify "$TYPED"
SET=${OUT%unicode-data.zidx}unicode-set.zidxset
echo "\$ zidx build testdata/unicode-data.tsv --shards 4 -o $SET"
"$Z" build testdata/unicode-data.tsv --shards 4 -o "$SET"
echo "\$ zidx inspect $SET"
"$Z" inspect "$SET"
echo "\$ zidx get $SET U+0041 U+1F600"
"$Z" get "$SET" U+0041 U+1F600
echo "\$ zidx verify $SET"
"$Z" verify "$SET"
