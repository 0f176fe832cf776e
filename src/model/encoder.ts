/**
 * The segment encoder: a CBraMod-style criss-cross transformer over one 10-s EEG segment.
 *
 *   x     float32 [B, C, N]   C = 22 CELM channels, N = 2000 samples (10 s at 200 Hz), microvolts
 *   mask  bool    [B, C]      true = usable channel (missing/bad channels are false)
 *
 *   x / 100 (CBraMod's unit), masked channels zeroed      -> [B, C, N]
 *   cut into P = 10 patches of L = 200 samples (1 s)       -> [B, C, P, L]
 *   patch embedding: linear L -> d                         -> [B, C, P, d]
 *     (pretraining: chosen tokens replaced by a learned mask token)
 *   + channel embedding [C, d] + patch (time) embedding [P, d]
 *   `layers` criss-cross blocks (pre-LN, residual):
 *     q|k|v = linear(ln(t))                                 [B, C, P, 3d]
 *     spatial heads (first h/2, width d/2): attention across the C channels at the same patch;
 *       masked channels are hidden as keys (additive -1e9 bias, so no row is ever all -inf)
 *     temporal heads (last h/2, width d/2): attention across the P patches within a channel
 *     concat [spatial | temporal] -> output projection [d, d] -> + t
 *     t + MLP(ln(t))  (GELU, 4d)
 *   final LayerNorm                                        -> tokens [B, C, P, d]
 *   embed(): mean over the P patches, masked channels 0    -> [B, C, d]
 *
 * Written against the runtime interface only, without reading tensor values and without
 * data-dependent control flow, so the same code trains on libtorch and traces to ONNX (the mask is
 * an input tensor). Parameter names are the checkpoint keys (encoder.safetensors).
 */
import { createHash } from 'node:crypto';
import { CelmError } from '../errors.js';
import {
  type Block,
  blockParams,
  type Linear,
  linear,
  linearParams,
  mlp,
  type Norm,
  norm,
  normParams,
  Params,
} from './layers.js';
import type { Backend, Tensor } from './runtime/index.js';

/** CELM's input layout: 22 channels, 10 s at 200 Hz, in 1-s patches; uV divided by 100. */
export const ENCODER_CHANNELS = 22;
export const ENCODER_PATCHES = 10;
export const PATCH_SAMPLES = 200;
export const SEGMENT_SAMPLES = ENCODER_PATCHES * PATCH_SAMPLES;
export const INPUT_SCALE = 1 / 100;

export interface EncoderConfig {
  d: number; // width
  layers: number; // criss-cross blocks
  heads: number; // total; half spatial, half temporal
}

export const DEFAULT_ENCODER_CONFIG: EncoderConfig = { d: 64, layers: 4, heads: 4 };

/** Version of the architecture; part of the config hash, bumped when the forward pass changes. */
export const ENCODER_ARCH = 'celm-criss-cross-1';

/** Checks a config (integers, heads even, d divisible by heads); throws CelmError naming the field. */
export function validateEncoderConfig(c: EncoderConfig, where = 'encoder'): void {
  for (const k of ['d', 'layers', 'heads'] as const)
    if (!Number.isInteger(c[k]) || c[k] < 1)
      throw new CelmError('config', `${where}.${k} must be a positive integer, got ${JSON.stringify(c[k])}`);
  if (c.heads % 2 !== 0)
    throw new CelmError(
      'config',
      `${where}.heads must be even (half spatial, half temporal), got ${c.heads}`,
    );
  if (c.d % c.heads !== 0)
    throw new CelmError('config', `${where}.d (${c.d}) must be a multiple of ${where}.heads (${c.heads})`);
}

/** A stable 16-hex-digit hash of the architecture and its configuration. */
export function encoderConfigHash(c: EncoderConfig): string {
  const canon = JSON.stringify({
    arch: ENCODER_ARCH,
    channels: ENCODER_CHANNELS,
    patches: ENCODER_PATCHES,
    patch: PATCH_SAMPLES,
    scale: INPUT_SCALE,
    d: c.d,
    layers: c.layers,
    heads: c.heads,
  });
  return createHash('sha256').update(canon).digest('hex').slice(0, 16);
}

export class SegmentEncoder {
  readonly params: Params;
  readonly cfg: EncoderConfig;
  private readonly patch: Linear; // [d, L]
  private readonly chanEmb: Tensor; // [C, d]
  private readonly timeEmb: Tensor; // [P, d]
  private readonly maskToken: Tensor; // [d] (pretraining)
  private readonly blocks: Block[];
  private readonly lnf: Norm;

  constructor(
    private readonly be: Backend,
    cfg: EncoderConfig = DEFAULT_ENCODER_CONFIG,
  ) {
    validateEncoderConfig(cfg);
    this.cfg = { d: cfg.d, layers: cfg.layers, heads: cfg.heads };
    const { d, layers } = this.cfg;
    const p = new Params(be);
    this.params = p;
    this.patch = linearParams(p, 'patch', PATCH_SAMPLES, d);
    this.chanEmb = p.normal('chan_emb', [ENCODER_CHANNELS, d]);
    this.timeEmb = p.normal('time_emb', [ENCODER_PATCHES, d]);
    this.maskToken = p.normal('mask_token', [d]);
    this.blocks = Array.from({ length: layers }, (_, i) => blockParams(p, `h.${i}`, d, layers));
    this.lnf = normParams(p, 'ln_f', d);
  }

  /**
   * x float32 [B, C, N] uV, mask bool [B, C] (true = usable), tokenMask bool [B, C, P] or null
   * (true = replace the patch by the mask token) -> tokens [B, C, P, d] after the final LayerNorm.
   */
  forward(x: Tensor, mask: Tensor, tokenMask: Tensor | null = null): Tensor {
    const { be } = this;
    const { d, heads } = this.cfg;
    const [B, C, N] = x.shape;
    const P = ENCODER_PATCHES;
    const L = PATCH_SAMPLES;
    if (C !== ENCODER_CHANNELS || N !== SEGMENT_SAMPLES)
      throw new Error(
        `SegmentEncoder: x must be [B, ${ENCODER_CHANNELS}, ${SEGMENT_SAMPLES}], got [${x.shape}]`,
      );
    const keep = be.where(mask, be.ones([1]), be.zeros([1])); // [B, C] 1 = usable
    // masked channels contribute nothing: their samples are zeroed before anything reads them
    const xs = be.mul(be.mulScalar(x, INPUT_SCALE), be.reshape(keep, [B, C, 1])); // [B, C, N]
    let t = linear(be, be.reshape(xs, [B, C, P, L]), this.patch); // [B, C, P, d]
    if (tokenMask) t = be.where(be.reshape(tokenMask, [B, C, P, 1]), this.maskToken, t);
    t = be.add(be.add(t, be.reshape(this.chanEmb, [C, 1, d])), this.timeEmb); // [B, C, P, d]
    // spatial key bias: 0 for usable channels, -1e9 for masked ones     [B, 1, 1, 1, C]
    const bias = be.reshape(be.mulScalar(be.addScalar(keep, -1), 1e9), [B, 1, 1, 1, C]);
    const hh = heads / 2; // heads per direction
    const dh = d / heads; // head width
    const half = d / 2;
    const scale = 1 / Math.sqrt(dh);
    for (const b of this.blocks) {
      const qkv = linear(be, norm(be, t, b.ln1), b.attn.qkv); // [B, C, P, 3d]
      const parts = be.reshape(qkv, [B, C, P, 3, 2, hh, dh]); // (q|k|v) x (spatial|temporal) x heads
      // spatial: across channels at each patch              [3, B, P, hh, C, dh]
      const s = be.permute(be.reshape(be.narrow(parts, 4, 0, 1), [B, C, P, 3, hh, dh]), [3, 0, 2, 4, 1, 5]);
      const pick = (a: Tensor, i: number, shape: number[]) => be.reshape(be.narrow(a, 0, i, 1), shape);
      const sShape = [B, P, hh, C, dh];
      const att = be.add(
        be.mulScalar(be.matmul(pick(s, 0, sShape), be.transpose(pick(s, 1, sShape), -2, -1)), scale),
        bias,
      ); // [B, P, hh, C, C]
      const ys = be.matmul(be.softmax(att, -1), pick(s, 2, sShape)); // [B, P, hh, C, dh]
      const ysT = be.reshape(be.permute(ys, [0, 3, 1, 2, 4]), [B, C, P, half]); // [B, C, P, d/2]
      // temporal: across patches within each channel        [3, B, C, hh, P, dh]
      const m = be.permute(be.reshape(be.narrow(parts, 4, 1, 1), [B, C, P, 3, hh, dh]), [3, 0, 1, 4, 2, 5]);
      const mShape = [B, C, hh, P, dh];
      const yt = be.attention(pick(m, 0, mShape), pick(m, 1, mShape), pick(m, 2, mShape), null, scale); // [B, C, hh, P, dh]
      const ytT = be.reshape(be.permute(yt, [0, 1, 3, 2, 4]), [B, C, P, half]); // [B, C, P, d/2]
      t = be.add(t, linear(be, be.cat([ysT, ytT], 3), b.attn.proj)); // [B, C, P, d]
      t = be.add(t, mlp(be, b, t));
    }
    return norm(be, t, this.lnf); // [B, C, P, d]
  }

  /** Per-channel segment embeddings: x [B, C, N] uV, mask bool [B, C] -> [B, C, d] (masked channels 0). */
  embed(x: Tensor, mask: Tensor): Tensor {
    const { be } = this;
    const [B, C] = mask.shape;
    const keep = be.where(mask, be.ones([1]), be.zeros([1])); // [B, C]
    return be.mul(be.mean(this.forward(x, mask), [2]), be.reshape(keep, [B, C, 1])); // [B, C, d]
  }
}
