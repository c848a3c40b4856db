// Builds every bundle of the project in one place. Usage: node esbuild.js [--watch] [--production]
//
// Boundaries are enforced here, not remembered: only the extension bundle may import `vscode`
// (it is external there and nowhere else, so a stray import elsewhere fails the build), the
// core may not import `vscode` even through the extension bundle, and the webview is built for
// the browser, so a node import there fails too.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const root = __dirname;

/** Fails the build when a file under `dir` imports one of `modules`. */
function forbidImports(name, dir, modules) {
  const inside = path.join(root, dir) + path.sep;
  return {
    name,
    setup(build) {
      const filter = new RegExp(`^(${modules.map(m => m.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&')).join('|')})$`);
      build.onResolve({ filter }, args => {
        if (args.importer.startsWith(inside)) {
          return { errors: [{ text: `${path.relative(root, args.importer)} imports "${args.path}": ${dir} must not (see CONTRIBUTING.md, "Layout rules")` }] };
        }
        return undefined;
      });
    },
  };
}

const coreIsPure = forbidImports('core-is-pure', 'src/core', ['vscode']);
const noVscode = forbidImports('no-vscode', '.', ['vscode']);
// The core defines the encoder seam; only the worker and the CLI inject the native one.
const nativeOutsideCore = forbidImports('native-outside-core', 'src/core', ['onnxruntime-node', 'protobufjs']);
// onnxruntime-node loads its native binding from a path next to its own files: it stays a
// package resolved at run time (node_modules in development, dist/node_modules in a platform
// .vsix — scripts/package.mjs), never bundled.
const nativeExternal = ['onnxruntime-node'];
// Source maps: development builds only. A production build (scripts/package.mjs) ships none: the
// extension host and worker run without --enable-source-maps, so shipped maps would only add size,
// and a bundle must not end with a `sourceMappingURL` pointing at a file the .vsix lacks.
const node = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: !production, logLevel: 'warning', minify: production, plugins: [coreIsPure] };

function listTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .filter(f => f.endsWith('.test.ts'))
    .map(f => path.join(dir, f));
}

const builds = [
  // Extension host: the only bundle where `vscode` exists.
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  // Worker thread: the core and the handlers; no vscode.
  { ...node, entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js', external: nativeExternal, plugins: [coreIsPure, noVscode, nativeOutsideCore] },
  // Panel: a browser bundle (a node or vscode import fails here), CSS beside it.
  {
    bundle: true, platform: 'browser', format: 'iife', target: 'chrome120', sourcemap: production ? false : 'inline', logLevel: 'warning', minify: production,
    entryPoints: { webview: 'webview/main.ts' }, outdir: 'dist/webview', plugins: [noVscode],
  },
  // CLI (package.json "bin" → bin/embedding-lens.js → dist/cli.js).
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', external: nativeExternal, plugins: [coreIsPure, noVscode, nativeOutsideCore] },
  // The CLI's worker thread: the command's work, under the main thread's deadline and heap limit.
  { ...node, entryPoints: ['src/cli/worker.ts'], outfile: 'dist/cliWorker.js', external: nativeExternal, plugins: [coreIsPure, noVscode, nativeOutsideCore] },
  // Unit tests: one bundle per test file. Packages stay external (mocha runs them; reference
  // libraries such as the Rust `tokenizers` binding load their native code at run time).
  { ...node, entryPoints: listTests('test/unit'), outdir: 'dist/test/unit', outbase: 'test/unit', packages: 'external', plugins: [coreIsPure, noVscode] },
  // Integration tests: the mocha runner VS Code loads (extensionTestsPath) and one bundle per
  // suite; they run in the extension host, where `vscode` exists and mocha comes from node_modules.
  { ...node, entryPoints: ['test/integration/index.ts', ...listTests('test/integration')], outdir: 'dist/test/integration', outbase: 'test/integration', external: ['vscode', 'mocha'] },
];

/** Files the panel loads as they are: the codicon font and its CSS. */
function copyAssets() {
  const out = path.join(root, 'dist', 'webview');
  fs.mkdirSync(out, { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) {
    fs.copyFileSync(path.join(root, 'node_modules', '@vscode', 'codicons', 'dist', f), path.join(out, f));
  }
}

async function main() {
  const t0 = Date.now();
  // Stale test bundles (a renamed or deleted test) must not keep running.
  fs.rmSync(path.join(root, 'dist', 'test'), { recursive: true, force: true });
  copyAssets();
  if (watch) {
    for (const b of builds) await (await esbuild.context(b)).watch();
    console.log('esbuild: watching');
    return;
  }
  await Promise.all(builds.map(b => esbuild.build(b)));
  console.log(`esbuild: ${builds.length} bundles in ${Date.now() - t0} ms`);
}

main().catch(() => process.exit(1));
