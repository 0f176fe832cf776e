/** Findings-guided selection: a section's text is checked against the findings head's probabilities. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { violations } from '../../src/model/guide.js';

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
