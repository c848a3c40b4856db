import { LensError } from '../errors';
import { CodePointSet, isWhiteSpace } from './codePointSet';
import { REGEX_WORD_RANGES } from './hfUnicode';
import type { TokenizerModel } from './models/model';
import { NormalizedString } from './normalizedString';
import { tokenId } from './tokenIds';
import type { Normalizer } from './normalizers';

/** A token matched in the text before the model runs (tokenizer.json `added_tokens`). */
export interface AddedToken {
  readonly id: number;
  readonly content: string;
  /** Special tokens ([CLS], <|endoftext|>) are skipped when decoding; they match like the others. */
  readonly special: boolean;
  /** Matches only where it is not part of a longer word (\w on neither side). Default false. */
  readonly singleWord?: boolean;
  /** Takes the whitespace on its left (right) into its span. Default false. */
  readonly lstrip?: boolean;
  readonly rstrip?: boolean;
  /** Matched in the normalized text (true) or in the raw text (false). Default: not special, as in the library. */
  readonly normalized?: boolean;
}

/**
 * tokenizer.json `added_tokens`, with the ids the Rust library gives them: every field is
 * required (the library refuses the file otherwise), and the ids written in the file are not
 * used — an added token gets the model vocabulary's id of its content when it has one, else the
 * next id after the model's vocabulary (the library only warns when the file says otherwise). A
 * token equal in every field to one already registered is skipped; one with the same content
 * but other options keeps the first one's id and replaces its options.
 */
export function addedTokensFromJson(json: unknown, file: string, model: TokenizerModel): AddedToken[] {
  if (json === undefined || json === null) return [];
  if (!Array.isArray(json)) throw new LensError('badFile', `${file}: "added_tokens" should be a list`);
  const parsed = json.map((t: Record<string, unknown>, i): AddedToken => {
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new LensError('badFile', `${file}: added_tokens[${i}] is ${JSON.stringify(t)}, expected an object with "id" (integer) and "content" (string)`);
    if (typeof t.content !== 'string') throw new LensError('badFile', `${file}: added_tokens[${i}] has "content" ${JSON.stringify(t.content ?? null)}, expected a string`);
    if (typeof t.id !== 'number') throw new LensError('badFile', `${file}: added_tokens[${i}] ${JSON.stringify(t.content)} has "id" ${JSON.stringify(t.id ?? null)}, expected an integer in [0, 2^32)`);
    tokenId(t.id, file, `added_tokens[${i}] ${JSON.stringify(t.content)}`);
    const flag = (name: string): boolean => {
      if (typeof t[name] !== 'boolean') throw new LensError('badFile', `${file}: added_tokens[${i}] (${JSON.stringify(t.content)}) needs "${name}": true or false, got ${JSON.stringify(t[name])}`);
      return t[name] as boolean;
    };
    return { id: t.id as number, content: t.content, special: flag('special'), singleWord: flag('single_word'), lstrip: flag('lstrip'), rstrip: flag('rstrip'), normalized: flag('normalized') };
  });
  const byContent = new Map<string, number>();
  const byId = new Map<number, AddedToken>();
  // How many registered tokens (the values of byId) have each full description.
  const registered = new Map<string, number>();
  const out: AddedToken[] = [];
  // The largest id in byContent, kept as it grows (a value is never replaced by another): a
  // rescan per token would make a file with many added tokens quadratic.
  let max = -1;
  for (const t of parsed) {
    if (t.content === '' || (registered.get(describe(t)) ?? 0) > 0) continue;
    let id = byContent.get(t.content) ?? model.tokenToId(t.content);
    if (id === undefined) {
      const size = model.vocabSize;
      id = max < 0 ? size : max >= size || size === 0 ? max + 1 : size;
    }
    byContent.set(t.content, id);
    if (id > max) max = id;
    const replaced = byId.get(id);
    if (replaced) registered.set(describe(replaced), registered.get(describe(replaced))! - 1);
    byId.set(id, t);
    registered.set(describe(t), (registered.get(describe(t)) ?? 0) + 1);
    out.push({ ...t, id });
  }
  return out;
}

/** Every field of a token, as one key (the library compares added tokens field by field). */
function describe(t: AddedToken): string {
  return JSON.stringify([t.content, t.special, !!t.singleWord, !!t.lstrip, !!t.rstrip, t.normalized ?? !t.special]);
}

/** A match of the added-token matcher: `id` null for the text between tokens. */
export interface AddedSplit {
  readonly id: number | null;
  readonly start: number;
  readonly end: number;
}

/**
 * The added vocabulary as Hugging Face's AddedVocabulary uses it: special tokens are matched
 * first in order, then the others; `normalized` ones (by default the non-special ones) are
 * matched in the normalized text, against their own content normalized; a token's options are
 * those of the last token given with its id.
 */
export class AddedVocabulary {
  private readonly byContent = new Map<string, number>();
  private readonly byId = new Map<number, AddedToken>();
  /** Matchers over the raw text and over the normalized text (undefined: no such tokens). */
  readonly raw: AddedTokenMatcher | undefined;
  readonly normalized: AddedTokenMatcher | undefined;

  constructor(tokens: readonly AddedToken[], normalizer: Normalizer | undefined, file: string) {
    const special: AddedToken[] = [];
    const classic: AddedToken[] = [];
    const specialSet = new Set<string>();
    for (const t of tokens) {
      if (t.special && t.content !== '' && !specialSet.has(t.content)) {
        special.push(t);
        specialSet.add(t.content);
      }
    }
    for (const t of tokens) {
      if (t.content === '') continue;
      if (!this.byContent.has(t.content)) this.byContent.set(t.content, t.id);
      this.byId.set(t.id, t);
      if (!specialSet.has(t.content)) classic.push(t);
    }
    const rawPatterns: [string, number][] = [];
    const normalizedPatterns: [string, number][] = [];
    for (const t of [...special, ...classic]) {
      const id = this.byContent.get(t.content)!;
      if (!(t.normalized ?? !t.special)) rawPatterns.push([t.content, id]);
      else {
        const pattern = normalizer ? normalizer(NormalizedString.fromOriginal(t.content)).normalized : t.content;
        if (pattern === '') {
          throw new LensError('unsupported', `${file}: added token ${JSON.stringify(t.content)} normalizes to an empty string, which would split the text at every position`);
        }
        normalizedPatterns.push([pattern, id]);
      }
    }
    this.raw = rawPatterns.length > 0 ? new AddedTokenMatcher(rawPatterns, this.byId) : undefined;
    this.normalized = normalizedPatterns.length > 0 ? new AddedTokenMatcher(normalizedPatterns, this.byId) : undefined;
  }

  /** The added token with this id (its content and options). */
  token(id: number): AddedToken | undefined {
    return this.byId.get(id);
  }

  id(content: string): number | undefined {
    return this.byContent.get(content);
  }

  /** Largest added id + 1 (0 when none). */
  get idLimit(): number {
    let n = 0;
    for (const id of this.byId.keys()) n = Math.max(n, id + 1);
    return n;
  }
}

interface TrieNode {
  readonly next: Map<number, TrieNode>;
  /** The id of the pattern ending here (-1: none). */
  id: number;
}

let regexWord: CodePointSet | undefined;

/**
 * Finds added tokens in a text as AddedVocabulary::find_matches does: leftmost-longest matches
 * (an Aho-Corasick automaton in the library; a trie walked from each candidate position here),
 * then per match its token's options: `single_word` discards a match with a word character
 * (the regex crate's \w) right before or after it — without retrying shorter or later
 * overlapping candidates, as the library does not; `lstrip` / `rstrip` widen it over the
 * whitespace beside it (lstrip never back past the previous match).
 */
export class AddedTokenMatcher {
  private readonly root: TrieNode = { next: new Map(), id: -1 };
  /** First code units of the patterns: positions starting with anything else are skipped quickly. */
  private readonly first = new Uint8Array(0x10000);

  constructor(
    patterns: readonly [string, number][],
    private readonly tokens: ReadonlyMap<number, AddedToken>,
  ) {
    for (const [pattern, id] of patterns) {
      let node = this.root;
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern.charCodeAt(i);
        let child = node.next.get(c);
        if (!child) {
          child = { next: new Map(), id: -1 };
          node.next.set(c, child);
        }
        node = child;
      }
      if (node.id < 0) node.id = id; // the first pattern wins a tie, as in the automaton
      this.first[pattern.charCodeAt(0)] = 1;
    }
  }

  /**
   * The text cut into plain runs (id null) and added tokens, in order. Plain runs are never
   * empty; token splits may overlap the previous one (an rstrip token's whitespace can hold the
   * start of the next token — the library keeps both).
   */
  split(text: string): AddedSplit[] {
    const out: AddedSplit[] = [];
    let startOffset = 0;
    let from = 0;
    while (from < text.length) {
      // Leftmost position with a match, and the longest match there.
      let at = -1;
      let len = 0;
      let id = -1;
      for (let i = from; i < text.length; i++) {
        if (this.first[text.charCodeAt(i)] !== 1) continue;
        let node: TrieNode | undefined = this.root;
        for (let k = i; k < text.length; k++) {
          node = node.next.get(text.charCodeAt(k));
          if (!node) break;
          if (node.id >= 0) {
            len = k + 1 - i;
            id = node.id;
          }
        }
        if (id >= 0) {
          at = i;
          break;
        }
      }
      if (at < 0) break;
      from = at + len;
      let start = at;
      let stop = at + len;
      const token = this.tokens.get(id)!;
      if (token.singleWord) {
        const wordBefore = start > 0 && isWordBefore(text, start);
        const wordAfter = stop < text.length && isWordAt(text, stop);
        if (wordBefore || wordAfter) continue;
      }
      if (token.lstrip) {
        let s = start;
        while (s > 0 && isWhiteSpace(text.charCodeAt(s - 1))) s--;
        start = Math.max(s, startOffset);
      }
      if (token.rstrip) while (stop < text.length && isWhiteSpace(text.charCodeAt(stop))) stop++;
      if (startOffset < start) out.push({ id: null, start: startOffset, end: start });
      out.push({ id, start, end: stop });
      startOffset = stop;
    }
    if (startOffset < text.length) out.push({ id: null, start: startOffset, end: text.length });
    return out;
  }
}

function isWordAt(text: string, i: number): boolean {
  regexWord ??= new CodePointSet(REGEX_WORD_RANGES);
  return regexWord.has(text.codePointAt(i)!);
}

function isWordBefore(text: string, i: number): boolean {
  const c = text.charCodeAt(i - 1);
  const at = c >= 0xdc00 && c <= 0xdfff && i >= 2 && text.charCodeAt(i - 2) >= 0xd800 && text.charCodeAt(i - 2) <= 0xdbff ? i - 2 : i - 1;
  return isWordAt(text, at);
}
