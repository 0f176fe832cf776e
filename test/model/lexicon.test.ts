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
