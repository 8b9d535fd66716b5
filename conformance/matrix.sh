#!/usr/bin/env bash
# The runtime matrix: the conformance suite against every preview1 runtime
# installed here, in one run of the driver, written as Markdown and JSON.
#
#   conformance/matrix.sh [--install] [--out DIR] [--runtimes a,b,...] [DRIVER-ARGS]...
#
#   --install        first install the runtimes that come from registries
#                    (conformance/adapters/install.sh: wasmi_cli, npm packages)
#   --out DIR        where matrix.md, matrix.json and failures.md go
#                    (default conformance/results)
#   --runtimes LIST  rate only these (names as in the table below)
#
# Every runtime takes `wasmtime run`-style flags, directly or through its
# adapter in conformance/adapters/. A runtime that is not installed is
# skipped with a note. wasmtime (PyPI) is the reference: a check it does not
# pass is "unconfirmed" (a fault of the suite, not of the others). The exit
# status is the driver's verdict on wasiland; the other runtimes' failures
# are the matrix's content, not errors.
#
# WASILAND_BIN=path   use this wasiland binary instead of building one (dev)
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$REPO_ROOT"

install=0
out="$REPO_ROOT/conformance/results"
only=""
driver_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --install) install=1 ;;
        --out) out="$2"; shift ;;
        --runtimes) only="$2"; shift ;;
        *) driver_args+=("$1") ;;
    esac
    shift
done

ensure_wasm_target
ensure_patched_deps
PY="$(ensure_venv)"
if [[ "$install" == 1 ]]; then
    conformance/adapters/install.sh
fi
export CONFORMANCE_GUESTS_TARGET_DIR="${CONFORMANCE_GUESTS_TARGET_DIR:-$WASILAND_CACHE/conformance-guests-target}"

target_dir() {
    cargo metadata --format-version 1 --no-deps 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])'
}
tdir="$(target_dir)"
bin="${WASILAND_BIN:-}"
if [[ -z "$bin" ]]; then
    log "building wasiland, the library adapter and the driver (dev profile)"
    cargo build -p wasiland -p wasiland-conformance >&2
    bin="$tdir/debug/wasiland"
else
    cargo build -p wasiland-conformance >&2
fi
cargo build -p wasiland-wasi-host --example wasi_run >&2
NPM_DIR="$WASILAND_CACHE/conformance-runtimes/npm"
WASMI_CLI="$WASILAND_CACHE/wasmi-cli/bin/wasmi"
WAMR_VENV="$WASILAND_CACHE/venv-wamr"
A="$REPO_ROOT/conformance/adapters"
npm_version() { node -p "require('$NPM_DIR/node_modules/$1/package.json').version" 2>/dev/null; }

# name | command | version | installed? | seconds per run   (the one list of runtimes)
# The JavaScript runtimes hang in a few programs (a busy poll_oneoff, say):
# 10 s each there, not the default 60.
runtimes=()
versions=()
add() {
    local name="$1" command="$2" version="$3" present="$4" timeout="${5:-}"
    if [[ -n "$only" && ",$only," != *",$name,"* ]]; then
        return
    fi
    if [[ "$present" != yes ]]; then
        log "skipping $name: not installed (conformance/adapters/install.sh)"
        return
    fi
    runtimes+=(--runtime "$name=$command")
    versions+=(--version-of "$name=$version")
    if [[ -n "$timeout" ]]; then
        versions+=(--timeout-of "$name=$timeout")
    fi
}
have() { [[ -e "$1" ]] && echo yes || echo no; }

add wasiland "'$bin' wasm" "$("$bin" --version 2>/dev/null | head -1) (CLI, $(git rev-parse --short HEAD))" "$(have "$bin")"
add wasiland-lib "'$tdir/debug/examples/wasi_run'" "wasiland-wasi-host on wasmi (examples/wasi_run.rs)" "$(have "$tdir/debug/examples/wasi_run")"
add wasmtime "'$PY' '$REPO_ROOT/scripts/wasmtime-cli.py'" "wasmtime $("$PY" -c 'import importlib.metadata as m; print(m.version("wasmtime"))') (PyPI)" yes
add wasmi "'$A/wasmi.sh'" "$("$WASMI_CLI" --version 2>/dev/null | head -1) (crates.io)" "$(have "$WASMI_CLI")"
node_v="$(node --version 2>/dev/null || true)"
add node "node --no-warnings '$A/node-wasi.mjs'" "Node $node_v node:wasi" "$(command -v node >/dev/null && echo yes || echo no)" 10
add browser-wasi-shim "node '$A/browser-wasi-shim.mjs'" "@bjorn3/browser_wasi_shim $(npm_version @bjorn3/browser_wasi_shim) on Node $node_v" "$(have "$NPM_DIR/node_modules/@bjorn3/browser_wasi_shim")" 10
add wasmer-js "node '$A/wasmer-js.mjs'" "@wasmer/wasi $(npm_version @wasmer/wasi) (wasmer-wasi 3.0) on Node $node_v" "$(have "$NPM_DIR/node_modules/@wasmer/wasi")" 10
add wamr "'$A/wamr.sh'" "$("$WAMR_VENV/bin/wamr" version 2>/dev/null | head -1) (PyPI wamr-bin, AOT via wamrc)" "$(have "$WAMR_VENV/bin/wamrc")"

roles=()
for r in "${runtimes[@]}"; do
    case "$r" in
        wasmtime=*) roles+=(--reference wasmtime) ;;
        wasiland=*) roles+=(--under-test wasiland) ;;
    esac
done
log "rating $((${#runtimes[@]} / 2)) runtimes; the matrix goes to $out"
status=0
"$tdir/debug/wasiland-conformance" "${runtimes[@]}" "${versions[@]}" "${roles[@]}" \
    --report "$out" --report-date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    --failures-only "${driver_args[@]}" || status=$?
cat "$out/matrix.md"
exit "$status"
