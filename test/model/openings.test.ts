/**
 * Where the sentence guide offers a finding's openings (src/model/report.ts openingsFor): before the
 * section ends, instead of a denial, and where the model's next sentence begins as only that
 * finding's openings do. With the default model's tokenizer and a hand-made phrasebook.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_GUIDE } from '../../src/model/guide.js';
import type { Phrasebook } from '../../src/model/phrasebook.js';
import { defaultModelDir, openingsFor } from '../../src/model/report.js';
import { BpeTokenizer } from '../../src/model/tokenizer.js';

const tok = BpeTokenizer.load(join(defaultModelDir(), 'tokenizer.json'));
const DESC = 'EEG DESCRIPTION/DETAILS';
const book: Phrasebook = {
  format: 'celm-phrasebook',
  version: 1,
  openings: {
    [DESC]: {
      artifact_electrode: ['Intermittent electrode artifact (electrode pops) at'],
      artifact_muscle: ['Intermittent muscle artifact is present over the temporal'],
      artifact_eye: ['Eye blink artifact is seen in the frontal'],
    },
  },
};
// electrode and eye artifact called for, muscle not
const probs = { artifact_electrode: 0.9, artifact_eye: 0.9, artifact_muscle: 0.1 };
const offered = (next: string, ends = false) =>
  openingsFor(
    DESC,
    tok,
    probs,
    DEFAULT_GUIDE,
    book,
  )(tok.encode('A 20-minute EEG was recorded.'), {
    ids: tok.encode(` ${next}`),
    ends,
  }).map((o) => tok.decode(o.ids).trim());

test("a finding's openings are due where the next sentence begins as only its openings do", () => {
  // "Eye" begins only eye artifact's openings: the model is about to write of the eyes
  assert.deepEqual(offered('Eye movements are seen.'), ['Eye blink artifact is seen in the frontal']);
  // "Intermittent" begins electrode and muscle artifact's: no telling which is coming
  assert.deepEqual(offered('Intermittent muscle artifact is present over the temporal regions.'), []);
  // at the section's end every missing finding is due (in the section's order of findings)
  assert.deepEqual(offered('', true), [
    'Eye blink artifact is seen in the frontal',
    'Intermittent electrode artifact (electrode pops) at',
  ]);
});
