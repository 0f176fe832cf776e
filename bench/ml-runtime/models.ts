/**
 * The two benchmark models, written only against src/model/runtime (as the real model code will be):
 *   - GPT: the guide's causal LM (d=128, 4 layers, 4 heads, vocab 4000, 256 tokens), nanoGPT layout;
 *   - SegmentEncoder: CBraMod-style criss-cross encoder over a 10-s, 22-channel, 200 Hz segment
 *     (22 x 10 patch tokens of 200 samples; half the heads attend across channels, half across time).
 * Shapes in comments: B batch, T tokens, C channels (22), P patches (10), d width, h heads, V vocab.
 */
import { Params } from '../../src/model/layers.js';
import type { Backend, Tensor } from '../../src/model/runtime/index.js';

export { Params };

interface Block {
  ln1w: Tensor;
  ln1b: Tensor;
  qkvw: Tensor; // [3d, d]
  qkvb: Tensor;
  projw: Tensor; // [d, d]
  projb: Tensor;
  ln2w: Tensor;
  ln2b: Tensor;
  fcw: Tensor; // [4d, d]
  fcb: Tensor;
  fc2w: Tensor; // [d, 4d]
  fc2b: Tensor;
}

function makeBlock(p: Params, pre: string, d: number): Block {
  return {
    ln1w: p.ones(`${pre}.ln1.w`, [d]),
    ln1b: p.zeros(`${pre}.ln1.b`, [d]),
    qkvw: p.normal(`${pre}.attn.qkv.w`, [3 * d, d]),
    qkvb: p.zeros(`${pre}.attn.qkv.b`, [3 * d]),
    projw: p.normal(`${pre}.attn.proj.w`, [d, d]),
    projb: p.zeros(`${pre}.attn.proj.b`, [d]),
    ln2w: p.ones(`${pre}.ln2.w`, [d]),
    ln2b: p.zeros(`${pre}.ln2.b`, [d]),
    fcw: p.normal(`${pre}.mlp.fc.w`, [4 * d, d]),
    fcb: p.zeros(`${pre}.mlp.fc.b`, [4 * d]),
    fc2w: p.normal(`${pre}.mlp.proj.w`, [d, 4 * d]),
    fc2b: p.zeros(`${pre}.mlp.proj.b`, [d]),
  };
}

function mlp(be: Backend, b: Block, x: Tensor): Tensor {
  const h = be.linear(be.layerNorm(x, b.ln2w, b.ln2b, 1e-5), b.fcw, b.fcb); // [..., 4d]
  return be.add(x, be.linear(be.gelu(h), b.fc2w, b.fc2b)); // [..., d]
}

export interface GptConfig {
  vocab: number;
  ctx: number;
  d: number;
  layers: number;
  heads: number;
}

export class GPT {
  readonly params: Params;
  private readonly wte: Tensor; // [V, d]
  private readonly wpe: Tensor; // [ctx, d]
  private readonly blocks: Block[];
  private readonly lnfw: Tensor;
  private readonly lnfb: Tensor;
  private readonly head: Tensor; // [V, d] (untied)
  private readonly mask: Tensor; // bool [ctx, ctx]

  constructor(
    private readonly be: Backend,
    readonly cfg: GptConfig,
  ) {
    const p = new Params(be);
    this.params = p;
    this.wte = p.normal('wte', [cfg.vocab, cfg.d]);
    this.wpe = p.normal('wpe', [cfg.ctx, cfg.d]);
    this.blocks = Array.from({ length: cfg.layers }, (_, i) => makeBlock(p, `h.${i}`, cfg.d));
    this.lnfw = p.ones('lnf.w', [cfg.d]);
    this.lnfb = p.zeros('lnf.b', [cfg.d]);
    this.head = p.normal('head.w', [cfg.vocab, cfg.d]);
    this.mask = be.keep(be.causalMask(cfg.ctx));
  }

  /** idx int64 [B, T] -> logits [B, T, V]. */
  forward(idx: Tensor): Tensor {
    const { be, cfg } = this;
    const [B, T] = idx.shape;
    const h = cfg.heads;
    const dh = cfg.d / h;
    const pos = be.narrow(this.wpe, 0, 0, T); // [T, d]
    let x = be.add(be.embedding(this.wte, idx), pos); // [B, T, d]
    const mask = T === cfg.ctx ? this.mask : be.narrow(be.narrow(this.mask, 0, 0, T), 1, 0, T);
    for (const b of this.blocks) {
      const qkv = be.linear(be.layerNorm(x, b.ln1w, b.ln1b, 1e-5), b.qkvw, b.qkvb); // [B, T, 3d]
      const heads = be.permute(be.reshape(qkv, [B, T, 3, h, dh]), [2, 0, 3, 1, 4]); // [3, B, h, T, dh]
      const [q, k, v] = [0, 1, 2].map((i) => be.narrow(heads, 0, i, 1));
      const y = be.attention(q, k, v, mask, 1 / Math.sqrt(dh)); // [1, B, h, T, dh]
      const merged = be.reshape(be.permute(y, [1, 3, 0, 2, 4]), [B, T, cfg.d]); // [B, T, d]
      x = be.add(x, be.linear(merged, b.projw, b.projb));
      x = mlp(be, b, x);
    }
    return be.linear(be.layerNorm(x, this.lnfw, this.lnfb, 1e-5), this.head, null); // [B, T, V]
  }

  /** Mean next-token cross-entropy; idx, targets int64 [B, T]. */
  loss(idx: Tensor, targets: Tensor): Tensor {
    const logits = this.forward(idx);
    const [B, T, V] = logits.shape;
    return this.be.crossEntropy(this.be.reshape(logits, [B * T, V]), this.be.reshape(targets, [B * T]), -1);
  }
}

export interface EncoderConfig {
  channels: number; // C = 22
  patches: number; // P = 10 (1-s patches)
  patchLen: number; // 200 samples
  d: number;
  layers: number;
  heads: number; // split: heads/2 spatial, heads/2 temporal
}

/** CBraMod-style criss-cross transformer; segments [B, C, P, L] -> embeddings [B, d]. */
export class SegmentEncoder {
  readonly params: Params;
  private readonly patchw: Tensor; // [d, L]
  private readonly patchb: Tensor;
  private readonly chanEmb: Tensor; // [C, 1, d]
  private readonly timeEmb: Tensor; // [P, d]
  private readonly blocks: Block[];
  private readonly lnfw: Tensor;
  private readonly lnfb: Tensor;

  constructor(
    private readonly be: Backend,
    readonly cfg: EncoderConfig,
  ) {
    const p = new Params(be);
    this.params = p;
    this.patchw = p.normal('patch.w', [cfg.d, cfg.patchLen]);
    this.patchb = p.zeros('patch.b', [cfg.d]);
    this.chanEmb = p.normal('chan_emb', [cfg.channels, 1, cfg.d]);
    this.timeEmb = p.normal('time_emb', [cfg.patches, cfg.d]);
    this.blocks = Array.from({ length: cfg.layers }, (_, i) => makeBlock(p, `h.${i}`, cfg.d));
    this.lnfw = p.ones('lnf.w', [cfg.d]);
    this.lnfb = p.zeros('lnf.b', [cfg.d]);
  }

  /** x [B, C, P, L] float32 -> [B, d] (mean over tokens). */
  forward(x: Tensor): Tensor {
    const { be, cfg } = this;
    const [B, C, P] = x.shape;
    const d = cfg.d;
    const hh = cfg.heads / 2; // heads per direction
    const half = d / 2;
    const dh = half / hh;
    const scale = 1 / Math.sqrt(dh);
    let t = be.linear(x, this.patchw, this.patchb); // [B, C, P, d]
    t = be.add(be.add(t, this.chanEmb), this.timeEmb);
    for (const b of this.blocks) {
      const qkv = be.linear(be.layerNorm(t, b.ln1w, b.ln1b, 1e-5), b.qkvw, b.qkvb); // [B, C, P, 3d]
      const parts = be.reshape(qkv, [B, C, P, 3, 2, hh, dh]); // (q|k|v) x (spatial|temporal) x heads
      // spatial: across channels at each patch -> [3, B, P, hh, C, dh]
      const s = be.permute(be.narrow(parts, 4, 0, 1), [3, 0, 2, 4, 5, 1, 6]);
      const sq = be.reshape(s, [3, B * P, hh, C, dh]);
      const ys = be.attention(
        be.narrow(sq, 0, 0, 1),
        be.narrow(sq, 0, 1, 1),
        be.narrow(sq, 0, 2, 1),
        null,
        scale,
      ); // [1, B*P, hh, C, dh]
      const ysT = be.reshape(be.permute(be.reshape(ys, [B, P, hh, C, dh]), [0, 3, 1, 2, 4]), [B, C, P, half]);
      // temporal: across patches within each channel -> [3, B, C, hh, P, dh]
      const m = be.permute(be.narrow(parts, 4, 1, 1), [3, 0, 1, 4, 5, 2, 6]);
      const mq = be.reshape(m, [3, B * C, hh, P, dh]);
      const yt = be.attention(
        be.narrow(mq, 0, 0, 1),
        be.narrow(mq, 0, 1, 1),
        be.narrow(mq, 0, 2, 1),
        null,
        scale,
      ); // [1, B*C, hh, P, dh]
      const ytT = be.reshape(be.permute(be.reshape(yt, [B, C, hh, P, dh]), [0, 1, 3, 2, 4]), [B, C, P, half]);
      t = be.add(t, be.linear(be.cat([ysT, ytT], 3), b.projw, b.projb)); // [B, C, P, d]
      t = mlp(be, b, t);
    }
    return be.mean(be.layerNorm(t, this.lnfw, this.lnfb, 1e-5), [1, 2]); // [B, d]
  }
}
