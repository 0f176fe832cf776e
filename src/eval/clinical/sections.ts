/**
 * A small report section splitter for the findings labeler: it finds headers ("IMPRESSION:", "History -",
 * "1. Background:", "Meds:" in the middle of a line, a header alone on its line) and sorts each section into
 * a category, so the labeler can skip history, medication and clinical-correlation text. It also reads
 * CELM's JSON form. A fuller report structurer belongs to src/datasets/; this one only has to be right
 * about which text describes the recording.
 */
import type { CelmReport } from '../../clinical/sections.js';

export type SectionCategory =
  | 'preamble'
  | 'history'
  | 'medications'
  | 'technique'
  | 'description'
  | 'background'
  | 'sleep'
  | 'epileptiform'
  | 'events'
  | 'activation'
  | 'impression'
  | 'correlation'
  | 'other';

export interface ReportSection {
  /** Header as written (empty for text before the first header). */
  name: string;
  category: SectionCategory;
  text: string;
}

/** Categories whose text does not describe the recording (the labeler ignores them). */
export const IGNORED_CATEGORIES: ReadonlySet<SectionCategory> = new Set<SectionCategory>([
  'history',
  'medications',
  'correlation',
]);

/** Header names (lower case, spaces collapsed) → category. Checked whole, then by leading keywords. */
const HEADER_NAMES: Record<string, SectionCategory> = {
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
  'patient information': 'history',
  hpi: 'history',
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
  technique: 'technique',
  technical: 'technique',
  'technical summary': 'technique',
  'technical description': 'technique',
  'technical details': 'technique',
  'technical comments': 'technique',
  introduction: 'technique',
  recording: 'technique',
  'recording conditions': 'technique',
  'recording details': 'technique',
  'study type': 'technique',
  methods: 'technique',
  method: 'technique',
  montage: 'technique',
  montages: 'technique',
  details: 'technique',
  'eeg details': 'technique',
  description: 'description',
  'description of the record': 'description',
  'description of record': 'description',
  'description of the recording': 'description',
  'eeg description': 'description',
  'eeg description/details': 'description',
  findings: 'description',
  'eeg findings': 'description',
  eeg: 'description',
  awake: 'description',
  wakefulness: 'description',
  wake: 'description',
  report: 'description',
  'eeg report': 'description',
  background: 'background',
  'background activity': 'background',
  'waking background': 'background',
  'background rhythm': 'background',
  sleep: 'sleep',
  'sleep/drowsiness': 'sleep',
  'drowsiness and sleep': 'sleep',
  drowsiness: 'sleep',
  'state changes': 'sleep',
  'sleep architecture': 'sleep',
  state: 'sleep',
  'epileptiform abnormalities': 'epileptiform',
  'interictal epileptiform abnormalities': 'epileptiform',
  'interictal epileptiform discharges': 'epileptiform',
  'interictal findings': 'epileptiform',
  'interictal abnormalities': 'epileptiform',
  interictal: 'epileptiform',
  'epileptiform activity': 'epileptiform',
  'epileptiform discharges': 'epileptiform',
  abnormalities: 'epileptiform',
  'abnormal discharges': 'epileptiform',
  'interictal activity': 'epileptiform',
  'periodic patterns': 'epileptiform',
  'rhythmic and periodic patterns': 'epileptiform',
  'periodic and rhythmic patterns': 'epileptiform',
  'rhythmic/periodic patterns': 'epileptiform',
  'periodic/rhythmic patterns': 'epileptiform',
  'rhythmic or periodic patterns': 'epileptiform',
  rpps: 'epileptiform',
  events: 'events',
  'events/seizures': 'events',
  seizures: 'events',
  'seizures/events': 'events',
  'ictal findings': 'events',
  'clinical events': 'events',
  'pushbutton events': 'events',
  'push button events': 'events',
  activation: 'activation',
  'activation procedures': 'activation',
  'activating procedures': 'activation',
  hyperventilation: 'activation',
  'photic stimulation': 'activation',
  photic: 'activation',
  hv: 'activation',
  impression: 'impression',
  interpretation: 'impression',
  'impression/interpretation': 'impression',
  'eeg impression': 'impression',
  'clinical interpretation': 'impression',
  'eeg interpretation': 'impression',
  'overall impression': 'impression',
  conclusion: 'impression',
  conclusions: 'impression',
  summary: 'impression',
  'summary of findings': 'impression',
  'clinical correlation': 'correlation',
  correlation: 'correlation',
  'clinical correlate': 'correlation',
  'clinical significance': 'correlation',
  comment: 'correlation',
  comments: 'correlation',
  recommendation: 'correlation',
  recommendations: 'correlation',
  artifacts: 'technique',
  artifact: 'technique',
  'heart rate': 'other',
  hr: 'other',
  ekg: 'other',
  ecg: 'other',
  'monitoring period': 'other',
  duration: 'other',
};

/** Category of a header name, or null when it is not a header we know. */
export function headerCategory(name: string): SectionCategory | null {
  const key = name
    .toLowerCase()
    .replace(/_/g, ' ')
    .replace(/\s*\/\s*/g, '/')
    .replace(/\s+/g, ' ')
    .trim();
  return HEADER_NAMES[key] ?? null;
}

// "1. Background: ...", "IMPRESSION: ...", "PATIENT HISTORY - ...", "(2) Sleep: ...".
const HEADER_LINE =
  /^\s*(?:\(?\d{1,2}[.)]\s*|[-*•]\s*)?([A-Za-z][A-Za-z0-9 _/&'-]{0,47}?)\s*(:|\s[-–—]\s)\s*(.*)$/;
const INLINE_NAMES = Object.keys(HEADER_NAMES)
  .filter((n) => n.length > 2 && n !== 'eeg' && n !== 'report')
  .sort((a, b) => b.length - a.length)
  .map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/ /g, '\\s+'));
// A known header starting a sentence in the middle of a line: "... quetiapine. Technical: portable EEG".
const INLINE_HEADER = new RegExp(`(?<=[.!?]\\s+)(${INLINE_NAMES.join('|')})\\s*:\\s*`, 'gi');

function isAllCaps(s: string): boolean {
  return /[A-Z]/.test(s) && s === s.toUpperCase();
}

/**
 * Splits report text into sections. Text before the first header is the 'preamble'. A JSON string in
 * CELM's `{"report_sections": [...]}` form is read section by section.
 */
export function splitSections(text: string): ReportSection[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const celm = tryCelmJson(trimmed);
    if (celm) {
      return celm.report_sections.map((s) => ({
        name: s.section_name,
        category: headerCategory(s.section_name) ?? 'description',
        text: s.section_text,
      }));
    }
  }
  const sections: ReportSection[] = [];
  let current: ReportSection = { name: '', category: 'preamble', text: '' };
  const push = () => {
    if (current.text.trim() !== '' || current.name !== '') sections.push(current);
  };
  for (const rawLine of text.replace(/\r\n?/g, '\n').split('\n')) {
    for (const piece of splitInlineHeaders(rawLine)) {
      const line = piece;
      if (line.trim() === '') {
        current.text += '\n';
        continue;
      }
      const header = parseHeader(line);
      if (header) {
        push();
        current = { name: header.name, category: header.category, text: header.rest };
        continue;
      }
      // A line of capitals on its own (a title such as "SLEEP-DEPRIVED EEG" or a header without a colon),
      // or a known header name alone on its line ("Interictal findings").
      const bare = line.trim();
      const known = bare.length <= 60 && !/[.!?]$/.test(bare) ? headerCategory(bare) : null;
      if (known || (isAllCaps(bare) && bare.length <= 60 && !/[.!?]$/.test(bare))) {
        push();
        current = { name: bare, category: known ?? 'other', text: '' };
        continue;
      }
      current.text += (current.text === '' || current.text.endsWith('\n') ? '' : '\n') + line;
    }
  }
  push();
  return sections;
}

function splitInlineHeaders(line: string): string[] {
  const pieces: string[] = [];
  let last = 0;
  for (const m of line.matchAll(INLINE_HEADER)) {
    pieces.push(line.slice(last, m.index));
    last = m.index;
  }
  pieces.push(line.slice(last));
  return pieces;
}

function parseHeader(line: string): { name: string; category: SectionCategory; rest: string } | null {
  const m = HEADER_LINE.exec(line);
  if (!m) return null;
  const name = m[1].trim();
  const sep = m[2];
  const cat = headerCategory(name);
  if (cat) return { name, category: cat, rest: m[3] };
  // Unknown headers: only "NAME:" in capitals or a short "Title Case:" label, never " - ".
  if (sep !== ':') return null;
  const words = name.split(/\s+/);
  // The name stays in the text of an unknown section: "PDR: 9 Hz" still says what the 9 Hz is.
  if (isAllCaps(name) && words.length <= 6) return { name, category: 'other', rest: `${name}: ${m[3]}` };
  if (words.length <= 3 && words.every((w) => /^[A-Z]/.test(w))) {
    return { name, category: 'other', rest: `${name}: ${m[3]}` };
  }
  return null;
}

function tryCelmJson(text: string): CelmReport | null {
  try {
    const v = JSON.parse(text) as unknown;
    if (
      v &&
      typeof v === 'object' &&
      Array.isArray((v as CelmReport).report_sections) &&
      (v as CelmReport).report_sections.every(
        (s) => s && typeof s.section_name === 'string' && typeof s.section_text === 'string',
      )
    ) {
      return v as CelmReport;
    }
  } catch {
    // not JSON: plain text
  }
  return null;
}
