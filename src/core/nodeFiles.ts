import { promises as fs } from 'node:fs';
import * as nodePath from 'node:path';
import type { ByteRange, FileAccess, FileStat } from './fileAccess';
import { LensError } from './errors';

/** FileAccess over node's `fs`. The one place in the core that imports node modules. */
export const nodeFiles: FileAccess = {
  async stat(path: string): Promise<FileStat | undefined> {
    try {
      const s = await fs.stat(path);
      return { size: s.size, mtimeMs: s.mtimeMs, isDirectory: s.isDirectory() };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw wrap(path, e);
    }
  },
  async readRanges(path: string, ranges: readonly ByteRange[]): Promise<Uint8Array[]> {
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(path, 'r');
      const out: Uint8Array[] = [];
      for (const { offset, length } of ranges) {
        const buf = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        out.push(done === length ? buf : buf.subarray(0, done));
      }
      return out;
    } catch (e) {
      throw wrap(path, e);
    } finally {
      await handle?.close();
    }
  },
  async readAll(path: string): Promise<Uint8Array> {
    try {
      const b = await fs.readFile(path);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      throw wrap(path, e);
    }
  },
  async list(dir: string): Promise<string[]> {
    try {
      return (await fs.readdir(dir)).sort();
    } catch (e) {
      throw wrap(dir, e);
    }
  },
  join: (...parts: string[]) => nodePath.join(...parts),
  basename: (p: string) => nodePath.basename(p),
  dirname: (p: string) => nodePath.dirname(p),
};

function wrap(path: string, e: unknown): LensError {
  const code = (e as NodeJS.ErrnoException).code;
  const what = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory, expected a file' : String((e as Error).message ?? e);
  return new LensError('badFile', `${path}: ${what}`);
}
