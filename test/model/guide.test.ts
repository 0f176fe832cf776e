/** Findings-guided selection: a section's text is checked against the findings head's probabilities. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/datasets/synth/prng.js';
import { DEFAULT_GENERATE, generate, type NextLogits, recomputing } from '../../src/model/generate.js';
import { factDistance, violations } from '../../src/model/guide.js';
import { guideBySentence } from '../../src/model/sentence-guide.js';

test('a confident finding left out, or a confidently absent one stated, is a violation', () => {
  const sure = { focal_epileptiform: 0.93, generalized_epileptiform: 0.02, lpd: 0.01 };
  const epi = 'EPILEPTIFORM ABNORMALITIES';
  assert.equal(violations(epi, 'No epileptiform discharges were seen.', sure), 1);
  assert.equal(violations(epi, 'Occasional right temporal sharp waves, maximal at T4.', sure), 0);
  assert.equal(
    violations(epi, 'Frequent generalized 3 Hz spike-and-wave discharges.', sure),
    2, // the focal ones missing, generalized ones stated
  );
  // unsure probabilities ask nothing
  assert.equal(violations(epi, 'No epileptiform discharges were seen.', { focal_epileptiform: 0.5 }), 0);
  // findings of other sections do not count here
  assert.equal(violations('SLEEP', 'Sleep was not recorded.', sure), 0);
});

test('the impression verdict follows a confident abnormal probability', () => {
  const imp = 'IMPRESSION/INTERPRETATION';
  assert.equal(violations(imp, 'Normal EEG (awake).', { abnormal: 0.97 }), 1);
  assert.equal(violations(imp, 'Abnormal EEG due to right temporal sharp waves.', { abnormal: 0.97 }), 0);
  assert.equal(violations(imp, 'Normal EEG (awake).', { abnormal: 0.03 }), 0);
});

/**
 * A bigram language model over a few words as the decoder: from each word, the next word's logits.
 * Sentences: "eye ." is the likely first, then the section ends; "pops ." is possible but unlikely.
 */
const WORDS = ['<eos>', 'eye', 'pops', 'noise', '.'];
const BIGRAM: Record<string, Record<string, number>> = {
  start: { eye: 3, pops: -5, noise: 0.5 },
  eye: { '.': 5 },
  pops: { '.': 5 },
  noise: { '.': 5 },
  '.': { '<eos>': 2, eye: 0, pops: 1.5, noise: 0.3 },
};
const bigram: NextLogits = async (seqs) =>
  seqs.map((s) => {
    const last = s.length > 1 ? WORDS[s[s.length - 1]] : 'start';
    return Float32Array.from(WORDS, (w) => BIGRAM[last][w] ?? -20);
  });
const words = (ids: number[]) => ids.map((t) => WORDS[t]).join(' ');
const opts = { ...DEFAULT_GENERATE, repetitionPenalty: 1, noRepeatNgram: 0, maxTokens: 12 };

test('sentence-guided decoding keeps the sentences that meet the findings, in the model order', async () => {
  // contradictions: "pops" must be stated, "noise" must not
  const score = (ids: number[]) => (ids.includes(2) ? 0 : 1) + ids.filter((t) => t === 3).length;
  const guide = { score, endsSentence: (t: number) => WORDS[t] === '.', minLogp: Math.log(0.002) };
  // greedy writes "eye ." and stops
  assert.equal(words(await generate(recomputing(bigram), [9], 0, opts)), 'eye .');
  for (const seed of [1, 2, 3]) {
    const ids = await guideBySentence(recomputing(bigram), [9], 0, opts, 8, new Rng(seed), guide);
    assert.equal(words(ids), 'eye . pops .', `seed ${seed}`);
  }
  // nothing to meet: the greedy text, sentence by sentence
  const none = { ...guide, score: () => 0 };
  assert.equal(words(await guideBySentence(recomputing(bigram), [9], 0, opts, 8, new Rng(3), none)), 'eye .');
  // a sentence the model all but rules out is no candidate, whatever it would meet
  const strict = { ...guide, minLogp: Math.log(0.5) };
  assert.equal(
    words(await guideBySentence(recomputing(bigram), [9], 0, opts, 8, new Rng(1), strict)),
    'eye .',
  );
});

test('numbers that contradict the measured duration, heart rate or PDR are violations', () => {
  const facts = { minutes: 34.6, heartRateBpm: 72, pdrHz: 9.4 };
  const desc = 'EEG DESCRIPTION/DETAILS';
  const ok =
    'A 35-minute EEG was recorded in the awake state with standard 10-20 electrode placement. HR: 70 bpm.';
  assert.equal(violations(desc, ok, {}, {}, facts), 0);
  assert.equal(violations(desc, ok.replace('35-minute', '20-minute'), {}, {}, facts), 1);
  assert.equal(violations(desc, ok.replace('70 bpm', '90 bpm'), {}, {}, facts), 1);
  assert.equal(violations(desc, 'Routine EEG of 1.5 hours.', {}, {}, { minutes: 90 }), 0);
  const bg = 'BACKGROUND ACTIVITY';
  assert.equal(violations(bg, 'There is a well-formed 9.5 Hz posterior dominant rhythm.', {}, {}, facts), 0);
  assert.equal(violations(bg, 'There is a well-formed 7.5 Hz posterior dominant rhythm.', {}, {}, facts), 1);
  // nothing measured, nothing checked
  assert.equal(violations(bg, 'There is a well-formed 7.5 Hz posterior dominant rhythm.', {}, {}, {}), 0);
});

test('the distance of stated numbers from the measured ones breaks ties, below one violation', () => {
  const facts = { minutes: 20, heartRateBpm: 70 };
  const desc = 'EEG DESCRIPTION/DETAILS';
  const at = (text: string) => factDistance(desc, text, facts);
  assert.equal(at('A 20-minute EEG was recorded. HR: 70 bpm.'), 0);
  assert.ok(at('A 32-minute EEG was recorded.') < at('A 35-minute EEG was recorded.'));
  assert.ok(at('A 90-minute EEG was recorded. HR: 20 bpm.') < 0.5);
  assert.equal(factDistance('SLEEP', 'A 35-minute nap.', facts), 0);
});
