#!/usr/bin/env bash
# Run the preview1 conformance suite from nothing: the wasm32-wasip1 target,
# the reference runtime (PyPI wasmtime in a venv), the guest modules, the
# driver; then rate wasiland against the expectations, every check
# confirmed on the reference in the same run.
#
#   conformance/run.sh [DRIVER-ARGS]...     e.g. --only fd_rw -v
#
# Node's node:wasi runs beside them when `node` is there (cheap; its
# results are listed, they do not decide the exit status; 5 s per run, as
# it hangs in two programs). conformance/matrix.sh rates every runtime.
#
# WASILAND_BIN=/path/to/wasiland   use this wasiland binary instead of building it
# CONFORMANCE_NO_WASILAND=1        rate only the reference
# CONFORMANCE_NO_NODE=1            leave Node out
# CONFORMANCE_PROFILE=release      build wasiland in release (default: dev)
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

cd "$REPO_ROOT"
ensure_wasm_target
ensure_patched_deps
PY="$(ensure_venv)"
export CONFORMANCE_GUESTS_TARGET_DIR="${CONFORMANCE_GUESTS_TARGET_DIR:-$WASILAND_CACHE/conformance-guests-target}"

target_dir() {
    cargo metadata --format-version 1 --no-deps 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])'
}

profile="${CONFORMANCE_PROFILE:-dev}"
runtimes=()
if [[ -z "${CONFORMANCE_NO_WASILAND:-}" ]]; then
    bin="${WASILAND_BIN:-}"
    if [[ -z "$bin" ]]; then
        log "building wasiland ($profile profile)"
        if cargo build --profile "$profile" -p wasiland >&2; then
            dir="$(target_dir)"
            [[ "$profile" == dev ]] && sub=debug || sub="$profile"
            bin="$dir/$sub/wasiland"
        else
            log "WARNING: wasiland does not build; rating the reference only"
        fi
    fi
    if [[ -n "$bin" ]]; then
        runtimes+=(--runtime "wasiland='$bin' wasm" --under-test wasiland)
    fi
fi
if [[ "${runtimes[*]}" != *--under-test* ]]; then
    runtimes+=(--under-test wasmtime)
fi
runtimes+=(--runtime "wasmtime='$PY' '$REPO_ROOT/scripts/wasmtime-cli.py'" --reference wasmtime)
if [[ -z "${CONFORMANCE_NO_NODE:-}" ]] && command -v node >/dev/null 2>&1; then
    runtimes+=(--runtime "node=node --no-warnings '$REPO_ROOT/conformance/adapters/node-wasi.mjs'"
        --timeout-of node=5)
fi

log "building the conformance driver"
cargo build -p wasiland-conformance >&2
driver="$(target_dir)/debug/wasiland-conformance"
exec "$driver" "${runtimes[@]}" "$@"
