/**
 * Sentence-by-sentence guided decoding. Whole-text reranking (./guide.ts) needs one sample that gets
 * every finding of a section right at once, and with four artifacts and a side to state, none of eight
 * samples may. Here the section is written one sentence at a time: at each sentence boundary the greedy
 * next sentence and k - 1 sampled ones (or the end of the section) are candidates, and the one whose
 * text so far contradicts the findings least is kept (ties: the greedy one). Constraints are met
 * sentence by sentence, in the order and wording the model chooses.
 *
 *   context -> [greedy sentence | k - 1 samples] -> keep the least contradicting -> repeat until the
 *   kept candidate ends the section (or the token budget is spent)
 *
 * Where no candidate meets the findings, the model is also offered the openings the training reports
 * use for what is left out (`SentenceGuide.openings`, asked at each such sentence; the caller answers
 * where they belong: findings where they are due, before the section ends or instead of a sentence
 * that would deny one, the verdict as the impression's first sentence): the opening is forced, the
 * model writes the rest of the sentence, and it is kept only if it contradicts the findings less than
 * the model's own candidates do.
 */
import type { Rng } from '../datasets/synth/prng.js';
import { type Decoder, drawToken, type GenerateOptions, logSoftmax, penalize } from './generate.js';

export interface SentenceGuide {
  /** Contradictions of a (partial) section text: lower is better. */
  score(ids: number[]): number;
  /** True when token `t`, after `prev`, ends a sentence (a '.', '!' or '?' that is no decimal point). */
  endsSentence(t: number, prev: number | undefined): boolean;
  /** A sentence with a token less probable than this (log, untempered) is not a candidate. */
  minLogp: number;
  /**
   * Sentence openings (token ids) for what the text so far (`ids`) still leaves out (./phrasebook.ts),
   * given the best of the model's own next sentences (`next.ends`: it ends the section). Asked when
   * every candidate leaves contradictions; the model continues each opening (greedy and three
   * samples), and those sentences compete with the rest.
   */
  openings?(ids: number[], next: { ids: number[]; ends: boolean }): Opening[];
}

/** A sentence opening to force, and which of the sentences the model writes after it to consider. */
export interface Opening {
  ids: number[];
  /** The whole sentence (opening included); default: every sentence. */
  accepts?(sentence: number[]): boolean;
  /**
   * `ids` is a whole sentence (a stock sentence of the training reports, ./phrasebook.ts
   * stockSentences): a candidate as it is, with the section going on after it.
   */
  whole?: boolean;
}

/**
 * Continuations of each opening: the greedy one and samples. After an opening the model can drift
 * into the sentence it knows best ("Intermittent 50 Hz line noise artifact is seen in the left
 * temporal and ear derps."); with four rows one usually reads well.
 */
const OPENING_ROWS = 4;

interface Rollout {
  /** The sentence: the forced opening (if any), then the model's tokens. */
  ids: number[];
  /** Tokens of the forced opening at the start of `ids`. */
  lead: number;
  /** Smallest log-probability of a chosen token (./generate.ts Sampled.worst). */
  worst: number;
  /** The section ended (end token) within this sentence. */
  ended: boolean;
}

/**
 * Writes the section after `context`, choosing among `k` candidates for every sentence. Returns the
 * generated ids without the end token.
 */
export async function guideBySentence(
  dec: Decoder,
  context: number[],
  eos: number,
  o: GenerateOptions,
  k: number,
  rng: Rng,
  guide: SentenceGuide,
  banned: ReadonlySet<number> = new Set(),
): Promise<number[]> {
  let text: number[] = [];
  // an opening's sentence ends where the reports' does ("... in several channels."), even when the
  // section has said "channels" before: no repetition penalty (n-gram blocking stays)
  const freely = { ...o, repetitionPenalty: 1 };
  while (text.length < o.maxTokens) {
    const cands = await rollouts(dec, context, text, [], eos, o, Math.max(1, k), rng, guide, banned);
    // each candidate is scored once (the labeler reads it), openings' sentences as they come
    const scores = cands.map((c) => contradictions(c, text, guide));
    let best = leastAt(scores);
    const ends = (c: Rollout) => c.ended || c.ids.length === c.lead;
    if (scores[best] > 0 && guide.openings) {
      const more: Rollout[] = [];
      for (const lead of guide.openings(text, { ids: cands[best].ids, ends: ends(cands[best]) })) {
        if (lead.whole) {
          more.push({ ids: lead.ids, lead: 0, worst: 0, ended: false });
          continue;
        }
        const rows = await rollouts(
          dec,
          context,
          text,
          lead.ids,
          eos,
          freely,
          OPENING_ROWS,
          rng,
          guide,
          banned,
        );
        more.push(...rows.filter((c) => c.ids.length > c.lead && (lead.accepts?.(c.ids) ?? true)));
      }
      cands.push(...more);
      scores.push(...more.map((c) => contradictions(c, text, guide)));
      best = leastAt(scores);
    }
    text = [...text, ...cands[best].ids];
    if (ends(cands[best])) break;
  }
  return text;
}

/**
 * How much the text so far with candidate `c` contradicts; only plausible candidates count (after
 * sampled sentences even the greedy row can derail): an implausible one scores infinity.
 */
function contradictions(c: Rollout, text: number[], guide: SentenceGuide): number {
  return c.worst >= guide.minLogp ? guide.score([...text, ...c.ids]) : Number.POSITIVE_INFINITY;
}

/** The candidate that contradicts least, ties to the earlier; when none is plausible, the first (greedy) one. */
function leastAt(scores: number[]): number {
  const least = Math.min(...scores);
  return Number.isFinite(least) ? scores.indexOf(least) : 0;
}

/**
 * Row 0 greedy, the others sampled at o.temperature; each row runs to a sentence end or the end token.
 * One decoding (key/value cache) of `k` rows that all start from context + text + lead (a forced
 * sentence opening, or none).
 */
async function rollouts(
  dec: Decoder,
  context: number[],
  text: number[],
  lead: number[],
  eos: number,
  o: GenerateOptions,
  k: number,
  rng: Rng,
  guide: SentenceGuide,
  banned: ReadonlySet<number>,
): Promise<Rollout[]> {
  const rows: Rollout[] = Array.from({ length: k }, () => ({
    ids: [...lead],
    lead: lead.length,
    ended: false,
    worst: 0,
  }));
  // live candidates and their decoding rows
  let alive = rows.map((_, i) => ({ cand: i, row: i }));
  const { decoding, logits: first } = await dec.start([...context, ...text, ...lead], k);
  try {
    for (let step = 0; alive.length; step++) {
      const logits =
        step === 0
          ? alive.map(() => Float32Array.from(first))
          : await decoding.step(
              alive.map((a) => a.row),
              alive.map((a) => rows[a.cand].ids[rows[a.cand].ids.length - 1]),
            );
      const still: typeof alive = [];
      alive.forEach(({ cand }, j) => {
        const r = rows[cand];
        const gen = [...text, ...r.ids];
        const l = logits[j];
        penalize(l, gen, o, banned);
        if (gen.length < o.minTokens) l[eos] = Number.NEGATIVE_INFINITY;
        let t = 0;
        if (cand === 0) {
          for (let v = 1; v < l.length; v++) if (l[v] > l[t]) t = v;
        } else t = drawToken(l, o.temperature, rng);
        r.worst = Math.min(r.worst, logSoftmax(l)[t]);
        if (t === eos) {
          r.ended = true;
          return;
        }
        r.ids.push(t);
        if (gen.length + 1 >= o.maxTokens) r.ended = true;
        else if (!guide.endsSentence(t, gen[gen.length - 1])) still.push({ cand, row: j });
      });
      alive = still;
    }
  } finally {
    decoding.close();
  }
  return rows;
}
