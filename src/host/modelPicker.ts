import * as vscode from 'vscode';
import { modelLabel, saveSetting } from './config';

const RECENTS_KEY = 'embeddingLens.recentModels';
const MAX_RECENTS = 8;

interface ModelPick extends vscode.QuickPickItem {
  readonly value?: string;
  readonly action?: 'folder' | 'file';
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

/** The item button that saves a choice in this workspace's settings instead of the user's. */
const WORKSPACE_BUTTON: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('root-folder'), tooltip: 'Use for this workspace only (saved in .vscode/settings.json)' };

/**
 * Quick pick: built-ins, a model folder or file from disk, recent ones. Enter saves the choice in
 * the user settings; each item's folder button saves it for this workspace only (offered when a
 * folder is open). Resolves with the choice (a `builtin:` name or an absolute path), or
 * undefined when dismissed.
 */
export async function pickModel(state: vscode.Memento, current: string): Promise<PickedModel | undefined> {
  const canWorkspace = (vscode.workspace.workspaceFolders?.length ?? 0) > 0 && vscode.workspace.isTrusted;
  const buttons = canWorkspace ? [WORKSPACE_BUTTON] : [];
  const items: ModelPick[] = [
    { label: 'Built-in', kind: vscode.QuickPickItemKind.Separator },
    ...BUILTIN_MODELS.map(b => ({ label: b.label, description: b.value === current ? 'current' : b.value, detail: b.detail, value: b.value, buttons })),
    { label: 'From disk', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(folder-opened) Model folder\u2026', detail: 'tokenizer.json | vocab.json | vocab.txt + model.safetensors [+ config.json]', action: 'folder', buttons },
    { label: '$(file) Model file\u2026', detail: '.safetensors, .npy (tokenizer beside it), GloVe/word2vec .txt/.vec/.bin, vectors.tsv', action: 'file', buttons },
  ];
  const recents = recentModels(state);
  if (recents.length) {
    items.push({ label: 'Recent', kind: vscode.QuickPickItemKind.Separator });
    for (const r of recents) items.push({ label: `$(history) ${modelLabel(r)}`, description: r === current ? 'current' : undefined, detail: r, value: r, buttons });
  }
  const qp = vscode.window.createQuickPick<ModelPick>();
  qp.title = 'Embedding Lens: Select Model';
  qp.placeholder = canWorkspace ? `current: ${current} \u2014 Enter saves in your user settings; the folder button, for this workspace only` : `current: ${current}`;
  qp.matchOnDetail = true;
  qp.items = items;
  const active = items.find(i => i.value === current);
  if (active) qp.activeItems = [active];
  const picked = await new Promise<{ item: ModelPick; workspace: boolean } | undefined>(resolve => {
    const subs: vscode.Disposable[] = [];
    const done = (r: { item: ModelPick; workspace: boolean } | undefined): void => {
      for (const d of subs) d.dispose();
      resolve(r);
      qp.dispose();
    };
    subs.push(qp.onDidAccept(() => done(qp.selectedItems[0] ? { item: qp.selectedItems[0], workspace: false } : undefined)));
    subs.push(qp.onDidTriggerItemButton(e => done({ item: e.item, workspace: true })));
    subs.push(qp.onDidHide(() => done(undefined)));
    qp.show();
  });
  if (!picked) return undefined;
  const { item, workspace } = picked;
  if (item.value) return { model: item.value, workspace };
  const uris = await vscode.window.showOpenDialog({
    canSelectFiles: item.action === 'file',
    canSelectFolders: item.action === 'folder',
    canSelectMany: false,
    title: item.action === 'folder' ? 'Select a model folder' : 'Select a model file',
    openLabel: workspace ? 'Use for this workspace' : 'Use this model',
    filters: item.action === 'file' ? { 'Model files': ['safetensors', 'npy', 'json', 'txt', 'vec', 'bin', 'tsv'], 'All files': ['*'] } : undefined,
  });
  const path = uris?.[0]?.fsPath;
  return path ? { model: path, workspace } : undefined;
}

/**
 * Stores the model choice: in the user settings, unless `workspace` (the user asked for this
 * workspace) or the workspace already sets the model (config.ts settingTarget).
 */
export async function saveModelSetting(value: string, workspace = false): Promise<void> {
  await saveSetting('model', value, workspace);
}
