import * as vscode from 'vscode';
import { defaultExportName, exportPaths } from '../shared/exportNames';
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
  projector: { 'Embedding Projector vectors (+ .metadata.tsv)': ['tsv'] },
};

const TITLES: Partial<Record<ExportFormat, string>> = {
  png: 'the current view as PNG',
  python: 'a PyTorch check script',
  projector: 'vectors.tsv and metadata.tsv for the Embedding Projector',
};

/**
 * Saves the result through VS Code's save dialog (never a browser download). The worker builds
 * the bytes; the host only writes them. Returns the chosen path, or null when cancelled.
 */
export async function exportResult(worker: WorkerClient, result: EncodeReply, format: ExportFormat, png: ArrayBuffer | undefined, log: vscode.LogOutputChannel): Promise<string | null> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const base = 'embedding-lens';
  const target = await vscode.window.showSaveDialog({
    title: `Export ${TITLES[format] ?? `the result as ${format}`}`,
    defaultUri: folder ? vscode.Uri.joinPath(folder, defaultExportName(base, format)) : undefined,
    filters: FILTERS[format],
    saveLabel: 'Export',
  });
  if (!target) return null;
  const written: vscode.Uri[] = [];
  let main = 0;
  if (format === 'png') {
    if (!png) throw new Error('the panel sent no image to export');
    await vscode.workspace.fs.writeFile(target, new Uint8Array(png));
    written.push(target);
  } else {
    // Copies of the buffers go to the worker; the panel keeps its result for replays.
    const copy = structuredClone(result);
    const reply = await worker.request({ type: 'export', result: copy, format });
    const places = exportPaths(target.path, format, reply.files.map(f => f.suffix));
    main = places.main;
    for (const [i, f] of reply.files.entries()) {
      const uri = target.with({ path: places.paths[i]! });
      await vscode.workspace.fs.writeFile(uri, new Uint8Array(f.bytes));
      written.push(uri);
    }
  }
  log.info(`exported ${format}: ${written.map(u => u.fsPath).join(', ')}`);
  const shown = written[main] ?? written[0];
  void vscode.window.showInformationMessage(`Embedding Lens: exported ${written.length === 1 ? shown!.fsPath : `${written.length} files: ${shown!.fsPath} and beside it ${written.filter(u => u !== shown).map(u => u.path.slice(u.path.lastIndexOf('/') + 1)).join(', ')}`}`);
  return shown?.fsPath ?? null;
}
