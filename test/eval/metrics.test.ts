/** Text metrics on texts written here, with expected values worked out by hand from the definitions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bleuFromStats,
  bleuPairStats,
  CorpusScorer,
  METRIC_KEYS,
  meteorScore,
  meteorTokenize,
  rougeScores,
  rougeTokenize,
  scorePair,
  sentenceBleu,
  tokenize13a,
  WordNet,
} from '../../src/eval/metrics/index.js';

const close = (a: number | null, b: number, msg?: string) =>
  assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${msg ?? ''} expected ${b}, got ${a}`);

test('13a tokenizer: ASCII punctuation padded, . , - split except inside numbers, non-ASCII kept', () => {
  assert.deepEqual(tokenize13a('Spikes at F7/T3 (±50 µV), 8.5 Hz; 2-12 s.'), [
    'Spikes',
    'at',
    'F7',
    '/',
    'T3',
    '(',
    '±50',
    'µV',
    ')',
    ',',
    '8.5',
    'Hz',
    ';',
    '2',
    '-',
    '12',
    's',
    '.',
  ]);
  assert.deepEqual(tokenize13a("spike-and-wave isn't &amp; x"), ['spike-and-wave', "isn't", '&', 'x']);
  assert.deepEqual(tokenize13a('a\u00a0b\u2003c'), ['a', 'b', 'c']); // Python str.split() whitespace
});

test('identical texts: BLEU and ROUGE 1, METEOR 1 - 0.5 / m^3', () => {
  const text = 'Frequent left temporal sharp waves, maximal at T3.';
  const { scores } = scorePair({ reference: text, prediction: text }, { wordnet: null });
  for (const key of METRIC_KEYS) {
    if (key === 'meteor') continue;
    close(scores[key], 1, key);
  }
  const m = meteorTokenize(text).length;
  assert.equal(m, 10);
  close(scores.meteor, 1 - 0.5 / m ** 3, 'meteor');
});

test('an empty prediction scores 0 on every metric; an empty reference leaves BLEU undefined', () => {
  const { scores } = scorePair({ reference: 'Normal EEG.', prediction: '' }, { wordnet: null });
  for (const key of METRIC_KEYS) assert.equal(scores[key], 0, key);
  const noRef = scorePair({ reference: '', prediction: 'Normal EEG.' }, { wordnet: null }).scores;
  assert.equal(noRef['bleu-4'], null);
  assert.equal(noRef.rouge1, 0);
  assert.equal(noRef.meteor, 0);
});

test('BLEU smoothing of one-token pairs: (m + 1) / (p + 1) for every order', () => {
  const same = sentenceBleu('Normal', 'Normal');
  assert.equal(same['bleu-4'], 0); // no bigrams: plain BLEU-4 is 0
  close(same['bleu-4-smooth'], 1);
  close(same['bleu-1'], 1);
  const diff = sentenceBleu('Normal', 'Abnormal');
  assert.equal(diff['bleu-1'], 0);
  close(diff['bleu-1-smooth'], 0.5);
  close(diff['bleu-4-smooth'], 0.5 ** 0.25);
});

test('BLEU brevity penalty exp(1 - r/c) and clipped counts', () => {
  // prediction "the the the" vs reference "the cat": unigram matches clipped to 1 of 3; c > r: no penalty.
  const s = bleuPairStats(['the', 'cat'], ['the', 'the', 'the']);
  assert.deepEqual(s.matches.slice(0, 2), [1, 0]);
  close(bleuFromStats(s, 1, false), 1 / 3);
  // prediction "the cat" vs reference "the cat sat on": p1 = 1, BP = exp(1 - 4/2).
  close(sentenceBleu('the cat sat on', 'the cat')['bleu-1'], Math.exp(1 - 4 / 2));
});

test('corpus BLEU pools the counts of all pairs; other corpus values are means', () => {
  const scorer = new CorpusScorer();
  scorer.add(scorePair({ reference: 'a b', prediction: 'a b' }, { wordnet: null }));
  scorer.add(scorePair({ reference: 'c d', prediction: 'x' }, { wordnet: null }));
  const r = scorer.result();
  assert.equal(r.pairs, 2);
  // unigrams: 2 matches of 3; lengths c = 3, r = 4 -> BP = exp(1 - 4/3)
  close(r.corpus['bleu-1'], (2 / 3) * Math.exp(1 - 4 / 3));
  close(r.mean['bleu-1'], (1 + 0) / 2);
  close(r.corpus.rouge1, (1 + 0) / 2);
});

test('ROUGE tokens: lower case, runs outside [a-z0-9] split, Porter only on tokens longer than 3', () => {
  assert.deepEqual(rougeTokenize('Spikes at F7/T3 (±50 µV)', false), ['spikes', 'at', 'f7', 't3', '50', 'v']);
  assert.deepEqual(rougeTokenize('Spikes were seen', true), ['spike', 'were', 'seen']);
  assert.deepEqual(rougeTokenize('was has', true), ['was', 'has']);
});

test('ROUGE-1/2/L by hand', () => {
  const s = rougeScores('the cat sat on the mat', 'the cat on the mat', false);
  // unigrams: overlap 5, P = 5/5, R = 5/6
  close(s.rouge1, (2 * 1 * (5 / 6)) / (1 + 5 / 6));
  // bigrams: ref {the cat, cat sat, sat on, on the, the mat}, pred {the cat, cat on, on the, the mat}: 3
  close(s.rouge2, (2 * (3 / 4) * (3 / 5)) / (3 / 4 + 3 / 5));
  // LCS = 5
  close(s.rougeL, s.rouge1);
});

test('ROUGE-Lsum splits at newlines and takes the union LCS per reference sentence', () => {
  const s = rougeScores('a b c\nd e', 'd e\na b c', false);
  close(s.rougeL, 0.6); // one sequence: LCS 3 of 5
  close(s.rougeLsum, 1); // per sentence: every token found
  // no double counting: the prediction's single "a" can be hit once
  const d = rougeScores('a a\na', 'a', false);
  close(d.rougeLsum, (2 * 1 * (1 / 3)) / (1 + 1 / 3));
  // without newlines ROUGE-Lsum is ROUGE-L
  const e = rougeScores('x y z w', 'y x z w', false);
  close(e.rougeLsum, e.rougeL as number);
});

test('METEOR: fragmentation penalty, stem matches and WordNet synonyms', (t) => {
  // same six tokens in two chunks: 1 - 0.5 (2/6)^3
  close(
    meteorScore(
      ['spikes', 'were', 'seen', 'on', 'the', 'left'],
      ['on', 'the', 'left', 'spikes', 'were', 'seen'],
      null,
    ),
    1 - 0.5 * (2 / 6) ** 3,
  );
  // "slowed" and "slowing" share the stem "slow"; case is ignored
  close(meteorScore(['Slowing', 'was', 'recorded'], ['slowed', 'was', 'recorded'], null), 1 - 0.5 / 27);
  // P = 2/3, R = 2/2: Fmean = PR / (0.9 P + 0.1 R)
  const p = 2 / 3;
  close(
    meteorScore(['normal', 'eeg'], ['normal', 'eeg', 'today'], null),
    ((p * 1) / (0.9 * p + 0.1)) * (1 - 0.5 / 8),
  );
  assert.equal(meteorScore(['a'], ['b'], null), 0);
  assert.equal(meteorScore([], ['b'], null), 0);
  const wn = WordNet.load();
  if (!wn) {
    t.diagnostic('no WordNet: synonym case not checked');
    return;
  }
  const ref = ['the', 'patient', 'is', 'ill'];
  const hyp = ['the', 'patient', 'is', 'sick'];
  close(meteorScore(ref, hyp, wn), 1 - 0.5 / 64);
  close(meteorScore(ref, hyp, null), 0.75 * (1 - 0.5 / 27)); // without WordNet: 3 of 4
});

test("celm's METEOR tokenizer: sentences, Treebank punctuation, contractions, numbers", () => {
  assert.deepEqual(meteorTokenize('Normal EEG. Spikes at T3, 8.5 Hz.'), [
    'Normal',
    'EEG',
    '.',
    'Spikes',
    'at',
    'T3',
    ',',
    '8.5',
    'Hz',
    '.',
  ]);
  assert.deepEqual(meteorTokenize("It isn't (rare)!"), ['It', 'is', "n't", '(', 'rare', ')', '!']);
});
