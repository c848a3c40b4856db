// The worker thread's entry: transport only. Requests come from the host with an id and an
// optional SharedArrayBuffer cancellation flag; each gets exactly one result or error.
import { parentPort, workerData } from 'node:worker_threads';
import { isLensError, type CancellationFlag } from '../core/errors';
import { nodeFiles } from '../core/nodeFiles';
import type { FromWorker, ToWorker } from '../shared/workerProtocol';
import { WorkerHandlers } from './handlers';

const port = parentPort;
if (!port) throw new Error('worker/main.ts must run in a worker thread');

const handlers = new WorkerHandlers({ files: nodeFiles, assetsDir: (workerData as { assetsDir: string }).assetsDir });

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

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'request': {
      const { id, request, cancel } = message;
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
