// Packaging. Two ways, both from a clean build (production bundles, no source maps):
//
//   npm run package   one .vsix per platform with only that platform's onnxruntime binary, and a
//                     generic .vsix without any (its worker runs the TypeScript encoder, saying so
//                     in the log and the panel's header); README's screenshots inlined, so the
//                     extension's details page shows them.
//   npx @vscode/vsce package
//                     the generic .vsix only, README's screenshots left out (see below).
//
// Usage: node scripts/package.mjs [--targets linux-x64,darwin-arm64,…] [--no-generic] [--out-dir DIR]
//        node scripts/package.mjs --prepublish      (package.json "vscode:prepublish"; vsce runs it)
//
// README images. VS Code's details page renders an installed extension's readme in a webview whose
// CSP is `img-src https: data:` with no <base>: a relative link to a file in the extension folder
// never loads there, shipped or not. Without a public https host (this project has none, so
// package.json has no `repository` and no base URL to invent), the only images that show are
// data: URIs. vsce's default mode rejects every image that is not https (and every relative link
// with no repository to rewrite it against); its --no-rewrite-relative-links mode keeps them, but
// that flag cannot be set from package.json. So the packaged readme is dist/README.md, written
// from README.md at package time (package.json "vsce".readmePath):
//   - by `npm run package` (which passes --no-rewrite-relative-links): each image README links
//     inlined as a data: URI;
//   - by plain `vsce package` (its prepublish step, run without this script): each image replaced
//     by its caption, with one line saying where the screenshots are.
// Either way a relative link to another repository file (not shipped) keeps its text, not a
// link that would break. The root README.md itself is not shipped (.vscodeignore).
//
// The worker bundle keeps `onnxruntime-node` external (esbuild.js); at run time Node resolves it
// from dist/worker.js through dist/node_modules, which this script stages for each target:
// onnxruntime-node's package.json, dist/ and bin/napi-v6/<platform>/<arch>/, and onnxruntime-common's
// package.json and dist/cjs/ (their .js files with the .js.map files they name, so no shipped
// `sourceMappingURL` dangles; the .d.ts files are left out). vsce skips the top-level node_modules
// (package.json "vsce".dependencies: false), but not dist/node_modules, which .vscodeignore allows.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
/** Set by this script for the vsce it runs: the prepublish step then leaves the build to it. */
const PACKAGING_ENV = 'EMBEDDING_LENS_PACKAGING';
/** The readme vsce packages (package.json "vsce".readmePath; vsce ships it as extension/readme.md). */
const packagedReadme = path.join(root, 'dist', 'README.md');
const staged = path.join(root, 'dist', 'node_modules');
const modules = path.join(root, 'node_modules');

/** Image types a data: URI may carry (SVG is refused: VS Code's details page does not allow it either). */
const MIME = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp' };

const args = process.argv.slice(2);

if (args.includes('--prepublish')) {
  // Under this script, the build is done and the readme written already.
  if (!process.env[PACKAGING_ENV]) {
    build();
    rmSync(staged, { recursive: true, force: true });
    writeReadme('captions');
  }
} else {
  packageAll();
}

function packageAll() {
  const targetArg = args.indexOf('--targets');
  const targets = targetArg >= 0 ? (args[targetArg + 1] ?? '').split(',') : Object.keys(TARGETS);
  for (const t of targets) if (!TARGETS[t]) fail(`--targets: unknown target "${t}"; expected one of ${Object.keys(TARGETS).join(', ')}`);
  const outArg = args.indexOf('--out-dir');
  const outDir = outArg >= 0 ? path.resolve(args[outArg + 1] ?? '') : root;
  const generic = !args.includes('--no-generic');

  build();
  writeReadme('inline');
  mkdirSync(outDir, { recursive: true });
  const made = [];
  try {
    for (const t of targets) {
      stage(TARGETS[t]);
      made.push(vsix(t, outDir));
    }
    if (generic) {
      stage(null);
      made.push(vsix(null, outDir));
    }
  } finally {
    stage(null);
  }
  for (const f of made) console.log(`${(statSync(f).size / 2 ** 20).toFixed(1)} MiB  ${path.relative(process.cwd(), f)}`);
}

/** The production bundles (no source maps: esbuild.js) and the OpenAI encodings they load. */
function build() {
  run(process.execPath, [path.join(root, 'scripts', 'copy-encodings.js')]);
  run(process.execPath, [path.join(root, 'esbuild.js'), '--production']);
}

/** @param {string} cmd @param {string[]} argv @param {NodeJS.ProcessEnv} [env] */
function run(cmd, argv, env = process.env) {
  execFileSync(cmd, argv, { cwd: root, stdio: 'inherit', env });
}

/** @param {string} msg @returns {never} */
function fail(msg) {
  console.error(`package: ${msg}`);
  process.exit(1);
}

/** Stages the runtime for one platform folder ("linux/x64"), or removes it (null). @param {string | null} bin */
function stage(bin) {
  rmSync(staged, { recursive: true, force: true });
  if (bin === null) return;
  const ortNode = path.join(modules, 'onnxruntime-node');
  const ortCommon = path.join(modules, 'onnxruntime-common');
  const from = path.join(ortNode, 'bin', 'napi-v6', ...bin.split('/'));
  if (!existsSync(from)) fail(`${from} is missing: onnxruntime-node ships no binary for ${bin}`);
  /** @param {string} f */
  const noTypes = f => !f.endsWith('.d.ts') && !f.endsWith('.d.ts.map');
  cpSync(path.join(ortNode, 'package.json'), path.join(staged, 'onnxruntime-node', 'package.json'));
  cpSync(path.join(ortNode, 'dist'), path.join(staged, 'onnxruntime-node', 'dist'), { recursive: true, filter: noTypes });
  cpSync(from, path.join(staged, 'onnxruntime-node', 'bin', 'napi-v6', ...bin.split('/')), { recursive: true });
  cpSync(path.join(ortCommon, 'package.json'), path.join(staged, 'onnxruntime-common', 'package.json'));
  cpSync(path.join(ortCommon, 'dist', 'cjs'), path.join(staged, 'onnxruntime-common', 'dist', 'cjs'), { recursive: true, filter: noTypes });
}

/** Runs vsce for one target (null: the generic .vsix); returns the file it wrote. @param {string | null} target @param {string} outDir */
function vsix(target, outDir) {
  const out = path.join(outDir, `${pkg.name}-${target ? `${target}-` : ''}${pkg.version}.vsix`);
  const vsce = path.join(modules, '@vscode', 'vsce', 'vsce');
  run(process.execPath, [
    vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '--readme-path', path.relative(root, packagedReadme),
    ...(target ? ['--target', target] : []), '--out', out,
  ], { ...process.env, [PACKAGING_ENV]: '1' });
  return out;
}

/** What images become in the packaged readme. @typedef {'inline' | 'captions'} ImageMode */

/**
 * Writes dist/README.md from README.md: images inlined (data: URIs) or replaced by their captions,
 * links to repository files (not shipped) replaced by their text. Fails when README links an
 * image that does not exist, naming it.
 * @param {ImageMode} mode
 */
function writeReadme(mode) {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  let text = packagedReadmeText(readme, mode, link => {
    const file = path.resolve(root, link);
    if (!file.startsWith(root + path.sep) || !existsSync(file)) fail(`README.md links the image "${link}", which is not a file of this repository`);
    return readFileSync(file);
  });
  if (mode === 'captions' && text !== readme) {
    // After the first heading: the details page shows it first.
    const note = '> The screenshots are not in this package: `vsce package` accepts only https image URLs, and this project has no public host. `npm run package` makes a .vsix with them inlined.\n';
    const h1 = /^# .*\n/m.exec(text);
    text = h1 ? text.slice(0, h1.index + h1[0].length) + '\n' + note + text.slice(h1.index + h1[0].length) : note + '\n' + text;
  }
  mkdirSync(path.dirname(packagedReadme), { recursive: true });
  writeFileSync(packagedReadme, text);
}

/**
 * The packaged readme's text. The link syntax is vsce's own (its MarkdownProcessor), so what vsce
 * would rewrite or refuse is exactly what is handled here.
 * @param {string} readme
 * @param {ImageMode} mode
 * @param {(link: string) => Buffer} readImage
 */
function packagedReadmeText(readme, mode, readImage) {
  const markdownLink = /(!?)\[([^\][]*|!\[[^\][]*]\([^)]+\))\]\(([^)]+)\)/g;
  /** @param {string} all @param {string} bang @param {string} title @param {string} target @returns {string} */
  const replace = (all, bang, title, target) => {
    const link = target.trim().split(/\s+/)[0] ?? '';
    title = title.replace(markdownLink, replace);
    if (!isRelative(link)) return `${bang}[${title}](${target})`;
    if (!bang) return title; // a repository file the package does not carry: the text stays, the link goes
    return mode === 'inline' ? `![${title}](${dataUri(link, readImage)})` : `*[screenshot: ${title}]*`;
  };
  let text = readme.replace(markdownLink, replace);
  text = text.replace(/<img\b[^>]*>/gi, tag => {
    const src = /\bsrc=["']([^"']+)["']/i.exec(tag);
    if (!src?.[1] || !isRelative(src[1])) return tag;
    if (mode === 'inline') return tag.replace(src[0], `src="${dataUri(src[1], readImage)}"`);
    const alt = /\balt=["']([^"']*)["']/i.exec(tag);
    return `*[screenshot: ${alt?.[1] ?? path.basename(src[1])}]*`;
  });
  return text;
}

/** A link vsce would rewrite against a repository URL (so would break in a package without one). @param {string} link */
function isRelative(link) {
  return !/^\w+:\/\//.test(link) && !link.startsWith('#') && !/^(mailto|data):/i.test(link);
}

/** @param {string} link @param {(link: string) => Buffer} readImage */
function dataUri(link, readImage) {
  const mime = MIME[/** @type {keyof typeof MIME} */ (path.extname(link).toLowerCase())];
  if (!mime) fail(`README.md links the image "${link}": expected a .png, .jpg, .gif or .webp file`);
  return `data:${mime};base64,${readImage(decodeURI(link)).toString('base64')}`;
}
