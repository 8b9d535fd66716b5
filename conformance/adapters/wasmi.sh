#!/usr/bin/env bash
# A `wasmtime run`-style command line over the stock wasmi CLI
# (crates.io wasmi_cli, installed by install.sh), so the conformance suite
# can rate it:
#
#   wasmi.sh [--env NAME=VALUE]... [--dir HOST::GUEST]... MODULE.wasm [ARG]...
#
# wasmi's `--dir DIR` preopens a host directory under its own host path; it
# cannot give it another guest name. To show HOST to the guest as GUEST
# (the suite's /sandbox and /scratch), wasmi runs in a private mount
# namespace (unshare; needs root) whose root is a fresh directory with the
# system's /usr, /lib, /lib64, /dev and the module bound in, and each HOST
# bound at GUEST. Nothing is mounted outside that namespace. Without
# unshare, `--dir HOST` is passed as it is (guest name = host path).
set -euo pipefail
WASMI="${WASMI_CLI:-${WASILAND_CACHE:-$HOME/.cache/wasiland}/wasmi-cli/bin/wasmi}"
flags=()
binds=()
while [[ $# -gt 0 && "$1" == --* ]]; do
    case "$1" in
        --env) flags+=(--env "$2"); shift 2 ;;
        --dir)
            host="${2%%::*}"
            guest="${2#*::}"
            binds+=("$(realpath "$host")" "$guest")
            flags+=(--dir "$guest")
            shift 2
            ;;
        --) shift; break ;;
        *) echo "wasmi.sh: unknown flag $1" >&2; exit 2 ;;
    esac
done
[[ $# -gt 0 ]] || { echo "wasmi.sh: missing MODULE" >&2; exit 2; }
module="$(realpath "$1")"
shift

if ! unshare -m --propagation private true 2>/dev/null; then
    plain=()
    for ((i = 0; i < ${#binds[@]}; i += 2)); do plain+=(--dir "${binds[i]}"); done
    env_flags=()
    for ((i = 0; i < ${#flags[@]}; i += 2)); do
        [[ "${flags[i]}" == --env ]] && env_flags+=(--env "${flags[i + 1]}")
    done
    exec "$WASMI" "${env_flags[@]}" "${plain[@]}" -- "$module" "$@"
fi

root="$(mktemp -d "${TMPDIR:-/tmp}/wasmi-root.XXXXXX")"
trap 'rm -rf --one-file-system "$root"' EXIT
status=0
unshare -m --propagation private bash -c '
    set -euo pipefail
    root="$1" wasmi="$2" module="$3" nbinds="$4"
    shift 4
    bind() { # bind SOURCE TARGET-INSIDE-ROOT
        if [[ -d "$1" ]]; then mkdir -p "$root$2"; else mkdir -p "$root$(dirname "$2")"; : > "$root$2"; fi
        mount --rbind "$1" "$root$2"
    }
    for d in /usr /lib /lib64 /bin /dev; do [[ -e "$d" ]] && bind "$d" "$d"; done
    bind "$wasmi" /wasmi
    bind "$module" "$module"
    for ((i = 0; i < nbinds; i += 2)); do bind "$1" "$2"; shift 2; done
    exec chroot "$root" /wasmi "$@"
' wasmi-root "$root" "$WASMI" "$module" "${#binds[@]}" "${binds[@]}" "${flags[@]}" -- "$module" "$@" || status=$?
exit "$status"
