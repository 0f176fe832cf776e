/**
 * A minimal protobuf writer and the slice of the ONNX schema (onnx/onnx.proto3, IR version 9) that
 * the tracer needs: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto.
 *
 * Messages are built bottom-up as lists of byte chunks whose lengths are known, and written into
 * one buffer at the end, so large initializers (raw_data) are copied exactly once.
 */

/** One protobuf message under construction: a list of chunks and their total length. */
export class PbMessage {
  private readonly chunks: Uint8Array[] = [];
  private len = 0;

  get byteLength(): number {
    return this.len;
  }

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.len += b.byteLength;
  }

  private static varint(v: number | bigint): Uint8Array {
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
    return Uint8Array.from(out);
  }

  private key(field: number, wire: number): void {
    this.push(PbMessage.varint((field << 3) | wire));
  }

  /** int32/int64/enum/bool (varint; negative numbers as 10-byte two's complement, as protobuf does). */
  int(field: number, v: number | bigint): this {
    this.key(field, 0);
    this.push(PbMessage.varint(v));
    return this;
  }

  /** float (fixed32). */
  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  /** string (UTF-8), bytes, or an embedded message (length-delimited). */
  bytes(field: number, v: Uint8Array | string | PbMessage): this {
    this.key(field, 2);
    if (v instanceof PbMessage) {
      this.push(PbMessage.varint(v.len));
      for (const c of v.chunks) this.push(c);
    } else {
      const b = typeof v === 'string' ? new TextEncoder().encode(v) : v;
      this.push(PbMessage.varint(b.byteLength));
      this.push(b);
    }
    return this;
  }

  /** The encoded message, in one new buffer. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.len);
    let p = 0;
    for (const c of this.chunks) {
      out.set(c, p);
      p += c.byteLength;
    }
    return out;
  }
}

// ---- ONNX ----

/** TensorProto.DataType values for the three dtypes of the runtime. */
export const ONNX_DTYPE = { float32: 1, int64: 7, bool: 9 } as const;
export type OnnxDType = keyof typeof ONNX_DTYPE;

/** An attribute value, tagged with its ONNX type (a bare number would be ambiguous: int or float). */
export type OnnxAttr =
  | { f: number }
  | { i: number }
  | { s: string }
  | { floats: number[] }
  | { ints: number[] };

export interface OnnxNodeProto {
  opType: string;
  inputs: string[]; // '' = optional input left out
  outputs: string[];
  attrs?: Record<string, OnnxAttr>;
  name?: string;
  domain?: string;
}

export interface OnnxTensorProto {
  name: string;
  dtype: OnnxDType;
  dims: number[];
  /** Little-endian raw data (float32: 4 bytes, int64: 8 bytes, bool: 1 byte per element). */
  raw: Uint8Array;
}

export interface OnnxValueInfo {
  name: string;
  dtype: OnnxDType;
  dims: number[];
}

export interface OnnxModelProto {
  irVersion: number;
  opset: number;
  producerName: string;
  producerVersion?: string;
  graphName: string;
  docString?: string;
  nodes: OnnxNodeProto[];
  initializers: OnnxTensorProto[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

function attribute(name: string, a: OnnxAttr): PbMessage {
  const m = new PbMessage().bytes(1, name);
  if ('f' in a) m.float(2, a.f).int(20, ATTR_FLOAT);
  else if ('i' in a) m.int(3, a.i).int(20, ATTR_INT);
  else if ('s' in a) m.bytes(4, a.s).int(20, ATTR_STRING);
  else if ('floats' in a) {
    for (const x of a.floats) m.float(7, x);
    m.int(20, ATTR_FLOATS);
  } else {
    for (const x of a.ints) m.int(8, x);
    m.int(20, ATTR_INTS);
  }
  return m;
}

function node(n: OnnxNodeProto): PbMessage {
  const m = new PbMessage();
  for (const i of n.inputs) m.bytes(1, i);
  for (const o of n.outputs) m.bytes(2, o);
  if (n.name) m.bytes(3, n.name);
  m.bytes(4, n.opType);
  for (const [k, v] of Object.entries(n.attrs ?? {})) m.bytes(5, attribute(k, v));
  if (n.domain) m.bytes(7, n.domain);
  return m;
}

function tensor(t: OnnxTensorProto): PbMessage {
  const m = new PbMessage();
  for (const d of t.dims) m.int(1, d);
  return m.int(2, ONNX_DTYPE[t.dtype]).bytes(8, t.name).bytes(9, t.raw);
}

function valueInfo(v: OnnxValueInfo): PbMessage {
  const shape = new PbMessage();
  for (const d of v.dims) shape.bytes(1, new PbMessage().int(1, d)); // Dimension.dim_value
  const tensorType = new PbMessage().int(1, ONNX_DTYPE[v.dtype]).bytes(2, shape);
  return new PbMessage().bytes(1, v.name).bytes(2, new PbMessage().bytes(1, tensorType));
}

/** Serializes a model: ModelProto { ir_version, producer, graph, opset_import (default domain) }. */
export function encodeModel(model: OnnxModelProto): Uint8Array {
  const g = new PbMessage();
  for (const n of model.nodes) g.bytes(1, node(n));
  g.bytes(2, model.graphName);
  for (const t of model.initializers) g.bytes(5, tensor(t));
  if (model.docString) g.bytes(10, model.docString);
  for (const v of model.inputs) g.bytes(11, valueInfo(v));
  for (const v of model.outputs) g.bytes(12, valueInfo(v));
  const m = new PbMessage().int(1, model.irVersion).bytes(2, model.producerName);
  if (model.producerVersion) m.bytes(3, model.producerVersion);
  m.bytes(7, g);
  m.bytes(8, new PbMessage().bytes(1, '').int(2, model.opset));
  return m.finish();
}
