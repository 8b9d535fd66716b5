#!/usr/bin/env bash
# The benchmark of issue 8, from nothing: installs the wasm32-wasip1 target,
# builds the guest fixtures (cached), creates the reference venv with the
# PyPI wasmtime package, builds wasiland and the benchmark in release, then
# runs every workload under wasiland (warm in-process and cold CLI), the
# wasmtime reference and, when installed, the stock wasmi CLI, and prints
# medians, ratios, the issue's targets and memory per sandbox/process.
#
#   scripts/bench.sh [--install-wasmi] [wasiland-bench flags...]
#       e.g. --runs 9, --quick, --only py-compute,cat64, --verbose, --list
#
# The stock wasmi CLI is not installed by default (cargo install takes a
# few minutes): --install-wasmi or BENCH_INSTALL_WASMI=1 installs
# wasmi_cli 2.0.0 -- the wasmi release wasiland embeds, so the comparison
# is interpreter against interpreter -- into $WASILAND_CACHE/wasmi-cli once.
# A `wasmi` on PATH or $WASMI_CLI is used as well.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

install_wasmi="${BENCH_INSTALL_WASMI:-0}"
args=()
for a in "$@"; do
    case "$a" in
        --install-wasmi) install_wasmi=1 ;;
        *) args+=("$a") ;;
    esac
done

ensure_wasm_target
ensure_patched_deps
"$REPO_ROOT/fixtures/build.sh" >&2
PY="$(ensure_venv)"

WASMI_ROOT="$WASILAND_CACHE/wasmi-cli"
if [[ "$install_wasmi" == 1 && ! -x "$WASMI_ROOT/bin/wasmi" ]]; then
    log "installing the stock wasmi CLI (wasmi_cli 2.0.0) into $WASMI_ROOT"
    cargo install wasmi_cli --version 2.0.0 --locked --root "$WASMI_ROOT" >&2
fi
if [[ -z "${WASMI_CLI:-}" && -x "$WASMI_ROOT/bin/wasmi" ]]; then
    export WASMI_CLI="$WASMI_ROOT/bin/wasmi"
fi

log "building wasiland and wasiland-bench (release)"
cargo build --release --quiet -p wasiland -p wasiland-bench
export WASILAND_FIXTURES="$REPO_ROOT/fixtures/out" WASILAND_REFERENCE_PYTHON="$PY"
log "load average now: $(cut -d' ' -f1-3 /proc/loadavg) (figures are noisy while other work runs)"
exec "$REPO_ROOT/target/release/wasiland-bench" "${args[@]}"
