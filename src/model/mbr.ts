/**
 * Minimum-Bayes-risk selection (Kumar & Byrne 2004; Freitag et al. 2022 for neural text): of several
 * texts drawn from the model, keep the one that agrees best with all the others. Greedy decoding follows
 * the single most likely path and, where the training reports word one fact three ways, settles on one
 * of them arbitrarily; the consensus candidate is the model's expected best under the utility, here
 * ROUGE-1 F as `celm eval` computes it, so both wording and content move towards what most samples say.
 */
import { rougeN, rougeTokenize } from '../eval/metrics/rouge.js';

/** Index of the candidate with the highest mean ROUGE-1 F against the others (ties: the earliest). */
export function mbrSelect(candidates: string[]): number {
  const tokens = candidates.map((c) => rougeTokenize(c, false));
  return firstBest(
    tokens.map((mine, i) => tokens.reduce((s, other, j) => (j === i ? s : s + rougeN(other, mine, 1)), 0)),
  );
}

/** Index of the largest score; a later one must beat it by more than rounding (ties: the earliest). */
function firstBest(scores: number[]): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best] + 1e-12) best = i;
  return best;
}

/**
 * Index of the candidate with the highest ROUGE-1 F against weighted references (text, weight), the
 * expected score when the reference is one of them drawn by weight (ties: the earliest). With the
 * training reports' sentences of one statement as references this is the minimum-Bayes-risk choice
 * under how the reports word it, rather than under how the model's few alternatives do.
 */
export function mbrSelectAgainst(candidates: string[], references: readonly [string, number][]): number {
  const refs = references.map(([text, w]) => [rougeTokenize(text, false), w] as const);
  return firstBest(
    candidates.map((c) => {
      const tokens = rougeTokenize(c, false);
      return refs.reduce((s, [ref, w]) => s + w * rougeN(ref, tokens, 1), 0);
    }),
  );
}
