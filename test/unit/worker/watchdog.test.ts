// The host's worker client (src/host/workerClient.ts) against the real worker thread
// (dist/worker.js): deadlines, crashes, the heap limit, and what the other requests get.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { WorkerClient, WorkerError, WORKER_HEAP_MB } from '../../../src/host/workerClient';
import { WorkerHandlers } from '../../../src/worker/handlers';
import { nodeFiles } from '../../../src/core/nodeFiles';
import { repoRoot } from '../helpers';

const seed = { model: 'builtin:seed' };

/** A log that keeps its lines, to check that each fault is logged. */
function memoryLog(): { lines: string[]; info(m: string): void; warn(m: string): void; error(m: string): void } {
  const lines: string[] = [];
  return { lines, info: m => lines.push(`info ${m}`), warn: m => lines.push(`warn ${m}`), error: m => lines.push(`error ${m}`) };
}

function rejection(p: Promise<unknown>): Promise<WorkerError> {
  return p.then(
    v => assert.fail(`expected a rejection, got ${JSON.stringify(v)}`),
    (e: unknown) => e as WorkerError,
  );
}

/** The seed example's ids through the client: the check that a (new) worker answers. */
async function seedIds(client: WorkerClient): Promise<number[]> {
  const r = await client.request({ type: 'tokenize', ref: seed, text: 'White refrigerator is evil.' });
  return Array.from(new Int32Array(r.tokens.ids));
}

describe('worker client: watchdog and faults (real worker thread)', function () {
  this.timeout(60_000);
  let deadline = 60;
  let log: ReturnType<typeof memoryLog>;
  let client: WorkerClient;

  beforeEach(() => {
    deadline = 60;
    log = memoryLog();
    client = new WorkerClient(repoRoot(), log, { deadlineSeconds: () => deadline, testMode: true });
  });
  afterEach(() => client.dispose());

  it('a request past its deadline: the worker is stopped, the message says how long, what ran and which setting; the others are collateral; the next request works', async () => {
    const expected = await seedIds(client);
    deadline = 1;
    const hung = rejection(client.request({ type: 'debugFault', fault: 'hang' }));
    const queued = rejection(client.request({ type: 'tokenize', ref: seed, text: 'queued behind the hang' }));
    const e = await hung;
    assert.equal(e.reason, 'timeout');
    assert.match(e.message, /^a request was stopped after 1 s while it was running debugFault hang: a busy loop that never checks cancellation; the worker was restarted\. To allow more time, raise the setting embeddingLens\.requestTimeout\.$/);
    const q = await queued;
    assert.equal(q.reason, 'restarted');
    assert.match(q.message, /the tokenize request was not answered: the Embedding Lens worker was restarted because the debugFault request ran past its deadline; try again/);
    assert.ok(log.lines.some(l => l.startsWith('error watchdog: the debugFault request was stopped after 1 s')), log.lines.join('\n'));
    deadline = 60;
    assert.deepEqual(await seedIds(client), expected);
    assert.equal(client.starts, 2);
  });

  it('a real catastrophic pattern (Split "(a|aa)*$" in a tokenizer.json) never hangs: refused up front, or stopped at the deadline naming what ran', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lens-redos-'));
    const file = path.join(dir, 'tokenizer.json');
    const pattern = '(a|aa)*$';
    writeFileSync(file, JSON.stringify({
      version: '1.0',
      normalizer: null,
      pre_tokenizer: { type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false },
      model: { type: 'WordLevel', vocab: { '[UNK]': 0, a: 1, b: 2 }, unk_token: '[UNK]' },
    }));
    const expected = await seedIds(client);
    deadline = 1;
    const text = `${'a'.repeat(60)}b`;
    const e = await rejection(client.request({ type: 'tokenize', ref: { model: 'builtin:seed', tokenizer: file }, text }));
    if (e.reason === 'timeout') {
      // What ran: the tokenizer's own note (file and pattern) when the core makes one, else the request.
      assert.match(e.message, /^a request was stopped after 1 s while it was running /);
      assert.ok(e.message.includes(file) || e.message.includes(`tokenize of ${text.length} characters with builtin:seed (tokenizer ${file})`), e.message);
      assert.equal(client.starts, 1, 'the stopped worker is replaced on the next request only');
    } else {
      assert.ok(e.message.includes(pattern) && e.message.includes(file), `refused up front naming the file and the pattern: [${e.reason}] ${e.message}`);
    }
    deadline = 60;
    assert.deepEqual(await seedIds(client), expected);
  });

  it('a request\'s clock starts when the worker begins it, not while it waits behind another', async () => {
    await seedIds(client);
    deadline = 10;
    const first = client.request({ type: 'debugFault', fault: 'busy', ms: 2500 });
    deadline = 1;
    // Sent now, begun after the 2.5 s busy loop: waiting is not running.
    const second = seedIds(client);
    assert.equal(await first, null);
    assert.equal((await second).length > 0, true);
    assert.equal(client.starts, 1);
  });

  it('a handler that throws a plain Error: that request fails with the error, the worker stays', async () => {
    const e = await rejection(client.request({ type: 'debugFault', fault: 'throw' }));
    assert.equal(e.reason, 'internal');
    assert.match(e.message, /^debugFault: a handler threw a plain Error\n/);
    assert.ok((await seedIds(client)).length > 0);
    assert.equal(client.starts, 1);
  });

  it('a worker that exits abruptly: one request carries the exit, the others are collateral, the next request starts a new worker', async () => {
    await seedIds(client);
    client.injectFault('exit', 'tokenize');
    const dying = rejection(client.request({ type: 'tokenize', ref: seed, text: 'this one runs the exit instead' }));
    const other = rejection(client.request({ type: 'loadModel', ref: seed }));
    const e = await dying;
    assert.equal(e.reason, 'workerExit');
    assert.match(e.message, /^the Embedding Lens worker stopped \(exit code 134\) before it answered, while running debugFault exit; it was restarted for the next request$/);
    const o = await other;
    assert.equal(o.reason, 'restarted');
    assert.match(o.message, /worker was restarted because it stopped \(exit code 134\)/);
    assert.ok(log.lines.some(l => /^warn worker exited with code 134/.test(l)), log.lines.join('\n'));
    assert.ok((await seedIds(client)).length > 0);
    assert.equal(client.starts, 2);
  });

  it('a worker that runs out of heap dies alone with ERR_WORKER_OUT_OF_MEMORY; the message names the limit and the step', async () => {
    await client.setHeapLimitForTests(64);
    const e = await rejection(client.request({ type: 'debugFault', fault: 'oom' }));
    assert.equal(e.reason, 'outOfMemory');
    assert.match(e.message, /^the Embedding Lens worker ran out of memory \(limit 64 MB\) while running debugFault oom: allocating until the heap limit; it was restarted for the next request$/);
    assert.ok(log.lines.some(l => /ERR_WORKER_OUT_OF_MEMORY|out of memory/i.test(l)), log.lines.join('\n'));
    await client.setHeapLimitForTests(undefined);
    assert.ok((await seedIds(client)).length > 0);
    assert.ok(log.lines.some(l => l.includes(`heap limit ${WORKER_HEAP_MB} MB`)), 'the next worker has the normal limit');
  });

  it('the deadline: below 1 s counts as 1 s, not a number as the 60 s default, a huge one does not overflow the timer', async () => {
    deadline = 0.2;
    assert.equal(await client.request({ type: 'debugFault', fault: 'busy', ms: 500 }), null, '0.2 s is raised to 1 s');
    const e = await rejection(client.request({ type: 'debugFault', fault: 'busy', ms: 1500 }));
    assert.equal(e.reason, 'timeout');
    assert.match(e.message, /stopped after 1 s while it was running debugFault busy/);
    deadline = Number.NaN;
    assert.equal(await client.request({ type: 'debugFault', fault: 'busy', ms: 1500 }), null);
    // Beyond setTimeout's range (2^31 - 1 ms, about 24.8 days) a timer would fire at once.
    deadline = 1e9;
    assert.equal(await client.request({ type: 'debugFault', fault: 'busy', ms: 300 }), null);
  });

  it('outside test mode the hooks are refused, by the client and by the worker\'s handlers', async () => {
    const plain = new WorkerClient(repoRoot(), log);
    try {
      const e = await rejection(plain.request({ type: 'debugFault', fault: 'exit' }));
      assert.equal(e.reason, 'option');
      assert.throws(() => plain.injectFault('hang', 'encode'), /only while the extension runs its tests/);
      assert.equal(plain.starts, 0);
    } finally {
      plain.dispose();
    }
    const h = new WorkerHandlers({ files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') });
    await assert.rejects(h.handle({ type: 'debugFault', fault: 'throw' }), (err: Error & { reason?: string }) => err.reason === 'option' && /only while the extension runs its tests/.test(err.message));
  });
});
