/** `celm eval` as a user runs it: --pairs with --per-pair --json, reports with --html, input errors. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { METRIC_KEYS } from '../../src/eval/metrics/index.js';
import { celm } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const PAIRS = [
  { reference: 'Normal EEG.', prediction: 'Normal EEG.' },
  { reference: 'Frequent left temporal sharp waves.', prediction: 'Occasional right temporal sharp waves.' },
  { reference: 'The background is normal.', prediction: '' },
];

test('eval --pairs --per-pair --json: every metric of every pair, and corpus scores', () => {
  const dir = tempDir();
  const file = join(dir, 'pairs.jsonl');
  writeFileSync(file, `${PAIRS.map((p) => JSON.stringify(p)).join('\n')}\n`);
  const r = celm(['eval', '--pairs', file, '--per-pair', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.count, 3);
  assert.equal(out.pairs.length, 3);
  assert.deepEqual(
    out.pairs.map((p: { line: number }) => p.line),
    [1, 2, 3],
  );
  for (const p of out.pairs) assert.deepEqual(Object.keys(p.scores), [...METRIC_KEYS]);
  assert.equal(out.pairs[0].scores.rouge1, 1);
  assert.equal(out.pairs[2].scores.meteor, 0);
  assert.ok(out.pairs[1].scores.rouge1 > 0 && out.pairs[1].scores.rouge1 < 1);
  assert.deepEqual(Object.keys(out.corpus), [...METRIC_KEYS]);
  const meanRouge =
    out.pairs.reduce((a: number, p: { scores: { rouge1: number } }) => a + p.scores.rouge1, 0) / 3;
  assert.ok(Math.abs(out.corpus.rouge1 - meanRouge) < 1e-12);
  assert.equal(out.settings.meteor_tokens, 'celm');
  // plain text: a row per pair and the corpus rows
  const text = celm(['eval', '--pairs', file, '--per-pair']);
  assert.equal(text.status, 0);
  assert.match(text.stdout, /^line\s+bleu-1/m);
  assert.match(text.stdout, /^corpus\s+\d\.\d{4}/m);
});

test('eval --pairs: a malformed line exits 2 with one line naming the file and line', () => {
  const dir = tempDir();
  const file = join(dir, 'bad.jsonl');
  writeFileSync(file, `${JSON.stringify(PAIRS[0])}\n\n{"reference": "x", "prediction": \n`);
  const r = celm(['eval', '--pairs', file, '--per-pair', '--json']);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].startsWith(`celm: ${file}:3: not valid JSON`), lines[0]);
  writeFileSync(file, `${JSON.stringify(PAIRS[0])}\n{"reference": "x", "prediction": 5}\n`);
  const r2 = celm(['eval', '--pairs', file]);
  assert.equal(r2.status, 2);
  assert.match(
    r2.stderr.trim(),
    new RegExp(`^celm: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: field "prediction"`),
  );
});

test('eval --predictions/--references: per-section table, JSON and a self-contained HTML page', () => {
  const dir = tempDir();
  const refs = join(dir, 'refs.jsonl');
  const preds = join(dir, 'preds.json');
  const rep = (id: string, s: Array<[string, string]>) => ({
    id,
    report_sections: s.map(([section_name, section_text]) => ({ section_name, section_text })),
  });
  writeFileSync(
    refs,
    [
      rep('1', [
        ['BACKGROUND ACTIVITY', 'Posterior dominant rhythm of 9 Hz.'],
        ['IMPRESSION', 'Normal EEG.'],
      ]),
      rep('2', [['IMPRESSION', 'Abnormal EEG with diffuse slowing.']]),
    ]
      .map((x) => JSON.stringify(x))
      .join('\n'),
  );
  writeFileSync(
    preds,
    JSON.stringify([rep('1', [['IMPRESSION', 'Normal EEG.']]), rep('2', [['IMPRESSION', 'Abnormal EEG.']])]),
  );
  const html = join(dir, 'report.html');
  const r = celm(['eval', '--predictions', preds, '--references', refs, '--json', '--html', html]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(
    out.sections.map((s: { name: string; pairs: number; missing: number }) => [s.name, s.pairs, s.missing]),
    [
      ['BACKGROUND ACTIVITY', 1, 1],
      ['IMPRESSION', 2, 0],
    ],
  );
  assert.equal(out.sections[0].scores.meteor, 0);
  assert.deepEqual(Object.keys(out.overall), [...METRIC_KEYS]);
  assert.ok(Math.abs(out.overall.rouge1 - (0 + out.sections[1].scores.rouge1) / 2) < 1e-12);
  assert.equal(typeof out.clinical.pairs, 'number');
  const page = readFileSync(html, 'utf8');
  assert.match(page, /^<!DOCTYPE html>/);
  assert.ok((page.match(/<svg /g) ?? []).length >= 2, 'charts');
  assert.doesNotMatch(page, /<script|<link|src=|url\(/i, 'no external resources');
  assert.match(page, /BACKGROUND ACTIVITY/);
  const text = celm(['eval', '--predictions', preds, '--references', refs]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^OVERALL \(mean of sections\)/m);
});

test('eval: usage errors exit 2', () => {
  assert.equal(celm(['eval']).status, 2);
  assert.equal(celm(['eval', '--pairs', '/nonexistent/pairs.jsonl']).status, 2);
  const dir = tempDir();
  const file = join(dir, 'p.jsonl');
  writeFileSync(file, `${JSON.stringify(PAIRS[0])}\n`);
  const wn = celm(['eval', '--pairs', file, '--wordnet', join(dir, 'no-wordnet')]);
  assert.equal(wn.status, 2);
  assert.match(wn.stderr, /^celm: .*no-wordnet: no WordNet database there/);
  assert.equal(wn.stderr.trim().split('\n').length, 1);
  const r = celm(['eval', '--pairs', 'x.jsonl', '--references', 'y']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
