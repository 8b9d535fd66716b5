#!/usr/bin/env python3
"""A `wasmtime run`-style command line over the PyPI `wasmtime` package.

usage: wasmtime-cli.py [--env NAME=VALUE]... [--dir HOST::GUEST]... MODULE.wasm [ARG]...

The guest sees exactly the given environment, argv is [MODULE, ARG...],
stdio is inherited, and the exit status is the guest's (134 after a trap,
with the trap message on stderr). Compiled modules are cached under
$WASILAND_CACHE/wasmtime-modules keyed by the module's SHA-256, so only the
first run of a module pays the JIT compile. This is the reference runtime
wasiland's differential tests compare against.
"""
import hashlib
import importlib.metadata
import os
import sys

import wasmtime


def usage(msg):
    print(f"wasmtime-cli: {msg}\n{__doc__.strip().splitlines()[2]}", file=sys.stderr)
    sys.exit(2)


def main():
    argv = sys.argv[1:]
    envs, dirs = [], []
    while argv and argv[0].startswith("--"):
        flag = argv.pop(0)
        if flag == "--":
            break
        if not argv:
            usage(f"{flag} needs a value")
        value = argv.pop(0)
        if flag == "--env":
            if "=" not in value:
                usage(f"--env wants NAME=VALUE, got {value!r}")
            envs.append(tuple(value.split("=", 1)))
        elif flag == "--dir":
            host, sep, guest = value.partition("::")
            dirs.append((host, guest if sep else host))
        else:
            usage(f"unknown flag {flag}")
    if not argv:
        usage("missing MODULE")
    module_path = argv[0]

    config = wasmtime.Config()
    engine = wasmtime.Engine(config)
    with open(module_path, "rb") as f:
        wasm = f.read()
    cache_dir = os.path.join(
        os.environ.get("WASILAND_CACHE", os.path.expanduser("~/.cache/wasiland")),
        "wasmtime-modules",
    )
    os.makedirs(cache_dir, exist_ok=True)
    key = hashlib.sha256(wasm + importlib.metadata.version("wasmtime").encode()).hexdigest()
    cached = os.path.join(cache_dir, key + ".cwasm")
    if os.path.exists(cached):
        module = wasmtime.Module.deserialize_file(engine, cached)
    else:
        module = wasmtime.Module(engine, wasm)
        tmp = cached + f".{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(module.serialize())
        os.replace(tmp, cached)

    wasi = wasmtime.WasiConfig()
    wasi.argv = argv
    wasi.env = envs
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    for host, guest in dirs:
        wasi.preopen_dir(host, guest)
    store = wasmtime.Store(engine)
    store.set_wasi(wasi)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    # wasiland's one extension import (runner/src/spawn.rs): this runtime
    # has no way to run a child command, so it answers `nosys` (52), which
    # our tools report as "cannot spawn processes".
    spawn_type = wasmtime.FuncType([wasmtime.ValType.i32()] * 6, [wasmtime.ValType.i32()])
    linker.define_func("wasiland_v1", "spawn", spawn_type, lambda *args: 52)
    try:
        instance = linker.instantiate(store, module)
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as e:
        sys.stdout.flush()
        os._exit(e.code)
    except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
        sys.stdout.flush()
        print(f"wasmtime-cli: {e}", file=sys.stderr)
        os._exit(134)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
