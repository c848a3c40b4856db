// The neighbour scan on onnxruntime-node: one MatMul `[rows x cols] · [cols x 1]` over the
// cached table (rows as read; the index divides each score by its row's norm), two threads. The table's Tensor is made once over the index's own
// Float32Array and passed to every run (onnxruntime-node wraps a typed array's memory without
// copying it; bench/neighbours.ts checks the warm time stays at the memory-bandwidth scale).
import type { NeighbourScan, ScanEngine } from '../core/neighbourIndex';
import { throwIfCancelled } from '../core/errors';
import { encodeModel } from './onnxProto';
import { loadOnnxRuntime } from './ort';

/** Threads of the scan's MatMul (the machine's two cores). */
export const SCAN_THREADS = 2;

/** The ONNX model `scores[R,1] = MatMul(table[R,C], query[C,1])` with symbolic R and C. */
export function scanModelBytes(): Uint8Array {
  return encodeModel({
    name: 'neighbourScan',
    nodes: [{ opType: 'MatMul', inputs: ['table', 'query'], outputs: ['scores'] }],
    initializers: [],
    inputs: [{ name: 'table', dims: ['R', 'C'] }, { name: 'query', dims: ['C', 1] }],
    outputs: [{ name: 'scores', dims: ['R', 1] }],
  });
}

/** The native scan, or undefined (with the reason) when onnxruntime-node cannot load. */
export function onnxScan(threads = SCAN_THREADS): NeighbourScan | { error: string } {
  const loaded = loadOnnxRuntime();
  if ('error' in loaded) return { error: loaded.error };
  const o = loaded.ort;
  return async (unit, rows, cols): Promise<ScanEngine> => {
    const session = await o.InferenceSession.create(scanModelBytes(), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    const table = new o.Tensor('float32', unit, [rows, cols]);
    let busy: Promise<unknown> = Promise.resolve();
    return {
      name: `onnxruntime MatMul, ${threads} thread${threads === 1 ? '' : 's'}`,
      async scan(query, cancel) {
        // One run at a time: a session is not re-entrant with these threads.
        const run = busy.then(async () => {
          throwIfCancelled(cancel);
          const out = await session.run({ table, query: new o.Tensor('float32', query, [cols, 1]) });
          return out.scores!.data as Float32Array;
        });
        busy = run.catch(() => undefined);
        return run;
      },
      dispose() {
        void busy.then(() => session.release());
      },
    };
  };
}
