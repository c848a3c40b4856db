import * as vscode from 'vscode';
import { modelLabel, SECTION } from './config';

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

/**
 * Quick pick: built-ins, a model folder or file from disk, recent ones. Returns the chosen
 * model (a `builtin:` name or an absolute path) or undefined when dismissed.
 */
export async function pickModel(state: vscode.Memento, current: string): Promise<string | undefined> {
  const items: ModelPick[] = [
    { label: 'Built-in', kind: vscode.QuickPickItemKind.Separator },
    ...BUILTIN_MODELS.map(b => ({ label: b.label, description: b.value === current ? 'current' : b.value, detail: b.detail, value: b.value })),
    { label: 'From disk', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(folder-opened) Model folder\u2026', detail: 'tokenizer.json | vocab.json | vocab.txt + model.safetensors [+ config.json]', action: 'folder' },
    { label: '$(file) Model file\u2026', detail: '.safetensors, .npy (tokenizer beside it), GloVe/word2vec .txt/.vec/.bin, vectors.tsv', action: 'file' },
  ];
  const recents = recentModels(state);
  if (recents.length) {
    items.push({ label: 'Recent', kind: vscode.QuickPickItemKind.Separator });
    for (const r of recents) items.push({ label: `$(history) ${modelLabel(r)}`, description: r === current ? 'current' : undefined, detail: r, value: r });
  }
  const pick = await vscode.window.showQuickPick(items, { title: 'Embedding Lens: Select Model', placeHolder: `current: ${current}`, matchOnDetail: true });
  if (!pick) return undefined;
  if (pick.value) return pick.value;
  const uris = await vscode.window.showOpenDialog({
    canSelectFiles: pick.action === 'file',
    canSelectFolders: pick.action === 'folder',
    canSelectMany: false,
    title: pick.action === 'folder' ? 'Select a model folder' : 'Select a model file',
    openLabel: 'Use this model',
    filters: pick.action === 'file' ? { 'Model files': ['safetensors', 'npy', 'json', 'txt', 'vec', 'bin', 'tsv'], 'All files': ['*'] } : undefined,
  });
  return uris?.[0]?.fsPath;
}

/** Stores the model choice in the settings (workspace when a folder is open, else user). */
export async function saveModelSetting(value: string): Promise<void> {
  // An untrusted workspace ignores its own model setting, so the choice goes to the user settings there.
  const target = vscode.workspace.workspaceFolders?.length && vscode.workspace.isTrusted ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration(SECTION).update('model', value, target);
}
