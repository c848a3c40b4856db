/**
 * The core's only way to reach files. The node implementation is in nodeFiles.ts; a browser
 * worker can supply its own (File API, fetch of a packaged asset) without touching the core.
 * Paths are opaque strings to the core except for `join`/`basename`, which the seam provides.
 */
export interface FileAccess {
  /**
   * Size in bytes, modification time (ms) and kind of what `path` names after following
   * symlinks, or undefined when the path does not exist.
   */
  stat(path: string): Promise<FileStat | undefined>;
  /**
   * Several byte ranges of one file, opened once (lazy row reads ask for many small ranges).
   * Each result has `length` bytes, fewer only at the end of the file. Only regular files are
   * read: a FIFO, device, socket or directory is a `badFile` error.
   * `into` (optional, one per range, each at least as long as its range): where to read; each
   * result is then a view of it. A seam may ignore it and return new arrays: callers use the
   * results, never `into` itself (streaming a 2 GB table reads into the table's own memory
   * instead of a new buffer per block).
   */
  readRanges(path: string, ranges: readonly ByteRange[], into?: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /**
   * The whole file. Only regular files are read, and one larger than `maxBytes` (default
   * `LIMITS.wholeFileBytes`) is refused before any of it is read.
   */
  readAll(path: string, maxBytes?: number): Promise<Uint8Array>;
  /** Names in a directory (not recursive). */
  list(dir: string): Promise<string[]>;
  /**
   * The canonical path after following every symlink (for the check that a model folder's files
   * stay inside it). Optional: a seam without symlinks (in-memory files, a browser) omits it and
   * only the lexical checks apply.
   */
  realpath?(path: string): Promise<string>;
  join(...parts: string[]): string;
  basename(path: string): string;
  dirname(path: string): string;
}

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/** What a path names, after following symlinks. */
export type FileKind = 'file' | 'directory' | 'FIFO' | 'character device' | 'block device' | 'socket' | 'other';

export interface FileStat {
  readonly size: number;
  readonly mtimeMs: number;
  readonly isDirectory: boolean;
  /** Absent from seams that only have files and folders: read it as file / directory. */
  readonly kind?: FileKind;
}

/** The kind of a stat, defaulting from `isDirectory` for seams that do not report one. */
export function kindOf(stat: FileStat): FileKind {
  return stat.kind ?? (stat.isDirectory ? 'directory' : 'file');
}

/** "a FIFO", "a character device", …: for messages. */
export function describeKind(kind: FileKind): string {
  return kind === 'other' ? 'not a regular file' : `a ${kind}`;
}

/** Reads a whole file as UTF-8 text (a BOM is dropped). */
export async function readText(files: FileAccess, path: string, maxBytes?: number): Promise<string> {
  const text = new TextDecoder('utf-8').decode(await files.readAll(path, maxBytes));
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** One byte range of a file (read into `into` when given and the seam supports it). */
export async function readRange(files: FileAccess, path: string, offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
  const [bytes] = await files.readRanges(path, [{ offset, length }], into && [into]);
  return bytes!;
}
