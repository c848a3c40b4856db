// Comparing our tokenizers with the references, token by token, with messages that say where.
import * as assert from 'node:assert/strict';
import { Tokenizer as RustTokenizer } from 'tokenizers';
import type { Token, Tokenizer } from '../../../src/core/tokenizers/types';

/** What a reference reports for one text. Offsets in UTF-16 code units. */
export interface ReferenceEncoding {
  readonly ids: readonly number[];
  readonly tokens?: readonly string[];
  readonly offsets?: readonly (readonly [number, number])[];
}

/** Rust reports offsets in code points; VS Code (and we) use UTF-16 code units. */
export function cpToUtf16Map(text: string): Int32Array {
  const map = new Int32Array([...text].length + 1);
  let u = 0;
  let k = 0;
  for (const ch of text) {
    map[k++] = u;
    u += ch.length;
  }
  map[k] = u;
  return map;
}

/** A loaded Rust tokenizer (Hugging Face's reference implementation). */
export function rustTokenizer(json: string | object): RustTokenizer {
  return RustTokenizer.fromString(typeof json === 'string' ? json : JSON.stringify(json));
}

/** The Rust library's ids, tokens and UTF-16 offsets for `text`. */
export async function rustEncode(rust: RustTokenizer, text: string, addSpecialTokens: boolean): Promise<ReferenceEncoding> {
  const enc = await rust.encode(text, null, { addSpecialTokens });
  const map = cpToUtf16Map(text);
  return { ids: enc.getIds(), tokens: enc.getTokens(), offsets: enc.getOffsets().map(([s, e]) => [map[s!]!, map[e!]!] as [number, number]) };
}

/** Our encoding, the way the pipeline runs it (content tokens, then special tokens if asked). */
export function ourEncode(tok: Tokenizer, text: string, addSpecialTokens: boolean): Token[] {
  const content = tok.encode(text);
  return addSpecialTokens ? tok.addSpecialTokens(content, text) : content;
}

function context(text: string, at: number): string {
  return JSON.stringify(text.slice(Math.max(0, at - 20), at + 20));
}

/**
 * Asserts ids, tokens and offsets equal the reference; the failure names the document, the first
 * differing token index, both sides around it, and the text there. `ignoreOffsetsOfSpecial`
 * skips offsets of post-processor tokens (Rust puts them at (0, 0); docs/ARCHITECTURE.md puts the closing
 * ones at the end of the text).
 */
export function assertSameEncoding(doc: string, text: string, ours: readonly Token[], ref: ReferenceEncoding, { ignoreOffsetsOfSpecial = true } = {}): void {
  const n = Math.max(ours.length, ref.ids.length);
  for (let i = 0; i < n; i++) {
    const o = ours[i];
    const idOk = o?.id === ref.ids[i];
    const tokOk = !ref.tokens || o?.text === ref.tokens[i];
    const off = ref.offsets?.[i];
    const offOk = !off || !o || (ignoreOffsetsOfSpecial && o.special && o.start === o.end) || (o.start === off[0] && o.end === off[1]);
    if (!idOk || !tokOk || !offOk) {
      const at = o?.start ?? off?.[0] ?? 0;
      const show = (k: number) => `#${k} ours ${o ? JSON.stringify([ours[k]?.id, ours[k]?.text, ours[k]?.start, ours[k]?.end]) : 'none'} ref ${JSON.stringify([ref.ids[k], ref.tokens?.[k], ...(ref.offsets?.[k] ?? [])])}`;
      assert.fail(`${doc}: first difference at token ${i} of ${ours.length} (ref ${ref.ids.length}): ${show(i)}; previous ${i > 0 ? show(i - 1) : '-'}; text there ${context(text, at)}`);
    }
  }
}
