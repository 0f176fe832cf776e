/**
 * Minimum-Bayes-risk selection (Kumar & Byrne 2004; Freitag et al. 2022 for neural text): of several
 * texts drawn from the model, keep the one that agrees best with all the others. Greedy decoding follows
 * the single most likely path and, where the training reports word one fact three ways, settles on one
 * of them arbitrarily; the consensus candidate is the model's expected best under the utility, here
 * unigram F1 over lower-cased words (the core of ROUGE-1), so both wording and content move towards
 * what most samples say.
 */

const words = (s: string): string[] => s.toLowerCase().match(/[a-z0-9]+(?:[.,][0-9]+)?/g) ?? [];

/** Unigram F1 between two bags of words (1 for two empty texts). */
export function unigramF1(a: string[], b: string[]): number {
  if (!a.length || !b.length) return a.length === b.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const w of a) counts.set(w, (counts.get(w) ?? 0) + 1);
  let overlap = 0;
  for (const w of b) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      overlap++;
      counts.set(w, c - 1);
    }
  }
  return (2 * overlap) / (a.length + b.length);
}

/** Index of the candidate with the highest mean unigram F1 against the others (ties: the earliest). */
export function mbrSelect(candidates: string[]): number {
  const bags = candidates.map(words);
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < bags.length; i++) {
    let s = 0;
    for (let j = 0; j < bags.length; j++) if (j !== i) s += unigramF1(bags[i], bags[j]);
    if (s > bestScore + 1e-12) {
      best = i;
      bestScore = s;
    }
  }
  return best;
}
