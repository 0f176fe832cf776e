/**
 * End to end: a synthetic EDF recording → the preprocessing pipeline's qEEG → the template baseline →
 * the findings labeler. Checks that the adapter fits what the pipeline really produces.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateCorpus } from '../../../src/datasets/synth/corpus.js';
import { templateInputFromSignal, templateReport } from '../../../src/eval/baselines/index.js';
import { labelReport } from '../../../src/eval/clinical/labeler.js';
import { preprocessRecording } from '../../../src/signal/preprocess.js';
import { tempDir } from '../../helpers/tmp.js';

for (const profile of ['normal', 'encephalopathy'] as const) {
  test(`template report of a synthetic ${profile} recording`, () => {
    const dir = tempDir();
    const [m] = generateCorpus({
      count: 1,
      out: join(dir, 'corpus'),
      seed: 33,
      profile,
      duration: [1200, 1200],
      multiRecording: false,
    });
    const truth = JSON.parse(readFileSync(join(dir, 'corpus', m.truth), 'utf8'));
    const pre = preprocessRecording(join(dir, 'corpus', m.recordings[0]), join(dir, 'pre'));
    assert.ok(pre.result, 'the pipeline returns its result');
    const input = templateInputFromSignal(pre.result.qeeg, {
      durationSec: m.duration_s,
      sleepSeen: false,
      ageYears: truth.patient.age,
    });
    assert.ok(input.bandPower.length >= 10, 'left and right of five regions');
    const labels = labelReport(JSON.stringify(templateReport(input)));
    assert.equal(labels.abnormal, truth.abnormal);
    if (truth.pdrHz !== null) {
      assert.ok(
        labels.pdrHz !== null && Math.abs(labels.pdrHz - truth.pdrHz) <= 0.5,
        `PDR ${labels.pdrHz} vs ${truth.pdrHz}`,
      );
    }
    const diffuse = labels.findings.some((f) => f.kind === 'generalized_slowing' && f.polarity === 'present');
    assert.equal(diffuse, profile === 'encephalopathy');
  });
}
