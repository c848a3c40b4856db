import { isUtf8 } from 'node:buffer';
import { constants, fstatSync, promises as fsp, type Stats } from 'node:fs';
import { LIMITS } from '../core/limits';
import { UsageError } from './args';

/**
 * Largest --file or stdin, bytes: UTF-8 spends at most 3 bytes per UTF-16 unit, so every text
 * within LIMITS.textChars fits, and a file past this is refused without reading it.
 */
export const TEXT_BYTES_LIMIT = 3 * LIMITS.textChars;

const LIMIT_NOTE = `the text limit is ${LIMITS.textChars} characters (UTF-16 units), at most ${TEXT_BYTES_LIMIT} bytes of UTF-8`;

/** What a non-regular file is, for "… is a FIFO, expected a regular file". */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/**
 * Byte offset of the first byte that is not well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), or -1 when all of `b` is.
 */
export function firstBadUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // past U+10FFFF
    } else return i;
    if (i + need >= n) return i; // truncated at the end
    const second = b[i + 1]!;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * The bytes of --file or stdin as text. Invalid UTF-8 is refused with its byte offset, not
 * replaced: a U+FFFD in place of the user's byte would be tokenized and shown as if it were
 * the text. (A TEXT argument reaches us already decoded by node, invalid bytes replaced.)
 */
export function decodeText(bytes: Uint8Array, who: string): string {
  if (!isUtf8(bytes)) {
    const at = firstBadUtf8(bytes);
    const utf16 = bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
    const byte = at >= 0 ? ` at byte ${at} (0x${bytes[at]!.toString(16).padStart(2, '0')})` : '';
    throw new UsageError(`${who} is not valid UTF-8${byte}; expected UTF-8 text${utf16 ? ' (it starts with a UTF-16 byte order mark: convert it, e.g. iconv -f UTF-16 -t UTF-8)' : ''}`);
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  checkTextLength(text, who);
  return text;
}

/** Refuses a text past LIMITS.textChars, naming the limit. */
export function checkTextLength(text: string, who: string): void {
  if (text.length > LIMITS.textChars) throw new UsageError(`${who} has ${text.length} characters (UTF-16 units), more than the text limit of ${LIMITS.textChars}`);
}

/**
 * Reads --file: only a regular file, checked before it is opened and again on the open handle
 * (a path swapped for a FIFO in between cannot block us: it is opened non-blocking), refused
 * before reading when larger than TEXT_BYTES_LIMIT.
 */
export async function readTextFile(file: string): Promise<string> {
  const who = `--file ${file}`;
  const cannot = (e: unknown): UsageError => new UsageError(`--file: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  let st: Stats;
  try {
    st = await fsp.stat(file);
  } catch (e) {
    throw cannot(e);
  }
  const refuse = (s: Stats): void => {
    if (!s.isFile()) throw new UsageError(`${who} is ${fileKind(s)}, expected a regular file${s.isFIFO() || s.isCharacterDevice() ? ' (to pipe text in, use stdin)' : ''}`);
    if (s.size > TEXT_BYTES_LIMIT) throw new UsageError(`${who} is ${s.size} bytes, too large: ${LIMIT_NOTE}`);
  };
  refuse(st);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw cannot(e);
  }
  try {
    refuse(await handle.stat());
    // Read at most one byte past the limit: a file that grew since stat (or a /proc file whose
    // size says 0) still cannot make us read more.
    const buf = Buffer.allocUnsafe(Math.min(TEXT_BYTES_LIMIT + 1, Math.max(st.size + 1, 64 * 1024)));
    let got = 0;
    let chunk = buf;
    for (;;) {
      if (got === chunk.length) {
        if (chunk.length > TEXT_BYTES_LIMIT) break;
        const bigger = Buffer.allocUnsafe(Math.min(TEXT_BYTES_LIMIT + 1, chunk.length * 2));
        chunk.copy(bigger, 0, 0, got);
        chunk = bigger;
      }
      const { bytesRead } = await handle.read(chunk, got, chunk.length - got, null);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got > TEXT_BYTES_LIMIT) throw new UsageError(`${who} is more than ${TEXT_BYTES_LIMIT} bytes, too large: ${LIMIT_NOTE}`);
    return decodeText(chunk.subarray(0, got), who);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw cannot(e);
  } finally {
    await handle.close();
  }
}

/** Reads stdin up to TEXT_BYTES_LIMIT + 1 bytes; more is refused without reading the rest. */
export async function readStdin(stdin: NodeJS.ReadStream): Promise<string> {
  // `< somedir` opens fine and then reads as empty: say what it is instead.
  let st: Stats | undefined;
  try {
    st = fstatSync(0);
  } catch {
    st = undefined; // no fd 0 to stat: the stream below says what is wrong
  }
  if (st?.isDirectory()) throw new UsageError('stdin is a directory, expected text');
  const chunks: Buffer[] = [];
  let got = 0;
  try {
    for await (const c of stdin) {
      const b = c as Buffer;
      got += b.length;
      if (got > TEXT_BYTES_LIMIT) {
        stdin.destroy();
        throw new UsageError(`stdin has more than ${TEXT_BYTES_LIMIT} bytes, too large: ${LIMIT_NOTE}`);
      }
      chunks.push(b);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`stdin: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeText(Buffer.concat(chunks), 'stdin');
}
