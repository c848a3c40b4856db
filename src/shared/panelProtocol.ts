// The host ↔ panel (webview) channel. Host → webview messages state facts (didX); webview →
// host messages are requests. Numbers arrive as ArrayBuffers inside EncodeReply.
import type { Replay } from '../core/tokenizers/replay';
import type { PackedParts } from './resultPacking';
import type { EncodeReply, FindTokenReply, PipelineOptionsWire, ProjectReply, VectorsReply } from './workerProtocol';

/** Where the encoded text came from, so the panel can point back into the editor. */
export interface TextSource {
  /** The document's URI (string), or null for text typed in the panel. */
  readonly uri: string | null;
  /** A label: file name and line, or "typed text". */
  readonly label: string;
  /** UTF-16 offset of the text's start in the document. */
  readonly offset: number;
}

/** The options bar's state: what can be chosen and what is chosen. */
export interface PanelSettings {
  readonly model: string;
  readonly models: readonly { readonly value: string; readonly label: string }[];
  readonly options: PipelineOptionsWire;
}

/**
 * The token part of an encode (EncodeReply without the matrices), sent first so the panel can
 * draw the Tokens tab while the matrices are still on their way.
 */
export type TokensReply = Pick<EncodeReply, 'model' | 'text' | 'tokens' | 'positions' | 'truncated' | 'inputIds' | 'attentionMask' | 'options'>;

/** The token part of `r` (its own buffers: the same ArrayBuffers, exact size, not copied). */
export function tokensPart(r: EncodeReply): TokensReply {
  return { model: r.model, text: r.text, tokens: r.tokens, positions: r.positions, truncated: r.truncated, inputIds: r.inputIds, attentionMask: r.attentionMask, options: r.options };
}

const NO_BYTES = new ArrayBuffer(0);

/** `r` without its text and tokens (sent already in a didTokens): they are most of its bytes that are not matrices. */
export function withoutTokens(r: EncodeReply): EncodeReply {
  return { ...r, text: '', tokens: { count: r.tokens.count, ids: NO_BYTES, starts: NO_BYTES, ends: NO_BYTES, special: NO_BYTES, texts: [] } };
}

/** `r` with the text and tokens of its didTokens put back. */
export function withTokens(r: EncodeReply, t: TokensReply): EncodeReply {
  return { ...r, text: t.text, tokens: t.tokens };
}

/** Export formats the panel offers. */
export type ExportFormat = 'npy' | 'safetensors' | 'csv' | 'json' | 'png' | 'python' | 'projector';

/** Host → webview. */
export type ToPanel =
  /** An encode started (the panel shows progress). */
  | { readonly type: 'didStart'; readonly requestId: number; readonly label: string }
  /**
   * The tokens of an encode, ahead of its result: the panel draws the Tokens tab at once. A
   * didEncode with the same request id follows (carrying the whole result again, so a panel that
   * reloads can be sent didEncode alone).
   */
  | { readonly type: 'didTokens'; readonly requestId: number; readonly tokens: TokensReply; readonly source: TextSource; readonly focus?: { readonly start: number; readonly end: number } | undefined }
  /**
   * The result of an encode (with `packed`, some of its matrices travel packed: resultPacking.ts).
   * With `tokensSent`, its text and tokens are those of the didTokens of the same request, not
   * sent again (withoutTokens): a webview that has no such didTokens asks again with `ready`.
   */
  | { readonly type: 'didEncode'; readonly requestId: number; readonly result: EncodeReply; readonly source: TextSource; readonly focus?: { readonly start: number; readonly end: number } | undefined; readonly packed?: PackedParts | undefined; readonly tokensSent?: boolean | undefined }
  /** An encode or another request failed. */
  | { readonly type: 'didFail'; readonly requestId: number; readonly message: string; readonly reason: string }
  /** The options bar's choices (sent on ready and when settings change). */
  | { readonly type: 'didChangeSettings'; readonly settings: PanelSettings }
  /** Rows and neighbours of a token. */
  | { readonly type: 'didLookup'; readonly requestId: number; readonly ids: readonly number[]; readonly vectors: VectorsReply }
  /** Vocabulary entries for a word typed in the Neighbours tab's search box. */
  | { readonly type: 'didSearch'; readonly requestId: number; readonly found: FindTokenReply }
  /** The tokenizer's steps for a span. */
  | { readonly type: 'didExplain'; readonly requestId: number; readonly replay: Replay }
  /** A PCA projection. */
  | { readonly type: 'didProject'; readonly requestId: number; readonly what: 'embeddings' | 'hidden'; readonly projection: ProjectReply }
  /** An export finished (path) or was cancelled (null). */
  | { readonly type: 'didExport'; readonly requestId: number; readonly path: string | null };

/** Webview → host. */
export type FromPanel =
  /** The panel has loaded and listens (the host replays the last result). */
  | { readonly type: 'ready' }
  /** Encode this text (typed or pasted in the panel) with the current options. */
  | { readonly type: 'encode'; readonly text: string }
  /** Re-encode the current text with changed options or model. */
  | { readonly type: 'setOptions'; readonly model?: string; readonly options: PipelineOptionsWire }
  /** Show the token's span in the editor it came from. */
  | { readonly type: 'revealToken'; readonly start: number; readonly end: number }
  /** Highlight a token's span in the editor while the pointer is on it (null clears). */
  | { readonly type: 'highlightToken'; readonly span: { readonly start: number; readonly end: number } | null }
  /** Rows and k neighbours of these ids. */
  | { readonly type: 'lookup'; readonly requestId: number; readonly ids: readonly number[]; readonly k: number }
  /** Find a word in the vocabulary (the Neighbours tab's search box): at most `limit` entries that start with it. */
  | { readonly type: 'search'; readonly requestId: number; readonly query: string; readonly limit: number }
  /** The tokenizer's steps for the span. */
  | { readonly type: 'explain'; readonly requestId: number; readonly start: number; readonly end: number }
  /** PCA of the embeddings or a hidden-state matrix (rows of the current result). */
  | { readonly type: 'project'; readonly requestId: number; readonly what: 'embeddings' | 'hidden'; readonly layer: number; readonly direction: number; readonly vocabSample: number }
  /** Save the current result (or a view) through VS Code's save dialog. */
  | { readonly type: 'export'; readonly requestId: number; readonly format: ExportFormat; readonly png?: ArrayBuffer }
  /** Open the model picker. */
  | { readonly type: 'selectModel' }
  /** The panel drew the Tokens tab of a request from its didTokens (for the log and tests). */
  | { readonly type: 'drewTokens'; readonly requestId: number; readonly tokens: number }
  /** The panel drew a result (for tests and the log): its ids as shown. */
  | { readonly type: 'rendered'; readonly requestId: number; readonly inputIds: readonly number[]; readonly tokens: number };

/** The state the panel keeps with setState (UI only, never data) and the serializer restores. */
export interface PanelState {
  readonly tab?: string;
  readonly selectedToken?: number;
  readonly step?: number;
  /** The step-through's layer and direction (0 forward, 1 reverse). */
  readonly stepLayer?: number;
  readonly stepDirection?: number;
  readonly zoom?: { readonly scale: number; readonly x: number; readonly y: number };
  /** What to re-encode after a reload: the text and where it came from. */
  readonly last?: { readonly text: string; readonly source: TextSource };
  /** The hidden-states tab: trace shown, quantity, chosen units per trace, threshold selection. */
  readonly hidden?: {
    readonly view?: string;
    readonly quantity?: string;
    readonly picked?: Readonly<Record<string, readonly number[]>>;
    readonly unitMode?: 'picked' | 'threshold';
    readonly theta?: number;
    readonly thetaMode?: 'ge' | 'abs' | 'le';
    readonly range?: readonly [number, number] | null;
  };
}
