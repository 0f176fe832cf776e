/**
 * Sentence-by-sentence guided decoding. Whole-text reranking (./guide.ts) needs one sample that gets
 * every finding of a section right at once, and with four artifacts and a side to state, none of eight
 * samples may. Here the section is written one sentence at a time: at each sentence boundary the greedy
 * next sentence and k - 1 sampled ones (or the end of the section) are candidates, and the one whose
 * text so far contradicts the findings least is kept (ties: the greedy one). Constraints are met
 * sentence by sentence, in the order and wording the model chooses; every kept sentence is one the
 * model wrote.
 *
 *   context -> [greedy sentence | k - 1 samples] -> keep the least contradicting -> repeat until the
 *   kept candidate ends the section (or the token budget is spent)
 */
import type { Rng } from '../datasets/synth/prng.js';
import { rougeN, rougeTokenize } from '../eval/metrics/rouge.js';
import { type GenerateOptions, logSoftmax, type NextLogits, penalize } from './generate.js';

export interface SentenceGuide {
  /** Contradictions of a (partial) section text: lower is better. */
  score(ids: number[]): number;
  /** True when token `t` ends a sentence (its text ends with '.', '!' or '?'). */
  endsSentence(t: number): boolean;
  /**
   * With a decoder of ids to text: among equally contradicting candidates keep the one that agrees
   * best (mean ROUGE-1) with all candidates of that sentence (minimum Bayes risk per sentence, ./mbr.ts),
   * not the greedy one.
   */
  decode?(ids: number[]): string;
}

interface Rollout {
  ids: number[];
  /** The section ended (end token) within this sentence. */
  ended: boolean;
}

/**
 * Writes the section after `context`, choosing among `k` candidates for every sentence. Returns the
 * generated ids without the end token.
 */
export async function guideBySentence(
  next: NextLogits,
  context: number[],
  eos: number,
  o: GenerateOptions,
  k: number,
  rng: Rng,
  guide: SentenceGuide,
  banned: ReadonlySet<number> = new Set(),
): Promise<number[]> {
  let text: number[] = [];
  while (text.length < o.maxTokens) {
    const cands = await rollouts(next, context, text, eos, o, Math.max(1, k), rng, guide, banned);
    const scores = cands.map((c) => guide.score([...text, ...c.ids]));
    const least = Math.min(...scores);
    let best = scores.indexOf(least);
    if (guide.decode) {
      const words = cands.map((c) => rougeTokenize(guide.decode?.(c.ids) ?? '', false));
      let top = Number.NEGATIVE_INFINITY;
      for (const [i, w] of words.entries()) {
        if (scores[i] !== least) continue;
        let agree = 0;
        for (const [j, v] of words.entries()) if (j !== i) agree += w.length + v.length ? rougeN(v, w, 1) : 1;
        if (agree > top + 1e-12) {
          top = agree;
          best = i;
        }
      }
    }
    text = [...text, ...cands[best].ids];
    if (cands[best].ended || cands[best].ids.length === 0) break;
  }
  return text;
}

/** Row 0 greedy, the others sampled at o.temperature; each row runs to a sentence end or the end token. */
async function rollouts(
  next: NextLogits,
  context: number[],
  text: number[],
  eos: number,
  o: GenerateOptions,
  k: number,
  rng: Rng,
  guide: SentenceGuide,
  banned: ReadonlySet<number>,
): Promise<Rollout[]> {
  const rows: Rollout[] = Array.from({ length: k }, () => ({ ids: [], ended: false }));
  let alive = rows.map((_, i) => i);
  while (alive.length) {
    const logits = await next(alive.map((i) => [...context, ...text, ...rows[i].ids]));
    const still: number[] = [];
    alive.forEach((i, j) => {
      const r = rows[i];
      const gen = [...text, ...r.ids];
      const l = logits[j];
      penalize(l, gen, o, banned);
      if (gen.length < o.minTokens) l[eos] = Number.NEGATIVE_INFINITY;
      let t: number;
      if (i === 0) {
        t = 0;
        for (let v = 1; v < l.length; v++) if (l[v] > l[t]) t = v;
      } else {
        const lp = logSoftmax(l.map((v) => v / o.temperature));
        let u = rng.next();
        for (t = 0; t < lp.length - 1; t++) {
          u -= Math.exp(lp[t]);
          if (u <= 0) break;
        }
        if (!Number.isFinite(lp[t])) t = lp.indexOf(Math.max(...lp)); // rounding ran past the last allowed token
      }
      if (t === eos) {
        r.ended = true;
        return;
      }
      r.ids.push(t);
      if (!guide.endsSentence(t) && gen.length + 1 < o.maxTokens) still.push(i);
      else if (gen.length + 1 >= o.maxTokens) r.ended = true;
    });
    alive = still;
  }
  return rows;
}
