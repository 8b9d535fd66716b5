#!/usr/bin/env node
// A `wasmtime run`-style command line over Node's `node:wasi` (preview1),
// so the conformance suite can rate it:
//
//   node node-wasi.mjs [--env NAME=VALUE]... [--dir HOST::GUEST]... MODULE.wasm [ARG]...
//
// argv = [MODULE, ARG...], the guest sees exactly the given environment,
// preopens are numbered from 3 in the order given, the exit status is the
// guest's (134 after a trap).
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';
import { parseRunArgs } from './cli-args.mjs';

const { env, dirs, argv } = parseRunArgs('node-wasi');
const wasi = new WASI({
  version: 'preview1',
  args: argv,
  env: Object.fromEntries(env),
  preopens: Object.fromEntries(dirs.map(([host, guest]) => [guest, host])),
  returnOnExit: true,
});
try {
  const module = await WebAssembly.compile(await readFile(argv[0]));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  process.exitCode = wasi.start(instance) ?? 0;
} catch (e) {
  process.stderr.write(`node-wasi: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 134;
}
