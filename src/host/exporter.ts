import * as vscode from 'vscode';
import type { ExportFormat } from '../shared/panelProtocol';
import type { EncodeReply } from '../shared/workerProtocol';
import type { WorkerClient } from './workerClient';

const FILTERS: Record<ExportFormat, Record<string, string[]>> = {
  npy: { 'NumPy arrays (one .npy per array)': ['npy'] },
  safetensors: { safetensors: ['safetensors'] },
  csv: { CSV: ['csv'] },
  json: { JSON: ['json'] },
  png: { PNG: ['png'] },
  python: { 'Python check script (+ .safetensors)': ['py'] },
};

/**
 * Saves the result through VS Code's save dialog (never a browser download). The worker builds
 * the bytes; the host only writes them. Returns the chosen path, or null when cancelled.
 */
export async function exportResult(worker: WorkerClient, result: EncodeReply, format: ExportFormat, png: ArrayBuffer | undefined, log: vscode.LogOutputChannel): Promise<string | null> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const base = 'embedding-lens';
  const ext = format === 'python' ? 'check.py' : format;
  const target = await vscode.window.showSaveDialog({
    title: `Export ${format === 'png' ? 'the current view as PNG' : format === 'python' ? 'a PyTorch check script' : `the result as ${format}`}`,
    defaultUri: folder ? vscode.Uri.joinPath(folder, `${base}.${ext}`) : undefined,
    filters: FILTERS[format],
    saveLabel: 'Export',
  });
  if (!target) return null;
  const written: vscode.Uri[] = [];
  if (format === 'png') {
    if (!png) throw new Error('the panel sent no image to export');
    await vscode.workspace.fs.writeFile(target, new Uint8Array(png));
    written.push(target);
  } else {
    // Copies of the buffers go to the worker; the panel keeps its result for replays.
    const copy = structuredClone(result);
    const reply = await worker.request({ type: 'export', result: copy, format });
    const stem = target.path.replace(/\.check\.py$|\.(npy|safetensors|csv|json|py)$/i, '');
    for (const f of reply.files) {
      const uri = target.with({ path: stem + f.suffix });
      await vscode.workspace.fs.writeFile(uri, new Uint8Array(f.bytes));
      written.push(uri);
    }
  }
  log.info(`exported ${format}: ${written.map(u => u.fsPath).join(', ')}`);
  void vscode.window.showInformationMessage(`Embedding Lens: exported ${written.length === 1 ? written[0]!.fsPath : `${written.length} files next to ${written[0]!.fsPath}`}`);
  return written[0]?.fsPath ?? null;
}
