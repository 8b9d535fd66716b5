#!/usr/bin/env node
// A `wasmtime run`-style command line over @bjorn3/browser_wasi_shim, a
// pure-JavaScript preview1 over an in-memory filesystem, so the
// conformance suite can rate it:
//
//   node browser-wasi-shim.mjs [--env NAME=VALUE]... [--dir HOST::GUEST]... MODULE.wasm [ARG]...
//
// Each --dir is copied into the shim's memory (files and directories; the
// shim has no symbolic links, so host links are left out) and preopened
// from fd 3 in the order given. stdin is read whole first; stdout and
// stderr are written through as the guest writes. The exit status is the
// guest's (134 after a trap). conformance/adapters/install.sh installs the
// package (see importPackage in cli-args.mjs).
import { readFileSync, readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { parseRunArgs, importPackage, writeAll } from './cli-args.mjs';

const { WASI, File, Directory, OpenFile, PreopenDirectory, ConsoleStdout } =
  await importPackage('@bjorn3/browser_wasi_shim');
// The library reports some calls with console.log; that is not the
// guest's output, so it goes to stderr.
console.log = console.error;

const { env, dirs, argv } = parseRunArgs('browser-wasi-shim');

/** The host directory `path` as shim inodes (regular files and directories only). */
function load(path) {
  const contents = new Map();
  for (const name of readdirSync(path)) {
    const full = join(path, name);
    const st = lstatSync(full);
    if (st.isDirectory()) contents.set(name, new Directory(load(full)));
    else if (st.isFile()) contents.set(name, new File(readFileSync(full)));
  }
  return contents;
}

const fds = [
  new OpenFile(new File(readFileSync(0))),
  new ConsoleStdout((buf) => writeAll(1, buf)),
  new ConsoleStdout((buf) => writeAll(2, buf)),
  ...dirs.map(([host, guest]) => new PreopenDirectory(guest, load(host))),
];
const wasi = new WASI(argv, env.map(([k, v]) => `${k}=${v}`), fds);
try {
  const module = await WebAssembly.compile(readFileSync(argv[0]));
  const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
  process.exitCode = wasi.start(instance);
} catch (e) {
  process.stderr.write(`browser-wasi-shim: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 134;
}
