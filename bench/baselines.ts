/**
 * bench/baselines: the baselines that do not look at the EEG (most common training report, nearest
 * neighbour by patient history), scored clinically on held-out synthetic reports. These are the
 * numbers the report model must beat "far above" (issue #6). Reports only matter here, so recordings
 * are 1 minute long.
 *
 *   npm run bench:baselines [-- --train 300 --test 100]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus, type ManifestEntry } from '../src/datasets/synth/index.js';
import { HistoryIndex, mostCommonReport } from '../src/eval/baselines/index.js';
import { type ClinicalScores, scoreClinical } from '../src/eval/clinical/index.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

function corpus(dir: string, count: number, seed: number): { history: string; report: string }[] {
  const entries: ManifestEntry[] = generateCorpus({
    count,
    out: dir,
    seed,
    duration: [60, 60],
    multiRecording: false,
  });
  return entries.map((e) => ({
    history: (JSON.parse(readFileSync(join(dir, e.sections), 'utf8')) as { patient_history: string })
      .patient_history,
    report: readFileSync(join(dir, e.report), 'utf8'),
  }));
}

function row(name: string, s: ClinicalScores): string {
  const f = (x: number | null) => (x === null ? '  -  ' : x.toFixed(3));
  return `${name.padEnd(28)} micro-F1 ${f(s.micro.f1)}  macro-F1 ${f(s.macroF1)}  normal/abnormal acc ${f(s.normalAbnormal.accuracy)}  PDR MAE ${f(s.pdr.meanAbsErrorHz)} Hz`;
}

const root = mkdtempSync(join(tmpdir(), 'celm-baselines-'));
try {
  const train = corpus(join(root, 'train'), arg('train', 300), 5);
  const test = corpus(join(root, 'test'), arg('test', 100), 6);
  const common = mostCommonReport(train.map((t) => t.report));
  const index = new HistoryIndex(train);
  console.log(`synthetic reports: ${train.length} train, ${test.length} test (seeds 5 / 6)`);
  console.log(
    row('most common report', scoreClinical(test.map((t) => ({ prediction: common, reference: t.report })))),
  );
  console.log(
    row(
      'nearest neighbour by history',
      scoreClinical(test.map((t) => ({ prediction: index.query(t.history).report, reference: t.report }))),
    ),
  );
  console.log(
    row(
      'reference itself (ceiling)',
      scoreClinical(test.map((t) => ({ prediction: t.report, reference: t.report }))),
    ),
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
