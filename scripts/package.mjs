// `npm run package`: one .vsix per platform with only that platform's onnxruntime binary, and a
// generic .vsix without any (its worker runs the TypeScript encoder, saying so in the log and the
// panel's header). Usage: node scripts/package.mjs [--targets linux-x64,darwin-arm64,…] [--no-generic]
//
// The worker bundle keeps `onnxruntime-node` external (esbuild.js); at run time Node resolves it
// from dist/worker.js through dist/node_modules, which this script stages for each target:
// onnxruntime-node's package.json, dist/ and bin/napi-v6/<platform>/<arch>/, and onnxruntime-common's
// package.json and dist/cjs/. vsce skips the top-level node_modules with --no-dependencies, but
// not dist/node_modules, which .vscodeignore allows.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
/** vsce target → onnxruntime-node's bin folder (process.platform/process.arch). */
const TARGETS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};

const args = process.argv.slice(2);
const targetArg = args.indexOf('--targets');
const targets = targetArg >= 0 ? args[targetArg + 1].split(',') : Object.keys(TARGETS);
for (const t of targets) if (!TARGETS[t]) throw new Error(`--targets: unknown target ${t}; expected one of ${Object.keys(TARGETS).join(', ')}`);
const generic = !args.includes('--no-generic');

const modules = path.join(root, 'node_modules');
const staged = path.join(root, 'dist', 'node_modules');
const vsce = path.join(modules, '@vscode', 'vsce', 'vsce');

function run(cmd, argv) {
  execFileSync(cmd, argv, { cwd: root, stdio: 'inherit' });
}

/** Stages the runtime for one platform folder ("linux/x64"), or removes it (null). */
function stage(bin) {
  rmSync(staged, { recursive: true, force: true });
  if (bin === null) return;
  const ortNode = path.join(modules, 'onnxruntime-node');
  const ortCommon = path.join(modules, 'onnxruntime-common');
  const from = path.join(ortNode, 'bin', 'napi-v6', ...bin.split('/'));
  if (!existsSync(from)) throw new Error(`${from} is missing: onnxruntime-node ships no binary for ${bin}`);
  cpSync(path.join(ortNode, 'package.json'), path.join(staged, 'onnxruntime-node', 'package.json'));
  cpSync(path.join(ortNode, 'dist'), path.join(staged, 'onnxruntime-node', 'dist'), { recursive: true, filter: f => !f.endsWith('.map') && !f.endsWith('.d.ts') });
  cpSync(from, path.join(staged, 'onnxruntime-node', 'bin', 'napi-v6', ...bin.split('/')), { recursive: true });
  cpSync(path.join(ortCommon, 'package.json'), path.join(staged, 'onnxruntime-common', 'package.json'));
  cpSync(path.join(ortCommon, 'dist', 'cjs'), path.join(staged, 'onnxruntime-common', 'dist', 'cjs'), { recursive: true, filter: f => !f.endsWith('.map') && !f.endsWith('.d.ts') });
}

function vsix(target) {
  const out = path.join(root, `${pkg.name}-${target ? `${target}-` : ''}${pkg.version}.vsix`);
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', ...(target ? ['--target', target] : []), '--out', out]);
  return out;
}

run(process.execPath, [path.join(root, 'scripts', 'copy-encodings.js')]);
run(process.execPath, [path.join(root, 'esbuild.js'), '--production']);
mkdirSync(path.dirname(staged), { recursive: true });
const made = [];
try {
  for (const t of targets) {
    stage(TARGETS[t]);
    made.push(vsix(t));
  }
  if (generic) {
    stage(null);
    made.push(vsix(null));
  }
} finally {
  stage(null);
}
for (const f of made) console.log(`${(statSync(f).size / 2 ** 20).toFixed(1)} MiB  ${path.relative(root, f)}`);
