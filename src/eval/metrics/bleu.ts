/**
 * BLEU as tensorflow/nmt's `compute_bleu` computes it (the code HuggingFace `evaluate`'s "bleu" metric
 * runs): clipped n-gram matches and possible matches summed over the corpus, precisions combined by a
 * geometric mean (0 when any is 0, unless smoothed: then every order's precision is (m + 1) / (p + 1)),
 * brevity penalty exp(1 - r/c) when c <= r. A sentence score is a one-pair corpus.
 */
import { tokenize13a } from './tokenize13a.js';

export const MAX_ORDER = 4;

/** The sufficient statistics of one or more (reference, prediction) pairs. */
export interface BleuStats {
  /** Clipped matches of n-grams of order i + 1. */
  matches: number[];
  /** Possible matches (prediction n-grams) of order i + 1. */
  possible: number[];
  referenceLength: number;
  predictionLength: number;
}

export function emptyBleuStats(maxOrder = MAX_ORDER): BleuStats {
  return {
    matches: new Array(maxOrder).fill(0),
    possible: new Array(maxOrder).fill(0),
    referenceLength: 0,
    predictionLength: 0,
  };
}

/** Counts every n-gram of orders 1..maxOrder, keyed by the token ids joined with commas. */
function ngramCounts(ids: Int32Array, maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let order = 1; order <= maxOrder; order++) {
    for (let i = 0; i + order <= ids.length; i++) {
      let key = `${order}:${ids[i]}`;
      for (let k = 1; k < order; k++) key += `,${ids[i + k]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** The statistics of one pair of already tokenized texts. */
export function bleuPairStats(reference: string[], prediction: string[], maxOrder = MAX_ORDER): BleuStats {
  const vocab = new Map<string, number>();
  const toIds = (tokens: string[]): Int32Array => {
    const ids = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      let id = vocab.get(tokens[i]);
      if (id === undefined) {
        id = vocab.size;
        vocab.set(tokens[i], id);
      }
      ids[i] = id;
    }
    return ids;
  };
  const refCounts = ngramCounts(toIds(reference), maxOrder);
  const predCounts = ngramCounts(toIds(prediction), maxOrder);
  const stats = emptyBleuStats(maxOrder);
  stats.referenceLength = reference.length;
  stats.predictionLength = prediction.length;
  for (const [key, count] of predCounts) {
    const ref = refCounts.get(key);
    if (ref === undefined) continue;
    const order = Number.parseInt(key, 10);
    stats.matches[order - 1] += Math.min(count, ref);
  }
  for (let order = 1; order <= maxOrder; order++) {
    const possible = prediction.length - order + 1;
    if (possible > 0) stats.possible[order - 1] += possible;
  }
  return stats;
}

export function addBleuStats(into: BleuStats, other: BleuStats): void {
  for (let i = 0; i < into.matches.length; i++) {
    into.matches[i] += other.matches[i] ?? 0;
    into.possible[i] += other.possible[i] ?? 0;
  }
  into.referenceLength += other.referenceLength;
  into.predictionLength += other.predictionLength;
}

/**
 * BLEU of order `maxOrder` from statistics. Returns null when the references have no tokens (the
 * reference implementation divides by zero and raises) and 0 when the predictions have none (it
 * raises too; CELM's evaluator records 0).
 */
export function bleuFromStats(stats: BleuStats, maxOrder: number, smooth: boolean): number | null {
  if (stats.referenceLength === 0) return null;
  if (stats.predictionLength === 0) return 0;
  let minPrecision = Number.POSITIVE_INFINITY;
  let logSum = 0;
  for (let i = 0; i < maxOrder; i++) {
    const m = stats.matches[i];
    const p = stats.possible[i];
    const precision = smooth ? (m + 1) / (p + 1) : p > 0 ? m / p : 0;
    minPrecision = Math.min(minPrecision, precision);
    if (precision > 0) logSum += (1 / maxOrder) * Math.log(precision);
  }
  const geoMean = minPrecision > 0 ? Math.exp(logSum) : 0;
  const ratio = stats.predictionLength / stats.referenceLength;
  const bp = ratio > 1 ? 1 : Math.exp(1 - 1 / ratio);
  return geoMean * bp;
}

export interface BleuScores {
  'bleu-1': number | null;
  'bleu-1-smooth': number | null;
  'bleu-4': number | null;
  'bleu-4-smooth': number | null;
}

export function bleuScoresFromStats(stats: BleuStats): BleuScores {
  return {
    'bleu-1': bleuFromStats(stats, 1, false),
    'bleu-1-smooth': bleuFromStats(stats, 1, true),
    'bleu-4': bleuFromStats(stats, 4, false),
    'bleu-4-smooth': bleuFromStats(stats, 4, true),
  };
}

/** BLEU-1 and BLEU-4, plain and smoothed, of one pair of raw texts (13a tokens). */
export function sentenceBleu(reference: string, prediction: string): BleuScores {
  return bleuScoresFromStats(bleuPairStats(tokenize13a(reference), tokenize13a(prediction)));
}
