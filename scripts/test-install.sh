#!/usr/bin/env bash
# Installs wasiland into a temporary prefix with scripts/install.sh (reusing
# target/release), hides this checkout's fixtures/out, and runs the README's
# first pipeline and python3 from a directory outside the checkout with the
# installed binary alone: what a user has after deleting the checkout.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

work="$(mktemp -d)"
hidden="$REPO_ROOT/fixtures/out.hidden-$$"
restore() {
    if [[ -d "$hidden" ]]; then
        rm -rf "$REPO_ROOT/fixtures/out"
        mv "$hidden" "$REPO_ROOT/fixtures/out"
    fi
    rm -rf "$work"
}
trap restore EXIT

"$REPO_ROOT/scripts/install.sh" "$work/prefix"
mv "$REPO_ROOT/fixtures/out" "$hidden"
export WASILAND="$work/prefix/bin/wasiland"
unset WASILAND_FIXTURES
cd "$work"

fail() {
    log "FAILED: $*"
    exit 1
}

# The README's first command, with the installed binary for scripts/wasiland.
pipeline="$(awk '/^\.\/scripts\/wasiland run /{on=1} on && /^```/{exit} on' "$REPO_ROOT/README.md")"
[[ -n "$pipeline" ]] || fail "no './scripts/wasiland run' command in README.md"
got="$(bash -c "$(sed 's|^\./scripts/wasiland |"$WASILAND" |' <<<"$pipeline")")"
want='{"dept": "eng", "total": 220}
{"dept": "ops", "total": 185}'
[[ "$got" == "$want" ]] || fail "the README pipeline printed: $got"

got="$("$WASILAND" run "python3 -c 'print(1)'")"
[[ "$got" == 1 ]] || fail "python3 -c 'print(1)' printed: $got"

version="$("$WASILAND" --version)"
grep -qx "guests: $work/prefix/share/wasiland/guests" <<<"$version" ||
    fail "--version does not name the installed guests: $version"
grep -q '^  RustPython ' <<<"$version" || fail "--version names no RustPython: $version"
log "installed binary works: $(head -n 1 <<<"$version")"
