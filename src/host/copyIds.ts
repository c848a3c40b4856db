// "Copy ids" from the panel's Tokens tab: the host writes the clipboard (vscode.env.clipboard
// works in desktop VS Code, the web and code-server alike; navigator.clipboard inside a webview
// needs a secure context and focus, which code-server over plain http does not give). The text is
// built from the host's own result, never from text the webview sent.
import * as vscode from 'vscode';
import { idsAsList, type CopyIdsFormat } from '../shared/panelProtocol';
import type { EncodeReply } from '../shared/workerProtocol';

/** Copies the token ids of `shown` (when it is result `requestId`) as a `format` list; says so in the status bar. */
export async function copyIds(shown: { requestId: number; result: EncodeReply } | undefined, requestId: number, format: CopyIdsFormat): Promise<void> {
  if (!shown || shown.requestId !== requestId || shown.result.tokens.ids.byteLength === 0) {
    void vscode.window.showWarningMessage('Embedding Lens: the ids on show are still being computed; copy them again in a moment.');
    return;
  }
  const ids = new Int32Array(shown.result.tokens.ids);
  await vscode.env.clipboard.writeText(idsAsList(ids, format));
  vscode.window.setStatusBarMessage(`Embedding Lens: copied ${ids.length} token ids as a ${format === 'python' ? 'Python' : 'JSON'} list`, 4000);
}
