/**
 * ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum F-measures as Google's `rouge_score` computes them.
 *
 * Tokens: lower-case the text, replace every run of characters outside [a-z0-9] with a space, split;
 * with stemming, tokens longer than three characters go through NLTK's Porter stemmer. ROUGE-N counts
 * clipped n-gram overlaps; ROUGE-L is the longest common subsequence of the two token lists; ROUGE-Lsum
 * splits both texts into sentences at newlines and counts, for each reference sentence, the tokens of
 * the union of its LCSs with every predicted sentence, without counting a token more often than it
 * occurs in either text.
 */
import { porterStem } from './porter.js';

export interface RougeScores {
  rouge1: number;
  rouge2: number;
  rougeL: number;
  rougeLsum: number;
}

const NON_ALNUM = /[^a-z0-9]+/g;

/** `rouge_score`'s tokenizer; `stem` applies the Porter stemmer to tokens longer than 3 characters. */
export function rougeTokenize(text: string, stem: boolean): string[] {
  const cleaned = text.toLowerCase().replace(NON_ALNUM, ' ');
  const tokens: string[] = [];
  for (const raw of cleaned.split(' ')) {
    if (raw === '') continue;
    tokens.push(stem && raw.length > 3 ? porterStem(raw) : raw);
  }
  return tokens;
}

export function fMeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

function ngrams(tokens: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = n === 1 ? tokens[i] : tokens.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** ROUGE-N F-measure (tokens never contain spaces, so joining with one is unambiguous). */
export function rougeN(reference: string[], prediction: string[], n: number): number {
  const ref = ngrams(reference, n);
  const pred = ngrams(prediction, n);
  let overlap = 0;
  for (const [key, count] of pred) {
    const r = ref.get(key);
    if (r !== undefined) overlap += Math.min(count, r);
  }
  const refCount = Math.max(reference.length - n + 1, 0);
  const predCount = Math.max(prediction.length - n + 1, 0);
  return fMeasure(overlap / Math.max(predCount, 1), overlap / Math.max(refCount, 1));
}

/** The (|a|+1) x (|b|+1) LCS length table, row-major. */
function lcsTable(a: string[], b: string[]): Int32Array {
  const cols = b.length + 1;
  const t = new Int32Array((a.length + 1) * cols);
  for (let i = 1; i <= a.length; i++) {
    const ai = a[i - 1];
    const row = i * cols;
    const prev = row - cols;
    for (let j = 1; j <= b.length; j++) {
      if (ai === b[j - 1]) t[row + j] = t[prev + j - 1] + 1;
      else {
        const up = t[prev + j];
        const left = t[row + j - 1];
        t[row + j] = Math.max(up, left);
      }
    }
  }
  return t;
}

export function rougeL(reference: string[], prediction: string[]): number {
  if (reference.length === 0 || prediction.length === 0) return 0;
  const t = lcsTable(reference, prediction);
  const lcs = t[t.length - 1];
  return fMeasure(lcs / prediction.length, lcs / reference.length);
}

/** Indices into `ref` of one LCS with `can`, backtracking the way `rouge_score` does. */
function lcsIndices(ref: string[], can: string[]): number[] {
  const t = lcsTable(ref, can);
  const cols = can.length + 1;
  const out: number[] = [];
  let i = ref.length;
  let j = can.length;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.push(i - 1);
      i--;
      j--;
    } else if (t[i * cols + j - 1] > t[(i - 1) * cols + j]) j--;
    else i--;
  }
  return out;
}

/** ROUGE-Lsum over sentences already tokenized (summary-level union LCS). */
export function rougeLsumTokens(refSents: string[][], predSents: string[][]): number {
  if (refSents.length === 0 || predSents.length === 0) return 0;
  let m = 0;
  let n = 0;
  const refCounts = new Map<string, number>();
  const predCounts = new Map<string, number>();
  for (const s of refSents) {
    m += s.length;
    for (const tok of s) refCounts.set(tok, (refCounts.get(tok) ?? 0) + 1);
  }
  for (const s of predSents) {
    n += s.length;
    for (const tok of s) predCounts.set(tok, (predCounts.get(tok) ?? 0) + 1);
  }
  if (m === 0 || n === 0) return 0;
  let hits = 0;
  for (const r of refSents) {
    const union = new Set<number>();
    for (const c of predSents) for (const idx of lcsIndices(r, c)) union.add(idx);
    const sorted = [...union].sort((x, y) => x - y);
    for (const idx of sorted) {
      const tok = r[idx];
      const pc = predCounts.get(tok) ?? 0;
      const rc = refCounts.get(tok) ?? 0;
      if (pc > 0 && rc > 0) {
        hits++;
        predCounts.set(tok, pc - 1);
        refCounts.set(tok, rc - 1);
      }
    }
  }
  return fMeasure(hits / n, hits / m);
}

/** Sentences for ROUGE-Lsum: the non-empty lines of the text. */
export function lsumSentences(text: string): string[] {
  return text.split('\n').filter((s) => s.length > 0);
}

function stemTokens(tokens: string[]): string[] {
  return tokens.map((t) => (t.length > 3 ? porterStem(t) : t));
}

function scoresOf(
  ref: string[],
  pred: string[],
  refSents: string[][] | null,
  predSents: string[][] | null,
): RougeScores {
  const l = rougeL(ref, pred);
  // With one sentence on each side the union LCS is the LCS, so ROUGE-Lsum equals ROUGE-L.
  const lsum = refSents === null || predSents === null ? l : rougeLsumTokens(refSents, predSents);
  return { rouge1: rougeN(ref, pred, 1), rouge2: rougeN(ref, pred, 2), rougeL: l, rougeLsum: lsum };
}

/** All four ROUGE F-measures of one pair of raw texts, without and with stemming. */
export function rougeScoresBoth(
  reference: string,
  prediction: string,
): { plain: RougeScores; stem: RougeScores } {
  const ref = rougeTokenize(reference, false);
  const pred = rougeTokenize(prediction, false);
  const refStem = stemTokens(ref);
  const predStem = stemTokens(pred);
  const multi = reference.includes('\n') || prediction.includes('\n');
  if (!multi) {
    if (reference === '' || prediction === '') {
      const zero = { rouge1: 0, rouge2: 0, rougeL: 0, rougeLsum: 0 };
      return { plain: zero, stem: zero };
    }
    return { plain: scoresOf(ref, pred, null, null), stem: scoresOf(refStem, predStem, null, null) };
  }
  const refSents = lsumSentences(reference).map((x) => rougeTokenize(x, false));
  const predSents = lsumSentences(prediction).map((x) => rougeTokenize(x, false));
  return {
    plain: scoresOf(ref, pred, refSents, predSents),
    stem: scoresOf(refStem, predStem, refSents.map(stemTokens), predSents.map(stemTokens)),
  };
}

/** All four ROUGE F-measures of one pair of raw texts. */
export function rougeScores(reference: string, prediction: string, stem: boolean): RougeScores {
  const both = rougeScoresBoth(reference, prediction);
  return stem ? both.stem : both.plain;
}
