// Faults in the extension (issue 8): a handler that throws, a worker that exits or runs out of
// heap, a request past its deadline, model files replaced or deleted while loaded, the panel
// closed mid-request. Each: the user sees one clear message (lens.errors.history, what the
// ErrorReporter showed), nothing waits forever, the log says what happened, the next request works.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SEED, api, until } from './helpers';
import type { EmbeddingLensApi } from '../../src/extension';
import { writeSafetensors } from '../../src/core/formats/safetensors';

// A selection gets no model max length (issue 10 item 6): the seed sentence's five ids, unpadded.
const SEED_IDS = [320, 1028, 5, 128, 1];

async function setting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('embeddingLens').update(key, value, vscode.ConfigurationTarget.Global);
}

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));

/** An editor with `text` selected, for Inspect Selection. */
async function selected(text: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: text });
  const editor = await vscode.window.showTextDocument(doc);
  editor.selection = new vscode.Selection(0, 0, 0, text.length);
  return editor;
}

async function inspect(): Promise<number[] | undefined> {
  return (await vscode.commands.executeCommand<{ ids: number[] } | undefined>('embeddingLens.inspectSelection'))?.ids;
}

/**
 * The messages shown to the user from now on. `settle` waits a little past the fault so that a
 * duplicate (the status bar or a hover hitting the same fault) would have been shown too.
 */
async function shownSince(before: number, settle = 1500): Promise<string[]> {
  const { lens } = await api();
  await sleep(settle);
  return lens.errors.history.slice(before);
}

/** A model folder: a (3, 2) table whose row i is [v + i, v + i], and a vocab.txt. */
function modelFolder(): { dir: string; table: string; write(v: number): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lens-faults-'));
  const table = path.join(dir, 'model.safetensors');
  const write = (v: number): void => {
    writeFileSync(table, writeSafetensors([{ name: 'embedding.weight', dtype: 'F32', shape: [3, 2], data: [v, v, v + 1, v + 1, v + 2, v + 2] }]));
    // A rewrite within the same clock tick must still count as a change.
    const later = new Date(Date.now() + 5000 + v);
    utimesSync(table, later, later);
  };
  writeFileSync(path.join(dir, 'vocab.txt'), '[PAD]\n[UNK]\nzebra\n');
  write(10);
  return { dir, table, write };
}

/** How the encode requests that ended after `from` (an earlier outcomeCount) ended. */
function encodeOutcomes(lens: EmbeddingLensApi['lens'], from: number): string[] {
  return lens.worker.outcomesSince(from).filter(o => o.type === 'encode').map(o => o.outcome);
}

/** The embedding rows of the panel's last result. */
async function panelRows(): Promise<number[]> {
  const { activePanel } = await api();
  const r = activePanel()?.result?.result;
  assert.ok(r, 'the panel has a result');
  return Array.from(new Float32Array(r.embeddings.data));
}

describe('faults in the extension', function () {
  this.timeout(90_000);

  before(async () => {
    await api();
  });

  beforeEach(async () => {
    // No open panel: a settings change would re-encode its text and use up an injected fault.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await setting('model', 'builtin:seed');
    await setting('requestTimeout', undefined);
  });

  afterEach(async () => {
    const { lens } = await api();
    await lens.worker.setHeapLimitForTests(undefined);
    await setting('model', 'builtin:seed');
    await setting('requestTimeout', undefined);
  });

  it('a handler that throws: one message with the error, the worker stays, the next Inspect works', async () => {
    const { lens } = await api();
    await selected(SEED);
    assert.deepEqual(await inspect(), SEED_IDS);
    const starts = lens.worker.starts;
    const before = lens.errors.history.length;
    lens.worker.injectFault('throw', 'encode');
    assert.equal(await inspect(), undefined);
    assert.deepEqual(await shownSince(before), ['debugFault: a handler threw a plain Error']);
    assert.ok(lens.logLines.some(l => l.startsWith('error encode: [internal] debugFault: a handler threw a plain Error')), 'logged');
    assert.deepEqual(await inspect(), SEED_IDS);
    assert.equal(lens.worker.starts, starts);
  });

  it('a worker that exits abruptly: one message with the exit code, a new worker answers the next Inspect', async () => {
    const { lens } = await api();
    await selected(SEED);
    assert.deepEqual(await inspect(), SEED_IDS);
    const starts = lens.worker.starts;
    const before = lens.errors.history.length;
    lens.worker.injectFault('exit', 'encode');
    assert.equal(await inspect(), undefined);
    const shown = await shownSince(before);
    assert.equal(shown.length, 1, shown.join('\n'));
    assert.match(shown[0]!, /^the Embedding Lens worker stopped \(exit code 134\) before it answered, while running debugFault exit; it was restarted for the next request$/);
    assert.ok(lens.logLines.some(l => l.startsWith('warn worker exited with code 134')), 'logged');
    assert.deepEqual(await inspect(), SEED_IDS);
    assert.equal(lens.worker.starts, starts + 1);
  });

  it('a worker that runs out of heap: one message naming the limit, the extension host lives on, the next Inspect works', async () => {
    const { lens } = await api();
    await lens.worker.setHeapLimitForTests(96);
    await selected(SEED);
    const before = lens.errors.history.length;
    lens.worker.injectFault('oom', 'encode');
    assert.equal(await inspect(), undefined);
    const shown = await shownSince(before);
    assert.equal(shown.length, 1, shown.join('\n'));
    assert.match(shown[0]!, /^the Embedding Lens worker ran out of memory \(limit 96 MB\) while running debugFault oom: allocating until the heap limit; it was restarted for the next request$/);
    assert.ok(lens.logLines.some(l => /ERR_WORKER_OUT_OF_MEMORY|out of memory/.test(l)), 'logged');
    await lens.worker.setHeapLimitForTests(undefined);
    assert.deepEqual(await inspect(), SEED_IDS);
  });

  it('a request past its deadline (requestTimeout 1 s): one message saying how long, what ran and the setting; collateral requests are not shown; the next Inspect works', async () => {
    const { lens } = await api();
    await setting('requestTimeout', 1);
    const editor = await selected(SEED);
    assert.deepEqual(await inspect(), SEED_IDS); // a worker is running before the fault
    await sleep(500); // let the settings change settle (status bar, boundaries)
    const starts = lens.worker.starts;
    const before = lens.errors.history.length;
    lens.worker.injectFault('hang', 'encode');
    const running = inspect();
    await until('the hung encode to start', () => lens.worker.pendingRequests().some(p => p.type === 'encode' && p.started));
    // While the worker spins, other features ask too (the status bar's count): queued, then collateral.
    editor.selection = new vscode.Selection(0, 0, 0, 5);
    const collateral = lens.worker.request({ type: 'tokenize', ref: { model: 'builtin:seed' }, text: 'queued' });
    assert.equal(await running, undefined);
    await assert.rejects(collateral, (e: Error & { reason?: string }) => e.reason === 'restarted');
    const shown = await shownSince(before);
    assert.equal(shown.length, 1, shown.join('\n'));
    assert.match(shown[0]!, /^a request was stopped after 1 s while it was running debugFault hang: a busy loop that never checks cancellation; the worker was restarted\. To allow more time, raise the setting embeddingLens\.requestTimeout\.$/);
    assert.ok(lens.logLines.some(l => l.startsWith('error watchdog: the encode request was stopped after 1 s')), 'logged');
    editor.selection = new vscode.Selection(0, 0, 0, SEED.length);
    assert.deepEqual(await inspect(), SEED_IDS);
    assert.equal(lens.worker.starts, starts + 1);
  });

  it('a model file replaced while loaded: the next Inspect reads the new file', async () => {
    const m = modelFolder();
    await setting('model', m.dir);
    await selected('zebra');
    assert.deepEqual(await inspect(), [2]);
    assert.deepEqual(await panelRows(), [12, 12]);
    m.write(40);
    assert.deepEqual(await inspect(), [2]);
    assert.deepEqual(await panelRows(), [42, 42]);
  });

  it('a model file deleted while loaded: one message naming it; once it is back, Inspect works', async () => {
    const { lens } = await api();
    const m = modelFolder();
    await setting('model', m.dir);
    await selected('zebra');
    assert.deepEqual(await inspect(), [2]);
    await sleep(500);
    const before = lens.errors.history.length;
    rmSync(m.table);
    assert.equal(await inspect(), undefined);
    // The status bar and a second Inspect hit the same missing file: still one message.
    assert.equal(await inspect(), undefined);
    const shown = await shownSince(before);
    assert.equal(shown.length, 1, shown.join('\n'));
    assert.ok(shown[0]!.startsWith(`${m.table} was deleted after the model was loaded: `), shown[0]);
    m.write(60);
    assert.deepEqual(await inspect(), [2]);
    assert.deepEqual(await panelRows(), [62, 62]);
  });

  it('the panel closed mid-request: the request is cancelled, nothing is shown, the next Inspect works', async () => {
    const { lens, activePanel } = await api();
    await selected(SEED);
    assert.deepEqual(await inspect(), SEED_IDS); // a worker is running before the fault
    const starts = lens.worker.starts;
    const before = lens.errors.history.length;
    const outcomes = lens.worker.outcomeCount;
    // A long request that checks for cancellation, as the real pipeline does.
    lens.worker.injectFault('busy', 'encode');
    const running = inspect();
    await until('the encode to start', () => lens.worker.pendingRequests().some(p => p.type === 'encode' && p.started));
    const panel = await until('the panel', () => activePanel());
    panel.panel.dispose();
    assert.equal(await running, undefined);
    assert.deepEqual(encodeOutcomes(lens, outcomes), ['cancelled']);
    assert.deepEqual(await shownSince(before), []);
    assert.ok(lens.logLines.some(l => /the panel was closed; cancelling/.test(l)), 'logged');
    assert.equal(lens.worker.starts, starts, 'a request that stops when cancelled keeps the worker');
    assert.deepEqual(await inspect(), SEED_IDS);
  });

  it('the panel closed while async work ignores cancellation (a slow read): the worker still answers, so it is left to finish; nothing is shown', async () => {
    const { lens, activePanel } = await api();
    await selected(SEED);
    assert.deepEqual(await inspect(), SEED_IDS); // a worker is running before the fault
    const starts = lens.worker.starts;
    const before = lens.errors.history.length;
    const outcomes = lens.worker.outcomeCount;
    lens.worker.injectFault('wait', 'encode', 5000);
    const running = inspect();
    await until('the encode to start', () => lens.worker.pendingRequests().some(p => p.type === 'encode' && p.started));
    (await until('the panel', () => activePanel())).panel.dispose();
    assert.equal(await running, undefined);
    // It ran its 5 s (past the 3 s grace) and answered; the worker was not stopped.
    assert.deepEqual(encodeOutcomes(lens, outcomes), ['result']);
    assert.equal(lens.worker.starts, starts);
    assert.deepEqual(await shownSince(before, 500), []);
    assert.deepEqual(await inspect(), SEED_IDS);
  });

  it('the panel closed while a request ignores cancellation: the worker is stopped after a grace period, queued requests go to a new worker, nothing is shown, the next Inspect works', async () => {
    const { lens, activePanel } = await api();
    await selected(SEED);
    assert.deepEqual(await inspect(), SEED_IDS); // a worker is running before the fault
    const starts = lens.worker.starts;
    const before = lens.errors.history.length;
    const outcomes = lens.worker.outcomeCount;
    const logFrom = lens.logLines.length;
    lens.worker.injectFault('hang', 'encode');
    const running = inspect();
    await until('the encode to start', () => lens.worker.pendingRequests().some(p => p.type === 'encode' && p.started));
    // Sent while the worker spins: not begun, so it goes to the new worker and is answered.
    const queued = lens.worker.request({ type: 'tokenize', ref: { model: 'builtin:seed' }, text: SEED });
    (await until('the panel', () => activePanel())).panel.dispose();
    assert.equal(await running, undefined);
    assert.deepEqual(Array.from(new Int32Array((await queued).tokens.ids)), SEED_IDS);
    assert.deepEqual(encodeOutcomes(lens, outcomes), ['cancelled']);
    assert.deepEqual(await shownSince(before), []);
    assert.ok(lens.logLines.some(l => /encode was cancelled but its worker did not answer for \d+ ms; stopping the worker/.test(l)), 'logged');
    assert.deepEqual(await inspect(), SEED_IDS);
    assert.equal(lens.worker.starts, starts + 1, lens.logLines.slice(logFrom).join('\n'));
  });
});
