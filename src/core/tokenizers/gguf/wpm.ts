/**
 * llama.cpp's WordPiece tokenizer (`llm_tokenizer_wpm_session` in llama-vocab.cpp) for GGUF files
 * with `tokenizer.ggml.model` = `bert`, keeping UTF-16 spans into the original text.
 *
 * The converter writes BERT's vocabulary with a "▁" before each word-initial token and without
 * the "##" of continuations. The text is NFD-normalized and lowercased per character; whitespace
 * ends a word; NUL, U+FFFD and control characters are dropped; punctuation, ASCII symbols and CJK
 * ideographs are words of their own. Each word, with "▁" in front, is cut greedily into the
 * longest tokens from the left; a word with a part no token matches becomes one unknown token.
 */
import { LensError } from '../../errors';
import { isWhiteSpace } from '../codePointSet';
import type { Token } from '../types';

export interface WpmVocab {
  readonly tokens: readonly string[];
  id(text: string): number | undefined;
  readonly unk: number | undefined;
  /** The longest token, in UTF-16 units (llama.cpp: bytes; only bounds the search). */
  readonly maxTokenLength: number;
  readonly file: string;
}

const CONTROL = /^\p{C}$/u;
const PUNCT = /^\p{P}$/u;
const SYMBOL = /^\p{S}$/u;

function isChinese(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Unicode's simple lowercase mapping (one code point to one). */
function lower(ch: string): string {
  const l = ch.toLowerCase();
  if ([...l].length === 1) return l;
  return ch === '\u0130' ? 'i' : ch;
}

interface Word {
  text: string;
  /** Per UTF-16 unit of `text`: the span of the source character. */
  starts: number[];
  ends: number[];
}

/** Tokenizes one fragment (no special tokens in it) starting at `start` in the original text. */
export function wpmTokenize(vocab: WpmVocab, fragment: string, start: number, out: Token[]): void {
  const words: Word[] = [];
  let cur: Word = { text: '', starts: [], ends: [] };
  const finish = () => {
    if (cur.text.length > 0) words.push(cur);
    cur = { text: '', starts: [], ends: [] };
  };
  let pos = 0;
  for (const src of fragment) {
    const s0 = start + pos;
    const s1 = s0 + src.length;
    pos += src.length;
    for (const ch of src.normalize('NFD')) {
      const cp = ch.codePointAt(0)!;
      if (isWhiteSpace(cp)) {
        finish();
        continue;
      }
      if (cp === 0 || cp === 0xfffd || CONTROL.test(ch)) continue;
      const l = lower(ch);
      const add = (w: Word) => {
        w.text += l;
        for (let k = 0; k < l.length; k++) {
          w.starts.push(s0);
          w.ends.push(s1);
        }
      };
      if (PUNCT.test(ch) || (cp < 0x7f && SYMBOL.test(ch)) || isChinese(cp)) {
        finish();
        add(cur);
        finish();
      } else {
        add(cur);
      }
    }
  }
  finish();

  for (const w of words) {
    const word = '▁' + w.text;
    // Unit k of `word` is unit k - 1 of the word's text; the "▁" (k = 0) has an empty span at the word's start.
    const spanStart = (i: number) => w.starts[Math.max(i, 1) - 1]!;
    const spanEnd = (j: number) => (j <= 1 ? w.starts[0]! : w.ends[j - 2]!);
    const n = word.length;
    const first = out.length;
    for (let i = 0; i < n; ) {
      let matched = false;
      for (let j = Math.min(n, i + vocab.maxTokenLength + 1); j > i; j--) {
        // Do not cut a surrogate pair.
        if (j < n && /[\udc00-\udfff]/.test(word[j]!)) continue;
        const id = vocab.id(word.slice(i, j));
        if (id !== undefined) {
          out.push({ id, text: vocab.tokens[id]!, start: spanStart(i), end: spanEnd(j), special: false });
          matched = true;
          i = j;
          break;
        }
      }
      if (!matched) {
        out.length = first;
        break;
      }
    }
    if (out.length === first) {
      if (vocab.unk === undefined) throw new LensError('unknownToken', `${vocab.file}: the vocabulary has no token for the word ${JSON.stringify(w.text)} and no unknown token`);
      out.push({ id: vocab.unk, text: vocab.tokens[vocab.unk]!, start: w.starts[0]!, end: w.ends[w.ends.length - 1]!, special: false });
    }
  }
}
