// The Neighbours tab's search box, host side: a word typed in the panel (already checked by
// panelMessages.ts) goes to the worker's vocabulary scan with the model the panel shows, and the
// entries come back as didSearch. The neighbours of a found entry are an ordinary `lookup`.
import type * as vscode from 'vscode';
import type { FromPanel, ToPanel } from '../shared/panelProtocol';
import type { FindTokenReply, ModelRef } from '../shared/workerProtocol';
import type { WorkerClient } from './workerClient';

/** What the search needs of the panel: where the answer goes. */
export interface SearchTarget {
  post(message: ToPanel): void;
}

/**
 * Looks the word up in `ref`'s vocabulary and posts didSearch; rejects (the caller posts
 * didFail) when the model cannot be loaded or the panel closes first (`token`).
 */
export async function answerSearch(worker: WorkerClient, ref: ModelRef, target: SearchTarget, m: Extract<FromPanel, { type: 'search' }>, token: vscode.CancellationToken, log: vscode.LogOutputChannel): Promise<FindTokenReply> {
  const found = await worker.request({ type: 'findToken', ref, query: m.query, limit: m.limit }, token);
  log.debug(`search ${JSON.stringify(m.query.slice(0, 40))}: ${found.exact ? `entry ${found.exact.id}` : 'not one entry'}, ${found.prefixedTotal} entries start with it`);
  target.post({ type: 'didSearch', requestId: m.requestId, found });
  return found;
}
