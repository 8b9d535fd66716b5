// The `wasmtime run`-style command line every JavaScript adapter takes:
//
//   [--env NAME=VALUE]... [--dir HOST::GUEST]... MODULE.wasm [ARG]...
//
// parseRunArgs returns { env: [[name, value]...], dirs: [[host, guest]...],
// argv: [MODULE, ARG...] } in the order given (preopens are numbered from
// 3 in that order), or prints a usage error and exits with status 2.
import process from 'node:process';
import { writeSync as fsWriteSync } from 'node:fs';

export function parseRunArgs(adapter, args = process.argv.slice(2)) {
  const argv = [...args];
  const env = [];
  const dirs = [];
  const usage = (msg) => {
    process.stderr.write(`${adapter}: ${msg}\n`);
    process.exit(2);
  };
  while (argv.length && argv[0].startsWith('--')) {
    const flag = argv.shift();
    if (flag === '--') break;
    const value = argv.shift();
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag === '--env') {
      const i = value.indexOf('=');
      if (i < 0) usage(`--env wants NAME=VALUE, got ${value}`);
      env.push([value.slice(0, i), value.slice(i + 1)]);
    } else if (flag === '--dir') {
      const i = value.indexOf('::');
      dirs.push(i < 0 ? [value, value] : [value.slice(0, i), value.slice(i + 2)]);
    } else {
      usage(`unknown flag ${flag}`);
    }
  }
  if (!argv.length) usage('missing MODULE');
  return { env, dirs, argv };
}

// Import an npm package installed by conformance/adapters/install.sh: from
// $CONFORMANCE_NPM_DIR/node_modules (default
// ~/.cache/wasiland/conformance-runtimes/npm), or wherever Node finds it.
export async function importPackage(name) {
  const { createRequire } = await import('node:module');
  const { pathToFileURL } = await import('node:url');
  const { homedir } = await import('node:os');
  const cache = process.env.WASILAND_CACHE || `${homedir()}/.cache/wasiland`;
  const dir = process.env.CONFORMANCE_NPM_DIR || `${cache}/conformance-runtimes/npm`;
  try {
    return await import(pathToFileURL(createRequire(`${dir}/`).resolve(name)).href);
  } catch {
    return await import(name);
  }
}

// Write all of `buf` to host descriptor `fd`. Node may hand its adapters
// stdout/stderr pipes in non-blocking mode: writeSync then fails with
// EAGAIN when the reader is slow, which must not cut the guest's output.
export function writeAll(fd, buf) {
  let off = 0;
  while (off < buf.length) {
    try {
      off += fsWriteSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}
