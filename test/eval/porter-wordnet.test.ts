/**
 * The Porter stemmer and the WordNet reader against fixtures made with Debian's NLTK 3.8 (see
 * test/eval/fixtures/make-fixtures.py): stems of ~7,800 words, and the synonym sets METEOR uses for
 * ~1,900 words (WordNet 3.0).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { porterStem, WordNet } from '../../src/eval/metrics/index.js';
import { repoRoot } from '../helpers/shared.js';

function fixture(name: string): Array<[string, string]> {
  return readFileSync(join(repoRoot, 'test', 'eval', 'fixtures', name), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [a, b] = l.split('\t');
      return [a, b ?? ''];
    });
}

test('Porter stems equal NLTK PorterStemmer() (NLTK_EXTENSIONS) on the fixture word list', () => {
  const rows = fixture('porter-nltk.tsv');
  assert.ok(rows.length > 5000);
  const wrong = rows
    .filter(([w, s]) => porterStem(w) !== s)
    .map(([w, s]) => `${w}: ${s} vs ${porterStem(w)}`);
  assert.deepEqual(wrong, []);
});

test('Porter: NLTK-mode details that the 1980 algorithm does differently', () => {
  assert.equal(porterStem('dying'), 'die'); // irregular table
  assert.equal(porterStem('dies'), 'die'); // four-letter "ies"
  assert.equal(porterStem('flies'), 'fli');
  assert.equal(porterStem('enjoy'), 'enjoy'); // y -> i only after a consonant
  assert.equal(porterStem('happy'), 'happi');
  assert.equal(porterStem('is'), 'is'); // two letters: unchanged
  assert.equal(porterStem('Generalized'), 'gener'); // lower-cased
  assert.equal(porterStem('archaeology'), 'archaeolog');
});

test('WordNet synonym sets equal NLTK wordnet.synsets() lemma names on the fixture words', (t) => {
  const wn = WordNet.load();
  if (wn?.source.version !== '3.0') {
    t.skip('WordNet 3.0 not found (apt-get install wordnet-base, or set CELM_WORDNET_DIR); skipping');
    return;
  }
  const rows = fixture('wordnet-synonyms.tsv');
  assert.ok(rows.length > 1000);
  const wrong: string[] = [];
  for (const [word, names] of rows) {
    const expected = new Set(names === '' ? [] : names.split('|'));
    expected.add(word);
    const got = wn.synonyms(word);
    const same = got.size === expected.size && [...got].every((x) => expected.has(x));
    if (!same) wrong.push(`${word}: ${[...expected].sort().join('|')} vs ${[...got].sort().join('|')}`);
  }
  assert.deepEqual(wrong, []);
});

test('morphy uses the exception lists and the suffix rules', (t) => {
  const wn = WordNet.load();
  if (wn?.source.version !== '3.0') {
    t.skip('WordNet 3.0 not found; skipping');
    return;
  }
  assert.deepEqual(wn.morphy('geese', 'n'), ['goose']); // noun.exc
  assert.deepEqual(wn.morphy('went', 'v'), ['go']); // verb.exc
  assert.ok(wn.morphy('discharges', 'n').includes('discharge')); // -s rule
  assert.ok(wn.synonyms('sick').has('ill'));
  assert.deepEqual(wn.morphy('qzxv', 'n'), []);
});
