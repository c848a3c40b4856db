/**
 * The tokenizer.json pipeline's own speed (added tokens, normalizers, pre-tokenizers, offsets):
 * a WordLevel model — one Map lookup per piece, so nearly all the time is the pipeline — behind
 * Whitespace, and behind NFKC + Lowercase + Whitespace, against @huggingface/tokenizers (pure
 * JavaScript) and the Rust `tokenizers` binding, on the reference corpus, measured in the same
 * run, the same number of passes on each side (medians). The vocabulary is the Rust library's own pieces of the corpus; ids, tokens and offsets are
 * checked identical to Rust's first. Times are CPU time of this process (the Rust binding works
 * on a libuv thread of the same process).
 *
 *   npm run bench:pipeline
 */
import { Tokenizer as HfJsTokenizer } from '@huggingface/tokenizers';
import { tokenizerFromJson } from '../src/core/tokenizers/loadTokenizer';
import { referenceCorpus, utf8Bytes } from '../test/corpus/corpus';
import { rustEncode, rustTokenizer } from '../test/unit/tokenizers/reference';
import { standardTable } from './table.mjs';

/** Passes per engine (the same for all). */
const RUNS = 5;

const SPECIALS = ['[UNK]', '[CLS]', '[SEP]'].map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));

/** A WordLevel tokenizer.json whose vocabulary is every piece the Rust library makes of the corpus. */
function wordLevelJson(normalizer: unknown, pre: unknown): Record<string, unknown> {
  const json = (vocab: Record<string, number>) => ({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS,
    normalizer,
    pre_tokenizer: pre,
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 2], cls: ['[CLS]', 1] },
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  });
  const probe = rustTokenizer(json({ '[UNK]': 0 }));
  const vocab: Record<string, number> = { '[UNK]': 0, '[CLS]': 1, '[SEP]': 2 };
  let next = 3;
  for (const d of referenceCorpus()) {
    const text = probe.getNormalizer()?.normalizeString(d.text) ?? d.text;
    for (const [p] of probe.getPreTokenizer()!.preTokenizeString(text)) if (!Object.hasOwn(vocab, p)) vocab[p] = next++;
  }
  return json(vocab);
}

function cpuSeconds(f: () => void): number {
  const t = process.cpuUsage();
  f();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / 1e6;
}

async function cpuSecondsAsync(f: () => Promise<void>): Promise<number> {
  const t = process.cpuUsage();
  await f();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / 1e6;
}

async function bench(name: string, json: Record<string, unknown>): Promise<string[][]> {
  const docs = referenceCorpus().filter(d => d.text.length > 0);
  const mb = docs.reduce((n, d) => n + utf8Bytes(d.text), 0) / 1e6;
  const ours = tokenizerFromJson(json, 'bench');
  const rust = rustTokenizer(json);
  let hf: HfJsTokenizer | undefined;
  try {
    hf = new HfJsTokenizer(json, {});
  } catch (e) {
    console.log(`note: @huggingface/tokenizers cannot load it: ${(e as Error).message}`);
  }

  // A document on which @huggingface/tokenizers' ids differ from Rust's is left out of its
  // comparison, for both sides, and named.
  const hfDocs: typeof docs = [];
  const hfOff: string[] = [];
  for (const d of docs) {
    const want = await rustEncode(rust, d.text, false);
    const got = ours.encode(d.text);
    const same = got.length === want.ids.length && got.every((t, i) => t.id === want.ids[i] && t.text === want.tokens![i] && t.start === want.offsets![i]![0] && t.end === want.offsets![i]![1]);
    if (!same) throw new Error(`${name}: ours differs from Rust on ${d.name}`);
    if (hf && JSON.stringify(hf.encode(d.text, { add_special_tokens: false }).ids) !== JSON.stringify(want.ids)) hfOff.push(d.name);
    else hfDocs.push(d);
  }

  const passOurs = () => docs.forEach(d => ours.encode(d.text));
  const passHf = () => hfDocs.forEach(d => hf!.encode(d.text, { add_special_tokens: false }));
  const passOursHf = () => hfDocs.forEach(d => ours.encode(d.text));
  const mbHf = hfDocs.reduce((n, d) => n + utf8Bytes(d.text), 0) / 1e6;
  const passRust = async () => {
    for (const d of docs) await rust.encode(d.text, null, { addSpecialTokens: false });
  };
  // The same number of runs for every engine, interleaved; medians. Every pass reuses the one
  // tokenizer object of each engine, after the id check ran each once: warm (JIT, and our
  // process-wide per-character tables such as NFKC's). No engine's WordLevel model has a word
  // cache, so there is no cold/new-tokenizer figure here: bench/tokenize.ts measures those.
  const runs = { ours: [] as number[], oursHf: [] as number[], hf: [] as number[], rust: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    runs.ours.push(cpuSeconds(passOurs));
    if (hf) {
      runs.oursHf.push(cpuSeconds(passOursHf));
      runs.hf.push(cpuSeconds(passHf));
    }
    runs.rust.push(await cpuSecondsAsync(passRust));
  }
  const oursMed = median(runs.ours);
  const hfMed = hf ? median(runs.hf) : NaN;
  const rustMed = median(runs.rust);
  const oursHfMed = hf ? median(runs.oursHf) : NaN;
  const rate = (s: number, size = mb) => `${(size / s).toFixed(2)} MB/s`;
  const cond = `CPU time, medians of ${RUNS} passes on each side, interleaved; warm: one tokenizer object per engine for every pass, after the id check; ids, tokens and offsets identical to Rust's`;
  const rows: string[][] = [
    [`tokenizer.json pipeline, ${name} (${mb.toFixed(2)} MB)`, rate(oursMed), `Rust binding (tokenizers): ${rate(rustMed)}`, `${(rustMed / oursMed).toFixed(2)}×`, cond],
  ];
  if (hf) {
    const off = hfOff.length ? `; excluded (@huggingface/tokenizers' ids differ from Rust's): ${hfOff.length} of ${docs.length} documents (${hfOff.slice(0, 3).join(', ')}${hfOff.length > 3 ? ', …' : ''})` : '';
    rows.push([`tokenizer.json pipeline, ${name} (${mbHf.toFixed(2)} MB)`, rate(oursHfMed, mbHf), `@huggingface/tokenizers: ${rate(hfMed, mbHf)}`, `${(hfMed / oursHfMed).toFixed(2)}×`, cond + off]);
  }
  return rows;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const rows = [
    ...(await bench('WordLevel + Whitespace', wordLevelJson(null, { type: 'Whitespace' }))),
    ...(await bench('WordLevel + NFKC + Lowercase + Whitespace', wordLevelJson({ type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] }, { type: 'Whitespace' }))),
  ];
  console.log(standardTable(rows));
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
