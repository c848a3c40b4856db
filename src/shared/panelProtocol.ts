// The host ↔ panel (webview) channel. Host → webview messages state facts (didX); webview →
// host messages are requests. Numbers arrive as ArrayBuffers inside EncodeReply.
import type { Replay } from '../core/tokenizers/replay';
import type { PackedParts } from './resultPacking';
import type { EncodeReply, FindTokenReply, PipelineOptionsWire, ProjectReply, TokensWire, VectorsReply } from './workerProtocol';

/** Where the encoded text came from, so the panel can point back into the editor. */
export interface TextSource {
  /** The document's URI (string), or null for text typed in the panel. */
  readonly uri: string | null;
  /** A label: file name and line, or "typed text". */
  readonly label: string;
  /** UTF-16 offset of the text's start in the document. */
  readonly offset: number;
  /** Why the text is not all of what the user chose (e.g. only the first N characters), shown in the panel. */
  readonly note?: string | undefined;
}

/**
 * Longest text one inspection takes (characters): a longer selection is refused or cut (the
 * user is offered its first part), and the panel saves its text for a reload up to this size.
 */
export const MAX_SELECTION_CHARS = 200_000;

/** A model and options that hold for one panel only (Show the Seed Example), never saved to the settings. */
export interface PanelOnly {
  readonly model: string;
  readonly options: PipelineOptionsWire;
}

/** The options bar's state: what can be chosen and what is chosen. */
export interface PanelSettings {
  readonly model: string;
  readonly models: readonly { readonly value: string; readonly label: string }[];
  readonly options: PipelineOptionsWire;
  /** Set when the model and options hold for this panel only (the seed example), not the settings. */
  readonly panelOnly?: boolean | undefined;
}

/**
 * The token part of an encode (EncodeReply without the matrices), sent first so the panel can
 * draw the Tokens tab while the matrices are still on their way.
 */
export type TokensReply = Pick<EncodeReply, 'model' | 'text' | 'tokens' | 'positions' | 'truncated' | 'inputIds' | 'attentionMask' | 'options' | 'randomRows'>;

/** The token part of `r` (its own buffers: the same ArrayBuffers, exact size, not copied). */
export function tokensPart(r: EncodeReply): TokensReply {
  return { model: r.model, text: r.text, tokens: r.tokens, positions: r.positions, truncated: r.truncated, inputIds: r.inputIds, attentionMask: r.attentionMask, options: r.options, randomRows: r.randomRows ?? null };
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

/** The named tokenizers the Compare tab and command offer beside the models, as `tokenizer:NAME`. */
export const COMPARE_TOKENIZERS = ['gpt2', 'r50k_base', 'p50k_base', 'cl100k_base', 'o200k_base'] as const;
/** The prefix of a compare choice that names a tokenizer (else the choice is a model value). */
export const COMPARE_TOKENIZER_PREFIX = 'tokenizer:';

/** One side of a comparison: what was chosen and its tokens (content tokens plus specials when the settings add them). */
export interface CompareSideWire {
  /** The choice: a model value (as the options bar lists them) or `tokenizer:NAME`. */
  readonly choice: string;
  readonly label: string;
  /** The tokenizer's description ("tokenizer.json (BPE)", "o200k_base (tiktoken, …)"). */
  readonly tokenizer: string;
  readonly tokens: TokensWire;
  /** The embedding width when the side is a model; null for a tokenizer alone. */
  readonly dim: number | null;
}

/**
 * Two tokenizations of one text, aligned by span (core/align.ts). Each side's tokens, read group
 * after group, are 0, 1, 2, … in order, so a group holds a contiguous range of each side: group g
 * holds a's tokens [aEnd[g-1], aEnd[g]) (aEnd[-1] = 0), and b's likewise.
 */
export interface CompareReply {
  readonly text: string;
  readonly sides: readonly [CompareSideWire, CompareSideWire];
  readonly groups: {
    readonly count: number;
    /** Int32Array (count): span of each group. */
    readonly starts: ArrayBuffer;
    readonly ends: ArrayBuffer;
    /** Int32Array (count): one past each group's last token of side a / b. */
    readonly aEnd: ArrayBuffer;
    readonly bEnd: ArrayBuffer;
    /** Uint8Array (count): 1 where both sides cut the group the same way. */
    readonly same: ArrayBuffer;
  };
  /**
   * Float32Array (a's token count): the cosine of a's token with its aligned b token, NaN where
   * there is none; null when the sides are not two models with embeddings of the same width.
   */
  readonly cosine: ArrayBuffer | null;
  /** Why there is no cosine, or what it covers (shown under the rows). */
  readonly cosineNote: string;
}

/** Export formats the panel offers. */
export type ExportFormat = 'npy' | 'safetensors' | 'csv' | 'json' | 'png' | 'python' | 'projector';

/** How "copy ids" writes the token ids: a Python list (`[320, 1028, 5]`, as Python prints one) or a JSON array (`[320,1028,5]`). */
export type CopyIdsFormat = 'python' | 'json';

/** The ids as `format` writes a list of ints (the host builds it from its own result). */
export function idsAsList(ids: ArrayLike<number>, format: CopyIdsFormat): string {
  return format === 'python' ? `[${Array.from(ids).join(', ')}]` : JSON.stringify(Array.from(ids));
}

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
  | { readonly type: 'didExport'; readonly requestId: number; readonly path: string | null }
  /** Two tokenizations of the panel's text, aligned; `reveal`: show the Compare tab (the command asked). */
  | { readonly type: 'didCompare'; readonly requestId: number; readonly compare: CompareReply; readonly reveal?: boolean | undefined }
  /** Open Embedding Panel ran: open the text input and put the cursor in it. */
  | { readonly type: 'focusText' };

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
  /** Copy the token ids of result `requestId` (the one on show) to the clipboard; the host writes the list from its own copy of the result. */
  | { readonly type: 'copyIds'; readonly requestId: number; readonly format: CopyIdsFormat }
  /** Open the model picker. */
  | { readonly type: 'selectModel' }
  /** Tokenize the text on show with two choices (each a model offered or `tokenizer:NAME`) and align them. */
  | { readonly type: 'compare'; readonly requestId: number; readonly a: string; readonly b: string }
  /** Show the explainer's example (the seed model, its max length 8) in this panel only. */
  | { readonly type: 'showSeedExample' }
  /** Follow the editor's selection (re-encode it as it changes or is edited), or stop. */
  | { readonly type: 'follow'; readonly on: boolean }
  /** The panel drew the Tokens tab of a request from its didTokens (for the log and tests). */
  | { readonly type: 'drewTokens'; readonly requestId: number; readonly tokens: number }
  /** The panel drew a comparison (for tests and the log): each side's token count, the groups and how many differ. */
  | { readonly type: 'drewCompare'; readonly requestId: number; readonly a: number; readonly b: number; readonly groups: number; readonly differ: number }
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
  /** The Compare tab's two choices. */
  readonly compare?: { readonly a: string; readonly b: string };
  /**
   * The input-layer stage the matrix tab shows ("word", "+ position", "+ type", "LayerNorm"),
   * kept across results and reloads; checked against the stages on show (panelMessages.ts
   * checkSavedStage) before it is used.
   */
  readonly inputStage?: string;
  /**
   * What to re-encode after a reload: the text (at most MAX_SELECTION_CHARS) and where it came
   * from. The host checks it (panelMessages.ts checkPanelState) before it uses any of it.
   */
  readonly last?: { readonly text: string; readonly source: TextSource };
  /** The panel-only model and options on show (the seed example), restored after a reload. */
  readonly panelOnly?: PanelOnly;
  /** Follow the editor's selection. */
  readonly follow?: boolean;
  /** The text input is collapsed. */
  readonly textCollapsed?: boolean;
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
