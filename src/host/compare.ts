// Compare: the panel's text through two models or tokenizers, aligned by span. The panel's
// Compare tab asks with a checked `compare` message; the command "Embedding Lens: Compare
// Tokenizers…" picks both sides with quick picks and opens the panel on that tab. The worker
// tokenizes each side (and reads the rows of the pairs a cosine is shown for); the alignment
// itself (core/align.ts) is linear in the text and runs here.
import * as vscode from 'vscode';
import { buildCompare, type AskWorker, type CompareSideSpec, type CompareSummary } from '../shared/compareReply';
import { COMPARE_TOKENIZER_PREFIX, COMPARE_TOKENIZERS, type CompareReply, type TextSource } from '../shared/panelProtocol';
import type { ModelRef } from '../shared/workerProtocol';
import { modelLabel, readSettings } from './config';
import { MAX_SELECTION_CHARS, type Lens } from './lens';
import { rememberModel } from './modelPicker';
import { InspectorPanel } from './panel';
import { withDelayedProgress } from './progress';

/** The command's id. */
export const COMPARE_COMMAND = 'embeddingLens.compareTokenizers';

/** A side as a choice: a model value, or `tokenizer:NAME`. */
export interface CompareChoice {
  readonly value: string;
  readonly label: string;
  readonly detail: string;
}

/** The choices offered: the options bar's models, then the named tokenizers. */
export function compareChoices(lens: Lens): CompareChoice[] {
  const s = lens.settings();
  return [
    ...s.models.map(m => ({ value: m.value, label: m.label, detail: m.value === s.model ? `${m.value} (the panel's model)` : m.value })),
    ...COMPARE_TOKENIZERS.map(n => ({ value: COMPARE_TOKENIZER_PREFIX + n, label: n, detail: 'tokenizer only (no embeddings)' })),
  ];
}

function labelOf(choice: string): string {
  return choice.startsWith(COMPARE_TOKENIZER_PREFIX) ? choice.slice(COMPARE_TOKENIZER_PREFIX.length) : modelLabel(choice);
}

/** The worker's ref for a choice; the panel's own model keeps the tokenizer setting that overrides its tokenizer. */
function refOf(choice: string): ModelRef {
  const s = readSettings();
  if (choice.startsWith(COMPARE_TOKENIZER_PREFIX)) return { model: s.ref.model, tokenizer: choice.slice(COMPARE_TOKENIZER_PREFIX.length) };
  return choice === s.ref.model ? s.ref : { model: choice };
}

/** Runs comparisons for the panel and the command; one at a time (a new one cancels the last). */
export class CompareController implements vscode.Disposable {
  private cts: vscode.CancellationTokenSource | undefined;

  constructor(
    private readonly lens: Lens,
    private readonly state: vscode.Memento,
  ) {
    InspectorPanel.compareHandler = (panel, m) => this.compareInto(panel, m.requestId, m.a, m.b, false).then(() => undefined);
  }

  dispose(): void {
    this.cts?.cancel();
    if (InspectorPanel.compareHandler) InspectorPanel.compareHandler = undefined;
  }

  /**
   * The command: two quick picks (or `args`), then the panel on its Compare tab. The text is the
   * editor's selection when there is one (inspected in the panel first), else the panel's text.
   */
  async command(args?: { a?: unknown; b?: unknown }): Promise<CompareSummary | undefined> {
    const given = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
    const a = given(args?.a) ?? (await this.pick('A', 1, readSettings().ref.model));
    if (!a) return undefined;
    const b = given(args?.b) ?? (await this.pick('B', 2, a === COMPARE_TOKENIZER_PREFIX + 'o200k_base' ? COMPARE_TOKENIZER_PREFIX + 'gpt2' : COMPARE_TOKENIZER_PREFIX + 'o200k_base', a));
    if (!b) return undefined;
    const editor = vscode.window.activeTextEditor;
    const selected = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : undefined;
    let panel = InspectorPanel.active;
    if (selected && selected.length > MAX_SELECTION_CHARS) {
      void vscode.window.showWarningMessage(`Embedding Lens: the selection has ${selected.length.toLocaleString('en-US')} characters; select at most ${MAX_SELECTION_CHARS.toLocaleString('en-US')} to compare tokenizers on it.`);
      return undefined;
    }
    if (selected) {
      const doc = editor!.document;
      const range = editor!.selection;
      const source: TextSource = { uri: doc.uri.toString(), label: `${vscode.workspace.asRelativePath(doc.uri)}:${range.start.line + 1}`, offset: doc.offsetAt(range.start) };
      // Beside the editor, never over it (as Inspect Selection places it).
      panel = InspectorPanel.show(this.lens, true, editor!.viewColumn);
      // An editor's text: the settings' model again, not the seed example's (as Inspect Selection does).
      this.lens.endPanelOnly(panel);
      // The panel shows what is compared; the comparison runs on its text.
      await this.lens.encodeInto(panel, selected, source);
    } else if (!panel?.currentText) {
      void vscode.window.showInformationMessage('Embedding Lens: select text in an editor (or type it in the panel) to compare tokenizers on it.');
      return undefined;
    } else {
      InspectorPanel.show(this.lens, false);
    }
    return this.compareInto(panel!, panel!.newRequestId(), a, b, true);
  }

  /** A quick pick of one side; a model from disk is remembered so the panel offers it too. */
  private async pick(side: 'A' | 'B', step: number, preferred: string, other?: string): Promise<string | undefined> {
    type Item = vscode.QuickPickItem & { value?: string; disk?: boolean };
    const choices = compareChoices(this.lens);
    const models = choices.filter(c => !c.value.startsWith(COMPARE_TOKENIZER_PREFIX));
    const named = choices.filter(c => c.value.startsWith(COMPARE_TOKENIZER_PREFIX));
    const item = (c: CompareChoice): Item => ({ label: c.label, description: c.value === other ? 'side A' : undefined, detail: c.detail, value: c.value });
    const items: Item[] = [
      { label: 'Models', kind: vscode.QuickPickItemKind.Separator },
      ...models.map(item),
      { label: 'Tokenizers', kind: vscode.QuickPickItemKind.Separator },
      ...named.map(item),
      { label: 'From disk', kind: vscode.QuickPickItemKind.Separator },
      { label: '$(folder-opened) Model folder or file\u2026', detail: 'tokenizer.json | vocab.json | vocab.txt [+ model.safetensors], or a model file', disk: true },
    ];
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = `Embedding Lens: Compare Tokenizers (${step}/2)`;
    qp.placeholder = `Side ${side}: a model or a tokenizer`;
    qp.items = items;
    qp.matchOnDetail = true;
    const first = items.find(i => i.value === preferred) ?? items.find(i => i.value !== undefined);
    if (first) qp.activeItems = [first];
    const picked = await new Promise<Item | undefined>(resolve => {
      qp.onDidAccept(() => resolve(qp.selectedItems[0] ?? qp.activeItems[0]));
      qp.onDidHide(() => resolve(undefined));
      qp.show();
    });
    qp.dispose();
    if (!picked) return undefined;
    if (picked.value) return picked.value;
    const uris = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: false, title: `Compare: side ${side}`, openLabel: 'Compare with this' });
    const path = uris?.[0]?.fsPath;
    if (path) await rememberModel(this.state, path);
    return path;
  }

  /** Tokenizes the panel's text with both choices, aligns them, and posts didCompare. */
  async compareInto(panel: InspectorPanel, requestId: number, a: string, b: string, reveal: boolean): Promise<CompareSummary | undefined> {
    const current = panel.currentText;
    if (!current) throw new Error('nothing to compare yet: inspect or type some text first');
    const text = current.text;
    this.cts?.cancel();
    const cts = (this.cts = new vscode.CancellationTokenSource());
    const closing = panel.panel.onDidDispose(() => cts.cancel());
    try {
      const result = await withDelayedProgress(`Embedding Lens: comparing ${labelOf(a)} and ${labelOf(b)}`, token => this.build(text, a, b, token), cts.token);
      if (cts.token.isCancellationRequested) return undefined;
      const { reply, summary } = result;
      this.lens.log.info(`compare ${a} vs ${b} on ${current.source.label}: ${summary.a.count} vs ${summary.b.count} tokens, ${summary.groups} groups, ${summary.differ} cut differently, ${summary.cosines} cosines`);
      panel.post({ type: 'didCompare', requestId, compare: reply, reveal });
      return summary;
    } finally {
      closing.dispose();
      if (this.cts === cts) this.cts = undefined;
      cts.dispose();
    }
  }

  private build(text: string, a: string, b: string, token: vscode.CancellationToken): Promise<{ reply: CompareReply; summary: CompareSummary }> {
    const ask: AskWorker = request => this.lens.worker.request(request, token);
    const spec = (choice: string): CompareSideSpec => ({ choice, label: labelOf(choice), ref: refOf(choice), model: !choice.startsWith(COMPARE_TOKENIZER_PREFIX) });
    return buildCompare(ask, text, spec(a), spec(b), readSettings().options.addSpecialTokens !== false);
  }
}

/** Registers the command and the panel's handler (called once from Lens.registerCommands). */
export function registerCompare(lens: Lens, state: vscode.Memento, reg: (id: string, fn: (...args: never[]) => unknown) => void): vscode.Disposable {
  const controller = new CompareController(lens, state);
  reg(COMPARE_COMMAND, (args?: { a?: unknown; b?: unknown }) => controller.command(args));
  return controller;
}
