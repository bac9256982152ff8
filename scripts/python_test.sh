#!/usr/bin/env bash
# Builds the zidx Python wheel (crates/zidx-py) with maturin, installs it
# into a virtualenv and runs its pytest tests, then the Dask example's
# tests (a distributed build of an index set on a LocalCluster).
#
#   scripts/python_test.sh [VENV]      (default target/py-venv)
#
# ZIDX_PY_SKIP_DASK=1 skips installing Dask and its tests.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-target/py-venv}

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || {
        apt-get update -qq && apt-get install -y -qq python3-venv
        python3 -m venv "$venv"
    }
fi
py="$(cd "$venv" && pwd)/bin/python"
"$py" -m pip install -q --upgrade pip
# numpy: the typed-values test views values as structured scalars; mypy:
# stubtest checks zidx.pyi.
pkgs=(maturin pytest numpy mypy)
[ "${ZIDX_PY_SKIP_DASK:-0}" = 1 ] || pkgs+=("dask[distributed]")
"$py" -m pip install -q "${pkgs[@]}"

rm -rf target/wheels
"$venv/bin/maturin" build --release -q -m crates/zidx-py/Cargo.toml -o target/wheels
"$py" -m pip install -q --force-reinstall --no-deps target/wheels/zidx-*.whl
"$py" -c 'import zidx; print("zidx", zidx.__version__, "from", zidx.__file__)'

# The type stubs match the module (names, signatures, positional-only
# parameters), checked against the installed extension.
(cd target && "$py" -m mypy.stubtest zidx --allowlist ../crates/zidx-py/stubtest-allowlist.txt)

args=(crates/zidx-py/tests -q)
[ "${ZIDX_PY_SKIP_DASK:-0}" = 1 ] && args+=(--ignore=crates/zidx-py/tests/test_dask_build.py)
"$py" -m pytest "${args[@]}"
