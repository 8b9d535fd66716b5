#!/usr/bin/env bash
# Build the conformance guests (one wasm32-wasip1 module per program) and
# copy them into OUTDIR as <program>.wasm, for the driver's --guests or for
# any other harness. Needs only rustup and cargo (not wasiland):
#
#   conformance/build-guests.sh [OUTDIR]      default: conformance/guests/out
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/guests/out}"
target="${CONFORMANCE_GUESTS_TARGET_DIR:-$here/guests/target}"
if ! rustup target list --installed | grep -qx wasm32-wasip1; then
    rustup target add wasm32-wasip1 >&2
fi
cargo build --release --locked --target wasm32-wasip1 \
    --manifest-path "$here/guests/Cargo.toml" --target-dir "$target" >&2
mkdir -p "$out"
for expected in "$here"/expected/*.txt; do
    program="$(basename "$expected" .txt)"
    cp "$target/wasm32-wasip1/release/$program.wasm" "$out/"
done
echo "$out"
