// The transformer input layer (src/core/model/inputLayer.ts) against PyTorch modules built with
// the same weights: test/fixtures/input-layer, written by scripts/fixtures/input_layer.py
// (/usr/bin/python3 scripts/fixtures/input_layer.py from the repository root).
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openSafetensors } from '../../src/core/formats/safetensors';
import { detectInputLayer, loadInputLayer, type InputLayer } from '../../src/core/model/inputLayer';
import { nodeFiles } from '../../src/core/nodeFiles';
import { memoryTensor, type TensorStore } from '../../src/core/tensors';
import { assertClose, fixture, flat, rejection } from './helpers';

interface Expected {
  family: string;
  tensors: Record<string, string>;
  eps: number | null;
  sequences: { input_ids: number[]; token_type_ids?: number[]; position_ids: number[]; stages: Record<string, number[][]> }[];
  torch_version: string;
}

const DIR = fixture('input-layer');
const CASES = readdirSync(DIR, { withFileTypes: true })
  .filter(d => d.isDirectory())
  .map(d => d.name)
  .sort();

function expectedOf(name: string): Expected {
  return JSON.parse(readFileSync(path.join(DIR, name, 'expected.json'), 'utf8')) as Expected;
}

async function load(name: string): Promise<InputLayer> {
  const layer = await loadInputLayer(nodeFiles, path.join(DIR, name));
  assert.ok(layer, `${name}: no input layer detected`);
  return layer;
}

async function storeOf(name: string): Promise<TensorStore> {
  return openSafetensors(nodeFiles, path.join(DIR, name, 'model.safetensors'));
}

function configOf(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(DIR, name, 'config.json'), 'utf8')) as Record<string, unknown>;
}

/** `store` without some tensors, or with some replaced. */
function edited(store: TensorStore, drop: string[], replace: Record<string, { shape: number[] }> = {}): TensorStore {
  return {
    origin: store.origin,
    names: () => [...store.names().filter(n => !drop.includes(n)), ...Object.keys(replace).filter(n => !store.get(n))],
    get: n => {
      if (drop.includes(n)) return undefined;
      const r = replace[n];
      if (r) return memoryTensor({ name: n, dtype: 'F32', shape: r.shape, file: 'memory' }, new Float32Array(r.shape.reduce((a, b) => a * b, 1)));
      return store.get(n);
    },
  };
}

describe('input layer against PyTorch (test/fixtures/input-layer)', () => {
  let worst = 0;
  after(() => console.log(`      largest |Δ| vs PyTorch over every stage: ${worst.toExponential(2)}`));

  it('has the fixture cases', () => {
    // Catches a generator run that wrote nothing (or a renamed folder).
    assert.ok(CASES.length >= 7, `expected ≥ 7 cases in ${DIR}, found ${CASES.length}; run /usr/bin/python3 scripts/fixtures/input_layer.py`);
  });

  for (const name of CASES) {
    it(`${name}: every stage within 1e-6, with the model's position ids and tensor names`, async () => {
      const exp = expectedOf(name);
      const layer = await load(name);
      // Catches a wrong family (e.g. RoBERTa read as BERT: positions off by padding_idx + 1).
      assert.equal(layer.family, exp.family);
      if (exp.eps === null) assert.equal(layer.eps, undefined);
      else assert.equal(layer.eps, exp.eps);
      for (const seq of exp.sequences) {
        const what = `${name} ${JSON.stringify(seq.input_ids)}`;
        assert.deepEqual([...layer.positionIds(seq.input_ids)], seq.position_ids, `${what}: position ids`);
        const stages = await layer.compute(seq.input_ids, seq.token_type_ids ? { tokenTypeIds: seq.token_type_ids } : {});
        // Catches a missing or extra stage (a GPT-2 LayerNorm, a DistilBERT token type).
        assert.deepEqual(stages.map(s => s.name), Object.keys(seq.stages), `${what}: stage names`);
        for (const s of stages) {
          assert.equal(s.rows, seq.input_ids.length);
          assert.equal(s.cols, layer.dim);
          // Sums are float32 additions in the model's order, so they match PyTorch bit for bit
          // (catches adding type before/after position in another order, or in double);
          // LayerNorm is within 1e-6 (catches a wrong eps, a missing affine step, unbiased variance).
          const atol = s.name === 'LayerNorm' ? 1e-6 : 0;
          const d = assertClose(s.data, flat(seq.stages[s.name]!), `${what} stage ${s.name}`, { atol });
          worst = Math.max(worst, d);
        }
        // Labels: each stage names the tensors it came from (the real HF names, prefix included).
        const t = exp.tensors;
        const byName = new Map(stages.map(s => [s.name, s]));
        assert.deepEqual(byName.get('word')!.added, [t.word]);
        assert.deepEqual(byName.get('+ position')!.added, [t.pos]);
        assert.equal(byName.get('word')!.label.real, true);
        assert.match(byName.get('word')!.label.source, /model\.safetensors$/);
        if (t.type) assert.deepEqual(byName.get('+ type')!.tensors, [t.word, t.pos, t.type]);
        if (t['ln.weight']) assert.deepEqual(byName.get('LayerNorm')!.added, [t['ln.weight'], t['ln.bias']]);
      }
    });
  }

  it('ignores the rest of the model and keeps the prefix', async () => {
    // Catches picking lm_head.weight or an encoder matrix as the word table.
    const layer = await load('gpt2_transformer');
    assert.equal(layer.prefix, 'transformer.');
    assert.equal(layer.word.info.name, 'transformer.wte.weight');
    assert.equal((await load('gpt2_plain_f16')).prefix, '');
    assert.equal((await load('bert_plain_f16')).prefix, '');
    assert.equal((await load('xlm_roberta_plain')).modelType, 'xlm-roberta');
  });

  it('RoBERTa: pads do not use up positions (T may exceed max_position_embeddings - padding_idx - 1 with pads)', async () => {
    // HF's create_position_ids_from_input_ids gives every pad padding_idx, so only real tokens count.
    // Catches counting pads (would need id 11 > 9 and fail) or numbering real tokens from 0.
    const layer = await load('roberta');
    const ids = [0, 5, 6, 7, 8, 9, 10, 2, 1, 1, 1, 1];
    assert.deepEqual([...layer.positionIds(ids)], [2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1, 1]);
    const stages = await layer.compute(ids);
    assert.equal(stages.at(-1)!.rows, 12);
  });

  it('infers the family from prefixed tensor names when config.json has no model_type', async () => {
    // Catches a loader that needs model_type even when "roberta." says which rule applies.
    const cfg = configOf('roberta');
    delete cfg.model_type;
    const layer = detectInputLayer(await storeOf('roberta'), cfg, 'roberta/config.json');
    assert.equal(layer?.family, 'roberta');
    const exp = expectedOf('roberta');
    const stages = await layer!.compute(exp.sequences[2]!.input_ids);
    assertClose(stages.at(-1)!.data, flat(exp.sequences[2]!.stages.LayerNorm!), 'roberta without model_type', { atol: 1e-6 });
  });

  it('relative position_embedding_type adds no position rows at the input', async () => {
    // HF BertEmbeddings adds position_embeddings only when position_embedding_type is "absolute".
    // Catches adding a position table that the model keeps for attention only (or requiring it).
    const store = edited(await storeOf('bert_prefixed'), ['bert.embeddings.position_embeddings.weight']);
    const layer = detectInputLayer(store, { ...configOf('bert_prefixed'), position_embedding_type: 'relative_key' }, 'c.json');
    assert.deepEqual(layer?.stageNames, ['word', '+ type', 'LayerNorm']);
    const stages = await layer!.compute([2, 17, 3]);
    assert.deepEqual(stages[1]!.tensors, ['bert.embeddings.word_embeddings.weight', 'bert.embeddings.token_type_embeddings.weight']);
    // word + type only: the "+ type" rows are the word rows plus type row 0.
    const type0 = (await layer!.tokenType!.readRows([0]))!;
    const word = stages[0]!.data;
    for (let k = 0; k < word.length; k++) assert.equal(stages[1]!.data[k], Math.fround(word[k]! + type0[k % layer!.dim]!));
  });

  it('reads LayerNorm.gamma/beta (TensorFlow-converted checkpoints) like weight/bias', async () => {
    // Catches a loader that only knows the PyTorch names and rejects old BERT checkpoints.
    const base = await storeOf('bert_prefixed');
    const rename: Record<string, string> = { 'bert.embeddings.LayerNorm.gamma': 'bert.embeddings.LayerNorm.weight', 'bert.embeddings.LayerNorm.beta': 'bert.embeddings.LayerNorm.bias' };
    const store: TensorStore = {
      origin: base.origin,
      names: () => base.names().map(n => Object.keys(rename).find(k => rename[k] === n) ?? n),
      get: n => {
        if (Object.values(rename).includes(n)) return undefined;
        const t = base.get(rename[n] ?? n);
        return t && { info: { ...t.info, name: n }, readAll: () => t.readAll(), readRows: ids => t.readRows(ids) };
      },
    };
    const layer = detectInputLayer(store, configOf('bert_prefixed'), 'c.json');
    const exp = expectedOf('bert_prefixed').sequences[0]!;
    const stages = await layer!.compute(exp.input_ids);
    assertClose(stages.at(-1)!.data, flat(exp.stages.LayerNorm!), 'gamma/beta', { atol: 1e-6 });
    assert.deepEqual(stages.at(-1)!.added, ['bert.embeddings.LayerNorm.gamma', 'bert.embeddings.LayerNorm.beta']);
  });

  it('an empty sequence gives empty stages', async () => {
    // Catches Math.max over no position ids (-Infinity) or a read of zero rows failing.
    const stages = await (await load('roberta')).compute([]);
    assert.deepEqual(stages.map(s => [s.name, s.rows, s.data.length]), [['word', 0, 0], ['+ position', 0, 0], ['+ type', 0, 0], ['LayerNorm', 0, 0]]);
  });

  it('reads a sharded folder through model.safetensors.index.json', async () => {
    // Catches loadInputLayer looking only for model.safetensors (big checkpoints are sharded).
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'input-layer-'));
    try {
      const src = path.join(DIR, 'distilbert');
      copyFileSync(path.join(src, 'config.json'), path.join(tmp, 'config.json'));
      copyFileSync(path.join(src, 'model.safetensors'), path.join(tmp, 'model-00001-of-00001.safetensors'));
      const names = (await storeOf('distilbert')).names();
      writeFileSync(path.join(tmp, 'model.safetensors.index.json'), JSON.stringify({ weight_map: Object.fromEntries(names.map(n => [n, 'model-00001-of-00001.safetensors'])) }));
      const layer = await loadInputLayer(nodeFiles, tmp);
      const exp = expectedOf('distilbert').sequences[1]!;
      const stages = await layer!.compute(exp.input_ids);
      assertClose(stages.at(-1)!.data, flat(exp.stages.LayerNorm!), 'sharded distilbert', { atol: 1e-6 });
      assert.match(stages[0]!.label.source, /model-00001-of-00001\.safetensors$/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('is undefined for other architectures and for folders without tensors', async () => {
    // Catches computing BERT rules for a Llama (whose input is the word rows only).
    const store = await storeOf('bert_prefixed');
    assert.equal(detectInputLayer(store, { model_type: 'llama' }), undefined);
    // Catches a lookup through an object's prototype (config.json is untrusted).
    for (const mt of ['__proto__', 'constructor', 'toString']) assert.equal(detectInputLayer(store, JSON.parse(`{"model_type": "${mt}"}`)), undefined, mt);
    assert.equal(await loadInputLayer(nodeFiles, fixture('glove')), undefined);
  });
});

describe('input layer errors name the tensor or config key', () => {
  it('a missing position table names the tensor', async () => {
    const store = edited(await storeOf('bert_prefixed'), ['bert.embeddings.position_embeddings.weight']);
    const e = await rejection(() => detectInputLayer(store, configOf('bert_prefixed'), 'config.json'));
    assert.equal(e.reason, 'badFile');
    assert.match(e.message, /no tensor "bert\.embeddings\.position_embeddings\.weight", expected it for the absolute position embeddings/);
  });

  it('a missing LayerNorm names the tensor', async () => {
    const store = edited(await storeOf('distilbert'), ['distilbert.embeddings.LayerNorm.bias']);
    const e = await rejection(() => detectInputLayer(store, configOf('distilbert'), 'config.json'));
    assert.match(e.message, /"distilbert\.embeddings\.LayerNorm\.bias".*input LayerNorm/);
  });

  it('T beyond max_position_embeddings names the key and the limit', async () => {
    const layer = await load('bert_prefixed');
    const e = await rejection(() => layer.compute(new Array<number>(13).fill(5)));
    assert.equal(e.reason, 'shape');
    assert.match(e.message, /13 tokens need position id 12, but "bert\.embeddings\.position_embeddings\.weight" has 12 rows \(.*config\.json "max_position_embeddings"\); expected at most 12 tokens/);
    const roberta = await load('roberta');
    const r = await rejection(() => roberta.compute([0, 5, 6, 7, 8, 9, 10, 11, 2]));
    assert.match(r.message, /9 tokens need position id 10, .* has 10 rows .*"max_position_embeddings"\); expected at most 8 non-pad tokens/);
    const gpt2 = await load('gpt2_transformer');
    const g = await rejection(() => gpt2.compute(new Array<number>(9).fill(1)));
    assert.match(g.message, /"n_positions"/);
  });

  it('an id beyond the word table and a type id beyond type_vocab_size', async () => {
    const layer = await load('bert_prefixed');
    const e = await rejection(() => layer.compute([2, 30]));
    assert.equal(e.reason, 'vocabMismatch');
    assert.match(e.message, /token 1 has id 30, but "bert\.embeddings\.word_embeddings\.weight" .* has 30 rows/);
    const t = await rejection(() => layer.compute([2, 3], { tokenTypeIds: [0, 2] }));
    assert.equal(t.reason, 'option');
    assert.match(t.message, /token type id 2 at token 1, .*"type_vocab_size"\); expected 0…1/);
    const gpt2 = await load('gpt2_transformer');
    assert.match((await rejection(() => gpt2.compute([1], { tokenTypeIds: [0] }))).message, /gpt2 has no token type embeddings/);
  });

  it('config keys that contradict the tensors', async () => {
    const store = await storeOf('bert_prefixed');
    const cfg = { ...configOf('bert_prefixed'), max_position_embeddings: 512 };
    const e = await rejection(() => detectInputLayer(store, cfg, 'my/config.json'));
    assert.equal(e.reason, 'config');
    assert.match(e.message, /^my\/config\.json: "max_position_embeddings" is 512, but "bert\.embeddings\.position_embeddings\.weight" .* has 12 rows/);
    const h = await rejection(() => detectInputLayer(store, { ...configOf('bert_prefixed'), hidden_size: 768 }, 'c.json'));
    assert.match(h.message, /"hidden_size" is 768/);
    const eps = await rejection(() => detectInputLayer(store, { ...configOf('bert_prefixed'), layer_norm_eps: 'small' }, 'c.json'));
    assert.match(eps.message, /"layer_norm_eps" is "small", expected a number/);
  });

  it('a position table of another width names both tensors', async () => {
    const store = edited(await storeOf('gpt2_transformer'), [], { 'transformer.wpe.weight': { shape: [8, 5] } });
    const e = await rejection(() => detectInputLayer(store, configOf('gpt2_transformer')));
    assert.equal(e.reason, 'shape');
    assert.match(e.message, /"transformer\.wpe\.weight" has shape \(8, 5\), expected \(8, 8\) like "transformer\.wte\.weight"/);
  });

  it('model_type without its tensors, and bare names without model_type', async () => {
    const m = await rejection(() => detectInputLayer(edited({ origin: 'x.safetensors', names: () => [], get: () => undefined }, []), { model_type: 'roberta' }, 'c.json'));
    assert.match(m.message, /c\.json says "model_type": "roberta", but there is no tensor "roberta\.embeddings\.word_embeddings\.weight" or "embeddings\.word_embeddings\.weight"/);
    const cfg = configOf('bert_plain_f16');
    delete cfg.model_type;
    const plain = await storeOf('bert_plain_f16');
    const b = await rejection(() => detectInputLayer(plain, cfg, 'c.json'));
    assert.equal(b.reason, 'config');
    assert.match(b.message, /^c\.json: no "model_type".*expected "model_type": "bert", "roberta" or "distilbert"/);
  });
});
