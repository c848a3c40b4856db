/**
 * Discovery: the models already on a user's disk, listed without reading their weights.
 *
 * API
 * - `discoveryLocations(env)`: where we look (Hugging Face cache, Ollama, LM Studio, extra
 *   folders), each with where its path came from (an env var, the default, the caller).
 * - `discoverModels(files, env)`: `{ locations, models, problems }`. Each model is a
 *   `DiscoveredModel` (source, display name such as `hf:org/name`, `ollama:name:tag`,
 *   `lmstudio:publisher/repo/file`, path to hand the model loader, size, format, and for GGUF
 *   the quantization type of `token_embd.weight` from the header). Broken entries (dangling
 *   links, bad manifests, missing blobs, snapshots without `refs/main`) are `problems`, never
 *   thrown: one broken repo never hides the others.
 * - `isModelReference(spec)` / `resolveModelReference(files, env, spec)`: `hf:org/name[/file.gguf]`,
 *   `ollama:[host/][ns/]name[:tag]` and `lmstudio:publisher/repo/file` to a path the model loader
 *   reads (a snapshot folder, or a .gguf file); a reference that names nothing is a LensError
 *   whose message names the reference and what was looked at.
 * - `readGgufSummary(files, path)`: version, architecture and the type of `token_embd.weight`
 *   from a GGUF header (a small reader of our own; the full reader is formats/gguf.ts).
 *
 * Layouts (as the tools write them):
 * - Hugging Face: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`;
 *   `models--ORG--NAME/refs/main` holds a commit hash naming `snapshots/<hash>/`, whose files are
 *   symlinks into `models--ORG--NAME/blobs/` (containment.ts allows exactly that).
 * - Ollama: `$OLLAMA_MODELS`, else `~/.ollama/models`; `manifests/<host>/<ns>/<name>/<tag>` is a
 *   JSON manifest whose layer of mediaType `application/vnd.ollama.image.model` has a digest
 *   `sha256:<hex>` naming `blobs/sha256-<hex>`, a GGUF file.
 * - LM Studio: `~/.lmstudio/models/<publisher>/<repo>/*.gguf`, and the older
 *   `~/.cache/lm-studio/models` with the same layout.
 */
import { checkPicked } from './containment';
import { LensError, isLensError } from './errors';
import { kindOf, readRange, readText, type FileAccess } from './fileAccess';

/** Where a model was found. `folder`: a folder the caller added. */
export type DiscoverySource = 'hf' | 'ollama' | 'lmstudio' | 'folder';

/** Display order of the sources, and their names for people. */
export const SOURCE_TITLES: Readonly<Record<DiscoverySource, string>> = {
  hf: 'Hugging Face cache',
  ollama: 'Ollama',
  lmstudio: 'LM Studio',
  folder: 'Added folders',
};

/** What discovery needs of its environment (the caller reads process.env and os.homedir()). */
export interface DiscoveryEnv {
  /** Environment variables (HF_HUB_CACHE, HF_HOME, OLLAMA_MODELS are read). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The user's home folder. */
  readonly home: string;
  /** Extra folders to search (a setting, a flag). */
  readonly folders?: readonly string[];
  /** Locations to skip: a source name (`hf`, `ollama`, `lmstudio`) or a location's path. */
  readonly hidden?: readonly string[];
}

/** One place discovery looks. */
export interface DiscoveryLocation {
  readonly source: DiscoverySource;
  readonly path: string;
  /** Where the path came from: `HF_HUB_CACHE`, `HF_HOME`, `OLLAMA_MODELS`, `default`, `caller`. */
  readonly from: string;
  /** False when the folder does not exist (not a problem: most users have one or two tools). */
  readonly exists: boolean;
}

export type ModelFileFormat = 'safetensors' | 'gguf';

/** One model found. */
export interface DiscoveredModel {
  readonly source: DiscoverySource;
  /** `hf:org/name`, `hf:org/name/file.gguf`, `ollama:name:tag`, `lmstudio:publisher/repo/file`, or a folder entry's path. */
  readonly name: string;
  /** What the model loader opens: a snapshot / model folder, or a .gguf file. */
  readonly path: string;
  /** Bytes of the weights (every shard; blobs followed through their links). */
  readonly size: number;
  readonly format: ModelFileFormat;
  /** GGUF only: the ggml type of token_embd.weight (`Q4_K`, `F16`, …), when the header says. */
  readonly quant?: string | undefined;
  /** GGUF only: `general.architecture`. */
  readonly architecture?: string | undefined;
  /** Safetensors only: the tokenizer file found beside the weights, if any. */
  readonly tokenizer?: string | undefined;
  /** How many weight files: a sharded safetensors model's shards, a split GGUF's parts (absent for one .gguf). */
  readonly shards?: number | undefined;
  /** Hugging Face only: the snapshot's commit hash. */
  readonly revision?: string | undefined;
  /** The location it was found under. */
  readonly location: string;
}

/** Why an entry is listed as a problem. */
export type DiscoveryProblemReason =
  | 'noRefs' // a HF repo without refs/main
  | 'badRef' // refs/main does not hold a commit hash, or names a missing snapshot
  | 'danglingLink' // a file (usually a link into blobs/) whose target is missing
  | 'outside' // a file that resolves outside its folder (and its HF blobs)
  | 'noWeights' // nothing we read: no .safetensors or .gguf
  | 'missingShard' // an index names a shard that is not there
  | 'badManifest' // an Ollama manifest that is not the JSON we expect
  | 'missingBlob' // a manifest names a blob that is not there (or has the wrong size)
  | 'notGguf' // a .gguf / model blob without the GGUF magic, or a version we do not read
  | 'unreadable'; // a folder or file we could not read

export interface DiscoveryProblem {
  readonly source: DiscoverySource;
  /** The entry's display name when it has one (`hf:org/name`, `ollama:name:tag`). */
  readonly name?: string | undefined;
  /** The file or folder at fault. */
  readonly path: string;
  readonly reason: DiscoveryProblemReason;
  /** One line for people: names the file and what was expected. */
  readonly message: string;
}

export interface Discovery {
  readonly locations: readonly DiscoveryLocation[];
  readonly models: readonly DiscoveredModel[];
  readonly problems: readonly DiscoveryProblem[];
}

/** The ggml tensor types (gguf 0.19.0's GGMLQuantizationType). */
export const GGML_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 6: 'Q5_0', 7: 'Q5_1', 8: 'Q8_0', 9: 'Q8_1', 10: 'Q2_K', 11: 'Q3_K',
  12: 'Q4_K', 13: 'Q5_K', 14: 'Q6_K', 15: 'Q8_K', 16: 'IQ2_XXS', 17: 'IQ2_XS', 18: 'IQ3_XXS', 19: 'IQ1_S', 20: 'IQ4_NL',
  21: 'IQ3_S', 22: 'IQ2_S', 23: 'IQ4_XS', 24: 'I8', 25: 'I16', 26: 'I32', 27: 'I64', 28: 'F64', 29: 'IQ1_M', 30: 'BF16',
  34: 'TQ1_0', 35: 'TQ2_0', 39: 'MXFP4', 40: 'NVFP4', 41: 'Q1_0',
};

const OLLAMA_MODEL_LAYER = 'application/vnd.ollama.image.model';
const OLLAMA_DEFAULT_HOST = 'registry.ollama.ai';
const OLLAMA_DEFAULT_NS = 'library';
/** Tokenizer files the model loader reads, in its order of preference. */
const TOKENIZER_FILES = ['tokenizer.json', 'vocab.json', 'vocab.txt', 'tokenizer.model'];
/** Small JSON files we read whole (a manifest, an index, a ref). */
const SMALL_FILE_BYTES = 16 * 1024 * 1024;
/** At most this many header bytes are read for a GGUF's quantization type (tokenizer arrays can be tens of MB). */
const GGUF_HEADER_BUDGET = 128 * 1024 * 1024;

// ---------------------------------------------------------------- locations

/** Where discovery looks, in display order (hidden ones left out). */
export function discoveryLocations(e: DiscoveryEnv, files: Pick<FileAccess, 'join'>): Omit<DiscoveryLocation, 'exists'>[] {
  const env = (k: string): string | undefined => (e.env[k] !== undefined && e.env[k] !== '' ? e.env[k] : undefined);
  const out: Omit<DiscoveryLocation, 'exists'>[] = [];
  const hub = env('HF_HUB_CACHE');
  const hfHome = env('HF_HOME');
  out.push(hub ? { source: 'hf', path: hub, from: 'HF_HUB_CACHE' } : hfHome ? { source: 'hf', path: files.join(hfHome, 'hub'), from: 'HF_HOME' } : { source: 'hf', path: files.join(e.home, '.cache', 'huggingface', 'hub'), from: 'default' });
  const ollama = env('OLLAMA_MODELS');
  out.push(ollama ? { source: 'ollama', path: ollama, from: 'OLLAMA_MODELS' } : { source: 'ollama', path: files.join(e.home, '.ollama', 'models'), from: 'default' });
  out.push({ source: 'lmstudio', path: files.join(e.home, '.lmstudio', 'models'), from: 'default' });
  out.push({ source: 'lmstudio', path: files.join(e.home, '.cache', 'lm-studio', 'models'), from: 'default' });
  for (const f of e.folders ?? []) out.push({ source: 'folder', path: f, from: 'caller' });
  const hidden = new Set(e.hidden ?? []);
  return out.filter(l => !hidden.has(l.source) && !hidden.has(l.path));
}

// ---------------------------------------------------------------- discovery

/** Everything discovery finds under `e`'s locations; never throws for what it finds on disk. */
export async function discoverModels(files: FileAccess, e: DiscoveryEnv): Promise<Discovery> {
  const locations: DiscoveryLocation[] = [];
  const models: DiscoveredModel[] = [];
  const problems: DiscoveryProblem[] = [];
  const sink: Sink = { models, problems };
  for (const loc of discoveryLocations(e, files)) {
    const st = await quietStat(files, loc.path);
    const exists = st !== undefined && kindOf(st) === 'directory';
    locations.push({ ...loc, exists });
    if (!exists) {
      if (st !== undefined) problems.push({ source: loc.source, path: loc.path, reason: 'unreadable', message: `${loc.path}: is not a folder, expected the ${SOURCE_TITLES[loc.source]} models folder (from ${loc.from})` });
      continue;
    }
    try {
      if (loc.source === 'hf') await scanHf(files, loc.path, sink);
      else if (loc.source === 'ollama') await scanOllama(files, loc.path, sink);
      else if (loc.source === 'lmstudio') await scanLmStudio(files, loc.path, sink);
      else await scanFolder(files, loc.path, sink);
    } catch (err) {
      problems.push({ source: loc.source, path: loc.path, reason: 'unreadable', message: messageOf(err) });
    }
  }
  const order = Object.keys(SOURCE_TITLES);
  models.sort((a, b) => order.indexOf(a.source) - order.indexOf(b.source) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { locations, models, problems };
}

interface Sink {
  readonly models: DiscoveredModel[];
  readonly problems: DiscoveryProblem[];
}

function messageOf(e: unknown): string {
  return isLensError(e) || e instanceof Error ? e.message.replace(/\s*\n\s*/g, ' ') : String(e);
}

async function quietStat(files: FileAccess, path: string) {
  try {
    return await files.stat(path);
  } catch {
    return undefined;
  }
}

async function quietList(files: FileAccess, dir: string): Promise<string[]> {
  try {
    return await files.list(dir);
  } catch {
    return [];
  }
}

async function isDir(files: FileAccess, path: string): Promise<boolean> {
  const st = await quietStat(files, path);
  return st !== undefined && kindOf(st) === 'directory';
}

// ---------------------------------------------------------------- Hugging Face

/** `models--org--name` → `org/name` (`models--gpt2` → `gpt2`); undefined for other folders. */
export function hfRepoId(folder: string): string | undefined {
  if (!folder.startsWith('models--')) return undefined;
  const parts = folder.slice('models--'.length).split('--');
  if (parts.some(p => p === '')) return undefined;
  return parts.join('/');
}

async function scanHf(files: FileAccess, hub: string, sink: Sink): Promise<void> {
  for (const folder of await files.list(hub)) {
    const repo = hfRepoId(folder);
    if (repo === undefined) continue; // datasets--, spaces--, .locks, version.txt
    try {
      await hfRepo(files, hub, repo, sink, 'hf');
    } catch (e) {
      // An unreadable snapshot folder (permissions) is this repo's problem, not the cache's.
      sink.problems.push({ source: 'hf', name: `hf:${repo}`, path: files.join(hub, folder), reason: 'unreadable', message: messageOf(e) });
    }
  }
}

/**
 * One cached repo: its refs/main snapshot as a safetensors model (when it has .safetensors) and
 * each .gguf in it as a GGUF model. Returns what it added.
 */
async function hfRepo(files: FileAccess, hub: string, repo: string, sink: Sink, source: DiscoverySource): Promise<DiscoveredModel[]> {
  const repoDir = files.join(hub, 'models--' + repo.split('/').join('--'));
  const name = `hf:${repo}`;
  const problem = (path: string, reason: DiscoveryProblemReason, message: string): DiscoveredModel[] => {
    sink.problems.push({ source, name, path, reason, message });
    return [];
  };
  const refPath = files.join(repoDir, 'refs', 'main');
  const refStat = await quietStat(files, refPath);
  if (refStat === undefined || kindOf(refStat) !== 'file') {
    const snaps = await quietList(files, files.join(repoDir, 'snapshots'));
    const hint = snaps.length ? ` (snapshots there: ${snaps.slice(0, 3).join(', ')}${snaps.length > 3 ? ', …' : ''}; open one with its path)` : '';
    return problem(refPath, 'noRefs', `${refPath}: missing, expected the commit hash of the snapshot to use${hint}`);
  }
  let rev: string;
  try {
    rev = (await readText(files, refPath, 4096)).trim();
  } catch (e) {
    return problem(refPath, 'unreadable', messageOf(e));
  }
  if (!/^[0-9a-f]{40}$/.test(rev)) return problem(refPath, 'badRef', `${refPath}: holds ${JSON.stringify(rev.slice(0, 60))}, expected a 40-digit hex commit hash`);
  const snap = files.join(repoDir, 'snapshots', rev);
  if (!(await isDir(files, snap))) return problem(snap, 'badRef', `${refPath}: names snapshot ${rev}, but ${snap} is not a folder`);

  const found: DiscoveredModel[] = [];
  const names = await files.list(snap);
  const present = new Map<string, number>(); // file name → size, for files that check out
  let broken = false;
  for (const f of names) {
    const path = files.join(snap, f);
    const st = await quietStat(files, path);
    if (st === undefined) {
      if (isWeightName(f) || TOKENIZER_FILES.includes(f) || f.endsWith('.index.json')) {
        problem(path, 'danglingLink', `${path}: a link whose target is missing (an interrupted download?), expected a file in ${files.join(repoDir, 'blobs')}`);
        broken = true;
      }
      continue;
    }
    if (kindOf(st) !== 'file') continue;
    try {
      await checkPicked(files, snap, path, 'a file of the snapshot');
    } catch (e) {
      problem(path, 'outside', messageOf(e));
      broken = true;
      continue;
    }
    present.set(f, st.size);
  }
  const tokenizer = TOKENIZER_FILES.find(t => present.has(t));
  const safetensors = [...present.keys()].filter(f => f.endsWith('.safetensors'));
  // A sharded model: the index names its shards; each must be there.
  const index = present.has('model.safetensors.index.json') ? 'model.safetensors.index.json' : undefined;
  let shards = safetensors;
  if (index !== undefined) {
    const indexPath = files.join(snap, index);
    try {
      shards = await indexShards(files, indexPath);
      const missing = shards.filter(s => !present.has(s));
      if (missing.length) {
        problem(indexPath, 'missingShard', `${indexPath}: names shard ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}, which is missing from the snapshot`);
        shards = [];
      }
    } catch (e) {
      problem(indexPath, 'badManifest', messageOf(e));
      shards = [];
    }
  }
  if (shards.length) {
    found.push({
      source, name, path: snap, format: 'safetensors', location: hub, revision: rev, tokenizer, shards: shards.length,
      size: shards.reduce((s, f) => s + (present.get(f) ?? 0), 0),
    });
  }
  for (const { file, others, missing } of ggufGroups([...present.keys()])) {
    const path = files.join(snap, file);
    if (missing.length) {
      problem(path, 'missingShard', missingPartsText(path, missing));
      continue;
    }
    const g = await ggufEntry(files, path, sink, source, `${name}/${file}`);
    const size = [file, ...others].reduce((a, f) => a + present.get(f)!, 0);
    if (g) found.push({ source, name: `${name}/${file}`, path, format: 'gguf', size, location: hub, revision: rev, ...(others.length ? { shards: others.length + 1 } : {}), ...g });
  }
  if (!found.length && !broken && index === undefined) {
    problem(snap, 'noWeights', `${snap}: no .safetensors or .gguf weights (${names.length ? names.slice(0, 4).join(', ') + (names.length > 4 ? ', …' : '') : 'empty'}), expected model.safetensors, its shards, or a .gguf`);
  }
  sink.models.push(...found);
  return found;
}

function isWeightName(f: string): boolean {
  return f.endsWith('.safetensors') || f.toLowerCase().endsWith('.gguf');
}

/** The shard file names a `model.safetensors.index.json` names (its weight_map values), unique. */
async function indexShards(files: FileAccess, path: string): Promise<string[]> {
  let data: unknown;
  try {
    data = JSON.parse(await readText(files, path, SMALL_FILE_BYTES));
  } catch (e) {
    throw new LensError('badFile', isLensError(e) ? e.message : `${path}: not valid JSON (${messageOf(e)})`);
  }
  const map = (data as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new LensError('badFile', `${path}: no "weight_map" object, expected { "weight_map": { tensor: shard file } }`);
  const shards = new Set<string>();
  for (const v of Object.values(map)) {
    if (typeof v !== 'string' || v.includes('/') || v.includes('\\') || v === '..' || v === '.') throw new LensError('badFile', `${path}: weight_map names ${JSON.stringify(v)}, expected a shard file name beside the index`);
    shards.add(v);
  }
  return [...shards].sort();
}

// ---------------------------------------------------------------- Ollama

/** How Ollama names a manifest: `name:tag`, `ns/name:tag` or `host/ns/name:tag`. */
export function ollamaName(host: string, ns: string, name: string, tag: string): string {
  const base = host === OLLAMA_DEFAULT_HOST ? (ns === OLLAMA_DEFAULT_NS ? name : `${ns}/${name}`) : `${host}/${ns}/${name}`;
  return `ollama:${base}:${tag}`;
}

async function scanOllama(files: FileAccess, root: string, sink: Sink): Promise<void> {
  const manifests = files.join(root, 'manifests');
  for (const host of await quietList(files, manifests)) {
    for (const ns of await quietList(files, files.join(manifests, host))) {
      for (const name of await quietList(files, files.join(manifests, host, ns))) {
        for (const tag of await quietList(files, files.join(manifests, host, ns, name))) {
          await ollamaManifest(files, root, [host, ns, name, tag], sink);
        }
      }
    }
  }
}

async function ollamaManifest(files: FileAccess, root: string, [host, ns, name, tag]: readonly string[], sink: Sink): Promise<DiscoveredModel | undefined> {
  const display = ollamaName(host!, ns!, name!, tag!);
  const path = files.join(root, 'manifests', host!, ns!, name!, tag!);
  const problem = (p: string, reason: DiscoveryProblemReason, message: string): undefined => {
    sink.problems.push({ source: 'ollama', name: display, path: p, reason, message });
    return undefined;
  };
  const st = await quietStat(files, path);
  if (st === undefined) return problem(path, 'danglingLink', `${path}: missing (or a link whose target is missing), expected an Ollama manifest`);
  if (kindOf(st) !== 'file') return undefined; // a folder between levels: not a manifest
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readText(files, path, SMALL_FILE_BYTES));
  } catch (e) {
    return problem(path, 'badManifest', isLensError(e) ? e.message : `${path}: not valid JSON (${messageOf(e)}), expected an Ollama manifest`);
  }
  const layers = (manifest as { layers?: unknown } | null)?.layers;
  if (!Array.isArray(layers)) return problem(path, 'badManifest', `${path}: no "layers" array, expected an Ollama manifest`);
  const layer = layers.find(l => (l as { mediaType?: unknown } | null)?.mediaType === OLLAMA_MODEL_LAYER) as { digest?: unknown; size?: unknown } | undefined;
  if (!layer) return problem(path, 'badManifest', `${path}: no layer of mediaType ${OLLAMA_MODEL_LAYER}, expected one naming the model's GGUF blob`);
  const digest = typeof layer.digest === 'string' ? /^sha256[:-]([0-9a-f]{64})$/.exec(layer.digest) : null;
  if (!digest) return problem(path, 'badManifest', `${path}: the model layer's digest is ${JSON.stringify(layer.digest)}, expected "sha256:" and 64 hex digits`);
  const blobs = files.join(root, 'blobs');
  const blob = files.join(blobs, `sha256-${digest[1]}`);
  const bst = await quietStat(files, blob);
  if (bst === undefined || kindOf(bst) !== 'file') return problem(blob, 'missingBlob', `${path}: names blob sha256-${digest[1]!.slice(0, 12)}…, but ${blob} is ${bst === undefined ? 'missing' : 'not a regular file'}`);
  // No containment check here: Ollama writes blobs as plain files, and a link in blobs/ (or in an
  // LM Studio folder: tools such as gollama link the two) is the user's own doing, not a download's.
  if (typeof layer.size === 'number' && layer.size !== bst.size) {
    return problem(blob, 'missingBlob', `${blob}: is ${bst.size} bytes, but ${path} says ${layer.size} (an interrupted pull?)`);
  }
  const g = await ggufEntry(files, blob, sink, 'ollama', display);
  if (!g) return undefined;
  const model: DiscoveredModel = { source: 'ollama', name: display, path: blob, size: bst.size, format: 'gguf', location: root, ...g };
  sink.models.push(model);
  return model;
}

// ---------------------------------------------------------------- LM Studio and added folders

async function scanLmStudio(files: FileAccess, root: string, sink: Sink): Promise<void> {
  for (const publisher of await files.list(root)) {
    const pdir = files.join(root, publisher);
    if (!(await isDir(files, pdir))) continue;
    for (const repo of await quietList(files, pdir)) {
      const rdir = files.join(pdir, repo);
      if (!(await isDir(files, rdir))) continue;
      for (const { file, others, missing } of ggufGroups(await quietList(files, rdir))) {
        await ggufFile(files, rdir, file, `lmstudio:${publisher}/${repo}/${file}`, 'lmstudio', root, sink, others, missing);
      }
    }
  }
}

/** A .gguf file inside `dir` as a model, or a problem. */
async function ggufFile(files: FileAccess, dir: string, f: string, name: string, source: DiscoverySource, location: string, sink: Sink, others: readonly string[] = [], missing: readonly string[] = []): Promise<DiscoveredModel | undefined> {
  const path = files.join(dir, f);
  if (missing.length) {
    sink.problems.push({ source, name, path, reason: 'missingShard', message: missingPartsText(path, missing) });
    return undefined;
  }
  let size = 0;
  for (const part of [f, ...others]) {
    const p = files.join(dir, part);
    const st = await quietStat(files, p);
    if (st === undefined) {
      sink.problems.push({ source, name, path: p, reason: 'danglingLink', message: `${p}: a link whose target is missing, expected a GGUF file` });
      return undefined;
    }
    if (kindOf(st) !== 'file') return undefined;
    size += st.size;
  }
  const g = await ggufEntry(files, path, sink, source, name);
  if (!g) return undefined;
  const model: DiscoveredModel = { source, name, path, size, format: 'gguf', location, ...(others.length ? { shards: others.length + 1 } : {}), ...g };
  sink.models.push(model);
  return model;
}

/**
 * An added folder: the folder itself and each subfolder that holds .safetensors (a model folder
 * as the loader reads it), and every .gguf in them. Names are paths relative to the folder.
 */
async function scanFolder(files: FileAccess, root: string, sink: Sink): Promise<void> {
  const dirs = [''];
  for (const f of await files.list(root)) if (await isDir(files, files.join(root, f))) dirs.push(f);
  for (const rel of dirs) {
    const dir = rel ? files.join(root, rel) : root;
    const names = await quietList(files, dir);
    const sizes: number[] = [];
    for (const { file, others, missing } of ggufGroups(names)) await ggufFile(files, dir, file, rel ? `${rel}/${file}` : file, 'folder', root, sink, others, missing);
    for (const f of names) {
      if (f.toLowerCase().endsWith('.safetensors')) {
        const st = await quietStat(files, files.join(dir, f));
        if (st && kindOf(st) === 'file') sizes.push(st.size);
      }
    }
    if (sizes.length) {
      sink.models.push({
        source: 'folder', name: rel || files.basename(root), path: dir, format: 'safetensors', location: root, shards: sizes.length,
        size: sizes.reduce((a, b) => a + b, 0), tokenizer: TOKENIZER_FILES.find(t => names.includes(t)),
      });
    }
  }
}

/** llama.cpp's gguf-split naming: `<prefix>-00001-of-00003.gguf`. */
const GGUF_SPLIT = /^(.*)-(\d{5})-of-(\d{5})(\.gguf)$/i;

/**
 * The .gguf files among `names` as models: a file on its own, or a split model (gguf-split's
 * `-00001-of-0000N.gguf`) as its first part with the other parts and the parts that are missing.
 * Later parts are not entries of their own (their headers hold no token_embd.weight).
 */
export function ggufGroups(names: readonly string[]): { file: string; others: string[]; missing: string[] }[] {
  const out: { file: string; others: string[]; missing: string[] }[] = [];
  const have = new Set(names);
  for (const f of names) {
    if (!f.toLowerCase().endsWith('.gguf')) continue;
    const m = GGUF_SPLIT.exec(f);
    if (!m) {
      out.push({ file: f, others: [], missing: [] });
      continue;
    }
    if (Number(m[2]) !== 1) continue;
    const others: string[] = [];
    const missing: string[] = [];
    for (let i = 2; i <= Number(m[3]); i++) {
      const part = `${m[1]}-${String(i).padStart(5, '0')}-of-${m[3]}${m[4]}`;
      (have.has(part) ? others : missing).push(part);
    }
    out.push({ file: f, others, missing });
  }
  return out;
}

function missingPartsText(path: string, missing: readonly string[]): string {
  return `${path}: the first part of a split GGUF, but part ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''} is missing beside it`;
}

// ---------------------------------------------------------------- GGUF header

/** What the header of a GGUF file says, as far as discovery needs it. */
export interface GgufSummary {
  readonly version: number;
  readonly tensorCount: number;
  readonly architecture?: string | undefined;
  /** The ggml type name of token_embd.weight; undefined when the file has no such tensor or the header is past the budget. */
  readonly quant?: string | undefined;
}

/** The GGUF summary of `path` for an entry, or undefined after noting a problem (not a GGUF, a version we do not read). */
async function ggufEntry(files: FileAccess, path: string, sink: Sink, source: DiscoverySource, name: string): Promise<Pick<DiscoveredModel, 'quant' | 'architecture'> | undefined> {
  try {
    const s = await readGgufSummary(files, path);
    return { quant: s.quant, architecture: s.architecture };
  } catch (e) {
    sink.problems.push({ source, name, path, reason: isLensError(e) && e.reason === 'badFormat' ? 'notGguf' : 'unreadable', message: messageOf(e) });
    return undefined;
  }
}

/** A forward reader over a file, a window at a time, that refuses to read past `budget` bytes. */
class HeaderCursor {
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;
  pos = 0;
  constructor(
    private readonly files: FileAccess,
    readonly path: string,
    private readonly size: number,
    private readonly budget: number,
  ) {}

  /** Bytes [pos, pos + n), advancing; throws `short` at the end of the file, `budget` past it. */
  async take(n: number): Promise<Uint8Array> {
    if (this.pos + n > this.size) throw new LensError('badFile', `${this.path}: the GGUF header runs past the end of the file (${this.size} bytes) at byte ${this.pos}`);
    if (this.pos + n > this.budget) throw new BudgetExceeded();
    if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.buf.length) {
      const want = Math.min(Math.max(n, 1 << 20), this.size - this.pos);
      this.buf = await readRange(this.files, this.path, this.pos, want);
      this.bufStart = this.pos;
      if (this.buf.length < n) throw new LensError('badFile', `${this.path}: the file ended early while reading its GGUF header at byte ${this.pos}`);
    }
    const o = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(o, o + n);
  }

  async u32(): Promise<number> {
    const b = await this.take(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 2 ** 24;
  }

  /** A u64 that must be a safe integer (counts, lengths). */
  async u64(what: string): Promise<number> {
    const lo = await this.u32();
    const hi = await this.u32();
    if (hi >= 2 ** 21) throw new LensError('badFile', `${this.path}: ${what} is ${BigInt(hi) * 2n ** 32n + BigInt(lo)}, larger than any file`);
    return hi * 2 ** 32 + lo;
  }

  async string(what: string): Promise<string> {
    const n = await this.u64(`the length of ${what}`);
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await this.take(n));
  }

  async skip(n: number): Promise<void> {
    if (this.pos + n > this.size) throw new LensError('badFile', `${this.path}: the GGUF header runs past the end of the file (${this.size} bytes) at byte ${this.pos}`);
    if (this.pos + n > this.budget) throw new BudgetExceeded();
    this.pos += n;
  }
}

class BudgetExceeded extends Error {}

/** Byte sizes of the fixed-size GGUF metadata value types (gguf's GGUFValueType). */
const GGUF_SCALAR_BYTES: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const GGUF_STRING = 8;
const GGUF_ARRAY = 9;

/**
 * Reads a GGUF header (v2/v3, little-endian) up to the tensor infos: the version, the tensor
 * count, `general.architecture` and the type of `token_embd.weight`. Reads no tensor data, and
 * at most `budget` bytes of header (past it `quant` is left undefined). A file without the magic
 * or with another version is a `badFormat` LensError naming the file.
 */
export async function readGgufSummary(files: FileAccess, path: string, budget: number = GGUF_HEADER_BUDGET): Promise<GgufSummary> {
  const st = await files.stat(path);
  if (!st) throw new LensError('badFile', `${path}: no such file`);
  const c = new HeaderCursor(files, path, st.size, budget);
  if (st.size < 24) throw new LensError('badFormat', `${path}: ${st.size} bytes, too short for a GGUF header (expected the magic "GGUF", a version and two counts)`);
  const magic = await c.take(4);
  if (String.fromCharCode(...magic) !== 'GGUF') throw new LensError('badFormat', `${path}: starts with ${JSON.stringify(String.fromCharCode(...magic))}, expected the GGUF magic "GGUF"`);
  const version = await c.u32();
  if (version === 2 * 2 ** 24 || version === 3 * 2 ** 24) throw new LensError('badFormat', `${path}: a big-endian GGUF (version ${version >>> 24}), expected a little-endian one`);
  if (version !== 2 && version !== 3) throw new LensError('badFormat', `${path}: GGUF version ${version}, expected version 2 or 3`);
  const tensorCount = await c.u64('the tensor count');
  let architecture: string | undefined;
  try {
    const kvCount = await c.u64('the metadata count');
    for (let i = 0; i < kvCount; i++) {
      const key = await c.string(`metadata key ${i}`);
      const type = await c.u32();
      if (key === 'general.architecture' && type === GGUF_STRING) architecture = await c.string(key);
      else await skipValue(c, type, key, 0);
    }
    for (let i = 0; i < tensorCount; i++) {
      const name = await c.string(`tensor name ${i}`);
      const dims = await c.u32();
      if (dims > 8) throw new LensError('badFile', `${path}: tensor ${JSON.stringify(name)} has ${dims} dimensions, expected at most 8`);
      await c.skip(8 * dims);
      const type = await c.u32();
      await c.skip(8);
      if (name === 'token_embd.weight') return { version, tensorCount, architecture, quant: GGML_TYPE_NAMES[type] ?? `type ${type}` };
    }
  } catch (e) {
    if (e instanceof BudgetExceeded) return { version, tensorCount, architecture };
    throw e;
  }
  return { version, tensorCount, architecture };
}

async function skipValue(c: HeaderCursor, type: number, key: string, depth: number): Promise<void> {
  const scalar = GGUF_SCALAR_BYTES[type];
  if (scalar !== undefined) return c.skip(scalar);
  if (type === GGUF_STRING) return c.skip(await c.u64(`the length of ${key}`));
  if (type === GGUF_ARRAY && depth < 2) {
    const inner = await c.u32();
    const n = await c.u64(`the length of ${key}`);
    const size = GGUF_SCALAR_BYTES[inner];
    if (size !== undefined) return c.skip(n * size);
    for (let i = 0; i < n; i++) await skipValue(c, inner, key, depth + 1);
    return;
  }
  throw new LensError('badFile', `${c.path}: metadata ${JSON.stringify(key)} has value type ${type}, expected a GGUF value type (0–12)`);
}

// ---------------------------------------------------------------- references

/** True for `hf:…`, `ollama:…` and `lmstudio:…` model references. */
export function isModelReference(spec: string): boolean {
  return /^(hf|ollama|lmstudio):/.test(spec);
}

/** A resolved reference: what to load, and the entry discovery made of it. */
export interface ResolvedReference {
  readonly path: string;
  readonly model: DiscoveredModel;
}

function segmentsOf(spec: string, rest: string, expected: string): string[] {
  const parts = rest.split('/');
  if (parts.some(p => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
    throw new LensError('option', `${spec}: not a model reference, expected ${expected}`);
  }
  return parts;
}

/**
 * The path `spec` names: `hf:org/name` (the refs/main snapshot), `hf:org/name/file.gguf`,
 * `ollama:name[:tag]` (tag `latest` when left out; `ns/name`, `host/ns/name` too) or
 * `lmstudio:publisher/repo/file.gguf`. Only the locations `e` gives are searched (hidden ones
 * too: a reference the user typed is honoured). Throws a LensError naming the reference, where
 * it was looked for and why it does not load (the problem discovery would list).
 */
export async function resolveModelReference(files: FileAccess, e: DiscoveryEnv, spec: string): Promise<ResolvedReference> {
  const colon = spec.indexOf(':');
  const scheme = spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  const locations = discoveryLocations({ ...e, hidden: [] }, files);
  const sink: Sink = { models: [], problems: [] };
  const fail = (where: readonly string[]): never => {
    const why = sink.problems[0];
    throw new LensError('badFile', why ? `${spec}: ${why.message}` : `${spec}: not found in ${where.join(' or ')}`);
  };
  if (scheme === 'hf') {
    const parts = segmentsOf(spec, rest, 'hf:ORG/NAME or hf:ORG/NAME/FILE.gguf');
    const gguf = parts.length > 1 && parts[parts.length - 1]!.toLowerCase().endsWith('.gguf') ? parts.pop()! : undefined;
    const repo = parts.join('/');
    const hub = locations.find(l => l.source === 'hf')!.path;
    if (!(await isDir(files, files.join(hub, 'models--' + parts.join('--'))))) fail([`the Hugging Face cache ${hub}`]);
    const found = await hfRepo(files, hub, repo, sink, 'hf');
    const model = gguf === undefined ? found.find(m => m.format === 'safetensors') : found.find(m => m.name === `hf:${repo}/${gguf}`);
    if (!model) {
      if (!sink.problems.length) {
        const ggufs = found.filter(m => m.format === 'gguf').map(m => m.name);
        throw new LensError('badFile', `${spec}: the snapshot in ${hub} has ${gguf === undefined ? 'no .safetensors weights' : `no ${gguf}`}${ggufs.length ? `; it has ${ggufs.slice(0, 4).join(', ')}` : ''}`);
      }
      fail([hub]);
    }
    return { path: model!.path, model: model! };
  }
  if (scheme === 'ollama') {
    const m = /^([^:]+)(?::([^:/]+))?$/.exec(rest);
    if (!m) throw new LensError('option', `${spec}: not a model reference, expected ollama:NAME[:TAG] (also NS/NAME or HOST/NS/NAME)`);
    const parts = segmentsOf(spec, m[1]!, 'ollama:NAME[:TAG]');
    if (parts.length > 3) throw new LensError('option', `${spec}: not a model reference, expected ollama:NAME[:TAG] (also NS/NAME or HOST/NS/NAME)`);
    const [host, ns, name] = parts.length === 3 ? parts : parts.length === 2 ? [OLLAMA_DEFAULT_HOST, ...parts] : [OLLAMA_DEFAULT_HOST, OLLAMA_DEFAULT_NS, ...parts];
    const tag = m[2] ?? 'latest';
    if (tag === '.' || tag === '..') throw new LensError('option', `${spec}: not a model reference, expected ollama:NAME[:TAG]`);
    const root = locations.find(l => l.source === 'ollama')!.path;
    const manifest = files.join(root, 'manifests', host!, ns!, name!, tag);
    if ((await quietStat(files, manifest)) === undefined) {
      const tags = await quietList(files, files.dirname(manifest));
      const have = tags.length ? `; tags there: ${tags.slice(0, 6).join(', ')}${tags.length > 6 ? ', …' : ''}` : '';
      throw new LensError('badFile', `${spec}: not found in the Ollama models folder ${root} (no manifest ${manifest}${have})`);
    }
    const model = await ollamaManifest(files, root, [host!, ns!, name!, tag], sink);
    if (!model) fail([manifest]);
    return { path: model!.path, model: model! };
  }
  if (scheme === 'lmstudio') {
    const parts = segmentsOf(spec, rest, 'lmstudio:PUBLISHER/REPO/FILE.gguf');
    if (parts.length !== 3) throw new LensError('option', `${spec}: not a model reference, expected lmstudio:PUBLISHER/REPO/FILE.gguf`);
    const roots = locations.filter(l => l.source === 'lmstudio').map(l => l.path);
    for (const root of roots) {
      const dir = files.join(root, parts[0]!, parts[1]!);
      if ((await quietStat(files, files.join(dir, parts[2]!))) === undefined && !(await quietList(files, dir)).includes(parts[2]!)) continue;
      const model = await ggufFile(files, dir, parts[2]!, spec, 'lmstudio', root, sink);
      if (model) return { path: model.path, model };
      fail([dir]);
    }
    fail(roots.map(r => `${r}`));
  }
  throw new LensError('option', `${spec}: not a model reference, expected hf:ORG/NAME, ollama:NAME[:TAG] or lmstudio:PUBLISHER/REPO/FILE`);
}
