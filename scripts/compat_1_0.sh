#!/usr/bin/env bash
# The 1.0 reader against this version's files (format-spec/SPEC.md §9):
# the `zidx` binary of the 1.0 release (commit 64a6207), built from git,
#  - reads every 1.0 golden file and every file the current writer makes
#    with --format-version 1.0, with the same answers to get, dump and verify
#    as the current reader;
#  - reads every 1.2 file that adds only the compatible ORDERED_KEYS bit and
#    the optional key_fences section to a 1.0 file (golden files
#    testdata/v1.2/*ordered-v1.0*, and `--format-version 1.0 --ordered`
#    builds), with the same answers to get, dump and verify;
#  - reads the shards of an index set built with --format-version 1.0;
#  - refuses every file with an incompatible 1.1, 1.2 or 1.3 feature (the
#    golden files in testdata/v1.1/, testdata/v1.3/ and the other ones in
#    testdata/v1.2/, and the current writer's default, --checked,
#    --on-duplicate keep and --schema output) with its "unknown
#    incompatible features" error, exit 2, no crash.
# Usage: scripts/compat_1_0.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
REV=64a6207
WORK=${1:-target/compat-1.0}
mkdir -p "$WORK"
OLD_SRC="$WORK/src-$REV"
OLD="$OLD_SRC/target/release/zidx"
if [ ! -x "$OLD" ]; then
    git cat-file -e "$REV^{commit}" || { echo "commit $REV (the 1.0 release) is not in this clone"; exit 1; }
    rm -rf "$OLD_SRC" && mkdir -p "$OLD_SRC"
    git archive "$REV" | tar -x -C "$OLD_SRC"
    (cd "$OLD_SRC" && cargo build --release -q -p zidx-cli)
fi
cargo build --release -q -p zidx-cli
NEW=target/release/zidx
echo "1.0 reader: $OLD; current: $NEW"

fail() { echo "FAIL: $*"; exit 1; }
checked=0

# Same answers from both readers: verify, dump, and get of every key.
same_answers() {
    local index=$1
    "$OLD" verify "$index" >/dev/null || fail "1.0 reader cannot verify $index"
    "$NEW" verify "$index" >/dev/null || fail "current reader cannot verify $index"
    "$OLD" dump "$index" > "$WORK/old.dump" || fail "1.0 dump of $index"
    "$NEW" dump --escaped "$index" > "$WORK/new.dump" || fail "current dump of $index"
    cmp -s "$WORK/old.dump" "$WORK/new.dump" || fail "dumps of $index differ"
    cut -f1 "$WORK/old.dump" > "$WORK/keys"
    "$OLD" get "$index" - < "$WORK/keys" > "$WORK/old.get" || fail "1.0 get on $index"
    "$NEW" get --escaped "$index" - < "$WORK/keys" > "$WORK/new.get" || fail "current get on $index"
    cmp -s "$WORK/old.get" "$WORK/new.get" || fail "get answers on $index differ"
    checked=$((checked + 1))
}

# Refused with the unknown-feature error, exit 2, and no crash.
refused() {
    local index=$1 code=0
    "$OLD" get "$index" somekey > /dev/null 2> "$WORK/err" || code=$?
    [ "$code" = 2 ] || fail "1.0 reader exit $code on $index (expected 2)"
    grep -q "unknown incompatible features" "$WORK/err" || fail "1.0 reader on $index said: $(cat "$WORK/err")"
    for cmd in verify dump inspect; do
        code=0
        "$OLD" "$cmd" "$index" > /dev/null 2>&1 || code=$?
        [ "$code" = 2 ] || fail "1.0 reader $cmd exit $code on $index (expected 2)"
    done
    checked=$((checked + 1))
}

for golden in testdata/*.zidx; do
    same_answers "$golden"
done
python3 scripts/gen_tsv.py "$WORK/gen" 20000 100 > /dev/null
for tsv in testdata/spec-example.tsv testdata/unicode-data.tsv "$WORK/gen/data.tsv"; do
    "$NEW" build --force --format tsv-escaped --format-version 1.0 "$tsv" -o "$WORK/v10.zidx"
    same_answers "$WORK/v10.zidx"
    "$NEW" build --force --format tsv-escaped --format-version 1.0 --ordered "$tsv" -o "$WORK/v12-ordered-v10.zidx"
    same_answers "$WORK/v12-ordered-v10.zidx"
    "$NEW" build --force --format tsv-escaped "$tsv" -o "$WORK/v11.zidx"
    refused "$WORK/v11.zidx"
    for features in "--ordered" "--checked" "--ordered --checked" "--on-duplicate keep"; do
        # shellcheck disable=SC2086
        "$NEW" build --force --format tsv-escaped $features "$tsv" -o "$WORK/v12.zidx"
        refused "$WORK/v12.zidx"
    done
done
for golden in testdata/v1.1/*.zidx; do
    refused "$golden"
done
for golden in testdata/v1.2/*.zidx; do
    case "$golden" in
        *ordered-v1.0*) same_answers "$golden" ;;
        *) refused "$golden" ;;
    esac
done
for golden in testdata/v1.3/*.zidx; do
    refused "$golden"
done
# Typed builds from the command line, plain and with every other feature.
COUNTRIES_SCHEMA='lat:f64,lon:f64,numeric:u16,zones:u8,alpha3:str[3],name:str[48],tz:str[34]'
for features in "" "--ordered" "--checked" "--ordered --checked"; do
    # shellcheck disable=SC2086
    "$NEW" build --force testdata/countries.csv --key code --schema "$COUNTRIES_SCHEMA" $features -o "$WORK/v13.zidx"
    refused "$WORK/v13.zidx"
done
# The shards of a set built for 1.0 readers are 1.0 files (SETS.md).
rm -f "$WORK"/set10*
"$NEW" build --format tsv-escaped --format-version 1.0 --shards 3 testdata/unicode-data.tsv -o "$WORK/set10.zidxset"
for shard in "$WORK"/set10-*-of-00003.zidx; do
    same_answers "$shard"
done
echo "1.0 reader: $checked files checked: 1.0 files and 1.2 files with only compatible features answered identically, files with incompatible 1.1, 1.2 and 1.3 features refused cleanly"
