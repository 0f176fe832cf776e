/** Clinical-efficacy scores on small hand-computed sets of prediction/reference pairs. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CelmError } from '../../../src/errors.js';
import { scoreClinical, scoreClinicalBySection, scoreLabels } from '../../../src/eval/clinical/scores.js';
import { sharedOrSkip } from '../../helpers/shared.js';

const close = (a: number | null, b: number) =>
  assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} ≈ ${b}`);

const pairs = [
  {
    prediction: 'Frequent left temporal sharp waves. IMPRESSION: Abnormal EEG.',
    reference: 'Frequent left temporal sharp waves. IMPRESSION: Abnormal EEG.',
  },
  {
    prediction: 'Frequent right temporal sharp waves. Impression: Abnormal EEG.',
    reference: 'Frequent left temporal sharp waves. Generalized slowing. Impression: Abnormal EEG.',
  },
  {
    prediction: 'The posterior dominant rhythm is 9 Hz. Impression: Normal EEG.',
    reference: 'The posterior dominant rhythm is 10 Hz. Diffuse slowing. Impression: Abnormal EEG.',
  },
  {
    prediction:
      'The posterior dominant rhythm is 8 Hz. Two seizures were recorded. Impression: Abnormal EEG.',
    reference: 'The posterior dominant rhythm is 10 Hz. Impression: Normal EEG.',
  },
];

test('per-kind, micro and macro scores', () => {
  const s = scoreClinical(pairs);
  assert.equal(s.pairs, 4);
  const k = (kind: string) => s.perKind.find((x) => x.kind === kind)!;
  assert.deepEqual(
    {
      tp: k('focal_epileptiform').truePositives,
      fp: k('focal_epileptiform').falsePositives,
      fn: k('focal_epileptiform').falseNegatives,
    },
    { tp: 2, fp: 0, fn: 0 },
  );
  assert.equal(k('focal_epileptiform').f1, 1);
  assert.equal(k('generalized_slowing').support, 2);
  assert.equal(k('generalized_slowing').recall, 0);
  assert.equal(k('generalized_slowing').precision, null);
  assert.equal(k('generalized_slowing').f1, 0);
  assert.equal(k('seizure').falsePositives, 1);
  assert.equal(k('seizure').support, 0);
  assert.equal(k('seizure').recall, null);
  assert.equal(k('lpd').f1, null);
  assert.deepEqual(s.macroKinds, ['generalized_slowing', 'focal_epileptiform']);
  close(s.macroF1, 0.5);
  close(s.micro.precision, 2 / 3);
  close(s.micro.recall, 0.5);
  close(s.micro.f1, 4 / 7);
});

test('attributes, verdicts and PDR', () => {
  const s = scoreClinical(pairs);
  assert.deepEqual(s.side, { compared: 2, agreed: 1, accuracy: 0.5 });
  assert.deepEqual(s.region, { compared: 2, agreed: 2, accuracy: 1 });
  // predictions abnormal 3/4, references abnormal 3/4: chance agreement 0.75*0.75 + 0.25*0.25 = 0.625.
  assert.deepEqual(s.normalAbnormal, {
    compared: 4,
    correct: 2,
    accuracy: 0.5,
    kappa: (0.5 - 0.625) / (1 - 0.625),
    referenceStated: 4,
    coverage: 1,
  });
  assert.deepEqual(s.pdr, { compared: 2, meanAbsErrorHz: 1.5, referenceStated: 2, coverage: 1 });
});

test('GREEN-style error counts per pair', () => {
  const s = scoreClinical(pairs);
  assert.deepEqual(
    s.errors.map((e) => [
      e.falseFindings,
      e.missedFindings,
      e.wrongSide,
      e.wrongPdr,
      e.wrongImpression,
      e.matched,
      e.score,
    ]),
    [
      [[], [], [], false, false, 2, 1],
      [[], ['generalized_slowing'], ['focal_epileptiform'], false, false, 2, 0.5],
      [[], ['generalized_slowing'], [], false, true, 0, 0],
      [['seizure'], [], [], true, true, 0, 0],
    ],
  );
  assert.deepEqual(s.errorTotals, {
    falseFinding: 1,
    missedFinding: 2,
    wrongSide: 1,
    wrongSeverity: 0,
    wrongPdr: 1,
    wrongImpression: 2,
    significant: 7,
    insignificant: 0,
  });
  close(s.meanPairScore, 0.375);
});

test('severity: graded findings are compared by their highest grade', () => {
  const s = scoreClinical([
    {
      prediction: 'Mild diffuse slowing. Impression: Abnormal EEG.',
      reference: 'Severe diffuse slowing. Impression: Abnormal EEG.',
    },
    {
      prediction: 'Mild to moderate diffuse slowing. Impression: Abnormal EEG.',
      reference: 'Moderate generalized slowing. Impression: Abnormal EEG.',
    },
    {
      prediction: 'Diffuse slowing. Impression: Abnormal EEG.',
      reference: 'Mild diffuse slowing. Impression: Abnormal EEG.',
    },
  ]);
  assert.deepEqual(s.severity, { compared: 2, agreed: 1, accuracy: 0.5 });
  assert.deepEqual(
    s.errors.map((e) => e.wrongSeverity),
    [['generalized_slowing'], [], []],
  );
  assert.equal(s.errors[0].score, 2 / 3);
  assert.equal(s.errorTotals.wrongSeverity, 1);
});

test('uncertain findings: not stated by default, stated with uncertainAsPresent', () => {
  const pairs = [
    { prediction: 'Possible left temporal sharp waves.', reference: 'Left temporal sharp waves.' },
  ];
  const k = (s: ReturnType<typeof scoreClinical>) => s.perKind.find((x) => x.kind === 'focal_epileptiform')!;
  assert.deepEqual([k(scoreClinical(pairs)).truePositives, k(scoreClinical(pairs)).falseNegatives], [0, 1]);
  const u = scoreClinical(pairs, { uncertainAsPresent: true });
  assert.deepEqual([k(u).truePositives, k(u).falseNegatives], [1, 0]);
});

test('sleep, activation and artifact errors are insignificant', () => {
  const s = scoreClinical([
    {
      prediction: 'A photic driving response was seen. Impression: Normal EEG.',
      reference: 'Muscle artifact. Impression: Normal EEG.',
    },
  ]);
  assert.equal(s.errors[0].significantErrors, 0);
  assert.equal(s.errors[0].insignificantErrors, 2);
  assert.equal(s.errors[0].score, 1);
});

test('coverage counts pairs where only the reference gives a verdict or a PDR', () => {
  const s = scoreClinical([
    { prediction: '', reference: 'The posterior dominant rhythm is 9 Hz. Impression: Normal EEG.' },
    { prediction: 'Impression: Normal EEG.', reference: 'Impression: Normal EEG.' },
  ]);
  assert.deepEqual(s.normalAbnormal, {
    compared: 1,
    correct: 1,
    accuracy: 1,
    kappa: null, // one class only: chance agreement is 1
    referenceStated: 2,
    coverage: 0.5,
  });
  assert.deepEqual(s.pdr, { compared: 0, meanAbsErrorHz: null, referenceStated: 1, coverage: 0 });
});

test('no pairs: nothing to average', () => {
  const s = scoreClinical([]);
  assert.equal(s.macroF1, null);
  assert.equal(s.micro.f1, null);
  assert.equal(s.meanPairScore, null);
});

test('bad input throws CelmError', () => {
  assert.throws(() => scoreClinical('x' as never), CelmError);
  assert.throws(() => scoreClinical([{ prediction: 1, reference: 'a' } as never]), /pair 0/);
  assert.throws(() => scoreLabels([{ prediction: {}, reference: {} } as never]), CelmError);
});

test('each shared sample report scored against itself is perfect', (t) => {
  const dir = sharedOrSkip(t, 'reports');
  if (!dir) return;
  const texts = readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
  const s = scoreClinical(texts.map((x) => ({ prediction: x, reference: x })));
  assert.equal(s.macroF1, 1);
  assert.equal(s.micro.f1, 1);
  assert.equal(s.normalAbnormal.accuracy, 1);
  assert.equal(s.pdr.meanAbsErrorHz, 0);
  assert.equal(s.meanPairScore, 1);
  // Shuffled pairs (each report against the next) are not.
  const shifted = scoreClinical(
    texts.map((x, i) => ({ prediction: x, reference: texts[(i + 1) % texts.length] })),
  );
  assert.ok(shifted.macroF1 !== null && shifted.macroF1 < 0.7, `shifted macro-F1 ${shifted.macroF1}`);
});

test('section by section: each CELM section labelled on its own', () => {
  const report = (bg: string, imp: string, epi?: string) => ({
    report_sections: [
      { section_name: 'BACKGROUND ACTIVITY', section_text: bg },
      ...(epi === undefined ? [] : [{ section_name: 'Epileptiform  abnormalities', section_text: epi }]),
      { section_name: 'IMPRESSION/INTERPRETATION', section_text: imp },
    ],
  });
  const out = scoreClinicalBySection([
    {
      prediction: report('The posterior dominant rhythm is 9 Hz. Diffuse slowing.', 'Abnormal EEG.'),
      reference: report(
        'The posterior dominant rhythm is 10 Hz. Diffuse slowing.',
        'Normal EEG.',
        'No spikes.',
      ),
    },
  ]);
  assert.deepEqual(
    out.map((x) => [x.section, x.scores.pairs]),
    [
      ['EEG DESCRIPTION/DETAILS', 0],
      ['BACKGROUND ACTIVITY', 1],
      ['EPILEPTIFORM ABNORMALITIES', 1],
      ['EVENTS/SEIZURES', 0],
      ['SLEEP', 0],
      ['IMPRESSION/INTERPRETATION', 1],
    ],
  );
  const bg = out[1].scores;
  assert.equal(bg.perKind.find((k) => k.kind === 'generalized_slowing')!.truePositives, 1);
  assert.equal(bg.pdr.meanAbsErrorHz, 1);
  assert.equal(out[5].scores.normalAbnormal.accuracy, 0);
  assert.throws(() => scoreClinicalBySection([{ prediction: {}, reference: {} } as never]), CelmError);
});

test('side sets: "bilateral" counts as left and right', () => {
  const s = scoreClinical([
    {
      prediction: 'Independent bilateral temporal spikes.',
      reference: 'Left temporal spikes and right temporal spikes.',
    },
    { prediction: 'Bilateral temporal spikes.', reference: 'Left temporal spikes.' },
  ]);
  assert.deepEqual(s.side, { compared: 2, agreed: 1, accuracy: 0.5 });
});
