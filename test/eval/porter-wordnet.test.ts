/**
 * The Porter stemmer and the WordNet reader against fixtures made with Debian's NLTK 3.8 (see
 * test/eval/fixtures/make-fixtures.py): stems of ~7,800 words, and the synonym sets METEOR uses for
 * ~1,900 words (WordNet 3.0).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { locateWordNet, meteorScore, porterStem, WordNet } from '../../src/eval/metrics/index.js';
import { repoRoot } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

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

/** Writes a tiny WordNet database (index, data with byte offsets, exception lists) into `dir`. */
function writeTinyWordNet(dir: string): void {
  const header =
    '  1 This software and database is being provided to you, the LICENSEE, by WordNet 9.9 Copyright\n';
  const synsets: Record<string, Array<{ words: string[]; lemmas: string[] }>> = {
    noun: [{ words: ['goose', 'Anser', 'wild_goose'], lemmas: ['goose'] }],
    verb: [{ words: ['travel', 'go', 'move'], lemmas: ['travel', 'go', 'move'] }],
    adj: [{ words: ['ill(p)', 'sick(a)', 'unwell'], lemmas: ['ill', 'sick', 'unwell'] }],
    adv: [{ words: ['quickly', 'rapidly'], lemmas: ['quickly', 'rapidly'] }],
  };
  const posChar: Record<string, string> = { noun: 'n', verb: 'v', adj: 'a', adv: 'r' };
  for (const [pos, list] of Object.entries(synsets)) {
    let data = header;
    const index: string[] = [];
    for (const s of list) {
      const offset = Buffer.byteLength(data, 'latin1');
      const off = String(offset).padStart(8, '0');
      const words = s.words.map((w) => `${w} 0`).join(' ');
      data += `${off} 03 ${posChar[pos]} ${s.words.length.toString(16).padStart(2, '0')} ${words} 000 | a gloss\n`;
      for (const l of s.lemmas) index.push(`${l} ${posChar[pos]} 1 0 1 0 ${off}  `);
    }
    writeFileSync(join(dir, `data.${pos}`), data, 'latin1');
    writeFileSync(join(dir, `index.${pos}`), `${header}${index.sort().join('\n')}\n`, 'latin1');
  }
  writeFileSync(join(dir, 'noun.exc'), 'geese goose\n');
  writeFileSync(join(dir, 'verb.exc'), 'went go\n');
  writeFileSync(join(dir, 'adj.exc'), '');
  writeFileSync(join(dir, 'adv.exc'), '');
}

test('WordNet reader on a tiny database written here: offsets, markers, exceptions, rules', () => {
  const dir = tempDir();
  writeTinyWordNet(dir);
  const source = locateWordNet({ CELM_WORDNET_DIR: dir });
  assert.deepEqual(source, { dir, origin: 'env', version: '9.9' });
  const wn = new WordNet(source as NonNullable<typeof source>);
  const sorted = (s: ReadonlySet<string>) => [...s].sort();
  // exception list, then the synset's lemma names without "_"
  assert.deepEqual(sorted(wn.synonyms('geese')), ['Anser', 'geese', 'goose']);
  // the noun rule "s" -> "" (no exception entry for "gooses")
  assert.deepEqual(sorted(wn.synonyms('gooses')), ['Anser', 'goose', 'gooses']);
  assert.deepEqual(sorted(wn.synonyms('went')), ['go', 'move', 'travel', 'went']);
  assert.deepEqual(wn.morphy('travelled', 'v'), []); // no rule gives "travel" from "travelled"
  assert.deepEqual(wn.morphy('travelling', 'v'), []);
  assert.deepEqual(wn.morphy('moving', 'v'), ['move']); // -ing -> -e
  // adjective markers "(p)" and "(a)" are removed; METEOR matches "ill" through "sick"'s synset (a
  // reference word is compared by its Porter stem, so "unwell" -> "unwel" would not match: NLTK does that)
  assert.deepEqual(sorted(wn.synonyms('sick')), ['ill', 'sick', 'unwell']);
  assert.equal(meteorScore(['the', 'dog', 'is', 'ill'], ['the', 'dog', 'is', 'sick'], wn), 1 - 0.5 / 64);
  assert.throws(
    () => locateWordNet({ CELM_WORDNET_DIR: join(dir, 'nope') }),
    /nope: no WordNet database there \(index\.noun is missing/,
  );
});
