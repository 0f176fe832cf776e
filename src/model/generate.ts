/**
 * Decoding: greedy and beam search over a next-token function, with length limits and repetition
 * control (a CTRL-style repetition penalty on tokens already generated, and fairseq/HF-style
 * no-repeat n-grams), and seeded temperature sampling for minimum-Bayes-risk selection (./mbr.ts).
 * Runtime-neutral: `next` may run libtorch or ONNX Runtime.
 */
import type { Rng } from '../datasets/synth/prng.js';

export interface GenerateOptions {
  /** Tokens generated per section at most (the end token included). */
  maxTokens: number;
  /** 1 = greedy. */
  beams: number;
  /** Logits of tokens already in the hypothesis are divided (if > 0) or multiplied by this; 1 = off. */
  repetitionPenalty: number;
  /** Forbid repeating any n-gram of this size; 0 = off. */
  noRepeatNgram: number;
  /** Beam scores are sum(log p) / length^lengthPenalty. */
  lengthPenalty: number;
  /** The end token is not allowed before this many tokens (a requested section is never empty). */
  minTokens: number;
  /**
   * Sampled candidates per section besides the greedy/beam one; the text kept is the candidate that
   * agrees best with all the others (minimum Bayes risk under ROUGE-1, ./mbr.ts). 0 = off.
   */
  samples: number;
  /**
   * Findings-guided selection (./guide.ts): when the greedy text of a section contradicts the findings
   * head, this many samples are drawn and the one with the fewest contradictions is kept. 0 = off.
   */
  guideSamples: number;
  /** Softmax temperature of the samples. */
  temperature: number;
  /** Seed of the samples (a draft is reproducible). */
  seed: number;
}

export const DEFAULT_GENERATE: GenerateOptions = {
  maxTokens: 200,
  beams: 1,
  repetitionPenalty: 1.1,
  noRepeatNgram: 6,
  lengthPenalty: 1,
  minTokens: 1,
  samples: 0,
  guideSamples: 4,
  temperature: 0.8,
  seed: 1,
};

/** Last-position logits [V] for each of n equally long token sequences. */
export type NextLogits = (seqs: number[][]) => Promise<Float32Array[]>;

interface Hyp {
  ids: number[]; // generated tokens only
  logp: number;
}

/** Applies repetition penalty and n-gram bans in place (on the generated part only). */
export function penalize(
  logits: Float32Array,
  gen: number[],
  o: GenerateOptions,
  banned: ReadonlySet<number>,
): void {
  for (const t of banned) logits[t] = Number.NEGATIVE_INFINITY;
  if (o.repetitionPenalty !== 1) {
    for (const t of new Set(gen)) {
      const v = logits[t];
      logits[t] = v > 0 ? v / o.repetitionPenalty : v * o.repetitionPenalty;
    }
  }
  const n = o.noRepeatNgram;
  if (n > 0 && gen.length >= n - 1) {
    const tail = gen.slice(gen.length - (n - 1)).join(',');
    for (let i = 0; i + n <= gen.length; i++) {
      if (gen.slice(i, i + n - 1).join(',') === tail) logits[gen[i + n - 1]] = Number.NEGATIVE_INFINITY;
    }
  }
}

export function logSoftmax(x: Float32Array): Float32Array {
  let m = Number.NEGATIVE_INFINITY;
  for (const v of x) if (v > m) m = v;
  let s = 0;
  for (const v of x) s += Math.exp(v - m);
  const l = m + Math.log(s);
  return x.map((v) => v - l);
}

/**
 * Generates after `context` (the token ids that precede the text: history, section token) until
 * `eos` or maxTokens; returns the generated ids without eos. `banned` tokens are never produced.
 */
export async function generate(
  next: NextLogits,
  context: number[],
  eos: number,
  o: GenerateOptions,
  banned: ReadonlySet<number> = new Set(),
): Promise<number[]> {
  const width = Math.max(1, Math.floor(o.beams));
  let alive: Hyp[] = [{ ids: [], logp: 0 }];
  const done: Hyp[] = [];
  const score = (h: Hyp) => h.logp / Math.max(1, h.ids.length) ** o.lengthPenalty;
  for (let step = 0; step < o.maxTokens && alive.length; step++) {
    const logits = await next(alive.map((h) => [...context, ...h.ids]));
    const cands: Hyp[] = [];
    alive.forEach((h, i) => {
      const l = logits[i];
      penalize(l, h.ids, o, banned);
      if (h.ids.length < o.minTokens) l[eos] = Number.NEGATIVE_INFINITY;
      const lp = logSoftmax(l);
      if (width === 1) {
        let best = 0;
        for (let t = 1; t < lp.length; t++) if (lp[t] > lp[best]) best = t;
        cands.push({ ids: [...h.ids, best], logp: h.logp + lp[best] });
        return;
      }
      // top `width` tokens of this hypothesis
      const top: number[] = [];
      for (let t = 0; t < lp.length; t++) {
        if (!Number.isFinite(lp[t])) continue;
        if (top.length < width) top.push(t);
        else if (lp[t] > lp[top[top.length - 1]]) top[top.length - 1] = t;
        else continue;
        top.sort((a, b) => lp[b] - lp[a]);
      }
      for (const t of top) cands.push({ ids: [...h.ids, t], logp: h.logp + lp[t] });
    });
    cands.sort((a, b) => b.logp - a.logp);
    alive = [];
    for (const c of cands) {
      if (c.ids[c.ids.length - 1] === eos) done.push({ ids: c.ids.slice(0, -1), logp: c.logp });
      else if (alive.length < width) alive.push(c);
      if (alive.length >= width) break; // the rest score lower than every kept hypothesis
    }
    // Stop when the best finished hypothesis beats every live one (scores only fall as they grow).
    if (done.length >= width) {
      const bestDone = Math.max(...done.map(score));
      if (alive.every((h) => h.logp / Math.max(1, o.maxTokens) ** o.lengthPenalty < bestDone)) break;
    }
  }
  const pool = done.length ? done : alive;
  pool.sort((a, b) => score(b) - score(a));
  return pool[0]?.ids ?? [];
}

/**
 * `n` sequences sampled at once (one batched `next` call a step) at temperature o.temperature, with the
 * same penalties and limits as `generate`; returns their generated ids without eos.
 */
export async function sample(
  next: NextLogits,
  context: number[],
  eos: number,
  o: GenerateOptions,
  n: number,
  rng: Rng,
  banned: ReadonlySet<number> = new Set(),
): Promise<number[][]> {
  const out: number[][] = [];
  let alive: number[][] = Array.from({ length: n }, () => []);
  for (let step = 0; step < o.maxTokens && alive.length; step++) {
    const logits = await next(alive.map((ids) => [...context, ...ids]));
    const still: number[][] = [];
    alive.forEach((ids, i) => {
      const l = logits[i];
      penalize(l, ids, o, banned);
      if (ids.length < o.minTokens) l[eos] = Number.NEGATIVE_INFINITY;
      const lp = logSoftmax(l.map((v) => v / o.temperature));
      let u = rng.next();
      let t = 0;
      for (; t < lp.length - 1; t++) {
        u -= Math.exp(lp[t]);
        if (u <= 0) break;
      }
      if (!Number.isFinite(lp[t])) t = lp.indexOf(Math.max(...lp)); // rounding ran past the last allowed token
      if (t === eos) out.push(ids);
      else if (ids.length + 1 >= o.maxTokens) out.push([...ids, t]);
      else still.push([...ids, t]);
    });
    alive = still;
  }
  return [...out, ...alive];
}
