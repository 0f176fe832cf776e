/**
 * Section-wise text scores of generated reports against reference reports.
 *
 * Reports are CELM's JSON, `{"report_sections":[{"section_name":..., "section_text":...}]}`, with an
 * `id` that matches a prediction to its reference. `readReports` accepts three layouts:
 *  - a JSONL file: one report object with an `id` per line (blank lines ignored);
 *  - a JSON file: an array of report objects with an `id` each;
 *  - a directory: one report object per `*.json` file, its `id` field or else the file name without
 *    `.json`.
 *
 * Section names match case-insensitively after trimming, collapsing spaces and dropping a trailing
 * colon ("Impression:" = "IMPRESSION"). Two sections of one report with the same name are joined with a
 * newline. For each requested section (by default every section name found in the references, in order
 * of first appearance), every reference report that has it with non-blank text makes one pair; a
 * prediction that is missing, lacks the section or has only blank text for it scores 0 on every metric.
 * A section's score is the mean over its pairs (BLEU per pair, as a one-pair corpus; corpus BLEU over
 * the section's pairs is reported beside it). The overall score is the mean over sections.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CelmError } from '../errors.js';
import {
  CorpusScorer,
  METRIC_KEYS,
  type MetricKey,
  type Scores,
  scorePair,
  tokenize13a,
  type WordNet,
} from './metrics/index.js';

export interface Report {
  id: string;
  /** Sections by normalized name, in the report's order. */
  sections: Map<string, { name: string; text: string }>;
  /** Where it was read: "file:line" or the file path. */
  origin: string;
}

/** The key two section names match by. */
export function normalizeSectionName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').replace(/\s*:$/, '').toLowerCase();
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 60);
}

/** Validates one parsed report object; `where` names the file (and line) for error messages. */
export function parseReport(value: unknown, where: string, defaultId: string | null): Report {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CelmError('eval-input', `${where}: expected a report object, found ${describe(value)}`);
  }
  const obj = value as Record<string, unknown>;
  let id: string;
  if (typeof obj.id === 'string' && obj.id !== '') id = obj.id;
  else if (typeof obj.id === 'number' && Number.isFinite(obj.id)) id = String(obj.id);
  else if (obj.id === undefined && defaultId !== null) id = defaultId;
  else
    throw new CelmError(
      'eval-input',
      `${where}: field "id": expected a non-empty string or number, found ${describe(obj.id)}`,
    );
  const list = obj.report_sections;
  if (!Array.isArray(list)) {
    throw new CelmError(
      'eval-input',
      `${where}: field "report_sections": expected an array of {"section_name", "section_text"}, found ${describe(list)}`,
    );
  }
  const sections = new Map<string, { name: string; text: string }>();
  list.forEach((s, i) => {
    const field = `report_sections[${i}]`;
    if (s === null || typeof s !== 'object' || Array.isArray(s)) {
      throw new CelmError(
        'eval-input',
        `${where}: field "${field}": expected an object, found ${describe(s)}`,
      );
    }
    const { section_name: name, section_text: text } = s as Record<string, unknown>;
    if (typeof name !== 'string') {
      throw new CelmError(
        'eval-input',
        `${where}: field "${field}.section_name": expected a string, found ${describe(name)}`,
      );
    }
    if (typeof text !== 'string') {
      throw new CelmError(
        'eval-input',
        `${where}: field "${field}.section_text": expected a string, found ${describe(text)}`,
      );
    }
    const key = normalizeSectionName(name);
    const prev = sections.get(key);
    sections.set(
      key,
      prev ? { name: prev.name, text: `${prev.text}\n${text}` } : { name: name.trim(), text },
    );
  });
  return { id, sections, origin: where };
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CelmError('eval-input', `${where}: not valid JSON (${(err as Error).message})`);
  }
}

/** Reads the lines of a JSONL file as JSON values, with their 1-based line numbers. */
export function readJsonLines(path: string): Array<{ line: number; value: unknown }> {
  const text = readText(path);
  const out: Array<{ line: number; value: unknown }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (raw.trim() === '') continue;
    out.push({ line: i + 1, value: parseJson(raw, `${path}:${i + 1}`) });
  }
  return out;
}

function readText(path: string): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a UTF-8 byte order mark
  } catch (err) {
    throw new CelmError(
      'eval-input',
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

/** Reads reports from a JSONL file, a JSON array file or a directory of JSON files (see above). */
export function readReports(path: string): Report[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new CelmError(
      'eval-input',
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let reports: Report[];
  if (isDir) {
    const files = readdirSync(path)
      .filter((f) => f.endsWith('.json'))
      .sort();
    if (files.length === 0) throw new CelmError('eval-input', `${path}: directory has no .json report files`);
    reports = files.map((f) => {
      const file = join(path, f);
      return parseReport(parseJson(readText(file), file), file, basename(f, '.json'));
    });
  } else {
    const text = readText(path);
    const first = text.trimStart()[0];
    if (first === '[') {
      const value = parseJson(text, path);
      if (!Array.isArray(value)) throw new CelmError('eval-input', `${path}: expected an array of reports`);
      reports = value.map((v, i) => parseReport(v, `${path}: [${i}]`, null));
    } else {
      reports = readJsonLines(path).map(({ line, value }) => parseReport(value, `${path}:${line}`, null));
    }
    if (reports.length === 0) throw new CelmError('eval-input', `${path}: no reports`);
  }
  const seen = new Map<string, string>();
  for (const r of reports) {
    const other = seen.get(r.id);
    if (other)
      throw new CelmError('eval-input', `${r.origin}: duplicate report id "${r.id}" (also at ${other})`);
    seen.set(r.id, r.origin);
  }
  return reports;
}

export interface SectionResult {
  /** Section name as first written in the references. */
  name: string;
  /** Pairs scored (reference reports with this section). */
  pairs: number;
  /** Of those, pairs whose prediction lacked the section (scored 0). */
  missing: number;
  /** Mean over pairs of each metric: the section's score. */
  mean: Scores;
  /** BLEU over the section's pairs as one corpus (missing predictions count as empty); others = mean. */
  corpus: Scores;
}

export interface SectionEvaluation {
  sections: SectionResult[];
  /** Mean over sections of each section's score (sections with no pairs left out). */
  overall: Scores;
  references: number;
  predictions: number;
  /** Reference ids with no prediction (every section scored 0). */
  missingPredictions: string[];
  /** Prediction ids with no reference (ignored). */
  unmatchedPredictions: string[];
}

export interface SectionEvalOptions {
  wordnet: WordNet | null;
  /** Sections to score; by default every section name found in the references. */
  sections?: string[];
}

export function evaluateSections(
  references: Report[],
  predictions: Report[],
  options: SectionEvalOptions,
): SectionEvaluation {
  const predById = new Map(predictions.map((p) => [p.id, p]));
  const refIds = new Set(references.map((r) => r.id));
  const requested = new Map<string, string>();
  if (options.sections && options.sections.length > 0) {
    for (const s of options.sections) requested.set(normalizeSectionName(s), s.trim());
  } else {
    for (const r of references)
      for (const [key, s] of r.sections) if (!requested.has(key)) requested.set(key, s.name);
  }
  const sections: SectionResult[] = [];
  for (const [key, displayName] of requested) {
    const scorer = new CorpusScorer();
    let missing = 0;
    for (const ref of references) {
      const refSection = ref.sections.get(key);
      if (!refSection || refSection.text.trim() === '') continue;
      const predSection = predById.get(ref.id)?.sections.get(key);
      if (!predSection || predSection.text.trim() === '') {
        missing++;
        scorer.addMissing(tokenize13a(refSection.text).length);
        continue;
      }
      scorer.add(
        scorePair({ reference: refSection.text, prediction: predSection.text }, { wordnet: options.wordnet }),
      );
    }
    const result = scorer.result();
    sections.push({
      name: displayName,
      pairs: result.pairs,
      missing,
      mean: result.mean,
      corpus: result.corpus,
    });
  }
  const scored = sections.filter((s) => s.pairs > 0);
  const overall = Object.fromEntries(
    METRIC_KEYS.map((k: MetricKey) => {
      const values = scored.map((s) => s.mean[k]).filter((v): v is number => v !== null);
      return [k, values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null];
    }),
  ) as Scores;
  return {
    sections,
    overall,
    references: references.length,
    predictions: predictions.length,
    missingPredictions: references.filter((r) => !predById.has(r.id)).map((r) => r.id),
    unmatchedPredictions: predictions.filter((p) => !refIds.has(p.id)).map((p) => p.id),
  };
}
