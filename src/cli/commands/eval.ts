/**
 * `celm eval`: text metrics of generated reports against references.
 *
 *   celm eval --predictions P --references R [--sections LIST] [--json] [--html OUT]
 *   celm eval --pairs FILE.jsonl [--per-pair] [--json]
 *
 * Input layouts and the JSON output shape are documented in docs/evaluation.md.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CelmError } from '../../errors.js';
import { type ClinicalScores, scoreClinical } from '../../eval/clinical/index.js';
import {
  CorpusScorer,
  METRIC_KEYS,
  type PairInput,
  type Scores,
  scorePair,
  WordNet,
  type WordNetSource,
} from '../../eval/metrics/index.js';
import { renderHtmlReport } from '../../eval/report-html.js';
import {
  evaluateSections,
  type Report,
  readJsonLines,
  readReports,
  type SectionEvaluation,
} from '../../eval/sections.js';
import { version } from '../version.js';

interface EvalOptions {
  predictions?: string;
  references?: string;
  pairs?: string;
  perPair?: boolean;
  json?: boolean;
  html?: string;
  sections?: string;
  wordnet?: string;
}

/** Reads a pairs JSONL file: `{"reference": str, "prediction": str, "meteor_tokens"?: {...}}` a line. */
export function readPairs(path: string): Array<PairInput & { line: number }> {
  const out: Array<PairInput & { line: number }> = [];
  for (const { line, value } of readJsonLines(path)) {
    const where = `${path}:${line}`;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new CelmError('eval-input', `${where}: expected an object {"reference": ..., "prediction": ...}`);
    }
    const obj = value as Record<string, unknown>;
    for (const field of ['reference', 'prediction'] as const) {
      if (typeof obj[field] !== 'string') {
        throw new CelmError(
          'eval-input',
          `${where}: field "${field}": expected a string, found ${obj[field] === undefined ? 'nothing' : JSON.stringify(obj[field])?.slice(0, 40)}`,
        );
      }
    }
    const pair: PairInput & { line: number } = {
      line,
      reference: obj.reference as string,
      prediction: obj.prediction as string,
    };
    if (obj.meteor_tokens !== undefined) {
      const mt = obj.meteor_tokens as Record<string, unknown> | null;
      const ok = (v: unknown) => Array.isArray(v) && v.every((t) => typeof t === 'string');
      if (mt === null || typeof mt !== 'object' || !ok(mt.reference) || !ok(mt.prediction)) {
        throw new CelmError(
          'eval-input',
          `${where}: field "meteor_tokens": expected {"reference": [strings], "prediction": [strings]}`,
        );
      }
      pair.meteorTokens = { reference: mt.reference as string[], prediction: mt.prediction as string[] };
    }
    out.push(pair);
  }
  if (out.length === 0) throw new CelmError('eval-input', `${path}: no pairs`);
  return out;
}

function loadWordNet(dir: string | undefined): WordNet | null {
  const env = dir ? { ...process.env, CELM_WORDNET_DIR: dir } : process.env;
  const wn = WordNet.load(env);
  if (!wn) {
    process.stderr.write(
      'celm: warning: no WordNet found (install Debian wordnet-base, or set CELM_WORDNET_DIR); METEOR is computed without synonym matching\n',
    );
  }
  return wn;
}

function wordnetJson(source: WordNetSource | undefined): object | null {
  return source ? { dir: source.dir, origin: source.origin, version: source.version } : null;
}

/** A fixed-width table: first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

const f4 = (v: number | null) => (v === null ? '-' : v.toFixed(4));
const scoreCells = (s: Scores) => METRIC_KEYS.map((k) => f4(s[k]));

function runPairs(opts: EvalOptions): void {
  const path = opts.pairs as string;
  const pairs = readPairs(path);
  const wordnet = loadWordNet(opts.wordnet);
  const scorer = new CorpusScorer();
  const perPair: Array<{ line: number; scores: Scores }> = [];
  let given = 0;
  for (const p of pairs) {
    const scored = scorePair(p, { wordnet });
    scorer.add(scored);
    if (p.meteorTokens) given++;
    if (opts.perPair) perPair.push({ line: p.line, scores: scored.scores });
  }
  const result = scorer.result();
  const meteorTokens = given === 0 ? 'celm' : given === pairs.length ? 'given' : 'mixed';
  if (opts.json) {
    const out: Record<string, unknown> = {};
    if (opts.perPair) out.pairs = perPair;
    out.count = result.pairs;
    out.corpus = result.corpus;
    out.mean = result.mean;
    out.settings = { wordnet: wordnetJson(wordnet?.source), meteor_tokens: meteorTokens, celm: version() };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const lines: string[] = [];
  if (opts.perPair) {
    lines.push(
      table(
        ['line', ...METRIC_KEYS],
        perPair.map((p) => [String(p.line), ...scoreCells(p.scores)]),
      ),
    );
    lines.push('');
  }
  lines.push(`${result.pairs} pairs`);
  lines.push(
    table(
      ['', ...METRIC_KEYS],
      [
        ['corpus', ...scoreCells(result.corpus)],
        ['mean', ...scoreCells(result.mean)],
      ],
    ),
  );
  lines.push('corpus: BLEU over all pairs as one corpus; other metrics the mean over pairs.');
  lines.push(
    `METEOR tokens: ${meteorTokens === 'celm' ? "celm's tokenizer" : meteorTokens === 'given' ? 'meteor_tokens of each line' : 'meteor_tokens where given, else celm tokenizer'}; WordNet: ${wordnet ? `${wordnet.source.version ?? '?'} (${wordnet.source.dir})` : 'none'}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

function evaluationJson(ev: SectionEvaluation): Record<string, unknown> {
  return {
    sections: ev.sections.map((s) => ({
      name: s.name,
      pairs: s.pairs,
      missing: s.missing,
      scores: s.mean,
      corpus: s.corpus,
    })),
    overall: ev.overall,
    references: ev.references,
    predictions: ev.predictions,
    missing_predictions: ev.missingPredictions,
    unmatched_predictions: ev.unmatchedPredictions,
  };
}

/** A report as plain text for the findings labeler: "NAME: text" paragraphs in the report's order. */
function reportText(report: Report | undefined): string {
  if (!report) return '';
  return [...report.sections.values()].map((s) => `${s.name}: ${s.text}`).join('\n\n');
}

/** Clinical findings scores of whole reports (a missing prediction is an empty report). */
function clinicalScores(references: Report[], predictions: Report[]): ClinicalScores {
  const byId = new Map(predictions.map((p) => [p.id, p]));
  return scoreClinical(
    references.map((r) => ({ reference: reportText(r), prediction: reportText(byId.get(r.id)) })),
  );
}

/** The clinical summary printed and written as JSON (per-pair error lists left out). */
function clinicalJson(c: ClinicalScores): Record<string, unknown> {
  return {
    pairs: c.pairs,
    micro: c.micro,
    macro_f1: c.macroF1,
    macro_kinds: c.macroKinds,
    normal_abnormal: c.normalAbnormal,
    pdr: c.pdr,
    side: c.side,
    region: c.region,
    error_totals: c.errorTotals,
    mean_pair_score: c.meanPairScore,
    per_kind: c.perKind.filter((k) => k.truePositives + k.falsePositives + k.falseNegatives > 0),
  };
}

function clinicalLines(c: ClinicalScores): string[] {
  const f = (v: number | null) => (v === null ? '-' : v.toFixed(4));
  return [
    `clinical findings (${c.pairs} report pairs): micro P ${f(c.micro.precision)} R ${f(c.micro.recall)} F1 ${f(c.micro.f1)}; macro F1 ${f(c.macroF1)} over ${c.macroKinds.length} kinds`,
    `  normal/abnormal accuracy ${f(c.normalAbnormal.accuracy)} (coverage ${f(c.normalAbnormal.coverage)}); PDR MAE ${c.pdr.meanAbsErrorHz === null ? '-' : `${c.pdr.meanAbsErrorHz.toFixed(2)} Hz`}; side agreement ${f(c.side.accuracy)}; mean pair score ${f(c.meanPairScore)}`,
    `  errors: ${c.errorTotals.significant} significant, ${c.errorTotals.insignificant} insignificant (false ${c.errorTotals.falseFinding}, missed ${c.errorTotals.missedFinding}, wrong side ${c.errorTotals.wrongSide}, wrong PDR ${c.errorTotals.wrongPdr}, wrong impression ${c.errorTotals.wrongImpression})`,
  ];
}

function runReports(opts: EvalOptions): void {
  const references = readReports(opts.references as string);
  const predictions = readReports(opts.predictions as string);
  const wordnet = loadWordNet(opts.wordnet);
  const sections = opts.sections
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const ev = evaluateSections(references, predictions, { wordnet, sections });
  const clinical = clinicalScores(references, predictions);
  const f = (v: number | null) => (v === null ? '-' : v.toFixed(4));
  const settings = { wordnet: wordnetJson(wordnet?.source), meteor_tokens: 'celm', celm: version() };
  if (opts.html) {
    const html = renderHtmlReport({
      title: 'celm eval — text metrics',
      evaluation: ev,
      notes: [
        `references: ${opts.references} (${ev.references} reports)`,
        `predictions: ${opts.predictions} (${ev.predictions} reports)`,
        `WordNet: ${wordnet ? `${wordnet.source.version ?? '?'} (${wordnet.source.dir})` : 'none (METEOR without synonyms)'}`,
        `celm ${version()}`,
      ],
      extra: {
        title: `Clinical findings (${clinical.pairs} report pairs, whole reports)`,
        header: ['finding', 'support', 'TP', 'FP', 'FN', 'precision', 'recall', 'F1'],
        rows: [
          [
            'micro',
            '',
            '',
            '',
            '',
            f(clinical.micro.precision),
            f(clinical.micro.recall),
            f(clinical.micro.f1),
          ],
          ['macro F1', '', '', '', '', '', '', f(clinical.macroF1)],
          ...clinical.perKind
            .filter((k) => k.truePositives + k.falsePositives + k.falseNegatives > 0)
            .map((k) => [
              k.kind,
              String(k.support),
              String(k.truePositives),
              String(k.falsePositives),
              String(k.falseNegatives),
              f(k.precision),
              f(k.recall),
              f(k.f1),
            ]),
        ],
      },
    });
    try {
      writeFileSync(opts.html, html);
    } catch (err) {
      throw new CelmError(
        'eval-output',
        `${opts.html}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
  }
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ ...evaluationJson(ev), clinical: clinicalJson(clinical), settings }, null, 2)}\n`,
    );
    return;
  }
  const rows = ev.sections.map((s) => [s.name, String(s.pairs), String(s.missing), ...scoreCells(s.mean)]);
  rows.push(['OVERALL (mean of sections)', '', '', ...scoreCells(ev.overall)]);
  const lines = [
    `${ev.references} reference reports, ${ev.predictions} predictions`,
    table(['section', 'pairs', 'missing', ...METRIC_KEYS], rows),
    'section score = mean over its pairs (a missing section scores 0); overall = mean over sections',
  ];
  if (ev.missingPredictions.length > 0)
    lines.push(
      `no prediction for ${ev.missingPredictions.length} reference(s): ${ev.missingPredictions.slice(0, 10).join(', ')}${ev.missingPredictions.length > 10 ? ', ...' : ''}`,
    );
  if (ev.unmatchedPredictions.length > 0)
    lines.push(
      `ignored ${ev.unmatchedPredictions.length} prediction(s) without reference: ${ev.unmatchedPredictions.slice(0, 10).join(', ')}${ev.unmatchedPredictions.length > 10 ? ', ...' : ''}`,
    );
  lines.push('', ...clinicalLines(clinical));
  if (opts.html) lines.push(`HTML report: ${opts.html}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('Score generated reports against references: BLEU, ROUGE, METEOR, per section')
    .option('--predictions <path>', 'generated reports: JSONL, JSON array or directory of JSON files')
    .option('--references <path>', 'reference reports, same layouts, matched by id')
    .option('--sections <list>', 'comma-separated section names to score (default: all in the references)')
    .option('--html <file>', 'also write a self-contained HTML page with charts')
    .option('--pairs <file>', 'JSONL of {"reference": ..., "prediction": ...} pairs to score instead')
    .option('--per-pair', 'with --pairs: print every metric of every pair')
    .option(
      '--wordnet <dir>',
      'WordNet database directory for METEOR (default: $CELM_WORDNET_DIR, /usr/share/wordnet)',
    )
    .option('--json', 'print JSON (shape in docs/evaluation.md)')
    .action((opts: EvalOptions) => {
      if (opts.pairs) {
        if (opts.predictions || opts.references || opts.html || opts.sections) {
          throw new CelmError(
            'usage',
            'eval: --pairs cannot be combined with --predictions, --references, --sections or --html',
          );
        }
        runPairs(opts);
        return;
      }
      if (!opts.predictions || !opts.references) {
        throw new CelmError('usage', 'eval: give --predictions and --references, or --pairs');
      }
      if (opts.perPair) throw new CelmError('usage', 'eval: --per-pair goes with --pairs');
      runReports(opts);
    });
}
