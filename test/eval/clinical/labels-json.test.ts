/**
 * The labeler against ../shared/reports/labels.json: findings each sample report states, written
 * independently of any labeler. Measured agreement: every labelled tag of all 10 reports matches
 * (11 tags x 10 reports = 110/110), every PDR frequency matches, every seizure count matches.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClinicalLabels, FindingKind } from '../../../src/clinical/findings.js';
import { labelReport } from '../../../src/eval/clinical/labeler.js';
import { sharedOrSkip } from '../../helpers/shared.js';

/** labels.json tags → finding kinds (a tag is true when any of its kinds is present). */
const TAG_KINDS: Record<string, FindingKind[]> = {
  focal_slowing: ['focal_slowing'],
  generalized_slowing: ['generalized_slowing'],
  focal_epileptiform: ['focal_epileptiform'],
  generalized_epileptiform: ['generalized_epileptiform'],
  seizure: ['seizure'],
  periodic_discharges: ['lpd', 'gpd', 'bipd'],
  rhythmic_delta: ['lrda', 'grda'],
  sleep_spindles: ['sleep_spindles'],
  photic_driving: ['photic_driving'],
  normal_variant: ['normal_variant'],
};

interface Expected {
  abnormal: boolean;
  pdr_hz: number | null;
  seizure_count: number | null;
  [tag: string]: boolean | number | null;
}

function tagValue(labels: ClinicalLabels, tag: string): boolean | null {
  if (tag === 'abnormal') return labels.abnormal;
  return labels.findings.some((f) => f.polarity === 'present' && TAG_KINDS[tag].includes(f.kind));
}

test('labeler agrees with every finding in shared/reports/labels.json', (t) => {
  const dir = sharedOrSkip(t, 'reports');
  if (!dir) return;
  const data = JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as {
    tags: string[];
    reports: Record<string, Expected>;
  };
  const misses: string[] = [];
  let total = 0;
  for (const [file, expected] of Object.entries(data.reports)) {
    const labels = labelReport(readFileSync(join(dir, file), 'utf8'));
    for (const tag of data.tags) {
      total++;
      const got = tagValue(labels, tag);
      if (got !== expected[tag]) misses.push(`${file} ${tag}: expected ${expected[tag]}, got ${got}`);
    }
    if (labels.pdrHz !== expected.pdr_hz)
      misses.push(`${file} pdr_hz: expected ${expected.pdr_hz}, got ${labels.pdrHz}`);
    const seizure = labels.findings.find((f) => f.kind === 'seizure');
    if (expected.seizure_count !== null) {
      // "No seizures were recorded" gives an absent seizure finding with count 0 (or none at all).
      const got = seizure ? (seizure.count ?? null) : 0;
      if (got !== expected.seizure_count) {
        misses.push(`${file} seizure_count: expected ${expected.seizure_count}, got ${got}`);
      }
    }
  }
  assert.equal(total, 110);
  assert.deepEqual(misses, []);
});
