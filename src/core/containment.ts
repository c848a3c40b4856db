import { LensError } from './errors';
import { describeKind, kindOf, type FileAccess } from './fileAccess';

// A model folder is read as a closed world: every file it names (a shard in an index, the
// tokenizer or config picked from it) must be a regular file that, after following symlinks,
// lies inside the folder. Otherwise a downloaded folder could make us read /etc/passwd, a
// device that never ends, or a FIFO that never answers, and report it as the model's source.
//
// One exception: a Hugging Face cache snapshot (…/models--ORG--NAME/snapshots/REV/) holds
// symlinks into …/models--ORG--NAME/blobs/, so that blobs folder counts as inside too.

/**
 * Checks a file name that a model file wrote (e.g. a `weight_map` entry) and returns the path
 * it names inside `dir`. `who` names the file and key that wrote it, for messages
 * (`…/model.safetensors.index.json: weight_map["emb.weight"]`); `expected` says what it should
 * name ("a shard file").
 */
export async function resolveInside(files: FileAccess, dir: string, name: string, who: string, expected: string): Promise<string> {
  const names = `${who} names ${JSON.stringify(name)}`;
  const segments = lexicalSegments(name, reason => new LensError('badFile', `${names}, which ${reason}; expected ${expected} inside the model folder ${dir}`));
  const path = files.join(dir, ...segments);
  // A symlink loop or an unreadable link fails inside stat/realpath: blame the entry, not only the file.
  const named = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (e) {
      if (e instanceof LensError) throw new LensError(e.reason, `${names}, which cannot be followed (${e.message}); expected ${expected} inside the model folder ${dir}`);
      throw e;
    }
  };
  const st = await named(() => files.stat(path));
  if (!st) throw new LensError('badFile', `${names}, which does not exist; expected ${expected} inside the model folder ${dir}`);
  const kind = kindOf(st);
  if (kind !== 'file') throw new LensError('badFile', `${names}, which is ${describeKind(kind)}; expected ${expected} (a regular file) inside the model folder ${dir}`);
  const real = await named(() => outside(files, dir, path));
  if (real !== undefined) throw new LensError('badFile', `${names}, which resolves to ${real}, outside the model folder ${dir}; expected ${expected} inside it`);
  return path;
}

/**
 * Checks a file we picked from model folder `dir` ourselves (config.json, tokenizer.json,
 * model.safetensors, …): a regular file whose real path is inside the folder.
 */
export async function checkPicked(files: FileAccess, dir: string, path: string, expected: string): Promise<void> {
  const st = await files.stat(path);
  if (!st) throw new LensError('badFile', `${path}: no such file`);
  const kind = kindOf(st);
  if (kind !== 'file') throw new LensError('badFile', `${path}: is ${describeKind(kind)}, expected ${expected} (a regular file)`);
  const real = await outside(files, dir, path);
  if (real !== undefined) {
    throw new LensError('badFile', `${path}: is a link to ${real}, outside the model folder ${dir}; expected ${expected} inside the folder`);
  }
}

/**
 * The relative path's segments with `.` dropped and `..` applied; refuses empty names, NUL,
 * absolute paths (posix, Windows drive or UNC) and `..` that climbs out of the folder.
 */
export function lexicalSegments(name: string, fail: (reason: string) => LensError): string[] {
  if (name.length === 0) throw fail('is empty');
  if (name.includes('\0')) throw fail('contains a NUL character');
  if (/^[\\/]/.test(name) || /^[A-Za-z]:/.test(name)) throw fail('is an absolute path');
  const out: string[] = [];
  for (const seg of name.split(/[\\/]+/)) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) throw fail('is outside the model folder (".." climbs out of it)');
      out.pop();
    } else out.push(seg);
  }
  if (out.length === 0) throw fail('names the folder itself, not a file');
  return out;
}

/** `path`'s real path when it lies outside `dir` (and its HF-cache blobs), else undefined. */
async function outside(files: FileAccess, dir: string, path: string): Promise<string | undefined> {
  if (!files.realpath) return undefined; // a seam without symlinks: the lexical checks are all there is
  const realDir = await files.realpath(dir);
  const real = await files.realpath(path);
  const roots = [realDir];
  const snapshots = files.dirname(realDir);
  const repo = files.dirname(snapshots);
  if (files.basename(snapshots) === 'snapshots' && files.basename(repo).startsWith('models--')) roots.push(files.join(repo, 'blobs'));
  return roots.some(root => isWithin(real, root)) ? undefined : real;
}

/** True when `child` is strictly below `root` (either separator). */
export function isWithin(child: string, root: string): boolean {
  const r = root.replace(/[\\/]+$/, '');
  return child.length > r.length + 1 && child.startsWith(r) && (child[r.length] === '/' || child[r.length] === '\\');
}
