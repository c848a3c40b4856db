// The .vsix files as a user gets them: `npm run package` (scripts/package.mjs) and plain
// `npx @vscode/vsce package`, run on a copy of the repository (the package build would replace
// this checkout's dist/, test bundles included), then unpacked and checked file by file against
// .vscodeignore's allow-list. Takes a minute or two: vsce zips ~60 MB.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { repoRoot } from './helpers';

/** The entries of a zip file (no zip64: a .vsix stays far below 4 GiB), by name. */
function unzip(file: string): Map<string, Buffer> {
  const zip = readFileSync(file);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, `${file}: no end of central directory`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, `${file}: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const packed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + packed);
    const bytes = method === 0 ? Buffer.from(data) : inflateRawSync(data);
    assert.equal(bytes.length, size, `${file}: ${name}: ${bytes.length} bytes unpacked, expected ${size}`);
    entries.set(name, bytes);
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

/** .vscodeignore's `!pattern` lines as regular expressions over paths inside `extension/`. */
function allowList(): RegExp[] {
  return readFileSync(path.join(repoRoot(), '.vscodeignore'), 'utf8').split('\n')
    .map(l => l.trim())
    .filter(l => l.startsWith('!'))
    .map(l => new RegExp('^' + l.slice(1).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\0/g, '.*') + '$'));
}

/** Files vsce writes itself: its manifest, content types, the readme (dist/README.md) and LICENSE under vsce's names. */
const VSCE_OWN = new Set(['extension.vsixmanifest', '[Content_Types].xml', 'extension/readme.md', 'extension/LICENSE.txt']);

/** What every .vsix must carry. */
const REQUIRED = [
  'extension/package.json', 'extension/readme.md', 'extension/LICENSE.txt',
  'extension/dist/extension.js', 'extension/dist/worker.js',
  'extension/dist/webview/webview.js', 'extension/dist/webview/webview.css',
  'extension/dist/webview/codicon.css', 'extension/dist/webview/codicon.ttf',
  'extension/media/icon.svg',
  'extension/assets/models/glove-100d/model.safetensors',
  'extension/assets/tokenizers/gpt2/tokenizer.json',
  'extension/assets/tokenizers/openai/cl100k_base.tiktoken',
];

/** Images in markdown (vsce's syntax) and <img> tags: their targets. */
function imageTargets(markdown: string): string[] {
  const md = [...markdown.matchAll(/!\[[^\][]*\]\(([^)\s]+)[^)]*\)/g)].map(m => m[1]!);
  const html = [...markdown.matchAll(/<img\b[^>]*\bsrc=["']([^"']+)["']/gi)].map(m => m[1]!);
  return [...md, ...html];
}

/** The file list checks every .vsix must pass. */
function checkFiles(name: string, entries: Map<string, Buffer>, o: { platform: boolean }): void {
  const allowed = allowList();
  for (const f of REQUIRED) assert.ok(entries.has(f), `${name}: ${f} is missing`);
  for (const f of entries.keys()) {
    if (VSCE_OWN.has(f)) continue;
    assert.ok(f.startsWith('extension/'), `${name}: ${f} is outside extension/`);
    const inside = f.slice('extension/'.length);
    assert.ok(allowed.some(r => r.test(inside)), `${name}: ${f} is not in .vscodeignore's allow-list`);
    assert.doesNotMatch(inside, /^(src|test|webview|bench|scripts|docs|node_modules)\//, `${name}: ${f}: sources, tests or development files are shipped`);
    assert.doesNotMatch(inside, /\.ts$/, `${name}: ${f}: a TypeScript file is shipped`);
  }
  const runtime = [...entries.keys()].filter(f => f.startsWith('extension/dist/node_modules/'));
  if (o.platform) {
    assert.ok(runtime.some(f => f.endsWith('/onnxruntime_binding.node')), `${name}: no onnxruntime binding staged`);
    const foreign = runtime.filter(f => f.includes('/bin/') && !f.includes('/bin/napi-v6/linux/x64/'));
    assert.deepEqual(foreign, [], `${name}: another platform's binaries are shipped`);
  } else {
    assert.deepEqual(runtime, [], `${name}: the generic .vsix carries an onnxruntime binary`);
  }
  // Every `sourceMappingURL` names a shipped map (or is inline), and every shipped map is named.
  const referenced = new Set<string>();
  for (const [f, bytes] of entries) {
    if (!f.endsWith('.js')) continue;
    for (const m of bytes.toString('utf8').matchAll(/^\/\/# sourceMappingURL=(\S+)\s*$/gm)) {
      if (m[1]!.startsWith('data:')) continue;
      const map = path.posix.join(path.posix.dirname(f), m[1]!);
      assert.ok(entries.has(map), `${name}: ${f} names ${m[1]}, which the package lacks`);
      referenced.add(map);
    }
  }
  for (const f of entries.keys()) if (f.endsWith('.map')) assert.ok(referenced.has(f), `${name}: ${f} is shipped but no bundle names it`);
}

describe('packaging', function () {
  // A copy of the repository, two npm run package .vsix files and a plain vsce one: zipping
  // ~60 MB under a loaded machine.
  this.timeout(600_000);
  let work: string;
  let copy: string;
  const vsix: Record<string, Map<string, Buffer>> = {};
  const sourceReadme = readFileSync(path.join(repoRoot(), 'README.md'), 'utf8');

  before(function () {
    work = mkdtempSync(path.join(tmpdir(), 'embedding-lens-package-'));
    copy = path.join(work, 'repo');
    // What a clone would hold (tracked and new, not ignored files, as they are on disk), and
    // this checkout's node_modules.
    const ls = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot(), encoding: 'utf8' });
    assert.equal(ls.status, 0, `git ls-files failed: ${ls.stderr}`);
    for (const f of ls.stdout.split('\0')) {
      // (A linked node_modules is a file to git's ignore rule `node_modules/`.)
      if (!f || f === 'node_modules' || !existsSync(path.join(repoRoot(), f))) continue;
      mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
      cpSync(path.join(repoRoot(), f), path.join(copy, f));
    }
    symlinkSync(realpathSync(path.join(repoRoot(), 'node_modules')), path.join(copy, 'node_modules'), 'dir');
    const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
    const out = path.join(work, 'out');
    const run = (what: string, cmd: string, args: string[]): void => {
      const r = spawnSync(cmd, args, { cwd: copy, env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300_000 });
      assert.equal(r.status, 0, `${what} failed (${r.signal ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`);
    };
    run('npm run package', process.execPath, ['scripts/package.mjs', '--targets', 'linux-x64', '--out-dir', out]);
    // npx runs the vsce of node_modules (--no: never a download).
    run('npx @vscode/vsce package', 'npx', ['--no', '@vscode/vsce', 'package', '--out', path.join(out, 'plain.vsix')]);
    vsix.platform = unzip(path.join(out, 'embedding-lens-linux-x64-0.1.0.vsix'));
    vsix.generic = unzip(path.join(out, 'embedding-lens-0.1.0.vsix'));
    vsix.plain = unzip(path.join(out, 'plain.vsix'));
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // Would catch: a file outside the allow-list (sources, tests, maps, the top-level node_modules),
  // a missing bundle or asset, another platform's binary, the runtime in the generic .vsix.
  it('each .vsix holds exactly the allow-listed files', () => {
    checkFiles('linux-x64 .vsix', vsix.platform!, { platform: true });
    checkFiles('generic .vsix', vsix.generic!, { platform: false });
    checkFiles('plain vsce .vsix', vsix.plain!, { platform: false });
  });

  // Would catch: a bundle ending in `//# sourceMappingURL=extension.js.map` with no map shipped
  // (production builds with source maps), or the staged onnxruntime files without theirs.
  it('no shipped bundle names a source map the package lacks', () => {
    for (const f of ['extension/dist/extension.js', 'extension/dist/worker.js', 'extension/dist/webview/webview.js']) {
      assert.doesNotMatch(vsix.generic!.get(f)!.toString('utf8'), /sourceMappingURL=(?!data:)/, `${f} names a source map`);
    }
    assert.ok([...vsix.platform!.keys()].some(f => f.endsWith('/onnxruntime-node/dist/index.js.map')), 'the staged onnxruntime files name maps: they must ship');
  });

  // Would catch: README images linked as files the .vsix lacks (they show broken on the details
  // page), an image dropped instead of inlined, or bytes that are not the screenshot's.
  it("npm run package's readme carries every README image, inlined", () => {
    const wanted = imageTargets(sourceReadme).filter(t => !/^(https:|data:)/.test(t));
    assert.ok(wanted.length > 0, 'README.md links no local image: this test checks nothing');
    for (const [name, entries] of [['linux-x64', vsix.platform!], ['generic', vsix.generic!]] as const) {
      const readme = entries.get('extension/readme.md')!.toString('utf8');
      const images = imageTargets(readme);
      assert.equal(images.length, imageTargets(sourceReadme).length, `${name}: ${images.length} images in the packaged readme, README.md has ${imageTargets(sourceReadme).length}`);
      for (const img of images) {
        if (img.startsWith('https:')) continue;
        const m = /^data:image\/(png|jpeg|gif|webp);base64,([A-Za-z0-9+/=]+)$/.exec(img);
        assert.ok(m || entries.has(`extension/${img}`), `${name}: the readme links the image ${img.slice(0, 60)}, which the package lacks`);
      }
      const inlined = images.filter(i => i.startsWith('data:')).map(i => Buffer.from(i.slice(i.indexOf(',') + 1), 'base64'));
      for (const t of wanted) {
        const bytes = readFileSync(path.join(copy, decodeURI(t)));
        assert.ok(inlined.some(b => b.equals(bytes)), `${name}: ${t} is not in the packaged readme`);
      }
    }
  });

  // Would catch: plain vsce shipping a readme whose images point at files it does not carry.
  it("plain vsce's readme links no missing image and says where the screenshots are", () => {
    const readme = vsix.plain!.get('extension/readme.md')!.toString('utf8');
    for (const img of imageTargets(readme)) {
      assert.ok(img.startsWith('https:') || vsix.plain!.has(`extension/${img}`), `the readme links the image ${img}, which the package lacks`);
    }
    assert.match(readme, /npm run package/);
    assert.equal(vsix.plain!.has('extension/README.md'), false, 'README.md shipped beside the processed readme');
  });
});
