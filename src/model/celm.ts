/**
 * The report model, after CELM (arXiv 2601.22197): everything between the per-segment vectors and
 * the report's tokens, in one file.
 *
 *   segment vectors [S, Din]  (frozen encoder's per-channel embeddings ‖ measured features, 10 s each)
 *     -> projector: linear to d, + time position, + token type (segment / session separator),
 *        local self-attention in chunks of `chunk` segments (linear in S: days of EEG fit)
 *     -> perceiver: `latents` learned queries cross-attend to all segments of all sessions
 *     -> summary (with `summary`): masked mean and max of the rows over the recording -> 1 token
 *     -> EEG tokens [START, (summary, findings,) latent_1..K, END]  (fixed size, any length of EEG)
 *   decoder: causal transformer over [EEG tokens | <hist> history | <sec:NAME> | text... <eos>]
 *     (prefix conditioning, LLaVA-style, as CELM conditions its LLM), tied input/output embedding.
 *   findings head: the latents' mean (and the summary) -> finding logits (multi-label), trained with
 *     the labels the findings labeler reads from the reference report; it teaches the compressor what
 *     a report needs to know faster than the language-model loss alone, and its probabilities enter
 *     the prefix as the findings token.
 *
 * Shapes: B batch, S segments (padded to a multiple of chunk), K latents, P = prefixLength() tokens,
 * T text tokens, d width, V vocabulary, N labels.
 */
import {
  type Block,
  block,
  blockParams,
  type KV,
  type KVSlot,
  type Linear,
  linear,
  linearParams,
  type Norm,
  norm,
  normParams,
  Params,
} from './layers.js';
import type { Backend, Tensor } from './runtime/index.js';

export interface ReportModelConfig {
  segmentDim: number; // Din: floats per segment vector
  d: number;
  heads: number;
  projectorLayers: number;
  chunk: number; // segments per local-attention window
  latents: number; // K
  perceiverLayers: number;
  decoderLayers: number;
  ctx: number; // decoder positions: prefix + history + section + text
  vocab: number;
  labels: number; // auxiliary finding labels
  dropout: number;
  /**
   * Two more prefix tokens: a recording summary (masked mean and max of every segment-vector entry
   * over the recording, so a finding seen in a few segments of hours stays visible) and the findings
   * head's probabilities; the findings head reads the summary too. Absent (false) in older models.
   */
  summary?: boolean;
}

/** EEG tokens before the text: START, [summary, findings], latents, END. */
export function prefixLength(cfg: ReportModelConfig): number {
  return cfg.latents + 2 + (cfg.summary ? 2 : 0);
}

export const DEFAULT_REPORT_MODEL: Omit<ReportModelConfig, 'segmentDim' | 'vocab' | 'labels'> = {
  d: 128,
  heads: 4,
  projectorLayers: 2,
  chunk: 32,
  latents: 32,
  perceiverLayers: 2,
  decoderLayers: 4,
  ctx: 320,
  dropout: 0.1,
  summary: true,
};

/** Token types of the projector's input rows. */
export const ROW_PAD = 0;
export const ROW_SEGMENT = 1;
export const ROW_SESSION_SEP = 2;

export class ReportModel {
  readonly params: Params;
  // projector
  private readonly inProj: Linear; // [d, Din]
  private readonly inNorm: Norm;
  private readonly rowType: Tensor; // [3, d]
  private readonly projBlocks: Block[];
  // perceiver
  private readonly latentInit: Tensor; // [K, d]
  private readonly percBlocks: Block[];
  private readonly startEnd: Tensor; // [2, d]
  private readonly prefixNorm: Norm;
  private readonly auxHead: Linear; // [N, d] or [N, 2d] with the summary
  private readonly summaryProj: Linear | null; // [d, 2 Din]
  private readonly summaryNorm: Norm | null;
  private readonly findingsProj: Linear | null; // [d, N]
  // decoder
  private readonly wte: Tensor; // [V, d]
  private readonly wpe: Tensor; // [ctx, d]
  private readonly decBlocks: Block[];
  private readonly lnf: Norm;

  constructor(
    private readonly be: Backend,
    readonly cfg: ReportModelConfig,
  ) {
    const p = new Params(be);
    this.params = p;
    const { d } = cfg;
    this.inProj = linearParams(p, 'proj.in', cfg.segmentDim, d);
    this.inNorm = normParams(p, 'proj.in_ln', d);
    this.rowType = p.normal('proj.row_type', [3, d]);
    this.projBlocks = Array.from({ length: cfg.projectorLayers }, (_, i) =>
      blockParams(p, `proj.h.${i}`, d, cfg.projectorLayers),
    );
    this.latentInit = p.normal('perc.latents', [cfg.latents, d], 0.5);
    this.percBlocks = Array.from({ length: cfg.perceiverLayers }, (_, i) =>
      blockParams(p, `perc.h.${i}`, d, cfg.perceiverLayers, true),
    );
    this.startEnd = p.normal('perc.start_end', [2, d], 0.5);
    this.prefixNorm = normParams(p, 'perc.ln', d);
    this.auxHead = linearParams(p, 'aux.head', cfg.summary ? 2 * d : d, cfg.labels);
    this.summaryProj = cfg.summary ? linearParams(p, 'sum.proj', 2 * cfg.segmentDim, d) : null;
    this.summaryNorm = cfg.summary ? normParams(p, 'sum.ln', d) : null;
    this.findingsProj = cfg.summary ? linearParams(p, 'sum.findings', cfg.labels, d) : null;
    this.wte = p.normal('dec.wte', [cfg.vocab, d]);
    this.wpe = p.normal('dec.wpe', [cfg.ctx, d], 0.01);
    this.decBlocks = Array.from({ length: cfg.decoderLayers }, (_, i) =>
      blockParams(p, `dec.h.${i}`, d, cfg.decoderLayers),
    );
    this.lnf = normParams(p, 'dec.lnf', d);
  }

  /**
   * Compresses the segment rows of B recordings (all sessions of a report in one row sequence) into
   * P = prefixLength(cfg) EEG tokens.
   *   rows     float [B, S, Din]   segment vectors (zeros on pad / separator rows)
   *   rowType  int64 [B, S]        ROW_PAD / ROW_SEGMENT / ROW_SESSION_SEP
   *   rowPos   float [B, S, d]     sinusoid of each row's position in its session (data.ts)
   *   chunkPad bool  [B*S/chunk, 1, 1, chunk]  true = pad key within its chunk
   *   rowPad   bool  [B, 1, 1, S]  true = pad key (perceiver)
   * -> { prefix [B, P, d], aux [B, N] }
   */
  compress(
    rows: Tensor,
    rowType: Tensor,
    rowPos: Tensor,
    chunkPad: Tensor,
    rowPad: Tensor,
    train: boolean,
  ): { prefix: Tensor; aux: Tensor } {
    const { be, cfg } = this;
    const [B, S] = rowType.shape;
    const { d, chunk } = cfg;
    let x = norm(be, linear(be, rows, this.inProj), this.inNorm); // [B, S, d]
    x = be.add(be.add(x, be.embedding(this.rowType, rowType)), rowPos);
    const opts = { heads: cfg.heads, dropout: cfg.dropout, train };
    x = be.reshape(x, [(B * S) / chunk, chunk, d]); // local windows
    for (const b of this.projBlocks) x = block(be, b, x, { ...opts, mask: chunkPad });
    x = be.reshape(x, [B, S, d]);
    let z = be.expand(be.reshape(this.latentInit, [1, cfg.latents, d]), [B, cfg.latents, d]); // [B, K, d]
    for (const b of this.percBlocks) z = block(be, b, z, { ...opts, memory: x, memoryMask: rowPad });
    const se = be.expand(be.reshape(this.startEnd, [1, 2, d]), [B, 2, d]);
    const start = be.narrow(se, 1, 0, 1);
    const end = be.narrow(se, 1, 1, 1);
    let prefix: Tensor;
    let aux: Tensor;
    if (this.summaryProj && this.summaryNorm && this.findingsProj) {
      // masked mean and max over the segment rows (pad rows: weight 0 / value -1e9)
      const valid = be.where(be.reshape(rowPad, [B, S, 1]), be.zeros([1]), be.ones([1])); // [B, S, 1]
      const count = be.addScalar(be.sum(valid, [1]), 1e-6); // [B, 1]
      const mean = be.div(be.sum(be.mul(rows, valid), [1]), count); // [B, Din]
      const [mx] = be.topk(be.add(rows, be.mulScalar(be.addScalar(valid, -1), 1e9)), 1, 1); // [B, 1, Din]
      const stats = be.cat([mean, be.reshape(mx, [B, cfg.segmentDim])], 1); // [B, 2 Din]
      const summary = norm(be, linear(be, stats, this.summaryProj), this.summaryNorm); // [B, d]
      aux = linear(be, be.cat([be.mean(z, [1]), summary], 1), this.auxHead); // [B, N]
      const probs = be.div(be.ones([1]), be.addScalar(be.exp(be.neg(aux)), 1)); // sigmoid [B, N]
      const findings = linear(be, probs, this.findingsProj); // [B, d]
      const extra = be.reshape(be.cat([summary, findings], 1), [B, 2, d]);
      prefix = be.cat([start, extra, z, end], 1); // [B, K + 4, d]
    } else {
      aux = linear(be, be.mean(z, [1]), this.auxHead); // [B, N]
      prefix = be.cat([start, z, end], 1); // [B, K + 2, d]
    }
    return { prefix: norm(be, prefix, this.prefixNorm), aux };
  }

  /** Where the findings token sits in the prefix: [START, summary, findings, latents..., END]. */
  static readonly FINDINGS_TOKEN = 2;

  /**
   * The prefix with its findings token computed from the given probabilities instead of the head's:
   * an intervention on the concept bottleneck (Koh et al., 2020), so that findings decided from a
   * measurement (./calibration.ts) reach the decoder the way the head's do.
   *   prefix [B, P, d], probs [B, N] -> [B, P, d]
   */
  withFindings(prefix: Tensor, probs: Tensor): Tensor {
    const { be } = this;
    if (!this.findingsProj) throw new Error('this model has no findings token (config summary: false)');
    const [B, P, d] = prefix.shape;
    const at = ReportModel.FINDINGS_TOKEN;
    const token = norm(be, be.reshape(linear(be, probs, this.findingsProj), [B, 1, d]), this.prefixNorm); // [B, 1, d]
    return be.cat([be.narrow(prefix, 1, 0, at), token, be.narrow(prefix, 1, at + 1, P - at - 1)], 1);
  }

  /**
   * Next-token logits for the text after an EEG prefix.
   *   prefix [B, P, d], ids int64 [B, T], causal bool [P+T, P+T] -> logits [B, T, V]
   *   with `at` int64 [1] (a text position): logits [B, 1, V] of that position only (generation)
   *   with `cache` (one slot per decoder layer): each layer's keys/values are left in its slot (prefill)
   */
  decode(
    prefix: Tensor,
    ids: Tensor,
    causal: Tensor,
    train: boolean,
    at: Tensor | null = null,
    cache: KVSlot[] | null = null,
  ): Tensor {
    const { be, cfg } = this;
    const [, P] = prefix.shape;
    const T = ids.shape[1];
    let x = be.cat([prefix, be.embedding(this.wte, ids)], 1); // [B, P+T, d]
    x = be.add(x, be.narrow(this.wpe, 0, 0, P + T));
    if (train && cfg.dropout) x = be.dropout(x, cfg.dropout, true);
    x = this.decoderBlocks(x, causal, train, cache);
    x = be.narrow(x, 1, P, T); // [B, T, d]
    if (at) x = be.indexSelect(x, 1, at); // [B, 1, d]
    return this.lmHead(x);
  }

  /**
   * Incremental decoding, first call ("prefill"): decode() of the text position `at` that also returns
   * every decoder layer's keys and values over all P + T positions, the cache step() continues from.
   *   prefix [B, P, d], ids int64 [B, T], causal bool [P+T, P+T], at int64 [1]
   *   -> logits [B, 1, V], kv: one { k, v } per layer, [B, h, P+T, dh] each
   */
  prefill(prefix: Tensor, ids: Tensor, causal: Tensor, at: Tensor): { logits: Tensor; kv: KV[] } {
    const cache: KVSlot[] = this.decBlocks.map(() => ({ past: null }));
    const logits = this.decode(prefix, ids, causal, false, at, cache);
    return { logits, kv: cache.map((c) => c.present as KV) };
  }

  /**
   * Incremental decoding, later calls: one new token per row, at decoder position `pos`, attends to
   * the cached keys/values and to itself.
   *   ids int64 [B, 1], pos int64 [1] (the token's decoder position: P + its text index),
   *   past: one { k, v } per layer, [B, h, C, dh] each (C cached positions),
   *   mask bool broadcastable to [B, h, 1, C+1], true = hidden (cache slots not written yet), or null
   *   -> logits [B, 1, V], kv: one { k, v } per layer, [B, h, C+1, dh] (the past, then this position)
   */
  step(ids: Tensor, pos: Tensor, past: KV[], mask: Tensor | null): { logits: Tensor; kv: KV[] } {
    const { be } = this;
    const x = be.add(be.embedding(this.wte, ids), be.indexSelect(this.wpe, 0, pos)); // [B, 1, d]
    const cache: KVSlot[] = past.map((p) => ({ past: p }));
    const logits = this.lmHead(this.decoderBlocks(x, mask, false, cache));
    return { logits, kv: cache.map((c) => c.present as KV) };
  }

  /** The decoder's blocks: x [B, T, d] -> [B, T, d]; mask broadcastable to [B, h, T, Tk]. */
  private decoderBlocks(x: Tensor, mask: Tensor | null, train: boolean, cache: KVSlot[] | null): Tensor {
    const { be, cfg } = this;
    this.decBlocks.forEach((b, i) => {
      x = block(be, b, x, { heads: cfg.heads, mask, dropout: cfg.dropout, train, cache: cache?.[i] });
    });
    return x;
  }

  /** Final LayerNorm and the tied output embedding: [B, T, d] -> logits [B, T, V]. */
  private lmHead(x: Tensor): Tensor {
    return this.be.linear(norm(this.be, x, this.lnf), this.wte, null);
  }
}

/** Binary cross-entropy with logits, mean over all entries (multi-label targets in {0, 1}). */
export function bceWithLogits(be: Backend, logits: Tensor, targets: Tensor): Tensor {
  // softplus(z) - y z, with softplus(z) = relu(z) + log(1 + exp(-|z|)) for stability
  const absz = be.add(be.relu(logits), be.relu(be.neg(logits)));
  const softplus = be.add(be.relu(logits), be.log(be.addScalar(be.exp(be.neg(absz)), 1)));
  return be.mean(be.sub(softplus, be.mul(targets, logits)));
}
