/**
 * Segment vectors of a preprocessed recording, computed once and cached: per 10-s segment and channel,
 * the frozen encoder's embedding followed by the measured features (./features.ts), i.e. float32
 * [n_segments, 22 * (encoderDim + features)], channel-major. The cache key is the recording's id (the first
 * 16 hex digits of its SHA-256, as in the preprocessing output) plus the embedder's key (encoder
 * weights hash, feature version, mode), so a new encoder or feature definition never reads stale vectors.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { NpyRows, readNpy, writeNpy } from '../formats/npy.js';
import { CELM_CHANNELS } from '../signal/channels.js';
import { FEATURES_VERSION, featuresPerChannel, segmentFeatures } from './features.js';

const C = CELM_CHANNELS.length;

export type SegmentInput = 'encoder+features' | 'encoder' | 'features';

/** Runs a segment encoder: x [B, 22, L] uV, mask [B, 22] -> per-channel embeddings [B, 22, dim]. */
export interface SegmentEmbedder {
  readonly dim: number;
  /** Identifies the weights (part of the cache key). */
  readonly key: string;
  embed(x: Float32Array, mask: Uint8Array, batch: number): Promise<Float32Array>;
}

export function segmentVectorDim(
  encoderDim: number,
  input: SegmentInput,
  featuresVersion = FEATURES_VERSION,
): number {
  const enc = input === 'features' ? 0 : encoderDim;
  const feat = input === 'encoder' ? 0 : featuresPerChannel(featuresVersion);
  return C * (enc + feat);
}

export function cacheKey(
  embedder: SegmentEmbedder | null,
  input: SegmentInput,
  featuresVersion: number,
): string {
  return `${input === 'features' ? 'none' : embedder?.key}-f${featuresVersion}-${input}`;
}

export type EmbedProgress = (done: number, total: number) => void;

/**
 * Segment vectors of the preprocessed recording in `preDir`, from `cacheDir/<id>/<key>.npy` when
 * present, else computed (in batches of `batch` segments) and cached atomically.
 */
export async function recordingVectors(
  preDir: string,
  embedder: SegmentEmbedder | null,
  input: SegmentInput,
  cacheDir: string,
  featuresVersion: number,
  options: { batch?: number; onProgress?: EmbedProgress } = {},
): Promise<Float32Array> {
  const index = JSON.parse(readFileSync(join(preDir, 'index.json'), 'utf8')) as {
    id: string;
    n_segments: number;
  };
  const key = cacheKey(embedder, input, featuresVersion);
  const cached = join(cacheDir, index.id, `${key}.npy`);
  const encDim = input === 'features' ? 0 : (embedder?.dim ?? 0);
  if (input !== 'features' && !embedder) throw new Error('recordingVectors: this input needs an encoder');
  const F = input === 'encoder' ? 0 : featuresPerChannel(featuresVersion);
  const per = encDim + F;
  if (existsSync(cached)) {
    const a = readNpy(cached);
    if (a.shape[0] === index.n_segments && a.shape[1] === C * per) return a.data as Float32Array;
  }
  const n = index.n_segments;
  const out = new Float32Array(n * C * per);
  if (n > 0) {
    const segs = new NpyRows(join(preDir, 'segments.npy'));
    const L = segs.shape[2];
    const mask = readNpy(join(preDir, 'mask.npy')).data as Uint8Array;
    const bandpower = readNpy(join(preDir, 'bandpower.npy')).data as Float32Array;
    const batch = options.batch ?? 32;
    const feat = new Float32Array(C * F);
    try {
      for (let s0 = 0; s0 < n; s0 += batch) {
        const B = Math.min(batch, n - s0);
        const x = segs.read(s0, B);
        const emb = encDim
          ? await embedder!.embed(x, tile(mask, B), B) // [B, 22, encDim]
          : null;
        for (let b = 0; b < B; b++) {
          const s = s0 + b;
          if (F)
            segmentFeatures(
              x.subarray(b * C * L, (b + 1) * C * L),
              bandpower.subarray(s * C * 5),
              mask,
              feat,
              0,
              featuresVersion,
            );
          for (let c = 0; c < C; c++) {
            const o = (s * C + c) * per;
            if (emb) out.set(emb.subarray((b * C + c) * encDim, (b * C + c + 1) * encDim), o);
            if (F) out.set(feat.subarray(c * F, (c + 1) * F), o + encDim);
          }
        }
        options.onProgress?.(s0 + B, n);
      }
    } finally {
      segs.close();
    }
  }
  mkdirSync(join(cacheDir, index.id), { recursive: true });
  const tmp = `${cached}.${process.pid}.partial`;
  writeNpy(tmp, out, [n, C * per]);
  renameSync(tmp, cached);
  return out;
}

function tile(mask: Uint8Array, B: number): Uint8Array {
  const m = new Uint8Array(B * C);
  for (let b = 0; b < B; b++) m.set(mask, b * C);
  return m;
}
