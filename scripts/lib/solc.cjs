#!/usr/bin/env node
// A `solc`-compatible command over the npm `solc` package (soljson), installed by scripts/setup as
// .tools/bin/solc. It answers what forge and foundry-compilers ask of a native compiler:
//   solc --version                      native solc's two-line version banner
//   solc --standard-json [options]      Standard JSON on stdin -> Standard JSON on stdout
// Imports are resolved from --base-path, every --include-path and the working directory, in that order.
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

function nativeVersion() {
  // soljson reports "0.8.37+commit.8a97fa7a.Emscripten.clang"; native builds say ".Linux.g++".
  return solc.version().replace(/\.Emscripten\.clang$/, '.Linux.g++');
}

function writeAll(fd, text) {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}

function fail(message) {
  writeAll(2, `solc (npm wrapper): ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { mode: null, basePath: null, includePaths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) fail(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case '--version':
      case '-v':
        opts.mode = 'version';
        break;
      case '--standard-json':
        opts.mode = 'standard-json';
        break;
      case '--base-path':
        opts.basePath = value();
        break;
      case '--include-path':
        opts.includePaths.push(value());
        break;
      case '--allow-paths':
        value(); // every path below the roots is readable: nothing to restrict in a build tool
        break;
      case '--pretty-json':
      case '--no-import-callback':
        break;
      default:
        fail(`unsupported argument '${arg}': only --version and --standard-json are provided`);
    }
  }
  return opts;
}

function importResolver(opts) {
  const roots = [opts.basePath, ...opts.includePaths, process.cwd()].filter(Boolean);
  return (sourceUnit) => {
    const candidates = path.isAbsolute(sourceUnit)
      ? [sourceUnit]
      : roots.map((root) => path.resolve(root, sourceUnit));
    for (const file of candidates) {
      try {
        return { contents: fs.readFileSync(file, 'utf8') };
      } catch (_) {
        // try the next root
      }
    }
    return { error: `file not found: ${sourceUnit} (searched ${roots.join(', ')})` };
  };
}

const opts = parseArgs(process.argv.slice(2));
if (opts.mode === 'version') {
  writeAll(1, `solc, the solidity compiler commandline interface\nVersion: ${nativeVersion()}\n`);
} else if (opts.mode === 'standard-json') {
  const input = fs.readFileSync(0, 'utf8');
  writeAll(1, solc.compile(input, { import: importResolver(opts) }));
} else {
  fail('expected --version or --standard-json');
}
