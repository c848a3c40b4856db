// The host's check of messages from the (untrusted) webview: every type, accepted when it is what
// the panel really sends, refused — with a reason, never a throw — when a field is missing, of the
// wrong type, out of range for the result on show, or unknown.
import * as assert from 'node:assert/strict';
import { LIMITS } from '../../src/core/limits';
import { checkPanelMessage, checkPanelState, checkSavedStage, EXPORT_FORMATS, MAX_LOOKUP_IDS, MAX_MAX_LENGTH, MAX_NEIGHBOURS, MAX_PNG_BYTES, MAX_SEARCH_CHARS, MAX_SEARCH_RESULTS, MAX_VOCAB_SAMPLE, type PanelMessageContext } from '../../src/shared/panelMessages';

const TEXT = 'White refrigerator is evil.';
const ctx: PanelMessageContext = {
  result: { textLength: TEXT.length, rows: 30, layers: 2, directions: 2 },
  models: () => ['builtin:seed', 'builtin:glove-100d', '/models/mine'],
};
const empty: PanelMessageContext = { result: undefined, models: ctx.models };

function accepts(m: unknown, c = ctx): unknown {
  const r = checkPanelMessage(m, c);
  assert.ok(r.ok, `refused ${JSON.stringify(m)}: ${r.ok ? '' : r.why}`);
  return r.message;
}

function refuses(m: unknown, why: RegExp, c = ctx): { requestId?: number } {
  let r: ReturnType<typeof checkPanelMessage> | undefined;
  assert.doesNotThrow(() => (r = checkPanelMessage(m, c)));
  assert.ok(r && !r.ok, `accepted ${JSON.stringify(m)}`);
  assert.match(r.why, why);
  return r;
}

describe('panel messages: the host checks everything the webview sends', () => {
  describe('any message', () => {
    it('refuses values that are not message objects', () => {
      for (const v of [null, undefined, 42, 'ready', [], [{ type: 'ready' }], new ArrayBuffer(4), new Uint8Array(2), true]) refuses(v, /expected a message object/);
    });
    it('refuses unknown and missing types', () => {
      refuses({ type: 'runShell', cmd: 'rm -rf ~' }, /unknown message type "runShell"/);
      refuses({ type: 'didEncode' }, /unknown message type/);
      refuses({}, /without a type \(type is undefined\)/);
      refuses({ type: 7 }, /without a type \(type is 7\)/);
      refuses({ type: '__proto__' }, /unknown message type/);
    });
    it('refuses unknown fields on every type', () => {
      refuses({ type: 'ready', extra: 1 }, /ready: unknown field "extra"/);
      refuses({ type: 'selectModel', path: '/etc' }, /unknown field "path"/);
      refuses({ type: 'encode', text: 'x', uri: 'file:///etc/passwd' }, /unknown field "uri"/);
      refuses({ type: 'export', requestId: 5, format: 'csv', path: '/tmp/x' }, /unknown field "path"/);
    });
    it('returns a fresh object with the known fields only', () => {
      const m = { type: 'encode', text: 'hi', ignored: undefined };
      const out = accepts(m);
      assert.notEqual(out, m);
      assert.deepEqual(out, { type: 'encode', text: 'hi' });
    });
  });

  describe('ready / selectModel', () => {
    it('accepts the bare messages', () => {
      assert.deepEqual(accepts({ type: 'ready' }, empty), { type: 'ready' });
      assert.deepEqual(accepts({ type: 'selectModel' }, empty), { type: 'selectModel' });
    });
  });

  describe('encode', () => {
    it('accepts text, including markup, which stays data', () => {
      const text = '<img src=x onerror="window.__pwned=1"></script>';
      assert.deepEqual(accepts({ type: 'encode', text }, empty), { type: 'encode', text });
    });
    it('refuses a missing, non-string or too long text', () => {
      refuses({ type: 'encode' }, /encode\.text: expected a string, got undefined/);
      refuses({ type: 'encode', text: ['a'] }, /expected a string, got an array of 1/);
      refuses({ type: 'encode', text: 'x'.repeat(LIMITS.textChars + 1) }, new RegExp(`${LIMITS.textChars + 1} characters, at most ${LIMITS.textChars}`));
    });
  });

  describe('setOptions', () => {
    const options = { maxLength: 8, paddingSide: 'left', truncationSide: 'right', skipPadding: true, addSpecialTokens: false, random: { cell: 'gru', nonlinearity: 'tanh', hiddenSize: 7, numLayers: 2, bidirectional: true, seed: 3 } };
    it('accepts what the options bar sends (an offered model, or none); the random encoder\u2019s options are dropped', () => {
      const { random: _random, ...applied } = options;
      assert.deepEqual(accepts({ type: 'setOptions', model: 'builtin:glove-100d', options }), { type: 'setOptions', model: 'builtin:glove-100d', options: applied });
      // The settings allow odd values there (the bar echoes them); they are never applied from the panel.
      accepts({ type: 'setOptions', options: { random: { hiddenSize: 5000, numLayers: 2.5, seed: -1 } } });
      const m = accepts({ type: 'setOptions', model: undefined, options: { maxLength: null } }) as { options: { maxLength: unknown } };
      assert.equal(m.options.maxLength, null);
    });
    it('refuses a model the host did not offer (a webview must not choose which files are read)', () => {
      refuses({ type: 'setOptions', model: '/etc/passwd', options: {} }, /setOptions\.model: "\/etc\/passwd" is not one of the models offered/);
      refuses({ type: 'setOptions', model: 'x'.repeat(5000), options: {} }, /5000 characters, at most 4096/);
      refuses({ type: 'setOptions', model: 3, options: {} }, /expected a string, got 3/);
    });
    it('refuses unknown option keys and bad values', () => {
      refuses({ type: 'setOptions', options: { maxLength: 8, model: '/x' } }, /setOptions\.options: unknown field "model"/);
      refuses({ type: 'setOptions', options: { random: { cell: 'gru', path: 1 } } }, /options\.random: unknown field "path"/);
      refuses({ type: 'setOptions' }, /setOptions\.options: expected an object, got undefined/);
      refuses({ type: 'setOptions', options: { maxLength: 0 } }, new RegExp(`maxLength: 0 is outside 1\\.\\.${MAX_MAX_LENGTH}`));
      refuses({ type: 'setOptions', options: { maxLength: MAX_MAX_LENGTH + 1 } }, /maxLength: \d+ is outside/);
      refuses({ type: 'setOptions', options: { maxLength: 2.5 } }, /maxLength: expected a whole number, got 2.5/);
      refuses({ type: 'setOptions', options: { maxLength: Infinity } }, /maxLength: expected a whole number, got Infinity/);
      refuses({ type: 'setOptions', options: { maxLength: NaN } }, /got NaN/);
      refuses({ type: 'setOptions', options: { maxLength: '8' } }, /got a string of 1 characters/);
      refuses({ type: 'setOptions', options: { paddingSide: 'middle' } }, /paddingSide: expected one of right, left/);
      refuses({ type: 'setOptions', options: { truncationSide: 1 } }, /truncationSide: expected one of right, left/);
      refuses({ type: 'setOptions', options: { skipPadding: 'yes' } }, /skipPadding: expected true or false/);
      refuses({ type: 'setOptions', options: { addSpecialTokens: 1 } }, /addSpecialTokens: expected true or false/);
      refuses({ type: 'setOptions', options: { random: { cell: 'transformer' } } }, /random\.cell: expected one of rnn, gru, lstm/);
      refuses({ type: 'setOptions', options: { random: { hiddenSize: Infinity } } }, /random\.hiddenSize: expected a number, got Infinity/);
      refuses({ type: 'setOptions', options: { random: { seed: '3' } } }, /random\.seed: expected a number, got a string/);
      refuses({ type: 'setOptions', options: { random: { bidirectional: 1 } } }, /random\.bidirectional: expected true or false/);
      refuses({ type: 'setOptions', options: { random: [] } }, /random: expected an object, got an array/);
    });
  });

  describe('revealToken / highlightToken', () => {
    it('accepts spans inside the text on show, and a cleared highlight', () => {
      assert.deepEqual(accepts({ type: 'revealToken', start: 0, end: 5 }), { type: 'revealToken', start: 0, end: 5 });
      assert.deepEqual(accepts({ type: 'revealToken', start: TEXT.length, end: TEXT.length }), { type: 'revealToken', start: TEXT.length, end: TEXT.length });
      assert.deepEqual(accepts({ type: 'highlightToken', span: { start: 6, end: 18 } }), { type: 'highlightToken', span: { start: 6, end: 18 } });
      assert.deepEqual(accepts({ type: 'highlightToken', span: null }, empty), { type: 'highlightToken', span: null });
    });
    it('refuses spans outside the text, reversed, fractional, or with no result on show', () => {
      refuses({ type: 'revealToken', start: 0, end: TEXT.length + 1 }, new RegExp(`revealToken\\.end: ${TEXT.length + 1} is outside 0\\.\\.${TEXT.length}`));
      refuses({ type: 'revealToken', start: -1, end: 2 }, /revealToken\.start: -1 is outside/);
      refuses({ type: 'revealToken', start: 5, end: 2 }, /end 2 is before start 5/);
      refuses({ type: 'revealToken', start: 0.5, end: 2 }, /expected a whole number/);
      refuses({ type: 'revealToken', start: 0, end: 2 }, /there is no result on show yet/, empty);
      refuses({ type: 'highlightToken', span: { start: 0, end: 1e9 } }, /highlightToken\.span\.end: 1000000000 is outside/);
      refuses({ type: 'highlightToken', span: { start: 0, end: 1, uri: 'file:///etc/passwd' } }, /span: unknown field "uri"/);
      refuses({ type: 'highlightToken', span: [0, 1] }, /expected \{start, end\} or null/);
      refuses({ type: 'highlightToken' }, /expected \{start, end\} or null, got undefined/);
      refuses({ type: 'highlightToken', span: { start: 0, end: 1 } }, /no result on show/, empty);
    });
  });

  describe('lookup', () => {
    it('accepts rows of the table and k from 0 up to the limit', () => {
      assert.deepEqual(accepts({ type: 'lookup', requestId: 2 ** 30, ids: [0, 29], k: 10 }), { type: 'lookup', requestId: 2 ** 30, ids: [0, 29], k: 10 });
      accepts({ type: 'lookup', requestId: 1, ids: [4], k: 0 });
      accepts({ type: 'lookup', requestId: 1, ids: [4], k: MAX_NEIGHBOURS });
    });
    it('refuses ids outside the table, bad k and bad request ids (and names the request so it can be failed)', () => {
      const r = refuses({ type: 'lookup', requestId: 77, ids: [30], k: 5 }, /lookup\.ids\[0\]: expected a row of the 30-row table, got 30/);
      assert.equal(r.requestId, 77);
      refuses({ type: 'lookup', requestId: 1, ids: [-1], k: 5 }, /ids\[0\]: .* got -1/);
      refuses({ type: 'lookup', requestId: 1, ids: [2 ** 32 + 2], k: 5 }, /got 4294967298/);
      refuses({ type: 'lookup', requestId: 1, ids: [1, '2'], k: 5 }, /ids\[1\]: .*got a string/);
      refuses({ type: 'lookup', requestId: 1, ids: [], k: 5 }, new RegExp(`0 ids, expected 1 to ${MAX_LOOKUP_IDS}`));
      refuses({ type: 'lookup', requestId: 1, ids: new Array(MAX_LOOKUP_IDS + 1).fill(0), k: 5 }, /1025 ids/);
      refuses({ type: 'lookup', requestId: 1, ids: { 0: 1, length: 1 }, k: 5 }, /ids: expected an array/);
      refuses({ type: 'lookup', requestId: 1, ids: [1], k: MAX_NEIGHBOURS + 1 }, /lookup\.k: 101 is outside 0\.\.100/);
      refuses({ type: 'lookup', requestId: 1, ids: [1], k: -1 }, /lookup\.k/);
      const bad = refuses({ type: 'lookup', requestId: 1.5, ids: [1], k: 5 }, /lookup\.requestId: expected a whole number, got 1.5/);
      assert.equal(bad.requestId, undefined);
      refuses({ type: 'lookup', requestId: -3, ids: [1], k: 5 }, /requestId: -3 is outside/);
      refuses({ type: 'lookup', requestId: '1', ids: [1], k: 5 }, /requestId: expected a whole number/);
      refuses({ type: 'lookup', ids: [1], k: 5 }, /requestId: expected a whole number, got undefined/);
      refuses({ type: 'lookup', requestId: 1, ids: [1], k: 5 }, /no result on show/, empty);
    });
  });

  // The Neighbours search box: the word goes to a vocabulary scan in the worker, so its length and
  // the number of entries asked for are bounded here (would catch an unbounded scan request).
  describe('search', () => {
    it('accepts a word and a limit, keeping only those fields', () => {
      assert.deepEqual(accepts({ type: 'search', requestId: 2 ** 30, query: 'queen', limit: 40 }), { type: 'search', requestId: 2 ** 30, query: 'queen', limit: 40 });
      accepts({ type: 'search', requestId: 1, query: ' \t', limit: 1 });
      accepts({ type: 'search', requestId: 1, query: 'x'.repeat(MAX_SEARCH_CHARS), limit: MAX_SEARCH_RESULTS });
    });
    it('refuses an empty or too long word, a bad limit, unknown fields, and a search before any result', () => {
      const r = refuses({ type: 'search', requestId: 9, query: '', limit: 5 }, /search\.query: expected a word, got an empty string/);
      assert.equal(r.requestId, 9, 'the request can be failed at once');
      refuses({ type: 'search', requestId: 1, query: 'x'.repeat(MAX_SEARCH_CHARS + 1), limit: 5 }, /search\.query: 257 characters, at most 256/);
      refuses({ type: 'search', requestId: 1, query: ['queen'], limit: 5 }, /search\.query: expected a string, got an array/);
      refuses({ type: 'search', requestId: 1, query: 'queen', limit: 0 }, /search\.limit: 0 is outside 1\.\.200/);
      refuses({ type: 'search', requestId: 1, query: 'queen', limit: MAX_SEARCH_RESULTS + 1 }, /search\.limit/);
      refuses({ type: 'search', requestId: 1, query: 'queen', limit: 5, model: '/etc/passwd' }, /search: unknown field "model"/);
      refuses({ type: 'search', requestId: 1, query: 'queen', limit: 5 }, /no result on show/, empty);
    });
  });

  describe('explain', () => {
    it('accepts a span of the text', () => {
      assert.deepEqual(accepts({ type: 'explain', requestId: 9, start: 6, end: 18 }), { type: 'explain', requestId: 9, start: 6, end: 18 });
    });
    it('refuses spans outside the text', () => {
      assert.equal(refuses({ type: 'explain', requestId: 9, start: 0, end: 1000 }, /explain\.end: 1000 is outside 0\.\.27/).requestId, 9);
      refuses({ type: 'explain', requestId: 9, start: 3, end: 1 }, /before start/);
      refuses({ type: 'explain', requestId: 9, start: 0, end: 1 }, /no result/, empty);
    });
  });

  describe('project', () => {
    it('accepts layers and directions of the encoder, and a vocabulary sample for embeddings', () => {
      const m = { type: 'project', requestId: 3, what: 'hidden', layer: 1, direction: 1, vocabSample: 0 };
      assert.deepEqual(accepts(m), m);
      accepts({ type: 'project', requestId: 3, what: 'embeddings', layer: 0, direction: 0, vocabSample: MAX_VOCAB_SAMPLE });
    });
    it('refuses layers, directions and samples out of range, and unknown kinds', () => {
      refuses({ type: 'project', requestId: 3, what: 'hidden', layer: 2, direction: 0, vocabSample: 0 }, /project\.layer: 2 is outside 0\.\.1/);
      refuses({ type: 'project', requestId: 3, what: 'hidden', layer: 0, direction: 2, vocabSample: 0 }, /project\.direction: 2 is outside 0\.\.1/);
      refuses({ type: 'project', requestId: 3, what: 'hidden', layer: 0, direction: 0, vocabSample: 500 }, /vocabSample: 500 is outside 0\.\.0/);
      refuses({ type: 'project', requestId: 3, what: 'embeddings', layer: 0, direction: 0, vocabSample: MAX_VOCAB_SAMPLE + 1 }, /vocabSample: 10001 is outside/);
      refuses({ type: 'project', requestId: 3, what: 'attention', layer: 0, direction: 0, vocabSample: 0 }, /project\.what: expected one of embeddings, hidden/);
      refuses({ type: 'project', requestId: 3, what: 'hidden', layer: 0, direction: 1, vocabSample: 0 }, /direction: 1 is outside 0\.\.0/, { ...ctx, result: { ...ctx.result!, directions: 1 } });
    });
  });

  describe('copyIds', () => {
    // Would catch: a copy request that carries its own text (the clipboard must hold the host's
    // ids, not what a webview made up), an unknown format, or one accepted with no result on show.
    it('accepts the two formats with the id of the result on show', () => {
      for (const format of ['python', 'json']) assert.deepEqual(accepts({ type: 'copyIds', requestId: 1_000_001, format }), { type: 'copyIds', requestId: 1_000_001, format });
    });
    it('refuses text, other formats, bad ids, and copying before a result', () => {
      refuses({ type: 'copyIds', requestId: 1, format: 'python', text: 'rm -rf ~' }, /unknown field "text"/);
      refuses({ type: 'copyIds', requestId: 1, format: 'csv' }, /copyIds\.format: expected one of python, json/);
      refuses({ type: 'copyIds', requestId: -1, format: 'json' }, /copyIds\.requestId/);
      refuses({ type: 'copyIds', format: 'json' }, /copyIds\.requestId/);
      refuses({ type: 'copyIds', requestId: 1, format: 'json' }, /copyIds/, empty);
    });
  });

  describe('export', () => {
    it('accepts every listed format, with an image only for png', () => {
      for (const format of EXPORT_FORMATS.filter(f => f !== 'png')) assert.deepEqual(accepts({ type: 'export', requestId: 4, format }), { type: 'export', requestId: 4, format });
      const png = new ArrayBuffer(16);
      assert.deepEqual(accepts({ type: 'export', requestId: 4, format: 'png', png }), { type: 'export', requestId: 4, format: 'png', png });
    });
    it('refuses unknown formats, images that are not bytes or too big, and images with other formats', () => {
      refuses({ type: 'export', requestId: 4, format: 'exe' }, /export\.format: expected one of npy, safetensors, csv, json, png, python, projector, got a string of 3/);
      refuses({ type: 'export', requestId: 4, format: 'png' }, /export\.png: expected the image's bytes \(an ArrayBuffer\), got undefined/);
      refuses({ type: 'export', requestId: 4, format: 'png', png: 'data:image/png;base64,AAAA' }, /expected the image's bytes/);
      refuses({ type: 'export', requestId: 4, format: 'png', png: new ArrayBuffer(0) }, /0 bytes, expected 1 to/);
      refuses({ type: 'export', requestId: 4, format: 'png', png: { byteLength: MAX_PNG_BYTES + 1 } }, /expected the image's bytes/);
      refuses({ type: 'export', requestId: 4, format: 'csv', png: new ArrayBuffer(4) }, /only a png export carries an image/);
      refuses({ type: 'export', requestId: 4, format: 'csv' }, /no result on show/, empty);
    });
  });

  describe('drewTokens', () => {
    it('accepts a request id and a token count, and refuses anything else', () => {
      assert.deepEqual(accepts({ type: 'drewTokens', requestId: 1_000_001, tokens: 49_214 }, empty), { type: 'drewTokens', requestId: 1_000_001, tokens: 49_214 });
      refuses({ type: 'drewTokens', requestId: 1, tokens: -1 }, /drewTokens\.tokens: -1 is outside/);
      refuses({ type: 'drewTokens', requestId: 1, tokens: 2, ids: [] }, /unknown field "ids"/);
    });
  });

  describe('compare', () => {
    it('accepts two offered choices: models the options bar lists, or tokenizer:NAME of the named encodings', () => {
      const m = { type: 'compare', requestId: (1 << 30) + (1 << 29), a: 'builtin:seed', b: 'tokenizer:o200k_base' };
      assert.deepEqual(accepts(m, empty), m);
      assert.deepEqual(accepts({ type: 'compare', requestId: 3, a: 'tokenizer:gpt2', b: '/models/mine' }), { type: 'compare', requestId: 3, a: 'tokenizer:gpt2', b: '/models/mine' });
    });
    it('refuses paths and names the host did not offer (the webview must not choose files to read)', () => {
      // Would catch: a webview reading any file by sending its path as a side.
      refuses({ type: 'compare', requestId: 3, a: 'builtin:seed', b: '/etc/passwd' }, /compare\.b: "\/etc\/passwd" is not one of the models or tokenizers offered/);
      refuses({ type: 'compare', requestId: 3, a: 'tokenizer:/etc/passwd', b: 'builtin:seed' }, /compare\.a: .* is not one of the models or tokenizers offered/);
      refuses({ type: 'compare', requestId: 3, a: 'tokenizer:gpt5', b: 'builtin:seed' }, /compare\.a/);
      refuses({ type: 'compare', requestId: 3, a: 'builtin:seed' }, /compare\.b: expected a string, got undefined/);
      refuses({ type: 'compare', requestId: 3, a: 'builtin:seed', b: 'builtin:seed', text: 'x' }, /unknown field "text"/);
      const r = refuses({ type: 'compare', requestId: 9, a: 7, b: 'builtin:seed' }, /compare\.a: expected a string, got 7/);
      assert.equal(r.requestId, 9, 'the refusal names the request so the panel is answered at once');
    });
  });

  describe('drewCompare', () => {
    it('accepts the counts the panel drew, and refuses a differ count above the groups', () => {
      const m = { type: 'drewCompare', requestId: 1_000_003, a: 19, b: 12, groups: 11, differ: 4 };
      assert.deepEqual(accepts(m, empty), m);
      refuses({ ...m, differ: 12 }, /drewCompare\.differ: 12 is outside 0\.\.11/);
      refuses({ ...m, a: -1 }, /drewCompare\.a: -1 is outside/);
    });
  });

  describe('rendered', () => {
    it('accepts the panel\u2019s report of what it drew', () => {
      const m = { type: 'rendered', requestId: 1_000_001, inputIds: [1, 2, 0, 0], tokens: 2 };
      assert.deepEqual(accepts(m, empty), m);
    });
    it('refuses ids that are not u32 and counts that are not whole', () => {
      refuses({ type: 'rendered', requestId: 1, inputIds: [1, -2], tokens: 2 }, /rendered\.inputIds\[1\]: expected an id, got -2/);
      refuses({ type: 'rendered', requestId: 1, inputIds: [2 ** 32], tokens: 1 }, /inputIds\[0\]/);
      refuses({ type: 'rendered', requestId: 1, inputIds: 'x', tokens: 1 }, /inputIds: expected an array/);
      refuses({ type: 'rendered', requestId: 1, inputIds: [], tokens: -1 }, /rendered\.tokens: -1 is outside/);
    });
  });

  it('never throws, whatever it is given', () => {
    const throwing: PanelMessageContext = { result: ctx.result, models: () => { throw new Error('settings unreadable'); } };
    const r = checkPanelMessage({ type: 'setOptions', model: 'builtin:seed', options: {} }, throwing);
    assert.ok(!r.ok);
    assert.match(r.why, /could not be read \(settings unreadable\)/);
    const cyclic: Record<string, unknown> = { type: 'setOptions' };
    cyclic.options = cyclic;
    assert.doesNotThrow(() => checkPanelMessage(cyclic, ctx));
  });

  describe('showSeedExample / follow', () => {
    it('accepts them as the panel sends them', () => {
      assert.deepEqual(accepts({ type: 'showSeedExample' }, empty), { type: 'showSeedExample' });
      assert.deepEqual(accepts({ type: 'follow', on: true }, empty), { type: 'follow', on: true });
      assert.deepEqual(accepts({ type: 'follow', on: false }, empty), { type: 'follow', on: false });
    });
    it('refuses extra fields and a follow that is not a boolean', () => {
      // Would catch: a seed example that smuggles in a model or text.
      refuses({ type: 'showSeedExample', model: '/etc' }, /showSeedExample: unknown field "model"/);
      refuses({ type: 'follow', on: 'yes' }, /follow\.on: expected true or false, got a string/);
      refuses({ type: 'follow' }, /follow\.on: expected true or false, got undefined/);
    });
  });

  describe('checkPanelState: a reloaded panel\'s saved state', () => {
    const source = { uri: 'file:///w/seed.txt', label: 'seed.txt:2', offset: 7 };
    it('keeps the text, source, follow and a built-in panel-only model', () => {
      const s = checkPanelState({ tab: 'matrix', last: { text: TEXT, source }, follow: true, panelOnly: { model: 'builtin:seed', options: { maxLength: 8, paddingSide: 'right' } } });
      assert.deepEqual(s.last, { text: TEXT, source });
      assert.equal(s.follow, true);
      assert.equal(s.panelOnly?.model, 'builtin:seed');
      assert.equal(s.panelOnly?.options.maxLength, 8);
    });
    it('drops what the webview could use to make the host read files or run away', () => {
      // Would catch: a saved state that picks a model path, a command: URI or a huge text.
      assert.equal(checkPanelState({ panelOnly: { model: '/etc/passwd', options: {} } }).panelOnly, undefined);
      assert.equal(checkPanelState({ panelOnly: { model: 'builtin:seed', options: { maxLength: 1e9 } } }).panelOnly, undefined);
      assert.equal(checkPanelState({ last: { text: TEXT, source: { ...source, uri: 'command:workbench.action.quit' } } }).last?.source.uri, null);
      assert.equal(checkPanelState({ last: { text: 'x'.repeat(LIMITS.textChars), source } }).last, undefined);
      assert.equal(checkPanelState({ last: { text: 42, source } }).last, undefined);
      for (const v of [undefined, null, 'state', [], 7]) assert.deepEqual(checkPanelState(v), {});
      assert.equal(checkPanelState({ follow: 'yes' }).follow, undefined);
    });
  });

  describe('checkSavedStage: the input-layer stage a reloaded panel shows again', () => {
    const stages = ['word', '+ position', '+ type', 'LayerNorm'];
    it('keeps a stage the result on show has', () => {
      assert.equal(checkSavedStage({ tab: 'matrix', inputStage: 'LayerNorm' }, stages), 'LayerNorm');
      assert.equal(checkSavedStage({ inputStage: '+ position' }, stages), '+ position');
    });
    it('drops a stage the result does not have, a near miss, or a value that is not a name', () => {
      // Would catch: a saved name used without a check (markup, a stage of another model).
      assert.equal(checkSavedStage({ inputStage: '+ type' }, ['word', '+ position', 'LayerNorm']), undefined);
      assert.equal(checkSavedStage({ inputStage: 'layernorm' }, stages), undefined);
      assert.equal(checkSavedStage({ inputStage: '<img src=x onerror=alert(1)>' }, stages), undefined);
      for (const v of [3, null, ['LayerNorm'], { name: 'LayerNorm' }]) assert.equal(checkSavedStage({ inputStage: v }, stages), undefined);
      for (const v of [undefined, null, 'LayerNorm', [], 7]) assert.equal(checkSavedStage(v, stages), undefined);
      assert.equal(checkSavedStage({ inputStage: 'LayerNorm' }, []), undefined);
    });
  });
});
