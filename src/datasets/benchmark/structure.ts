/**
 * Report structuring for the benchmark builder: splits a clinical EEG report into sections, maps each
 * header onto CELM's section vocabulary (arXiv 2601.22197, configs/section_mapping.py: details /
 * description -> EEG DESCRIPTION/DETAILS, impression / interpretation -> IMPRESSION/INTERPRETATION,
 * background -> BACKGROUND ACTIVITY, seizures and events/seizures -> EVENTS/SEIZURES, epileptiform and
 * interictal epileptiform abnormalities -> EPILEPTIFORM ABNORMALITIES, sleep -> SLEEP) plus the sections
 * CELM keeps out of its targets (history, medications, technical notes, activation procedures, clinical
 * correlation), and validates every extraction against the original text as CELM does: a section's text
 * must be found in the report (normalised match) or share a high fraction of its words with it.
 *
 * Handles headers in capitals with or without colons, headers alone on a line, headers in the middle of
 * a line ("... quetiapine. Technical: portable EEG"), numbered sub-headers ("2. Periodic patterns:"),
 * numbered and dashed lists (kept on their own lines), hard line wraps (joined) and missing sections.
 * The full mapping table and the rules are in docs/benchmark-builder.md.
 */
import { CELM_SECTIONS, type CelmReportSection, type CelmSectionName } from '../../clinical/sections.js';

export type Category =
  | 'preamble'
  | 'history'
  | 'medications'
  | 'details'
  | 'narrative'
  | 'background'
  | 'sleep'
  | 'epileptiform'
  | 'events'
  | 'activation'
  | 'technical'
  | 'impression'
  | 'correlation'
  | 'other';

/** Standard names of the sections CELM does not generate but the catalog keeps. */
export const OTHER_SECTIONS = [
  'CLINICAL HISTORY',
  'MEDICATIONS',
  'TECHNICAL NOTES',
  'ACTIVATION PROCEDURES',
  'CLINICAL CORRELATION',
] as const;
export type OtherSectionName = (typeof OTHER_SECTIONS)[number];
export type StandardName = CelmSectionName | OtherSectionName | 'OTHER' | 'PREAMBLE';

/** Category -> standard section name ('narrative' is resolved per report, see resolveNarrative). */
const CATEGORY_NAME: Record<Exclude<Category, 'narrative'>, StandardName> = {
  preamble: 'PREAMBLE',
  history: 'CLINICAL HISTORY',
  medications: 'MEDICATIONS',
  details: 'EEG DESCRIPTION/DETAILS',
  background: 'BACKGROUND ACTIVITY',
  sleep: 'SLEEP',
  epileptiform: 'EPILEPTIFORM ABNORMALITIES',
  events: 'EVENTS/SEIZURES',
  activation: 'ACTIVATION PROCEDURES',
  technical: 'TECHNICAL NOTES',
  impression: 'IMPRESSION/INTERPRETATION',
  correlation: 'CLINICAL CORRELATION',
  other: 'OTHER',
};

/**
 * Header names (lower case, single spaces, "a / b" written "a/b") -> category. CELM's own keys come
 * first in each group; the rest are spellings found in hospital reports (ACNS Guideline 7, SCORE, TUH).
 */
export const HEADER_MAP: Readonly<Record<string, Category>> = {
  // EEG DESCRIPTION/DETAILS (CELM: details, detail, description)
  details: 'details',
  detail: 'details',
  'eeg details': 'details',
  'eeg description/details': 'details',
  'description/details': 'details',
  introduction: 'details',
  technique: 'details',
  technical: 'details',
  'technical details': 'details',
  'technical summary': 'details',
  'technical description': 'details',
  recording: 'details',
  'recording details': 'details',
  'study details': 'details',
  'study type': 'details',
  methods: 'details',
  method: 'details',
  // Narrative descriptions: EEG DESCRIPTION/DETAILS, or BACKGROUND ACTIVITY next to a details header.
  description: 'narrative',
  'eeg description': 'narrative',
  'description of the record': 'narrative',
  'description of record': 'narrative',
  'description of the recording': 'narrative',
  'description of the study': 'narrative',
  findings: 'narrative',
  'eeg findings': 'narrative',
  eeg: 'narrative',
  // BACKGROUND ACTIVITY
  background: 'background',
  'background activity': 'background',
  'waking background': 'background',
  'background rhythm': 'background',
  'background rhythms': 'background',
  awake: 'background',
  wakefulness: 'background',
  wake: 'background',
  'awake state': 'background',
  // SLEEP
  sleep: 'sleep',
  'sleep/drowsiness': 'sleep',
  'drowsiness/sleep': 'sleep',
  'drowsiness and sleep': 'sleep',
  'sleep and drowsiness': 'sleep',
  drowsiness: 'sleep',
  'state changes': 'sleep',
  'sleep architecture': 'sleep',
  // EPILEPTIFORM ABNORMALITIES (CELM: epileptiform abnormalities, interictal epileptiform abnormalities)
  'epileptiform abnormalities': 'epileptiform',
  'interictal epileptiform abnormalities': 'epileptiform',
  'interictal epileptiform discharges': 'epileptiform',
  'interictal epileptiform activity': 'epileptiform',
  'interictal findings': 'epileptiform',
  'interictal abnormalities': 'epileptiform',
  'interictal activity': 'epileptiform',
  interictal: 'epileptiform',
  'epileptiform activity': 'epileptiform',
  'epileptiform discharges': 'epileptiform',
  'epileptiform findings': 'epileptiform',
  'abnormal discharges': 'epileptiform',
  abnormalities: 'epileptiform',
  'periodic patterns': 'epileptiform',
  'rhythmic and periodic patterns': 'epileptiform',
  'periodic and rhythmic patterns': 'epileptiform',
  'rhythmic/periodic patterns': 'epileptiform',
  'periodic/rhythmic patterns': 'epileptiform',
  rpps: 'epileptiform',
  // EVENTS/SEIZURES (CELM: seizures, events/seizures)
  seizures: 'events',
  'events/seizures': 'events',
  'seizures/events': 'events',
  'events and seizures': 'events',
  'seizures and events': 'events',
  events: 'events',
  seizure: 'events',
  'ictal findings': 'events',
  'clinical events': 'events',
  'pushbutton events': 'events',
  'push button events': 'events',
  'push-button events': 'events',
  // IMPRESSION/INTERPRETATION (CELM: impression, interpretation)
  impression: 'impression',
  interpretation: 'impression',
  'impression/interpretation': 'impression',
  impressions: 'impression',
  'eeg impression': 'impression',
  'eeg interpretation': 'impression',
  'clinical interpretation': 'impression',
  'overall impression': 'impression',
  conclusion: 'impression',
  conclusions: 'impression',
  summary: 'impression',
  'summary of findings': 'impression',
  // Clinical history (not a CELM target; CELM feeds it to the model as patient history)
  history: 'history',
  'clinical history': 'history',
  'patient history': 'history',
  'past medical history': 'history',
  'brief history': 'history',
  'relevant history': 'history',
  indication: 'history',
  indications: 'history',
  'indication for study': 'history',
  'reason for study': 'history',
  'reason for referral': 'history',
  'reason for eeg': 'history',
  'reason for request': 'history',
  referral: 'history',
  'clinical information': 'history',
  'clinical info': 'history',
  'clinical data': 'history',
  'clinical summary': 'history',
  'clinical question': 'history',
  hpi: 'history',
  // Medications
  medications: 'medications',
  medication: 'medications',
  meds: 'medications',
  'current medications': 'medications',
  'current medication': 'medications',
  'medications at time of study': 'medications',
  'antiseizure medications': 'medications',
  aeds: 'medications',
  asms: 'medications',
  sedation: 'medications',
  // Technical notes
  'technical notes': 'technical',
  'technical note': 'technical',
  'technical comments': 'technical',
  'technical problems': 'technical',
  'technical issues': 'technical',
  'technical quality': 'technical',
  'recording conditions': 'technical',
  artifacts: 'technical',
  artifact: 'technical',
  artefacts: 'technical',
  montage: 'technical',
  montages: 'technical',
  // Activation procedures
  activation: 'activation',
  'activation procedures': 'activation',
  'activating procedures': 'activation',
  'provocative procedures': 'activation',
  hyperventilation: 'activation',
  'photic stimulation': 'activation',
  photic: 'activation',
  hv: 'activation',
  // Clinical correlation
  'clinical correlation': 'correlation',
  correlation: 'correlation',
  'clinical correlate': 'correlation',
  'clinical significance': 'correlation',
  comment: 'correlation',
  comments: 'correlation',
  recommendation: 'correlation',
  recommendations: 'correlation',
  // Recognised but kept as OTHER
  'heart rate': 'other',
  hr: 'other',
  ekg: 'other',
  ecg: 'other',
  'monitoring period': 'other',
  duration: 'other',
  patient: 'other',
  date: 'other',
};

function headerKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/_/g, ' ')
    .replace(/\s*\/\s*/g, '/')
    .replace(/\s+/g, ' ')
    .replace(/[:.\s]+$/, '')
    .trim();
}

/** Category of a header name, or null when it is not a header we know. */
export function headerCategoryOf(name: string): Category | null {
  return HEADER_MAP[headerKey(name)] ?? null;
}

/** The standard (CELM or other) name of a header, or null when unknown. Narrative headers -> DETAILS. */
export function standardSectionName(name: string): StandardName | null {
  const key = headerKey(name);
  const upper = name.trim().toUpperCase();
  if ((CELM_SECTIONS as readonly string[]).includes(upper)) return upper as CelmSectionName;
  if ((OTHER_SECTIONS as readonly string[]).includes(upper)) return upper as OtherSectionName;
  const cat = HEADER_MAP[key];
  if (!cat) return null;
  return cat === 'narrative' ? 'EEG DESCRIPTION/DETAILS' : CATEGORY_NAME[cat];
}

/** One section as found in the report. */
export interface ExtractedSection {
  /** Header as written ('' for text before the first header). */
  header: string;
  category: Category;
  /** Standard name after the per-report rules. */
  name: StandardName;
  /** Section text: hard wraps joined, list items and paragraphs on their own lines. */
  text: string;
  /** 1-based line of the header (or of the first text line). */
  line: number;
  /** How the section was cut, when not simply at a header. */
  derived?: 'trailing-sleep-sentences';
}

export interface SectionCheck {
  section: string;
  ok: boolean;
  method: 'exact' | 'overlap' | 'none';
  /** Fraction of the section's words found in the report. */
  overlap: number;
}

export interface Validation {
  ok: boolean;
  checks: SectionCheck[];
  /** Reasons the report failed (empty when ok). */
  reasons: string[];
}

export type StructureStatus = 'ok' | 'failed';

export interface StructuredReport {
  status: StructureStatus;
  method: 'rules' | 'llm';
  /** Every section found, in report order. */
  sections: ExtractedSection[];
  /** CELM JSON targets, in CELM's order (only sections present). */
  report_sections: CelmReportSection[];
  /** History, medications, technical notes, activation, correlation (and OTHER sections). */
  other_sections: CelmReportSection[];
  /** History and medication text (CELM's patient-history input). */
  patient_history: string;
  validation: Validation;
  /** Non-fatal remarks (missing IMPRESSION, unknown headers...). */
  warnings: string[];
}

export interface StructureOptions {
  /** Word-overlap threshold of the validation (default 0.9). */
  minOverlap?: number;
  /** Append CLINICAL CORRELATION text to IMPRESSION/INTERPRETATION (CELM's description of it); default true. */
  correlationInImpression?: boolean;
  /** Split trailing sleep sentences off a background paragraph when there is no SLEEP header; default true. */
  splitTrailingSleep?: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Header detection

const LIST_MARKER = /^\s*(?:\(?\d{1,2}[.)]|\(?[a-z][.)]|[-*•–])\s+/;
// "1. Background: ...", "IMPRESSION: ...", "PATIENT HISTORY - ...", "(2) Sleep: ...".
const HEADER_LINE =
  /^\s*(?:\(?(?:\d{1,2}|[IVX]{1,4})[.)]\s*|[-*•]\s*)?([A-Za-z][A-Za-z0-9 _/&'-]{0,55}?)\s*(:|\s[-–—]\s)\s*(.*)$/;
const INLINE_NAMES = Object.keys(HEADER_MAP)
  .filter((n) => n.length > 3 && !['eeg', 'patient', 'date', 'duration', 'recording', 'wake'].includes(n))
  .sort((a, b) => b.length - a.length)
  .map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/ /g, '\\s+'));
const INLINE_HEADER = new RegExp(`(?<=[.!?]\\s+)(${INLINE_NAMES.join('|')})\\s*:\\s*`, 'gi');

function isAllCaps(s: string): boolean {
  return /[A-Z]/.test(s) && s === s.toUpperCase();
}

interface Header {
  header: string;
  category: Category;
  rest: string;
}

function parseHeaderLine(line: string): Header | null {
  const m = HEADER_LINE.exec(line);
  if (!m) return null;
  const name = m[1].trim();
  const sep = m[2];
  const cat = headerCategoryOf(name);
  if (cat) return { header: name, category: cat, rest: cat === 'other' ? `${name}: ${m[3]}` : m[3] };
  if (sep !== ':') return null;
  const words = name.split(/\s+/);
  // Unknown "NAME: value" labels start an OTHER section and keep their name in its text.
  if (!/^\s*\(?\d/.test(line) && isAllCaps(name) && words.length <= 6)
    return { header: name, category: 'other', rest: `${name}: ${m[3]}` };
  return null;
}

/**
 * A header alone on its line: a known name (with or without a colon), or an unknown line in capitals
 * that stands alone (after a blank line or at the top: a title), so wrapped lines of reports typed all
 * in capitals are not taken for headers.
 */
function bareHeader(line: string, standsAlone: boolean): Header | null {
  const bare = line
    .trim()
    .replace(/^(?:\(?(?:\d{1,2}|[IVX]{1,4})[.)]\s*)/, '')
    .replace(/:$/, '');
  if (bare.length === 0 || bare.length > 60 || /[.!?,;]$/.test(bare)) return null;
  const cat = headerCategoryOf(bare);
  if (cat) return { header: bare, category: cat, rest: '' };
  if (standsAlone && isAllCaps(bare) && /[A-Z]{2}/.test(bare) && !LIST_MARKER.test(line))
    return { header: bare, category: 'other', rest: '' };
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Text assembly: hard wraps joined, list items and paragraphs on their own lines.

function assemble(lines: string[]): string {
  const paras: string[] = [];
  let cur = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') {
      if (cur) paras.push(cur);
      cur = '';
      continue;
    }
    if (cur === '') cur = line;
    else if (LIST_MARKER.test(raw) || /[.!?:;]$/.test(cur)) cur += `\n${line}`;
    else cur += ` ${line}`;
  }
  if (cur) paras.push(cur);
  return paras.join('\n');
}

const SLEEP_WORDS =
  /\b(sleep|asleep|drows\w*|remained awake|awake throughout|spindles?|vertex|k-complex(es)?|stage\s+(n?[123]|ii|iii|2)|n[123]\b|rem\b|posts|arousals?)/i;

/** Splits trailing sentences about sleep off a text: [rest, sleep] (sleep '' when none). */
function trailingSleep(text: string): [string, string] {
  const sentences = text.split(/(?<=[.!?])\s+/);
  let k = sentences.length;
  while (k > 1 && SLEEP_WORDS.test(sentences[k - 1])) k--;
  if (k === sentences.length || k === 0) return [text, ''];
  return [sentences.slice(0, k).join(' ').trim(), sentences.slice(k).join(' ').trim()];
}

// ---------------------------------------------------------------------------------------------------
// Validation

/** Lower-case word tokens (letters, digits, µ) of a text. */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Checks that `section` comes from `report`: normalised containment, else word overlap. */
export function checkExtraction(section: string, report: string, minOverlap = 0.9): SectionCheck {
  const sw = words(section);
  const rw = words(report);
  if (sw.length === 0) return { section: '', ok: false, method: 'none', overlap: 0 };
  const hay = ` ${rw.join(' ')} `;
  if (hay.includes(` ${sw.join(' ')} `)) return { section: '', ok: true, method: 'exact', overlap: 1 };
  const counts = new Map<string, number>();
  for (const w of rw) counts.set(w, (counts.get(w) ?? 0) + 1);
  let found = 0;
  for (const w of sw) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      found++;
      counts.set(w, c - 1);
    }
  }
  const overlap = found / sw.length;
  return { section: '', ok: overlap >= minOverlap, method: 'overlap', overlap };
}

/** Validates the CELM and other sections of a structured report against the original text. */
export function validateSections(
  report: string,
  sections: CelmReportSection[],
  minOverlap = 0.9,
): Validation {
  const checks: SectionCheck[] = [];
  const reasons: string[] = [];
  if (report.trim() === '') reasons.push('empty report');
  for (const s of sections) {
    const c = { ...checkExtraction(s.section_text, report, minOverlap), section: s.section_name };
    checks.push(c);
    if (!c.ok)
      reasons.push(
        c.method === 'none'
          ? `${s.section_name}: empty section text`
          : `${s.section_name}: text not found in the report (word overlap ${c.overlap.toFixed(2)} < ${minOverlap})`,
      );
  }
  if (
    report.trim() !== '' &&
    !sections.some((s) => (CELM_SECTIONS as readonly string[]).includes(s.section_name))
  )
    reasons.push('no CELM section found');
  return { ok: reasons.length === 0, checks, reasons };
}

// ---------------------------------------------------------------------------------------------------
// The structurer

/** Splits report text into raw sections (headers as written, categories, text). */
export function splitReport(text: string): ExtractedSection[] {
  const out: { header: string; category: Category; line: number; lines: string[] }[] = [];
  let cur: { header: string; category: Category; line: number; lines: string[] } = {
    header: '',
    category: 'preamble',
    line: 1,
    lines: [],
  };
  const push = () => {
    if (cur.header !== '' || cur.lines.some((l) => l.trim() !== '')) out.push(cur);
  };
  const start = (h: Header, lineNo: number) => {
    push();
    cur = { header: h.header, category: h.category, line: lineNo, lines: h.rest.trim() ? [h.rest] : [] };
  };
  const rawLines = text.replace(/\r\n?/g, '\n').split('\n');
  rawLines.forEach((rawLine, i) => {
    const lineNo = i + 1;
    // Known headers in the middle of a line start a new section unless they repeat the current one.
    const pieces: string[] = [];
    let last = 0;
    let curCat = parseHeaderLine(rawLine)?.category ?? cur.category;
    for (const m of rawLine.matchAll(INLINE_HEADER)) {
      const cat = headerCategoryOf(m[1]);
      if (cat === curCat || cat === null) continue;
      pieces.push(rawLine.slice(last, m.index));
      last = m.index;
      curCat = cat;
    }
    pieces.push(rawLine.slice(last));
    pieces.forEach((piece, k) => {
      if (piece.trim() === '') {
        if (k === 0) cur.lines.push('');
        return;
      }
      const h =
        parseHeaderLine(piece) ?? bareHeader(piece, k === 0 && (i === 0 || rawLines[i - 1].trim() === ''));
      if (h) {
        start(h, lineNo);
        return;
      }
      if (cur.lines.length === 0 && cur.header === '' && out.length === 0) cur.line = lineNo;
      cur.lines.push(piece);
    });
  });
  push();
  return out.map((s) => ({
    header: s.header,
    category: s.category,
    name: s.category === 'narrative' ? 'EEG DESCRIPTION/DETAILS' : CATEGORY_NAME[s.category],
    text: assemble(s.lines),
    line: s.line,
  }));
}

/**
 * Narrative headers ("DESCRIPTION OF THE RECORD", "Description:", "FINDINGS:") are EEG
 * DESCRIPTION/DETAILS, except in reports that also have a details header (INTRODUCTION, TECHNIQUE,
 * DETAILS) and no background header: there (the TUH / ACNS Guideline 7 layout) the narrative is the
 * description of the background, so it becomes BACKGROUND ACTIVITY.
 */
function resolveNarrative(sections: ExtractedSection[]): void {
  const hasDetails = sections.some((s) => s.category === 'details' && s.text.trim() !== '');
  const hasBackground = sections.some((s) => s.category === 'background');
  for (const s of sections)
    if (s.category === 'narrative')
      s.name = hasDetails && !hasBackground ? 'BACKGROUND ACTIVITY' : 'EEG DESCRIPTION/DETAILS';
}

/** Structures a report with rules (no model). */
export function structureReport(text: string, options: StructureOptions = {}): StructuredReport {
  const warnings: string[] = [];
  if (text.trim() === '') {
    return {
      status: 'failed',
      method: 'rules',
      sections: [],
      report_sections: [],
      other_sections: [],
      patient_history: '',
      validation: { ok: false, checks: [], reasons: ['empty report'] },
      warnings,
    };
  }
  const sections = splitReport(text);
  resolveNarrative(sections);
  if ((options.splitTrailingSleep ?? true) && !sections.some((s) => s.name === 'SLEEP')) {
    const bgIndex = sections.findIndex((s) => s.name === 'BACKGROUND ACTIVITY' && s.category === 'narrative');
    if (bgIndex >= 0) {
      const bg = sections[bgIndex];
      const [rest, sleep] = trailingSleep(bg.text);
      if (sleep) {
        bg.text = rest;
        sections.splice(bgIndex + 1, 0, {
          header: bg.header,
          category: 'sleep',
          name: 'SLEEP',
          text: sleep,
          line: bg.line,
          derived: 'trailing-sleep-sentences',
        });
      }
    }
  }
  return assembleStructured(text, sections, 'rules', options, warnings);
}

/** Builds the CELM JSON and the validation from extracted sections (shared by rules and LLM). */
export function assembleStructured(
  text: string,
  sections: ExtractedSection[],
  method: 'rules' | 'llm',
  options: StructureOptions,
  warnings: string[],
): StructuredReport {
  const minOverlap = options.minOverlap ?? 0.9;
  const byName = new Map<string, string[]>();
  for (const s of sections) {
    if (s.text.trim() === '') continue;
    const list = byName.get(s.name) ?? [];
    list.push(s.text.trim());
    byName.set(s.name, list);
  }
  const report_sections: CelmReportSection[] = [];
  for (const name of CELM_SECTIONS) {
    const parts = [...(byName.get(name) ?? [])];
    if (name === 'IMPRESSION/INTERPRETATION' && (options.correlationInImpression ?? true) && parts.length)
      parts.push(...(byName.get('CLINICAL CORRELATION') ?? []));
    if (parts.length) report_sections.push({ section_name: name, section_text: parts.join('\n') });
  }
  const other_sections: CelmReportSection[] = [];
  for (const name of [...OTHER_SECTIONS, 'OTHER']) {
    const parts = byName.get(name);
    if (parts?.length) other_sections.push({ section_name: name, section_text: parts.join('\n') });
  }
  const unknown = sections.filter((s) => s.category === 'other' && s.header).map((s) => s.header);
  if (unknown.length) warnings.push(`headers kept as OTHER: ${unknown.join(', ')}`);
  for (const name of CELM_SECTIONS) if (!byName.has(name)) warnings.push(`missing section ${name}`);
  const validation = validateSections(text, [...report_sections, ...other_sections], minOverlap);
  const patient_history = [...(byName.get('CLINICAL HISTORY') ?? []), ...(byName.get('MEDICATIONS') ?? [])]
    .join('\n')
    .trim();
  return {
    status: validation.ok ? 'ok' : 'failed',
    method,
    sections,
    report_sections,
    other_sections,
    patient_history,
    validation,
    warnings,
  };
}
