/**
 * bench/report-quality: the report model against the issue's quality goals, on held-out synthetic
 * recordings —
 *   clinical findings macro-F1 >= 0.8 and normal/abnormal accuracy >= 0.95; section-averaged
 *   ROUGE-1 >= 0.6; far above the baselines that do not look at the EEG.
 * Every test session is drafted with `draftReport` (its recordings and patient history) and scored
 * against its reference sections, as `celm eval` scores them, beside two EEG-blind baselines built from
 * the training corpus's reports (the most common training report; the report of the training patient
 * whose history reads most alike, as in bench/baselines.ts), the same findings written again in another
 * wording (the text scores a reader that gets every finding right can expect: the synthetic reports vary
 * their phrasing) and the reference itself (the ceiling).
 *
 *   npm run bench:report-quality -- [--model DIR] [--test DIR] [--train DIR] [--limit N] [--beams N] [--samples N]
 *       [--out FILE.jsonl] [--cache DIR] [--runtime ort|torch] [--no-consensus] [--no-bank] [--no-ground] [--no-html]
 *
 * Defaults: --model models/default; --test a corpus generated once under bench/out/ (200 sessions,
 * seed 1001, 20-40 min, mixed profiles: held out from the training seed 11; its first 60 are the
 * 60-session corpus of earlier measurements, since the generator is deterministic by index); --train /work/corpus/train
 * when present, else 100 sessions generated with seed 11 under bench/out/; --cache bench/out/report-cache
 * (preprocessing and segment vectors by file hash).
 *
 * Outputs (beside --out, default bench/out/report-quality/<tag>.predictions.jsonl): the predictions in
 * `celm eval`'s format (one {"id", "report_sections", ...} a line, rewritten atomically after every
 * report; a rerun skips the ids already there, so a killed run continues), `<stem>.references.jsonl`,
 * the baselines' `<stem>.most-common.jsonl` and `<stem>.nearest-history.jsonl`, the rewording's
 * `<stem>.reworded.jsonl`, `<stem>.summary.json`
 * and `<stem>.html` (by `celm eval --html`). Check with
 *   celm eval --predictions <stem>.predictions.jsonl --references <stem>.references.jsonl
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { table } from '../src/cli/commands/eval.js';
import type { CelmReport } from '../src/clinical/sections.js';
import { generateCorpus, rewordedReports } from '../src/datasets/synth/index.js';
import { CelmError } from '../src/errors.js';
import { HistoryIndex, mostCommonReport } from '../src/eval/baselines/index.js';
import { type ClinicalScores, scoreClinical } from '../src/eval/clinical/index.js';
import { type MetricKey, WordNet } from '../src/eval/metrics/index.js';
import { evaluateSections, parseReport, type Report, type SectionEvaluation } from '../src/eval/sections.js';
import { writeFileAtomic } from '../src/fs-atomic.js';
import { draftReport } from '../src/model/report.js';
import { benchDir } from './common.js';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const TEST_SEED = 1001;
/** 60 sessions left findings with 2-9 references each, where one report moved a kind's F1 by 0.1-0.3. */
const TEST_COUNT = 200;
const TRAIN_SEED = 11;
/**
 * The issue's goals. "Far above the baselines" has no number there; this bench reads it as: the model
 * closes at least FAR_SHARE of the gap between the best EEG-blind baseline and the same findings in
 * another wording (what a reader that gets every finding right scores). An absolute margin (0.2, used
 * before) cannot be met on ROUGE-1 even by that perfect reader (baseline ~0.51, reworded ~0.65).
 */
const GOALS = { macroF1: 0.8, normalAbnormal: 0.95, rouge1: 0.6 };
const FAR_SHARE = 0.5;
/** Wording seed of the "same findings, other wording" row (any seed other than the corpus's). */
const REWORDING_SEED = 424242;

interface Options {
  model: string;
  test?: string;
  train?: string;
  limit?: number;
  beams?: number;
  samples?: number;
  out?: string;
  cache: string;
  runtime?: 'ort' | 'torch';
  html: boolean;
  /** false: plain greedy wording (no consensus decoding). */
  consensus?: boolean;
  /** false: consensus without the training reports' sentences (phrases.json). */
  bank?: boolean;
  /** false: the decoder's own numbers (no grounding). */
  ground?: boolean;
}

interface Session {
  id: string;
  recordings: string[];
  history: string;
  reference: CelmReport;
}

interface PredictionLine extends CelmReport {
  id: string;
  model: string;
  beams: number | null;
  samples?: number | null;
  runtime: string;
  timings_s: Record<string, number>;
}

function usage(msg: string): never {
  process.stderr.write(
    `bench/report-quality: ${msg}\nusage: node dist/bench/report-quality.js [--model DIR] [--test DIR] [--train DIR] [--limit N] [--beams N] [--samples N] [--out FILE.jsonl] [--cache DIR] [--runtime ort|torch] [--no-consensus] [--no-bank] [--no-ground] [--no-html]\n`,
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    model: join(repo, 'models', 'default'),
    cache: join(benchDir, 'report-cache'),
    html: true,
  };
  const int = (v: string, flag: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) usage(`${flag} must be a positive integer, got "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--model') o.model = resolve(val());
    else if (a === '--test') o.test = resolve(val());
    else if (a === '--train') o.train = resolve(val());
    else if (a === '--limit') o.limit = int(val(), a);
    else if (a === '--beams') o.beams = int(val(), a);
    else if (a === '--samples') o.samples = int(val(), a);
    else if (a === '--out') o.out = resolve(val());
    else if (a === '--cache') o.cache = resolve(val());
    else if (a === '--runtime') {
      const r = val();
      if (r !== 'ort' && r !== 'torch') usage(`--runtime must be ort or torch, got "${r}"`);
      o.runtime = r;
    } else if (a === '--no-html') o.html = false;
    else if (a === '--no-consensus') o.consensus = false;
    else if (a === '--no-bank') o.bank = false;
    else if (a === '--no-ground') o.ground = false;
    else usage(`unknown argument "${a}"`);
  }
  return o;
}

/** A synthetic corpus made once (generateCorpus resumes and is deterministic by seed). */
function ensureCorpus(dir: string, count: number, seed: number): string {
  if (existsSync(join(dir, 'synth.json'))) {
    const meta = JSON.parse(readFileSync(join(dir, 'synth.json'), 'utf8')) as { status?: string };
    if (meta.status === 'complete') return dir;
  }
  process.stderr.write(`generating ${count} synthetic sessions (seed ${seed}) into ${dir} (once) ...\n`);
  const t0 = Date.now();
  let last = 0;
  generateCorpus({
    count,
    out: dir,
    seed,
    duration: [1200, 2400],
    multiRecording: true,
    onProgress: (p) => {
      if (Date.now() - last < 10000) return;
      last = Date.now();
      process.stderr.write(`  report ${p.report + 1}/${p.reports}\n`);
    },
  });
  process.stderr.write(`  done in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  return dir;
}

/** The sessions of a synthetic corpus (manifest.jsonl), with their reference sections and histories. */
function readCorpus(dir: string): Session[] {
  const manifest = join(dir, 'manifest.jsonl');
  if (!existsSync(manifest)) throw new CelmError('io', `${manifest}: no such file (not a synthetic corpus?)`);
  return readFileSync(manifest, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      const e = JSON.parse(line) as {
        patient_id: string;
        session_id: string;
        recordings: string[];
        sections: string;
      };
      if (!e.sections || !Array.isArray(e.recordings))
        throw new CelmError('data', `${manifest}:${i + 1}: expected "sections" and "recordings"`);
      const s = JSON.parse(readFileSync(join(dir, e.sections), 'utf8')) as {
        report_sections: CelmReport['report_sections'];
        patient_history?: string;
      };
      return {
        id: `${e.patient_id}_${e.session_id}`,
        recordings: e.recordings.map((r) => resolve(dir, r)),
        history: s.patient_history ?? '',
        reference: { report_sections: s.report_sections },
      };
    });
}

/** A report as plain text for the findings labeler, as `celm eval` builds it ("NAME: text" paragraphs). */
function reportText(r: CelmReport | undefined): string {
  return r ? r.report_sections.map((s) => `${s.section_name}: ${s.section_text}`).join('\n\n') : '';
}

const jsonl = (rows: object[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

/** Predictions already in --out (resume), refusing a file written by another model or decoding. */
function readPredictions(
  path: string,
  model: string,
  beams: number | null,
  samples: number | null,
): Map<string, PredictionLine> {
  const done = new Map<string, PredictionLine>();
  if (!existsSync(path)) return done;
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      const p = JSON.parse(line) as PredictionLine;
      if (p.model !== model || (p.beams ?? null) !== beams || (p.samples ?? null) !== samples)
        throw new CelmError(
          'usage',
          `${path}:${i + 1}: written by model ${p.model} with beams ${p.beams} and samples ${p.samples ?? null}, not ${model} with beams ${beams} and samples ${samples}: give another --out or delete it`,
        );
      done.set(p.id, p);
    });
  return done;
}

interface SystemScores {
  name: string;
  file: string | null;
  text: SectionEvaluation;
  clinical: ClinicalScores;
}

function score(
  name: string,
  file: string | null,
  sessions: Session[],
  predictions: Map<string, CelmReport>,
  wordnet: WordNet | null,
): SystemScores {
  const toReport = (id: string, r: CelmReport) =>
    parseReport({ id, report_sections: r.report_sections }, id, null);
  const refs: Report[] = sessions.map((s) => toReport(s.id, s.reference));
  const preds: Report[] = sessions
    .filter((s) => predictions.has(s.id))
    .map((s) => toReport(s.id, predictions.get(s.id) as CelmReport));
  return {
    name,
    file,
    text: evaluateSections(refs, preds, { wordnet }),
    clinical: scoreClinical(
      sessions.map((s) => ({
        reference: reportText(s.reference),
        prediction: reportText(predictions.get(s.id)),
      })),
    ),
  };
}

const f3 = (v: number | null | undefined) =>
  v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(3);

/** Normal/abnormal accuracy counting a report without a verdict as wrong (correct / reference verdicts). */
function strictNormalAbnormal(c: ClinicalScores): number | null {
  const n = c.normalAbnormal;
  return n.referenceStated > 0 ? n.correct / n.referenceStated : null;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(join(o.model, 'model.json')))
    usage(`no model at ${o.model} (model.json missing): pass --model DIR`);
  const testDir =
    o.test ??
    ensureCorpus(join(benchDir, `report-quality-test-s${TEST_SEED}-n${TEST_COUNT}`), TEST_COUNT, TEST_SEED);
  const trainDir =
    o.train ??
    (existsSync(join('/work/corpus/train', 'manifest.jsonl'))
      ? '/work/corpus/train'
      : ensureCorpus(join(benchDir, `report-quality-train-s${TRAIN_SEED}`), 100, TRAIN_SEED));
  if (resolve(testDir) === resolve(trainDir)) usage('--test and --train are the same corpus');
  const all = readCorpus(testDir);
  const sessions = o.limit ? all.slice(0, o.limit) : all;
  const train = readCorpus(trainDir);
  const beams = o.beams ?? null;
  const samples = o.samples ?? null;

  const tag = createHash('sha1')
    .update(
      JSON.stringify([
        o.model,
        testDir,
        beams,
        o.runtime ?? null,
        ...(samples ? [samples] : []),
        ...(o.consensus === false ? ['no-consensus'] : []),
        ...(o.bank === false ? ['no-bank'] : []),
        ...(o.ground === false ? ['no-ground'] : []),
      ]),
    )
    .digest('hex')
    .slice(0, 8);
  const out =
    o.out ??
    join(benchDir, 'report-quality', `${basename(o.model)}-${basename(testDir)}-${tag}.predictions.jsonl`);
  const stem = out.replace(/(\.predictions)?\.jsonl$/, '');

  // 1. the model's drafts, resumable
  const done = readPredictions(out, o.model, beams, samples);
  const todo = sessions.filter((s) => !done.has(s.id));
  process.stderr.write(
    `${sessions.length} test sessions: ${sessions.length - todo.length} already in ${out}, ${todo.length} to draft\n`,
  );
  const failures: string[] = [];
  const fresh: number[] = [];
  for (const [k, s] of todo.entries()) {
    const t0 = Date.now();
    try {
      const r = await draftReport({
        files: s.recordings,
        history: s.history,
        modelDir: o.model,
        cacheDir: o.cache,
        runtime: o.runtime,
        ground: o.ground,
        generate: {
          ...(beams ? { beams } : {}),
          ...(samples ? { samples } : {}),
          ...(o.consensus === false ? { consensus: false } : {}),
          ...(o.bank === false ? { consensusBank: false } : {}),
        },
      });
      done.set(s.id, {
        id: s.id,
        report_sections: r.report_sections,
        model: o.model,
        beams,
        ...(samples ? { samples } : {}),
        runtime: r.model.runtime,
        timings_s: r.timings_s,
      });
      writeFileAtomic(out, jsonl([...done.values()]));
      fresh.push((Date.now() - t0) / 1000);
      process.stderr.write(
        `[${k + 1}/${todo.length}] ${s.id}: ${s.recordings.length} recording(s), ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
      );
    } catch (err) {
      if (!(err instanceof CelmError)) throw err;
      failures.push(`${s.id}: ${err.message}`);
      process.stderr.write(
        `[${k + 1}/${todo.length}] ${s.id}: FAILED (${err.message}); scored as an empty report\n`,
      );
    }
  }

  // 2. the EEG-blind baselines, from the training reports
  const trainTexts = train.map((t) => reportText(t.reference));
  const common = train[trainTexts.indexOf(mostCommonReport(trainTexts))].reference;
  const index = new HistoryIndex(train.map((t, i) => ({ history: t.history, report: trainTexts[i] })));
  const nearest = new Map<string, CelmReport>(
    sessions.map((s) => {
      const hit = index.query(s.history);
      return [s.id, hit.index >= 0 ? train[hit.index].reference : common];
    }),
  );
  const mostCommon = new Map<string, CelmReport>(sessions.map((s) => [s.id, common]));
  const references = new Map<string, CelmReport>(sessions.map((s) => [s.id, s.reference]));
  const model = new Map<string, CelmReport>(
    sessions.filter((s) => done.has(s.id)).map((s) => [s.id, done.get(s.id) as CelmReport]),
  );
  const asLines = (m: Map<string, CelmReport>) =>
    sessions
      .filter((s) => m.has(s.id))
      .map((s) => ({ id: s.id, report_sections: m.get(s.id)?.report_sections }));
  writeFileAtomic(`${stem}.references.jsonl`, jsonl(asLines(references)));
  writeFileAtomic(`${stem}.most-common.jsonl`, jsonl(asLines(mostCommon)));
  writeFileAtomic(`${stem}.nearest-history.jsonl`, jsonl(asLines(nearest)));
  // the same findings in another wording: what a reader that gets every finding right can score
  const reworded = rewordedReports(testDir, REWORDING_SEED);
  writeFileAtomic(`${stem}.reworded.jsonl`, jsonl(asLines(reworded)));

  // 3. scores, as celm eval computes them
  const wordnet = WordNet.load(process.env);
  const systems: SystemScores[] = [
    score('model', out, sessions, model, wordnet),
    score('most common training report', `${stem}.most-common.jsonl`, sessions, mostCommon, wordnet),
    score('nearest neighbour by history', `${stem}.nearest-history.jsonl`, sessions, nearest, wordnet),
    score('same findings, other wording', `${stem}.reworded.jsonl`, sessions, reworded, wordnet),
    score('reference itself (ceiling)', null, sessions, references, wordnet),
  ];
  const [m, ...others] = systems;
  const baselines = others.slice(0, 2);

  const times = sessions
    .map((s) => done.get(s.id)?.timings_s.total_s)
    .filter((t): t is number => t !== undefined);
  console.log(
    `test corpus ${testDir}: ${sessions.length} of ${all.length} sessions${o.limit ? ` (--limit ${o.limit})` : ''}; baselines from ${train.length} training reports in ${trainDir}`,
  );
  console.log(
    `model ${o.model}: ${model.size} drafted${failures.length ? `, ${failures.length} failed (scored as empty)` : ''}; beams ${beams ?? 'default'}${samples ? `, ${samples} samples (MBR)` : ''}; mean ${f3(times.reduce((a, b) => a + b, 0) / Math.max(1, times.length))} s a report (draftReport total_s${fresh.length < times.length ? ', partly from an earlier run' : ''})`,
  );
  for (const f of failures) console.log(`  failed: ${f}`);
  if (!wordnet)
    console.log('note: no WordNet found: METEOR without synonym matching (apt-get install wordnet-base)');

  console.log(`\nclinical findings (${m.clinical.pairs} report pairs, findings labeler on whole reports)`);
  console.log(
    table(
      [
        'system',
        'macro-F1',
        'micro-F1',
        'normal/abnormal acc',
        'verdict coverage',
        'PDR MAE Hz',
        'pair score',
      ],
      systems.map((s) => [
        s.name,
        f3(s.clinical.macroF1),
        f3(s.clinical.micro.f1),
        f3(s.clinical.normalAbnormal.accuracy),
        f3(s.clinical.normalAbnormal.coverage),
        f3(s.clinical.pdr.meanAbsErrorHz),
        f3(s.clinical.meanPairScore),
      ]),
    ),
  );
  const kinds = m.clinical.perKind.filter((k) => k.support > 0);
  console.log(`\nF1 per finding kind (kinds some reference states; support = references stating it)`);
  console.log(
    table(
      ['kind', 'support', 'model', 'most common', 'nearest hist.', 'reworded', 'reference'],
      kinds.map((k) => [
        k.kind,
        String(k.support),
        ...systems.map((s) => f3(s.clinical.perKind.find((x) => x.kind === k.kind)?.f1 ?? null)),
      ]),
    ),
  );

  const metrics: [MetricKey, string][] = [
    ['rouge1', 'ROUGE-1'],
    ['rougeL', 'ROUGE-L'],
    ['bleu-4', 'BLEU-4'],
    ['meteor', 'METEOR'],
  ];
  console.log(
    '\nsection-averaged text scores (mean over sections of the mean over reports; a missing section scores 0)',
  );
  console.log(
    table(
      ['system', ...metrics.map(([, n]) => n)],
      systems.map((s) => [s.name, ...metrics.map(([k]) => f3(s.text.overall[k]))]),
    ),
  );
  console.log('\nROUGE-1 per section');
  console.log(
    table(
      ['section', 'model', 'most common', 'nearest hist.', 'reworded', 'reference'],
      m.text.sections.map((sec, i) => [sec.name, ...systems.map((s) => f3(s.text.sections[i]?.mean.rouge1))]),
    ),
  );

  // 4. goals
  const bestBaseline = (get: (s: SystemScores) => number | null) =>
    Math.max(...baselines.map((b) => get(b) ?? 0));
  const goal = (label: string, v: number | null, g: number) =>
    `  ${label.padEnd(46)} ${f3(v).padStart(6)}  (goal >= ${g}): ${v !== null && v >= g ? 'met' : 'NOT met'}`;
  const macro = m.clinical.macroF1;
  const na = strictNormalAbnormal(m.clinical);
  const r1 = m.text.overall.rouge1;
  console.log('\ngoals');
  console.log(goal('clinical findings macro-F1', macro, GOALS.macroF1));
  console.log(goal('normal/abnormal accuracy (no verdict = wrong)', na, GOALS.normalAbnormal));
  console.log(goal('section-averaged ROUGE-1', r1, GOALS.rouge1));
  const ceiling = systems[3];
  const far: [string, number | null, number, number][] = [
    ['macro-F1', macro, bestBaseline((s) => s.clinical.macroF1), ceiling.clinical.macroF1 ?? 1],
    [
      'normal/abnormal accuracy',
      na,
      bestBaseline((s) => strictNormalAbnormal(s.clinical)),
      strictNormalAbnormal(ceiling.clinical) ?? 1,
    ],
    ['ROUGE-1', r1, bestBaseline((s) => s.text.overall.rouge1), ceiling.text.overall.rouge1 ?? 1],
  ];
  const closed = (v: number | null, b: number, c: number) => (v === null ? 0 : c > b ? (v - b) / (c - b) : 1);
  const farMet = far.every(([, v, b, c]) => closed(v, b, c) >= FAR_SHARE);
  console.log(
    `  far above the EEG-blind baselines (closes >= ${FAR_SHARE * 100}% of the gap from the best baseline to "same findings, other wording" on each; this bench's reading of "far"): ${farMet ? 'met' : 'NOT met'}`,
  );
  for (const [n, v, b, c] of far)
    console.log(
      `    ${n.padEnd(26)} model ${f3(v)}, best baseline ${f3(b)}, reworded ${f3(c)}: ${(100 * closed(v, b, c)).toFixed(0)}% of the gap`,
    );

  writeFileAtomic(
    `${stem}.summary.json`,
    `${JSON.stringify(
      {
        model: o.model,
        test: testDir,
        train: trainDir,
        sessions: sessions.length,
        beams,
        failures,
        systems: systems.map((s) => ({
          name: s.name,
          predictions: s.file,
          text_overall: s.text.overall,
          sections: s.text.sections.map((x) => ({
            name: x.name,
            pairs: x.pairs,
            missing: x.missing,
            mean: x.mean,
          })),
          clinical: {
            macro_f1: s.clinical.macroF1,
            micro: s.clinical.micro,
            normal_abnormal: s.clinical.normalAbnormal,
            normal_abnormal_strict: strictNormalAbnormal(s.clinical),
            pdr: s.clinical.pdr,
            mean_pair_score: s.clinical.meanPairScore,
            per_kind: s.clinical.perKind.filter((k) => k.support > 0 || k.falsePositives > 0),
          },
        })),
        goals: { ...GOALS, far_share: FAR_SHARE },
      },
      null,
      2,
    )}\n`,
  );
  console.log(
    `\nfiles: ${out}\n       ${stem}.references.jsonl, ${stem}.{most-common,nearest-history,reworded}.jsonl, ${stem}.summary.json`,
  );
  if (o.html && model.size > 0) {
    const r = spawnSync(
      process.execPath,
      [
        join(repo, 'bin', 'celm.js'),
        'eval',
        '--predictions',
        out,
        '--references',
        `${stem}.references.jsonl`,
        '--html',
        `${stem}.html`,
      ],
      { encoding: 'utf8' },
    );
    console.log(
      r.status === 0
        ? `       ${stem}.html (celm eval --html)`
        : `celm eval --html failed: ${r.stderr.trim()}`,
    );
  }
  console.log(`check: celm eval --predictions ${out} --references ${stem}.references.jsonl`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  main().catch((err) => {
    process.stderr.write(`bench/report-quality: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!(err instanceof CelmError)) process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(err instanceof CelmError ? 2 : 1);
  });
