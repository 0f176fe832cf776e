/**
 * Rule-based findings labeler: reads an EEG report (plain text or CELM JSON) and returns what it states
 * clinically — overall normal/abnormal, posterior dominant rhythm frequency and a list of findings with
 * polarity (present / absent / uncertain) and side/region where stated. The vocabulary lives in
 * src/clinical/findings.ts, shared with the synthetic generator.
 *
 * How it reads a report:
 * 1. Split into sections (./sections.ts); history, medication and clinical-correlation sections are skipped.
 * 2. Split each section into sentences and each sentence into clauses at ";".
 * 3. Mask benign variants (small sharp spikes, wicket spikes, 6 Hz phantom spike-and-wave ...) and phrases
 *    that contain finding words without being findings ("anti-seizure medication"); variants become
 *    'normal_variant' findings.
 * 4. Find mentions of every finding phrase; where two overlap the longer wins ("generalized spike-and-wave"
 *    over "spike"). Generic words (slowing, spikes, periodic discharges, rhythmic delta, artifact) get their
 *    kind from the words around them: generalized words, side and region words, electrodes.
 * 5. Give each mention a polarity from NegEx-style triggers in its clause: a pre-trigger ("no", "without",
 *    "possible") reaches up to 6 words forward, a post-trigger ("not seen", "cannot be excluded") up to 5
 *    words back; "but", "other than", "which" ... end a scope. "history of", "risk of", "rule out" before a
 *    mention drop it.
 * 6. Merge per kind: present beats uncertain beats absent; keep one finding per distinct side/region.
 * 7. The impression's "normal EEG" / "abnormal EEG" decides `abnormal`; without one, abnormal findings make
 *    it abnormal and a report that describes the record without any makes it normal.
 */
import {
  ABNORMAL_KINDS,
  ARTIFACT_SOURCE_TERMS,
  type Band,
  type ClinicalLabels,
  ELECTRODE_LOCATION,
  EPILEPTIFORM_TERMS,
  FINDING_KINDS,
  FINDING_TERMS,
  type Finding,
  type FindingKind,
  GENERALIZED_WORDS,
  NEGATION_POST_TRIGGERS,
  NEGATION_PRE_TRIGGERS,
  NORMAL_VARIANT_TERMS,
  NORMAL_VARIANTS,
  NOT_A_FINDING_PHRASES,
  NOT_A_FINDING_PRE_TRIGGERS,
  type NormalVariant,
  PDR_TERMS,
  PERIODIC_TERMS,
  type Polarity,
  type Prevalence,
  REGION_WORDS,
  type Region,
  RHYTHMIC_DELTA_TERMS,
  SCOPE_TERMINATORS,
  type Severity,
  SIDE_WORDS,
  type Side,
  SLOWING_TERMS,
  UNCERTAINTY_POST_TRIGGERS,
  UNCERTAINTY_PRE_TRIGGERS,
} from '../../clinical/findings.js';
import { CelmError } from '../../errors.js';
import { IGNORED_CATEGORIES, splitSections } from './sections.js';

// ---------------------------------------------------------------------------------------------------
// Phrase matching

interface Phrase<T> {
  re: RegExp;
  value: T;
  /** Lower-case text every match contains (its first word), to skip the regex cheaply. */
  key?: string;
}

/** A phrase as a regex: spaces and hyphens interchangeable, a plural allowed, case-sensitive for abbreviations. */
export function phraseRegex(term: string, flags = 'g'): RegExp {
  const tokens = term.split(/[\s-]+/).filter((t) => t !== '');
  // Plural abbreviations also in capitals ("LPDs" / "LPDS", "PLEDs" / "PLEDS").
  const esc = tokens.map((t) =>
    /^[A-Z]{2,}s$/.test(t) ? `${t.slice(0, -1)}[sS]` : t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'),
  );
  let src = esc.join('[\\s-]*');
  const last = tokens[tokens.length - 1] ?? '';
  if (/[A-Za-z]$/.test(last) && !/s$/i.test(last)) src += '(?:e?s)?';
  const caps = (term.match(/[A-Z]/g) ?? []).length;
  const ci = caps < 2 ? 'i' : '';
  // A phrase that starts with a number ("6 Hz spike-and-wave") must not be the end of a range ("4-6 Hz").
  const before = /^\d/.test(term) ? String.raw`(?<![A-Za-z0-9.\-–])(?<!\bto\s)` : '(?<![A-Za-z0-9])';
  return new RegExp(`${before}${src}(?![A-Za-z0-9])`, flags + ci);
}

function phrases<T>(terms: readonly string[], value: T): Phrase<T>[] {
  return terms.map((t) => ({ re: phraseRegex(t), value, key: phraseKey(t) }));
}

function phraseKey(term: string): string {
  return (term.split(/[\s-]+/)[0] ?? '').toLowerCase();
}

interface Span<T> {
  start: number;
  end: number;
  value: T;
}

/** All matches of the phrases; where matches overlap the longer one wins (earlier on ties). */
function findAll<T>(text: string, list: Phrase<T>[]): Span<T>[] {
  const all: Span<T>[] = [];
  const lower = text.toLowerCase();
  for (const p of list) {
    if (p.key !== undefined && !lower.includes(p.key)) continue;
    p.re.lastIndex = 0;
    for (const m of text.matchAll(p.re))
      all.push({ start: m.index, end: m.index + m[0].length, value: p.value });
  }
  all.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Span<T>[] = [];
  for (const s of all) if (!kept.some((k) => s.start < k.end && k.start < s.end)) kept.push(s);
  return kept.sort((a, b) => a.start - b.start);
}

// ---------------------------------------------------------------------------------------------------
// Vocabulary compiled once

type Family =
  | { kind: FindingKind }
  | {
      generic:
        | 'slowing'
        | 'epileptiform'
        | 'periodic'
        | 'rhythmic'
        | 'artifact'
        | 'attenuation'
        | 'pdr'
        | 'driving';
    };

const ARTIFACT_KINDS = Object.keys(ARTIFACT_SOURCE_TERMS) as (keyof typeof ARTIFACT_SOURCE_TERMS)[];

const MENTION_PHRASES: Phrase<Family>[] = [
  ...FINDING_KINDS.flatMap((kind) =>
    // Artifact phrases with the word "artifact" are read through the generic artifact rule below.
    FINDING_TERMS[kind]
      .filter((t) => !(kind.startsWith('artifact_') && /artifact/i.test(t)))
      .map((t) => ({ re: phraseRegex(t), value: { kind } as Family, key: phraseKey(t) })),
  ),
  ...phrases<Family>(SLOWING_TERMS, { generic: 'slowing' }),
  // Slowing said with a few words in between: "an excess of diffuse theta", "the background is disorganized
  // and slow", "bursts of bifrontal delta" (rhythmic delta is left to the RDA rules).
  {
    re: /\bexcess(?:ive)?\s+(?:amount\s+)?(?:of\s+)?(?:diffuse\s+|generali[sz]ed\s+|intermixed\s+|focal\s+)?(?:theta|delta)\b/gi,
    value: { generic: 'slowing' },
  },
  {
    re: /\b(?:background|record|activity)\s+(?:is|was|appears)\s+(?:\w+\s+){0,3}?slow(?:ed)?\b/gi,
    value: { generic: 'slowing' },
  },
  {
    re: /\b(?:bursts|runs|periods)\s+of\s+(?:(?!rhythmic)[a-z-]+\s+){0,2}?(?:delta|theta)(?:\s+(?:activity|waves))?\b/gi,
    value: { generic: 'slowing' },
  },
  ...phrases<Family>(EPILEPTIFORM_TERMS, { generic: 'epileptiform' }),
  ...phrases<Family>(PERIODIC_TERMS, { generic: 'periodic' }),
  ...phrases<Family>(RHYTHMIC_DELTA_TERMS, { generic: 'rhythmic' }),
  ...phrases<Family>(['artifact', 'artefact', 'artifactual'], { generic: 'artifact' }),
  ...phrases<Family>(
    [
      'attenuation',
      'attenuated',
      'suppression',
      'suppressed',
      'reduced amplitude',
      'lower amplitude',
      'breach rhythm',
    ],
    { generic: 'attenuation' },
  ),
  ...phrases<Family>(['asymmetric', 'asymmetrical', 'asymmetrically'], { kind: 'asymmetry' }),
  ...phrases<Family>(PDR_TERMS, { generic: 'pdr' }),
  ...phrases<Family>(['driving'], { generic: 'driving' }),
  // "a 9.5 Hz alpha" / "9 Hz alpha activity": alpha right after a frequency is the PDR.
  { re: /(?<=\d\s?-?\s?(?:Hz|hz)\s)alpha(?:\s+(?:activity|rhythm))?\b/g, value: { generic: 'pdr' } },
];

const VARIANT_PHRASES: Phrase<NormalVariant>[] = NORMAL_VARIANTS.flatMap((v) =>
  phrases(NORMAL_VARIANT_TERMS[v], v),
);
const NOT_A_FINDING: Phrase<true>[] = phrases(NOT_A_FINDING_PHRASES, true);

type Trigger = 'neg' | 'unc' | 'notfinding' | 'stop';
const PRE_TRIGGERS: Phrase<Trigger>[] = [
  ...phrases<Trigger>(NEGATION_PRE_TRIGGERS, 'neg'),
  ...phrases<Trigger>(UNCERTAINTY_PRE_TRIGGERS, 'unc'),
  ...phrases<Trigger>(NOT_A_FINDING_PRE_TRIGGERS, 'notfinding'),
  ...phrases<Trigger>(SCOPE_TERMINATORS, 'stop'),
];
const POST_TRIGGERS: Phrase<Trigger>[] = [
  ...phrases<Trigger>(NEGATION_POST_TRIGGERS, 'neg'),
  ...phrases<Trigger>(UNCERTAINTY_POST_TRIGGERS, 'unc'),
  // "sharp waves, which are of uncertain significance": a relative clause still speaks of the mention.
  ...phrases<Trigger>(
    SCOPE_TERMINATORS.filter((t) => t !== 'which'),
    'stop',
  ),
];

const SIDE_PHRASES: Phrase<Side>[] = (Object.keys(SIDE_WORDS) as Side[]).flatMap((s) =>
  phrases(SIDE_WORDS[s], s),
);
const REGION_PHRASES: Phrase<Region>[] = (Object.keys(REGION_WORDS) as Region[]).flatMap((r) =>
  phrases(REGION_WORDS[r], r),
);
const GENERALIZED_RE = new RegExp(
  `(?<![A-Za-z])(?:${GENERALIZED_WORDS.map((w) => w.replace(/ /g, '\\s+')).join('|')})(?![A-Za-z])`,
  'i',
);
const ELECTRODE_RE = new RegExp(
  `(?<![A-Za-z0-9])(${Object.keys(ELECTRODE_LOCATION).join('|')})(?![A-Za-z0-9])`,
  'gi',
);
const ELECTRODE_BY_LOWER = new Map(Object.entries(ELECTRODE_LOCATION).map(([k, v]) => [k.toLowerCase(), v]));
const ARTIFACT_SOURCES: Phrase<FindingKind>[] = ARTIFACT_KINDS.flatMap((k) =>
  ARTIFACT_SOURCE_TERMS[k].map((t) => ({
    re: phraseRegex(t, 'g'),
    value: k as FindingKind,
    key: phraseKey(t),
  })),
);

/** "9 Hz", "8-9 Hz" (midpoint), "8 to 9 Hz", "9.5-Hz", "3 c/s". */
const HZ_RE =
  /(\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*-?\s*(?:Hz|hz|HZ|c\/s|cps|Hertz|hertz)(?![A-Za-z])/g;

const PREVALENCE_RE = /\b(continuous|abundant|frequent|occasional|rare|sporadic)\b/i;
const STATE_SLOWING_RE =
  /\b(?:drows\w*|sleep)\b(?:\W+\w+){0,4}?\W+(?:characteri[sz]ed|marked|accompanied|associated|consist\w*|manifest\w*)\b|\b(?:slowing|slow)\b(?:\W+\w+){0,4}?\W+(?:with|during|in|on)\s+(?:the\s+)?(?:drowsiness|sleep|transition)\b/i;
const GENERAL_STATEMENT_RE =
  /\b(?:carry|carries)\b|\b(?:are|is)\s+(?:often|commonly|typically|usually|frequently|generally)\s+(?:seen|associated|found|observed)\b|\b(?:are|is)\s+associated\s+with\s+(?:an?\s+)?(?:high|higher|increased)\s+risk\b/i;
const ICTAL_RE = /\b(?:seizures?|ictal|evolv(?:ing|ed|es)|evolution)\b/i;
const HV_RE = /\b(?:hyperventilation|HV|overbreathing)\b/i;
/** "produced no significant change", "did not produce significant changes": a normal response to HV. */
const UNCHANGED_RE =
  /\b(?:no (?:significant |definite |appreciable )?(?:change|response|effect|abnormalit(?:y|ies))|did not (?:produce|elicit|cause|result in) (?:any )?(?:significant |definite |appreciable )?(?:change|abnormalit))/i;

// ---------------------------------------------------------------------------------------------------
// Text → sentences → clauses

/** Sentences of a section: hard-wrapped lines joined, list items and sentence ends split. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  // List items ("1.", "2)", "(3)", "- ") start new sentences; other line breaks are hard wraps.
  const joined = text
    .replace(/\n\s*(?=(?:\(?\d{1,2}[.)]\s|[-*•]\s))/g, '\n\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim());
  for (const para of joined) {
    const parts = para
      // inline "(1) ... (2) ..." lists
      .replace(/\s\((?=\d{1,2}\)\s)/g, '\n(')
      .split(/(?<=[.!?])\s+(?=[A-Z0-9("'])|\n/);
    for (const p of parts) {
      const s = p.trim();
      if (s !== '') out.push(s);
    }
  }
  return out;
}

function countWords(s: string): number {
  const m = s.match(/[A-Za-z0-9]+/g);
  return m ? m.length : 0;
}

// ---------------------------------------------------------------------------------------------------
// Location

interface Location {
  sides: Side[];
  regions: Region[];
  generalized: boolean;
}

const SEMIOLOGY_RE =
  /\b(?:head|eyes?|gaze)\s+(?:turn\w*|deviat\w*|version)\s+(?:to(?:wards?)?\s+)?(?:the\s+)?(?:left|right)\b|\b(?:left|right)[\s-]+(?:hand\w*|arm|leg|face|facial|foot|body|upper|lower|mouth|limb|sided\s+(?:weakness|jerking|twitching))\b/gi;

function locate(raw: string): Location {
  // "evolution to bilateral tonic-clonic seizure" says how a seizure spread, not where it is.
  // Semiology ("head turn to the right", "left hand automatisms") and handedness are not EEG locations.
  const text = raw
    .replace(/\bbilateral(?=[\s-]+tonic)/gi, '         ')
    .replace(SEMIOLOGY_RE, (m) => ' '.repeat(m.length));
  const sides: Side[] = [];
  const regions: Region[] = [];
  for (const s of findAll(text, SIDE_PHRASES)) if (!sides.includes(s.value)) sides.push(s.value);
  for (const r of findAll(text, REGION_PHRASES)) if (!regions.includes(r.value)) regions.push(r.value);
  if (sides.length === 0 || regions.length === 0) {
    const eSides: Side[] = [];
    const eRegions: Region[] = [];
    ELECTRODE_RE.lastIndex = 0;
    for (const m of text.matchAll(ELECTRODE_RE)) {
      const loc = ELECTRODE_BY_LOWER.get(m[1].toLowerCase());
      if (!loc) continue;
      if (!eSides.includes(loc.side)) eSides.push(loc.side);
      if (!eRegions.includes(loc.region)) eRegions.push(loc.region);
    }
    if (sides.length === 0) sides.push(...eSides);
    if (regions.length === 0) regions.push(...eRegions);
  }
  return { sides, regions, generalized: GENERALIZED_RE.test(text) };
}

function oneSide(sides: Side[]): Side | undefined {
  const lat = sides.filter((s) => s === 'left' || s === 'right');
  if (sides.includes('bilateral') || (lat.includes('left') && lat.includes('right'))) return 'bilateral';
  if (lat.length > 0) return lat[0];
  return sides[0];
}

// ---------------------------------------------------------------------------------------------------
// Polarity

/** Polarity of the mention [start, end) in a clause, or null when it is not a finding (history, risk). */
function polarityOf(clause: string, start: number, end: number): Polarity | null {
  let polarity: Polarity = 'present';
  // Pre-triggers: the nearest trigger before the mention, within 6 words, with no terminator in between.
  // Scopes are a few words long: look at most 200 characters either side (keeps long sentences linear).
  const before = clause.slice(Math.max(0, start - 200), start);
  const t = findAll(before, PRE_TRIGGERS).at(-1);
  // A comma followed by a new noun phrase or clause ends the scope ("without correlate, an electrographic
  // seizure"); a comma inside a list does not ("no spikes, sharp waves or seizures").
  const gap = t ? before.slice(t.end) : '';
  const newClause = /,\s*(?:a|an|the|there|this|these|it|which|with|but|and\s+(?:a|an|the|there))\b/i.test(
    gap,
  );
  if (t && countWords(gap) <= 6 && !gap.includes(':') && !newClause && t.value !== 'stop') {
    if (t.value === 'notfinding') return null;
    polarity = t.value === 'neg' ? 'absent' : 'uncertain';
  }
  // Post-triggers: within 5 words after the mention; uncertainty ("cannot be excluded") wins over negation.
  const after = clause.slice(end, end + 200);
  const u = findAll(after, POST_TRIGGERS)[0];
  if (u && countWords(after.slice(0, u.start)) <= 5) {
    if (u.value === 'unc') return 'uncertain';
    if (u.value === 'neg' && polarity === 'present') polarity = 'absent';
  }
  return polarity;
}

// ---------------------------------------------------------------------------------------------------
// The labeler

interface Context {
  sectionName: string;
  sentence: string;
}

/** Reads a report and returns its clinical labels. Throws CelmError when `text` is not a string. */
export function labelReport(text: string): ClinicalLabels {
  if (typeof text !== 'string') {
    throw new CelmError('bad-report', `labelReport expects report text (a string), got ${typeof text}`);
  }
  const sections = splitSections(text);
  const raw: Finding[] = [];
  let pdrHz: number | null = null;
  let pdrFromImpression: number | null = null;
  let verdict: boolean | null = null;
  let verdictOutsideImpression: boolean | null = null;
  let describesRecord = false;
  let seizureCount: number | null = null;
  let seizureCountImpression: number | null = null;

  for (const section of sections) {
    if (IGNORED_CATEGORIES.has(section.category)) continue;
    const isImpression = section.category === 'impression';
    const sentences = splitSentences(section.text);
    // "Seizures: None recorded.", "EVENTS: No events were recorded.", "ABNORMAL DISCHARGES: None." — a
    // section about seizures or discharges whose text says there were none.
    const none = /^\s*(?:none|nil\b|not\s+(?:recorded|seen|captured|present|identified))/i.test(section.text);
    if (
      (/seizure/i.test(section.name) ||
        (section.category === 'events' && !/push|clinical/i.test(section.name))) &&
      (none || /^\s*no\b/i.test(section.text))
    ) {
      raw.push({ kind: 'seizure', polarity: 'absent', count: 0 });
      if (seizureCount === null) seizureCount = 0;
    }
    if (section.category === 'epileptiform' && none) {
      const kinds: FindingKind[] = /periodic|rhythmic|rpp/i.test(section.name)
        ? ['lpd', 'gpd', 'bipd', 'lrda', 'grda']
        : ['focal_epileptiform', 'generalized_epileptiform'];
      for (const kind of kinds) raw.push({ kind, polarity: 'absent' });
    }
    for (const sentence of sentences) {
      const v = verdictOf(sentence, isImpression);
      if (v !== null) {
        if (isImpression) verdict ??= v;
        else verdictOutsideImpression ??= v;
      }
      // General statements ("LPDs carry a high risk of seizures", "triphasic waves are often seen with
      // encephalopathy") are not findings of this recording.
      if (GENERAL_STATEMENT_RE.test(sentence)) continue;
      const inSentence: Finding[] = [];
      for (const clause of sentence.split(/;\s*/)) {
        const ctx: Context = { sectionName: section.name, sentence };
        const out = labelClause(clause, ctx);
        if (out.findings.length > 0 || out.pdrHz !== null) describesRecord = true;
        inSentence.push(...out.findings);
        if (out.pdrHz !== null) {
          if (isImpression) pdrFromImpression ??= out.pdrHz;
          else pdrHz ??= out.pdrHz;
        }
      }
      raw.push(...inSentence);
      // A count is taken from a sentence that states seizures ("Three seizures were recorded") or denies
      // them ("No seizures"), not from one that doubts them ("a single seizure cannot be excluded").
      const count = seizureCountOf(sentence);
      const seizure = inSentence.find((f) => f.kind === 'seizure' && f.polarity !== 'uncertain');
      if (count !== null && seizure && count > 0 === (seizure.polarity === 'present')) {
        if (isImpression) seizureCountImpression ??= count;
        else seizureCount ??= count;
      }
    }
  }
  pdrHz ??= pdrFromImpression;
  // Spindles and K-complexes are the marks of stage N2: a report that sees them has reached N2.
  if (
    raw.some((f) => (f.kind === 'sleep_spindles' || f.kind === 'k_complexes') && f.polarity === 'present')
  ) {
    raw.push({ kind: 'n2_sleep', polarity: 'present' });
  }
  const findings = consolidate(raw);
  const seizures = seizureCount ?? seizureCountImpression;
  if (seizures !== null) {
    for (const f of findings) {
      if (f.kind !== 'seizure') continue;
      if ((f.polarity === 'present' && seizures > 0) || (f.polarity === 'absent' && seizures === 0))
        f.count = seizures;
    }
  }
  let abnormal = verdict ?? verdictOutsideImpression;
  if (abnormal === null) {
    if (findings.some((f) => f.polarity === 'present' && ABNORMAL_KINDS.has(f.kind))) abnormal = true;
    else if (findings.some((f) => f.polarity === 'uncertain' && ABNORMAL_KINDS.has(f.kind))) abnormal = null;
    else if (describesRecord) abnormal = false;
  }
  return { abnormal, pdrHz, findings };
}

const ABNORMAL_RE = /(?<![A-Za-z-])abnormal(?![A-Za-z])/i;
const ABNORMAL_EEG_RE =
  /(?<![A-Za-z-])abnormal(?:\s+[\w/-]+){0,4}?\s+(?:eeg|study|record|recording|electroencephalogram|tracing|monitoring|ceeg|veeg)(?![A-Za-z])|(?<![A-Za-z])(?:eeg|study|record|recording|tracing)\s+(?:is|was)\s+(?:\w+\s+)?abnormal(?![A-Za-z])/i;
const NORMAL_RE =
  /(?<![A-Za-z-])(?:normal|unremarkable)(?:\s+[\w/-]+){0,4}?\s+(?:eeg|study|record|recording|electroencephalogram|tracing|monitoring|ceeg|veeg)(?![A-Za-z])|(?<![A-Za-z])(?:eeg|study|record|recording|tracing)\s+(?:is|was)\s+(?:\w+\s+)?(?:normal|unremarkable)(?![A-Za-z])|within normal limits/i;

/** true for "Abnormal EEG ...", false for "Normal EEG", null when the sentence gives no verdict. */
function verdictOf(sentence: string, impression: boolean): boolean | null {
  // In an impression a bare "abnormal" is the verdict; elsewhere it must be said of the EEG ("no abnormal
  // discharges" in a description is not a verdict).
  const a = (impression ? ABNORMAL_RE : ABNORMAL_EEG_RE).exec(sentence);
  const n = NORMAL_RE.exec(sentence);
  if (a && (!n || a.index <= n.index)) {
    // "not abnormal" / "no abnormal" read as normal.
    return !/\b(?:not|no)\s+$/i.test(sentence.slice(0, a.index));
  }
  if (n) return /\bnot\s+$/i.test(sentence.slice(0, n.index));
  return null;
}

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  single: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};
const COUNT_RE =
  /(?<![A-Za-z0-9-])(\d{1,3}|a|an|one|single|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+((?:[\w-]+\s+){0,3}?)seizures?\b/gi;

/** "Three electrographic seizures were captured" → 3; "No seizures" → 0; null when not counted. */
function seizureCountOf(sentence: string): number | null {
  COUNT_RE.lastIndex = 0;
  for (const m of sentence.matchAll(COUNT_RE)) {
    const before = sentence.slice(0, m.index);
    if (/(?:history|risk|evaluate|rule out|r\/o)\s+(?:\w+\s+)?(?:of|for)?\s*$/i.test(before)) continue;
    if (/\b(?:with|of|to|after|before|since)\s*$/i.test(before) && /^(?:a|an)$/i.test(m[1])) continue;
    const word = m[1].toLowerCase();
    const n = NUMBER_WORDS[word] ?? Number.parseInt(word, 10);
    if (Number.isFinite(n)) return n;
  }
  if (/\bno\s+(?:\w+\s+){0,3}?seizures?\b/i.test(sentence) && !/\bno\s+further\b/i.test(sentence)) return 0;
  return null;
}

interface Mention {
  start: number;
  end: number;
  family: Family;
}

function labelClause(clause: string, ctx: Context): { findings: Finding[]; pdrHz: number | null } {
  const findings: Finding[] = [];
  let pdrHz: number | null = null;
  // Mask benign variants and not-a-finding phrases (same length, so offsets stay valid).
  let text = clause;
  for (const v of findAll(text, VARIANT_PHRASES)) {
    const polarity = polarityOf(clause, v.start, v.end);
    if (polarity) {
      const loc = locate(clause.slice(v.end, v.end + 60));
      findings.push(withLocation({ kind: 'normal_variant', polarity, variant: v.value }, loc, false));
    }
    text = text.slice(0, v.start) + ' '.repeat(v.end - v.start) + text.slice(v.end);
  }
  for (const p of findAll(text, NOT_A_FINDING))
    text = text.slice(0, p.start) + ' '.repeat(p.end - p.start) + text.slice(p.end);

  const mentions = mergeCoordinated(
    text,
    findAll(text, MENTION_PHRASES).map((s) => ({ start: s.start, end: s.end, family: s.value })),
  );
  const clauseLoc = locate(text);
  // Windows: the words before a mention (back to the previous mention or the last connector) and after it.
  const prefixes: string[] = [];
  const postfixes: string[] = [];
  for (let i = 0; i < mentions.length; i++) {
    const m = mentions[i];
    const prevEnd = i > 0 ? mentions[i - 1].end : 0;
    const gap = text.slice(prevEnd, m.start);
    const cut = i > 0 ? lastConnector(gap) : 0;
    prefixes.push(gap.slice(cut));
    if (i > 0) postfixes[i - 1] = gap.slice(0, cut);
  }
  if (mentions.length > 0) postfixes[mentions.length - 1] = text.slice(mentions[mentions.length - 1].end);

  let inherited: Location | null = null;
  for (let i = 0; i < mentions.length; i++) {
    const m = mentions[i];
    // Location words past "but", "whereas", "while" ... describe something else.
    const prefix = prefixes[i].replace(/^.*\b(?:but|however|whereas|while|although|except)\b/is, '');
    const postfix = (postfixes[i] ?? '').replace(
      /\b(?:but|however|whereas|while|although|except)\b.*$/is,
      '',
    );
    let locPre = locate(prefix);
    // "right hemispheric attenuation and slowing": an empty prefix after "and" shares the previous one's.
    if (i > 0 && /^\s*(?:and|or|,)?\s*$/.test(prefix) && inherited) locPre = inherited;
    const locPost = locate(postfix);
    inherited = locPre;
    const loc: Location = {
      sides: locPre.sides.length > 0 ? locPre.sides : locPost.sides,
      regions: locPre.regions.length > 0 ? locPre.regions : locPost.regions,
      generalized:
        GENERALIZED_RE.test(text.slice(m.start, m.end)) ||
        locPre.generalized ||
        (locPre.sides.length === 0 && locPost.generalized),
    };
    // "The right hemisphere shows attenuation and continuous polymorphic delta": with nothing near the
    // mention, a single side named in the clause applies.
    if (
      loc.sides.length === 0 &&
      loc.regions.length === 0 &&
      !loc.generalized &&
      clauseLoc.sides.length === 1
    ) {
      loc.sides = clauseLoc.sides;
      loc.regions = clauseLoc.regions.length === 1 ? clauseLoc.regions : [];
    }
    const polarity = polarityOf(text, m.start, m.end);
    if (polarity === null) continue;
    const near = `${prefix.slice(-40)} ${text.slice(m.start, m.end)} ${postfix.slice(0, 40)}`;
    // "diffuse slowing" is read like any slowing, so "hyperventilation produced diffuse slowing" is HV slowing.
    const fam: Family =
      'kind' in m.family && m.family.kind === 'generalized_slowing' ? { generic: 'slowing' } : m.family;
    if ('kind' in fam) {
      findings.push(describe(fam.kind, polarity, loc, near));
      continue;
    }
    // "no focal or generalized slowing", "focal and generalized discharges": both kinds.
    const both =
      /\b(?:focal|generali[sz]ed|diffuse)\s*(?:\s(?:or|and|nor)\s|\/)\s*(?:focal|generali[sz]ed|diffuse)\b/i.test(
        text.slice(Math.max(0, m.start - 30), m.end),
      );
    if (both && (fam.generic === 'slowing' || fam.generic === 'epileptiform')) {
      const pair: FindingKind[] =
        fam.generic === 'slowing'
          ? ['focal_slowing', 'generalized_slowing']
          : ['focal_epileptiform', 'generalized_epileptiform'];
      for (const k of pair) findings.push({ kind: k, polarity });
      continue;
    }
    switch (fam.generic) {
      case 'pdr': {
        if (polarity !== 'present') break;
        const hz = nearestHz(text, m.start, m.end);
        if (hz !== null && hz >= 1 && hz <= 20) pdrHz ??= hz;
        break;
      }
      case 'slowing': {
        // Postictal slowing belongs to the seizure it follows.
        if (/\bpost-?ictal\b/i.test(prefix)) break;
        // Slowing on both sides at once ("bifrontal delta", "bilateral slowing") is generalized with a
        // predominance; "independent" bilateral slowing stays focal (on both sides).
        const bilateralOnly =
          loc.sides.length > 0 && loc.sides.every((x) => x === 'bilateral') && !/independent/i.test(near);
        const focal = !loc.generalized && !bilateralOnly && (loc.sides.length > 0 || loc.regions.length > 0);
        if (focal) {
          findings.push(describe('focal_slowing', polarity, loc, near));
        } else if (HV_RE.test(ctx.sentence)) {
          findings.push({ kind: 'hyperventilation_slowing', polarity });
        } else if (STATE_SLOWING_RE.test(ctx.sentence)) {
          // Slowing of drowsiness or sleep is normal; the drowsiness itself is picked up by its own words.
        } else {
          findings.push(describe('generalized_slowing', polarity, loc, near));
        }
        break;
      }
      case 'epileptiform': {
        const word = text.slice(m.start, m.end);
        const lateral = loc.sides.length > 0 || loc.regions.length > 0;
        if (loc.generalized) findings.push(describe('generalized_epileptiform', polarity, loc, near));
        else if (lateral) findings.push(describe('focal_epileptiform', polarity, loc, near));
        else if (/spike[\s-]*(?:and[\s-]*)?(?:slow[\s-]*)?wave|polyspike/i.test(word))
          findings.push(describe('generalized_epileptiform', polarity, loc, near));
        else if (polarity !== 'present') {
          findings.push(
            { kind: 'focal_epileptiform', polarity },
            { kind: 'generalized_epileptiform', polarity },
          );
        } else findings.push(describe('focal_epileptiform', polarity, loc, near));
        break;
      }
      case 'periodic': {
        if (polarity !== 'present' && loc.sides.length === 0 && !loc.generalized) {
          findings.push({ kind: 'lpd', polarity }, { kind: 'gpd', polarity });
          break;
        }
        const bilateralIndependent = /independent/i.test(near);
        const kind: FindingKind = bilateralIndependent
          ? 'bipd'
          : loc.generalized || loc.sides.length === 0
            ? 'gpd'
            : 'lpd';
        findings.push(describe(kind, polarity, loc, near));
        break;
      }
      case 'rhythmic': {
        // Rhythmic delta within a seizure's evolution is the seizure, not LRDA/GRDA.
        if (ICTAL_RE.test(ctx.sentence)) break;
        // "Hyperventilation produced a generalized build-up of rhythmic delta": a normal HV response.
        if (HV_RE.test(ctx.sentence) && !loc.sides.some((x) => x === 'left' || x === 'right')) {
          findings.push({ kind: 'hyperventilation_slowing', polarity });
          break;
        }
        if (
          polarity !== 'present' &&
          loc.sides.length === 0 &&
          loc.regions.length === 0 &&
          !loc.generalized
        ) {
          findings.push({ kind: 'lrda', polarity }, { kind: 'grda', polarity });
          break;
        }
        const kind: FindingKind =
          !loc.generalized &&
          (loc.sides.some((s) => s === 'left' || s === 'right') || loc.regions.includes('temporal'))
            ? 'lrda'
            : 'grda';
        findings.push(describe(kind, polarity, loc, near));
        break;
      }
      case 'attenuation': {
        // Attenuation is an asymmetry only when lateralized ("right hemispheric attenuation").
        if (loc.sides.some((s) => s === 'left' || s === 'right') && !/eye|opening|closure/i.test(near)) {
          findings.push(describe('asymmetry', polarity, loc, near));
        }
        break;
      }
      case 'driving': {
        // "symmetric driving" after "Photic:" or in a sentence about photic stimulation.
        if (/photic|flash|stimulation|\bIPS\b/i.test(`${ctx.sectionName} ${ctx.sentence}`)) {
          findings.push({ kind: 'photic_driving', polarity });
        }
        break;
      }
      case 'artifact': {
        const window = `${prefix.slice(-60)} ${text.slice(m.end, m.end + 40).replace(/^(?!\s*(?:from|due to|of|related to)).*$/s, '')}`;
        for (const src of findAll(window, ARTIFACT_SOURCES)) findings.push({ kind: src.value, polarity });
        break;
      }
    }
  }
  // "Hyperventilation was performed with good effort and produced no significant change": no slowing
  // word to deny, but a denial of hyperventilation slowing all the same
  if (
    HV_RE.test(clause) &&
    UNCHANGED_RE.test(clause) &&
    !findings.some((f) => f.kind === 'hyperventilation_slowing')
  )
    findings.push({ kind: 'hyperventilation_slowing', polarity: 'absent' });
  return { findings, pdrHz };
}

/** Joins same-family mentions with only "and"/"or"/band words between ("polymorphic delta and theta slowing"). */
function mergeCoordinated(text: string, mentions: Mention[]): Mention[] {
  const out: Mention[] = [];
  for (const m of mentions) {
    const prev = out[out.length - 1];
    if (prev && sameFamily(prev.family, m.family)) {
      const gap = text.slice(prev.end, m.start);
      if (
        /^[\s/]*(?:(?:and|or|to|with|intermixed|polymorphic|continuous|intermittent|delta|theta)[\s/]+)*$/i.test(
          gap,
        )
      ) {
        prev.end = m.end;
        continue;
      }
    }
    out.push({ ...m });
  }
  return out;
}

function sameFamily(a: Family, b: Family): boolean {
  if ('kind' in a && 'kind' in b) return a.kind === b.kind;
  if ('generic' in a && 'generic' in b) return a.generic === b.generic;
  const slowing = (f: Family) =>
    ('generic' in f && f.generic === 'slowing') || ('kind' in f && f.kind.endsWith('_slowing'));
  return slowing(a) && slowing(b);
}

/** Index in `gap` after its last connector (",", "and", "with", "or", "as well as"), or 0. */
function lastConnector(gap: string): number {
  let cut = 0;
  for (const m of gap.matchAll(/,|;|\(|\)|\b(?:and|or|with|as well as|plus)\b/gi))
    cut = m.index + m[0].length;
  return cut;
}

function withLocation(f: Finding, loc: Location, generalizedKind: boolean): Finding {
  if (!generalizedKind) {
    const side = oneSide(loc.sides);
    if (side) f.side = side;
  }
  if (loc.regions.length > 0) f.region = loc.regions[0];
  return f;
}

const LATERALIZED_KINDS: ReadonlySet<FindingKind> = new Set<FindingKind>([
  'focal_slowing',
  'asymmetry',
  'focal_epileptiform',
  'seizure',
  'lpd',
  'lrda',
  'bipd',
  'normal_variant',
]);
/** Kinds with a region but no side (generalized patterns with a predominance, e.g. "frontally predominant"). */
const LOCATED_KINDS: ReadonlySet<FindingKind> = new Set<FindingKind>([
  'generalized_slowing',
  'generalized_epileptiform',
  'gpd',
  'grda',
]);
const WITH_SEVERITY: ReadonlySet<FindingKind> = new Set<FindingKind>([
  'generalized_slowing',
  'focal_slowing',
  'asymmetry',
]);
const SEVERITY_RANK: Record<Severity, number> = { mild: 0, moderate: 1, severe: 2 };
const WITH_FREQUENCY: ReadonlySet<FindingKind> = new Set<FindingKind>([
  'generalized_epileptiform',
  'focal_epileptiform',
  'lpd',
  'gpd',
  'lrda',
  'grda',
  'bipd',
]);

/** A finding with the attributes its words give (side, region, band, frequency, prevalence, continuity). */
function describe(kind: FindingKind, polarity: Polarity, loc: Location, near: string): Finding {
  const f: Finding = { kind, polarity };
  if (polarity !== 'present') return f;
  if (LATERALIZED_KINDS.has(kind) || LOCATED_KINDS.has(kind))
    withLocation(f, loc, !LATERALIZED_KINDS.has(kind));
  if (kind === 'generalized_slowing' || kind === 'focal_slowing') {
    const band = /\bdelta\b/i.test(near) ? 'delta' : /\btheta\b/i.test(near) ? 'theta' : null;
    if (band) f.band = band as Band;
    const cont = /\bcontinuous(?:ly)?\b/i.test(near)
      ? 'continuous'
      : /\bintermittent(?:ly)?\b/i.test(near)
        ? 'intermittent'
        : null;
    if (cont) f.continuity = cont;
  }
  if (WITH_SEVERITY.has(kind)) {
    // The highest grade named next to the finding: "mild to moderate diffuse slowing" → moderate.
    let severity: Severity | undefined;
    for (const m of near.matchAll(/\b(mild|moderate|severe|marked|profound)(?:ly)?\b/gi)) {
      const w = m[1].toLowerCase();
      const g: Severity = w === 'mild' ? 'mild' : w === 'moderate' ? 'moderate' : 'severe';
      if (!severity || SEVERITY_RANK[g] > SEVERITY_RANK[severity]) severity = g;
    }
    if (severity) f.severity = severity;
  }
  if (WITH_FREQUENCY.has(kind)) {
    HZ_RE.lastIndex = 0;
    const m = HZ_RE.exec(near);
    if (m) f.frequencyHz = hzValue(m);
  }
  const prev = PREVALENCE_RE.exec(near);
  if (prev && kind !== 'generalized_slowing' && kind !== 'focal_slowing') {
    const p = prev[1].toLowerCase();
    f.prevalence = (p === 'sporadic' ? 'rare' : p) as Prevalence;
  }
  return f;
}

function hzValue(m: RegExpExecArray | RegExpMatchArray): number {
  const a = Number.parseFloat(m[1]);
  const b = m[2] === undefined ? a : Number.parseFloat(m[2]);
  return (a + b) / 2;
}

/** Frequency nearest to [start, end) within 40 characters, no sentence boundary in between. */
function nearestHz(text: string, start: number, end: number): number | null {
  let best: { d: number; hz: number } | null = null;
  const from = Math.max(0, start - 60);
  const window = text.slice(from, end + 60);
  HZ_RE.lastIndex = 0;
  for (const m of window.matchAll(HZ_RE)) {
    const mStart = from + m.index;
    const mEnd = mStart + m[0].length;
    const d = mEnd <= start ? start - mEnd : mStart >= end ? mStart - end : 0;
    if (d > 40) continue;
    if (!best || d < best.d) best = { d, hz: hzValue(m) };
  }
  return best ? best.hz : null;
}

const POLARITY_RANK: Record<Polarity, number> = { present: 2, uncertain: 1, absent: 0 };

/** One polarity per kind (present > uncertain > absent); one finding per distinct side/region/variant. */
function consolidate(raw: Finding[]): Finding[] {
  const best = new Map<FindingKind, Polarity>();
  for (const f of raw) {
    const p = best.get(f.kind);
    if (p === undefined || POLARITY_RANK[f.polarity] > POLARITY_RANK[p]) best.set(f.kind, f.polarity);
  }
  const out: Finding[] = [];
  for (const f of raw) {
    if (best.get(f.kind) !== f.polarity) continue;
    const same = out.filter((o) => o.kind === f.kind);
    // Same place, or less specific than one already kept (no region where the other has one).
    const dup = same.find(
      (o) =>
        (f.side === undefined || o.side === f.side) &&
        (f.region === undefined || o.region === f.region) &&
        (f.variant === undefined || o.variant === f.variant),
    );
    if (dup) {
      // Keep the first, but fill attributes the first lacked.
      for (const key of ['band', 'frequencyHz', 'prevalence', 'continuity', 'count', 'severity'] as const) {
        if (dup[key] === undefined && f[key] !== undefined)
          (dup as unknown as Record<string, unknown>)[key] = f[key];
      }
      continue;
    }
    // A more specific finding replaces a vaguer one kept before ("right" then "right central").
    const vaguer = same.find(
      (o) =>
        (o.side === undefined || o.side === f.side) &&
        (o.region === undefined || o.region === f.region) &&
        (o.variant === undefined || o.variant === f.variant),
    );
    if (vaguer) {
      out.splice(out.indexOf(vaguer), 1, { ...vaguer, ...f });
      continue;
    }
    out.push({ ...f });
  }
  return out;
}
