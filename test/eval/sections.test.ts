/** Section-wise scoring and the report input layouts, on reports written here. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CelmError } from '../../src/errors.js';
import { METRIC_KEYS, scorePair } from '../../src/eval/metrics/index.js';
import { evaluateSections, normalizeSectionName, parseReport, readReports } from '../../src/eval/sections.js';
import { tempDir } from '../helpers/tmp.js';

const report = (id: string, sections: Array<[string, string]>) => ({
  id,
  report_sections: sections.map(([section_name, section_text]) => ({ section_name, section_text })),
});

const BG = 'Posterior dominant rhythm of 9 Hz, symmetric and reactive.';
const EPI = 'Frequent left temporal sharp waves, maximal at T3.';
const IMP = 'Abnormal EEG due to left temporal sharp waves.';

test('section names match ignoring case, spacing and a trailing colon', () => {
  assert.equal(normalizeSectionName('  Background   Activity: '), 'background activity');
  assert.equal(normalizeSectionName('IMPRESSION/INTERPRETATION'), 'impression/interpretation');
});

test('a requested section missing from the prediction scores 0; sections are averaged', () => {
  const refs = [
    parseReport(
      report('a', [
        ['BACKGROUND', BG],
        ['EPILEPTIFORM', EPI],
        ['IMPRESSION', IMP],
      ]),
      'r',
      null,
    ),
  ];
  const preds = [
    parseReport(
      report('a', [
        ['Background:', BG],
        ['impression', 'Normal EEG.'],
      ]),
      'p',
      null,
    ),
  ];
  const ev = evaluateSections(refs, preds, { wordnet: null });
  assert.deepEqual(
    ev.sections.map((s) => [s.name, s.pairs, s.missing]),
    [
      ['BACKGROUND', 1, 0],
      ['EPILEPTIFORM', 1, 1],
      ['IMPRESSION', 1, 0],
    ],
  );
  const bg = ev.sections[0].mean;
  for (const k of METRIC_KEYS) if (k !== 'meteor') assert.equal(bg[k], 1, k); // identical text
  for (const k of METRIC_KEYS) assert.equal(ev.sections[1].mean[k], 0, k);
  const imp = scorePair({ reference: IMP, prediction: 'Normal EEG.' }, { wordnet: null }).scores;
  for (const k of METRIC_KEYS) {
    const expected = ((bg[k] as number) + 0 + (imp[k] as number)) / 3;
    assert.ok(Math.abs((ev.overall[k] as number) - expected) < 1e-12, k);
  }
});

test('requested sections: a section no prediction has scores 0, one no reference has is left out', () => {
  const refs = [parseReport(report('a', [['SLEEP', 'N2 sleep with spindles.']]), 'r', null)];
  const preds = [parseReport(report('a', [['SLEEP', 'N2 sleep with spindles.']]), 'p', null)];
  const ev = evaluateSections(refs, preds, { wordnet: null, sections: ['sleep', 'SEIZURES'] });
  assert.equal(ev.sections.length, 2);
  assert.equal(ev.sections[1].pairs, 0);
  assert.equal(ev.overall.rouge1, 1); // the empty section does not drag the mean
});

test('reports are matched by id; missing and unmatched predictions are listed', () => {
  const refs = [report('a', [['S', BG]]), report('b', [['S', EPI]])].map((r) => parseReport(r, 'r', null));
  const preds = [report('b', [['S', EPI]]), report('c', [['S', IMP]])].map((r) => parseReport(r, 'p', null));
  const ev = evaluateSections(refs, preds, { wordnet: null });
  assert.deepEqual(ev.missingPredictions, ['a']);
  assert.deepEqual(ev.unmatchedPredictions, ['c']);
  assert.equal(ev.sections[0].mean.rouge1, 0.5); // a: 0 (missing), b: 1
});

test('readReports: JSONL, JSON array and a directory of JSON files give the same reports', () => {
  const dir = tempDir();
  const reps = [report('x1', [['S', BG]]), report('x2', [['S', EPI]])];
  writeFileSync(join(dir, 'r.jsonl'), `${reps.map((r) => JSON.stringify(r)).join('\n')}\n\n`);
  writeFileSync(join(dir, 'r.json'), JSON.stringify(reps));
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'd', 'x1.json'), JSON.stringify({ report_sections: reps[0].report_sections }));
  writeFileSync(join(dir, 'd', 'x2.json'), JSON.stringify(reps[1]));
  const shape = (path: string) =>
    readReports(path).map((r) => [r.id, [...r.sections.values()].map((s) => [s.name, s.text])]);
  const expected = [
    ['x1', [['S', BG]]],
    ['x2', [['S', EPI]]],
  ];
  assert.deepEqual(shape(join(dir, 'r.jsonl')), expected);
  assert.deepEqual(shape(join(dir, 'r.json')), expected);
  assert.deepEqual(shape(join(dir, 'd')), expected);
});

test('readReports: errors name the file, the line and the field', () => {
  const dir = tempDir();
  const file = join(dir, 'bad.jsonl');
  writeFileSync(
    file,
    `${JSON.stringify(report('a', [['S', BG]]))}\n{"id": "b", "report_sections": [{"section_name": "S", "section_text": 3}]}\n`,
  );
  assert.throws(
    () => readReports(file),
    (e: unknown) =>
      e instanceof CelmError &&
      e.message.includes(`${file}:2`) &&
      e.message.includes('report_sections[0].section_text'),
  );
  writeFileSync(file, `${JSON.stringify(report('a', [['S', BG]]))}\n{"id": "a", oops\n`);
  assert.throws(
    () => readReports(file),
    (e: unknown) => e instanceof CelmError && e.message.startsWith(`${file}:2: not valid JSON`),
  );
  writeFileSync(file, `${JSON.stringify(report('a', [['S', BG]]))}\n${JSON.stringify(report('a', []))}\n`);
  assert.throws(
    () => readReports(file),
    (e: unknown) => e instanceof CelmError && /duplicate report id "a"/.test(e.message),
  );
  writeFileSync(file, '{"report_sections": []}\n');
  assert.throws(
    () => readReports(file),
    (e: unknown) => e instanceof CelmError && /field "id"/.test(e.message),
  );
});
