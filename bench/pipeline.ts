/**
 * The tokenizer.json pipeline's own speed (added tokens, normalizers, pre-tokenizers, offsets):
 * a WordLevel model — one Map lookup per piece, so nearly all the time is the pipeline — behind
 * Whitespace, and behind NFKC + Lowercase + Whitespace, against @huggingface/tokenizers (pure
 * JavaScript) and the Rust `tokenizers` binding, on the reference corpus, measured in the same
 * run. The vocabulary is the Rust library's own pieces of the corpus; ids, tokens and offsets are
 * checked identical to Rust's first. Times are CPU time of this process (the Rust binding works
 * on a libuv thread of the same process).
 *
 *   npm run bench:pipeline
 */
import { Tokenizer as HfJsTokenizer } from '@huggingface/tokenizers';
import { tokenizerFromJson } from '../src/core/tokenizers/loadTokenizer';
import { referenceCorpus, utf8Bytes } from '../test/corpus/corpus';
import { rustEncode, rustTokenizer } from '../test/unit/tokenizers/reference';

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

async function bench(name: string, json: Record<string, unknown>): Promise<void> {
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

  for (const d of docs) {
    const want = await rustEncode(rust, d.text, false);
    const got = ours.encode(d.text);
    const same = got.length === want.ids.length && got.every((t, i) => t.id === want.ids[i] && t.text === want.tokens![i] && t.start === want.offsets![i]![0] && t.end === want.offsets![i]![1]);
    if (!same) throw new Error(`${name}: ours differs from Rust on ${d.name}`);
    if (hf && JSON.stringify(hf.encode(d.text, { add_special_tokens: false }).ids) !== JSON.stringify(want.ids)) console.log(`note: @huggingface/tokenizers differs from Rust on ${d.name}`);
  }

  const passOurs = () => docs.forEach(d => ours.encode(d.text));
  const passHf = () => docs.forEach(d => hf!.encode(d.text, { add_special_tokens: false }));
  const passRust = async () => {
    for (const d of docs) await rust.encode(d.text, null, { addSpecialTokens: false });
  };
  const best = async (f: () => unknown, n: number) => {
    let s = Infinity;
    for (let i = 0; i < n; i++) s = Math.min(s, await cpuSecondsAsync(async () => void (await f())));
    return s;
  };
  const oursFirst = cpuSeconds(passOurs);
  const oursSteady = await best(passOurs, 8);
  const hfSteady = hf ? await best(passHf, 3) : NaN;
  const rustSteady = await best(passRust, 3);
  const rate = (s: number) => `${(mb / s).toFixed(2)} MB/s`.padStart(12);
  console.log(`${name}: ${mb.toFixed(2)} MB in ${docs.length} documents; ids, tokens and offsets identical to Rust's`);
  console.log(`  ours                      ${rate(oursSteady)}  (first pass ${rate(oursFirst).trim()})`);
  console.log(`  @huggingface/tokenizers   ${rate(hfSteady)}`);
  console.log(`  Rust binding (tokenizers) ${rate(rustSteady)}`);
  console.log(`  ours vs @huggingface/tokenizers ${(hfSteady / oursSteady).toFixed(1)}x, vs Rust binding ${(rustSteady / oursSteady).toFixed(1)}x`);
}

async function main(): Promise<void> {
  await bench('WordLevel + Whitespace', wordLevelJson(null, { type: 'Whitespace' }));
  await bench('WordLevel + NFKC + Lowercase + Whitespace', wordLevelJson({ type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] }, { type: 'Whitespace' }));
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
