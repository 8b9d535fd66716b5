#!/usr/bin/env bash
# The Python package's tests: builds the wheel, installs it into a fresh
# venv (with pytest) and runs runner/python/tests from outside the source
# tree, so they import the installed wheel.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

wheel="$("$REPO_ROOT/scripts/python-wheel.sh")"
log "wheel: $wheel ($(du -h "$wheel" | cut -f1))"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$wheel" pytest
cp -r "$REPO_ROOT/runner/python/tests" "$work/tests"
cd "$work"
unset WASILAND_FIXTURES
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider tests
