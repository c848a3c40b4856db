// The repository stands alone: every reference in code to a design document points at a file
// the repository has (docs/ARCHITECTURE.md, CONTRIBUTING.md, README.md) and, where it names a
// section, at a heading that exists. Catches a renamed heading, and a citation of a document
// that lives outside the repository (the old DESIGN.md / STYLE.md).
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './helpers';

const root = repoRoot();
const SCANNED = ['src', 'webview', 'test', 'bench', 'scripts', 'esbuild.js'];
const SKIP = new Set(['node_modules', 'dist', 'fixtures', '.code-server']);

function files(p: string, out: string[] = []): string[] {
  const full = path.join(root, p);
  if (!existsSync(full)) return out;
  if (statSync(full).isFile()) {
    if (/\.(ts|mts|js|mjs|py|sh)$/.test(p)) out.push(p);
    return out;
  }
  for (const name of readdirSync(full)) if (!SKIP.has(name)) files(path.join(p, name), out);
  return out;
}

function headings(doc: string): string[] {
  return readFileSync(path.join(root, doc), 'utf8')
    .split('\n')
    .filter(l => /^#{1,4} /.test(l))
    .map(l => l.replace(/^#+ /, '').trim());
}

describe('design documents in the repository', () => {
  const sources = SCANNED.flatMap(p => files(p)).filter(f => f !== path.join('test', 'unit', 'docs.test.ts'));

  it('no source cites a design document the repository does not have', () => {
    const outside = sources.filter(f => /\b(DESIGN|STYLE)\.md\b/.test(readFileSync(path.join(root, f), 'utf8')));
    assert.deepEqual(outside, [], 'these cite DESIGN.md or STYLE.md, which live outside the repository');
  });

  it('every cited section of docs/ARCHITECTURE.md, CONTRIBUTING.md and README.md exists', () => {
    const cited = /(docs\/ARCHITECTURE\.md|CONTRIBUTING\.md|README\.md),? \(?"([^"]+)"/g;
    const missing: string[] = [];
    let count = 0;
    for (const f of sources) {
      const text = readFileSync(path.join(root, f), 'utf8');
      for (const m of text.matchAll(cited)) {
        count++;
        const [, doc, section] = m as unknown as [string, string, string];
        assert.ok(existsSync(path.join(root, doc)), `${f} cites ${doc}, which is missing`);
        if (!headings(doc).some(h => h === section || h.startsWith(section))) missing.push(`${f}: ${doc} "${section}"`);
      }
    }
    assert.deepEqual(missing, [], 'sections cited but not found');
    assert.ok(count >= 8, `expected the code to cite at least 8 sections, found ${count} (is the pattern still right?)`);
  });

  it('README links the architecture and contributing guides', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    assert.match(readme, /docs\/ARCHITECTURE\.md/);
    assert.match(readme, /CONTRIBUTING\.md/);
  });
});
