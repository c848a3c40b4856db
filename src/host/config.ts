import { readFileSync, statSync } from 'node:fs';
import * as vscode from 'vscode';
import { isModelReference } from '../core/discovery';
import { LIMITS } from '../core/limits';
import type { ModelRef, PipelineOptionsWire } from '../shared/workerProtocol';

/** The settings section; every setting is `embeddingLens.<name>`. */
export const SECTION = 'embeddingLens';

/** Settings that can point at files: ignored from an untrusted workspace (package.json restrictedConfigurations). */
export const PATH_SETTINGS = ['model', 'tokenizer'] as const;

/** What the settings say, read fresh each time (they can change at any moment). */
export interface LensSettings {
  readonly ref: ModelRef;
  readonly options: PipelineOptionsWire;
  /** `embeddingLens.hover.mode` (the old `hover.enabled: false` read as `never` until migrated). */
  readonly hoverMode: HoverMode;
  readonly boundaries: boolean;
  readonly statusBar: boolean;
  /** Seconds one request may run in the worker once it began (the watchdog's deadline). */
  readonly requestTimeout: number;
  /** A path setting that was ignored because the workspace is not trusted (for the message). */
  readonly ignoredUntrusted: readonly string[];
}

/** Where Select Model… looks for models beyond the default locations, and what it skips. */
export interface ModelSearchSettings {
  /** Folders to search, as absolute paths (`~` and `${workspaceFolder}` expanded). */
  readonly folders: readonly string[];
  /** The same folders as the setting writes them (index for index with `folders`). */
  readonly rawFolders: readonly string[];
  /** Sources (`hf`, `ollama`, `lmstudio`) and location paths to skip (paths expanded as folders are). */
  readonly hidden: readonly string[];
}

/**
 * `embeddingLens.modelSearch.folders` and `.hidden`, paths expanded as the model path is
 * (resolvePath). Both are restricted settings: an untrusted workspace's values are dropped by VS
 * Code (package.json restrictedConfigurations). Non-strings and blanks are left out.
 */
export function readModelSearch(): ModelSearchSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map(x => x.trim()).filter(x => x !== '') : []);
  const rawFolders = strings(c.get('modelSearch.folders'));
  const hidden = strings(c.get('modelSearch.hidden')).map(h => (HIDDEN_SOURCES.includes(h) ? h : resolvePath(h, false)));
  return { folders: rawFolders.map(f => resolvePath(f, false)), rawFolders, hidden };
}

/** The source names `embeddingLens.modelSearch.hidden` accepts besides paths. */
export const HIDDEN_SOURCES: readonly string[] = ['hf', 'ollama', 'lmstudio'];

/** Appends `value` to the array setting `key` (user settings), unless it is there already; resolves with whether it was added. */
export async function appendToListSetting(key: string, value: string): Promise<boolean> {
  const c = vscode.workspace.getConfiguration(SECTION);
  const current = c.inspect<unknown>(key)?.globalValue;
  const list = Array.isArray(current) ? current.filter((x): x is string => typeof x === 'string') : [];
  if (list.includes(value)) return false;
  await c.update(key, [...list, value], vscode.ConfigurationTarget.Global);
  return true;
}

/** Removes `value` from the array setting `key` in the user settings; resolves with whether it was there. */
export async function removeFromListSetting(key: string, value: string): Promise<boolean> {
  const c = vscode.workspace.getConfiguration(SECTION);
  const current = c.inspect<unknown>(key)?.globalValue;
  if (!Array.isArray(current) || !current.includes(value)) return false;
  await c.update(key, current.filter(x => x !== value), vscode.ConfigurationTarget.Global);
  return true;
}

/** Reads the settings. In an untrusted workspace, VS Code already hides workspace values of path settings; we note them to tell the user. */
export function readSettings(scope?: vscode.ConfigurationScope): LensSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const ignoredUntrusted: string[] = [];
  if (!vscode.workspace.isTrusted) {
    // VS Code drops restricted settings from an untrusted workspace's configuration before an
    // extension can see them (inspect() shows no workspaceValue either), so the workspace's
    // settings files are also looked at, only to learn which of the keys they set.
    const inFiles = pathSettingsInWorkspaceFiles();
    for (const key of PATH_SETTINGS) {
      const i = c.inspect<string>(key);
      if (i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined || inFiles.has(key)) ignoredUntrusted.push(`${SECTION}.${key}`);
    }
  }
  const model = (c.get<string>('model') ?? '').trim() || 'builtin:seed';
  const tokenizer = (c.get<string>('tokenizer') ?? '').trim();
  const maxLength = c.get<number | null>('maxLength');
  const userMaxLength = typeof maxLength === 'number' && maxLength > 0 ? maxLength : null;
  const hiddenSize = c.get<number | null>('randomEncoder.hiddenSize');
  return {
    ref: { model: resolvePath(model, false), tokenizer: tokenizer ? resolvePath(tokenizer, true) : undefined },
    options: {
      maxLength: userMaxLength,
      // No max length set: the whole text, as a Hugging Face tokenizer gives it by default (no
      // padding, no truncation), not the model's `max_length` (8 for builtin:seed, which would
      // cut every selection to 8 tokens). Show the Seed Example asks for the model's own.
      modelMaxLength: false,
      paddingSide: c.get<'right' | 'left'>('paddingSide') ?? 'right',
      truncationSide: c.get<'right' | 'left'>('truncationSide') ?? 'right',
      skipPadding: c.get<boolean>('skipPadding') ?? false,
      addSpecialTokens: c.get<boolean>('specialTokens') ?? true,
      random: {
        cell: c.get<'rnn' | 'gru' | 'lstm'>('randomEncoder.cell') ?? 'rnn',
        nonlinearity: c.get<'tanh' | 'relu'>('randomEncoder.nonlinearity') ?? 'tanh',
        hiddenSize: typeof hiddenSize === 'number' && hiddenSize > 0 ? hiddenSize : undefined,
        numLayers: c.get<number>('randomEncoder.layers') ?? 1,
        bidirectional: c.get<boolean>('randomEncoder.bidirectional') ?? false,
        seed: c.get<number>('randomEncoder.seed') ?? 0,
      },
    },
    hoverMode: hoverMode(c),
    boundaries: c.get<boolean>('tokenBoundaries.enabled') ?? false,
    statusBar: c.get<boolean>('statusBar.enabled') ?? true,
    requestTimeout: requestTimeout(c.get<number>('requestTimeout')),
    ignoredUntrusted,
  };
}

/** When the token hover shows: see package.json `embeddingLens.hover.mode`. */
export type HoverMode = 'whileInspecting' | 'always' | 'withModifier' | 'never';
export const HOVER_MODES: readonly HoverMode[] = ['whileInspecting', 'always', 'withModifier', 'never'];
export const DEFAULT_HOVER_MODE: HoverMode = 'whileInspecting';
/** The deprecated boolean `embeddingLens.hover.enabled` (read, and migrated to hover.mode). */
export const OLD_HOVER_KEY = 'hover.enabled';
export const HOVER_MODE_KEY = 'hover.mode';

function isHoverMode(v: unknown): v is HoverMode {
  return typeof v === 'string' && (HOVER_MODES as readonly string[]).includes(v);
}

/**
 * The hover mode, level by level from the most specific (folder, workspace, user): the mode set
 * there wins; else the old boolean set there: `false` is `never`, `true` is "not never" (the
 * levels below decide, `never` from them becoming the default). Nothing set: the default.
 */
export function hoverMode(c: vscode.WorkspaceConfiguration): HoverMode {
  const mode = c.inspect<unknown>(HOVER_MODE_KEY);
  const old = c.inspect<unknown>(OLD_HOVER_KEY);
  const levels = [
    [mode?.workspaceFolderValue, old?.workspaceFolderValue],
    [mode?.workspaceValue, old?.workspaceValue],
    [mode?.globalValue, old?.globalValue],
  ] as const;
  const from = (i: number): HoverMode => {
    if (i >= levels.length) return DEFAULT_HOVER_MODE;
    const [m, o] = levels[i]!;
    if (isHoverMode(m)) return m;
    if (o === false) return 'never';
    if (o === true) {
      const below = from(i + 1);
      return below === 'never' ? DEFAULT_HOVER_MODE : below;
    }
    return from(i + 1);
  };
  return from(0);
}

/**
 * Moves the old `hover.enabled` to `hover.mode` where it is set (user and workspace settings):
 * `false` becomes `hover.mode: never` there unless that level already sets a mode; `true` (the
 * old default) leaves the mode as it is. The old key is then removed from that level, so its
 * deprecation warning does not stay in the settings file. A folder's own settings (multi-root)
 * are not rewritten: readSettings still honours the old key there. Returns what it did, one
 * line per change (for the log).
 */
export async function migrateHoverSetting(): Promise<string[]> {
  const c = vscode.workspace.getConfiguration(SECTION);
  const old = c.inspect<unknown>(OLD_HOVER_KEY);
  const mode = c.inspect<unknown>(HOVER_MODE_KEY);
  const done: string[] = [];
  const levels = [
    { target: vscode.ConfigurationTarget.Global, name: 'user', old: old?.globalValue, mode: mode?.globalValue },
    { target: vscode.ConfigurationTarget.Workspace, name: 'workspace', old: old?.workspaceValue, mode: mode?.workspaceValue },
  ];
  for (const l of levels) {
    if (l.old === undefined) continue;
    if (l.old === false && l.mode === undefined) {
      await c.update(HOVER_MODE_KEY, 'never', l.target);
      done.push(`${SECTION}.${OLD_HOVER_KEY}: false in the ${l.name} settings is now ${SECTION}.${HOVER_MODE_KEY}: "never"`);
    }
    await c.update(OLD_HOVER_KEY, undefined, l.target);
    done.push(`${SECTION}.${OLD_HOVER_KEY} removed from the ${l.name} settings (deprecated: ${SECTION}.${HOVER_MODE_KEY} replaces it)`);
  }
  return done;
}

/**
 * Where a choice made in the panel or the picker is saved: the user settings, unless the user
 * asked for this workspace, or the workspace already sets that key (a user value would be
 * shadowed by it, so the choice would not take effect). An untrusted workspace ignores its own
 * model and tokenizer, so those go to the user settings there. Never creates a workspace's
 * `.vscode/settings.json` unasked.
 */
export function settingTarget(key: string, workspace = false): vscode.ConfigurationTarget {
  const c = vscode.workspace.getConfiguration(SECTION);
  const hasFolder = (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
  const honoured = vscode.workspace.isTrusted || !(PATH_SETTINGS as readonly string[]).includes(key);
  if (hasFolder && honoured && (workspace || c.inspect(key)?.workspaceValue !== undefined)) return vscode.ConfigurationTarget.Workspace;
  return vscode.ConfigurationTarget.Global;
}

/** Saves one setting where settingTarget says (nothing is written when it already holds `value` there). */
export async function saveSetting(key: string, value: unknown, workspace = false): Promise<void> {
  const c = vscode.workspace.getConfiguration(SECTION);
  const target = settingTarget(key, workspace);
  const i = c.inspect(key);
  const current = target === vscode.ConfigurationTarget.Workspace ? i?.workspaceValue : i?.globalValue;
  if (current === value && c.get(key) === value) return;
  await c.update(key, value, target);
}

/** The deadline setting as seconds: at least 1 (the schema's minimum, which settings.json can ignore); the default when not a number. */
export function requestTimeout(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return LIMITS.requestSeconds;
  return Math.max(1, value);
}

/** `~` and workspace-relative paths as absolute paths; built-ins, model references (and, for tokenizers, names like gpt2) as they are. */
export function resolvePath(raw: string, allowNames: boolean): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const value = folder ? raw.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath) : raw;
  // Model references (hf:org/name, ollama:name:tag, lmstudio:…) are names the worker resolves, not paths.
  if (value.startsWith('builtin:') || isModelReference(value) || (allowNames && /^[a-z0-9_]+$/i.test(value))) return value;
  if (value.startsWith('~/')) return (process.env.HOME ?? '') + value.slice(1);
  if (/^(\/|[a-zA-Z]:[\\/])/.test(value)) return value;
  return folder ? vscode.Uri.joinPath(folder.uri, value).fsPath : value;
}

/** A short name for the status bar and titles. */
export function modelLabel(model: string): string {
  if (model.startsWith('builtin:')) return model.slice('builtin:'.length);
  // hf:org/name → name, ollama:name:tag → name:tag, lmstudio:pub/repo/file.gguf → file.gguf.
  if (isModelReference(model)) return model.slice(model.indexOf(':') + 1).split('/').pop() || model;
  const parts = model.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? model;
}

/** Largest settings file looked at for path settings (a settings.json is a few KB). */
const MAX_SETTINGS_FILE_BYTES = 1024 * 1024;
const settingsFileKeys = new Map<string, { mtimeMs: number; size: number; keys: ReadonlySet<string> }>();

/**
 * Which PATH_SETTINGS the workspace's own settings files set (each folder's .vscode/settings.json
 * and a .code-workspace file's "settings"): flat (`"embeddingLens.model"`, also inside language
 * overrides) or nested (`"embeddingLens": { "model": … }`). Only the keys are read, never used as
 * values. Local files only; re-read when a file changes.
 */
function pathSettingsInWorkspaceFiles(): ReadonlySet<string> {
  const files: string[] = [];
  for (const f of vscode.workspace.workspaceFolders ?? []) if (f.uri.scheme === 'file') files.push(vscode.Uri.joinPath(f.uri, '.vscode', 'settings.json').fsPath);
  const ws = vscode.workspace.workspaceFile;
  if (ws?.scheme === 'file') files.push(ws.fsPath);
  const found = new Set<string>();
  for (const file of files) for (const k of settingsKeysOf(file)) found.add(k);
  return found;
}

function settingsKeysOf(file: string): ReadonlySet<string> {
  try {
    const st = statSync(file);
    if (!st.isFile() || st.size > MAX_SETTINGS_FILE_BYTES) return new Set();
    const cached = settingsFileKeys.get(file);
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.keys;
    const text = withoutJsonComments(readFileSync(file, 'utf8'));
    const keys = new Set<string>();
    for (const key of PATH_SETTINGS) {
      const flat = new RegExp(`"${SECTION}\\.${key}"\\s*:`);
      const nested = new RegExp(`"${SECTION}"\\s*:\\s*\\{[^{}]*"${key}"\\s*:`);
      if (flat.test(text) || nested.test(text)) keys.add(key);
    }
    settingsFileKeys.set(file, { mtimeMs: st.mtimeMs, size: st.size, keys });
    return keys;
  } catch {
    return new Set();
  }
}

/** JSONC without its comments (strings kept as they are, so `"http://…"` stays whole). */
export function withoutJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      out += ' ';
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}
