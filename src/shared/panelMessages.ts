// The webview is untrusted: anything that runs in it (a bug, or script smuggled in through a
// token's text) can post any value. Every message is checked here before the host acts on it —
// its type, each field's type, numbers against the result the panel shows — and a copy holding
// only the known fields is what the host uses. Pure (no vscode), so plain node tests cover it.
import { LIMITS } from '../core/limits';
import { COMPARE_TOKENIZER_PREFIX, COMPARE_TOKENIZERS, MAX_SELECTION_CHARS, type ExportFormat, type FromPanel, type PanelOnly, type TextSource } from './panelProtocol';

/** Export formats the host accepts. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['npy', 'safetensors', 'csv', 'json', 'png', 'python', 'projector'];
/** Most neighbours one lookup may ask for (the panel offers 5 to 50; 0 asks for rows only). */
export const MAX_NEIGHBOURS = 100;
/** Most ids one lookup may name (the panel asks for one token, or for a page of neighbours). */
export const MAX_LOOKUP_IDS = 1024;
/** Longest word the Neighbours search box may look up (a vocabulary entry is far shorter). */
export const MAX_SEARCH_CHARS = 256;
/** Most entries one search may list. */
export const MAX_SEARCH_RESULTS = 200;
/** Largest vocabulary sample a projection may ask for (the panel offers up to 10,000). */
export const MAX_VOCAB_SAMPLE = 10_000;
/** Largest max length the options bar may set (the pipeline's cap on ids per text). */
export const MAX_MAX_LENGTH = 65_536;
/** Longest model value the options bar may send (it can only pick one the host offered). */
export const MAX_MODEL_CHARS = 4096;
/** Largest PNG the panel may hand over for export. */
export const MAX_PNG_BYTES = 64 * 1024 * 1024;
/** Most ids a `rendered` report may list. */
export const MAX_RENDERED_IDS = 1 << 20;
/** Largest request id. */
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** What the host knows when a message arrives: the result on show and the models it offered. */
export interface PanelMessageContext {
  /** The result the panel shows, or undefined before the first one. */
  readonly result:
    | {
        /** Length of the encoded text (UTF-16 code units): token spans lie inside it. */
        readonly textLength: number;
        /** Rows of the model's embedding table: ids lie below it. */
        readonly rows: number;
        /** The encoder's layers and directions (1 or 2): a projection's layer/direction lie below them. */
        readonly layers: number;
        readonly directions: number;
      }
    | undefined;
  /** The model values the options bar was given (read only when a setOptions arrives). */
  models(): readonly string[];
}

/** A checked message (a fresh object with the known fields only), or why it was refused. */
export type PanelMessageCheck =
  | { readonly ok: true; readonly message: FromPanel }
  | { readonly ok: false; readonly why: string; /** The message's request id, when it had a valid one (so the host can fail that request). */ readonly requestId?: number };

class Invalid extends Error {}

function fail(why: string): never {
  throw new Invalid(why);
}

type Obj = Readonly<Record<string, unknown>>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer);
}

/** Refuses keys other than `allowed` (own enumerable keys; a key holding undefined counts as absent). */
function onlyKeys(o: Obj, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k) && o[k] !== undefined) fail(`${what}: unknown field ${JSON.stringify(k.slice(0, 40))}`);
}

function int(o: Obj, key: string, min: number, max: number, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${what}.${key}: expected a whole number, got ${describe(v)}`);
  if (v < min || v > max) fail(`${what}.${key}: ${v} is outside ${min}..${max}`);
  return v;
}

function finite(o: Obj, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${what}.${key}: expected a number, got ${describe(v)}`);
  return v;
}

function str(o: Obj, key: string, maxChars: number, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`${what}.${key}: expected a string, got ${describe(v)}`);
  if (v.length > maxChars) fail(`${what}.${key}: ${v.length} characters, at most ${maxChars} allowed`);
  return v;
}

function oneOf<T extends string>(o: Obj, key: string, set: readonly T[], what: string): T {
  const v = o[key];
  if (typeof v !== 'string' || !(set as readonly string[]).includes(v)) fail(`${what}.${key}: expected one of ${set.join(', ')}, got ${describe(v)}`);
  return v as T;
}

function optional<T>(o: Obj, key: string, read: () => T): T | undefined {
  return o[key] === undefined ? undefined : read();
}

function bool(o: Obj, key: string, what: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') fail(`${what}.${key}: expected true or false, got ${describe(v)}`);
  return v;
}

/** A short, safe description of a refused value for the log (never the whole value). */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `a string of ${v.length} characters`;
  if (typeof v === 'number') return String(v);
  return typeof v;
}

function span(o: Obj, what: string, textLength: number): { start: number; end: number } {
  const start = int(o, 'start', 0, textLength, what);
  const end = int(o, 'end', 0, textLength, what);
  if (end < start) fail(`${what}: end ${end} is before start ${start}`);
  return { start, end };
}

function requireResult(ctx: PanelMessageContext, what: string): NonNullable<PanelMessageContext['result']> {
  if (!ctx.result) fail(`${what}: there is no result on show yet`);
  return ctx.result;
}

function options(o: unknown): Extract<FromPanel, { type: 'setOptions' }>['options'] {
  const what = 'setOptions.options';
  if (!isObject(o)) fail(`${what}: expected an object, got ${describe(o)}`);
  onlyKeys(o, ['maxLength', 'paddingSide', 'truncationSide', 'skipPadding', 'addSpecialTokens', 'random'], what);
  const maxLength = o.maxLength === null ? null : optional(o, 'maxLength', () => int(o, 'maxLength', 1, MAX_MAX_LENGTH, what));
  // The options bar sends back the random encoder's options it was given; the host never applies
  // them from the panel (they are settings only), so they are checked for shape and then dropped.
  optional(o, 'random', () => {
    const r = o.random;
    const rw = `${what}.random`;
    if (!isObject(r)) fail(`${rw}: expected an object, got ${describe(r)}`);
    onlyKeys(r, ['cell', 'nonlinearity', 'hiddenSize', 'numLayers', 'bidirectional', 'seed'], rw);
    optional(r, 'cell', () => oneOf(r, 'cell', ['rnn', 'gru', 'lstm'] as const, rw));
    optional(r, 'nonlinearity', () => oneOf(r, 'nonlinearity', ['tanh', 'relu'] as const, rw));
    for (const key of ['hiddenSize', 'numLayers', 'seed']) optional(r, key, () => finite(r, key, rw));
    optional(r, 'bidirectional', () => bool(r, 'bidirectional', rw));
  });
  return {
    maxLength,
    paddingSide: optional(o, 'paddingSide', () => oneOf(o, 'paddingSide', ['right', 'left'] as const, what)),
    truncationSide: optional(o, 'truncationSide', () => oneOf(o, 'truncationSide', ['right', 'left'] as const, what)),
    skipPadding: optional(o, 'skipPadding', () => bool(o, 'skipPadding', what)),
    addSpecialTokens: optional(o, 'addSpecialTokens', () => bool(o, 'addSpecialTokens', what)),
  };
}

/** The message's fields, checked; throws Invalid. */
function check(m: Obj, ctx: PanelMessageContext): FromPanel {
  const type = m.type;
  const requestId = (): number => int(m, 'requestId', 0, MAX_SAFE, String(type));
  switch (type) {
    case 'ready':
    case 'selectModel':
    case 'showSeedExample':
      onlyKeys(m, ['type'], type);
      return { type };
    case 'follow':
      onlyKeys(m, ['type', 'on'], type);
      return { type, on: bool(m, 'on', type) };
    case 'encode':
      onlyKeys(m, ['type', 'text'], type);
      return { type, text: str(m, 'text', LIMITS.textChars, type) };
    case 'setOptions': {
      onlyKeys(m, ['type', 'model', 'options'], type);
      const model = optional(m, 'model', () => str(m, 'model', MAX_MODEL_CHARS, type));
      // The options bar can only pick a model the host listed; any other value is a path the
      // webview made up, and a webview must not choose which files the extension reads.
      if (model !== undefined && !ctx.models().includes(model)) fail(`setOptions.model: ${JSON.stringify(model.slice(0, 80))} is not one of the models offered`);
      return { type, model, options: options(m.options) };
    }
    case 'revealToken': {
      onlyKeys(m, ['type', 'start', 'end'], type);
      const r = requireResult(ctx, type);
      return { type, ...span(m, type, r.textLength) };
    }
    case 'highlightToken': {
      onlyKeys(m, ['type', 'span'], type);
      if (m.span === null) return { type, span: null };
      const r = requireResult(ctx, type);
      if (!isObject(m.span)) fail(`highlightToken.span: expected {start, end} or null, got ${describe(m.span)}`);
      onlyKeys(m.span, ['start', 'end'], 'highlightToken.span');
      return { type, span: span(m.span, 'highlightToken.span', r.textLength) };
    }
    case 'lookup': {
      onlyKeys(m, ['type', 'requestId', 'ids', 'k'], type);
      const id = requestId();
      const r = requireResult(ctx, type);
      const ids = m.ids;
      if (!Array.isArray(ids)) fail(`lookup.ids: expected an array, got ${describe(ids)}`);
      if (ids.length === 0 || ids.length > MAX_LOOKUP_IDS) fail(`lookup.ids: ${ids.length} ids, expected 1 to ${MAX_LOOKUP_IDS}`);
      const clean = ids.map((v: unknown, i) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= r.rows) fail(`lookup.ids[${i}]: expected a row of the ${r.rows}-row table, got ${describe(v)}`);
        return v;
      });
      return { type, requestId: id, ids: clean, k: int(m, 'k', 0, MAX_NEIGHBOURS, type) };
    }
    case 'search': {
      onlyKeys(m, ['type', 'requestId', 'query', 'limit'], type);
      const id = requestId();
      requireResult(ctx, type);
      const query = str(m, 'query', MAX_SEARCH_CHARS, type);
      if (query.length === 0) fail('search.query: expected a word, got an empty string');
      return { type, requestId: id, query, limit: int(m, 'limit', 1, MAX_SEARCH_RESULTS, type) };
    }
    case 'explain': {
      onlyKeys(m, ['type', 'requestId', 'start', 'end'], type);
      const id = requestId();
      const r = requireResult(ctx, type);
      return { type, requestId: id, ...span(m, type, r.textLength) };
    }
    case 'project': {
      onlyKeys(m, ['type', 'requestId', 'what', 'layer', 'direction', 'vocabSample'], type);
      const id = requestId();
      const r = requireResult(ctx, type);
      const what = oneOf(m, 'what', ['embeddings', 'hidden'] as const, type);
      return {
        type,
        requestId: id,
        what,
        layer: int(m, 'layer', 0, r.layers - 1, type),
        direction: int(m, 'direction', 0, r.directions - 1, type),
        vocabSample: int(m, 'vocabSample', 0, what === 'embeddings' ? MAX_VOCAB_SAMPLE : 0, type),
      };
    }
    case 'export': {
      onlyKeys(m, ['type', 'requestId', 'format', 'png'], type);
      const id = requestId();
      requireResult(ctx, type);
      const format = oneOf(m, 'format', EXPORT_FORMATS, type);
      if (format !== 'png') {
        if (m.png !== undefined) fail(`export.png: only a png export carries an image`);
        return { type, requestId: id, format };
      }
      const png = m.png;
      if (!(png instanceof ArrayBuffer)) fail(`export.png: expected the image's bytes (an ArrayBuffer), got ${describe(png)}`);
      if (png.byteLength === 0 || png.byteLength > MAX_PNG_BYTES) fail(`export.png: ${png.byteLength} bytes, expected 1 to ${MAX_PNG_BYTES}`);
      return { type, requestId: id, format, png };
    }
    case 'compare': {
      onlyKeys(m, ['type', 'requestId', 'a', 'b'], type);
      const id = requestId();
      // Like setOptions.model: only choices the host offered, never a path the webview made up.
      const choice = (key: 'a' | 'b'): string => {
        const v = str(m, key, MAX_MODEL_CHARS, type);
        const named = v.startsWith(COMPARE_TOKENIZER_PREFIX) && (COMPARE_TOKENIZERS as readonly string[]).includes(v.slice(COMPARE_TOKENIZER_PREFIX.length));
        if (!named && !ctx.models().includes(v)) fail(`compare.${key}: ${JSON.stringify(v.slice(0, 80))} is not one of the models or tokenizers offered`);
        return v;
      };
      return { type, requestId: id, a: choice('a'), b: choice('b') };
    }
    case 'drewCompare': {
      onlyKeys(m, ['type', 'requestId', 'a', 'b', 'groups', 'differ'], type);
      const id = requestId();
      const a = int(m, 'a', 0, MAX_RENDERED_IDS, type);
      const b = int(m, 'b', 0, MAX_RENDERED_IDS, type);
      const groups = int(m, 'groups', 0, 2 * MAX_RENDERED_IDS + 1, type);
      return { type, requestId: id, a, b, groups, differ: int(m, 'differ', 0, groups, type) };
    }
    case 'copyIds': {
      onlyKeys(m, ['type', 'requestId', 'format'], type);
      const id = requestId();
      requireResult(ctx, type);
      return { type, requestId: id, format: oneOf(m, 'format', ['python', 'json'] as const, type) };
    }
    case 'drewTokens':
      onlyKeys(m, ['type', 'requestId', 'tokens'], type);
      return { type, requestId: requestId(), tokens: int(m, 'tokens', 0, MAX_RENDERED_IDS, type) };
    case 'rendered': {
      onlyKeys(m, ['type', 'requestId', 'inputIds', 'tokens'], type);
      const id = requestId();
      const ids = m.inputIds;
      if (!Array.isArray(ids) || ids.length > MAX_RENDERED_IDS) fail(`rendered.inputIds: expected an array of at most ${MAX_RENDERED_IDS} ids, got ${describe(ids)}`);
      const clean = ids.map((v: unknown, i) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= LIMITS.idLimit) fail(`rendered.inputIds[${i}]: expected an id, got ${describe(v)}`);
        return v;
      });
      return { type, requestId: id, inputIds: clean, tokens: int(m, 'tokens', 0, MAX_RENDERED_IDS, type) };
    }
    default:
      return fail(typeof type === 'string' ? `unknown message type ${JSON.stringify(type.slice(0, 40))}` : `message without a type (type is ${describe(type)})`);
  }
}

/** What a reloaded panel may be restored from: its saved state, checked (panel.ts revive). */
export interface RestoredState {
  readonly last?: { readonly text: string; readonly source: TextSource };
  readonly panelOnly?: PanelOnly;
  readonly follow?: boolean;
}

/** URI schemes a saved source may name (documents the host shows the tokens of); others are dropped. */
const SOURCE_SCHEMES = ['file:', 'untitled:', 'vscode-remote:', 'vscode-userdata:'];

/**
 * The parts of a panel's saved state (setState) the host acts on after a reload, checked: the
 * state is written by the webview, so it is as untrusted as its messages. The text is capped at
 * MAX_SELECTION_CHARS; a source URI of an unexpected scheme becomes null (typed text); a
 * panel-only model must be a built-in one (only Show the Seed Example sets one) and its options
 * pass the setOptions checks. Whatever fails a check is left out (a reload then shows less),
 * never thrown.
 */
export function checkPanelState(raw: unknown): RestoredState {
  if (!isObject(raw)) return {};
  const out: { last?: RestoredState['last']; panelOnly?: PanelOnly; follow?: boolean } = {};
  if (raw.follow === true) out.follow = true;
  const last = raw.last;
  if (isObject(last) && typeof last.text === 'string' && last.text.length > 0 && last.text.length <= MAX_SELECTION_CHARS && isObject(last.source)) {
    const src = last.source;
    const label = typeof src.label === 'string' ? src.label.slice(0, 500) : 'restored text';
    const offset = typeof src.offset === 'number' && Number.isSafeInteger(src.offset) && src.offset >= 0 ? src.offset : 0;
    const uri = typeof src.uri === 'string' && src.uri.length < 4096 && SOURCE_SCHEMES.some(s => src.uri!.toString().startsWith(s)) ? (src.uri as string) : null;
    const note = typeof src.note === 'string' ? src.note.slice(0, 500) : undefined;
    out.last = { text: last.text, source: { uri, label, offset: uri === null ? 0 : offset, ...(note ? { note } : {}) } };
  }
  const only = raw.panelOnly;
  if (isObject(only) && typeof only.model === 'string' && /^builtin:[a-z0-9-]+$/.test(only.model)) {
    const checked = checkPanelMessage({ type: 'setOptions', options: only.options }, { result: undefined, models: () => [] });
    if (checked.ok && checked.message.type === 'setOptions') out.panelOnly = { model: only.model, options: checked.message.options };
  }
  return out;
}

/**
 * The input-layer stage a reloaded panel shows again: the saved `inputStage` when the result on
 * show has a stage of exactly that name, else undefined (the word rows). The saved state is
 * written by the webview, so it is read as warily as a message; only the webview acts on this
 * field (the host never does), so it is checked where it is used rather than in checkPanelState.
 */
export function checkSavedStage(state: unknown, stages: readonly string[]): string | undefined {
  if (!isObject(state)) return undefined;
  const s = state.inputStage;
  return typeof s === 'string' && stages.includes(s) ? s : undefined;
}

/** Checks one message from the webview. Never throws: a refusal says why. */
export function checkPanelMessage(raw: unknown, ctx: PanelMessageContext): PanelMessageCheck {
  if (!isObject(raw)) return { ok: false, why: `expected a message object, got ${describe(raw)}` };
  try {
    return { ok: true, message: check(raw, ctx) };
  } catch (e) {
    const rid = raw.requestId;
    const requestId = typeof rid === 'number' && Number.isSafeInteger(rid) && rid >= 0 ? rid : undefined;
    const why = e instanceof Invalid ? e.message : `could not be read (${e instanceof Error ? e.message : String(e)})`;
    return requestId === undefined ? { ok: false, why } : { ok: false, why, requestId };
  }
}
