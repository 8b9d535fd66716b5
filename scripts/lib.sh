# Shared helpers for wasiland's scripts. Source it: `. "$(dirname "$0")/lib.sh"`.
set -euo pipefail

# Where heavy, reusable artefacts live (fixtures, venvs): outside the clone,
# keyed by content hashes so a stale cache is never used.
WASILAND_CACHE="${WASILAND_CACHE:-$HOME/.cache/wasiland}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export WASILAND_CACHE REPO_ROOT

log() { printf '\033[1m[wasiland]\033[0m %s\n' "$*" >&2; }

# The reference runtime for differential tests: the PyPI `wasmtime` package.
# Prints the venv's python path; creates the venv on first use.
ensure_venv() {
    local venv="$WASILAND_CACHE/venv-wasmtime"
    if ! "$venv/bin/python" -c 'import wasmtime' >/dev/null 2>&1; then
        log "creating reference venv with the PyPI wasmtime package in $venv"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check wasmtime >&2
    fi
    echo "$venv/bin/python"
}

# A venv under the cache with PyPI packages, made on first use: prints its
# python. `ensure_pip_venv NAME CHECK PACKAGE...` re-installs when the
# Python statement CHECK fails in it.
ensure_pip_venv() {
    local venv="$WASILAND_CACHE/venv-$1" check="$2"
    shift 2
    if ! "$venv/bin/python" -c "$check" >/dev/null 2>&1; then
        log "creating the venv $venv with $*"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
    fi
    echo "$venv/bin/python"
}

# maturin, which builds the Python package's wheel (runner/python).
ensure_maturin() {
    local py
    py="$(ensure_pip_venv maturin 'import maturin' 'maturin>=1.16,<2')"
    echo "$(dirname "$py")/maturin"
}

# The official MCP Python SDK (PyPI `mcp`), the client of the MCP server's
# end-to-end tests, pinned so CI tests against a known client. Prints the
# venv's python path; (re)creates the venv when it lacks that exact version.
MCP_SDK_VERSION=2.3.0
ensure_mcp_venv() {
    local venv="$WASILAND_CACHE/venv-mcp-$MCP_SDK_VERSION"
    if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; from mcp import Client; sys.exit(m.version('mcp') != '$MCP_SDK_VERSION')" >/dev/null 2>&1; then
        log "creating the MCP client venv with the PyPI mcp package $MCP_SDK_VERSION in $venv"
        rm -rf "$venv"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check "mcp==$MCP_SDK_VERSION" >&2
    fi
    echo "$venv/bin/python"
}

ensure_wasm_target() {
    if ! rustup target list --installed | grep -qx wasm32-wasip1; then
        log "installing the wasm32-wasip1 Rust target"
        rustup target add wasm32-wasip1 >&2
    fi
}

# Host programs the differential tests compare against or drive: bash and
# GNU coreutils (stock), jq (shell cases with jq), tmux (the interactive
# shell test). Installed from Debian when missing.
ensure_host_tools() {
    local missing=()
    for tool in jq tmux; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing ${missing[*]} from Debian (test references)"
        apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null; }
    fi
}
