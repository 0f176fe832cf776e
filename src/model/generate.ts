/**
 * Decoding: greedy and beam search over an incremental decoder (a key/value cache: each step runs only
 * the new token of each row), with length limits and repetition control (a CTRL-style repetition
 * penalty on tokens already generated, and fairseq/HF-style no-repeat n-grams), and seeded
 * temperature sampling for minimum-Bayes-risk selection (./mbr.ts). Runtime-neutral: the `Decoder`
 * may run libtorch or ONNX Runtime (./runner.ts), or recompute whole sequences (`recomputing`).
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
  /**
   * Greedy decoding chooses each sentence's wording by consensus among the model's likely wordings of
   * the same statement (./consensus.ts); false = plain greedy. Ignored with beams > 1.
   */
  consensus: boolean;
  /**
   * Consensus scores the wordings against the training reports' sentences of the same statement
   * (the model folder's phrases.json `sentences`), where it has them; false = against each other.
   */
  consensusBank: boolean;
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
  consensus: true,
  consensusBank: true,
  temperature: 0.8,
  seed: 1,
};

/** Last-position logits [V] for each of n equally long token sequences (recomputed from scratch). */
export type NextLogits = (seqs: number[][]) => Promise<Float32Array[]>;

/**
 * Incremental decoding of a batch of equally long rows that start as copies of one context (a
 * key/value cache underneath: each step runs the new tokens only).
 */
export interface Decoding {
  /**
   * Row i of the new batch is old row from[i] followed by tokens[i] (rows may be dropped, repeated
   * and reordered, as beams are; at most the `rows` of start()); returns each new row's next-token
   * logits [V] (the caller may modify them).
   */
  step(from: readonly number[], tokens: readonly number[]): Promise<Float32Array[]>;
  /** Frees the cache; the decoding is unusable afterwards. */
  close(): void;
}

/** A language model conditioned on one EEG prefix, decoded incrementally. */
export interface Decoder {
  /**
   * Opens a decoding of `rows` copies of `context` (the most rows any step will have), with the
   * context's next-token logits [V].
   */
  start(context: readonly number[], rows: number): Promise<{ decoding: Decoding; logits: Float32Array }>;
}

/** A Decoder over a model that recomputes every position at each step (no cache). */
export function recomputing(next: NextLogits): Decoder {
  return {
    async start(context, rows) {
      let seqs = Array.from({ length: rows }, () => [...context]);
      const [logits] = await next(seqs.slice(0, 1));
      const decoding: Decoding = {
        step: (from, tokens) => {
          seqs = from.map((r, i) => [...seqs[r], tokens[i]]);
          return next(seqs);
        },
        close: () => {},
      };
      return { decoding, logits };
    },
  };
}

/**
 * The other way round: a next-token function over a Decoder, each sequence prefilled on its own (no
 * cache reuse between calls: for callers not yet written against Decoder).
 */
export function nextLogitsOf(dec: Decoder): NextLogits {
  return (seqs) =>
    Promise.all(
      seqs.map(async (s) => {
        const { decoding, logits } = await dec.start(s, 1);
        decoding.close();
        return logits;
      }),
    );
}

interface Hyp {
  ids: number[]; // generated tokens only
  logp: number;
  row: number; // the decoding row whose next-token logits this hypothesis continues from
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
  dec: Decoder,
  context: number[],
  eos: number,
  o: GenerateOptions,
  banned: ReadonlySet<number> = new Set(),
): Promise<number[]> {
  if (o.maxTokens < 1) return [];
  const width = Math.max(1, Math.floor(o.beams));
  let alive: Hyp[] = [{ ids: [], logp: 0, row: 0 }];
  const done: Hyp[] = [];
  const score = (h: Hyp) => h.logp / Math.max(1, h.ids.length) ** o.lengthPenalty;
  const { decoding, logits: first } = await dec.start(context, width);
  try {
    for (let step = 0; step < o.maxTokens && alive.length; step++) {
      // the kept hypotheses' rows follow them (a beam's cache row is copied to each of its children)
      const logits =
        step === 0
          ? [first]
          : await decoding.step(
              alive.map((h) => h.row),
              alive.map((h) => h.ids[h.ids.length - 1]),
            );
      alive = extend(alive, logits, width, eos, o, banned, done);
      // Stop when the best finished hypothesis beats every live one (scores only fall as they grow).
      if (done.length >= width) {
        const bestDone = Math.max(...done.map(score));
        if (alive.every((h) => h.logp / Math.max(1, o.maxTokens) ** o.lengthPenalty < bestDone)) break;
      }
    }
  } finally {
    decoding.close();
  }
  const pool = done.length ? done : alive;
  pool.sort((a, b) => score(b) - score(a));
  return pool[0]?.ids ?? [];
}

/**
 * One step of greedy/beam search: the `width` best continuations of the live hypotheses (row i of
 * `logits` is hypothesis i's); those that end go to `done`.
 */
function extend(
  alive: Hyp[],
  logits: Float32Array[],
  width: number,
  eos: number,
  o: GenerateOptions,
  banned: ReadonlySet<number>,
  done: Hyp[],
): Hyp[] {
  const cands: Hyp[] = [];
  alive.forEach((h, i) => {
    const l = logits[i];
    penalize(l, h.ids, o, banned);
    if (h.ids.length < o.minTokens) l[eos] = Number.NEGATIVE_INFINITY;
    const lp = logSoftmax(l);
    if (width === 1) {
      let best = 0;
      for (let t = 1; t < lp.length; t++) if (lp[t] > lp[best]) best = t;
      cands.push({ ids: [...h.ids, best], logp: h.logp + lp[best], row: i });
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
    for (const t of top) cands.push({ ids: [...h.ids, t], logp: h.logp + lp[t], row: i });
  });
  cands.sort((a, b) => b.logp - a.logp);
  const kept: Hyp[] = [];
  for (const c of cands) {
    if (c.ids[c.ids.length - 1] === eos) done.push({ ids: c.ids.slice(0, -1), logp: c.logp, row: c.row });
    else if (kept.length < width) kept.push(c);
    if (kept.length >= width) break; // the rest score lower than every kept hypothesis
  }
  return kept;
}

/** A sampled text and how plausible its tokens were. */
export interface Sampled {
  /** Generated ids without eos. */
  ids: number[];
  /**
   * The smallest log-probability of a chosen token (end token included) under the untempered,
   * penalised distribution: one very unlikely token is how a sample derails into a non-word.
   */
  worst: number;
}

/**
 * `n` sequences sampled at once (one batched decoding step for all of them) at temperature
 * o.temperature, with the same penalties and limits as `generate`.
 */
export async function sample(
  dec: Decoder,
  context: number[],
  eos: number,
  o: GenerateOptions,
  n: number,
  rng: Rng,
  banned: ReadonlySet<number> = new Set(),
): Promise<Sampled[]> {
  if (n < 1 || o.maxTokens < 1) return [];
  const out: Sampled[] = [];
  // each live sample and its decoding row
  let alive: { ids: number[]; row: number; worst: number }[] = Array.from({ length: n }, (_, row) => ({
    ids: [],
    row,
    worst: 0,
  }));
  const { decoding, logits: first } = await dec.start(context, n);
  try {
    for (let step = 0; step < o.maxTokens && alive.length; step++) {
      const logits =
        step === 0
          ? alive.map(() => Float32Array.from(first))
          : await decoding.step(
              alive.map((a) => a.row),
              alive.map((a) => a.ids[a.ids.length - 1]),
            );
      const still: typeof alive = [];
      alive.forEach(({ ids, worst }, i) => {
        const l = logits[i];
        penalize(l, ids, o, banned);
        if (ids.length < o.minTokens) l[eos] = Number.NEGATIVE_INFINITY;
        const t = drawToken(l, o.temperature, rng);
        const w = Math.min(worst, logSoftmax(l)[t]);
        if (t === eos) out.push({ ids, worst: w });
        else if (ids.length + 1 >= o.maxTokens) out.push({ ids: [...ids, t], worst: w });
        else still.push({ ids: [...ids, t], row: i, worst: w });
      });
      alive = still;
    }
  } finally {
    decoding.close();
  }
  return [...out, ...alive.map((a) => ({ ids: a.ids, worst: a.worst }))];
}

/** A token drawn from softmax(logits / temperature) with one uniform draw of `rng`. */
export function drawToken(logits: Float32Array, temperature: number, rng: Rng): number {
  const lp = logSoftmax(logits.map((v) => v / temperature));
  let u = rng.next();
  let t = 0;
  for (; t < lp.length - 1; t++) {
    u -= Math.exp(lp[t]);
    if (u <= 0) break;
  }
  if (!Number.isFinite(lp[t])) t = lp.indexOf(Math.max(...lp)); // rounding ran past the last allowed token
  return t;
}
