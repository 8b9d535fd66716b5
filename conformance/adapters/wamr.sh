#!/usr/bin/env bash
# A `wasmtime run`-style command line over the `wamr` CLI of the PyPI
# packages wamr-bin/wamrc-bin (3.0.0.dev5; a Zig build of a WAMR-style
# runtime by a third party, not the Bytecode Alliance release), installed
# into a venv by install.sh, so the conformance suite can rate it:
#
#   wamr.sh [--env NAME=VALUE]... [--dir HOST::GUEST]... MODULE.wasm [ARG]...
#
# This wamr runs ahead-of-time compiled modules only: the module is
# compiled once with `wamrc compile` into a cache keyed by its SHA-256,
# under the module's own file name (the guest's argv[0] is that path), then
# run with `wamr run --map-dir HOST::GUEST --env NAME=VALUE`.
set -euo pipefail
cache="${WASILAND_CACHE:-$HOME/.cache/wasiland}"
bin="${WAMR_VENV:-$cache/venv-wamr}/bin"
flags=()
while [[ $# -gt 0 && "$1" == --* ]]; do
    case "$1" in
        --env) flags+=(--env "$2"); shift 2 ;;
        --dir) flags+=(--map-dir "$2"); shift 2 ;;
        --) shift; break ;;
        *) echo "wamr.sh: unknown flag $1" >&2; exit 2 ;;
    esac
done
[[ $# -gt 0 ]] || { echo "wamr.sh: missing MODULE" >&2; exit 2; }
module="$1"
shift
sum="$(sha256sum "$module" | cut -c1-32)"
artifact="$cache/wamr-aot/$sum/$(basename "$module")"
if [[ ! -f "$artifact" ]]; then
    mkdir -p "$(dirname "$artifact")"
    "$bin/wamrc" compile "$module" -o "$artifact.tmp" >&2
    mv "$artifact.tmp" "$artifact"
fi
exec "$bin/wamr" run "${flags[@]}" "$artifact" "$@"
