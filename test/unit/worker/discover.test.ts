// The worker's `discover` request (handlers.ts): discovery over the worker's environment plus the
// caller's folders and hidden locations, as plain data that crosses the thread boundary, and
// stopped by cancellation.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { nodeFiles } from '../../../src/core/nodeFiles';
import { WorkerHandlers } from '../../../src/worker/handlers';
import { fixture, rejection, repoRoot } from '../helpers';

/** A home folder with LM Studio's layout holding the tiny Q8_0 model, and an extra folder with the F16 one. */
function layout(): { home: string; extra: string } {
  const home = mkdtempSync(path.join(tmpdir(), 'el-discover-home-'));
  const lm = path.join(home, '.lmstudio', 'models', 'pub', 'repo');
  mkdirSync(lm, { recursive: true });
  copyFileSync(fixture('discovery', 'tiny-llama-q8_0.gguf'), path.join(lm, 'tiny.gguf'));
  const extra = mkdtempSync(path.join(tmpdir(), 'el-discover-extra-'));
  copyFileSync(fixture('discovery', 'tiny-gpt2-f16.gguf'), path.join(extra, 'gpt2.gguf'));
  return { home, extra };
}

const assetsDir = path.join(repoRoot(), 'assets');

describe('worker discover', () => {
  it('finds the default locations of the worker\'s environment and the caller\'s folders, as structured-cloneable data', async () => {
    // Would catch: folders or hidden not passed on, or a reply that cannot cross postMessage.
    const { home, extra } = layout();
    const h = new WorkerHandlers({ files: nodeFiles, assetsDir, discovery: { env: {}, home } });
    const { result, transfer } = await h.handle({ type: 'discover', folders: [extra], hidden: [] });
    assert.deepEqual(transfer, []);
    assert.deepEqual(result.models.map(m => [m.source, m.name, m.format, m.quant, m.architecture]), [
      ['lmstudio', 'lmstudio:pub/repo/tiny.gguf', 'gguf', 'Q8_0', 'llama'],
      ['folder', 'gpt2.gguf', 'gguf', 'F16', 'gpt2'],
    ]);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(structuredClone(result), result, 'plain data');
    const hidden = await h.handle({ type: 'discover', folders: [extra], hidden: ['lmstudio'] });
    assert.deepEqual(hidden.result.models.map(m => m.name), ['gpt2.gguf']);
    assert.ok(!hidden.result.locations.some(l => l.source === 'lmstudio'), 'a hidden source is not looked at');
  });

  it('a cancelled search ends as cancelled', async () => {
    // Would catch: a search that runs on (and answers) after its picker was closed.
    const { home, extra } = layout();
    const h = new WorkerHandlers({ files: nodeFiles, assetsDir, discovery: { env: {}, home } });
    const err = await rejection(() => h.handle({ type: 'discover', folders: [extra], hidden: [] }, { isCancellationRequested: true }));
    assert.equal(err.reason, 'cancelled');
  });

  it('without an environment to read, says so', async () => {
    const h = new WorkerHandlers({ files: nodeFiles, assetsDir });
    const err = await rejection(() => h.handle({ type: 'discover', folders: [], hidden: [] }));
    assert.equal(err.reason, 'option');
    assert.match(err.message, /model discovery is not available here/);
  });
});
