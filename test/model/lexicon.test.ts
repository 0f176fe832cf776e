/** The training reports' words, against which sampled candidates are checked for derailed fragments. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildLexicon, unknownWords, wordsOf } from '../../src/model/lexicon.js';

test('words are letters only, lower-cased; numbers, units and electrode codes are not words', () => {
  assert.deepEqual(wordsOf('A 9.5 Hz posterior-dominant rhythm at T3, 30 µV.'), [
    'a',
    'hz',
    'posterior',
    'dominant',
    'rhythm',
    'at',
    't',
    'µv',
  ]);
});

test('a derailed sample uses words no training report used', () => {
  const lex = buildLexicon([
    'A repeat EEG with sleep deprivation may help.',
    'These findings indicate a potentially epileptogenic focus.',
  ]);
  assert.equal(lex.format, 'celm-lexicon');
  assert.deepEqual(lex.words, [...new Set(lex.words)].sort());
  const known = new Set(lex.words);
  assert.deepEqual(unknownWords('A repeat EEG may help.', known), []);
  assert.deepEqual(unknownWords('A repeat EEG may helpeat EEG with encepriurally epileptogm.', known), [
    'helpeat',
    'encepriurally',
    'epileptogm',
  ]);
});

test('compounds are kept whole, and a compound the training reports never wrote is unknown', () => {
  const texts = [
    'Frequent or occasional spike-and-wave discharges; K-complexes and T3-C3 phase reversals at 8-9 Hz.',
  ];
  const lex = buildLexicon(texts);
  assert.ok(lex.words.includes('spike-and-wave') && lex.words.includes('k-complexes'));
  assert.ok(!lex.words.some((w) => /\d/.test(w)), 'electrode pairs and ranges are no compounds');
  const known = new Set(lex.words);
  assert.deepEqual(unknownWords('Frequent spike-and-wave discharges.', known), []);
  assert.deepEqual(unknownWords('Frequent spike-and-and-wave and wave-and-spike discharges.', known), [
    'spike-and-and-wave',
    'wave-and-spike',
  ]);
  assert.deepEqual(unknownWords('1. Frequent spike-3. Frequent spike-and-wave at T3-C3.', known), [
    'spike-3',
  ]);
  // a lexicon written before compounds were kept checks words only
  const old = new Set(lex.words.filter((w) => !w.includes('-')));
  assert.deepEqual(unknownWords('Frequent wave-and-spike discharges.', old), []);
});
