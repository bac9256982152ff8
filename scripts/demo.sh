#!/usr/bin/env bash
# The main job on the bundled data set: build an index of the Unicode
# Character Database (34,924 records), then query, inspect and verify it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p zidx-cli
Z=target/release/zidx
OUT=${1:-target/unicode-data.zidx}
echo "\$ zidx build testdata/unicode-data.tsv -o $OUT"
"$Z" build testdata/unicode-data.tsv -o "$OUT"
echo "\$ zidx get $OUT U+0041 U+00E9 U+1F600"
"$Z" get "$OUT" U+0041 U+00E9 U+1F600
echo "\$ printf 'U+03A9\\nU+2603\\nU+XXXX\\n' | zidx get $OUT -"
printf 'U+03A9\nU+2603\nU+XXXX\n' | "$Z" get "$OUT" - || echo "(exit $? : one key was absent)"
echo "\$ zidx inspect $OUT"
"$Z" inspect "$OUT"
echo "\$ zidx verify $OUT"
"$Z" verify "$OUT"
cmp -s "$OUT" testdata/unicode-data.zidx && echo "identical to the golden file testdata/unicode-data.zidx"
