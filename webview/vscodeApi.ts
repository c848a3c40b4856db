// The one module that calls acquireVsCodeApi(). Tests load the panel with a fake defined first.
import type { FromPanel, PanelState } from '../src/shared/panelProtocol';

/** The webview side of VS Code's API that the panel uses. */
export interface VsCodeApi {
  postMessage(message: FromPanel, transfer?: Transferable[]): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** The API, acquired once. */
export const vscode: VsCodeApi = acquireVsCodeApi();

/** Merges `patch` into the saved UI state (setState holds UI state only, never results). */
export function saveState(patch: Partial<PanelState>): void {
  vscode.setState({ ...(vscode.getState() ?? {}), ...patch });
}
