#!/usr/bin/env bash
# Runs each cargo-fuzz target for SECONDS (default 60), seeding the corpora
# from testdata/ and fuzz/seeds/. Uses the nightly toolchain when installed,
# otherwise the stable one with RUSTC_BOOTSTRAP=1 (cargo-fuzz needs -Z flags).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_PER_TARGET=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(open_bytes mutated_index input_parsers value_schema typed_input set_manifest)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    FUZZ=(cargo +nightly fuzz)
else
    export RUSTC_BOOTSTRAP=1
    FUZZ=(cargo fuzz)
fi

mkdir -p corpus/open_bytes corpus/mutated_index corpus/input_parsers corpus/value_schema corpus/typed_input corpus/set_manifest
# Every version's golden files (a corpus file longer than -max_len is
# mutated in its first max_len bytes).
cp ../testdata/*.zidx corpus/open_bytes/
for version in v1.1 v1.2 v1.3; do
    for golden in ../testdata/$version/*.zidx; do
        cp "$golden" "corpus/open_bytes/$version-$(basename "$golden")"
    done
done
cp regressions/open_bytes/* corpus/open_bytes/ 2>/dev/null || true
cp seeds/input_parsers/* regressions/input_parsers/* corpus/input_parsers/ 2>/dev/null || true
cp regressions/mutated_index/* corpus/mutated_index/ 2>/dev/null || true
cp seeds/value_schema/* regressions/value_schema/* corpus/value_schema/ 2>/dev/null || true
cp seeds/typed_input/* regressions/typed_input/* corpus/typed_input/ 2>/dev/null || true
cp ../testdata/sets/*.zidxset regressions/set_manifest/* corpus/set_manifest/ 2>/dev/null || true

for target in "${TARGETS[@]}"; do
    echo "=== fuzzing $target for ${SECONDS_PER_TARGET}s"
    "${FUZZ[@]}" run "$target" "corpus/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=4096 -max_len=65536 -timeout=30 -print_final_stats=1 2>&1 \
        | grep -E "^(#[0-9]+.*(DONE|pulse)|stat::|==[0-9]+==|SUMMARY|thread '|panicked|artifact_prefix|Test unit written|Done)" || true
    # A crash leaves an artifact and a non-zero exit, which grep hides: check.
    if ls "artifacts/$target"/crash-* "artifacts/$target"/oom-* "artifacts/$target"/timeout-* >/dev/null 2>&1; then
        echo "fuzz target $target found a failure: see fuzz/artifacts/$target/"
        exit 1
    fi
done
