import * as vscode from 'vscode';
import { SOURCE_TITLES, type Discovery, type DiscoverySource } from '../core/discovery';
import { discoveredModelText } from '../core/format';
import { appendToListSetting, modelLabel, readModelSearch, removeFromListSetting, saveSetting, type ModelSearchSettings } from './config';

const RECENTS_KEY = 'embeddingLens.recentModels';
const MAX_RECENTS = 8;

/** One entry of Select Model…: a model to choose (`value`), or an action. */
export interface ModelPick extends vscode.QuickPickItem {
  readonly value?: string;
  /**
   * folder / file: browse for a model; addSearchFolder: add a folder to modelSearch.folders;
   * settings: open the modelSearch settings; none: an entry to read, not to choose (a problem,
   * "no models found").
   */
  readonly action?: 'folder' | 'file' | 'addSearchFolder' | 'settings' | 'none';
  /** A discovered model's source (its items carry the Hide button). */
  readonly source?: DiscoverySource;
  /** A discovered model's location (for an added folder: the folder, which its button removes). */
  readonly location?: string;
}

/** The built-in models, for the picker and the panel's options bar. */
export const BUILTIN_MODELS: readonly { value: string; label: string; detail: string }[] = [
  { value: 'builtin:seed', label: 'seed', detail: 'The explainer\u2019s example: "White refrigerator is evil." \u2192 [320, 1028, 5, 128, 1], E = 5, random RNN' },
  { value: 'builtin:glove-100d', label: 'glove-100d', detail: 'GloVe 6B 100d, top 50,000 words (public domain data), random RNN' },
];

/** Recently used model paths (most recent first). */
export function recentModels(state: vscode.Memento): string[] {
  return state.get<string[]>(RECENTS_KEY, []);
}

/** Remembers a model path as recently used. */
export async function rememberModel(state: vscode.Memento, value: string): Promise<void> {
  if (value.startsWith('builtin:')) return;
  const list = [value, ...recentModels(state).filter(v => v !== value)].slice(0, MAX_RECENTS);
  await state.update(RECENTS_KEY, list);
}

/** A model chosen in the picker, and whether the user asked to keep it for this workspace only. */
export interface PickedModel {
  readonly model: string;
  readonly workspace: boolean;
}

/** Runs discovery (in the worker) with the modelSearch settings; the picker cancels it when closed. */
export type DiscoverModels = (token: vscode.CancellationToken) => Promise<Discovery>;

/** The item button that saves a choice in this workspace's settings instead of the user's. */
const WORKSPACE_BUTTON: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('root-folder'), tooltip: 'Use for this workspace only (saved in .vscode/settings.json)' };
/** On a discovered model of the Hugging Face cache, Ollama or LM Studio: append its source to modelSearch.hidden. */
const HIDE_BUTTON: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('eye-closed'), tooltip: 'Hide this source (embeddingLens.modelSearch.hidden)' };
/** On a model of an added folder: take the folder out of modelSearch.folders. */
const REMOVE_FOLDER_BUTTON: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('close'), tooltip: 'Stop searching this folder (embeddingLens.modelSearch.folders)' };

/** The order of the discovery sections. */
const SOURCES = Object.keys(SOURCE_TITLES) as DiscoverySource[];

/**
 * What Select Model… lists, in order: built-ins, browse for a folder or file, recent models, then
 * (once discovery answered) one section per source with what it found, "Add a folder to
 * search…", and the entries that could not be read. `discovery` undefined: still looking;
 * an Error: discovery failed (said in one entry). `canWorkspace` adds the "this workspace only"
 * button to each model.
 */
export function modelPickItems(recents: readonly string[], current: string, discovery: Discovery | Error | undefined, search: Pick<ModelSearchSettings, 'hidden'>, canWorkspace: boolean): ModelPick[] {
  const buttons = canWorkspace ? [WORKSPACE_BUTTON] : [];
  const items: ModelPick[] = [
    { label: 'Built-in', kind: vscode.QuickPickItemKind.Separator },
    ...BUILTIN_MODELS.map(b => ({ label: b.label, description: b.value === current ? 'current' : b.value, detail: b.detail, value: b.value, buttons })),
    { label: 'From disk', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(folder-opened) Model folder\u2026', detail: 'tokenizer.json | vocab.json | vocab.txt + model.safetensors [+ config.json], or a folder holding one .gguf', action: 'folder', buttons },
    { label: '$(file) Model file\u2026', detail: '.gguf, .safetensors, .npy (tokenizer beside it), GloVe/word2vec .txt/.vec/.bin, vectors.tsv', action: 'file', buttons },
  ];
  if (recents.length) {
    items.push({ label: 'Recent', kind: vscode.QuickPickItemKind.Separator });
    for (const r of recents) items.push({ label: `$(history) ${modelLabel(r)}`, description: r === current ? 'current' : undefined, detail: r, value: r, buttons });
  }
  if (discovery instanceof Error) {
    items.push({ label: 'Models on this machine', kind: vscode.QuickPickItemKind.Separator });
    items.push({ label: '$(error) Could not look for models', detail: discovery.message, action: 'none' });
  } else if (discovery) {
    for (const source of SOURCES) {
      const models = discovery.models.filter(m => m.source === source);
      if (!models.length) continue;
      items.push({ label: SOURCE_TITLES[source], kind: vscode.QuickPickItemKind.Separator });
      const own = source === 'folder' ? REMOVE_FOLDER_BUTTON : HIDE_BUTTON;
      for (const m of models) {
        // hf:/ollama:/lmstudio: entries are saved as their reference (it survives a re-pull); an added folder's as its path.
        const value = source === 'folder' ? m.path : m.name;
        const text = discoveredModelText(m);
        items.push({ label: m.name, description: value === current ? `current \u00b7 ${text}` : text, detail: m.path, value, source, location: m.location, buttons: [...buttons, own] });
      }
    }
    if (!discovery.models.length) {
      const looked = discovery.locations.map(l => `${l.path}${l.exists ? '' : ' (not there)'}`).join(', ');
      items.push({ label: 'Models on this machine', kind: vscode.QuickPickItemKind.Separator });
      items.push({ label: '$(info) No models found', detail: looked ? `Looked in ${looked}` : 'Every location is hidden (embeddingLens.modelSearch.hidden)', action: 'none' });
    }
  }
  items.push({ label: 'Model search', kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: '$(add) Add a folder to search\u2026', detail: 'Select Model\u2026 then lists the models in it (embeddingLens.modelSearch.folders)', action: 'addSearchFolder' });
  if (search.hidden.length) items.push({ label: `$(eye-closed) Hidden: ${search.hidden.join(', ')}`, detail: 'Open the embeddingLens.modelSearch settings', action: 'settings' });
  if (discovery && !(discovery instanceof Error) && discovery.problems.length) {
    const n = discovery.problems.length;
    items.push({ label: `${n} ${n === 1 ? 'entry' : 'entries'} could not be read`, kind: vscode.QuickPickItemKind.Separator });
    for (const p of discovery.problems) items.push({ label: `$(warning) ${p.name ?? SOURCE_TITLES[p.source]}`, description: p.reason, detail: p.message, action: 'none' });
  }
  return items;
}

/** The open Select Model… quick pick, if any (the integration tests drive it). */
let shown: vscode.QuickPick<ModelPick> | undefined;

/** The Select Model… quick pick on show, and whether it is still looking for models. */
export function activeModelPicker(): vscode.QuickPick<ModelPick> | undefined {
  return shown;
}

/** How one showing of the picker ended. */
type Outcome = { item: ModelPick; workspace: boolean } | 'addSearchFolder' | undefined;

/**
 * Quick pick: built-ins, a model folder or file from disk, recent ones, and the models
 * `discover` finds (shown at once, busy, filled in when the worker answers; closing the picker
 * cancels the search). Enter saves the choice in the user settings; each item's folder button
 * saves it for this workspace only (offered when a folder is open). A discovered model's eye
 * button hides its source, an added folder's close button stops searching it; "Add a folder to
 * search…" asks for a folder, adds it and shows the picker again. Resolves with the choice (a
 * `builtin:` name, a reference such as `ollama:name:tag`, or an absolute path), or undefined
 * when dismissed.
 */
export async function pickModel(state: vscode.Memento, current: string, discover?: DiscoverModels, log?: { warn(m: string): void }): Promise<PickedModel | undefined> {
  for (;;) {
    const outcome = await showPicker(state, current, discover, log);
    if (outcome === undefined) return undefined;
    if (outcome === 'addSearchFolder') {
      const uris = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, title: 'Add a folder to search for models', openLabel: 'Search this folder' });
      const path = uris?.[0]?.fsPath;
      if (path) await appendToListSetting('modelSearch.folders', path);
      continue;
    }
    const { item, workspace } = outcome;
    if (item.value) return { model: item.value, workspace };
    const uris = await vscode.window.showOpenDialog({
      canSelectFiles: item.action === 'file',
      canSelectFolders: item.action === 'folder',
      canSelectMany: false,
      title: item.action === 'folder' ? 'Select a model folder' : 'Select a model file',
      openLabel: workspace ? 'Use for this workspace' : 'Use this model',
      filters: item.action === 'file' ? { 'Model files': ['gguf', 'safetensors', 'npy', 'json', 'txt', 'vec', 'bin', 'tsv'], 'All files': ['*'] } : undefined,
    });
    const path = uris?.[0]?.fsPath;
    return path ? { model: path, workspace } : undefined;
  }
}

function showPicker(state: vscode.Memento, current: string, discover: DiscoverModels | undefined, log: { warn(m: string): void } | undefined): Promise<Outcome> {
  const canWorkspace = (vscode.workspace.workspaceFolders?.length ?? 0) > 0 && vscode.workspace.isTrusted;
  const qp = vscode.window.createQuickPick<ModelPick>();
  qp.title = 'Embedding Lens: Select Model';
  qp.placeholder = canWorkspace ? `current: ${current} \u2014 Enter saves in your user settings; the folder button, for this workspace only` : `current: ${current}`;
  qp.matchOnDetail = true;
  qp.matchOnDescription = true;
  const fill = (discovery: Discovery | Error | undefined): void => {
    // Keep the highlighted entry across a refill (the list grows under the user's cursor).
    const was = qp.activeItems[0];
    const items = modelPickItems(recentModels(state), current, discovery, readModelSearch(), canWorkspace);
    qp.items = items;
    const again = was && items.find(i => i.kind !== vscode.QuickPickItemKind.Separator && (was.value !== undefined ? i.value === was.value : i.label === was.label));
    const active = again ?? items.find(i => i.value === current);
    if (active) qp.activeItems = [active];
  };
  fill(undefined);
  let cts: vscode.CancellationTokenSource | undefined;
  let closed = false;
  /** Discovery again (after a setting changed); a newer search supersedes an older one. */
  const search = async (): Promise<void> => {
    if (!discover) return;
    cts?.cancel();
    const mine = (cts = new vscode.CancellationTokenSource());
    qp.busy = true;
    try {
      const d = await discover(mine.token);
      if (!closed && cts === mine) fill(d);
    } catch (e) {
      if (closed || cts !== mine || mine.token.isCancellationRequested) return;
      log?.warn(`Select Model: looking for models failed: ${e instanceof Error ? e.message : String(e)}`);
      fill(e instanceof Error ? e : new Error(String(e)));
    } finally {
      if (!closed && cts === mine) qp.busy = false;
      mine.dispose();
    }
  };
  return new Promise<Outcome>(resolve => {
    const subs: vscode.Disposable[] = [];
    const done = (r: Outcome): void => {
      if (closed) return;
      closed = true;
      cts?.cancel();
      for (const d of subs) d.dispose();
      if (shown === qp) shown = undefined;
      resolve(r);
      qp.dispose();
    };
    subs.push(
      qp.onDidAccept(() => {
        const item = qp.selectedItems[0];
        if (!item) return done(undefined);
        if (item.action === 'none') return;
        if (item.action === 'addSearchFolder') return done('addSearchFolder');
        if (item.action === 'settings') {
          done(undefined);
          void vscode.commands.executeCommand('workbench.action.openSettings', 'embeddingLens.modelSearch');
          return;
        }
        done({ item, workspace: false });
      }),
    );
    subs.push(
      qp.onDidTriggerItemButton(e => {
        if (e.button === WORKSPACE_BUTTON) return done({ item: e.item, workspace: true });
        if (e.button !== HIDE_BUTTON && e.button !== REMOVE_FOLDER_BUTTON) return;
        void hideEntry(e.item).then(
          () => search(),
          err => log?.warn(`Select Model: could not change the modelSearch settings: ${err instanceof Error ? err.message : String(err)}`),
        );
      }),
    );
    subs.push(qp.onDidHide(() => done(undefined)));
    shown = qp;
    qp.show();
    void search();
  });
}

/**
 * What a discovered entry's button does (user settings): hide its source (append `hf`, `ollama`
 * or `lmstudio` to modelSearch.hidden), or for an added folder's entry take that folder out of
 * modelSearch.folders as the user wrote it (a folder set elsewhere, e.g. in a workspace, is
 * hidden by its path instead). The picker searches again afterwards.
 */
export async function hideEntry(item: Pick<ModelPick, 'source' | 'location'>): Promise<void> {
  if (!item.source) return;
  if (item.source !== 'folder') {
    await appendToListSetting('modelSearch.hidden', item.source);
    return;
  }
  if (item.location === undefined) return;
  const search = readModelSearch();
  const i = search.folders.indexOf(item.location);
  const raw = i >= 0 ? search.rawFolders[i]! : item.location;
  if (!(await removeFromListSetting('modelSearch.folders', raw))) await appendToListSetting('modelSearch.hidden', item.location);
}

/**
 * Stores the model choice: in the user settings, unless `workspace` (the user asked for this
 * workspace) or the workspace already sets the model (config.ts settingTarget).
 */
export async function saveModelSetting(value: string, workspace = false): Promise<void> {
  await saveSetting('model', value, workspace);
}
