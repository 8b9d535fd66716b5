#!/usr/bin/env node
// A `wasmtime run`-style command line over @wasmer/wasi (wasmer-js: the
// wasmer-wasi crate compiled to WebAssembly over wasmer's in-memory
// filesystem, running the guest on Node's engine), so the conformance
// suite can rate it:
//
//   node wasmer-js.mjs [--env NAME=VALUE]... [--dir HOST::GUEST]... MODULE.wasm [ARG]...
//
// Each --dir is copied into the in-memory filesystem at GUEST (files and
// directories; wasmer's mem-fs has no symbolic links, so host links are
// left out) and preopened in the order given. stdin is read whole first;
// stdout and stderr are buffered by the library and written out when the
// guest ends. The exit status is the guest's (134 after a trap).
import { readFileSync, readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { parseRunArgs, importPackage, writeAll } from './cli-args.mjs';

const lib = await importPackage('@wasmer/wasi');
// The package's CommonJS build (what resolution finds) names init; its ES
// build exports it as default.
const { init = lib.default, WASI, MemFS } = lib.WASI ? lib : lib.default;
const { env, dirs, argv } = parseRunArgs('wasmer-js');

/** Copy the host directory `host` into `fs` at `guest`. */
function copyIn(fs, host, guest) {
  fs.createDir(guest);
  for (const name of readdirSync(host)) {
    const from = join(host, name);
    const to = `${guest}/${name}`;
    const st = lstatSync(from);
    if (st.isDirectory()) copyIn(fs, from, to);
    else if (st.isFile()) {
      const file = fs.open(to, { read: true, write: true, create: true });
      file.write(readFileSync(from));
    }
  }
}

await init();
const fs = new MemFS();
for (const [host, guest] of dirs) copyIn(fs, host, guest);
const wasi = new WASI({
  args: argv,
  env: Object.fromEntries(env),
  preopens: Object.fromEntries(dirs.map(([, guest]) => [guest, guest])),
  fs,
});
wasi.setStdinBuffer(readFileSync(0));
let code;
try {
  const module = await WebAssembly.compile(readFileSync(argv[0]));
  wasi.instantiate(module, {});
  code = wasi.start();
} catch (e) {
  process.stderr.write(`wasmer-js: ${e && e.stack ? e.stack : e}\n`);
  code = 134;
}
writeAll(1, wasi.getStdoutBuffer());
writeAll(2, wasi.getStderrBuffer());
process.exitCode = code;
