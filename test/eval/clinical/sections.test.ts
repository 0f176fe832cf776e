/** The small section splitter the labeler uses: headers in many house styles, categories, CELM JSON. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { labelReport } from '../../../src/eval/clinical/labeler.js';
import { headerCategory, splitSections } from '../../../src/eval/clinical/sections.js';
import { sharedOrSkip } from '../../helpers/shared.js';

const cats = (text: string) => splitSections(text).map((s) => s.category);

test('"NAME:" headers, text before the first header, blank lines', () => {
  const s = splitSections('EEG REPORT\n\nHISTORY: seizures.\n\nIMPRESSION: Normal EEG.\n');
  assert.deepEqual(
    s.map((x) => [x.category, x.name, x.text.trim()]),
    [
      ['description', 'EEG REPORT', ''],
      ['history', 'HISTORY', 'seizures.'],
      ['impression', 'IMPRESSION', 'Normal EEG.'],
    ],
  );
});

test('headers alone on their line, in capitals or title case, and a dash separator', () => {
  assert.deepEqual(
    cats('HISTORY:\nA man.\nInterictal findings\nNone.\nPATIENT HISTORY - a girl\nSTATE CHANGES\nAwake.'),
    ['history', 'epileptiform', 'history', 'sleep'],
  );
});

test('numbered sub-headers and inline headers after a sentence', () => {
  assert.deepEqual(cats('EEG DESCRIPTION:\n1. Background: slow.\n2. Seizures: None.'), [
    'description',
    'background',
    'events',
  ]);
  assert.deepEqual(
    cats('Indication: confusion. Meds: none. Technical: portable. Description: slow. Impression: abnormal.'),
    ['history', 'medications', 'technique', 'description', 'impression'],
  );
});

test('a sentence with a colon is not a header; unknown short capital labels are kept with their name', () => {
  assert.deepEqual(cats('The findings are as follows: left temporal spikes.'), ['preamble']);
  const [s] = splitSections('PDR: 9 Hz');
  assert.equal(s.category, 'other');
  assert.equal(s.text, 'PDR: 9 Hz');
});

test('header names map to categories, whatever their case and spacing', () => {
  assert.equal(headerCategory('Clinical  Correlation'), 'correlation');
  assert.equal(headerCategory('IMPRESSION / INTERPRETATION'), 'impression');
  assert.equal(headerCategory('Reason for study'), 'history');
  assert.equal(headerCategory('The background'), null);
  assert.equal(headerCategory('patient_history'), 'history');
  assert.deepEqual(cats('patient_history: seizures.\n\nIMPRESSION/INTERPRETATION: Normal EEG.'), [
    'history',
    'impression',
  ]);
});

test('CELM JSON is read section by section; malformed JSON is read as text', () => {
  const json = JSON.stringify({ report_sections: [{ section_name: 'SLEEP', section_text: 'N2 reached.' }] });
  assert.deepEqual(splitSections(json), [{ name: 'SLEEP', category: 'sleep', text: 'N2 reached.' }]);
  assert.deepEqual(cats('{"report_sections": 3}'), ['preamble']);
});

test('"Pushbutton events: none" does not deny seizures; "Events: none" does', () => {
  assert.equal(labelReport('Pushbutton events: none.').findings.length, 0);
  assert.deepEqual(labelReport('EVENTS: None.').findings, [
    { kind: 'seizure', polarity: 'absent', count: 0 },
  ]);
});

test('the shared sample reports split into the expected sections', (t) => {
  const dir = sharedOrSkip(t, 'reports');
  if (!dir) return;
  const expected: Record<string, string[]> = {
    'r01_routine_normal.txt': [
      'history',
      'medications',
      'technique',
      'description',
      'other',
      'impression',
      'correlation',
    ],
    'r02_focal_sharp.txt': [
      'description',
      'history',
      'medications',
      'technique',
      'background',
      'epileptiform',
      'events',
      'sleep',
      'impression',
      'correlation',
    ],
    'r04_generalized_sw.txt': ['history', 'technique', 'description', 'impression', 'correlation'],
    'r05_diffuse_slowing_inline.txt': ['history', 'medications', 'technique', 'description', 'impression'],
    'r06_sleep_deprived_normal_variants.txt': [
      'other',
      'history',
      'technique',
      'description',
      'sleep',
      'activation',
      'impression',
    ],
    'r07_lpd_numbered.txt': [
      'history',
      'description',
      'background',
      'epileptiform',
      'events',
      'sleep',
      'impression',
    ],
    'r10_brief_normal_child.txt': ['history', 'description', 'impression'],
  };
  for (const [file, want] of Object.entries(expected)) {
    assert.deepEqual(cats(readFileSync(join(dir, file), 'utf8')), want, file);
  }
});
