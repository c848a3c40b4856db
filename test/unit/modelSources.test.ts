// Issue 11 wiring: loadModel for .gguf files (and folders holding one), model references, and
// the transformer input layer carried through inspectText and the CLI's JSON. The numbers
// themselves are checked elsewhere (gguf.test.ts against gguf.quants.dequantize, inputLayer.test.ts
// against PyTorch); here we check that the pipeline shows exactly those numbers, and the errors.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspectJson } from '../../src/core/inspectJson';
import { loadModel, type LoadContext } from '../../src/core/model/loadModel';
import { nodeFiles } from '../../src/core/nodeFiles';
import { inspectText } from '../../src/core/pipeline';
import { assertClose, fixture, rejection } from './helpers';

const assetsDir = fixture('..', '..', 'assets');

interface Expected {
  sequences: { input_ids: number[]; position_ids: number[]; stages: Record<string, number[][]> }[];
}

describe('model sources (issue 11 wiring)', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'lens-sources-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const ctx = (extra: Partial<LoadContext> = {}): LoadContext => ({ files: nodeFiles, assetsDir, ...extra });

  /** A copy of an input-layer fixture folder with a vocab.txt whose word i is "w{i}" (ids = rows). */
  function bertFolder(name: string, words: number): string {
    const dir = path.join(tmp, name);
    mkdirSync(dir, { recursive: true });
    for (const f of ['config.json', 'model.safetensors']) copyFileSync(fixture('input-layer', name, f), path.join(dir, f));
    const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', ...Array.from({ length: words - 4 }, (_, i) => `w${i + 4}`)];
    writeFileSync(path.join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
    return dir;
  }

  it('a BERT folder shows word, + position, + type and LayerNorm equal to PyTorch for the ids it tokenized', async () => {
    // Would catch: the input layer not detected by loadModel, stages computed over the wrong ids,
    // or stages computed but dropped before the result.
    const dir = bertFolder('bert_prefixed', 30);
    const model = await loadModel(ctx(), dir);
    assert.equal(model.inputLayer?.family, 'bert');
    assert.equal(model.origin?.architecture, 'bert');
    const r = await inspectText(model, 'w5 w9 w17', { addSpecialTokens: false });
    assert.deepEqual(Array.from(r.inputIds), [5, 9, 17]);
    assert.ok(r.inputLayer && 'stages' in r.inputLayer);
    assert.deepEqual(r.inputLayer.stages.map(s => s.name), ['word', '+ position', '+ type', 'LayerNorm']);
    assert.deepEqual(Array.from(r.inputLayer.stages[0]!.data), Array.from(r.embeddings.data), 'the word stage is the matrix the encoder reads');
    // The same three ids through a fresh computation against the PyTorch fixture's weights:
    const layer = model.inputLayer!;
    const direct = await layer.compute([5, 9, 17]);
    r.inputLayer.stages.forEach((s, i) => assert.deepEqual(Array.from(s.data), Array.from(direct[i]!.data), s.name));
    // And one of the fixture's own sequences, through the pipeline, against torch's numbers.
    const expected = JSON.parse(readFileSync(fixture('input-layer', 'bert_prefixed', 'expected.json'), 'utf8')) as Expected;
    // [CLS] w17 w5 w9 [SEP], written out: a bare vocab.txt has no post-processor to add them.
    const seq = expected.sequences.find(s => s.input_ids.join() === '2,17,5,9,3')!;
    const rr = await inspectText(model, '[CLS] w17 w5 w9 [SEP]', { addSpecialTokens: false });
    assert.deepEqual(Array.from(rr.inputIds), seq.input_ids);
    assert.ok(rr.inputLayer && 'stages' in rr.inputLayer);
    for (const name of ['+ position', '+ type', 'LayerNorm'] as const) {
      const stage = rr.inputLayer.stages.find(s => s.name === name)!;
      assertClose(Array.from(stage.data), seq.stages[name]!.flat(), `${name} against torch`, { atol: 1e-5, rtol: 1e-5 });
    }
  });

  it('inspect JSON carries the origin and the input layer stages', async () => {
    const model = await loadModel(ctx(), bertFolder('bert_prefixed', 30));
    const r = await inspectText(model, 'w5 w6', { addSpecialTokens: false });
    const json = JSON.parse(inspectJson(model, r)) as { model: { origin: { format: string } }; input_layer: { family: string; position_ids: number[]; stages: { name: string; matrix: number[][] }[] } };
    assert.equal(json.model.origin.format, 'safetensors');
    assert.equal(json.input_layer.family, 'bert');
    assert.deepEqual(json.input_layer.position_ids, [0, 1]);
    assert.equal(json.input_layer.stages.at(-1)!.name, 'LayerNorm');
    assert.equal(json.input_layer.stages.at(-1)!.matrix.length, 2);
  });

  it('an input longer than the position table keeps its word rows and says why there are no stages', async () => {
    // Would catch: a long selection failing as a whole because of the input layer.
    const model = await loadModel(ctx(), bertFolder('bert_prefixed', 30));
    const text = Array.from({ length: 20 }, (_, i) => `w${4 + (i % 20)}`).join(' ');
    const r = await inspectText(model, text, { addSpecialTokens: false });
    assert.equal(r.embeddings.rows, 20);
    assert.ok(r.inputLayer && 'skipped' in r.inputLayer);
    assert.match(r.inputLayer.skipped, /20 tokens are more than the 12 rows of bert\.embeddings\.position_embeddings\.weight/);
  });

  it('RoBERTa with padding: positions count from padding_idx + 1 and pads sit at padding_idx', async () => {
    const dir = bertFolder('roberta', 40);
    // vocab.txt's [PAD] is id 0, but RoBERTa's config says pad_token_id 1: the config wins the
    // position rule, and the tokenizer's pad must agree for padding, so pad with id 1 ("[UNK]" here).
    writeFileSync(path.join(dir, 'vocab.txt'), ['<s>', '<pad>', '</s>', '<unk>', ...Array.from({ length: 36 }, (_, i) => `w${i + 4}`)].join('\n') + '\n');
    const model = await loadModel(ctx(), dir);
    assert.equal(model.inputLayer?.family, 'roberta');
    const r = await inspectText(model, 'w5 w6', { addSpecialTokens: false, maxLength: 4 });
    assert.ok(r.inputLayer && 'stages' in r.inputLayer);
    assert.deepEqual(Array.from(r.inputIds), [5, 6, 1, 1]);
    assert.deepEqual(Array.from(r.inputLayer.positionIds), [2, 3, 1, 1]);
  });

  it('a folder whose input layer cannot be read still loads its word rows and says why there are no stages', async () => {
    // Would catch: the input layer (an extra beside the rows) failing the whole load, as it did
    // for a bare "embeddings.word_embeddings.weight" without config.json's model_type.
    const dir = bertFolder('bert_plain_f16', 25);
    rmSync(path.join(dir, 'config.json'));
    const model = await loadModel(ctx(), dir);
    assert.equal(model.inputLayer, undefined);
    const r = await inspectText(model, 'w5 w6', { addSpecialTokens: false });
    assert.deepEqual(Array.from(r.inputIds), [5, 6]);
    assert.ok(r.inputLayer && 'skipped' in r.inputLayer);
    assert.match(r.inputLayer.skipped, /no "model_type".*could be BERT, RoBERTa or DistilBERT/);
    const json = JSON.parse(inspectJson(model, r)) as { input_layer: { skipped: string } };
    assert.match(json.input_layer.skipped, /could be BERT/);
  });

  it('a .gguf file loads with its ggml type named on the table and the random encoder on top', async () => {
    const file = fixture('discovery', 'tiny-q8_0.gguf');
    const model = await loadModel(ctx(), file);
    assert.equal(model.origin?.format, 'gguf');
    assert.equal(model.origin?.quant, 'Q8_0');
    assert.equal(model.origin?.architecture, 'llama');
    assert.equal(model.embeddingLabel.dtype, 'Q8_0');
    assert.match(model.embeddingLabel.note ?? '', /dequantized from Q8_0/);
    assert.deepEqual(model.embedding.info.shape, [5, 32]);
    assert.equal(model.encoder, undefined, 'GGUF models get the labelled random encoder');
    assert.equal(model.tokenizer.vocabSize, 5);
  });

  it('a folder holding one .gguf loads that file; two are refused by name', async () => {
    const dir = path.join(tmp, 'lmstudio-like');
    mkdirSync(dir);
    copyFileSync(fixture('discovery', 'tiny-q8_0.gguf'), path.join(dir, 'tiny-Q8_0.gguf'));
    assert.equal((await loadModel(ctx(), dir)).origin?.quant, 'Q8_0');
    copyFileSync(fixture('discovery', 'tiny-q8_0.gguf'), path.join(dir, 'tiny-copy.gguf'));
    const e = await rejection(() => loadModel(ctx(), dir));
    assert.match(e.message, /several \.gguf files \(tiny-Q8_0\.gguf, tiny-copy\.gguf\); pass one of them with --model/);
  });

  it('an Ollama blob (no extension) is read as GGUF by its magic', async () => {
    const blob = path.join(tmp, 'sha256-0123abcd');
    copyFileSync(fixture('discovery', 'tiny-q8_0.gguf'), blob);
    assert.equal((await loadModel(ctx(), blob)).origin?.format, 'gguf');
  });

  it('references: refused without a discovery environment, resolved with one, named in the error when missing', async () => {
    const e1 = await rejection(() => loadModel(ctx(), 'ollama:tiny:q8'));
    assert.match(e1.message, /^ollama:tiny:q8: model references are not available here/);
    const home = path.join(tmp, 'home');
    const root = path.join(tmp, 'ollama');
    const digest = 'a'.repeat(64);
    mkdirSync(path.join(root, 'blobs'), { recursive: true });
    copyFileSync(fixture('discovery', 'tiny-q8_0.gguf'), path.join(root, 'blobs', `sha256-${digest}`));
    const size = readFileSync(path.join(root, 'blobs', `sha256-${digest}`)).length;
    mkdirSync(path.join(root, 'manifests', 'registry.ollama.ai', 'library', 'tiny'), { recursive: true });
    writeFileSync(
      path.join(root, 'manifests', 'registry.ollama.ai', 'library', 'tiny', 'q8'),
      JSON.stringify({ schemaVersion: 2, layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${digest}`, size }] }),
    );
    const discovery = { env: { OLLAMA_MODELS: root }, home };
    const model = await loadModel(ctx({ discovery }), 'ollama:tiny:q8');
    assert.equal(model.id, 'ollama:tiny:q8');
    assert.equal(model.origin?.reference, 'ollama:tiny:q8');
    assert.equal(model.origin?.quant, 'Q8_0');
    const e2 = await rejection(() => loadModel(ctx({ discovery }), 'ollama:tiny:q4'));
    assert.match(e2.message, /^ollama:tiny:q4: not found in the Ollama models folder .*tags there: q8/);
  });
});
