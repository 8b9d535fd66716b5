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

const argv = process.argv.slice(2);
const env = {};
const preopens = {};
while (argv.length && argv[0].startsWith('--')) {
  const flag = argv.shift();
  if (flag === '--') break;
  const value = argv.shift();
  if (value === undefined) usage(`${flag} needs a value`);
  if (flag === '--env') {
    const i = value.indexOf('=');
    if (i < 0) usage(`--env wants NAME=VALUE, got ${value}`);
    env[value.slice(0, i)] = value.slice(i + 1);
  } else if (flag === '--dir') {
    const i = value.indexOf('::');
    const [host, guest] = i < 0 ? [value, value] : [value.slice(0, i), value.slice(i + 2)];
    preopens[guest] = host;
  } else {
    usage(`unknown flag ${flag}`);
  }
}
if (!argv.length) usage('missing MODULE');

function usage(msg) {
  process.stderr.write(`node-wasi: ${msg}\n`);
  process.exit(2);
}

const wasi = new WASI({ version: 'preview1', args: argv, env, preopens, returnOnExit: true });
try {
  const module = await WebAssembly.compile(await readFile(argv[0]));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  const code = wasi.start(instance);
  process.exitCode = code ?? 0;
} catch (e) {
  process.stderr.write(`node-wasi: ${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 134;
}
