// The held-out GGUF set (test/fixtures/gguf-heldout, written by scripts/fixtures/heldout_gguf.py
// with the ggml authors' gguf package: real tokenizers, quantized token_embd) through the built CLI
// as a user runs it: `inspect --model FILE --format json` and `tokenize --model FILE`, the text on
// stdin. Ids and offsets must equal the Rust `tokenizers` library on the original tokenizer.json
// (plus the special tokens the file's add_bos/add_eos make llama.cpp add), every embedding row
// must be bit-identical to `gguf.quants.dequantize`'s. The checks are scripts/heldout-gguf.mjs's
// (loaded as the ES module it is), so the standalone runner and this test cannot drift apart.
// Lines where llama.cpp differs from Hugging Face by design are skipped as
// test/unit/ggufTokenizer.test.ts skips them: qwen2's NFC normalizer (lines not in NFC), BERT's
// accent stripping and 100-character words (lines that are not ASCII or have such a word).
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync, gunzipSync } from 'node:zlib';
import { referenceCorpus } from '../corpus/corpus';
import { fixture, repoRoot } from './helpers';

interface Manifest {
  name: string;
  gguf: string;
  rows: string;
  tokenizer_json: string;
  title: string;
  quant: string;
  embedding_length: number;
  vocab_size: number;
  period: number;
  special: { prefix: number[]; suffix: number[] };
  skip: 'nfc' | 'bert-ascii' | null;
}

interface CheckResult {
  tokens: number;
  rows: number;
  distinctRows: number;
  chars: number;
}

interface HeldOutModule {
  heldOutManifests(dir: string): Manifest[];
  sampleText(docs: readonly { name: string; text: string }[], skip: Manifest['skip'], perDoc?: number): string;
  HARD_LINES: { name: string; text: string };
  checkHeldOutFile(dir: string, m: Manifest, text: string, options?: { cli?: string; timeoutMs?: number }): Promise<CheckResult>;
}

const DIR = fixture('gguf-heldout');
const CLI = path.join(repoRoot(), 'dist', 'cli.js');
const SCRIPT = path.join(repoRoot(), 'scripts', 'heldout-gguf.mjs');
/** Lines per corpus document: a few thousand tokens per file (each spawn prints T × E numbers). */
const PER_DOC = 6;

// Read here (not through the module) so the cases exist when mocha collects them.
const MANIFESTS: Manifest[] = readdirSync(DIR)
  .filter(f => f.endsWith('.json'))
  .sort()
  .map(f => ({ name: f.slice(0, -5), ...(JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as Omit<Manifest, 'name'>) }));

let mod: HeldOutModule | undefined;
async function heldOut(): Promise<HeldOutModule> {
  // A real dynamic import of the .mjs (esbuild leaves a computed specifier alone).
  const url = pathToFileURL(SCRIPT).href;
  mod ??= (await import(url)) as HeldOutModule;
  return mod;
}

describe('held-out GGUF files (test/fixtures/gguf-heldout) through the built CLI', function () {
  // Every case spawns the CLI twice on files of up to 38 MB; the machine is shared.
  this.timeout(600_000);

  before(() => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
  });

  // Catches: a generator run that dropped files, or a set that no longer covers the types it claims.
  it('has the committed set: seven files, five tokenizer families, seven quantized types', async () => {
    const m = (await heldOut()).heldOutManifests(DIR);
    assert.deepEqual(m.map(x => x.name), MANIFESTS.map(x => x.name));
    assert.deepEqual(m.map(x => x.name), ['bert-q3_k', 'bert-q4_1', 'bert-q8_0', 'gpt2-q2_k', 'llama2-q5_0', 'llama3-q4_k', 'qwen3-q6_k']);
    assert.deepEqual(m.map(x => x.quant).sort(), ['Q2_K', 'Q3_K', 'Q4_1', 'Q4_K', 'Q5_0', 'Q6_K', 'Q8_0']);
  });

  for (const m of MANIFESTS) {
    // Catches: a wrong dequantization (scales, mins, bit layout) of this type, rows read at the
    // wrong offset, a token list decoded wrongly from the file (the llama2 file caught a leading
    // U+FEFF dropped by TextDecoder), add_bos / add_eos not followed, offsets off by a character.
    it(`${m.name}: ${m.title} — ids and offsets equal the Rust library, rows bit-identical to gguf.quants.dequantize`, async () => {
      const lib = await heldOut();
      // The corpus lines, and the lines every check includes (a U+FEFF token, …).
      const text = lib.sampleText([...referenceCorpus(), lib.HARD_LINES], m.skip, PER_DOC);
      const r = await lib.checkHeldOutFile(DIR, m, text, { cli: CLI });
      // Enough text to mean something, and most of the P distinct rows seen.
      assert.ok(r.tokens > 1500, `${m.name}: only ${r.tokens} tokens`);
      assert.ok(r.distinctRows >= Math.floor(0.9 * m.period), `${m.name}: ${r.distinctRows} of ${m.period} distinct rows`);
    });
  }

  // Catches: a check that passes whatever the CLI prints (the comparison itself is tested here).
  it('the check fails, naming the row, when one expected bit differs; and names the token when an id differs', async () => {
    const lib = await heldOut();
    const m = MANIFESTS.find(x => x.name === 'bert-q4_1');
    assert.ok(m);
    const dir = mkdtempSync(path.join(tmpdir(), 'el-heldout-bad-'));
    try {
      copyFileSync(path.join(DIR, m.gguf), path.join(dir, m.gguf));
      writeFileSync(path.join(dir, 'tokenizer.json'), readFileSync(path.join(repoRoot(), m.tokenizer_json)));
      const npy = gunzipSync(readFileSync(path.join(DIR, m.rows)));
      // "hello" is id 7592 in bert-base-uncased: flip the lowest bit of its row's first value.
      const headerEnd = 10 + npy.readUInt16LE(8);
      const at = headerEnd + (7592 % m.period) * m.embedding_length * 4;
      npy[at] = npy[at]! ^ 1;
      writeFileSync(path.join(dir, m.rows), gzipSync(npy));
      const bad = { ...m, tokenizer_json: 'tokenizer.json' };
      await assert.rejects(lib.checkHeldOutFile(dir, bad, 'hello world', { cli: CLI }), /bert-q4_1: row of id 7592 \(token 1\), column 0: ours .* gguf\.quants\.dequantize/);
      // The special tokens the manifest expects, changed: the first token differs.
      writeFileSync(path.join(dir, m.rows), readFileSync(path.join(DIR, m.rows)));
      await assert.rejects(lib.checkHeldOutFile(dir, { ...bad, special: { prefix: [], suffix: [102] } }, 'hello world', { cli: CLI }), /bert-q4_1: token 0 of 4 \(reference 3\): ours \{"id":101/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
