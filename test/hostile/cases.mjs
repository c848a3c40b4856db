// The hostile-input suite: one array of case builders per category (issue 8). Each case:
//   name      unique, "category/what"
//   category  one of CATEGORIES
//   files     { relPath: string | Buffer | {dir}|{fifo}|{symlink}|{socket} } or (dir) => that,
//             written under the case's own temp dir before the run
//   args      CLI arguments; "{dir}" is replaced by that temp dir
//   stdin     optional text/Buffer piped in (else stdin is empty)
//   mention   strings the one error line must contain (file name, key, tensor or flag)
//   forbid    strings it must not contain (e.g. a flag nobody passed)
//   accept    a RegExp: exit 0 is fine when stdout matches (success that shows the problem)
//   ok        a RegExp: exit 0 with matching stdout is REQUIRED (--help, --version)
// To add a case, push an object onto the category's array below.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  configJson, deepJson, deepSequence, E, f32, gloveText, H, modelTensors, npy, npyTable, safetensors, table,
  TOKENIZER_ROWS, TOKENIZERS, vocabJson, vocabTxt, word2vecBin, WORDS,
} from './lib.mjs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CATEGORIES = ['safetensors', 'shards', 'npy', 'tokenizer', 'vocab', 'config', 'rnn', 'wordvectors', 'texts', 'flags', 'paths'];

const INSPECT_OK = /"input_ids"/;
const TOKENIZE_OK = /"tokens"/;
const TEXT = 'hello zebra the cat';

/** `inspect --model {dir}/<model> … TEXT`. */
const inspect = (model, text = TEXT, extra = []) => ['inspect', '--model', `{dir}/${model}`, ...extra, text];

// Ids that are not Rust u32s, and how each is written in JSON.
const BAD_IDS = [
  ['2^32', '4294967296'], ['2^32+2', '4294967298'], ['2^53', '9007199254740992'], ['1e300', '1e300'],
  ['-1', '-1'], ['1.5', '1.5'], ['string', '"7"'], ['1e12', '1000000000000'],
];

/** Builds every case. `assets` holds bytes made once per run (pickles). */
export function buildCases(assets) {
  const cases = [];
  const add = (category, list) => {
    for (const c of list) cases.push({ category, ...c, name: `${category}/${c.name}` });
  };
  add('safetensors', safetensorsCases());
  add('shards', shardCases());
  add('npy', npyCases());
  add('tokenizer', tokenizerCases());
  add('vocab', vocabCases());
  add('config', configCases());
  add('rnn', rnnCases());
  add('wordvectors', wordVectorCases());
  add('texts', textCases());
  add('flags', flagCases());
  add('paths', pathCases(assets));
  const seen = new Set();
  for (const c of cases) {
    if (seen.has(c.name)) throw new Error(`duplicate case name ${c.name}`);
    seen.add(c.name);
  }
  return cases;
}

// ---------------------------------------------------------------- safetensors
function safetensorsCases() {
  const ts = () => modelTensors();
  const emb = 'embedding.weight';
  const headerOf = (edit) => safetensors(ts(), { mutate: edit });
  // [name, bytes, mention (besides the file name)]
  const bad = [
    ['length-past-eof', safetensors(ts(), { length: 1_000_000n }), []],
    ['length-2^63', safetensors(ts(), { length: 2n ** 63n }), []],
    ['length-2^64-1', safetensors(ts(), { length: 2n ** 64n - 1n }), []],
    ['length-zero', safetensors(ts(), { length: 0n }), []],
    ['length-short', safetensors(ts(), { length: 4n }), []],
    ['length-claims-200MiB', safetensors(ts(), { length: 200n * 1024n * 1024n }), []],
    ['file-3-bytes', Buffer.from([1, 2, 3]), []],
    ['file-empty', Buffer.alloc(0), []],
    ['header-not-json', safetensors([], { headerText: 'this is not json', data: table(8, 4) }), []],
    ['header-array', safetensors([], { headerText: '[1, 2, 3]' }), []],
    ['header-string', safetensors([], { headerText: '"embedding.weight"' }), []],
    ['header-number', safetensors([], { headerText: '12345678' }), []],
    ['header-null', safetensors([], { headerText: 'null    ' }), []],
    ['header-leading-space', safetensors([], { headerText: '   ' + JSON.stringify({ [emb]: { dtype: 'F32', shape: [8, 4], data_offsets: [0, 128] } }).slice(0, -3) + '}', data: table(8, 4) }), []],
    ['header-invalid-utf8', Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x7b, 0xff, 0xfe, 0x22, 0x7d, 0x20, 0x20, 0x20])]), []],
    ['header-deep-json-100k', safetensors([], { headerText: `{"x": ${deepJson(100_000)}}` }), []],
    ['header-deep-json-200', safetensors([], { headerText: `{"x": ${deepJson(200)}}` }), []],
    ['duplicate-names', safetensors([], {
      headerText: `{"${emb}":{"dtype":"F32","shape":[8,4],"data_offsets":[0,128]},"${emb}":{"dtype":"F32","shape":[8,4],"data_offsets":[128,256]}}`,
      data: Buffer.concat([table(8, 4), table(8, 4)]),
    }), [emb]],
    ['overlapping-offsets', headerOf(h => { h['rnn.weight_ih_l0'].data_offsets = [100, 148]; }), []],
    ['identical-offsets', safetensors([{ name: emb, shape: [8, 4], data: table(8, 4) }, { name: 'other.weight', shape: [8, 4], data: table(8, 4) }], { mutate: h => { h['other.weight'].data_offsets = [0, 128]; }, data: table(8, 4) }), []],
    ['gap-between-tensors', safetensors([{ name: emb, shape: [8, 4], data: table(8, 4) }, { name: 'other.weight', shape: [2], data: table(1, 2) }], { mutate: h => { h['other.weight'].data_offsets = [136, 144]; }, data: Buffer.concat([table(8, 4), Buffer.alloc(16)]) }), []],
    ['gap-at-start', safetensors([{ name: emb, shape: [8, 4], data: table(8, 4) }], { mutate: h => { h[emb].data_offsets = [16, 144]; }, data: Buffer.concat([Buffer.alloc(16), table(8, 4)]) }), []],
    ['trailing-bytes', safetensors(ts(), { tail: Buffer.alloc(64, 0x41) }), []],
    ['offsets-past-eof', headerOf(h => { h['rnn.bias_hh_l0'].data_offsets = [h['rnn.bias_hh_l0'].data_offsets[0], 100_000]; }), []],
    ['offsets-reversed', safetensors([{ name: emb, shape: [8, 4], data: table(8, 4) }], { mutate: h => { h[emb].data_offsets = [128, 0]; } }), [emb]],
    ['offsets-negative', safetensors([{ name: emb, shape: [8, 4], data: table(8, 4) }], { mutate: h => { h[emb].data_offsets = [-16, 112]; } }), [emb]],
    ['offsets-float', safetensors([{ name: emb, shape: [8, 4], data: table(8, 4) }], { mutate: h => { h[emb].data_offsets = [0.5, 128.5]; } }), [emb]],
    ['offsets-strings', safetensors([{ name: emb, shape: [8, 4], data: table(8, 4) }], { mutate: h => { h[emb].data_offsets = ['0', '128']; } }), [emb]],
    ['offsets-missing', safetensors([{ name: emb, shape: [8, 4], data: table(8, 4) }], { mutate: h => { delete h[emb].data_offsets; } }), [emb]],
    ['offsets-huge', safetensors([{ name: emb, shape: [8, 4], data: table(8, 4) }], { mutate: h => { h[emb].data_offsets = [0, 2 ** 53]; } }), [emb]],
    ['wrong-byte-count', safetensors([{ name: emb, shape: [8, 5], data: table(8, 4) }]), [emb]],
    ['unknown-dtype', safetensors([{ name: emb, dtype: 'F8_E9M9', shape: [8, 4], data: table(8, 4) }]), [emb]],
    ['dtype-missing', safetensors([{ name: emb, shape: [8, 4], data: table(8, 4) }], { mutate: h => { delete h[emb].dtype; } }), [emb]],
    ['dtype-number', safetensors([{ name: emb, shape: [8, 4], data: table(8, 4) }], { mutate: h => { h[emb].dtype = 32; } }), [emb]],
    ...['I32', 'U32', 'I64', 'I8', 'U8', 'BOOL'].map(dt => {
      const size = { I32: 4, U32: 4, I64: 8, I8: 1, U8: 1, BOOL: 1 }[dt];
      return [`int-dtype-${dt}`, safetensors([{ name: emb, dtype: dt, shape: [8, 4], data: Buffer.alloc(32 * size, 1) }]), [emb]];
    }),
    ['huge-shape-2^40', safetensors([{ name: emb, shape: [2 ** 40, 4], data: table(8, 4) }]), [emb]],
    ['huge-shape-product-overflows', safetensors([{ name: emb, shape: [2 ** 31, 2 ** 31], data: table(8, 4) }]), [emb]],
    ['huge-shape-1e300', safetensors([{ name: emb, shape: [8, 4], data: table(8, 4) }], { mutate: h => { h[emb].shape = [1e300, 4]; } }), [emb]],
    ['negative-dim', safetensors([{ name: emb, shape: [-8, 4], data: table(8, 4) }]), [emb]],
    ['float-dim', safetensors([{ name: emb, shape: [8.5, 4], data: table(8, 4) }]), [emb]],
    ['string-dim', safetensors([{ name: emb, shape: ['8', 4], data: table(8, 4) }]), [emb]],
    ['shape-not-array', safetensors([{ name: emb, shape: 32, data: table(8, 4) }]), [emb]],
    ['zero-rows', safetensors([{ name: emb, shape: [0, 4], data: Buffer.alloc(0) }]), [emb]],
    ['zero-cols', safetensors([{ name: emb, shape: [8, 0], data: Buffer.alloc(0) }]), [emb]],
    ['one-dim-embedding', safetensors([{ name: emb, shape: [32], data: table(8, 4) }]), [emb]],
    ['three-dim-embedding', safetensors([{ name: emb, shape: [2, 4, 4], data: table(8, 4) }]), [emb]],
    ['entry-not-object', safetensors([{ name: emb, shape: [8, 4], data: table(8, 4) }], { mutate: h => { h['rnn.weight_ih_l0'] = 5; } }), ['rnn.weight_ih_l0']],
    ['metadata-not-strings', safetensors(ts(), { metadata: { format: 'pt', n: 5 } }), []],
  ];
  const out = [];
  for (const [name, bytes, mention] of bad) {
    const files = { 'm/vocab.json': vocabJson(), 'm/model.safetensors': bytes };
    out.push({ name: `folder/${name}`, files, args: inspect('m'), mention: ['model.safetensors', ...mention] });
    out.push({ name: `file/${name}`, files, args: inspect('m/model.safetensors'), mention: ['model.safetensors', ...mention] });
  }
  // A real 101 MiB header: the message should be about the 100 MiB cap (a big file, so once).
  out.push({
    name: 'folder/header-101MiB',
    files: () => {
      const text = `{"${emb}":{"dtype":"F32","shape":[8,4],"data_offsets":[0,128]}` + ' '.repeat(101 * 1024 * 1024) + '}';
      return { 'm/vocab.json': vocabJson(), 'm/model.safetensors': safetensors([], { headerText: text + ' '.repeat((8 - (text.length % 8)) % 8), data: table(8, 4) }) };
    },
    args: inspect('m'),
    mention: ['model.safetensors'],
  });
  return out;
}

// ---------------------------------------------------------------- shard indexes
function shardCases() {
  const shard1 = () => safetensors(modelTensors({ rnn: false }));
  const shard2 = () => safetensors(modelTensors().slice(1));
  const index = (map) => JSON.stringify({ metadata: { total_size: 0 }, weight_map: map });
  const rnnMap = { 'rnn.weight_ih_l0': 'model-00002.safetensors', 'rnn.weight_hh_l0': 'model-00002.safetensors', 'rnn.bias_ih_l0': 'model-00002.safetensors', 'rnn.bias_hh_l0': 'model-00002.safetensors' };
  const folder = (embEntry, extra = {}) => ({
    's/vocab.json': vocabJson(),
    's/model-00001.safetensors': shard1(),
    's/model-00002.safetensors': shard2(),
    's/model.safetensors.index.json': index({ 'embedding.weight': embEntry, ...rnnMap }),
    'outside/emb.safetensors': shard1(),
    ...extra,
  });
  const entry = (name, value, extra = {}, mention = [typeof value === 'string' ? value : 'embedding.weight']) => [name, (dir) => folder(typeof value === 'function' ? value(dir) : value, extra), mention];
  const list = [
    entry('dotdot-outside', '../outside/emb.safetensors'),
    entry('etc-passwd-relative', '../../../../../../../../etc/passwd'),
    entry('etc-passwd-absolute', '/etc/passwd'),
    entry('dev-zero', '/dev/zero'),
    entry('dev-urandom', '/dev/urandom'),
    entry('proc-self-mem', '/proc/self/mem'),
    ['absolute-inside-path', (dir) => folder(`${dir}/outside/emb.safetensors`), ['outside/emb.safetensors']],
    entry('nul-byte', 'model-00001.safetensors\u0000.txt', {}, ['embedding.weight']),
    entry('directory', 'subdir', { 's/subdir': { dir: true } }),
    entry('dot', '.', {}),
    entry('fifo', 'pipe.safetensors', { 's/pipe.safetensors': { fifo: true } }),
    entry('symlink-outside', 'link.safetensors', { 's/link.safetensors': { symlink: '../outside/emb.safetensors' } }),
    entry('symlink-dev-zero', 'zero.safetensors', { 's/zero.safetensors': { symlink: '/dev/zero' } }),
    entry('symlink-loop', 'loop.safetensors', { 's/loop.safetensors': { symlink: 'loop.safetensors' } }),
    entry('socket', 'sock.safetensors', { 's/sock.safetensors': { socket: true } }),
    entry('missing-shard', 'model-00003.safetensors'),
    entry('the-index-itself', 'model.safetensors.index.json'),
    entry('tensor-missing-from-shard', 'model-00002.safetensors', {}, ['embedding.weight']),
    entry('number', 5), entry('null', null), entry('array', ['model-00001.safetensors']), entry('object', { file: 'x' }),
    entry('empty-string', '', {}, ['embedding.weight']),
    entry('bad-shard-header', 'bad.safetensors', { 's/bad.safetensors': safetensors([], { headerText: `{"embedding.weight":{"dtype":"F32","shape":[8,4],"data_offsets":[0,128]},"embedding.weight":{"dtype":"F32","shape":[8,4],"data_offsets":[0,128]}}`, data: table(8, 4) }) }),
  ];
  const out = [];
  for (const [name, files, mention] of list) {
    out.push({ name: `folder/${name}`, files, args: inspect('s'), mention: ['model.safetensors.index.json', ...mention] });
  }
  for (const [name, files, mention] of list.slice(0, 6)) {
    out.push({ name: `index-file/${name}`, files, args: inspect('s/model.safetensors.index.json'), mention: ['model.safetensors.index.json', ...mention] });
    out.push({ name: `tokenize/${name}`, files, args: ['tokenize', '--model', '{dir}/s', TEXT], mention: ['model.safetensors.index.json', ...mention] });
  }
  const whole = (name, text) => ({
    name: `index/${name}`,
    files: { 's/vocab.json': vocabJson(), 's/model-00001.safetensors': shard1(), 's/model.safetensors.index.json': text },
    args: inspect('s'),
    mention: ['model.safetensors.index.json'],
  });
  out.push(
    whole('not-json', '{"weight_map": '),
    whole('array', '[]'),
    whole('weight-map-array', '{"weight_map": ["model-00001.safetensors"]}'),
    whole('weight-map-string', '{"weight_map": "model-00001.safetensors"}'),
    whole('weight-map-missing', '{"metadata": {}}'),
    whole('weight-map-empty', '{"weight_map": {}}'),
    whole('deep-json-100k', `{"metadata": ${deepJson(100_000)}, "weight_map": {}}`),
    whole('binary-garbage', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 97 + 13) & 0xff))),
  );
  return out;
}

// ---------------------------------------------------------------- .npy
function npyCases() {
  const good = (shape) => `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const data = table(8, 4);
  const bad = [
    ['bad-magic', npy(good('(8, 4)'), data, { magic: '\x93NUMPZ' }), [], false],
    ['version-9', npy(good('(8, 4)'), data, { major: 9 }), [], false],
    ['version-0', npy(good('(8, 4)'), data, { major: 0 }), [], false],
    ['header-not-dict', npy('[1, 2, 3]', data), [], false],
    ['header-string', npy("'hello'", data), [], false],
    ['header-nested-parens-100k', npy(`{'descr': '<f4', 'fortran_order': False, 'shape': ${'('.repeat(100_000)}8, 4${')'.repeat(100_000)}, }`, data, { major: 2 }), [], false],
    ['header-nested-parens-1k', npy(`{'descr': '<f4', 'fortran_order': False, 'shape': ${'('.repeat(1000)}8, 4${')'.repeat(1000)}, }`, data), [], false],
    ['header-nested-brackets-30k', npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (8, 4), 'x': ${'['.repeat(30_000)}${']'.repeat(30_000)} }`, data), [], false],
    ['fortran-order', npy("{'descr': '<f4', 'fortran_order': True, 'shape': (8, 4), }", data), [], true],
    ['shape-more-than-bytes', npy(good('(1000, 4)'), data), [], false],
    ['shape-huge', npy(good('(1000000000000000, 4)'), data), [], false],
    ['shape-2^64', npy(good('(18446744073709551616, 4)'), data), [], false],
    ['shape-fewer-than-bytes', npy(good('(4, 4)'), data), [], true],
    ['object-dtype', npy("{'descr': '|O', 'fortran_order': False, 'shape': (8, 4), }", data), [], false],
    ['unicode-dtype', npy("{'descr': '<U10', 'fortran_order': False, 'shape': (8, 4), }", data), [], false],
    ['complex-dtype', npy("{'descr': '<c8', 'fortran_order': False, 'shape': (8, 2), }", data), [], false],
    ['int64-dtype', npy("{'descr': '<i8', 'fortran_order': False, 'shape': (8, 2), }", data), [], false],
    ['big-endian', npy("{'descr': '>f4', 'fortran_order': False, 'shape': (8, 4), }", Buffer.from(data).swap32()), [], true],
    ['header-too-long-v2', npy(good('(8, 4)') + ' '.repeat(2_000_000), data, { major: 2 }), [], false],
    ['header-length-past-eof', npy('', data, { major: 2, rawHeader: good('(8, 4)') }).fill(0xff, 8, 12), [], false],
    ['truncated-after-magic', Buffer.from('\x93NUMPY\x01', 'latin1'), [], false],
    ['negative-dim', npy(good('(-8, 4)'), data), [], false],
    ['float-dim', npy(good('(8.5, 4)'), data), [], false],
    ['zero-rows', npy(good('(0, 4)'), Buffer.alloc(0)), [], false],
    ['zero-cols', npy(good('(8, 0)'), Buffer.alloc(0)), [], false],
    ['three-dim', npy(good('(2, 4, 4)'), data), [], false],
    ['shape-missing', npy("{'descr': '<f4', 'fortran_order': False, }", data), [], false],
    ['python-expression', npy("{'descr': __import__('os').system('touch pwned'), 'fortran_order': False, 'shape': (8, 4), }", data), [], false],
    ['unterminated-string', npy("{'descr': '<f4, 'fortran_order': False, 'shape': (8, 4), }", data), [], false],
  ];
  const out = [];
  for (const [name, bytes, mention, mayLoad] of bad) {
    const files = { 'n/vocab.json': vocabJson(), 'n/emb.npy': bytes };
    const accept = mayLoad ? INSPECT_OK : undefined;
    out.push({ name: `folder/${name}`, files, args: inspect('n'), mention: ['emb.npy', ...mention], accept });
    out.push({ name: `file/${name}`, files, args: inspect('n/emb.npy'), mention: ['emb.npy', ...mention], accept });
  }
  return out;
}

// ---------------------------------------------------------------- tokenizer.json
function tokenizerCases() {
  const folder = (type, tok, rows = TOKENIZER_ROWS[type]) => ({
    't/tokenizer.json': typeof tok === 'string' ? tok : JSON.stringify(tok),
    't/model.safetensors': safetensors(modelTensors({ rows, rnn: false })),
  });
  const withTok = (type, edit) => {
    const t = TOKENIZERS[type]();
    edit(t);
    return t;
  };
  const out = [];
  const brokenModel = {
    WordLevel: [
      ['vocab-missing', m => { delete m.vocab; }, ['vocab']],
      ['vocab-array', m => { m.vocab = [['hello', 2]]; }, ['vocab']],
      ['unk-number', m => { m.unk_token = 1; }, ['unk_token']],
      ['unk-not-in-vocab', m => { m.unk_token = '<nope>'; }, ['<nope>']],
    ],
    BPE: [
      ['merges-missing', m => { delete m.merges; }, ['merges']],
      ['merges-object', m => { m.merges = { a: 'b' }; }, ['merges']],
      ['merge-three-parts', m => { m.merges = ['h e l']; }, ['merges']],
      ['merge-out-of-vocab', m => { m.merges = ['q z']; }, ['q z']],
      ['dropout-0.5', m => { m.dropout = 0.5; }, ['dropout']],
      ['byte-fallback-string', m => { m.byte_fallback = 'yes'; }, ['byte_fallback']],
      ['vocab-array', m => { m.vocab = [['h', 0]]; }, ['vocab']],
    ],
    WordPiece: [
      ['unk-missing', m => { delete m.unk_token; }, ['unk_token']],
      ['prefix-number', m => { m.continuing_subword_prefix = 7; }, ['continuing_subword_prefix']],
      ['max-chars-negative', m => { m.max_input_chars_per_word = -1; }, ['max_input_chars_per_word']],
      ['max-chars-string', m => { m.max_input_chars_per_word = 'x'; }, ['max_input_chars_per_word']],
      ['vocab-array', m => { m.vocab = ['hello']; }, ['vocab']],
    ],
    Unigram: [
      ['vocab-object', m => { m.vocab = { hello: -1 }; }, ['vocab']],
      ['entry-swapped', m => { m.vocab[2] = [-1, '▁hello']; }, ['vocab[2]']],
      ['score-string', m => { m.vocab[2] = ['▁hello', 'x']; }, ['vocab[2]']],
      ['unk-id-out-of-range', m => { m.unk_id = 99; }, ['unk_id']],
      ['unk-id-negative', m => { m.unk_id = -1; }, ['unk_id']],
      ['unk-id-float', m => { m.unk_id = 1.5; }, ['unk_id']],
      ['vocab-empty', m => { m.vocab = []; }, ['vocab']],
    ],
  };
  for (const [type, list] of Object.entries(brokenModel)) {
    for (const [name, edit, mention] of list) {
      out.push({ name: `${type}/${name}`, files: folder(type, withTok(type, t => edit(t.model))), args: inspect('t', 'hello qqq zebra'), mention: ['tokenizer.json', ...mention] });
    }
  }
  // Ids that are not u32 on the token "zebra" (row 4), in each model's vocab and in added_tokens.
  for (const [label, lit] of BAD_IDS) {
    for (const type of ['WordLevel', 'BPE', 'WordPiece']) {
      const t = JSON.stringify(TOKENIZERS[type]()).replace('"zebra":4', `"zebra":${lit}`);
      out.push({ name: `${type}/id-${label}`, files: folder(type, t), args: inspect('t', 'zebra hello'), mention: ['tokenizer.json', 'zebra'] });
    }
    const added = withTok('WordLevel', t => { t.added_tokens = [{ id: 0, content: '[MASK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }]; });
    const text = JSON.stringify(added).replace('"id":0', `"id":${lit}`);
    out.push({ name: `added-token/id-${label}`, files: folder('WordLevel', text), args: inspect('t', 'zebra [MASK] hello'), mention: ['tokenizer.json', '[MASK]'] });
  }
  // Valid u32 ids far past the table: refused (the table is too small) before anything is sized by them.
  for (const [label, lit] of [['1e9', '1000000000'], ['2^32-1', '4294967295']]) {
    for (const type of ['WordLevel', 'BPE', 'WordPiece']) {
      const t = JSON.stringify(TOKENIZERS[type]()).replace('"zebra":4', `"zebra":${lit}`);
      out.push({ name: `${type}/sparse-id-${label}`, files: folder(type, t), args: inspect('t', 'zebra hello'), mention: ['tokenizer.json'] });
    }
  }
  // Catastrophic regexes on texts made to trigger them.
  const evil = [
    ['nested-plus', '(a+)+$', 'a'.repeat(36) + '!'],
    ['alternation-star', '(a|aa)*$', 'a'.repeat(70) + '!'],
    ['word-space-star', '(\\w+\\s?)*$', 'abcdefghij'.repeat(4) + '!'],
    ['x-plus-x-plus', '(x+x+)+y', 'x'.repeat(40)],
  ];
  for (const [name, pattern, text] of evil) {
    const split = withTok('WordLevel', t => { t.pre_tokenizer = { type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false }; });
    const replace = withTok('WordLevel', t => { t.normalizer = { type: 'Replace', pattern: { Regex: pattern }, content: ' ' }; });
    out.push({ name: `regex/split-${name}/inspect`, files: folder('WordLevel', split), args: inspect('t', text), mention: ['tokenizer.json', 'Split'] });
    out.push({ name: `regex/split-${name}/tokenize`, files: folder('WordLevel', split), args: ['tokenize', '--tokenizer', '{dir}/t/tokenizer.json', text], mention: ['tokenizer.json', 'Split'] });
    out.push({ name: `regex/split-${name}/explain`, files: folder('WordLevel', split), args: ['tokenize', '--tokenizer', '{dir}/t/tokenizer.json', '--explain', `0:${text.length}`, text], mention: ['tokenizer.json', 'Split'] });
    out.push({ name: `regex/replace-${name}/inspect`, files: folder('WordLevel', replace), args: inspect('t', text), mention: ['tokenizer.json', 'Replace'] });
    out.push({ name: `regex/replace-${name}/tokenize`, files: folder('WordLevel', replace), args: ['tokenize', '--tokenizer', '{dir}/t/tokenizer.json', text], mention: ['tokenizer.json', 'Replace'] });
  }
  // Deep Sequences (built as text: JSON.stringify would itself overflow).
  const seqTok = (field, text) => JSON.stringify(TOKENIZERS.WordLevel()).replace(`"${field}":${field === 'pre_tokenizer' ? '{"type":"Whitespace"}' : 'null'}`, `"${field}":${text}`);
  const seqs = [
    ['normalizer', 'normalizers', { type: 'Lowercase' }],
    ['pre_tokenizer', 'pretokenizers', { type: 'Whitespace' }],
    ['post_processor', 'processors', { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }],
    ['decoder', 'decoders', { type: 'Fuse' }],
  ];
  for (const [field, list, leaf] of seqs) {
    for (const depth of [33, 20_000, 100_000]) {
      if (field === 'decoder' && depth === 33) continue;
      out.push({ name: `sequence/${field}-${depth}`, files: folder('WordLevel', seqTok(field, deepSequence(depth, list, leaf))), args: inspect('t'), mention: ['tokenizer.json'] });
    }
  }
  // Unknown component types.
  for (const [field, type] of [['normalizer', 'FancyNormalizer'], ['pre_tokenizer', 'FancySplitter'], ['post_processor', 'FancyProcessor']]) {
    out.push({ name: `unknown/${field}`, files: folder('WordLevel', withTok('WordLevel', t => { t[field] = { type }; })), args: inspect('t'), mention: ['tokenizer.json', type] });
  }
  // The list of supported model types must be true (it once said only WordLevel).
  out.push({ name: 'unknown/model-type', files: folder('WordLevel', withTok('WordLevel', t => { t.model.type = 'FancyModel'; })), args: inspect('t'), mention: ['tokenizer.json', 'FancyModel', 'BPE', 'WordPiece', 'Unigram', 'WordLevel'] });
  out.push({ name: 'unknown/model-type-lowercase', files: folder('WordLevel', withTok('WordLevel', t => { t.model.type = 'wordlevel'; })), args: inspect('t'), mention: ['tokenizer.json', 'wordlevel'] });
  out.push({ name: 'unknown/component-not-object', files: folder('WordLevel', withTok('WordLevel', t => { t.normalizer = 'Lowercase'; })), args: inspect('t'), mention: ['tokenizer.json', 'normalizer'] });
  // Whole-file damage.
  const whole = [
    ['deep-json-100k', `{"model": ${JSON.stringify(TOKENIZERS.WordLevel().model)}, "extra": ${deepJson(100_000)}}`],
    ['deep-json-object-5k', `{"model": ${JSON.stringify(TOKENIZERS.WordLevel().model)}, "extra": ${deepJson(5000, 'k')}}`],
    ['not-json', '{"model": {"type": "WordLevel", '],
    ['empty-file', ''],
    ['top-level-array', '[]'],
    ['model-missing', '{"normalizer": null}'],
    ['model-null', '{"model": null}'],
    ['model-type-missing', '{"model": {"vocab": {"a": 0}}}'],
    ['binary-garbage', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff))],
  ];
  for (const [name, text] of whole) {
    const files = { 't/tokenizer.json': text, 't/model.safetensors': safetensors(modelTensors({ rnn: false })) };
    out.push({ name: `file/${name}/inspect`, files, args: inspect('t'), mention: ['tokenizer.json'] });
    out.push({ name: `file/${name}/tokenize`, files, args: ['tokenize', '--tokenizer', '{dir}/t/tokenizer.json', TEXT], mention: ['tokenizer.json'] });
  }
  return out;
}

// ---------------------------------------------------------------- vocab.json / vocab.txt
function vocabCases() {
  const st = safetensors(modelTensors({ rnn: false }));
  const out = [];
  for (const [label, lit] of BAD_IDS) {
    const v = vocabJson(WORDS.map((w, i) => [w, w === 'zebra' ? lit : String(i)]));
    out.push({ name: `json/id-${label}`, files: { 'v/vocab.json': v, 'v/model.safetensors': st }, args: inspect('v', 'zebra hello'), mention: ['vocab.json', 'zebra'] });
  }
  for (const [label, lit] of [['1e9', '1000000000'], ['2^32-1', '4294967295']]) {
    const v = vocabJson(WORDS.map((w, i) => [w, w === 'zebra' ? lit : String(i)]));
    out.push({ name: `json/sparse-id-${label}`, files: { 'v/vocab.json': v, 'v/model.safetensors': st }, args: inspect('v', 'zebra hello'), mention: ['vocab.json'] });
  }
  const json = (name, text, mention = [], accept) => out.push({ name: `json/${name}`, files: { 'v/vocab.json': text, 'v/model.safetensors': st }, args: inspect('v'), mention: ['vocab.json', ...mention], accept });
  json('duplicate-token', vocabJson([...WORDS.map((w, i) => [w, i]), ['hello', 7]]), ['hello'], INSPECT_OK);
  json('duplicate-id', vocabJson(WORDS.map((w, i) => [w, w === 'zebra' ? 2 : i])), [], INSPECT_OK);
  json('deep-json-100k', `{"hello": ${deepJson(100_000)}}`);
  json('deep-json-200', `{"hello": ${deepJson(200)}}`);
  json('empty-file', '');
  json('empty-object', '{}');
  json('top-level-array', '["hello", "world"]');
  json('null-id', vocabJson(WORDS.map((w, i) => [w, w === 'zebra' ? 'null' : String(i)])), ['zebra']);
  json('binary-garbage', Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 151 + 3) & 0xff)));
  json('ids-past-table', vocabJson(WORDS.map((w, i) => [w, i + 100])), []);
  const txt = (name, text, mention = [], accept) => out.push({ name: `txt/${name}`, files: { 'v/vocab.txt': text, 'v/model.safetensors': st }, args: inspect('v'), mention: ['vocab.txt', ...mention], accept });
  txt('empty-file', '');
  txt('only-newlines', '\n\n\n');
  txt('duplicate-token', vocabTxt([...WORDS.slice(0, 6), 'hello', 'cat']), ['hello']);
  txt('more-words-than-rows', vocabTxt([...WORDS, 'extra1', 'extra2']), []);
  txt('binary-garbage', Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff)), [], INSPECT_OK);
  txt('nul-in-token', vocabTxt(['[PAD]', '[UNK]', 'hel\u0000lo', 'world', 'zebra', 'the', '.', 'cat']), [], INSPECT_OK);
  txt('crlf', vocabTxt().replace(/\n/g, '\r\n'), [], INSPECT_OK);
  txt('very-long-line', vocabTxt([...WORDS.slice(0, 7), 'x'.repeat(5_000_000)]), [], INSPECT_OK);
  return out;
}

// ---------------------------------------------------------------- config.json
function configCases() {
  const st = safetensors(modelTensors());
  const out = [];
  const cfg = (name, text, mention, accept, extraFiles = {}) => out.push({
    name, files: { 'c/vocab.json': vocabJson(), 'c/model.safetensors': st, ...(text === undefined ? {} : { 'c/config.json': text }), ...extraFiles },
    args: inspect('c'), mention: ['config.json', ...mention], accept,
    forbid: ['--hidden-size', '--layers', '--cell', '--max-length', '--nonlinearity', '--bidirectional'],
  });
  const bad = [
    ['hidden_size', [1e9, -1, '"x"', 0, 1.5, 4, 1e300]],
    ['num_layers', [1e9, 2, -1, 0, '"1"']],
    ['pad_token_id', [100, -1, 1e300, '"0"', 8]],
    ['cell', ['"transformer"', '"gru"', '"lstm"', 5]],
    ['nonlinearity', ['"sigmoid"', 'true']],
    ['bidirectional', ['"yes"', 'true']],
    ['max_length', [0, -5, 1e300, 1.5]],
    ['padding_side', ['"middle"']],
    ['truncation_side', ['"up"']],
    ['embedding_tensor', ['"nope.weight"', 5, '"rnn.weight_ih_l0"']],
    ['encoder_prefix', [7]],
  ];
  for (const [key, values] of bad) {
    for (const v of values) {
      const lit = typeof v === 'number' ? String(v) : v;
      const text = configJson().replace(/}$/, `, "${key}": ${lit}}`).replace(new RegExp(`"${key}":[^,}]*,`), '');
      cfg(`${key}=${lit.replace(/"/g, '')}`, text, [key]);
    }
  }
  cfg('not-json', '{"hidden_size": 3,', []);
  cfg('array', '[3]', []);
  cfg('deep-json-100k', `{"x": ${deepJson(100_000)}}`, []);
  cfg('binary-garbage', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 53 + 1) & 0xff)), []);
  cfg('fifo', undefined, [], undefined, { 'c/config.json': { fifo: true } });
  cfg('symlink-dev-zero', undefined, [], undefined, { 'c/config.json': { symlink: '/dev/zero' } });
  cfg('symlink-outside', undefined, [], undefined, { 'c/config.json': { symlink: '../elsewhere.json' }, 'elsewhere.json': configJson() });
  cfg('directory', undefined, [], INSPECT_OK, { 'c/config.json': { dir: true } });
  cfg('tokenizer-config-deep', configJson(), [], INSPECT_OK, { 'c/tokenizer_config.json': `{"do_lower_case": ${deepJson(100_000)}}` });
  return out;
}

// ---------------------------------------------------------------- RNN weight shapes
function rnnCases() {
  const w = (name, shape) => ({ name, shape, data: table(shape.length === 1 ? 1 : shape[0], shape.length === 1 ? shape[0] : shape.slice(1).reduce((a, b) => a * b, 1)) });
  const emb = { name: 'embedding.weight', shape: [8, E], data: table(8, E) };
  const layer = (k, { ih = [H, E], hh = [H, H], bih = [H], bhh = [H], sfx = '' } = {}) => [
    w(`rnn.weight_ih_l${k}${sfx}`, ih), w(`rnn.weight_hh_l${k}${sfx}`, hh), ...(bih ? [w(`rnn.bias_ih_l${k}${sfx}`, bih)] : []), ...(bhh ? [w(`rnn.bias_hh_l${k}${sfx}`, bhh)] : []),
  ];
  const cases = [
    ['wrong-gate-multiple', [...layer(0, { ih: [5, E] })], ['rnn.weight_ih_l0']],
    ['ih-wrong-input-size', [...layer(0, { ih: [H, E - 1] })], ['rnn.weight_ih_l0']],
    ['hh-not-square', [...layer(0, { hh: [H, H + 1] })], ['rnn.weight_hh_l0']],
    ['ih-hh-gate-mismatch', [...layer(0, { ih: [3 * H, E], hh: [4 * H, H] })], ['rnn.weight_']],
    ['missing-bias-hh', [...layer(0, { bhh: null })], ['bias_hh_l0']],
    ['bias-ih-wrong-length', [...layer(0, { bih: [H + 1] })], ['rnn.bias_ih_l0']],
    ['ih-one-dim', [w('rnn.weight_ih_l0', [H * E]), w('rnn.weight_hh_l0', [H, H])], ['rnn.weight_ih_l0']],
    ['missing-hh', [w('rnn.weight_ih_l0', [H, E])], ['rnn.weight_hh_l0']],
    ['layer-gap', [...layer(0), ...layer(2, { ih: [H, H] })], ['l1']],
    ['layer1-wrong-input', [...layer(0), ...layer(1, { ih: [H, E] })], ['rnn.weight_ih_l1']],
    ['reverse-without-hh', [...layer(0), w('rnn.weight_ih_l0_reverse', [H, E])], ['rnn.weight_hh_l0_reverse']],
    ['directions-mismatch', [...layer(0), ...layer(0, { sfx: '_reverse' }), ...layer(1, { ih: [H, 2 * H] })], ['_reverse']],
    ['huge-hidden-claimed', [w('rnn.weight_ih_l0', [H, E]), { name: 'rnn.weight_hh_l0', shape: [100000, 100000], data: table(H, H) }], ['rnn.weight_hh_l0']],
    ['gru-wrong-bias', [...layer(0, { ih: [3 * H, E], hh: [3 * H, H], bih: [H], bhh: [3 * H] })], ['rnn.bias_ih_l0']],
  ];
  return cases.map(([name, ts, mention]) => ({
    name, files: { 'r/vocab.json': vocabJson(), 'r/model.safetensors': safetensors([emb, ...ts]) }, args: inspect('r'), mention: ['model.safetensors', ...mention],
  }));
}

// ---------------------------------------------------------------- word-vector files
function wordVectorCases() {
  const words = WORDS.slice(2);
  const out = [];
  const file = (name, fname, bytes, mention = [], accept) => out.push({ name, files: { [`w/${fname}`]: bytes }, args: inspect(`w/${fname}`), mention: [fname, ...mention], accept });
  file('glove-ragged-rows', 'vectors.txt', gloveText(words).replace(/\n(world [^\n]*)/, '\n$1 9.9 8.8'));
  file('glove-nan', 'vectors.txt', gloveText(words).replace('hello 0.00', 'hello nan'), [], INSPECT_OK);
  file('glove-inf', 'vectors.txt', gloveText(words).replace('hello 0.00', 'hello inf'), [], INSPECT_OK);
  file('glove-overflow-f32', 'vectors.txt', gloveText(words).replace('hello 0.00', 'hello 1e39'), [], INSPECT_OK);
  file('glove-not-numbers', 'vectors.txt', gloveText(words).replace('hello 0.00', 'hello abc'));
  file('glove-one-column', 'vectors.txt', 'hello\nworld\n');
  file('glove-100k-columns', 'vectors.txt', 'hello ' + '0.1 '.repeat(100_000) + '\nworld 0.1\n');
  file('w2v-text-header-lies-rows', 'vectors.vec', `100 ${E}\n` + gloveText(words));
  file('w2v-text-header-lies-cols', 'vectors.vec', `${words.length} 10\n` + gloveText(words));
  file('w2v-text-header-10^12', 'vectors.vec', `1000000000000 ${E}\n` + gloveText(words));
  file('w2v-bin-10^12-words', 'vectors.bin', word2vecBin(words, E, { header: `1000000000000 ${E}\n` }));
  file('w2v-bin-10^9-dims', 'vectors.bin', word2vecBin(words, E, { header: `${words.length} 1000000000\n` }));
  file('w2v-bin-negative', 'vectors.bin', word2vecBin(words, E, { header: `-5 ${E}\n` }));
  file('w2v-bin-truncated', 'vectors.bin', word2vecBin(words, E).subarray(0, 60));
  file('w2v-bin-header-only', 'vectors.bin', Buffer.from(`6 ${E}\n`));
  file('w2v-bin-garbage', 'vectors.bin', Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 29 + 5) & 0xff)));
  const tsv = (name, vectors, metadata, mention = []) => out.push({
    name: `tsv/${name}`, files: { 'w/vectors.tsv': vectors, ...(metadata === undefined ? {} : { 'w/metadata.tsv': metadata }) }, args: inspect('w/vectors.tsv'), mention,
  });
  const vecs = words.map((_, r) => Array.from({ length: E }, (_, c) => r + c / 10).join('\t')).join('\n') + '\n';
  tsv('metadata-fewer-rows', vecs, words.slice(0, 3).join('\n') + '\n', ['metadata.tsv']);
  tsv('metadata-more-rows', vecs, [...words, 'x', 'y'].join('\n') + '\n', ['metadata.tsv']);
  tsv('ragged-rows', vecs.replace('\n', '\t7\n'), words.join('\n') + '\n', ['vectors.tsv']);
  tsv('nan-and-text', vecs.replace('0\t', 'NaN\tfoo\t'), words.join('\n') + '\n', ['vectors.tsv']);
  tsv('metadata-fifo', vecs, undefined, ['metadata.tsv']);
  out[out.length - 1].files['w/metadata.tsv'] = { fifo: true };
  return out;
}

// ---------------------------------------------------------------- texts
function textCases() {
  const out = [];
  const seed = ['--model', 'builtin:seed'];
  const wp = () => ({ 't/tokenizer.json': JSON.stringify(TOKENIZERS.WordPiece()), 't/model.safetensors': safetensors(modelTensors({ rows: TOKENIZER_ROWS.WordPiece, rnn: false })) });
  // `accept: null`: an error is required (a text over the stated limit).
  const viaFile = (name, bytes, { mention = [], accept = INSPECT_OK, model = seed, files = {} } = {}) => {
    out.push({ name: `file/${name}`, files: { ...files, 'text.txt': bytes }, args: ['inspect', ...model, '--file', '{dir}/text.txt'], mention, accept: accept ?? undefined });
  };
  const viaStdin = (name, bytes, { mention = [], accept = INSPECT_OK } = {}) => out.push({ name: `stdin/${name}`, files: {}, args: ['inspect', ...seed], stdin: bytes, mention, accept: accept ?? undefined });
  const tok = (name, bytes, accept = TOKENIZE_OK) => out.push({ name: `tokenize/${name}`, files: { ...wp(), 'text.txt': bytes }, args: ['tokenize', '--tokenizer', '{dir}/t/tokenizer.json', '--file', '{dir}/text.txt'], mention: [], accept });
  out.push({ name: 'arg/empty', files: {}, args: ['inspect', ...seed, ''], mention: [], accept: INSPECT_OK });
  viaFile('empty', '');
  viaStdin('empty', '');
  viaFile('huge-100MB', () => Buffer.alloc(100 * 1024 * 1024, 'hello '), { mention: ['text.txt'], accept: null });
  viaFile('over-limit-9M-chars', () => Buffer.alloc(9 * 1024 * 1024, 'ab '), { mention: ['text.txt'], accept: null });
  viaStdin('huge-20MB', () => Buffer.alloc(20 * 1024 * 1024, 'hello '), { accept: null });
  const invalidUtf8 = Buffer.from([0x68, 0x69, 0x20, 0xc3, 0x28, 0xff, 0xfe, 0x20, 0xe2, 0x82, 0x20, 0x77]);
  const nul = Buffer.from('hello\u0000world\u0000\u0000 the', 'utf8');
  const loneSurrogates = Buffer.concat([Buffer.from('hi '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(' '), Buffer.from([0xed, 0xbf, 0xbf]), Buffer.from(' cat')]);
  const combining = 'a' + '\u0301'.repeat(100_000) + ' hello';
  const rtl = '\u202eolleh\u202c \u2067zebra\u2069 \u200f.';
  const manyTokens = Buffer.alloc(3 * 1024 * 1024, 'a ');
  for (const [name, bytes] of [['invalid-utf8', invalidUtf8], ['nul-bytes', nul], ['lone-surrogates', loneSurrogates], ['combining-100k', combining], ['rtl-overrides', rtl], ['bom-only', '\ufeff']]) {
    viaFile(name, bytes);
    tok(name, bytes);
  }
  viaStdin('invalid-utf8', invalidUtf8);
  viaFile('combining-100k/wordpiece', combining, { model: ['--model', '{dir}/t'], files: wp() });
  viaFile('1.5M-tokens', manyTokens, { accept: INSPECT_OK });
  tok('one-word-2MB', Buffer.alloc(2 * 1024 * 1024, 'a'));
  out.push({ name: 'arg/rtl', files: {}, args: ['inspect', ...seed, rtl], mention: [], accept: INSPECT_OK });
  out.push({ name: 'file/explain-combining', files: { ...wp(), 'text.txt': combining }, args: ['tokenize', '--tokenizer', '{dir}/t/tokenizer.json', '--explain', '0:5000', '--file', '{dir}/text.txt'], mention: [], accept: /./ });
  // The longest single argument Linux passes (MAX_ARG_STRLEN is 128 KiB): 60k combining marks.
  out.push({ name: 'arg/combining-60k', files: {}, args: ['inspect', ...seed, 'a' + '\u0301'.repeat(60_000)], mention: [], accept: INSPECT_OK });
  return out;
}

// ---------------------------------------------------------------- CLI flags
function flagCases() {
  const out = [];
  const seed = ['--model', 'builtin:seed'];
  const f = (name, args, mention, accept) => out.push({ name, files: {}, args, mention, accept });
  f('unknown-option/inspect', ['inspect', '--frobnicate', 'x'], ['--frobnicate']);
  f('unknown-option/tokenize', ['tokenize', '--frobnicate', 'x'], ['--frobnicate']);
  f('unknown-option/single-dash', ['inspect', ...seed, '-z', 'x'], ['-z'], INSPECT_OK);
  f('unknown-command', ['explode'], ['explode']);
  f('repeated/max-length', ['inspect', ...seed, '--max-length', '3', '--max-length', '4', 'a b c d e'], ['--max-length'], INSPECT_OK);
  f('repeated/model', ['inspect', ...seed, '--model', 'builtin:nope', 'x'], ['--model']);
  f('repeated/file', ['inspect', ...seed, '--file', '/nonexistent-a', '--file', '/nonexistent-b'], ['--file']);
  for (const flag of ['model', 'max-length', 'file', 'tokenizer', 'format', 'seed', 'hidden-size', 'padding-side']) {
    f(`missing-value/inspect/--${flag}`, ['inspect', ...seed, `--${flag}`], [`--${flag}`]);
  }
  for (const flag of ['tokenizer', 'explain', 'model']) f(`missing-value/tokenize/--${flag}`, ['tokenize', 'hello', `--${flag}`], [`--${flag}`]);
  f('empty-value/--model', ['inspect', '--model', '', 'x'], ['--model']);
  f('empty-value/--max-length', ['inspect', ...seed, '--max-length=', 'x'], ['--max-length']);
  const ints = [
    ['max-length', ['0', '-1', '99999999999999999999', '1e3', '1.5', 'abc', '4294967296']],
    ['hidden-size', ['0', '-3', '100000000', '1e9']],
    ['layers', ['0', '1000000', '-1']],
    ['seed', ['-1', '1e30', '99999999999999999999', '0x10']],
  ];
  for (const [flag, values] of ints) {
    for (const v of values) {
      // A random encoder of the seed model takes these; a value it can honour safely may run.
      const ok = (flag === 'seed' && v === '-1') || (flag === 'max-length' && v === '4294967296') ? INSPECT_OK : undefined;
      f(`int/--${flag}=${v}`, ['inspect', ...seed, `--${flag}`, v, 'hello world'], [`--${flag}`], ok);
    }
  }
  f('enum/--format=xml', ['inspect', ...seed, '--format', 'xml', 'x'], ['--format']);
  f('enum/--padding-side=middle', ['inspect', ...seed, '--padding-side', 'middle', 'x'], ['--padding-side']);
  f('enum/--cell=transformer', ['inspect', ...seed, '--cell', 'transformer', 'x'], ['--cell']);
  f('flag-with-value', ['inspect', ...seed, '--skip-padding=yes', 'x'], ['--skip-padding']);
  f('explain/reversed', ['tokenize', ...seed, '--explain', '5:2', 'hello world'], ['--explain']);
  f('explain/not-numbers', ['tokenize', ...seed, '--explain', 'a:b', 'hello world'], ['--explain']);
  f('explain/past-end', ['tokenize', ...seed, '--explain', '0:99999', 'hello world'], ['--explain']);
  f('explain/huge', ['tokenize', ...seed, '--explain', '0:99999999999999999999999', 'hello world'], ['--explain']);
  f('text-and-file', ['inspect', ...seed, '--file', '/etc/hostname', 'x'], ['--file']);
  f('two-texts', ['inspect', ...seed, 'a', 'b'], ['TEXT']);
  f('tokenizer-and-model', ['tokenize', '--tokenizer', 'gpt2', ...seed, 'x'], ['--tokenizer']);
  f('seed-with-tokenizer', ['inspect', ...seed, '--tokenizer', 'gpt2', 'x'], ['--tokenizer']);
  f('unknown-builtin', ['inspect', '--model', 'builtin:../../etc/passwd', 'x'], ['builtin:']);
  f('unknown-named-tokenizer', ['tokenize', '--tokenizer', 'gpt5', 'x'], ['gpt5']);
  // neighbours (issue 9): the query and its flags.
  f('neighbours/no-query', ['neighbours', ...seed], ['WORD', '--id']);
  f('neighbours/word-and-id', ['neighbours', ...seed, '--id', '3', 'white'], ['--id']);
  f('neighbours/two-tokens', ['neighbours', ...seed, 'White refrigerator'], ['WORD', '--id']);
  f('neighbours/two-words', ['neighbours', ...seed, 'a', 'b'], ['WORD']);
  for (const v of ['-1', '1e3', '4294967296', 'abc']) f(`neighbours/--id=${v}`, ['neighbours', ...seed, '--id', v], ['--id']);
  f('neighbours/--id-past-table', ['neighbours', ...seed, '--id', '99999'], ['--id', '2048']);
  for (const v of ['0', '-5', '100000000']) f(`neighbours/--k=${v}`, ['neighbours', ...seed, '--k', v, 'white'], ['--k']);
  f('neighbours/missing-value/--k', ['neighbours', ...seed, 'white', '--k'], ['--k']);
  f('neighbours/enum/--format=xml', ['neighbours', ...seed, '--format', 'xml', 'white'], ['--format']);
  // Success is required here.
  const ok = (name, args, re) => out.push({ name, files: {}, args, mention: [], ok: re });
  ok('help/neighbours', ['neighbours', '--help'], /--id/);
  ok('help/top', ['--help'], /inspect/);
  ok('help/-h', ['-h'], /inspect/);
  ok('help/inspect', ['inspect', '--help'], /--max-length/);
  ok('help/tokenize', ['tokenize', '--help'], /--explain/);
  ok('help/inspect-with-args', ['inspect', '--model', 'builtin:seed', '--help'], /--max-length/);
  ok('version', ['--version'], /\d+\.\d+\.\d+/);
  return out;
}

// ---------------------------------------------------------------- special paths
function pathCases(assets) {
  const out = [];
  const m = (name, flagArgs, files, mention, cmd = 'inspect', accept) => out.push({ name, files, args: cmd === 'inspect' ? ['inspect', ...flagArgs, 'hello'] : ['tokenize', ...flagArgs, 'hello'], mention, accept });
  for (const [dev, mentionName] of [['/dev/zero', '/dev/zero'], ['/dev/urandom', '/dev/urandom'], ['/dev/null', '/dev/null']]) {
    m(`model${dev}`, ['--model', dev], {}, [mentionName]);
    m(`tokenizer${dev}`, ['--tokenizer', dev], {}, [mentionName], 'tokenize');
    if (dev !== '/dev/null') out.push({ name: `file${dev}`, files: {}, args: ['inspect', '--model', 'builtin:seed', '--file', dev], mention: [mentionName] });
  }
  const special = { fifo: { fifo: true }, socket: { socket: true }, directory: { dir: true } };
  for (const [kind, entry] of Object.entries(special)) {
    if (kind !== 'directory') m(`model-${kind}`, ['--model', '{dir}/thing'], { thing: entry }, ['thing']);
    m(`tokenizer-${kind}`, ['--tokenizer', '{dir}/thing'], { thing: entry }, ['thing'], 'tokenize');
    out.push({ name: `file-${kind}`, files: { thing: entry }, args: ['inspect', '--model', 'builtin:seed', '--file', '{dir}/thing'], mention: ['thing'] });
    // The same thing where a model folder expects a file.
    m(`folder-safetensors-${kind}`, ['--model', '{dir}/m'], { 'm/vocab.json': vocabJson(), 'm/model.safetensors': entry }, ['model.safetensors']);
    m(`folder-vocab-${kind}`, ['--model', '{dir}/m'], { 'm/vocab.json': entry, 'm/model.safetensors': safetensors(modelTensors()) }, ['vocab.json']);
  }
  m('model-missing', ['--model', '{dir}/nope'], {}, ['nope']);
  m('tokenizer-missing', ['--tokenizer', '{dir}/nope.json'], {}, ['nope.json'], 'tokenize');
  out.push({ name: 'file-missing', files: {}, args: ['inspect', '--model', 'builtin:seed', '--file', '{dir}/nope.txt'], mention: ['nope.txt'] });
  m('folder-symlink-dev-zero', ['--model', '{dir}/m'], { 'm/vocab.json': vocabJson(), 'm/model.safetensors': { symlink: '/dev/zero' } }, ['model.safetensors']);
  m('folder-tokenizer-symlink-outside', ['--model', '{dir}/m'], { 'm/tokenizer.json': { symlink: '../secret/tokenizer.json' }, 'secret/tokenizer.json': JSON.stringify(TOKENIZERS.WordLevel()), 'm/model.safetensors': safetensors(modelTensors()) }, ['tokenizer.json']);
  m('folder-vocab-symlink-outside', ['--model', '{dir}/m'], { 'm/vocab.txt': { symlink: '../secret/vocab.txt' }, 'secret/vocab.txt': vocabTxt(), 'm/model.safetensors': safetensors(modelTensors()) }, ['vocab.txt']);
  m('folder-vocab-symlink-passwd', ['--model', '{dir}/m'], { 'm/vocab.txt': { symlink: '/etc/passwd' }, 'm/model.safetensors': safetensors(modelTensors()) }, ['vocab.txt']);
  out[out.length - 1].forbid = ['has ids up to']; // the symlink is the problem, not the vocabulary's size
  // Pickled PyTorch checkpoints: recognised and refused, never parsed as anything else.
  const pickles = [
    ['model.pt', assets.torchZip], ['model.pth', assets.torchLegacy], ['pytorch_model.bin', assets.torchZip],
    ['legacy.bin', assets.torchLegacy], ['plain.pt', assets.plain], ['archive.bin', assets.zip], ['weights.pkl', assets.plain],
  ];
  for (const [fname, bytes] of pickles) {
    m(`pickle/file/${fname}`, ['--model', `{dir}/p/${fname}`], { [`p/${fname}`]: bytes, 'p/vocab.json': vocabJson() }, [fname, 'pickle']);
  }
  m('pickle/folder/pytorch_model.bin', ['--model', '{dir}/p'], { 'p/pytorch_model.bin': assets.torchZip, 'p/vocab.json': vocabJson(), 'p/config.json': configJson() }, ['pytorch_model.bin', 'pickle']);
  m('pickle/folder/model.pt-only', ['--model', '{dir}/p'], { 'p/model.pt': assets.torchZip }, ['model.pt', 'pickle']);
  m('pickle/tokenize-model', ['--model', '{dir}/p/pytorch_model.bin'], { 'p/pytorch_model.bin': assets.torchLegacy, 'p/vocab.json': vocabJson() }, ['pytorch_model.bin', 'pickle'], 'tokenize');
  // A folder with no model in it: the workspace fixture, and an empty folder.
  m('no-model/workspace-fixture', ['--model', path.join(REPO, 'test', 'fixtures', 'workspace')], {}, ['workspace']);
  out[out.length - 1].forbid = ['seed.txt']; // not a word-vector file: the folder has no model
  m('no-model/empty-folder', ['--model', '{dir}/empty'], { empty: { dir: true } }, ['empty']);
  m('no-model/only-readme', ['--model', '{dir}/r'], { 'r/README.txt': 'This folder holds notes.\nNothing else.\n', 'r/notes.md': '# hi\n' }, ['r']);
  out[out.length - 1].forbid = ['README.txt'];
  m('tokenizer-empty-folder', ['--tokenizer', '{dir}/empty'], { empty: { dir: true } }, ['empty'], 'tokenize');
  m('model-nul-in-path', ['--model', 'mod\u0001el'], {}, ['mod']);
  // neighbours reads the same model paths.
  out.push({ name: 'neighbours/model-missing', files: {}, args: ['neighbours', '--model', '{dir}/nope', '--id', '1'], mention: ['nope'] });
  out.push({ name: 'neighbours/model-dev-zero', files: {}, args: ['neighbours', '--model', '/dev/zero', '--id', '1'], mention: ['/dev/zero'] });
  out.push({ name: 'neighbours/model-fifo', files: { thing: { fifo: true } }, args: ['neighbours', '--model', '{dir}/thing', '--id', '1'], mention: ['thing'] });
  return out;
}
