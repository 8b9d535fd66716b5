#!/usr/bin/env bash
# Build the Python package's wheel (runner/python, guests embedded) in
# release mode into target/wheels and print its path:
#
#   scripts/python-wheel.sh
#
# It builds with this workspace's target dir, so the dependencies compiled
# for the release `wasiland` binary are reused.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_wasm_target
ensure_patched_deps
"$REPO_ROOT/fixtures/build.sh" >&2
maturin="$(ensure_maturin)"
out="$REPO_ROOT/target/wheels"
rm -f "$out"/wasiland-*.whl
log "building the wasiland wheel (release)"
WASILAND_FIXTURES="$REPO_ROOT/fixtures/out" "$maturin" build --quiet --release \
    --manifest-path "$REPO_ROOT/runner/python/Cargo.toml" \
    --target-dir "$REPO_ROOT/target" --out "$out" -i "$(command -v python3)" >&2
ls "$out"/wasiland-*.whl
