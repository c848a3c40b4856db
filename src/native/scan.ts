// The neighbour scan on onnxruntime-node: one MatMul `[rows x cols] · [cols x 1]` over the
// cached normalised table, two threads. The table's Tensor is made once over the index's own
// Float32Array and passed to every run (onnxruntime-node wraps a typed array's memory without
// copying it; bench/neighbours.ts checks the warm time stays at the memory-bandwidth scale).
import { createRequire } from 'node:module';
import * as protobuf from 'protobufjs';
import type * as Ort from 'onnxruntime-node';
import type { NeighbourScan, ScanEngine } from '../core/neighbourIndex';
import { throwIfCancelled } from '../core/errors';

/** Threads of the scan's MatMul (the machine's two cores). */
export const SCAN_THREADS = 2;

// The few ONNX messages a one-node graph needs, with onnx.proto's field numbers.
const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: { fields: { irVersion: { type: 'int64', id: 1 }, producerName: { type: 'string', id: 2 }, graph: { type: 'GraphProto', id: 7 }, opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 } } },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        GraphProto: { fields: { node: { rule: 'repeated', type: 'NodeProto', id: 1 }, name: { type: 'string', id: 2 }, input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 }, output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 } } },
        NodeProto: { fields: { input: { rule: 'repeated', type: 'string', id: 1 }, output: { rule: 'repeated', type: 'string', id: 2 }, name: { type: 'string', id: 3 }, opType: { type: 'string', id: 4 } } },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: { fields: { tensorType: { type: 'TypeProtoTensor', id: 1 } } },
        TypeProtoTensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
      },
    },
  },
};

const FLOAT = 1; // TensorProto.DataType.FLOAT

let modelProto: protobuf.Type | undefined;

/** The ONNX model `scores[R,1] = MatMul(table[R,C], query[C,1])` with symbolic R and C. */
export function scanModelBytes(): Uint8Array {
  modelProto ??= protobuf.Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto');
  const tensor = (name: string, dims: ({ dimParam: string } | { dimValue: number })[]) => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims } } } });
  const model = {
    irVersion: 8,
    producerName: 'embedding-lens',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'neighbourScan',
      node: [{ input: ['table', 'query'], output: ['scores'], name: 'scan', opType: 'MatMul' }],
      input: [tensor('table', [{ dimParam: 'R' }, { dimParam: 'C' }]), tensor('query', [{ dimParam: 'C' }, { dimValue: 1 }])],
      output: [tensor('scores', [{ dimParam: 'R' }, { dimValue: 1 }])],
    },
  };
  const err = modelProto.verify(model);
  if (err) throw new Error(`neighbour scan graph: ${err}`);
  return modelProto.encode(modelProto.fromObject(model)).finish();
}

let ort: typeof Ort | undefined;
let loadError: string | undefined;

/**
 * onnxruntime-node, loaded at run time (it is a native module kept out of the bundles), or the
 * reason it cannot load on this machine.
 */
export function loadOnnxRuntime(): { ort: typeof Ort } | { error: string } {
  if (ort) return { ort };
  if (loadError === undefined) {
    try {
      ort = createRequire(__filename)('onnxruntime-node') as typeof Ort;
      return { ort };
    } catch (e) {
      loadError = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    }
  }
  return { error: loadError! };
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
