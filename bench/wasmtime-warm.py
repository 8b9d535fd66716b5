#!/usr/bin/env python3
"""Warm wasmtime reference for wasiland-bench (the PyPI `wasmtime` package).

One long-lived process: the engine is created once and each module is
loaded once (from the same compiled-module cache scripts/wasmtime-cli.py
uses), so a request measures only what a warm embedder pays per run: a new
store, WASI context and instance, and the guest's `_start`.

Protocol: one JSON object per line on stdin,
  {"module": PATH, "dirs": [[HOST, GUEST], ...], "env": [[K, V], ...],
   "args": [ARG, ...], "stdout": PATH, "stderr": PATH}
argv is [PATH, ARG...] as in wasmtime-cli.py; the guest's stdout and stderr
go to the given files and stdin is empty. Each request gets one JSON line
back: {"load_ms": F, "run_ms": F, "exit": N} where load_ms is the module's
load time on its first request (0 afterwards) and run_ms covers
instantiation and `_start`. Errors of the harness itself end the process.
"""
import hashlib
import importlib.metadata
import json
import os
import sys
import time

import wasmtime

ENGINE = wasmtime.Engine(wasmtime.Config())
LINKER = wasmtime.Linker(ENGINE)
LINKER.define_wasi()
# wasiland's extension import (runner/src/spawn.rs), which rustpython.wasm
# and some tools import: answered with `nosys` (52), as scripts/wasmtime-cli.py
# does; no workload spawns.
LINKER.define_func("wasiland_v1", "spawn",
                   wasmtime.FuncType([wasmtime.ValType.i32()] * 6, [wasmtime.ValType.i32()]),
                   lambda *args: 52)
MODULES = {}


def load(path):
    """The compiled module for `path`, and how long getting it took (ms)."""
    if path in MODULES:
        return MODULES[path], 0.0
    start = time.perf_counter()
    with open(path, "rb") as f:
        wasm = f.read()
    cache_dir = os.path.join(
        os.environ.get("WASILAND_CACHE", os.path.expanduser("~/.cache/wasiland")),
        "wasmtime-modules",
    )
    os.makedirs(cache_dir, exist_ok=True)
    key = hashlib.sha256(wasm + importlib.metadata.version("wasmtime").encode()).hexdigest()
    cached = os.path.join(cache_dir, key + ".cwasm")
    if os.path.exists(cached):
        module = wasmtime.Module.deserialize_file(ENGINE, cached)
    else:
        module = wasmtime.Module(ENGINE, wasm)
        tmp = f"{cached}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(module.serialize())
        os.replace(tmp, cached)
    MODULES[path] = module
    return module, 1000 * (time.perf_counter() - start)


def run(req):
    module, load_ms = load(req["module"])
    start = time.perf_counter()
    wasi = wasmtime.WasiConfig()
    wasi.argv = [req["module"]] + req["args"]
    wasi.env = [tuple(kv) for kv in req["env"]]
    wasi.stdout_file = req["stdout"]
    wasi.stderr_file = req["stderr"]
    for host, guest in req["dirs"]:
        wasi.preopen_dir(host, guest)
    store = wasmtime.Store(ENGINE)
    store.set_wasi(wasi)
    code = 0
    try:
        instance = LINKER.instantiate(store, module)
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as e:
        code = e.code
    except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
        with open(req["stderr"], "a") as f:
            f.write(f"wasmtime-warm: {e}\n")
        code = 134
    del store
    run_ms = 1000 * (time.perf_counter() - start)
    return {"load_ms": load_ms, "run_ms": run_ms, "exit": code}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
