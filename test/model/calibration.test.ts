/**
 * Findings calibration: F1-optimal thresholds on one measurement per finding, fitted on reports'
 * statements, and how they replace the findings head's probabilities.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyCalibration,
  auc,
  bestThreshold,
  type Evidence,
  findingsToken,
  fitCalibration,
  type KindCalibration,
} from '../../src/model/calibration.js';

test('the best threshold: every positive above it and no negative, or the best F1 trade-off', () => {
  const x = [0.1, 0.2, 0.3, 0.8, 0.9, 1.0];
  const y = [0, 0, 0, 1, 1, 1];
  const all = x.map((_, i) => i);
  assert.deepEqual(bestThreshold(x, y, all), { threshold: 0.8, f1: 1 });
  assert.equal(auc(x, y), 1);
  // one negative among the positives: calling it costs less than missing two positives
  const y2 = [0, 0, 1, 0, 1, 1];
  const b = bestThreshold(x, y2, all);
  assert.equal(b.threshold, 0.3);
  assert.ok(Math.abs(b.f1 - 6 / 7) < 1e-12); // tp 3, fp 1, fn 0
  // ties go together: two equal values are both called or neither
  assert.equal(bestThreshold([1, 1, 0], [1, 0, 0], [0, 1, 2]).threshold, 1);
});

/** Nothing measured. */
const NONE: Evidence = {
  line_noise_log_uv: null,
  ecg_locked_log_uv: null,
  hv_delta_log_ratio: null,
  isolated_transients: null,
  lateralized_spikes: null,
  slow_excess: null,
  alpha_deficit: null,
  photic_excess_trains: null,
  rhythmic_delta_fraction: null,
  ictal_rhythm: null,
  posterior_asymmetry: null,
  lateralized_slowing: null,
};

/** Evidence rows with one measurement set (`evidence`), the finding `kind` stated where `stated`. */
function rows(
  values: number[],
  stated: boolean[],
  kind = 'artifact_line_noise',
  evidence: keyof Evidence = 'line_noise_log_uv',
): { evidence: Evidence; stated: Set<string> }[] {
  return values.map((v, i) => ({
    evidence: { ...NONE, [evidence]: v },
    stated: new Set(stated[i] ? [kind] : []),
  }));
}

test('fitted: 0.5 at the threshold, 0.9 at the median of the stating reports; too few positives: not fitted', () => {
  // line noise stated in 70% of the recordings that have it (as the synthetic reports do)
  const values = [-1.4, -1.3, -1.2, -1.1, -1.0, 1.0, 1.2, 1.5, 1.8, 2.0, 2.2, 2.5, 2.6, 2.9];
  const stated = values.map((v, i) => v > 0 && i % 10 !== 6 && i !== 12);
  const cal = fitCalibration(rows(values, stated), 2);
  const k = cal.kinds.artifact_line_noise;
  assert.ok(k);
  assert.equal(k.threshold, 1);
  const base = NONE;
  const p = (v: number) =>
    applyCalibration(cal, { ...base, line_noise_log_uv: v }, { artifact_line_noise: 0.1 });
  assert.equal(p(k.threshold).artifact_line_noise, 0.5);
  const med = values.filter((_, i) => stated[i]).sort((a, b) => a - b);
  assert.ok(Math.abs(p(med[med.length >> 1]).artifact_line_noise - 0.9) < 1e-3);
  assert.ok(p(-1.2).artifact_line_noise < 0.01);
  assert.equal(k.n, values.length);
  assert.equal(k.positives, stated.filter(Boolean).length);
  // not measured (null): the head's probability stays
  assert.equal(applyCalibration(cal, base, { artifact_line_noise: 0.3 }).artifact_line_noise, 0.3);
  // only two reports state it: nothing fitted, the head decides
  const few = fitCalibration(
    rows(
      values,
      values.map((_, i) => i > 11),
    ),
    2,
  );
  assert.equal(few.kinds.artifact_line_noise, undefined);
});

test('asymmetry is fitted on the posterior asymmetry; a calibration fitted on the alpha deficit still applies', () => {
  const values = [0, 0, 0, 0.02, 0.05, 0.1, 0.12, 0.4, 0.9, 1.1, 1.3];
  const stated = values.map((v) => v > 0.3);
  const cal = fitCalibration(rows(values, stated, 'asymmetry', 'posterior_asymmetry'), 2);
  assert.equal(cal.kinds.asymmetry?.evidence, 'posterior_asymmetry');
  assert.equal(cal.kinds.asymmetry?.threshold, 0.4);
  const old = {
    ...cal,
    kinds: { asymmetry: { ...(cal.kinds.asymmetry as KindCalibration), evidence: 'alpha_deficit' as const } },
  };
  assert.ok(applyCalibration(old, { ...NONE, alpha_deficit: 1.2 }, { asymmetry: 0.1 }).asymmetry > 0.9);
  // a calibration naming a measurement this celm does not compute leaves the head's value
  const unknown = {
    ...cal,
    kinds: {
      asymmetry: { ...(cal.kinds.asymmetry as KindCalibration), evidence: 'gone' as 'alpha_deficit' },
    },
  };
  assert.equal(applyCalibration(unknown, NONE, { asymmetry: 0.1 }).asymmetry, 0.1);
});

test('focal discharges: the measurement only adds to the head, never takes its finding away', () => {
  const values = [0, 0, 0.01, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3];
  const stated = values.map((v) => v > 0.03);
  const cal = fitCalibration(rows(values, stated, 'focal_epileptiform', 'lateralized_spikes'), 2);
  assert.ok(cal.kinds.focal_epileptiform);
  const ev = NONE;
  // the head sure, the detector quiet (e.g. discharges it does not separate): the head's stays
  assert.equal(
    applyCalibration(cal, { ...ev, lateralized_spikes: 0 }, { focal_epileptiform: 0.9 }).focal_epileptiform,
    0.9,
  );
  // the head unsure, the detector counting: raised
  assert.ok(
    applyCalibration(cal, { ...ev, lateralized_spikes: 0.2 }, { focal_epileptiform: 0.1 })
      .focal_epileptiform > 0.8,
  );
  // ... unless the head sees LPDs, whose discharges are what the detector counts
  assert.equal(
    applyCalibration(cal, { ...ev, lateralized_spikes: 0.2 }, { focal_epileptiform: 0.1, lpd: 0.8 })
      .focal_epileptiform,
    0.1,
  );
});

test('seizures: the ictal rhythm only takes from the head, with the threshold under 90% of the stating reports', () => {
  // ten reports state a seizure (ictal rhythm 1.6-5); many without one reach 2-2.5 (sleep, hyperventilation)
  const pos = [1.6, 1.9, 2.4, 2.8, 3.0, 3.3, 3.6, 4.0, 4.5, 5.0];
  const neg = [0.4, 0.6, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 2.0, 2.1, 2.3, 2.5, 2.6];
  const cal = fitCalibration(
    rows([...pos, ...neg], [...pos.map(() => true), ...neg.map(() => false)], 'seizure', 'ictal_rhythm'),
    2,
  );
  const k = cal.kinds.seizure;
  assert.ok(k);
  // the second lowest of ten: one in ten may fall under it; the F1-best threshold would be 2.8
  assert.equal(k.threshold, 1.9);
  assert.equal(
    bestThreshold(
      [...pos, ...neg],
      [...pos.map(() => 1), ...neg.map(() => 0)],
      [...pos, ...neg].map((_, i) => i),
    ).threshold,
    2.8,
  );
  const seizure = (x: number, head: number) =>
    applyCalibration(cal, { ...NONE, ictal_rhythm: x }, { seizure: head }).seizure;
  // the head's seizure without an ictal rhythm goes (under 0.5, the calibrated decision); with a
  // strong one it stays the head's
  assert.ok(seizure(1.0, 0.95) < 0.5);
  assert.ok(seizure(1.8, 0.95) < 0.5);
  assert.equal(seizure(5, 0.95), 0.95);
  // above the threshold nothing changes, however close to it
  assert.equal(seizure(2, 1), 1);
  assert.equal(seizure(2.4, 0.7), 0.7);
  // a quiet head is never raised
  assert.equal(seizure(5, 0.05), 0.05);
});

test('a calibrated abnormal finding raises the abnormal probability, never lowers it', () => {
  const values = [0, 0.1, 0.1, 0.2, 0.9, 1.1, 1.3, 1.4];
  const stated = values.map((v) => v > 0.5);
  const cal = fitCalibration(rows(values, stated, 'focal_slowing', 'lateralized_slowing'), 2);
  assert.ok(cal.kinds.focal_slowing);
  const ev = NONE;
  const out = applyCalibration(
    cal,
    { ...ev, lateralized_slowing: 1.3 },
    { focal_slowing: 0.1, abnormal: 0.2 },
  );
  assert.ok(out.focal_slowing > 0.85 && out.abnormal === out.focal_slowing);
  const low = applyCalibration(cal, { ...ev, lateralized_slowing: 0 }, { focal_slowing: 0.1, abnormal: 0.7 });
  assert.equal(low.abnormal, 0.7);
});

test("the findings token: calibrated values, but a finding calibrated absent no higher than the head's", () => {
  const labels = ['asymmetry', 'artifact_electrode', 'seizure', 'drowsiness'];
  const head = { asymmetry: 0.02, artifact_electrode: 0.6, seizure: 0.9, drowsiness: 0.7 };
  const probs = { asymmetry: 0.3, artifact_electrode: 0.2, seizure: 0.95, drowsiness: 0.7 };
  const token = findingsToken(labels, probs, head, new Set(['asymmetry', 'artifact_electrode', 'seizure']));
  // asymmetry: absent at 0.3, the head's 0.02; electrode: absent at 0.2 under the head's 0.6;
  // seizure: present, calibrated; drowsiness: not calibrated, as it is
  assert.deepEqual([...token], [0.02, 0.2, 0.95, 0.7].map(Math.fround));
});
