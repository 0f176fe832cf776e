/**
 * Text metrics as CELM reports them: BLEU-1/4 (plain and smoothed), ROUGE-1/2/L/Lsum F-measures without
 * and with Porter stemming, and METEOR. `scorePair` scores one (reference, prediction) pair;
 * `CorpusScorer` accumulates pairs and gives corpus values (BLEU over the whole corpus, the rest as the
 * mean over pairs) with the per-pair mean of every metric as well.
 */
import { addBleuStats, type BleuStats, bleuPairStats, bleuScoresFromStats, emptyBleuStats } from './bleu.js';
import { meteorScore, meteorTokenize } from './meteor.js';
import { rougeScoresBoth } from './rouge.js';
import { tokenize13a } from './tokenize13a.js';
import type { WordNet } from './wordnet.js';

export { bleuFromStats, bleuPairStats, sentenceBleu } from './bleu.js';
export { meteorAlign, meteorScore, meteorTokenize } from './meteor.js';
export { porterStem } from './porter.js';
export { rougeScores, rougeScoresBoth, rougeTokenize } from './rouge.js';
export { tokenize13a } from './tokenize13a.js';
export { locateWordNet, WordNet, type WordNetSource } from './wordnet.js';

/** Every metric key, in the order celm prints them (the keys of ../shared/metrics/pairs.jsonl). */
export const METRIC_KEYS = [
  'bleu-1',
  'bleu-1-smooth',
  'bleu-4',
  'bleu-4-smooth',
  'rouge1',
  'rouge2',
  'rougeL',
  'rougeLsum',
  'rouge1-stem',
  'rouge2-stem',
  'rougeL-stem',
  'rougeLsum-stem',
  'meteor',
] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];
/** A score per metric; null only for BLEU when the reference has no tokens. */
export type Scores = Record<MetricKey, number | null>;

export const BLEU_KEYS = ['bleu-1', 'bleu-1-smooth', 'bleu-4', 'bleu-4-smooth'] as const;

export interface PairInput {
  reference: string;
  prediction: string;
  /** Tokens for METEOR; celm's own tokenizer (`meteorTokenize`) when absent. */
  meteorTokens?: { reference: string[]; prediction: string[] };
}

export interface ScoredPair {
  scores: Scores;
  /** The BLEU statistics, kept so that corpus BLEU can be computed. */
  bleu: BleuStats;
}

export interface ScoreOptions {
  /** WordNet for METEOR's synonym stage; null skips that stage. */
  wordnet: WordNet | null;
}

export function scorePair(pair: PairInput, options: ScoreOptions): ScoredPair {
  const bleu = bleuPairStats(tokenize13a(pair.reference), tokenize13a(pair.prediction));
  const { plain, stem: stemmed } = rougeScoresBoth(pair.reference, pair.prediction);
  const refTokens = pair.meteorTokens?.reference ?? meteorTokenize(pair.reference);
  const predTokens = pair.meteorTokens?.prediction ?? meteorTokenize(pair.prediction);
  return {
    bleu,
    scores: {
      ...bleuScoresFromStats(bleu),
      rouge1: plain.rouge1,
      rouge2: plain.rouge2,
      rougeL: plain.rougeL,
      rougeLsum: plain.rougeLsum,
      'rouge1-stem': stemmed.rouge1,
      'rouge2-stem': stemmed.rouge2,
      'rougeL-stem': stemmed.rougeL,
      'rougeLsum-stem': stemmed.rougeLsum,
      meteor: meteorScore(refTokens, predTokens, options.wordnet),
    },
  };
}

/** Scores of a pair that cannot be scored because the prediction is missing: all 0. */
export function zeroScores(): Scores {
  return Object.fromEntries(METRIC_KEYS.map((k) => [k, 0])) as Scores;
}

export interface CorpusScores {
  /** Number of pairs. */
  pairs: number;
  /** BLEU over the whole corpus (tensorflow/nmt compute_bleu on all pairs); other metrics: mean over pairs. */
  corpus: Scores;
  /** Mean over pairs of every per-pair score (null scores left out of the mean). */
  mean: Scores;
}

/** Accumulates scored pairs into corpus values. */
export class CorpusScorer {
  private readonly stats = emptyBleuStats();
  private readonly sums = new Map<MetricKey, { sum: number; n: number }>();
  private count = 0;

  add(scored: ScoredPair): void {
    addBleuStats(this.stats, scored.bleu);
    this.addScores(scored.scores);
  }

  /** A pair whose prediction is missing: every score 0 and, for corpus BLEU, an empty prediction. */
  addMissing(referenceTokens13a: number): void {
    this.stats.referenceLength += referenceTokens13a;
    this.addScores(zeroScores());
  }

  private addScores(scores: Scores): void {
    this.count++;
    for (const key of METRIC_KEYS) {
      const v = scores[key];
      const s = this.sums.get(key) ?? { sum: 0, n: 0 };
      if (v !== null) {
        s.sum += v;
        s.n++;
      }
      this.sums.set(key, s);
    }
  }

  result(): CorpusScores {
    const mean = Object.fromEntries(
      METRIC_KEYS.map((k) => {
        const s = this.sums.get(k);
        return [k, s && s.n > 0 ? s.sum / s.n : null];
      }),
    ) as Scores;
    const corpus: Scores = { ...mean, ...bleuScoresFromStats(this.stats) };
    return { pairs: this.count, corpus, mean };
  }
}
