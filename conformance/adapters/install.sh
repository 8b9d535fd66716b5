#!/usr/bin/env bash
# Install the runtimes the matrix rates besides wasiland and the reference,
# from the package registries, into $WASILAND_CACHE (~/.cache/wasiland):
#
#   conformance/adapters/install.sh [RUNTIME]...   default: all of them
#
#   wasmi               crates.io wasmi_cli 2.0.0 -> wasmi-cli/bin/wasmi
#                       (a few minutes of release build; shared with scripts/bench.sh)
#   browser-wasi-shim   npm @bjorn3/browser_wasi_shim -> conformance-runtimes/npm
#   wasmer-js           npm @wasmer/wasi (wasmer-wasi 3 compiled to wasm)
#   wamr                PyPI wamr-bin + wamrc-bin (prebuilt binaries in the
#                       wheels) -> venv-wamr
#
# Node's node:wasi needs nothing (Node 20 is on the machine); wasmtime is
# the reference venv (scripts/lib.sh ensure_venv). Already installed
# runtimes are left alone. Runtimes that cannot be installed here (wazero,
# the wasmer CLI) are listed in conformance/README.md with what was
# tried.
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

# The versions the dated run in conformance/README.md used.
WASMI_CLI_VERSION=2.0.0
SHIM_VERSION=0.4.2
WASMER_JS_VERSION=1.2.2
WAMR_VERSION=3.0.0.dev5

NPM_DIR="$WASILAND_CACHE/conformance-runtimes/npm"
WASMI_ROOT="$WASILAND_CACHE/wasmi-cli"
WAMR_VENV="$WASILAND_CACHE/venv-wamr"

npm_package() {
    local pkg="$1" version="$2"
    if [[ ! -f "$NPM_DIR/node_modules/$pkg/package.json" ]]; then
        log "installing $pkg@$version from npm into $NPM_DIR"
        mkdir -p "$NPM_DIR"
        (cd "$NPM_DIR" && npm install --silent --no-audit --no-fund "$pkg@$version" >&2)
    fi
}

install_one() {
    case "$1" in
        wasmi)
            if [[ ! -x "$WASMI_ROOT/bin/wasmi" ]]; then
                log "installing wasmi_cli $WASMI_CLI_VERSION from crates.io into $WASMI_ROOT"
                cargo install wasmi_cli --version "$WASMI_CLI_VERSION" --locked --root "$WASMI_ROOT" >&2
            fi
            ;;
        browser-wasi-shim) npm_package @bjorn3/browser_wasi_shim "$SHIM_VERSION" ;;
        wasmer-js) npm_package @wasmer/wasi "$WASMER_JS_VERSION" ;;
        wamr)
            if [[ ! -x "$WAMR_VENV/bin/wamrc" ]]; then
                log "installing wamr-bin and wamrc-bin $WAMR_VERSION from PyPI into $WAMR_VENV"
                python3 -m venv "$WAMR_VENV" >&2
                "$WAMR_VENV/bin/pip" install --quiet --disable-pip-version-check \
                    "wamr-bin==$WAMR_VERSION" "wamrc-bin==$WAMR_VERSION" >&2
            fi
            ;;
        *)
            log "unknown runtime $1 (known: wasmi browser-wasi-shim wasmer-js wamr)"
            return 2
            ;;
    esac
}

if [[ $# -eq 0 ]]; then
    set -- wasmi browser-wasi-shim wasmer-js wamr
fi
for rt in "$@"; do
    install_one "$rt"
done
