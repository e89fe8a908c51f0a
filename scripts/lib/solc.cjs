#!/usr/bin/env node
// A `solc`-compatible command over the npm `solc` package (soljson), installed by scripts/setup as
// .tools/bin/solc. It answers what forge, foundry-compilers and slither ask of a native compiler:
//   solc --version                      native solc's two-line version banner
//   solc --standard-json [options]      Standard JSON on stdin -> Standard JSON on stdout
//   solc [prefix=path ...] FILE... --combined-json KEYS [--optimize] [--optimize-runs N] [--evm-version V]
//                                       native solc's combined JSON (what slither reads), built from a
//                                       Standard JSON compilation of FILE... with those remappings
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
  const opts = {
    mode: null,
    basePath: null,
    includePaths: [],
    combined: null,
    files: [],
    remappings: [],
    optimize: false,
    runs: 200,
    evmVersion: null,
  };
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
      case '--combined-json':
        opts.mode = 'combined-json';
        opts.combined = value().split(',');
        break;
      case '--optimize':
        opts.optimize = true;
        break;
      case '--optimize-runs':
        opts.runs = Number(value());
        break;
      case '--evm-version':
        opts.evmVersion = value();
        break;
      case '--pretty-json':
      case '--no-import-callback':
        break;
      default:
        if (arg.startsWith('-')) {
          fail(`unsupported argument '${arg}': only --version, --standard-json and --combined-json are provided`);
        } else if (arg.includes('=')) {
          opts.remappings.push(arg);
        } else {
          opts.files.push(arg);
        }
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

// Native solc's --combined-json output, from one Standard JSON compilation of the given files.
function combinedJson(opts) {
  if (opts.files.length === 0) fail('--combined-json needs at least one source file');
  const sources = {};
  for (const file of opts.files) sources[file] = { content: fs.readFileSync(file, 'utf8') };
  const settings = {
    remappings: opts.remappings,
    optimizer: { enabled: opts.optimize, runs: opts.runs },
    outputSelection: {
      '*': {
        '*': ['abi', 'evm.bytecode', 'evm.deployedBytecode', 'evm.methodIdentifiers', 'userdoc', 'devdoc'],
        '': ['ast'],
      },
    },
  };
  if (opts.evmVersion) settings.evmVersion = opts.evmVersion;
  const input = JSON.stringify({ language: 'Solidity', sources, settings });
  const output = JSON.parse(solc.compile(input, { import: importResolver(opts) }));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  for (const e of output.errors || []) writeAll(2, `${e.formattedMessage || e.message}\n`);
  if (errors.length > 0) process.exit(1);

  const contracts = {};
  for (const [file, byName] of Object.entries(output.contracts || {})) {
    for (const [name, c] of Object.entries(byName)) {
      const entry = {};
      for (const key of opts.combined) {
        if (key === 'abi') entry.abi = c.abi;
        else if (key === 'bin') entry.bin = c.evm.bytecode.object;
        else if (key === 'bin-runtime') entry['bin-runtime'] = c.evm.deployedBytecode.object;
        else if (key === 'srcmap') entry.srcmap = c.evm.bytecode.sourceMap;
        else if (key === 'srcmap-runtime') entry['srcmap-runtime'] = c.evm.deployedBytecode.sourceMap;
        else if (key === 'userdoc') entry.userdoc = c.userdoc;
        else if (key === 'devdoc') entry.devdoc = c.devdoc;
        else if (key === 'hashes') entry.hashes = c.evm.methodIdentifiers;
      }
      contracts[`${file}:${name}`] = entry;
    }
  }
  const sourceList = Object.keys(output.sources).sort((a, b) => output.sources[a].id - output.sources[b].id);
  const astSources = {};
  if (opts.combined.includes('ast')) {
    for (const file of sourceList) astSources[file] = { AST: output.sources[file].ast };
  }
  return JSON.stringify({ contracts, sourceList, sources: astSources, version: nativeVersion() });
}

const opts = parseArgs(process.argv.slice(2));
if (opts.mode === 'version') {
  writeAll(1, `solc, the solidity compiler commandline interface\nVersion: ${nativeVersion()}\n`);
} else if (opts.mode === 'standard-json') {
  const input = fs.readFileSync(0, 'utf8');
  writeAll(1, solc.compile(input, { import: importResolver(opts) }));
} else if (opts.mode === 'combined-json') {
  writeAll(1, combinedJson(opts));
} else {
  fail('expected --version, --standard-json or --combined-json');
}
