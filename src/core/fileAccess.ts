/**
 * The core's only way to reach files. The node implementation is in nodeFiles.ts; a browser
 * worker can supply its own (File API, fetch of a packaged asset) without touching the core.
 * Paths are opaque strings to the core except for `join`/`basename`, which the seam provides.
 */
export interface FileAccess {
  /** Size in bytes and modification time (ms), or undefined when the path does not exist. */
  stat(path: string): Promise<FileStat | undefined>;
  /**
   * Several byte ranges of one file, opened once (lazy row reads ask for many small ranges).
   * Each result has `length` bytes, fewer only at the end of the file.
   */
  readRanges(path: string, ranges: readonly ByteRange[]): Promise<Uint8Array[]>;
  /** The whole file. */
  readAll(path: string): Promise<Uint8Array>;
  /** Names in a directory (not recursive). */
  list(dir: string): Promise<string[]>;
  join(...parts: string[]): string;
  basename(path: string): string;
  dirname(path: string): string;
}

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export interface FileStat {
  readonly size: number;
  readonly mtimeMs: number;
  readonly isDirectory: boolean;
}

/** Reads a whole file as UTF-8 text (a BOM is dropped). */
export async function readText(files: FileAccess, path: string): Promise<string> {
  const text = new TextDecoder('utf-8').decode(await files.readAll(path));
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** One byte range of a file. */
export async function readRange(files: FileAccess, path: string, offset: number, length: number): Promise<Uint8Array> {
  const [bytes] = await files.readRanges(path, [{ offset, length }]);
  return bytes!;
}
