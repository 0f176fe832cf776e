/**
 * The findings prompt (config `findingsPrompt`): the line the decoder reads before each section, built
 * from a reference report in training and from the findings head in `celm report`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exampleTokens, findingsLine, reportFindings, SPECIAL_TOKENS } from '../../src/model/data.js';
import { torchAddonPath } from '../../src/model/runtime/index.js';
import { BpeTokenizer } from '../../src/model/tokenizer.js';
import { celm } from '../helpers/cli.js';
import { TINY_MODEL_CONFIG, trainTinyModel } from '../helpers/tiny-model.js';
import { tempDir } from '../helpers/tmp.js';

const report = {
  report_sections: [
    {
      section_name: 'BACKGROUND ACTIVITY',
      section_text: 'Intermittent focal delta slowing over the right temporal region.',
    },
    {
      section_name: 'EPILEPTIFORM ABNORMALITIES',
      section_text: 'Frequent right temporal sharp waves, maximal at T4.',
    },
    {
      section_name: 'IMPRESSION/INTERPRETATION',
      section_text: 'Abnormal EEG due to right temporal sharp waves.',
    },
  ],
};

test("a reference's findings line: kinds in label order, sides of focal findings, the verdict", () => {
  const f = reportFindings(report);
  assert.deepEqual(f.kinds, ['focal_slowing', 'focal_epileptiform']);
  assert.deepEqual(f.sides, { focal_epileptiform: 'right', focal_slowing: 'right' });
  assert.equal(findingsLine(f), 'findings: focal slowing right, focal epileptiform right; abnormal');
  assert.equal(findingsLine({ kinds: [], sides: {}, abnormal: false }), 'findings: none; normal');
});

test('the prompt sits between the history and the section token', () => {
  const tok = BpeTokenizer.train(['findings: focal slowing right; abnormal', 'sharp waves'], {
    vocabSize: 300,
    specials: SPECIAL_TOKENS,
  });
  const plain = exampleTokens(tok, 'seizures', 'SLEEP', null, 40, 200);
  const prompted = exampleTokens(tok, 'seizures', 'SLEEP', null, 40, 200, 'findings: focal slowing right');
  const said = tok.encode(' findings: focal slowing right');
  assert.deepEqual(prompted.ids, [...plain.ids.slice(0, -1), ...said, plain.ids.at(-1)]);
  assert.equal(prompted.start, prompted.ids.length - 1); // the loss still starts at the section token
});

test('a model trained with the findings prompt records it and drafts with it', {
  skip: torchAddonPath() === null && 'libtorch addon not built (npm run build:native)',
}, () => {
  const dir = tempDir('celm-prompt-');
  const { corpus, model } = trainTinyModel(dir, { ...TINY_MODEL_CONFIG, findingsPrompt: true });
  assert.equal(JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')).findings_prompt, true);
  const patient = readdirSync(corpus).find((n) => /^\d+$/.test(n)) as string;
  const session = readdirSync(join(corpus, patient))[0];
  const edf = join(
    corpus,
    patient,
    session,
    readdirSync(join(corpus, patient, session)).find((f) => f.endsWith('.edf'))!,
  );
  const r = celm([
    'report',
    edf,
    '--model',
    model,
    '--format',
    'json',
    '--cache',
    join(dir, 'cache'),
    '--max-tokens',
    '20',
    '--quiet',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).report_sections.length, 6);
});
