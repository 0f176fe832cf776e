/**
 * Training segments from `celm preprocess` output folders (docs/preprocessing.md):
 *
 *   findPreprocessed(paths)   recording folders (with index.json) given directly or found below a parent;
 *                             segments marked bad in quality.npy and recordings without a usable
 *                             channel are left out
 *   splitRecordings(recs)     deterministic train/validation split by a hash of the recording id
 *                             (a recording is never in both; adding recordings never moves others)
 *   SegmentReader             reads individual segments from segments.npy by offset (readSync), never
 *                             the whole file; float32 [22, 2000] uV each, plus the channel mask
 *   epochBatch(...)           the batch of a training step: a pure function of (seed, step), walking a
 *                             seeded permutation of the training segments epoch by epoch
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CelmError } from '../errors.js';
import { readNpy, readNpyHeader } from '../formats/npy.js';
import { ENCODER_CHANNELS, SEGMENT_SAMPLES } from './encoder.js';

export interface Recording {
  id: string;
  dir: string;
  /** Segments in segments.npy (good or not). */
  nSegments: number;
  /** Indices of the segments used (not marked bad). */
  good: Int32Array;
  /** uint8 [22], 1 = usable channel. */
  mask: Uint8Array;
  /** Byte offset of the data in segments.npy. */
  dataOffset: number;
}

/** Segments as (recording index, segment index) pairs. */
export interface SegmentTable {
  rec: Int32Array;
  seg: Int32Array;
}

const C = ENCODER_CHANNELS;
const N = SEGMENT_SAMPLES;
const SEGMENT_BYTES = C * N * 4;

/** Shape and data offset of a float32 C-order .npy file (the header only). */
function npyLayout(path: string): { shape: number[]; offset: number } {
  const h = readNpyHeader(path);
  if (h.dtype !== '<f4' || h.fortranOrder)
    throw new CelmError('data', `${path}: expected little-endian float32 C-order data`);
  return { shape: h.shape, offset: h.dataOffset };
}

function readRecording(dir: string): Recording | null {
  const indexPath = join(dir, 'index.json');
  let idx: {
    format?: string;
    complete?: boolean;
    id?: string;
    n_segments?: number;
    segment_samples?: number;
    channels?: unknown[];
    quality_fields?: string[];
  };
  try {
    idx = JSON.parse(readFileSync(indexPath, 'utf8'));
  } catch (e) {
    throw new CelmError('data', `${indexPath}: unreadable (${(e as Error).message})`);
  }
  if (idx.format !== 'celm-preprocessed')
    throw new CelmError('data', `${indexPath}: not a 'celm preprocess' output (format ${idx.format})`);
  if (idx.complete !== true) throw new CelmError('data', `${dir}: incomplete preprocessing output`);
  if (idx.segment_samples !== N)
    throw new CelmError(
      'data',
      `${dir}: segments are ${idx.segment_samples} samples, the encoder needs ${N} (10 s at 200 Hz: preprocess with --segment 10)`,
    );
  const segPath = join(dir, 'segments.npy');
  if (!existsSync(segPath)) throw new CelmError('data', `${dir}: no segments.npy`);
  const { shape, offset } = npyLayout(segPath);
  if (shape.length !== 3 || shape[1] !== C || shape[2] !== N)
    throw new CelmError('data', `${segPath}: shape [${shape}], expected [n, ${C}, ${N}]`);
  const nSegments = shape[0];
  if (statSync(segPath).size < offset + nSegments * SEGMENT_BYTES)
    throw new CelmError('data', `${segPath}: truncated (shorter than its header says)`);
  const mask = readNpy(join(dir, 'mask.npy')).data as Uint8Array;
  if (mask.length !== C) throw new CelmError('data', `${dir}/mask.npy: ${mask.length} values, expected ${C}`);
  if (!mask.some((v) => v > 0)) return null;
  let bad: (s: number) => boolean = () => false;
  const qPath = join(dir, 'quality.npy');
  if (existsSync(qPath)) {
    const q = readNpy(qPath);
    const Q = q.shape[1] ?? 1;
    const col = (idx.quality_fields ?? []).indexOf('bad');
    const c = col >= 0 ? col : Q - 1;
    bad = (s) => q.data[s * Q + c] > 0;
  }
  const good: number[] = [];
  for (let s = 0; s < nSegments; s++) if (!bad(s)) good.push(s);
  const id = idx.id ?? dir.split('/').filter(Boolean).pop() ?? dir;
  return { id, dir, nSegments, good: Int32Array.from(good), mask: Uint8Array.from(mask), dataOffset: offset };
}

function findIndexDirs(dir: string, depth: number, out: string[]): void {
  if (existsSync(join(dir, 'index.json'))) {
    out.push(dir);
    return;
  }
  if (depth <= 0) return;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1)))
    if (e.isDirectory() && !e.name.startsWith('.')) findIndexDirs(join(dir, e.name), depth - 1, out);
}

/**
 * Recordings under `paths` (each a preprocessed recording folder or a folder above them, searched
 * 4 levels deep), sorted by id, duplicates dropped. Throws CelmError naming the path when a path is
 * missing or holds no recording, and when no usable segment is left.
 */
export function findPreprocessed(paths: string[]): Recording[] {
  if (paths.length === 0) throw new CelmError('data', 'no data folders given');
  const byId = new Map<string, Recording>();
  for (const p of paths) {
    const abs = resolve(p);
    if (!existsSync(abs)) throw new CelmError('data', `${p}: no such file or folder`);
    if (!statSync(abs).isDirectory())
      throw new CelmError('data', `${p}: not a folder (give 'celm preprocess' output folders)`);
    const dirs: string[] = [];
    findIndexDirs(abs, 4, dirs);
    if (dirs.length === 0)
      throw new CelmError(
        'data',
        `${p}: no preprocessed recordings (folders with index.json from 'celm preprocess')`,
      );
    for (const d of dirs) {
      const r = readRecording(d);
      if (r && !byId.has(r.id)) byId.set(r.id, r);
    }
  }
  const recs = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (recs.reduce((n, r) => n + r.good.length, 0) === 0)
    throw new CelmError(
      'data',
      `${paths.join(', ')}: no usable segments (all bad, empty, or no usable channel)`,
    );
  return recs;
}

/** A number in [0, 1) from the recording id (stable across machines and corpus changes). */
function idFraction(key: string): number {
  return createHash('sha256').update(`celm-split:${key}`).digest().readUInt32BE(0) / 2 ** 32;
}

export interface Split {
  train: SegmentTable;
  val: SegmentTable;
  trainIds: string[];
  valIds: string[];
  /** How the split was made, for logs. */
  note: string;
}

function table(pairs: [number, number][]): SegmentTable {
  return { rec: Int32Array.from(pairs, (p) => p[0]), seg: Int32Array.from(pairs, (p) => p[1]) };
}

/**
 * Train/validation split by recording: a recording goes to validation when the hash of its id falls
 * below valFraction. With two or more recordings each side gets at least one (the lowest hash goes to
 * validation, the highest to training); a single recording is split by segment hash instead.
 */
export function splitRecordings(recs: Recording[], valFraction: number): Split {
  const usable = recs.map((r, i) => ({ r, i, u: idFraction(r.id) })).filter((x) => x.r.good.length > 0);
  const all = (x: { r: Recording; i: number }) => Array.from(x.r.good, (s) => [x.i, s] as [number, number]);
  if (usable.length === 1 && valFraction > 0) {
    const x = usable[0];
    const pairs = all(x);
    const isVal = (s: number) => idFraction(`${x.r.id}/${s}`) < valFraction;
    let val = pairs.filter((p) => isVal(p[1]));
    let train = pairs.filter((p) => !isVal(p[1]));
    if (val.length === 0 || train.length === 0) [train, val] = [pairs, pairs];
    return {
      train: table(train),
      val: table(val),
      trainIds: [x.r.id],
      valIds: [x.r.id],
      note: `one recording: its segments split ${train.length} train / ${val.length} validation by segment hash`,
    };
  }
  const sorted = [...usable].sort((a, b) => a.u - b.u);
  const valSet = new Set(sorted.filter((x) => x.u < valFraction).map((x) => x.i));
  if (valFraction > 0 && valSet.size === 0 && sorted.length >= 2) valSet.add(sorted[0].i);
  if (valSet.size === sorted.length && sorted.length >= 2) valSet.delete(sorted[sorted.length - 1].i);
  const trainX = usable.filter((x) => !valSet.has(x.i));
  const valX = usable.filter((x) => valSet.has(x.i));
  const train = trainX.flatMap(all);
  const val = valX.length ? valX.flatMap(all) : train;
  return {
    train: table(train),
    val: table(val),
    trainIds: trainX.map((x) => x.r.id),
    valIds: valX.length ? valX.map((x) => x.r.id) : trainX.map((x) => x.r.id),
    note: `${trainX.length} recordings (${train.length} segments) for training, ${valX.length} (${val.length} segments) for validation${valX.length ? '' : ' (none held out: validation = training)'}`,
  };
}

/** xorshift32 PRNG: uniform [0, 1). */
export function prng(seed: number): () => number {
  let s = (seed >>> 0 || 0x9e3779b9) >>> 0;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, seed: number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  const r = prng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * Positions (into a table of n segments) of the batch of `step`: consecutive slices of a permutation
 * re-drawn every epoch from (seed, epoch); a pure function of (seed, step). Caches the last epoch.
 */
export class EpochSampler {
  private epoch = -1;
  private perm: Int32Array = new Int32Array(0);
  constructor(
    readonly n: number,
    readonly seed: number,
    private readonly mix: (seed: number, ...parts: number[]) => number,
  ) {
    if (n <= 0) throw new Error('EpochSampler: no segments');
  }
  batch(step: number, size: number): Int32Array {
    const out = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const k = step * size + i;
      const e = Math.floor(k / this.n);
      if (e !== this.epoch) {
        this.perm = permutation(this.n, this.mix(this.seed, 0x5e9, e));
        this.epoch = e;
      }
      out[i] = this.perm[k - e * this.n];
    }
    return out;
  }
}

/** Reads segments by offset from the recordings' segments.npy files (a few open descriptors, reused). */
export class SegmentReader {
  private readonly fds = new Map<number, number>();
  constructor(readonly recordings: Recording[]) {}

  private fd(rec: number): number {
    let fd = this.fds.get(rec);
    if (fd === undefined) {
      if (this.fds.size >= 32) {
        const [k, v] = this.fds.entries().next().value as [number, number];
        closeSync(v);
        this.fds.delete(k);
      }
      fd = openSync(join(this.recordings[rec].dir, 'segments.npy'), 'r');
      this.fds.set(rec, fd);
    }
    return fd;
  }

  /**
   * Fills x (float32 [B, 22, 2000], uV) and mask (uint8 [B, 22]) with the segments at `positions` of
   * `t`, B = positions.length.
   */
  read(t: SegmentTable, positions: ArrayLike<number>, x: Float32Array, mask: Uint8Array): void {
    const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    for (let b = 0; b < positions.length; b++) {
      const rec = t.rec[positions[b]];
      const seg = t.seg[positions[b]];
      const r = this.recordings[rec];
      const at = r.dataOffset + seg * SEGMENT_BYTES;
      const n = readSync(this.fd(rec), bytes, b * SEGMENT_BYTES, SEGMENT_BYTES, at);
      if (n !== SEGMENT_BYTES)
        throw new CelmError('data', `${r.dir}/segments.npy: short read at segment ${seg}`);
      mask.set(r.mask, b * C);
    }
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
