/**
 * The few ONNX protobuf messages we write, declared by reflection with protobufjs (field numbers
 * from onnx/onnx.proto, IR version 8), and helpers to build a model from them. Only what an
 * in-memory graph of RNN/GRU/LSTM, Gemm, Transpose and Reshape nodes needs.
 */
import * as protobuf from 'protobufjs';

/** onnx.proto TensorProto.DataType values we use. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;
/** onnx.proto AttributeProto.AttributeType values we use. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** IR version 8 (ONNX 1.10+) and the default domain's opset the nodes are written for. */
export const IR_VERSION = 8;
export const OPSET = 17;

function message(name: string, fields: [name: string, id: number, type: string, rule?: 'repeated'][]): protobuf.Type {
  const t = new protobuf.Type(name);
  for (const [fieldName, id, type, rule] of fields) t.add(new protobuf.Field(fieldName, id, type, rule));
  return t;
}

let cached: protobuf.Type | undefined;

/** ModelProto and everything it refers to, in one reflection root (built once). */
function modelType(): protobuf.Type {
  if (cached) return cached;
  const root = new protobuf.Root();
  const ns = root.define('onnx');
  ns.add(message('OperatorSetIdProto', [['domain', 1, 'string'], ['version', 2, 'int64']]));
  ns.add(message('TensorProto', [
    ['dims', 1, 'int64', 'repeated'],
    ['dataType', 2, 'int32'],
    ['floatData', 4, 'float', 'repeated'],
    ['int64Data', 7, 'int64', 'repeated'],
    ['name', 8, 'string'],
    ['rawData', 9, 'bytes'],
  ]));
  ns.add(message('AttributeProto', [
    ['name', 1, 'string'],
    ['f', 2, 'float'],
    ['i', 3, 'int64'],
    ['s', 4, 'bytes'],
    ['floats', 7, 'float', 'repeated'],
    ['ints', 8, 'int64', 'repeated'],
    ['strings', 9, 'bytes', 'repeated'],
    ['type', 20, 'int32'],
  ]));
  ns.add(message('NodeProto', [
    ['input', 1, 'string', 'repeated'],
    ['output', 2, 'string', 'repeated'],
    ['name', 3, 'string'],
    ['opType', 4, 'string'],
    ['attribute', 5, 'AttributeProto', 'repeated'],
    ['domain', 7, 'string'],
  ]));
  const dimension = message('Dimension', [['dimValue', 1, 'int64'], ['dimParam', 2, 'string']]);
  const shape = message('TensorShapeProto', [['dim', 1, 'Dimension', 'repeated']]);
  shape.add(dimension);
  ns.add(shape);
  const tensorType = message('Tensor', [['elemType', 1, 'int32'], ['shape', 2, 'TensorShapeProto']]);
  const typeProto = message('TypeProto', [['tensorType', 1, 'Tensor']]);
  typeProto.add(tensorType);
  ns.add(typeProto);
  ns.add(message('ValueInfoProto', [['name', 1, 'string'], ['type', 2, 'TypeProto']]));
  ns.add(message('GraphProto', [
    ['node', 1, 'NodeProto', 'repeated'],
    ['name', 2, 'string'],
    ['initializer', 5, 'TensorProto', 'repeated'],
    ['input', 11, 'ValueInfoProto', 'repeated'],
    ['output', 12, 'ValueInfoProto', 'repeated'],
  ]));
  ns.add(message('ModelProto', [
    ['irVersion', 1, 'int64'],
    ['producerName', 2, 'string'],
    ['producerVersion', 3, 'string'],
    ['graph', 7, 'GraphProto'],
    ['opsetImport', 8, 'OperatorSetIdProto', 'repeated'],
  ]));
  root.resolveAll();
  cached = root.lookupType('onnx.ModelProto');
  return cached;
}

export type AttrValue = number | string | number[] | string[] | { float: number };

export interface Node {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, AttrValue>;
}

export interface Initializer {
  name: string;
  dims: number[];
  /** Float32 data (raw little-endian bytes in the file) or int64 values. */
  data: Float32Array | { int64: number[] };
}

/** A graph input or output: float32 with these dims (a string is a symbolic dim). */
export interface ValueInfo {
  name: string;
  dims: (number | string)[];
}

export interface GraphSpec {
  name: string;
  nodes: Node[];
  initializers: Initializer[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function attribute(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer (use { float })`);
    return { name, type: AttributeType.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: utf8(v) };
  if (Array.isArray(v)) {
    if (v.every(x => typeof x === 'string')) return { name, type: AttributeType.STRINGS, strings: (v as string[]).map(utf8) };
    return { name, type: AttributeType.INTS, ints: v };
  }
  return { name, type: AttributeType.FLOAT, f: v.float };
}

function valueInfo(v: ValueInfo): Record<string, unknown> {
  return {
    name: v.name,
    type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: v.dims.map(d => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function initializer(t: Initializer): Record<string, unknown> {
  if (t.data instanceof Float32Array) {
    // raw_data is the tensor's bytes in little-endian order; Float32Array is the platform's order.
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    return { name: t.name, dims: t.dims, dataType: DataType.FLOAT, rawData: isLittleEndian ? bytes : swap32(bytes) };
  }
  return { name: t.name, dims: t.dims, dataType: DataType.INT64, int64Data: t.data.int64 };
}

const isLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function swap32(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i += 4) {
    out[i] = b[i + 3]!;
    out[i + 1] = b[i + 2]!;
    out[i + 2] = b[i + 1]!;
    out[i + 3] = b[i]!;
  }
  return out;
}

/** Serialises a one-graph model (default domain, opset OPSET) to ONNX protobuf bytes. */
export function encodeModel(graph: GraphSpec): Uint8Array {
  const type = modelType();
  const model = {
    irVersion: IR_VERSION,
    producerName: 'embedding-lens',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: graph.name,
      node: graph.nodes.map((n, i) => ({
        name: `${n.opType}_${i}`,
        opType: n.opType,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      initializer: graph.initializers.map(initializer),
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
    },
  };
  const err = type.verify(model);
  if (err) throw new Error(`ONNX model does not verify: ${err}`);
  return type.encode(type.fromObject(model)).finish();
}

/** Decodes bytes written by encodeModel back to a plain object (for tests). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const type = modelType();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: String, defaults: false }) as Record<string, unknown>;
}
