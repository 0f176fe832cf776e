/**
 * Backend-neutral weight files in the safetensors layout (8-byte little-endian header length, JSON
 * header {name: {dtype, shape, data_offsets}}, raw little-endian data), float32 only. Any backend
 * can read them, and so can the ONNX export path and Python tooling. Optimizer state for resume is
 * the backend's own (Optimizer.save/load).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Backend, Tensor } from './types.js';

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

export function encodeSafetensors(
  named: Map<string, NamedArray>,
  metadata: Record<string, string> = {},
): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let off = 0;
  for (const [name, a] of named) {
    header[name] = { dtype: 'F32', shape: a.shape, data_offsets: [off, off + a.data.byteLength] };
    off += a.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keep data 8-byte aligned
  const hb = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + hb.length + off);
  out.writeBigUInt64LE(BigInt(hb.length), 0);
  hb.copy(out, 8);
  let p = 8 + hb.length;
  for (const a of named.values()) {
    Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).copy(out, p);
    p += a.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(buf: Buffer): {
  tensors: Map<string, NamedArray>;
  metadata: Record<string, string>;
} {
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  const base = 8 + n;
  const tensors = new Map<string, NamedArray>();
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = v as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (e.dtype !== 'F32')
      throw new Error(`safetensors: ${name} has dtype ${e.dtype}; only F32 is supported`);
    const [a, b] = e.data_offsets;
    const data = new Float32Array((b - a) / 4);
    Buffer.from(data.buffer).set(buf.subarray(base + a, base + b));
    tensors.set(name, { shape: e.shape, data });
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string>) ?? {} };
}

/** Writes named parameters atomically (temp file, then rename). */
export function saveWeights(
  path: string,
  params: Map<string, Tensor>,
  metadata: Record<string, string> = {},
): void {
  const named = new Map<string, NamedArray>();
  for (const [k, t] of params) named.set(k, { shape: t.shape, data: t.toFloat32Array() });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  writeFileSync(tmp, encodeSafetensors(named, metadata));
  renameSync(tmp, path);
}

/** Loads weights into existing parameters, in place; names and shapes must match exactly. */
export function loadWeights(be: Backend, path: string, params: Map<string, Tensor>): Record<string, string> {
  const { tensors, metadata } = decodeSafetensors(readFileSync(path));
  loadWeightsFromMap(be, tensors, params, path);
  return metadata;
}

/**
 * Copies named arrays into existing parameters, in place (Tensor.copyFrom); names and shapes must
 * match exactly, in both directions. Works on any backend, including the ONNX tracer.
 */
export function loadWeightsFromMap(
  be: Backend,
  tensors: Map<string, NamedArray>,
  params: Map<string, Tensor>,
  source = 'weights',
): void {
  for (const [k, p] of params) {
    const a = tensors.get(k);
    if (!a) throw new Error(`${source}: no tensor '${k}'`);
    if (a.shape.join(',') !== p.shape.join(','))
      throw new Error(`${source}: '${k}' has shape [${a.shape}], the model expects [${p.shape}]`);
    be.tidy(() => p.copyFrom(be.tensor(a.data, a.shape)));
  }
  const extra = [...tensors.keys()].filter((k) => !params.has(k));
  if (extra.length) throw new Error(`${source}: unexpected tensors ${extra.slice(0, 5).join(', ')}`);
}
