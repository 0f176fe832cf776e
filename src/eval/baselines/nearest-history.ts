/**
 * Baseline: retrieve the report of the training patient whose history reads most like this patient's
 * (CELM's retrieval comparison, without a language model). TF-IDF over lower-case word tokens (stop
 * words dropped, sklearn's smoothed idf = ln((1 + N) / (1 + df)) + 1, L2-normalised), cosine similarity;
 * ties go to the earlier item. A history with no known word falls back to the most common report.
 */
import { CelmError } from '../../errors.js';
import { mostCommonReport } from './most-common.js';

export interface HistoryItem {
  history: string;
  report: string;
}

export interface Retrieved {
  report: string;
  /** Index of the training item, or -1 for the most-common-report fallback. */
  index: number;
  /** Cosine similarity of the histories (0 for the fallback). */
  similarity: number;
}

const STOP = new Set(
  'a an and are as at be by for from has have he her his in is it its of on or she that the their this to was were with who whom year years old yo y o'.split(
    ' ',
  ),
);

export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((t) => !STOP.has(t));
}

/** A TF-IDF index over training histories, built once and queried many times. */
export class HistoryIndex {
  private readonly idf = new Map<string, number>();
  private readonly vectors: Map<string, number>[];

  constructor(private readonly items: readonly HistoryItem[]) {
    if (!Array.isArray(items) || items.length === 0) {
      throw new CelmError('no-train-reports', 'nearestNeighbourByHistory needs at least one training item');
    }
    items.forEach((it, i) => {
      if (!it || typeof it.history !== 'string' || typeof it.report !== 'string') {
        throw new CelmError(
          'bad-train-reports',
          `training item ${i}: expected {history: string, report: string}`,
        );
      }
    });
    const docs = items.map((it) => tokenize(it.history));
    const df = new Map<string, number>();
    for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
    const n = docs.length;
    for (const [t, c] of df) this.idf.set(t, Math.log((1 + n) / (1 + c)) + 1);
    this.vectors = docs.map((d) => this.vector(d));
  }

  private vector(tokens: string[]): Map<string, number> {
    const v = new Map<string, number>();
    for (const t of tokens) {
      const w = this.idf.get(t);
      if (w !== undefined) v.set(t, (v.get(t) ?? 0) + w);
    }
    let norm = 0;
    for (const x of v.values()) norm += x * x;
    norm = Math.sqrt(norm);
    if (norm > 0) for (const [t, x] of v) v.set(t, x / norm);
    return v;
  }

  query(history: string): Retrieved {
    if (typeof history !== 'string')
      throw new CelmError('bad-history', 'the patient history must be a string');
    const q = this.vector(tokenize(history));
    let best = -1;
    let bestSim = 0;
    this.vectors.forEach((v, i) => {
      let s = 0;
      for (const [t, x] of q) s += x * (v.get(t) ?? 0);
      if (s > bestSim + 1e-12) {
        best = i;
        bestSim = s;
      }
    });
    if (best < 0)
      return { report: mostCommonReport(this.items.map((it) => it.report)), index: -1, similarity: 0 };
    return { report: this.items[best].report, index: best, similarity: bestSim };
  }
}

/** The report of the training item whose history is most similar (TF-IDF cosine) to `history`. */
export function nearestNeighbourByHistory(trainItems: readonly HistoryItem[], history: string): Retrieved {
  return new HistoryIndex(trainItems).query(history);
}
