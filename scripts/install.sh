#!/usr/bin/env bash
# Install wasiland from this checkout into PREFIX (default ~/.local):
#
#   scripts/install.sh [--embed] [PREFIX]
#
# gives PREFIX/bin/wasiland and its guests (python3, coreutils, the tools)
# in PREFIX/share/wasiland/guests, the layout the binary looks in beside
# itself; with --embed the guests are compiled into the binary instead
# (one ~57 MB file, nothing beside it). Either works after the checkout is
# gone. Builds what is missing first (the wasm target, the fixtures, the
# release binary; `cargo install` reuses this checkout's target/release).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

embed=0
if [[ "${1:-}" == --embed ]]; then
    embed=1
    shift
fi
if [[ $# -gt 1 || "${1:-}" == -* ]]; then
    echo "usage: scripts/install.sh [--embed] [PREFIX]" >&2
    exit 2
fi
prefix="${1:-$HOME/.local}"
mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"

ensure_wasm_target
ensure_patched_deps
"$REPO_ROOT/fixtures/build.sh" >&2
fixtures="$REPO_ROOT/fixtures/out"
features=()
if ((embed)); then
    features=(--features embed-guests)
fi
log "installing the wasiland binary into $prefix/bin"
WASILAND_FIXTURES="$fixtures" cargo install --quiet --locked --force \
    --path "$REPO_ROOT/runner" --root "$prefix" "${features[@]}" >&2

guests="$prefix/share/wasiland/guests"
rm -rf "$guests.tmp.$$"
if ((embed)); then
    # An embedded build must not be shadowed by an older install's files.
    rm -rf "$guests"
else
    log "installing the guests into $guests"
    mkdir -p "$guests.tmp.$$"
    cp "$fixtures"/*.wasm "$fixtures/versions.txt" "$guests.tmp.$$/"
    rm -rf "$guests"
    mv "$guests.tmp.$$" "$guests"
fi
log "installed: $("$prefix/bin/wasiland" --version | head -n 1)"
