/**
 * Baseline: write the same report for every recording — the most common report of the training set
 * (CELM's simplest comparison). Reports are compared after collapsing whitespace and case. When every
 * report is unique (free-text reports usually are), the most common clinical content decides instead:
 * the reports are grouped by what the findings labeler reads in them (verdict + findings stated present),
 * the largest group wins, and within it the report closest to the group's median length is returned.
 */
import { CelmError } from '../../errors.js';
import { labelReport } from '../clinical/labeler.js';

export function mostCommonReport(trainReports: readonly string[]): string {
  if (!Array.isArray(trainReports) || trainReports.length === 0) {
    throw new CelmError('no-train-reports', 'mostCommonReport needs at least one training report');
  }
  trainReports.forEach((r, i) => {
    if (typeof r !== 'string')
      throw new CelmError('bad-train-reports', `training report ${i} is not a string`);
  });
  const byText = new Map<string, { count: number; first: number }>();
  trainReports.forEach((r, i) => {
    const key = r.replace(/\s+/g, ' ').trim().toLowerCase();
    const e = byText.get(key);
    if (e) e.count++;
    else byText.set(key, { count: 1, first: i });
  });
  let best = { count: 0, first: 0 };
  for (const e of byText.values()) if (e.count > best.count) best = e;
  if (best.count > 1) return trainReports[best.first];

  const groups = new Map<string, number[]>();
  trainReports.forEach((r, i) => {
    const l = labelReport(r);
    const kinds = [...new Set(l.findings.filter((f) => f.polarity === 'present').map((f) => f.kind))].sort();
    const key = `${l.abnormal}|${kinds.join(',')}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  let group: number[] = [];
  for (const g of groups.values()) if (g.length > group.length) group = g;
  const lengths = group.map((i) => trainReports[i].length).sort((a, b) => a - b);
  const median = lengths[Math.floor((lengths.length - 1) / 2)];
  let pick = group[0];
  for (const i of group) {
    if (Math.abs(trainReports[i].length - median) < Math.abs(trainReports[pick].length - median)) pick = i;
  }
  return trainReports[pick];
}
