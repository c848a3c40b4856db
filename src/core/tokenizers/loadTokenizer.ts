import { LensError } from '../errors';
import { readText, type FileAccess } from '../fileAccess';
import { parseJsonFileDeferring } from '../safeJson';
import { bpeModelFromJson } from './models/bpe';
import { readMergeText, type MergeText } from './models/mergeText';
import type { TokenizerModel } from './models/model';
import { unigramModelFromJson } from './models/unigram';
import { Vocab } from './models/vocab';
import { WordLevelModel } from './models/wordLevel';
import { wordPieceModelFromJson } from './models/wordPiece';
import { addedTokensFromJson } from './addedTokens';
import { bertVocabTokenizer, isWordPieceVocab } from './bert';
import { lowercaseNormalizer, normalizerFromJson } from './normalizers';
import { PipelineTokenizer, type AddedToken } from './pipelineTokenizer';
import { postProcessorFromJson } from './postProcessors';
import { preTokenizerFromJson, whitespacePreTokenizer } from './preTokenizers';
import { tokenId } from './tokenIds';
import type { Tokenizer } from './types';

/** Names a vocabulary may give its unknown and pad tokens, in the order we look for them. */
export const UNK_CANDIDATES = ['[UNK]', '<unk>', '<UNK>', 'UNK', '<|unk|>'];
export const PAD_CANDIDATES = ['[PAD]', '<pad>', '<PAD>', 'PAD', '[pad]', '<|pad|>', '<|padding|>'];
const SPECIAL_CANDIDATES = [...UNK_CANDIDATES, ...PAD_CANDIDATES, '[CLS]', '[SEP]', '[MASK]', '<s>', '</s>', '<mask>'];

/** The file names a model folder may hold its tokenizer in, in order of preference. */
export const TOKENIZER_FILES = ['tokenizer.json', 'vocab.json', 'vocab.txt'];

/** Loads a tokenizer from a tokenizer.json, vocab.json or vocab.txt file (by its name). */
export async function loadTokenizerFile(files: FileAccess, path: string, options: { lowercase?: boolean } = {}): Promise<Tokenizer> {
  const name = files.basename(path);
  const text = await readText(files, path);
  if (name.endsWith('.txt')) return vocabTxtTokenizer(text, path, options);
  // A BPE model's merges (most of a large file) are read from the text, not by JSON.parse.
  const { json, deferred } = parseJsonFileDeferring(text, path, ['model', 'merges'], readMergeText);
  if (typeof json === 'object' && json !== null && 'model' in json) return tokenizerFromJson(json, path, deferred);
  if (name === 'tokenizer.json') throw new LensError('badFile', `${path}: expected a Hugging Face tokenizer.json with a "model" object`);
  return vocabJsonTokenizer(json, path, options);
}

/** Finds a tokenizer in a model folder (tokenizer.json, else vocab.json, else vocab.txt); undefined if none. */
export async function findTokenizerFile(files: FileAccess, dir: string): Promise<string | undefined> {
  for (const name of TOKENIZER_FILES) {
    const p = files.join(dir, name);
    const st = await files.stat(p);
    if (st && !st.isDirectory) return p;
  }
  return undefined;
}

/**
 * Builds a tokenizer from a parsed tokenizer.json. Unsupported components are errors naming them.
 * The tokenizer keeps the model's `vocab` object as its token → id table (no copy): do not
 * change `json` afterwards. `mergeText`: the BPE merges as read from the file's text, when
 * `json.model.merges` is null (see `parseJsonFileDeferring`).
 */
export function tokenizerFromJson(json: unknown, file: string, mergeText?: MergeText): Tokenizer {
  const j = json as Record<string, unknown>;
  const model = modelFromJson(j.model, file, mergeText);
  const addedTokens = addedTokensFromJson(j.added_tokens, file, model);
  const padding = j.padding as { pad_id?: unknown; pad_token?: unknown } | null | undefined;
  let padToken: { id: number; text: string } | undefined;
  if (padding && padding.pad_id !== undefined) {
    padToken = { id: tokenId(padding.pad_id, file, '"padding" "pad_id"', true), text: typeof padding.pad_token === 'string' ? padding.pad_token : String(padding.pad_id) };
  } else {
    padToken = findNamed(PAD_CANDIDATES, t => addedTokens.find(a => a.content === t)?.id ?? model.tokenToId(t));
  }
  return new PipelineTokenizer({
    description: `tokenizer.json (${model.type})`,
    source: file,
    normalizer: normalizerFromJson(j.normalizer, file),
    preTokenizer: preTokenizerFromJson(j.pre_tokenizer, file),
    model,
    postProcessor: postProcessorFromJson(j.post_processor, file),
    addedTokens,
    padToken,
  });
}

function modelFromJson(json: unknown, file: string, mergeText: MergeText | undefined): TokenizerModel {
  const m = json as Record<string, unknown> | undefined;
  if (typeof m !== 'object' || m === null) throw new LensError('badFile', `${file}: expected a "model" object`);
  switch (m.type) {
    case 'WordLevel': {
      if (typeof m.vocab !== 'object' || m.vocab === null || Array.isArray(m.vocab)) throw new LensError('badFile', `${file}: WordLevel model needs "vocab": { token: id }, got ${Array.isArray(m.vocab) ? 'a list' : JSON.stringify(m.vocab ?? null)}`);
      if (m.unk_token !== undefined && m.unk_token !== null && typeof m.unk_token !== 'string') {
        throw new LensError('badFile', `${file}: WordLevel model's "unk_token" is ${JSON.stringify(m.unk_token)}, expected a string (a token of the vocabulary)`);
      }
      const vocab = Vocab.fromObject(m.vocab as Record<string, unknown>, file);
      return new WordLevelModel(vocab, typeof m.unk_token === 'string' ? m.unk_token : undefined, file);
    }
    case 'WordPiece':
      return wordPieceModelFromJson(m, file);
    case 'Unigram':
      return unigramModelFromJson(m, file);
    case 'BPE':
      return bpeModelFromJson(m, file, mergeText);
    default:
      throw new LensError('unsupported', `${file}: model type ${JSON.stringify(m.type)} is not supported yet (supported: BPE, WordPiece, Unigram, WordLevel)`);
  }
}

function findNamed(candidates: readonly string[], lookup: (t: string) => number | undefined): { id: number; text: string } | undefined {
  for (const text of candidates) {
    const id = lookup(text);
    if (id !== undefined) return { id, text };
  }
  return undefined;
}

/** A word-level tokenizer over a vocabulary file: words and punctuation runs, looked up whole. */
function wordLevelTokenizer(vocab: Vocab, file: string, description: string, lowercase: boolean): Tokenizer {
  const unk = findNamed(UNK_CANDIDATES, t => vocab.id(t));
  const pad = findNamed(PAD_CANDIDATES, t => vocab.id(t));
  const addedTokens: AddedToken[] = [];
  for (const c of SPECIAL_CANDIDATES) {
    const id = vocab.id(c);
    if (id !== undefined) addedTokens.push({ id, content: c, special: true });
  }
  return new PipelineTokenizer({
    description: `${description} (word level${lowercase ? ', lowercased' : ''})`,
    source: file,
    normalizer: lowercase ? lowercaseNormalizer : undefined,
    preTokenizer: whitespacePreTokenizer,
    model: new WordLevelModel(vocab, unk?.text, file),
    addedTokens,
    padToken: pad,
  });
}

/** vocab.txt: one token per line, id = line number (0-based). */
export function vocabTxtTokenizer(text: string, file: string, options: { lowercase?: boolean } = {}): Tokenizer {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new LensError('badFile', `${file}: empty vocabulary, expected one token per line`);
  const seen = new Map<string, number>();
  lines.forEach((token, id) => {
    const first = seen.get(token);
    if (first !== undefined) throw new LensError('badFile', `${file}: token ${JSON.stringify(token)} is on line ${first + 1} and again on line ${id + 1}`);
    seen.set(token, id);
  });
  // `##name` entries are WordPiece continuations: a BERT vocabulary, tokenized as BERT does (do_lower_case defaults to true there).
  if (isWordPieceVocab(seen.keys())) return bertVocabTokenizer(new Vocab(seen, file), file, options.lowercase ?? true);
  return wordLevelTokenizer(new Vocab(seen, file), file, 'vocab.txt', options.lowercase ?? false);
}

/** vocab.json: { token: id }. */
export function vocabJsonTokenizer(json: unknown, file: string, options: { lowercase?: boolean } = {}): Tokenizer {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new LensError('badFile', `${file}: expected a JSON object { token: id }`);
  }
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length === 0) throw new LensError('badFile', `${file}: empty vocabulary, expected { token: id }`);
  for (const [token, id] of entries) {
    // Numbers out of range get Vocab's message, which names the value as written.
    if (typeof id !== 'number') throw new LensError('badFile', `${file}: token ${JSON.stringify(token)} maps to ${JSON.stringify(id)}, expected an integer id`);
  }
  return wordLevelTokenizer(new Vocab(entries as [string, number][], file), file, 'vocab.json', options.lowercase ?? false);
}

/** A word-level tokenizer over a word-vector file's own words (row i = id i). */
export function wordListTokenizer(words: readonly string[], file: string, description: string): Tokenizer {
  const entries: [string, number][] = [];
  const seen = new Set<string>();
  words.forEach((w, i) => {
    if (!seen.has(w)) {
      seen.add(w);
      entries.push([w, i]);
    }
  });
  // Lowercase when the file has no uppercase words at all (GloVe 6B is lowercased), so "King" finds "king".
  const lowercase = !words.some(w => w !== w.toLowerCase());
  return wordLevelTokenizer(new Vocab(entries, file), file, description, lowercase);
}
