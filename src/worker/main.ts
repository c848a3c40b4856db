// The worker thread's entry: transport only. Requests come from the host with an id and an
// optional SharedArrayBuffer cancellation flag; each gets a `started` message when the worker
// begins it (the host's watchdog clocks it from there) and exactly one result or error.
import { parentPort, workerData } from 'node:worker_threads';
import { installActivityBuffer, noteActivity } from '../core/activity';
import { isLensError, type CancellationFlag } from '../core/errors';
import { nodeDiscoveryEnv, nodeFiles } from '../core/nodeFiles';
import type { FromWorker, ToWorker, WorkerRequest, WorkerStartData } from '../shared/workerProtocol';
import { createNativeEncoder } from '../native/nativeEncoder';
import { WorkerHandlers } from './handlers';

const port = parentPort;
if (!port) throw new Error('worker/main.ts must run in a worker thread');

const data = workerData as WorkerStartData;
installActivityBuffer(data.activity);
// The native encoder (onnxruntime-node, both cores); it falls back to the TypeScript reference,
// saying why, when the module cannot load (e.g. the generic .vsix ships no binary) or ONNX cannot
// express the encoder exactly. Its engine is in every encode reply (the log and the panel's header).
const encoder = createNativeEncoder({ threads: 2 });
const handlers = new WorkerHandlers({ files: nodeFiles, assetsDir: data.assetsDir, discovery: nodeDiscoveryEnv() }, { testHooks: data.testHooks === true, encoder });

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

/** The host sets the shared flag to 1; Atomics makes the write visible inside sync loops. */
function flag(buffer: SharedArrayBuffer | null): CancellationFlag | undefined {
  if (!buffer) return undefined;
  const cell = new Int32Array(buffer);
  return {
    get isCancellationRequested() {
      return Atomics.load(cell, 0) !== 0;
    },
  };
}

/** What a request is about, noted before it runs: the watchdog's fallback when nothing finer was noted. */
function describeRequest(r: WorkerRequest): string {
  switch (r.type) {
    case 'encode':
    case 'tokenize':
    case 'count':
    case 'explain':
      return `${r.type} of ${r.text.length} characters with ${r.ref.model}${r.ref.tokenizer ? ` (tokenizer ${r.ref.tokenizer})` : ''}`;
    case 'loadModel':
    case 'vectors':
    case 'project':
      return `${r.type} with ${r.ref.model}`;
    case 'findToken':
      return `findToken of ${r.query.length} characters with ${r.ref.model}`;
    case 'export':
      return `export as ${r.format}`;
    case 'discover':
      return `discover models (${r.folders.length} added folders, ${r.hidden.length} hidden)`;
    case 'debugFault':
      return `debugFault ${r.fault}`;
  }
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'ping':
      post({ type: 'pong', id: message.id });
      break;
    case 'request': {
      const { id, request, cancel } = message;
      post({ type: 'started', id });
      noteActivity(describeRequest(request));
      if (request.type === 'debugFault' && request.fault === 'exit' && data.testHooks) {
        // The thread dies abruptly, as a native crash would. process.abort() is not available in
        // worker threads (it throws ERR_WORKER_UNSUPPORTED_OPERATION), so the test hook ends the
        // thread with process.exit(134), the exit status of an abort; no reply is ever sent.
        process.exit(134);
      }
      handlers.handle(request as never, flag(cancel)).then(
        ({ result, transfer }) => post({ type: 'result', id, result }, transfer),
        (e: unknown) => {
          const error = isLensError(e)
            ? { reason: e.reason, message: e.message }
            : { reason: 'internal', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
          post({ type: 'error', id, error });
        },
      );
      break;
    }
  }
});

post({ type: 'ready' });
