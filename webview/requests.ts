// Requests the panel makes to the host (lookup, explain, project, export). Each carries a fresh id
// and settles exactly once: on the reply with that id, on didFail with that id, when a newer
// request of the same lane supersedes it, or on a timeout — nothing waits forever.
import type { FromPanel, ToPanel } from '../src/shared/panelProtocol';
import { vscode } from './vscodeApi';

/** The reply message of each request type. */
export interface ReplyOf {
  lookup: Extract<ToPanel, { type: 'didLookup' }>;
  search: Extract<ToPanel, { type: 'didSearch' }>;
  explain: Extract<ToPanel, { type: 'didExplain' }>;
  project: Extract<ToPanel, { type: 'didProject' }>;
  export: Extract<ToPanel, { type: 'didExport' }>;
}

/** A request type the panel can send and await. */
export type RequestKind = keyof ReplyOf;

/** A request as a view writes it: the id is added here. */
export type RequestBody<K extends RequestKind> = Omit<Extract<FromPanel, { type: K }>, 'requestId'>;

const REPLY_TYPE: { readonly [K in RequestKind]: ReplyOf[K]['type'] } = { lookup: 'didLookup', search: 'didSearch', explain: 'didExplain', project: 'didProject', export: 'didExport' };

/** Why a request did not give a reply. */
export type RequestFailure = 'failed' | 'timeout' | 'superseded' | 'cancelled';

/** A request that ended without a reply; `reason` says how (`detail` is the host's reason, e.g. 'unsupported'). */
export class RequestError extends Error {
  constructor(message: string, readonly reason: RequestFailure, readonly detail?: string) {
    super(message);
    this.name = 'RequestError';
  }
}

/** Default time to wait for a reply; the first neighbour lookup of a big model builds a table. */
export const DEFAULT_TIMEOUT_MS = 60_000;

// The host numbers its encodes from 1,000,000; panel requests live far above so a didFail for
// one can never be taken for the other.
/** The first id of the views' requests: far above the host's own encode ids (1,000,000 + n). */
export const FIRST_VIEW_REQUEST_ID = 1 << 30;
let nextId = FIRST_VIEW_REQUEST_ID;

interface Pending {
  readonly kind: RequestKind;
  resolve(reply: unknown): void;
  reject(e: RequestError): void;
  timer: ReturnType<typeof setTimeout>;
}

const pending = new Map<number, Pending>();
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  // main.ts re-dispatches the four reply types as 'lens-reply'; didFail comes straight from the host.
  window.addEventListener('lens-reply', e => settle((e as CustomEvent<ToPanel>).detail));
  window.addEventListener('message', e => {
    const m = e.data as ToPanel | undefined;
    if (m && m.type === 'didFail') settle(m);
  });
}

function settle(m: ToPanel): void {
  if (!('requestId' in m)) return;
  const p = pending.get(m.requestId);
  if (!p) return; // superseded, timed out, or not ours: dropped
  if (m.type === 'didFail') {
    finish(m.requestId);
    p.reject(new RequestError(m.message, m.reason === 'cancelled' ? 'cancelled' : 'failed', m.reason));
  } else if (m.type === REPLY_TYPE[p.kind]) {
    finish(m.requestId);
    p.resolve(m);
  }
}

function finish(id: number): void {
  const p = pending.get(id);
  if (p) clearTimeout(p.timer);
  pending.delete(id);
}

const WHAT: { readonly [K in RequestKind]: string } = { lookup: 'neighbour lookup', search: 'vocabulary search', explain: 'tokenizer replay', project: 'projection', export: 'export' };

/** Sends one request and resolves with its reply; rejects with a RequestError. */
export function request<K extends RequestKind>(body: RequestBody<K>, options: { timeoutMs?: number; transfer?: Transferable[] } = {}): { id: number; reply: Promise<ReplyOf[K]> } {
  listen();
  const id = nextId++;
  const kind = body.type as K;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const reply = new Promise<ReplyOf[K]>((resolve, reject) => {
    const timer = setTimeout(() => {
      finish(id);
      reject(new RequestError(`No answer to the ${WHAT[kind]} after ${Math.round(timeoutMs / 1000)} s: the extension's worker may be busy or may have stopped. Try again, or see the "Embedding Lens" output channel.`, 'timeout'));
    }, timeoutMs);
    pending.set(id, { kind, resolve: resolve as (r: unknown) => void, reject, timer });
  });
  vscode.postMessage({ ...body, requestId: id } as FromPanel, options.transfer);
  return { id, reply };
}

/** Rejects a pending request as superseded (its reply, if it comes, is dropped). */
export function supersede(id: number): void {
  const p = pending.get(id);
  if (!p) return;
  finish(id);
  p.reject(new RequestError('superseded by a newer request', 'superseded'));
}

/**
 * One view's stream of requests: each new request supersedes the one before, so a view only
 * ever draws the answer to the last thing it asked.
 */
export class RequestLane<K extends RequestKind> {
  private current = -1;

  /** Sends `body`, superseding the previous request of this lane. */
  send(body: RequestBody<K>, options?: { timeoutMs?: number; transfer?: Transferable[] }): Promise<ReplyOf[K]> {
    this.cancel();
    const { id, reply } = request(body, options);
    this.current = id;
    return reply.finally(() => {
      if (this.current === id) this.current = -1;
    });
  }

  /** Drops the pending request, if any. */
  cancel(): void {
    if (this.current >= 0) supersede(this.current);
    this.current = -1;
  }

  /** Whether a request is in flight. */
  get busy(): boolean {
    return this.current >= 0;
  }
}

/** True for the rejection a superseded request gets (views ignore it). */
export function isSuperseded(e: unknown): boolean {
  return e instanceof RequestError && e.reason === 'superseded';
}
