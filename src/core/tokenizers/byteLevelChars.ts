// GPT-2's byte-level alphabet (bytes_to_unicode), the one table of it: every byte gets a printable
// character, so a token's bytes can be spelled as a string the way a Hugging Face byte-level
// tokenizer.json spells them (`Ġthe`). Used by the ByteLevel pre-tokenizer and decoder
// (byteLevel.ts, also behind GGUF gpt2 vocabularies) and by the tiktoken encodings (openai.ts).
// The mapping is a fact of the format: printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ')
// stand for themselves, the other 68 bytes (controls, space, 0x7F–0xA0, 0xAD) take U+0100,
// U+0101, … in byte order (space is "Ġ", newline "Ċ").

function buildByteChars(): string[] {
  const chars: string[] = new Array<string>(256);
  let next = 0x100;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars[b] = String.fromCharCode(printable ? b : next++);
  }
  return chars;
}

/** Byte → its byte-level character (`0x20` → `Ġ`, `0x0a` → `Ċ`). */
export const BYTE_LEVEL_CHARS: readonly string[] = buildByteChars();

const CHAR_TO_BYTE = new Int16Array(0x144).fill(-1);
BYTE_LEVEL_CHARS.forEach((c, b) => (CHAR_TO_BYTE[c.charCodeAt(0)] = b));

/** The byte-level spelling of `bytes[from, to)`. */
export function byteLevelText(bytes: Uint8Array, from = 0, to = bytes.length): string {
  let s = '';
  for (let i = from; i < to; i++) s += BYTE_LEVEL_CHARS[bytes[i]!]!;
  return s;
}

/** The bytes a byte-level spelling stands for, or undefined when a character is not in the alphabet. */
export function byteLevelBytes(text: string): Uint8Array | undefined {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c]! : -1;
    if (b < 0) return undefined;
    out[i] = b;
  }
  return out;
}
