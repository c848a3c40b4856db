import { constants, promises as fs, type Stats } from 'node:fs';
import * as nodePath from 'node:path';
import { homedir } from 'node:os';
import { describeKind, type ByteRange, type FileAccess, type FileKind, type FileStat } from './fileAccess';
import type { DiscoveryEnv } from './discovery';
import { LensError } from './errors';
import { LIMITS } from './limits';

// O_NONBLOCK: opening a FIFO that has no writer returns at once instead of waiting for one
// (the open is what blocks; the fstat below then refuses the FIFO). Windows has no such flag.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** FileAccess over node's `fs`. The one place in the core that imports node modules. */
export const nodeFiles: FileAccess = {
  async stat(path: string): Promise<FileStat | undefined> {
    try {
      const s = await fs.stat(path);
      return { size: s.size, mtimeMs: s.mtimeMs, isDirectory: s.isDirectory(), kind: kindOfStats(s) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw wrap(path, e);
    }
  },
  async readRanges(path: string, ranges: readonly ByteRange[], into?: readonly Uint8Array[]): Promise<Uint8Array[]> {
    const { handle } = await openRegular(path);
    try {
      const out: Uint8Array[] = [];
      for (let i = 0; i < ranges.length; i++) out.push(await readAt(handle, ranges[i]!.offset, ranges[i]!.length, into?.[i]));
      return out;
    } catch (e) {
      throw wrap(path, e);
    } finally {
      await handle.close();
    }
  },
  async readAll(path: string, maxBytes: number = LIMITS.wholeFileBytes): Promise<Uint8Array> {
    const { handle, size } = await openRegular(path);
    try {
      if (size > maxBytes) {
        const which = maxBytes === LIMITS.wholeFileBytes ? 'the limit for files read whole' : 'the limit for this file';
        throw new LensError('badFile', `${path}: file is ${size} bytes, over ${which} (${maxBytes} bytes); expected a smaller file`);
      }
      // Read what fstat saw, no more: a file that grows meanwhile cannot make us read past the cap.
      return await readAt(handle, 0, size);
    } catch (e) {
      throw wrap(path, e);
    } finally {
      await handle.close();
    }
  },
  async list(dir: string): Promise<string[]> {
    try {
      return (await fs.readdir(dir)).sort();
    } catch (e) {
      throw wrap(dir, e);
    }
  },
  async realpath(path: string): Promise<string> {
    try {
      return await fs.realpath(path);
    } catch (e) {
      throw wrap(path, e);
    }
  },
  join: (...parts: string[]) => nodePath.join(...parts),
  basename: (p: string) => nodePath.basename(p),
  dirname: (p: string) => nodePath.dirname(p),
};

function kindOfStats(s: Stats): FileKind {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'directory';
  if (s.isFIFO()) return 'FIFO';
  if (s.isCharacterDevice()) return 'character device';
  if (s.isBlockDevice()) return 'block device';
  if (s.isSocket()) return 'socket';
  return 'other';
}

function notRegular(path: string, kind: FileKind): LensError {
  return new LensError('badFile', `${path}: is ${describeKind(kind)}, expected a regular file`);
}

/**
 * Opens `path` for reading without blocking, and refuses anything that is not a regular file
 * (checked on the open handle, so a path swapped between a stat and the open is caught too).
 */
async function openRegular(path: string): Promise<{ handle: fs.FileHandle; size: number }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, OPEN_FLAGS);
  } catch (e) {
    // A unix socket cannot be opened at all (ENXIO); say what it is rather than the errno.
    const kind = await fs.stat(path).then(kindOfStats, () => undefined);
    if (kind && kind !== 'file') throw notRegular(path, kind);
    throw wrap(path, e);
  }
  try {
    const s = await handle.stat();
    const kind = kindOfStats(s);
    if (kind !== 'file') throw notRegular(path, kind);
    return { handle, size: s.size };
  } catch (e) {
    await handle.close();
    throw wrap(path, e);
  }
}

/** Up to `length` bytes at `offset` (fewer only at the end of the file), into `target` when it is long enough. */
async function readAt(handle: fs.FileHandle, offset: number, length: number, target?: Uint8Array): Promise<Uint8Array> {
  const buf = target && target.length >= length ? target.subarray(0, length) : new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

function wrap(path: string, e: unknown): LensError {
  if (e instanceof LensError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const what =
    code === 'ENOENT' ? 'no such file'
    : code === 'EACCES' ? 'permission denied'
    : code === 'EISDIR' ? 'is a directory, expected a regular file'
    : code === 'ELOOP' ? 'too many levels of symbolic links'
    : String((e as Error).message ?? e);
  return new LensError('badFile', `${path}: ${what}`);
}

/**
 * Where model references (hf:, ollama:, lmstudio:) are looked up in this Node process: its
 * environment variables and the user's home folder (discovery.ts reads nothing of the process),
 * with the caller's extra folders and hidden locations.
 */
export function nodeDiscoveryEnv(extra: { readonly folders?: readonly string[]; readonly hidden?: readonly string[] } = {}): DiscoveryEnv {
  return { env: process.env, home: homedir(), ...(extra.folders ? { folders: extra.folders } : {}), ...(extra.hidden ? { hidden: extra.hidden } : {}) };
}
