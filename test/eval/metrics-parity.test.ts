/**
 * Parity with the Python reference implementations on ../shared/metrics: 120 pairs with per-pair
 * scores (HF evaluate "bleu", rouge_score, NLTK 3.8 METEOR on WordNet 3.0) and corpus values. Every
 * score must agree within 1e-4; the test also prints the largest error per metric.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  CorpusScorer,
  METRIC_KEYS,
  type MetricKey,
  meteorTokenize,
  scorePair,
  WordNet,
} from '../../src/eval/metrics/index.js';
import { sharedOrSkip } from '../helpers/shared.js';

interface SharedPair {
  reference: string;
  prediction: string;
  scores: Record<MetricKey, number | null>;
  meteor_tokens: { reference: string[]; prediction: string[] };
}

const TOLERANCE = 1e-4;

function loadPairs(path: string): SharedPair[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as SharedPair);
}

/** WordNet 3.0 is what the reference METEOR used; another version may legitimately differ. */
function wordnet30(): WordNet | null {
  const wn = WordNet.load();
  return wn && wn.source.version === '3.0' ? wn : null;
}

test('every metric of every shared pair agrees with the Python reference within 1e-4', (t) => {
  const path = sharedOrSkip(t, 'metrics', 'pairs.jsonl');
  if (!path) return;
  const wn = wordnet30();
  if (!wn) {
    t.skip('WordNet 3.0 not found (apt-get install wordnet-base, or set CELM_WORDNET_DIR); skipping');
    return;
  }
  const pairs = loadPairs(path);
  assert.equal(pairs.length, 120);
  const maxError = new Map<MetricKey, number>(METRIC_KEYS.map((k) => [k, 0]));
  const failures: string[] = [];
  pairs.forEach((p, i) => {
    const { scores } = scorePair(
      { reference: p.reference, prediction: p.prediction, meteorTokens: p.meteor_tokens },
      { wordnet: wn },
    );
    for (const key of METRIC_KEYS) {
      const expected = p.scores[key];
      const got = scores[key];
      if (expected === null || got === null) {
        if (expected !== got) failures.push(`pair ${i} ${key}: expected ${expected}, got ${got}`);
        continue;
      }
      const err = Math.abs(got - expected);
      maxError.set(key, Math.max(maxError.get(key) ?? 0, err));
      if (!(err <= TOLERANCE)) failures.push(`pair ${i} ${key}: expected ${expected}, got ${got}`);
    }
  });
  t.diagnostic(`max abs error: ${[...maxError].map(([k, e]) => `${k}=${e.toExponential(1)}`).join(' ')}`);
  assert.deepEqual(failures, []);
});

test('corpus values agree with the Python reference within 1e-4', (t) => {
  const pairsPath = sharedOrSkip(t, 'metrics', 'pairs.jsonl');
  const corpusPath = sharedOrSkip(t, 'metrics', 'corpus.json');
  if (!pairsPath || !corpusPath) return;
  const wn = wordnet30();
  if (!wn) {
    t.skip('WordNet 3.0 not found; skipping');
    return;
  }
  const expected = (JSON.parse(readFileSync(corpusPath, 'utf8')) as { corpus: Record<string, number> })
    .corpus;
  const scorer = new CorpusScorer();
  for (const p of loadPairs(pairsPath)) {
    scorer.add(
      scorePair(
        { reference: p.reference, prediction: p.prediction, meteorTokens: p.meteor_tokens },
        { wordnet: wn },
      ),
    );
  }
  const { corpus } = scorer.result();
  // corpus.json names: "<metric> (corpus)" for corpus BLEU, "<metric> (mean)" for means over pairs.
  const keys = Object.keys(expected);
  assert.ok(keys.length >= 6, 'corpus.json lists the corpus values');
  for (const name of keys) {
    const m = /^(\S+) \((corpus|mean)\)$/.exec(name);
    assert.ok(m, `unexpected corpus key ${name}`);
    const got = corpus[m[1] as MetricKey];
    assert.ok(got !== null && got !== undefined, `no corpus value for ${m[1]}`);
    assert.ok(Math.abs(got - expected[name]) <= TOLERANCE, `${name}: expected ${expected[name]}, got ${got}`);
  }
});

test("celm's METEOR tokenizer reproduces the tokens the reference METEOR was given", (t) => {
  const path = sharedOrSkip(t, 'metrics', 'pairs.jsonl');
  if (!path) return;
  const mismatches: string[] = [];
  for (const p of loadPairs(path)) {
    for (const side of ['reference', 'prediction'] as const) {
      const got = meteorTokenize(p[side]);
      if (JSON.stringify(got) !== JSON.stringify(p.meteor_tokens[side])) {
        mismatches.push(`${JSON.stringify(p[side]).slice(0, 60)} -> ${JSON.stringify(got).slice(0, 80)}`);
      }
    }
  }
  assert.deepEqual(mismatches, []);
});

test("with celm's own METEOR tokenizer the shared METEOR scores still agree", (t) => {
  const path = sharedOrSkip(t, 'metrics', 'pairs.jsonl');
  if (!path) return;
  const wn = wordnet30();
  if (!wn) {
    t.skip('WordNet 3.0 not found; skipping');
    return;
  }
  for (const [i, p] of loadPairs(path).entries()) {
    const { scores } = scorePair({ reference: p.reference, prediction: p.prediction }, { wordnet: wn });
    assert.ok(
      Math.abs((scores.meteor ?? Number.NaN) - (p.scores.meteor ?? Number.NaN)) <= TOLERANCE,
      `pair ${i}`,
    );
  }
});
