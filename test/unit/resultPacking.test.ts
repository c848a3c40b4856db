// Packing a big result for the panel (src/shared/resultPacking.ts): the round trip gives the
// worker's reply back bit for bit, and it sends fewer bytes than the reply.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { nodeFiles } from '../../src/core/nodeFiles';
import { withTokens, withoutTokens, tokensPart } from '../../src/shared/panelProtocol';
import { PACK_MIN_ROWS, packedView, packResult, unpackResult } from '../../src/shared/resultPacking';
import type { EncodeReply } from '../../src/shared/workerProtocol';
import { WorkerHandlers } from '../../src/worker/handlers';
import { repoRoot } from './helpers';

const ctx = { files: nodeFiles, assetsDir: path.join(repoRoot(), 'assets') };

/** Every ArrayBuffer in a value with its path, as bytes. */
function buffers(v: unknown, at = 'r', out = new Map<string, Uint8Array>()): Map<string, Uint8Array> {
  if (v instanceof ArrayBuffer) out.set(at, new Uint8Array(v));
  else if (Array.isArray(v)) v.forEach((x, i) => buffers(x, `${at}[${i}]`, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) buffers(x, `${at}.${k}`, out);
  return out;
}

function bytes(v: unknown): number {
  let n = 0;
  for (const b of buffers(v).values()) n += b.byteLength;
  return n;
}

function assertSameReply(a: EncodeReply, b: EncodeReply): void {
  const x = buffers(a);
  const y = buffers(b);
  assert.deepEqual([...y.keys()].sort(), [...x.keys()].sort());
  for (const [k, v] of x) assert.ok(Buffer.from(v).equals(Buffer.from(y.get(k)!)), `${k} differs after the round trip`);
  assert.deepEqual(b.tokens.texts, a.tokens.texts);
  assert.equal(b.text, a.text);
}

/** Real code: the repository's src/**\/*.ts, cut to `chars`. */
function code(chars: number): string {
  const root = path.join(repoRoot(), 'src');
  let text = '';
  for (const f of (readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[]).filter(f => f.endsWith('.ts')).sort()) {
    text += readFileSync(path.join(root, f), 'utf8');
    if (text.length >= chars) break;
  }
  return text.slice(0, chars);
}

describe('result packing for the panel', function () {
  this.timeout(60_000);

  it('a 60k-character code selection (GloVe 100d): the round trip is exact, and far fewer bytes travel', async () => {
    const h = new WorkerHandlers(ctx);
    const { result: r } = await h.handle({ type: 'encode', ref: { model: 'builtin:glove-100d' }, text: code(60_000), options: {}, keepGates: true });
    assert.ok(r.embeddings.rows >= PACK_MIN_ROWS, `${r.embeddings.rows} rows`);
    const before = structuredClone(r);
    const { result, packed } = packResult(r);
    assert.ok(packed?.embeddings, 'the embeddings are packed');
    assert.equal(result.embeddings.data.byteLength, 0);
    const sent = bytes(result) + bytes(packed);
    console.log(`      ${r.embeddings.rows} rows: ${(bytes(r) / 1e6).toFixed(1)} MB as replied, ${(sent / 1e6).toFixed(1)} MB packed`);
    assert.ok(sent < bytes(r) / 2, `${sent} bytes packed vs ${bytes(r)}`);
    assertSameReply(before, r); // packing leaves the reply alone
    assertSameReply(before, unpackResult(structuredClone(result), structuredClone(packed)));
  });

  it('rows of one id that differ (a zeroed pad row, a -0) each travel as their own', () => {
    const T = PACK_MIN_ROWS;
    const E = 3;
    const ids = new Int32Array(T).map((_, t) => t % 7);
    const data = new Float32Array(T * E);
    for (let t = 0; t < T; t++) data.set([ids[t]!, ids[t]! * 0.5, -ids[t]!], t * E);
    data.set([0, 0, 0], 10 * E); // id 3, zeroed
    data.set([-0, 0, 0], 17 * E); // id 3, -0 in front
    const run = { skipPadding: false, output: { rows: T, cols: 1, data: new Float32Array(T).fill(1).buffer }, hN: { rows: 1, cols: 1, data: new Float32Array(1).buffer }, cN: null, traces: [] };
    const reply = { embeddings: { rows: T, cols: E, data: data.buffer }, inputIds: ids.buffer, rnn: run, rnnOther: null } as unknown as EncodeReply;
    const { result, packed } = packResult(reply);
    assert.ok(packed?.embeddings);
    assert.equal(new Float32Array(packed.embeddings.rows).length, (7 + 2) * E, '7 ids + 2 odd rows');
    const back = new Float32Array(unpackResult(result, packed).embeddings.data);
    assert.ok(Buffer.from(back.buffer).equals(Buffer.from(data.buffer)), 'bit for bit, -0 included');
    assert.ok(Object.is(back[17 * E], -0));
  });

  it('forPanel: the worker finds the same packed parts, and the host\'s packed view unpacks to the reply', async () => {
    const h = new WorkerHandlers(ctx);
    const text = code(30_000);
    const { result: r } = await h.handle({ type: 'encode', ref: { model: 'builtin:glove-100d' }, text, options: {}, keepGates: true, forPanel: true });
    const { packed, ...reply } = r;
    assert.ok(packed?.embeddings, 'the worker packed the embeddings');
    assert.deepEqual(structuredClone(packed), structuredClone(packResult(reply).packed), 'the worker packs as packResult does');
    const before = structuredClone(reply);
    // What panel.ts posts after a didTokens: the packed view without the tokens; the webview puts them back.
    const sent = structuredClone(withoutTokens(packedView(reply, packed)));
    assert.equal(sent.text, '');
    assert.equal(sent.tokens.texts.length, 0);
    assertSameReply(before, unpackResult(withTokens(sent, structuredClone(tokensPart(reply))), structuredClone(packed)));
    assert.equal(unpackResult(withTokens(sent, tokensPart(reply)), packed).text, text);
  });

  it('a transformer\'s input layer and the model\'s origin reach the panel whole (didTokens, then the didEncode panel.ts posts)', async () => {
    // Would catch: a host path (tokensPart / withoutTokens / packedView / unpackResult / withTokens)
    // that rebuilds the reply field by field and drops inputLayer, or the summary's origin.
    const dir = mkdtempSync(path.join(tmpdir(), 'el-pack-bert-'));
    try {
      const fixture = path.join(repoRoot(), 'test', 'fixtures', 'input-layer', 'bert_prefixed');
      for (const f of ['config.json', 'model.safetensors']) copyFileSync(path.join(fixture, f), path.join(dir, f));
      // A word-level vocab.txt of the table's 30 rows: "white cats purr" is [17, 5, 9].
      writeFileSync(path.join(dir, 'vocab.txt'), Array.from({ length: 30 }, (_, i) => ({ 5: 'cats', 9: 'purr', 17: 'white' })[i] ?? `w${i}`).join('\n') + '\n');
      const h = new WorkerHandlers(ctx);
      const { result: r } = await h.handle({ type: 'encode', ref: { model: dir }, text: 'white cats purr', options: {}, keepGates: true, forPanel: true });
      const { packed, ...reply } = r;
      assert.ok(reply.inputLayer && 'stages' in reply.inputLayer, 'the worker computed the input layer');
      assert.deepEqual(reply.inputLayer.stages.map(s => s.name), ['word', '+ position', '+ type', 'LayerNorm']);
      assert.equal(reply.model.origin?.architecture, 'bert');
      assert.equal(reply.model.inputLayer?.eps, 1e-12);
      const before = structuredClone(reply);
      // Packed as a big result would be (its output is the trace's), without the tokens sent ahead.
      const parts = packed ?? { outputIsTrace: [0, null] };
      const sent = structuredClone(withoutTokens(packedView(reply, parts)));
      const back = unpackResult(withTokens(sent, structuredClone(tokensPart(reply))), structuredClone(parts));
      assertSameReply(before, back);
      assert.deepEqual(back.model, before.model);
      assert.deepEqual(back.inputLayer, before.inputLayer);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('small results travel as they are', async () => {
    const h = new WorkerHandlers(ctx);
    const { result: r } = await h.handle({ type: 'encode', ref: { model: 'builtin:seed' }, text: 'White refrigerator is evil.', options: {}, keepGates: true });
    const { result, packed } = packResult(r);
    assert.equal(packed, undefined);
    assert.equal(result, r);
    const { result: p } = await h.handle({ type: 'encode', ref: { model: 'builtin:seed' }, text: 'White refrigerator is evil.', options: {}, keepGates: true, forPanel: true });
    assert.equal(p.packed, undefined, 'nothing packed for the panel either');
  });
});
