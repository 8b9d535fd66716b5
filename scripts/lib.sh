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

# --- crates patched for wasiland --------------------------------------------
# A directory PATCHES/NAME-VERSION/ holds patch files for that crates.io
# package, applied in name order with -p1; each starts with why it exists
# (RATIONALE.md says it too). Used for RustPython's and uutils' crates by
# fixtures/build.sh and for wasmi by the main workspace (runner/patches/).

# A hash of one series' files (its identity in stamps).
patch_series_sum() {
    (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
        sha256sum | cut -c1-16
}

# Apply the series in directory $1 to the crate source in $2.
apply_patch_series() {
    local series="$1" dest="$2" file
    command -v patch >/dev/null || {
        log "FAILED: patching $(basename "$series") needs the 'patch' tool"
        return 1
    }
    for file in "$series"/*.patch; do
        [[ -f "$file" ]] || continue
        patch --quiet --forward -p1 -d "$dest" <"$file" >&2 || {
            log "FAILED: $file does not apply to $dest"
            return 1
        }
    done
}

# prepare_patched_crates PATCHES OUT [CARGO_HOME]: make OUT/NAME-VERSION/
# the published source of every series in PATCHES with the series applied,
# for a [patch.crates-io] path dependency. The pristine sources are the
# registry's .crate files, fetched by cargo through a scratch manifest that
# names exactly those versions. Unchanged series keep their copies (new
# files would make cargo rebuild the crates).
prepare_patched_crates() {
    local patches_root="$1" out_root="$2"
    local cargo_home="${3:-${CARGO_HOME:-$HOME/.cargo}}"
    [[ -d "$patches_root" ]] || return 0
    local -a crates=()
    local dir
    for dir in "$patches_root"/*/; do
        [[ -d "$dir" ]] && crates+=("$(basename "$dir")")
    done
    ((${#crates[@]})) || return 0
    local stamp
    stamp="$(patch_series_sum "$patches_root")"
    if [[ "$(cat "$out_root/.stamp" 2>/dev/null)" == "$stamp" ]]; then
        return 0
    fi
    local scratch crate i=0
    scratch="$(mktemp -d)"
    mkdir -p "$scratch/src"
    : >"$scratch/src/lib.rs"
    {
        printf '[package]\nname = "fetch-pristine"\nversion = "0.0.0"\nedition = "2021"\n'
        printf '[workspace]\n[dependencies]\n'
        for crate in "${crates[@]}"; do
            # NAME-VERSION: crate names have dashes, versions do not.
            printf 'c%d = { package = "%s", version = "=%s" }\n' "$i" "${crate%-*}" "${crate##*-}"
            i=$((i + 1))
        done
    } >"$scratch/Cargo.toml"
    (cd "$scratch" && CARGO_HOME="$cargo_home" cargo fetch --quiet) >&2
    rm -rf "$out_root.tmp"
    mkdir -p "$out_root.tmp"
    local archive
    for crate in "${crates[@]}"; do
        archive="$(ls "$cargo_home"/registry/cache/*/"$crate.crate" 2>/dev/null | head -n1)"
        if [[ -z "$archive" ]]; then
            log "FAILED: no $crate.crate in $cargo_home/registry/cache"
            rm -rf "$scratch"
            return 1
        fi
        tar -xzf "$archive" -C "$out_root.tmp"
        apply_patch_series "$patches_root/$crate" "$out_root.tmp/$crate" || {
            rm -rf "$scratch"
            return 1
        }
    done
    echo "$stamp" >"$out_root.tmp/.stamp"
    rm -rf "$scratch" "$out_root"
    mv "$out_root.tmp" "$out_root"
    log "patched ${crates[*]} into $out_root"
}

# The main workspace's patched dependencies (runner/patches/): Cargo.toml's
# [patch.crates-io] names runner/patched/, which must exist before cargo
# resolves the workspace. Every script runs this before cargo.
ensure_patched_deps() {
    prepare_patched_crates "$REPO_ROOT/runner/patches" "$REPO_ROOT/runner/patched"
}
