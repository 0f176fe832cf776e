/** Baselines: most common report, nearest neighbour by history, qEEG template (read back by the labeler). */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Region } from '../../../src/clinical/findings.js';
import { CELM_SECTIONS } from '../../../src/clinical/sections.js';
import { CelmError } from '../../../src/errors.js';
import {
  HistoryIndex,
  mostCommonReport,
  nearestNeighbourByHistory,
  type QeegSummary,
  type RegionalBandPower,
  templateReport,
} from '../../../src/eval/baselines/index.js';
import { labelReport } from '../../../src/eval/clinical/labeler.js';
import { splitSections } from '../../../src/eval/clinical/sections.js';
import { sharedOrSkip } from '../../helpers/shared.js';

describe('mostCommonReport', () => {
  test('returns the most frequent report (whitespace and case ignored), first seen on ties', () => {
    const r = mostCommonReport([
      'Normal EEG.',
      'Abnormal EEG.',
      'normal  EEG.',
      'Abnormal EEG.',
      'NORMAL EEG.',
    ]);
    assert.equal(r, 'Normal EEG.');
    assert.equal(mostCommonReport(['B. x', 'A. y', 'A. y', 'B. x']), 'B. x');
  });
  test('with all reports unique, picks one from the largest clinical-content group', () => {
    const reports = [
      'Frequent left temporal sharp waves. Impression: Abnormal EEG.',
      'The posterior dominant rhythm is 10 Hz. Impression: Normal EEG.',
      'Impression: Normal EEG.',
      'Alpha rhythm of 11 Hz, reactive to eye opening and well modulated. Impression: Normal EEG.',
      'Frequent right frontal sharp waves. Impression: Abnormal EEG.',
    ];
    const r = mostCommonReport(reports);
    assert.equal(labelReport(r).abnormal, false);
    assert.equal(r, reports[1]); // the normal group (3 of 5) report of median length
  });
  test('no reports throws CelmError', () => {
    assert.throws(() => mostCommonReport([]), CelmError);
    assert.throws(() => mostCommonReport([3 as unknown as string]), CelmError);
  });
});

describe('nearestNeighbourByHistory', () => {
  const items = [
    { history: '34 year old woman with syncope while driving', report: 'R0' },
    { history: '61 year old man with left MCA stroke and right hand jerking', report: 'R1' },
    { history: '9 year old girl with staring spells at school', report: 'R2' },
    { history: '58 year old woman after cardiac arrest, unresponsive', report: 'R3' },
  ];
  test('retrieves the report of the most similar history', () => {
    assert.equal(nearestNeighbourByHistory(items, 'child with frequent staring spells').report, 'R2');
    assert.equal(nearestNeighbourByHistory(items, 'post cardiac arrest coma').index, 3);
    const r = nearestNeighbourByHistory(items, 'acute stroke with hand jerking');
    assert.equal(r.report, 'R1');
    assert.ok(r.similarity > 0 && r.similarity <= 1);
  });
  test('common words weigh less than rare ones (idf)', () => {
    const idx = new HistoryIndex([
      { history: 'woman woman woman headache', report: 'A' },
      { history: 'woman with migraine', report: 'B' },
      { history: 'woman with tremor', report: 'C' },
    ]);
    assert.equal(idx.query('woman migraine').report, 'B');
  });
  test('an identical history has similarity 1', () => {
    assert.ok(Math.abs(nearestNeighbourByHistory(items, items[1].history).similarity - 1) < 1e-12);
  });
  test('a history with no known words falls back to the most common report', () => {
    const r = nearestNeighbourByHistory(items, 'zzz qqq');
    assert.equal(r.index, -1);
    assert.equal(r.similarity, 0);
    assert.ok(items.some((i) => i.report === r.report));
  });
  test('bad input throws CelmError', () => {
    assert.throws(() => nearestNeighbourByHistory([], 'x'), CelmError);
    assert.throws(() => nearestNeighbourByHistory(items, 5 as unknown as string), CelmError);
  });
  test('retrieval over the shared sample reports by their history sections', (t) => {
    const dir = sharedOrSkip(t, 'reports');
    if (!dir) return;
    const texts = readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .map((f) => readFileSync(join(dir, f), 'utf8'));
    const train = texts.map((text) => ({
      history: splitSections(text)
        .filter((s) => s.category === 'history')
        .map((s) => s.text)
        .join(' '),
      report: text,
    }));
    // Each history retrieves its own report when it is in the training set.
    for (const [i, it] of train.entries())
      assert.equal(nearestNeighbourByHistory(train, it.history).index, i);
  });
});

function powers(
  slow: number,
  regions: Region[] = ['frontal', 'temporal', 'central', 'parietal', 'occipital'],
): RegionalBandPower[] {
  return regions.flatMap((region) =>
    (['left', 'right'] as const).map((side) => ({
      region,
      side,
      delta: slow / 2,
      theta: slow / 2,
      alpha: (1 - slow) * 0.7,
      beta: (1 - slow) * 0.3,
    })),
  );
}

describe('templateReport', () => {
  const normal: QeegSummary = { durationSec: 1800, pdrHz: 10.2, bandPower: powers(0.3), sleepSeen: true };

  test('uses CELM section names and a JSON shape the labeler reads', () => {
    const r = templateReport(normal);
    assert.deepEqual(
      r.report_sections.map((s) => s.section_name),
      [...CELM_SECTIONS],
    );
    const l = labelReport(JSON.stringify(r));
    assert.equal(l.abnormal, false);
    assert.equal(l.pdrHz, 10);
    assert.ok(l.findings.some((f) => f.kind === 'n2_sleep' && f.polarity === 'present'));
    assert.ok(!l.findings.some((f) => f.polarity === 'present' && f.kind.includes('slowing')));
    assert.match(r.report_sections[0].section_text, /30 minutes/);
  });
  test('a slow background is diffuse slowing, abnormal', () => {
    const l = labelReport(JSON.stringify(templateReport({ ...normal, bandPower: powers(0.85) })));
    assert.equal(l.abnormal, true);
    assert.ok(l.findings.some((f) => f.kind === 'generalized_slowing' && f.polarity === 'present'));
  });
  test('thresholds are options', () => {
    const slowish = { ...normal, bandPower: powers(0.7) };
    assert.equal(labelReport(JSON.stringify(templateReport(slowish))).abnormal, false);
    assert.equal(
      labelReport(JSON.stringify(templateReport(slowish, { diffuseSlowFraction: 0.6 }))).abnormal,
      true,
    );
  });
  test('a slow PDR for the age is diffuse slowing; the same PDR in an infant is normal', () => {
    assert.equal(labelReport(JSON.stringify(templateReport({ ...normal, pdrHz: 6 }))).abnormal, true);
    assert.equal(
      labelReport(JSON.stringify(templateReport({ ...normal, pdrHz: 6, ageYears: 0.5 }))).abnormal,
      false,
    );
  });
  test('more slow power over one temporal region is focal slowing on that side', () => {
    const bp = powers(0.3).map((b) =>
      b.region === 'temporal' && b.side === 'left'
        ? { ...b, delta: 0.5, theta: 0.2, alpha: 0.2, beta: 0.1 }
        : b,
    );
    const l = labelReport(JSON.stringify(templateReport({ ...normal, bandPower: bp })));
    assert.ok(
      l.findings.some((f) => f.kind === 'focal_slowing' && f.side === 'left' && f.region === 'temporal'),
      JSON.stringify(l),
    );
    assert.ok(!l.findings.some((f) => f.kind === 'generalized_slowing' && f.polarity === 'present'));
    assert.equal(l.abnormal, true);
  });
  test('an amplitude asymmetry is reported on the lower side', () => {
    const l = labelReport(JSON.stringify(templateReport({ ...normal, asymmetryIndex: { parietal: 0.7 } })));
    assert.ok(
      l.findings.some((f) => f.kind === 'asymmetry' && f.side === 'right'),
      JSON.stringify(l),
    );
  });
  test('no PDR and no sleep', () => {
    const r = templateReport({ ...normal, pdrHz: null, sleepSeen: false });
    const l = labelReport(JSON.stringify(r));
    assert.equal(l.pdrHz, null);
    assert.ok(!l.findings.some((f) => f.kind === 'n2_sleep' && f.polarity === 'present'));
  });
  test('bad measurements throw CelmError', () => {
    assert.throws(() => templateReport({ ...normal, durationSec: -1 }), /durationSec/);
    assert.throws(() => templateReport({ ...normal, pdrHz: Number.NaN }), /pdrHz/);
    assert.throws(
      () => templateReport({ ...normal, bandPower: [{ ...powers(0.3)[0], delta: 1.5 }] }),
      /delta/,
    );
    assert.throws(() => templateReport({ ...normal, asymmetryIndex: { frontal: 2 } }), CelmError);
    assert.throws(() => templateReport(null as unknown as QeegSummary), CelmError);
  });
});
