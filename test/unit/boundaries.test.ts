// The runtime boundaries of CONTRIBUTING.md ("Layout rules"), checked on the sources. The build enforces them
// too (esbuild.js fails on a `vscode` import outside the extension bundle); this test also
// catches an import that no bundle reaches yet.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './helpers';

function sources(dir: string): string[] {
  const abs = path.join(repoRoot(), dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true })
    .map(String)
    .filter(f => /\.tsx?$/.test(f))
    .map(f => path.join(dir, f));
}

function imports(file: string): string[] {
  const text = readFileSync(path.join(repoRoot(), file), 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)].map(m => m[1] ?? m[2] ?? m[3]!);
}

describe('runtime boundaries', () => {
  it('only src/host and src/extension.ts import vscode', () => {
    const offenders = ['src/core', 'src/shared', 'src/worker', 'src/cli', 'webview']
      .flatMap(sources)
      .filter(f => imports(f).includes('vscode'));
    assert.deepEqual(offenders, []);
  });

  it('the core reaches node only through its file-access seam (nodeFiles.ts)', () => {
    const offenders = sources('src/core')
      .filter(f => !f.endsWith('nodeFiles.ts'))
      .flatMap(f => imports(f).filter(i => i.startsWith('node:') || ['fs', 'path', 'os', 'worker_threads', 'child_process'].includes(i)).map(i => `${f}: ${i}`));
    assert.deepEqual(offenders, []);
  });

  it('the core does not import host, worker, webview or CLI code', () => {
    const core = path.join(repoRoot(), 'src', 'core') + path.sep;
    const offenders = sources('src/core').flatMap(f =>
      imports(f)
        .filter(i => i.startsWith('.') && !path.resolve(repoRoot(), path.dirname(f), i).startsWith(core))
        .map(i => `${f}: ${i}`),
    );
    assert.deepEqual(offenders, []);
  });

  it('the webview imports no node modules', () => {
    const offenders = sources('webview').flatMap(f => imports(f).filter(i => i.startsWith('node:') || ['fs', 'path', 'os', 'worker_threads', 'child_process'].includes(i)).map(i => `${f}: ${i}`));
    assert.deepEqual(offenders, []);
  });
});
