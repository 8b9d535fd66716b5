#!/usr/bin/env bash
# An embedder's debug build (issue 15): examples/embedder, a crate outside
# the workspace depending on the library by path, with only the Cargo.toml
# sections the README asks of embedders, is built in debug mode and runs
# python3 through the library; its output is checked.
#
# It shares the workspace's target dir: cargo keys every artefact by
# package, source, profile and features, so the registry dependencies built
# with the same settings as the workspace's are reused, the rest is built
# beside them, and a build holds the directory's lock.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
ensure_patched_deps

crate="$REPO_ROOT/examples/embedder"
# The versions the workspace tested (cargo trims the copy to the crate's tree).
cp Cargo.lock "$crate/Cargo.lock"
export CARGO_TARGET_DIR="$REPO_ROOT/target"
started=$SECONDS
cargo build --quiet --manifest-path "$crate/Cargo.toml"
built=$((SECONDS - started))

code='import json, sys
print(json.dumps({"sum": sum(range(10)), "platform": sys.platform}))'
started=$SECONDS
out="$(WASILAND_FIXTURES="${WASILAND_FIXTURES:-$REPO_ROOT/fixtures/out}" \
    "$CARGO_TARGET_DIR/debug/wasiland-embedder-example" "$code")"
ran=$((SECONDS - started))
expected='{"sum": 45, "platform": "wasi"}'
if [[ "$out" != "$expected" ]]; then
    log "FAILED: the external crate's python3 printed '$out', expected '$expected'"
    exit 1
fi
log "external crate (debug): built in ${built} s, python3 ran in ${ran} s"
