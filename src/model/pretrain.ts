/**
 * Self-supervised pretraining of the segment encoder by masked-patch reconstruction (CBraMod's
 * objective): for every training segment, half of the (usable channel, 1-s patch) tokens are chosen at
 * random, their patch embedding is replaced by the learned mask token, and a linear head d -> 200
 * reconstructs their samples (in the encoder's /100 unit) from the encoder's output tokens. The loss
 * is the mean squared error over the chosen tokens only; masked channels (missing/bad) are never
 * chosen and never seen.
 *
 * Output folder (`celm pretrain --out DIR`):
 *   encoder.safetensors   the best (lowest validation loss) encoder weights, without the head
 *   encoder.json          {format, version, encoder (config), encoder_hash, config_hash, pretrain}
 *   metrics.csv, loss.svg, loss.png, best.safetensors, checkpoint/   the trainer's files (./trainer.ts)
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CelmError } from '../errors.js';
import {
  DEFAULT_ENCODER_CONFIG,
  ENCODER_CHANNELS,
  ENCODER_PATCHES,
  type EncoderConfig,
  encoderConfigHash,
  INPUT_SCALE,
  PATCH_SAMPLES,
  SEGMENT_SAMPLES,
  SegmentEncoder,
  validateEncoderConfig,
} from './encoder.js';
import { type Linear, linear, linearParams, Params } from './layers.js';
import { type Backend, decodeSafetensors, encodeSafetensors, type Tensor } from './runtime/index.js';
import {
  EpochSampler,
  findPreprocessed,
  permutation,
  prng,
  type Recording,
  SegmentReader,
  type SegmentTable,
  splitRecordings,
} from './segments.js';
import {
  mixSeed,
  runTrainingAsync,
  type StepStats,
  type TrainSchedule,
  type TrainSummary,
  validateSchedule,
} from './trainer.js';

export interface PretrainTrainConfig extends TrainSchedule {
  batchSize: number;
  /** Validation segments (a fixed, seeded sample of the validation recordings' segments). */
  valSegments: number;
  /** Fraction of recordings held out for validation (by id hash). */
  valFraction: number;
  /** Fraction of each segment's usable tokens to mask and reconstruct. */
  maskRatio: number;
}

export interface PretrainConfig {
  encoder: EncoderConfig;
  train: PretrainTrainConfig;
}

export const DEFAULT_PRETRAIN_CONFIG: PretrainConfig = {
  encoder: { ...DEFAULT_ENCODER_CONFIG },
  train: {
    seed: 1,
    maxSteps: 2000,
    lr: 3e-3, // 150-step comparison on synthetic EEG: val_fvu 0.77 at 3e-3, 0.95 at 1e-3 (docs/model.md)
    minLr: 3e-5,
    warmupSteps: 100,
    weightDecay: 0.05,
    gradClip: 1,
    evalEvery: 100,
    patience: 10,
    batchSize: 32,
    valSegments: 256,
    valFraction: 0.1,
    maskRatio: 0.5,
  },
};

/**
 * Reads a config object (parsed JSON) over the defaults. Unknown keys and wrong types are CelmErrors
 * naming `source` and the key.
 */
export function parsePretrainConfig(json: unknown, source: string): PretrainConfig {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(json)) throw new CelmError('config', `${source}: expected a JSON object`);
  const out: PretrainConfig = structuredClone(DEFAULT_PRETRAIN_CONFIG);
  const sections = { encoder: out.encoder, train: out.train } as unknown as Record<
    string,
    Record<string, unknown>
  >;
  for (const [k, v] of Object.entries(json)) {
    const target = sections[k];
    if (!target)
      throw new CelmError(
        'config',
        `${source}: unknown key '${k}' (known: ${Object.keys(sections).join(', ')})`,
      );
    if (!isObj(v)) throw new CelmError('config', `${source}: '${k}' must be an object`);
    for (const [kk, vv] of Object.entries(v)) {
      if (!(kk in target))
        throw new CelmError(
          'config',
          `${source}: unknown key '${k}.${kk}' (known: ${Object.keys(target).join(', ')})`,
        );
      if (typeof vv !== 'number' || !Number.isFinite(vv))
        throw new CelmError('config', `${source}: '${k}.${kk}' must be a number, got ${JSON.stringify(vv)}`);
      target[kk] = vv;
    }
  }
  validatePretrainConfig(out, source);
  return out;
}

export function validatePretrainConfig(c: PretrainConfig, source = 'config'): void {
  const wrap = (f: () => void) => {
    try {
      f();
    } catch (e) {
      if (e instanceof CelmError) throw new CelmError('config', `${source}: ${e.message}`);
      throw e;
    }
  };
  wrap(() => validateEncoderConfig(c.encoder, 'encoder'));
  wrap(() => validateSchedule(c.train, 'train'));
  const t = c.train;
  if (!Number.isInteger(t.batchSize) || t.batchSize < 1)
    throw new CelmError(
      'config',
      `${source}: train.batchSize must be a positive integer, got ${t.batchSize}`,
    );
  if (!Number.isInteger(t.valSegments) || t.valSegments < 1)
    throw new CelmError(
      'config',
      `${source}: train.valSegments must be a positive integer, got ${t.valSegments}`,
    );
  if (!(t.valFraction >= 0 && t.valFraction < 1))
    throw new CelmError('config', `${source}: train.valFraction must be in [0, 1), got ${t.valFraction}`);
  if (!(t.maskRatio > 0 && t.maskRatio < 1))
    throw new CelmError('config', `${source}: train.maskRatio must be in (0, 1), got ${t.maskRatio}`);
}

/** Reads a JSON config file (see parsePretrainConfig). */
export function readPretrainConfig(path: string): PretrainConfig {
  if (!existsSync(path)) throw new CelmError('config', `${path}: no such file`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CelmError('config', `${path}: not valid JSON (${(e as Error).message})`);
  }
  return parsePretrainConfig(json, path);
}

const C = ENCODER_CHANNELS;
const P = ENCODER_PATCHES;
const L = PATCH_SAMPLES;
const N = SEGMENT_SAMPLES;

/**
 * Chooses round(ratio * usable tokens) tokens of each segment at random among its usable channels'
 * patches: mask uint8 [B, C] -> token mask uint8 [B, C, P] (1 = masked). At least one per segment
 * with a usable channel.
 */
export function chooseMaskedTokens(
  mask: Uint8Array,
  B: number,
  ratio: number,
  rnd: () => number,
): Uint8Array {
  const out = new Uint8Array(B * C * P);
  const cand: number[] = [];
  for (let b = 0; b < B; b++) {
    cand.length = 0;
    for (let c = 0; c < C; c++) if (mask[b * C + c]) for (let p = 0; p < P; p++) cand.push(c * P + p);
    if (cand.length === 0) continue;
    const k = Math.max(1, Math.round(ratio * cand.length));
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rnd() * (cand.length - i));
      const t = cand[i];
      cand[i] = cand[j];
      cand[j] = t;
      out[b * C * P + cand[i]] = 1;
    }
  }
  return out;
}

/** The encoder plus the reconstruction head: the pretraining model. */
export class MaskedPatchModel {
  readonly encoder: SegmentEncoder;
  readonly head: Params;
  private readonly recon: Linear; // [L, d]
  constructor(
    private readonly be: Backend,
    cfg: EncoderConfig,
  ) {
    this.encoder = new SegmentEncoder(be, cfg);
    this.head = new Params(be);
    this.recon = linearParams(this.head, 'recon', cfg.d, L);
  }

  /** All trainable parameters by checkpoint name (encoder names, then recon.*). */
  params(): Map<string, Tensor> {
    return new Map([...this.encoder.params.map, ...this.head.map]);
  }

  /**
   * x uV float32 [B, C, N], mask uint8 [B, C], tokens uint8 [B, C, P] (1 = masked, only usable
   * channels) -> { loss (scalar tensor, MSE over the masked tokens), zero (the same MSE of predicting
   * zeros, a number) }.
   */
  loss(x: Float32Array, mask: Uint8Array, tokens: Uint8Array, B: number): { loss: Tensor; zero: number } {
    const { be } = this;
    let n = 0;
    let zero = 0;
    for (let i = 0; i < B * C * P; i++)
      if (tokens[i]) {
        n++;
        for (let k = 0; k < L; k++) zero += (x[i * L + k] * INPUT_SCALE) ** 2;
      }
    const denom = Math.max(1, n) * L;
    const xt = be.tensor(x, [B, C, N]);
    const tm = be.tensorBool(tokens, [B, C, P]);
    const out = this.encoder.forward(xt, be.tensorBool(mask, [B, C]), tm); // [B, C, P, d]
    const pred = linear(be, out, this.recon); // [B, C, P, L]
    const target = be.reshape(be.mulScalar(xt, INPUT_SCALE), [B, C, P, L]);
    const w = be.reshape(be.where(tm, be.ones([1]), be.zeros([1])), [B, C, P, 1]);
    const diff = be.mul(be.sub(pred, target), w);
    const loss = be.mulScalar(be.sum(be.mul(diff, diff)), 1 / denom);
    return { loss, zero: zero / denom };
  }
}

export interface PretrainOptions {
  /** Preprocessed recording folders or their parents. */
  data: string[];
  /** findPreprocessed(data), when the caller already has it. */
  recordings?: Recording[];
  out: string;
  config: PretrainConfig;
  restart?: boolean;
  quiet?: boolean;
  onLog?: (line: string) => void;
  signal?: { readonly aborted: boolean };
}

export interface PretrainResult {
  summary: TrainSummary;
  /** encoder.safetensors, or null when no evaluation has happened yet (interrupted early). */
  encoderPath: string | null;
  configHash: string;
  recordings: { train: number; val: number };
  segments: { train: number; val: number };
}

/** The hash a checkpoint must match: encoder, schedule, batch and masking settings, and the data split. */
export function pretrainConfigHash(c: PretrainConfig, trainIds: string[], valIds: string[]): string {
  const canon = JSON.stringify({
    kind: 'celm-pretrain-1',
    encoder: encoderConfigHash(c.encoder),
    train: Object.fromEntries(Object.entries(c.train).sort(([a], [b]) => (a < b ? -1 : 1))),
    train_ids: trainIds,
    val_ids: valIds,
  });
  return createHash('sha256').update(canon).digest('hex').slice(0, 16);
}

/**
 * Pretrains the encoder on the preprocessed recordings under `data` into `out` (resuming a
 * checkpoint of the same configuration there). The backend's thread count is the caller's.
 */
export async function pretrain(be: Backend, o: PretrainOptions): Promise<PretrainResult> {
  const cfg = o.config;
  validatePretrainConfig(cfg);
  const t = cfg.train;
  const recs: Recording[] = o.recordings ?? findPreprocessed(o.data);
  const split = splitRecordings(recs, t.valFraction);
  const log = (line: string) => {
    o.onLog?.(line);
    if (!o.quiet) process.stderr.write(`${line}\n`);
  };
  log(`pretrain: ${split.note}`);
  const configHash = pretrainConfigHash(cfg, split.trainIds, split.valIds);

  be.manualSeed(mixSeed(t.seed, 0x1717));
  const model = new MaskedPatchModel(be, cfg.encoder);
  const reader = new SegmentReader(recs);
  const B = t.batchSize;
  const sampler = new EpochSampler(split.train.rec.length, t.seed, mixSeed);
  const xb = new Float32Array(B * C * N);
  const mb = new Uint8Array(B * C);

  // Validation: a fixed seeded sample of segments with fixed token masks.
  const valPerm = permutation(split.val.rec.length, mixSeed(t.seed, 0x7a1));
  const valPos = valPerm.subarray(0, Math.min(t.valSegments, valPerm.length));
  const validate = (tab: SegmentTable, pos: Int32Array): StepStats => {
    let sum = 0;
    let zero = 0;
    let count = 0;
    for (let i = 0; i < pos.length; i += B) {
      const chunk = pos.subarray(i, Math.min(pos.length, i + B));
      const n = chunk.length;
      const x = new Float32Array(n * C * N);
      const m = new Uint8Array(n * C);
      reader.read(tab, chunk, x, m);
      const tokens = chooseMaskedTokens(m, n, t.maskRatio, prng(mixSeed(t.seed, 0x7a2, i)));
      const r = be.tidy(() => {
        const l = model.loss(x, m, tokens, n);
        return { loss: l.loss.item(), zero: l.zero };
      });
      const w = tokens.reduce((a, v) => a + v, 0);
      sum += r.loss * w;
      zero += r.zero * w;
      count += w;
    }
    const loss = sum / Math.max(1, count);
    const z = zero / Math.max(1, count);
    return { loss, zero_loss: z, fvu: loss / Math.max(z, 1e-12) };
  };

  const params = model.params();
  try {
    const summary = await runTrainingAsync(
      be,
      o.out,
      t,
      {
        params,
        step(step) {
          reader.read(split.train, sampler.batch(step, B), xb, mb);
          const tokens = chooseMaskedTokens(mb, B, t.maskRatio, prng(mixSeed(t.seed, 0x70c, step)));
          const { loss, zero } = model.loss(xb, mb, tokens, B);
          loss.backward();
          const l = loss.item();
          return { loss: l, fvu: l / Math.max(zero, 1e-12) };
        },
        validate: () => validate(split.val, valPos),
      },
      {
        label: 'pretrain',
        configHash,
        quiet: o.quiet,
        onLog: o.onLog,
        signal: o.signal,
        restart: o.restart,
        plotColumns: [{ column: 'val_zero_loss', label: 'validation, predicting zeros' }],
      },
    );
    const encoderPath = writeEncoderFiles(o.out, cfg, configHash, summary, split);
    return {
      summary,
      encoderPath,
      configHash,
      recordings: { train: split.trainIds.length, val: split.valIds.length },
      segments: { train: split.train.rec.length, val: split.val.rec.length },
    };
  } finally {
    reader.close();
    model.encoder.params.dispose();
    model.head.dispose();
  }
}

/** encoder.safetensors (best weights minus the head) and encoder.json, both written atomically. */
function writeEncoderFiles(
  out: string,
  cfg: PretrainConfig,
  configHash: string,
  summary: TrainSummary,
  split: { trainIds: string[]; valIds: string[]; train: SegmentTable; val: SegmentTable },
): string | null {
  const best = join(out, 'best.safetensors');
  if (!existsSync(best)) return null;
  const { tensors } = decodeSafetensors(readFileSync(best));
  for (const k of [...tensors.keys()]) if (k.startsWith('recon.')) tensors.delete(k);
  const hash = encoderConfigHash(cfg.encoder);
  const atomic = (name: string, data: Uint8Array | string) => {
    const tmp = join(out, `.${name}.${process.pid}.partial`);
    writeFileSync(tmp, data);
    renameSync(tmp, join(out, name));
  };
  atomic(
    'encoder.safetensors',
    encodeSafetensors(tensors, {
      format: 'celm-segment-encoder',
      encoder: JSON.stringify(cfg.encoder),
      encoder_hash: hash,
      step: String(summary.bestStep),
    }),
  );
  const json = {
    format: 'celm-segment-encoder',
    version: 1,
    encoder: cfg.encoder,
    encoder_hash: hash,
    config_hash: configHash,
    input: { channels: C, samples: N, sample_rate: 200, unit: 'uV', scale: INPUT_SCALE, patch: L },
    pretrain: {
      objective: `masked-patch reconstruction (${cfg.train.maskRatio} of usable tokens), MSE in uV/100`,
      config: cfg.train,
      data: {
        train_recordings: split.trainIds.length,
        val_recordings: split.valIds.length,
        train_segments: split.train.rec.length,
        val_segments: split.val.rec.length,
      },
      summary,
    },
    created: new Date().toISOString(),
  };
  atomic('encoder.json', `${JSON.stringify(json, null, 2)}\n`);
  return join(out, 'encoder.safetensors');
}
