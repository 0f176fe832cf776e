/**
 * The labeler reads the synthetic generator's reports back: both sides use src/clinical/findings.ts, so
 * what the generator says it wrote (`WrittenReport.labels`) and what the labeler reads must agree. This is
 * the drift alarm between "what the generator can say" and "what the labeler can score".
 *
 * Measured on 200 reports (seed 11): micro-F1 0.9996 (precision 0.9993, recall 1), macro-F1 0.996, every
 * verdict, side, region and negated finding agreeing; the one disagreement is a "background asymmetry"
 * the generator names only in an impression and leaves out of its labels. The assertions are floors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClinicalLabels } from '../../../src/clinical/findings.js';
import { type CorpusOptions, planCorpus, specsFor } from '../../../src/datasets/synth/corpus.js';
import { Rng } from '../../../src/datasets/synth/prng.js';
import { writeReport } from '../../../src/datasets/synth/report.js';
import { truthFindings } from '../../../src/datasets/synth/truth.js';
import { labelReport } from '../../../src/eval/clinical/labeler.js';
import { scoreLabels } from '../../../src/eval/clinical/scores.js';

test('labeler agrees with the synthetic generator on 200 reports', () => {
  const o: CorpusOptions = { count: 200, out: '/nonexistent', seed: 11 };
  const pairs: { prediction: ClinicalLabels; reference: ClinicalLabels }[] = [];
  for (const plan of planCorpus(o)) {
    const { specs, setting } = specsFor(plan, o);
    const recs = specs.map((spec, k) => ({
      spec,
      findings: truthFindings(spec),
      file: `r${k}.edf`,
      setting,
    }));
    const report = writeReport(plan.patient, recs, plan.site, Rng.derive(o.seed, 'report', plan.index));
    pairs.push({ prediction: labelReport(report.text), reference: report.labels });
  }
  const s = scoreLabels(pairs);
  assert.ok(s.micro.f1! >= 0.99, `micro-F1 ${s.micro.f1}`);
  assert.ok(s.macroF1! >= 0.98, `macro-F1 ${s.macroF1}`);
  assert.equal(s.micro.recall, 1, 'every finding the generator wrote is read back');
  assert.equal(s.normalAbnormal.accuracy, 1);
  assert.equal(s.normalAbnormal.coverage, 1);
  assert.equal(s.side.accuracy, 1);
  assert.equal(s.region.accuracy, 1);
  assert.equal(s.pdr.coverage, 1);
  // The generator's labels carry the true PDR; its text rounds it (to 0.5 Hz or a 1 Hz range).
  assert.ok(s.pdr.meanAbsErrorHz! < 0.25, `PDR MAE ${s.pdr.meanAbsErrorHz}`);
  let absent = 0;
  let agreed = 0;
  for (const { prediction, reference } of pairs) {
    for (const f of reference.findings) {
      if (f.polarity !== 'absent') continue;
      absent++;
      if (prediction.findings.some((p) => p.kind === f.kind && p.polarity === 'absent')) agreed++;
    }
  }
  assert.ok(absent > 400, `${absent} negated findings`);
  // Seizure counts ("Two seizures were recorded", "No seizures" = 0) wherever the generator gives one.
  let counted = 0;
  for (const { prediction, reference } of pairs) {
    const ref = reference.findings.find((f) => f.kind === 'seizure' && f.count !== undefined);
    if (!ref) continue;
    counted++;
    assert.equal(prediction.findings.find((f) => f.kind === 'seizure')?.count, ref.count);
  }
  assert.ok(counted > 100, `${counted} counted`);
  assert.equal(agreed, absent, 'every negated finding is read as absent');
});
