import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type * as vscode from 'vscode';
import { ACTIVITY_BYTES, readActivity } from '../core/activity';
import { LIMITS } from '../core/limits';
import type { DebugFault, FromWorker, ToWorker, WireError, WorkerReplies, WorkerRequest, WorkerStartData } from '../shared/workerProtocol';

/**
 * A worker-side failure, with the core's reason ('badFile', 'cancelled', …) or one of the
 * client's own: 'timeout' (past its deadline), 'workerExit' (the thread died), 'outOfMemory'
 * (the thread hit its heap limit), 'restarted' (another request's fault stopped the worker:
 * this one is collateral and callers need not show it), 'disposed'.
 */
export class WorkerError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

/** The worker's V8 heap limit (MB): a runaway allocation ends the worker alone, not the extension host. */
export const WORKER_HEAP_MB = 4096;

/**
 * After a cancel, how long the worker may take to answer a ping (ms). A request still running
 * then is stuck in synchronous work that never checks the flag (a runaway regex) and the
 * thread is stopped; async work (reading a large model) answers and is left to finish.
 */
export const CANCEL_GRACE_MS = 3000;

/** setTimeout's longest delay (a longer one fires at once): a larger deadline is this long. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The setting that holds the per-request deadline (seconds), named in timeout messages. */
export const TIMEOUT_SETTING = 'embeddingLens.requestTimeout';

export interface WorkerClientOptions {
  /** Seconds a request may run once the worker began it; called when the request is sent. */
  readonly deadlineSeconds?: () => number;
  /** The extension runs its tests: `debugFault` requests and the test-only options work. */
  readonly testMode?: boolean;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly type: string;
  /** The worker the request was sent to (a fault fails only that worker's requests). */
  worker: Worker;
  /** What was posted (to send it again to a new worker when it never began). */
  readonly message: ToWorker;
  readonly seconds: number;
  /** When the worker began it (its `started` message); undefined while it waits in the queue. */
  startedAt?: number;
  timer?: NodeJS.Timeout;
}

/** Per worker thread: its activity slot and what ended it. */
interface WorkerState {
  readonly activity: SharedArrayBuffer;
  readonly heapMb: number;
  /** Set when the client itself stopped the thread for a fault it already reported. */
  handled: boolean;
  /** The thread's 'error' event (an uncaught throw, ERR_WORKER_OUT_OF_MEMORY), before its 'exit'. */
  error?: Error & { code?: string };
}

/**
 * The host's side of the worker thread: started on first use, requests with ids, one promise
 * each. VS Code cancellation sets a shared flag the worker's loops read.
 *
 * The watchdog: a request's clock starts when the worker begins it (its `started` message), not
 * when it is sent, so requests queued behind a long one are not blamed for its time. Past its
 * deadline (the `embeddingLens.requestTimeout` setting, read when the request is sent) the
 * worker is terminated, that request is rejected with what the worker was running (its
 * activity slot), and every other request of that worker is rejected as 'restarted'. A worker
 * that dies (exit, uncaught throw, out of heap) is handled the same way: one request (the last
 * one begun) carries the fault's message, the others are collateral. The next request starts a
 * new worker.
 */
export class WorkerClient implements vscode.Disposable {
  private worker: Worker | undefined;
  private readonly states = new WeakMap<Worker, WorkerState>();
  private nextId = 1;
  private readonly pongs = new Map<number, () => void>();
  private readonly pending = new Map<number, Pending>();
  private disposed = false;
  private heapMb = WORKER_HEAP_MB;
  private armed: { fault: DebugFault; type: WorkerRequest['type']; ms?: number | undefined } | undefined;
  /** How many workers have been started (for the log and tests). */
  starts = 0;
  /** How the last requests ended, oldest first (tests read it): 'result' or the error's reason. */
  readonly outcomes: { readonly seq: number; readonly type: string; readonly outcome: string }[] = [];
  /** How many requests have ended so far (outcomes keeps only the last 100: count from this, not from its length). */
  outcomeCount = 0;

  constructor(
    private readonly extensionPath: string,
    private readonly log: { info(m: string): void; warn(m: string): void; error(m: string): void },
    private readonly options: WorkerClientOptions = {},
  ) {}

  /** Sends a request; resolves with its reply, rejects with a WorkerError. */
  request<K extends WorkerRequest['type']>(request: Extract<WorkerRequest, { type: K }>, token?: vscode.CancellationToken): Promise<WorkerReplies[K]> {
    if (this.disposed) return Promise.reject(new WorkerError('disposed', 'Embedding Lens is shutting down'));
    if (token?.isCancellationRequested) return Promise.reject(new WorkerError('cancelled', 'cancelled'));
    if (request.type === 'debugFault' && !this.options.testMode) return Promise.reject(new WorkerError('option', 'debugFault requests are answered only while the extension runs its tests'));
    let sent: WorkerRequest = request;
    if (this.armed && this.armed.type === request.type) {
      sent = { type: 'debugFault', fault: this.armed.fault, ms: this.armed.ms };
      this.log.warn(`test hook: this ${request.type} request runs the fault "${this.armed.fault}" instead`);
      this.armed = undefined;
    }
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const cancel = token ? new SharedArrayBuffer(4) : null;
    const seconds = this.deadline();
    const message: ToWorker = { type: 'request', id, request: sent, cancel };
    return new Promise<WorkerReplies[K]>((resolve, reject) => {
      let sub: vscode.Disposable | undefined;
      let grace: NodeJS.Timeout | undefined;
      const done = (outcome: string): void => {
        sub?.dispose();
        clearTimeout(grace);
        const p = this.pending.get(id);
        if (p) clearTimeout(p.timer);
        this.pending.delete(id);
        this.outcomes.push({ seq: ++this.outcomeCount, type: request.type, outcome });
        if (this.outcomes.length > 100) this.outcomes.shift();
      };
      this.pending.set(id, {
        type: request.type,
        worker,
        message,
        seconds,
        resolve: v => {
          done('result');
          resolve(v as WorkerReplies[K]);
        },
        reject: e => {
          done((e as { reason?: string }).reason ?? 'internal');
          reject(e);
        },
      });
      if (token && cancel) {
        sub = token.onCancellationRequested(() => {
          Atomics.store(new Int32Array(cancel), 0, 1);
          // Work that never looks at the flag (a runaway regex) would run on: stop the thread if
          // it does not answer a ping in time.
          const p0 = this.pending.get(id);
          if (!p0) return;
          const pingId = this.nextId++;
          this.pongs.set(pingId, () => clearTimeout(grace));
          p0.worker.postMessage({ type: 'ping', id: pingId } satisfies ToWorker);
          grace = setTimeout(() => {
            this.pongs.delete(pingId);
            const p = this.pending.get(id);
            if (p?.startedAt === undefined) return;
            this.log.warn(`${request.type} was cancelled but its worker did not answer for ${CANCEL_GRACE_MS} ms; stopping the worker`);
            this.stopWorker(p.worker, id, new WorkerError('cancelled', 'cancelled'), `a cancelled ${request.type} request did not stop`, { resendQueued: true });
          }, CANCEL_GRACE_MS);
        });
      }
      worker.postMessage(message);
    });
  }

  /** The outcomes of the requests that ended after `count` had ended (count: an earlier outcomeCount). */
  outcomesSince(count: number): { readonly type: string; readonly outcome: string }[] {
    return this.outcomes.filter(o => o.seq > count);
  }

  /** Stops the worker now (tests use it to check recovery); pending requests are rejected. */
  async terminate(): Promise<void> {
    const w = this.worker;
    if (w) await w.terminate();
  }

  /** Whether a worker thread is running. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** The requests waiting for an answer, and whether the worker has begun each (tests poll it). */
  pendingRequests(): { readonly type: string; readonly started: boolean }[] {
    return [...this.pending.values()].map(p => ({ type: p.type, started: p.startedAt !== undefined }));
  }

  /**
   * Test mode only: the next request of `type` runs `fault` in the worker instead (so a fault
   * goes through the same path as the user's request: messages, panel, log).
   */
  injectFault(fault: DebugFault, type: WorkerRequest['type'], ms?: number): void {
    this.requireTestMode('injectFault');
    this.armed = { fault, type, ms };
  }

  /** Test mode only: the heap limit (MB) of workers started from now on; the running one is stopped. */
  async setHeapLimitForTests(mb: number | undefined): Promise<void> {
    this.requireTestMode('setHeapLimitForTests');
    this.heapMb = mb ?? WORKER_HEAP_MB;
    await this.terminate();
  }

  dispose(): void {
    this.disposed = true;
    this.failAll(undefined, 'disposed', 'Embedding Lens is shutting down');
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private requireTestMode(what: string): void {
    if (!this.options.testMode) throw new WorkerError('option', `${what} is available only while the extension runs its tests`);
  }

  /** This request's deadline in seconds (the setting, at least 1; the default if unset or not a number). */
  private deadline(): number {
    const s = this.options.deadlineSeconds?.();
    return typeof s === 'number' && Number.isFinite(s) ? Math.max(1, s) : LIMITS.requestSeconds;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const file = path.join(this.extensionPath, 'dist', 'worker.js');
    const state: WorkerState = { activity: new SharedArrayBuffer(ACTIVITY_BYTES), heapMb: this.heapMb, handled: false };
    const workerData: WorkerStartData = { assetsDir: path.join(this.extensionPath, 'assets'), activity: state.activity, testHooks: this.options.testMode === true };
    // A larger young generation: tokenizing makes many short-lived objects (measured ~1.5x faster).
    // A capped old generation: a runaway allocation ends this thread (ERR_WORKER_OUT_OF_MEMORY),
    // not the extension host.
    const worker = new Worker(file, { workerData, resourceLimits: { maxYoungGenerationSizeMb: 64, maxOldGenerationSizeMb: state.heapMb } });
    this.states.set(worker, state);
    this.starts++;
    this.log.info(`worker started (#${this.starts}, heap limit ${state.heapMb} MB)`);
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', e => {
      state.error = e;
      this.log.error(`worker error: ${e.stack ?? e.message}`);
    });
    worker.on('exit', code => this.onExit(worker, state, code));
    this.worker = worker;
    return worker;
  }

  private onExit(worker: Worker, state: WorkerState, code: number): void {
    if (this.worker === worker) this.worker = undefined;
    if (this.disposed || state.handled) return;
    const running = activityOf(state);
    let reason: string;
    let message: string;
    if (state.error?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      reason = 'outOfMemory';
      message = `the Embedding Lens worker ran out of memory (limit ${state.heapMb} MB) while running ${running}; it was restarted for the next request`;
    } else if (state.error) {
      reason = 'workerExit';
      message = `the Embedding Lens worker stopped (${oneLine(state.error.message)}) while running ${running}; it was restarted for the next request`;
    } else {
      reason = 'workerExit';
      message = `the Embedding Lens worker stopped (exit code ${code}) before it answered, while running ${running}; it was restarted for the next request`;
    }
    this.log.warn(`worker exited with code ${code}: ${message}`);
    const why = reason === 'outOfMemory' ? `it ran out of memory (limit ${state.heapMb} MB)` : `it stopped (exit code ${code})`;
    this.failWorker(worker, this.bearer(worker), new WorkerError(reason, message), why);
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'ready':
        return;
      case 'pong':
        this.pongs.get(m.id)?.();
        this.pongs.delete(m.id);
        return;
      case 'started': {
        const p = this.pending.get(m.id);
        if (!p || p.startedAt !== undefined) return;
        p.startedAt = Date.now();
        const id = m.id;
        p.timer = setTimeout(() => this.onDeadline(id), Math.min(p.seconds * 1000, MAX_TIMER_MS));
        return;
      }
      case 'result':
        this.pending.get(m.id)?.resolve(m.result);
        return;
      case 'error':
        this.pending.get(m.id)?.reject(toError(m.error));
        return;
    }
  }

  private onDeadline(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    const state = this.states.get(p.worker);
    const running = state ? activityOf(state) : 'an unknown step';
    // The message leaves out which feature asked (encode, the status bar's count, a hover), so
    // the same runaway step reached by several features is one message to the user.
    const message = `a request was stopped after ${p.seconds} s while it was running ${running}; the worker was restarted. To allow more time, raise the setting ${TIMEOUT_SETTING}.`;
    this.log.error(`watchdog: the ${p.type} request was stopped after ${p.seconds} s while it was running ${running}`);
    this.stopWorker(p.worker, id, new WorkerError('timeout', message), `the ${p.type} request ran past its deadline`);
  }

  /**
   * Terminates `worker` for a fault the client saw itself: `id` gets `error`, its other requests
   * are collateral; with `resendQueued` (the fault was a cancelled request, not a bad input),
   * the requests the worker had not begun go to a new worker instead.
   */
  private stopWorker(worker: Worker, id: number, error: WorkerError, why: string, { resendQueued = false } = {}): void {
    const state = this.states.get(worker);
    if (state) state.handled = true;
    if (this.worker === worker) this.worker = undefined;
    if (resendQueued && !this.disposed) {
      const queued = [...this.pending].filter(([qid, p]) => qid !== id && p.worker === worker && p.startedAt === undefined);
      if (queued.length > 0) {
        const next = this.ensureWorker();
        for (const [, p] of queued) {
          p.worker = next;
          next.postMessage(p.message);
        }
        this.log.info(`${queued.length} request(s) the stopped worker had not begun were sent to a new one`);
      }
    }
    this.failWorker(worker, id, error, why);
    void worker.terminate();
  }

  /** Rejects every request sent to `worker`: `bearer` with `error`, the others as 'restarted'. */
  private failWorker(worker: Worker, bearer: number | undefined, error: WorkerError, why: string): void {
    for (const [id, p] of [...this.pending]) {
      if (p.worker !== worker) continue;
      if (id === bearer) p.reject(error);
      else p.reject(new WorkerError('restarted', `the ${p.type} request was not answered: the Embedding Lens worker was restarted because ${oneLine(why)}; try again`));
    }
  }

  /** The request a worker's death is blamed on: the last one it began, else the oldest sent. */
  private bearer(worker: Worker): number | undefined {
    let best: [number, Pending] | undefined;
    for (const entry of this.pending) {
      const p = entry[1];
      if (p.worker !== worker) continue;
      if (!best) best = entry;
      else if (p.startedAt !== undefined && (best[1].startedAt === undefined || p.startedAt >= best[1].startedAt)) best = entry;
    }
    return best?.[0];
  }

  private failAll(worker: Worker | undefined, reason: string, message: string): void {
    for (const p of [...this.pending.values()]) if (!worker || p.worker === worker) p.reject(new WorkerError(reason, `${message} (${p.type})`));
  }
}

function activityOf(state: WorkerState): string {
  return readActivity(state.activity) ?? 'an unknown step';
}

function oneLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

function toError(e: WireError): WorkerError {
  return new WorkerError(e.reason, e.message);
}
