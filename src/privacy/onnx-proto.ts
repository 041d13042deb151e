// The few ONNX protobuf messages (onnx/onnx.proto3) needed to build a graph in code: a model with
// one graph of nodes, float32/int64 initializers, typed inputs and outputs. Written by hand because
// the graph is small and fixed, and a protobuf library would be a dependency for ~100 lines.
// Field numbers are onnx.proto's; every message is encoded as length-delimited bytes.

/** onnx.TensorProto.DataType values used here. */
export const FLOAT = 1;
export const INT64 = 7;

type Bytes = Uint8Array;

class Writer {
  private parts: Bytes[] = [];
  private size = 0;

  private push(b: Bytes): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(v: bigint): void {
    const out: number[] = [];
    let x = BigInt.asUintN(64, v);
    do {
      const byte = Number(x & 0x7fn);
      x >>= 7n;
      out.push(x > 0n ? byte | 0x80 : byte);
    } while (x > 0n);
    this.push(Uint8Array.from(out));
  }

  int(field: number, v: number | bigint): this {
    this.varint(BigInt(field << 3));
    this.varint(BigInt(v));
    return this;
  }

  /** A length-delimited field; a nested Writer's parts are taken over without copying them. */
  bytes(field: number, b: Bytes | Writer): this {
    this.varint(BigInt((field << 3) | 2));
    if (b instanceof Writer) {
      this.varint(BigInt(b.size));
      for (const p of b.parts) this.push(p);
    } else {
      this.varint(BigInt(b.length));
      this.push(b);
    }
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  float(field: number, v: number): this {
    this.varint(BigInt((field << 3) | 5));
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  finish(): Bytes {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export type Attribute = { name: string; int: number } | { name: string; float: number };

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Attribute[];
}

export interface Initializer {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

/** A graph input or output: element type and dimensions, a string naming a symbolic dimension. */
export interface ValueInfo {
  name: string;
  type: typeof FLOAT | typeof INT64;
  dims: (number | string)[];
}

function attribute(a: Attribute): Writer {
  const w = new Writer().string(1, a.name);
  // AttributeProto.type: FLOAT = 1 (field f = 2), INT = 2 (field i = 3).
  return 'int' in a ? w.int(3, a.int).int(20, 2) : w.float(2, a.float).int(20, 1);
}

function node(n: Node, i: number): Writer {
  const w = new Writer();
  for (const x of n.inputs) w.string(1, x);
  for (const x of n.outputs) w.string(2, x);
  w.string(3, `${n.op}_${i}`).string(4, n.op);
  for (const a of n.attributes ?? []) w.bytes(5, attribute(a));
  return w;
}

function tensor(t: Initializer): Writer {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.data instanceof Float32Array ? FLOAT : INT64).string(8, t.name);
  // raw_data is little-endian; the hosts we run on are (bundle.ts refuses big-endian ones).
  return w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function valueInfo(v: ValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.dims) shape.bytes(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, v.type).bytes(2, shape);
  return new Writer().string(1, v.name).bytes(2, new Writer().bytes(1, tensorType));
}

/** A serialized onnx.ModelProto (IR version 8, default domain at `opset`); initializer data is copied once. */
export function modelBytes(g: { nodes: Node[]; initializers: Initializer[]; inputs: ValueInfo[]; outputs: ValueInfo[] }, opset: number): Bytes {
  const graph = new Writer();
  g.nodes.forEach((n, i) => graph.bytes(1, node(n, i)));
  graph.string(2, 'synthbus');
  for (const t of g.initializers) graph.bytes(5, tensor(t));
  for (const v of g.inputs) graph.bytes(11, valueInfo(v));
  for (const v of g.outputs) graph.bytes(12, valueInfo(v));
  return new Writer()
    .int(1, 8)
    .string(2, 'synthbus')
    .bytes(7, graph)
    .bytes(8, new Writer().string(1, '').int(2, opset))
    .finish();
}
