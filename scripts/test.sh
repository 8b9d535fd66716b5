#!/usr/bin/env bash
# Every test of wasiland, from nothing: installs the wasm target, builds the
# fixtures (cached outside the clone), creates the reference venv, then runs
# the Rust test suites, the fixture tests, the conformance suite against
# wasiland and the reference runtime, and the lint checks.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

ensure_wasm_target
ensure_patched_deps
ensure_host_tools
"$REPO_ROOT/fixtures/build.sh"
PY="$(ensure_venv)"
export WASILAND_FIXTURES="$REPO_ROOT/fixtures/out" WASILAND_REFERENCE_PYTHON="$PY"

log "formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The lower crates stay publishable (manifests and file lists; not rebuilt).
cargo package --quiet --no-verify --allow-dirty -p wasiland-spawn-abi -p wasiland-vfs -p wasiland-wasi-host
# The Python package is a workspace of its own (see RATIONALE.md).
cargo fmt --manifest-path runner/python/Cargo.toml -- --check
cargo clippy --quiet --manifest-path runner/python/Cargo.toml --target-dir target -- -D warnings

log "Rust test suites"
cargo test --workspace

log "an embedder's crate outside the workspace, built in debug mode, runs python3"
"$REPO_ROOT/scripts/test-embedder.sh"

log "unit tests of our guest tools (host build)"
(cd fixtures/tools && cargo test --release --quiet)

log "fixture tests (reference runtime)"
"$REPO_ROOT/fixtures/tests/run.sh"

log "conformance: wasiland and the reference"
cargo build --release --quiet -p wasiland
WASILAND_BIN="$REPO_ROOT/target/release/wasiland" "$REPO_ROOT/conformance/run.sh"

log "MCP server with the official Python SDK as the client"
MCP_PY="$(ensure_mcp_venv)"
for transport in stdio http; do
    for revision in legacy 2026-07-28; do
        "$MCP_PY" runner/tests/mcp/e2e.py "$REPO_ROOT/target/release/wasiland" "$transport" "$revision"
    done
done
"$MCP_PY" runner/tests/mcp/many_clients.py "$REPO_ROOT/target/release/wasiland"

log "install: the README's pipeline from an installed binary, checkout fixtures hidden"
"$REPO_ROOT/scripts/test-install.sh"

log "the Python package: its wheel in a fresh venv, pytest"
"$REPO_ROOT/scripts/test-python.sh"

log "all tests passed"
