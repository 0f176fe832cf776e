/**
 * NumPy .npy (format version 1.0) writer and reader for float32 / int16 / uint8 C-order arrays, so
 * Python users load celm's outputs with `numpy.load` alone. Written by hand: the format is a
 * 10-byte preamble and a Python-literal header, and no npm package streams it to disk.
 */
import { closeSync, fsyncSync, openSync, readFileSync, readSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CelmError } from '../errors.js';

export type NpyDtype = '<f4' | '<f8' | '<i2' | '<i4' | '|u1';

const BYTES: Record<NpyDtype, number> = { '<f4': 4, '<f8': 8, '<i2': 2, '<i4': 4, '|u1': 1 };

export function npyHeader(dtype: NpyDtype, shape: number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Preamble (10 bytes) + dict + newline must be a multiple of 64 bytes.
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  out[8] = (total - 10) & 0xff;
  out[9] = (total - 10) >> 8;
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  return out;
}

/** Streams C-order values to `path` in as many pieces as the caller likes; renamed into place on close. */
export class NpyWriter {
  private fd: number;
  private readonly tmp: string;
  private written = 0;
  private readonly expected: number;

  constructor(
    readonly path: string,
    readonly dtype: NpyDtype,
    readonly shape: number[],
  ) {
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
    this.fd = openSync(this.tmp, 'w');
    writeSync(this.fd, npyHeader(dtype, shape));
    this.expected = shape.reduce((a, b) => a * b, 1);
  }

  write(values: Float32Array | Float64Array | Int16Array | Int32Array | Uint8Array): void {
    writeSync(this.fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    this.written += values.length;
  }

  close(): void {
    if (this.written !== this.expected) {
      closeSync(this.fd);
      throw new CelmError(
        'npy',
        `${this.path}: wrote ${this.written} values, the shape needs ${this.expected}`,
      );
    }
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }
}

export function writeNpy(
  path: string,
  data: Float32Array | Int16Array | Int32Array | Uint8Array | Float64Array,
  shape: number[],
): void {
  const dtype: NpyDtype =
    data instanceof Float32Array
      ? '<f4'
      : data instanceof Float64Array
        ? '<f8'
        : data instanceof Int16Array
          ? '<i2'
          : data instanceof Int32Array
            ? '<i4'
            : '|u1';
  const w = new NpyWriter(path, dtype, shape);
  w.write(data);
  w.close();
}

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: Float32Array | Float64Array | Int16Array | Int32Array | Uint8Array;
}

export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  fortranOrder: boolean;
  /** Byte offset of the first value. */
  dataOffset: number;
}

/** Parses the preamble and header dict at the start of a .npy file (`head` holds at least the header). */
export function parseNpyHeader(head: Buffer, path: string): NpyHeader {
  if (head.length < 10 || head[0] !== 0x93 || head.toString('latin1', 1, 6) !== 'NUMPY') {
    throw new CelmError('npy', `${path}: not a .npy file (bad magic at byte 0)`);
  }
  const major = head[6];
  const hlen = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = head.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1] as NpyDtype | undefined;
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !(descr in BYTES) || shapeText === undefined)
    throw new CelmError('npy', `${path}: unsupported .npy header ${header.trim()}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  return {
    dtype: descr,
    shape,
    fortranOrder: /'fortran_order':\s*True/.test(header),
    dataOffset: start + hlen,
  };
}

/** Reads only the header of a .npy file, for readers that fetch its rows by offset. */
export function readNpyHeader(path: string): NpyHeader {
  const fd = openSync(path, 'r');
  try {
    const pre = Buffer.alloc(12);
    readSync(fd, pre, 0, 12, 0);
    const hlen = pre[6] === 1 ? pre.readUInt16LE(8) : pre.readUInt32LE(8);
    const head = Buffer.alloc(Math.min(12 + hlen, 1 << 20));
    const n = readSync(fd, head, 0, head.length, 0);
    return parseNpyHeader(head.subarray(0, n), path);
  } finally {
    closeSync(fd);
  }
}

/** Reads a little-endian, C-order .npy file (the kinds celm writes and MNE fixtures use). */
export function readNpy(path: string): NpyArray {
  const buf = readFileSync(path);
  const { dtype: descr, shape, fortranOrder, dataOffset: off } = parseNpyHeader(buf, path);
  if (fortranOrder) throw new CelmError('npy', `${path}: Fortran-order arrays are not supported`);
  const n = shape.reduce((a, b) => a * b, 1);
  const bytes = new Uint8Array(n * BYTES[descr]);
  bytes.set(buf.subarray(off, off + bytes.length));
  const ab = bytes.buffer;
  const data =
    descr === '<f4'
      ? new Float32Array(ab)
      : descr === '<f8'
        ? new Float64Array(ab)
        : descr === '<i2'
          ? new Int16Array(ab)
          : descr === '<i4'
            ? new Int32Array(ab)
            : new Uint8Array(ab);
  return { dtype: descr, shape, data };
}

/** Reads rows of a C-order float32 .npy file by offset, never the whole file. */
export class NpyRows {
  readonly shape: number[];
  private readonly fd: number;
  private readonly dataOffset: number;
  private readonly rowFloats: number;
  constructor(readonly path: string) {
    const h = readNpyHeader(path);
    if (h.dtype !== '<f4' || h.fortranOrder)
      throw new CelmError('npy', `${path}: expected float32 C-order data`);
    this.shape = h.shape;
    this.dataOffset = h.dataOffset;
    this.fd = openSync(path, 'r');
    this.rowFloats = this.shape.slice(1).reduce((a, b) => a * b, 1);
  }
  get rows(): number {
    return this.shape[0];
  }
  read(first: number, count: number): Float32Array {
    const out = new Float32Array(count * this.rowFloats);
    const bytes = Buffer.from(out.buffer);
    const n = readSync(this.fd, bytes, 0, bytes.length, this.dataOffset + first * this.rowFloats * 4);
    if (n !== bytes.length) throw new CelmError('npy', `${this.path}: truncated at row ${first}`);
    return out;
  }
  close(): void {
    closeSync(this.fd);
  }
}
