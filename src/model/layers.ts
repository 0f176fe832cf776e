/**
 * The building blocks every celm model shares (segment encoder, projector, decoder), written only
 * against the runtime interface so that the same code trains on libtorch and is traced to ONNX.
 * nanoGPT layout: pre-LayerNorm residual blocks, GELU MLP of width 4d, weights N(0, 0.02), biases 0,
 * residual output projections scaled by 1/sqrt(2 * layers) (GPT-2) so deep stacks start stable.
 * Shapes in comments: B batch, T tokens, S memory tokens, d width, h heads, dh = d / h.
 */
import type { Backend, Tensor } from './runtime/index.js';

/** A model's named parameters; names are the checkpoint keys (safetensors). */
export class Params {
  readonly map = new Map<string, Tensor>();
  constructor(private readonly be: Backend) {}
  normal(name: string, shape: number[], std = 0.02): Tensor {
    return this.add(name, this.be.randn(shape, std, true));
  }
  zeros(name: string, shape: number[]): Tensor {
    return this.add(name, this.be.zeros(shape, true));
  }
  ones(name: string, shape: number[]): Tensor {
    return this.add(name, this.be.ones(shape, true));
  }
  private add(name: string, t: Tensor): Tensor {
    if (this.map.has(name)) throw new Error(`model: parameter '${name}' defined twice`);
    this.map.set(name, this.be.keep(t));
    return t;
  }
  list(): Tensor[] {
    return [...this.map.values()];
  }
  count(): number {
    return this.list().reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
  }
  dispose(): void {
    for (const t of this.map.values()) t.dispose();
    this.map.clear();
  }
}

export interface Linear {
  w: Tensor; // [out, in]
  b: Tensor | null; // [out]
}
export interface Norm {
  w: Tensor; // [d]
  b: Tensor; // [d]
}

export function linearParams(
  p: Params,
  name: string,
  inDim: number,
  outDim: number,
  bias = true,
  std = 0.02,
): Linear {
  return { w: p.normal(`${name}.w`, [outDim, inDim], std), b: bias ? p.zeros(`${name}.b`, [outDim]) : null };
}
export function normParams(p: Params, name: string, d: number): Norm {
  return { w: p.ones(`${name}.w`, [d]), b: p.zeros(`${name}.b`, [d]) };
}

export const linear = (be: Backend, x: Tensor, l: Linear): Tensor => be.linear(x, l.w, l.b);
export const norm = (be: Backend, x: Tensor, n: Norm): Tensor => be.layerNorm(x, n.w, n.b, 1e-5);

/** Multi-head attention weights: fused q|k|v for self-attention, q and k|v for cross-attention. */
export interface Attention {
  q: Linear | null; // [d, d] (cross only)
  qkv: Linear; // [3d, d] self, [2d, d] cross
  proj: Linear; // [d, d]
}

export interface Block {
  ln1: Norm;
  attn: Attention;
  lnx: Norm | null; // cross-attention (decoder/perceiver blocks)
  xattn: Attention | null;
  ln2: Norm;
  fc: Linear; // [4d, d]
  fc2: Linear; // [d, 4d]
}

export function blockParams(p: Params, name: string, d: number, layers: number, cross = false): Block {
  const resid = 0.02 / Math.sqrt(2 * layers);
  const attention = (n: string, isCross: boolean): Attention => ({
    q: isCross ? linearParams(p, `${n}.q`, d, d) : null,
    qkv: linearParams(p, isCross ? `${n}.kv` : `${n}.qkv`, d, isCross ? 2 * d : 3 * d),
    proj: linearParams(p, `${n}.proj`, d, d, true, resid),
  });
  return {
    ln1: normParams(p, `${name}.ln1`, d),
    attn: attention(`${name}.attn`, false),
    lnx: cross ? normParams(p, `${name}.lnx`, d) : null,
    xattn: cross ? attention(`${name}.xattn`, true) : null,
    ln2: normParams(p, `${name}.ln2`, d),
    fc: linearParams(p, `${name}.mlp.fc`, d, 4 * d),
    fc2: linearParams(p, `${name}.mlp.proj`, 4 * d, d, true, resid),
  };
}

/** [B, T, d] -> [B, h, T, dh] */
function splitHeads(be: Backend, x: Tensor, h: number): Tensor {
  const [B, T, d] = x.shape;
  return be.permute(be.reshape(x, [B, T, h, d / h]), [0, 2, 1, 3]);
}
/** [B, h, T, dh] -> [B, T, d] */
function mergeHeads(be: Backend, y: Tensor): Tensor {
  const [B, h, T, dh] = y.shape;
  return be.reshape(be.permute(y, [0, 2, 1, 3]), [B, T, h * dh]);
}

/** One self-attention layer's keys and values (a key/value cache entry): [B, h, Tk, dh] each. */
export interface KV {
  k: Tensor; // [B, h, Tk, dh]
  v: Tensor; // [B, h, Tk, dh]
}

/**
 * A self-attention layer's key/value cache during incremental decoding: the layer attends to `past`
 * (the keys and values of earlier positions, [B, h, Tp, dh], or null) followed by its own, and leaves
 * both in `present` ([B, h, Tp + T, dh]) for the caller to keep.
 */
export interface KVSlot {
  past: KV | null;
  present?: KV;
}

/**
 * Self-attention over x [B, T, d]; mask is bool, broadcastable to [B, h, T, Tk], true = hidden
 * (a causal mask [T, T], or a key-padding mask [B, 1, 1, T]). With a cache slot, the keys are the
 * slot's past ones followed by x's (Tk = Tp + T), and the slot's `present` receives them.
 */
export function selfAttention(
  be: Backend,
  a: Attention,
  x: Tensor,
  heads: number,
  mask: Tensor | null,
  cache: KVSlot | null = null,
): Tensor {
  const [B, T, d] = x.shape;
  const dh = d / heads;
  const qkv = be.reshape(linear(be, x, a.qkv), [B, T, 3, heads, dh]); // [B, T, 3, h, dh]
  const hq = be.permute(qkv, [2, 0, 3, 1, 4]); // [3, B, h, T, dh]
  const pick = (i: number) => be.reshape(be.narrow(hq, 0, i, 1), [B, heads, T, dh]);
  const q = pick(0);
  let k = pick(1);
  let v = pick(2);
  if (cache) {
    if (cache.past) {
      k = be.cat([cache.past.k, k], 2); // [B, h, Tp + T, dh]
      v = be.cat([cache.past.v, v], 2);
    }
    cache.present = { k, v };
  }
  const y = be.attention(q, k, v, mask, 1 / Math.sqrt(dh)); // [B, h, T, dh]
  return linear(be, mergeHeads(be, y), a.proj); // [B, T, d]
}

/** Cross-attention from x [B, T, d] to memory m [B, S, d]; mask broadcastable to [B, h, T, S]. */
export function crossAttention(
  be: Backend,
  a: Attention,
  x: Tensor,
  m: Tensor,
  heads: number,
  mask: Tensor | null,
): Tensor {
  const [B, S, d] = m.shape;
  const dh = d / heads;
  const q = splitHeads(be, linear(be, x, a.q as Linear), heads); // [B, h, T, dh]
  const kv = be.permute(be.reshape(linear(be, m, a.qkv), [B, S, 2, heads, dh]), [2, 0, 3, 1, 4]); // [2, B, h, S, dh]
  const k = be.reshape(be.narrow(kv, 0, 0, 1), [B, heads, S, dh]);
  const v = be.reshape(be.narrow(kv, 0, 1, 1), [B, heads, S, dh]);
  const y = be.attention(q, k, v, mask, 1 / Math.sqrt(dh)); // [B, h, T, dh]
  return linear(be, mergeHeads(be, y), a.proj);
}

export function mlp(be: Backend, b: Block, x: Tensor): Tensor {
  return linear(be, be.gelu(linear(be, norm(be, x, b.ln2), b.fc)), b.fc2); // [..., d]
}

export interface BlockInputs {
  heads: number;
  mask?: Tensor | null; // self-attention mask
  memory?: Tensor | null; // [B, S, d] for cross-attention blocks
  memoryMask?: Tensor | null;
  dropout?: number;
  train?: boolean;
  /** The self-attention's key/value cache (incremental decoding). */
  cache?: KVSlot | null;
}

/** One pre-LN residual block: x + attn(ln(x)) [+ xattn(ln(x), memory)] + mlp(ln(x)). */
export function block(be: Backend, b: Block, x: Tensor, o: BlockInputs): Tensor {
  const drop = (t: Tensor) => (o.dropout && o.train ? be.dropout(t, o.dropout, true) : t);
  let y = be.add(x, drop(selfAttention(be, b.attn, norm(be, x, b.ln1), o.heads, o.mask ?? null, o.cache)));
  if (b.xattn && b.lnx && o.memory)
    y = be.add(
      y,
      drop(crossAttention(be, b.xattn, norm(be, y, b.lnx), o.memory, o.heads, o.memoryMask ?? null)),
    );
  return be.add(y, drop(mlp(be, b, y)));
}

/** Sinusoidal positions (Vaswani et al.) at arbitrary real positions: [n] -> [n, d], as a Float32Array. */
export function sinusoid(positions: ArrayLike<number>, d: number, maxPeriod = 10000): Float32Array {
  const out = new Float32Array(positions.length * d);
  const half = d / 2;
  for (let i = 0; i < positions.length; i++) {
    for (let k = 0; k < half; k++) {
      const f = positions[i] / maxPeriod ** (k / half);
      out[i * d + k] = Math.sin(f);
      out[i * d + half + k] = Math.cos(f);
    }
  }
  return out;
}
