/**
 * Findings-guided selection: the report model's findings head (trained on the labels the findings
 * labeler reads from each reference) is a better reader of the EEG than the decoder's greedy text is a
 * writer of it. On the held-out synthetic test set the head finds focal epileptiform discharges with
 * F1 0.82 where the greedy text states them with F1 0.31 (docs/model.md). So each section's text is
 * checked against the head: a candidate that leaves out a finding the head is sure of, or states one
 * the head is sure is absent, is a violation; when the greedy text has violations, sampled candidates
 * are drawn and the one with the fewest is kept (ties: minimum Bayes risk). The side of focal
 * findings is checked against the side the measured features point to (`measuredSides` in
 * ./features.ts: lateralized spikes, slow excess, alpha deficit), since the head gives kinds only.
 * This reranks rather than rewrites: every kept text is one the model wrote, but for the opening
 * words of a sentence the sentence guide may force (./phrasebook.ts).
 */
import { ABNORMAL_KINDS, type FindingKind, type Region } from '../clinical/findings.js';
import type { CelmSectionName } from '../clinical/sections.js';
import { labelReport } from '../eval/clinical/labeler.js';
import type { FindingSides } from './features.js';
import { sentencesOf } from './lexicon.js';

/** The findings each section states when present (how the reports of the corpus are laid out). */
export const SECTION_KINDS: Record<CelmSectionName, readonly FindingKind[]> = {
  'EEG DESCRIPTION/DETAILS': [
    'artifact_eye',
    'artifact_muscle',
    'artifact_electrode',
    'artifact_line_noise',
    'artifact_ecg',
  ],
  'BACKGROUND ACTIVITY': [
    'generalized_slowing',
    'focal_slowing',
    'asymmetry',
    'hyperventilation_slowing',
    'photic_driving',
  ],
  'EPILEPTIFORM ABNORMALITIES': [
    'focal_epileptiform',
    'generalized_epileptiform',
    'lpd',
    'gpd',
    'lrda',
    'photoparoxysmal_response',
  ],
  'EVENTS/SEIZURES': ['seizure'],
  SLEEP: ['drowsiness', 'vertex_waves', 'sleep_spindles', 'k_complexes', 'n2_sleep', 'n3_sleep', 'rem_sleep'],
  'IMPRESSION/INTERPRETATION': [],
};

export interface GuideOptions {
  /** A finding with probability at least this should be stated. */
  present: number;
  /** A finding with probability at most this should not be. */
  absent: number;
  /**
   * Findings whose value is a decision score (./calibration.ts: 0.5 at the threshold with the best F1
   * on the training reports): stated at 0.5 or more, not stated below, with no unsure band between.
   */
  decided?: ReadonlySet<string>;
  /**
   * For the impression: the findings the report's earlier sections state present, by the section
   * that would state each (absent: no check). An impression that states an abnormal finding whose
   * section was written without it, where the findings leave it undecided, contradicts the report it
   * sums up ("One absence seizure" after "No seizures were recorded."); a finding the findings call
   * for may stand in the impression even when its section missed it, and must when its section
   * states it (GPDs in the epileptiform section, only "generalized slowing" in the impression).
   */
  described?: {
    written: ReadonlySet<string>;
    stated: ReadonlySet<FindingKind>;
    /**
     * The regions those sections give each finding: an impression that puts it elsewhere contradicts
     * them ("intermittent focal slowing in the left centro-temporal region" in the background, "over
     * the left frontal region" in the impression: 37 findings of 500 drafted reports, none of the 500
     * references).
     */
    regions?: ReadonlyMap<FindingKind, readonly Region[]>;
  };
}

/** Should `kind` be stated (true), not stated (false), or either (null), at probability `p`? */
export function expected(
  kind: string,
  p: number | undefined,
  o: GuideOptions = DEFAULT_GUIDE,
): boolean | null {
  if (p === undefined) return null;
  if (o.decided?.has(kind)) return p >= 0.5;
  return p >= o.present ? true : p <= o.absent ? false : null;
}

export const DEFAULT_GUIDE: GuideOptions = { present: 0.6, absent: 0.4 };

/**
 * Numbers the recording was measured to have (src/model/report.ts: from the files and the
 * preprocessing), which a section's text must not contradict.
 */
export interface MeasuredFacts {
  /** Total recorded minutes over the report's files. */
  minutes?: number;
  heartRateBpm?: number;
  /** Posterior dominant rhythm (preprocessing's eyes-closed occipital peak). */
  pdrHz?: number;
  /** Mains frequency of the line noise (50 or 60 Hz, the larger before the notch). */
  lineHz?: number;
  /**
   * Region of the electrode with the most lateralized sharp transients (the detector's focus): on 200
   * held-out sessions compatible with the reference's region of focal discharges in 38 of 39, where
   * the drafts' stated regions were in 17 of 34.
   */
  focusRegion?: Region;
  /**
   * Where measurements put lateralized findings besides focal discharges, when they are lateralized:
   * focal slowing and LPDs at the most lateralized slow power (../signal/focal-slowing.ts; on
   * held-out recordings the truth's side in 59 of 59 with focal slowing and 18 of 18 with LPDs, a
   * region sharing a lobe with the truth's in 56 and 15), LRDA at the channel with the most
   * lateralized rhythmic delta (../signal/rhythmic-delta.ts; side 14 of 14, region 13).
   */
  foci?: Partial<Record<FocusKind, MeasuredFocus>>;
}

export type FocusKind = 'focal_slowing' | 'lpd' | 'lrda';
export interface MeasuredFocus {
  side: 'left' | 'right';
  region: Region;
  electrode: string;
}

/** The lobes a region word covers: "frontotemporal" agrees with a frontal or a temporal focus. */
const REGION_PARTS: Record<Region, readonly string[]> = {
  frontal: ['frontal'],
  frontotemporal: ['frontal', 'temporal'],
  temporal: ['temporal'],
  central: ['central'],
  centrotemporal: ['central', 'temporal'],
  parietal: ['parietal'],
  occipital: ['occipital'],
  parietooccipital: ['parietal', 'occipital'],
};

/** Do two region words share a lobe? */
export function regionsAgree(a: Region, b: Region): boolean {
  return REGION_PARTS[a].some((x) => REGION_PARTS[b].includes(x));
}

/** How far a stated number may be from the measured one. */
const FACT_TOLERANCE = {
  minutes: (m: number) => Math.max(2, 0.05 * m),
  heartRateBpm: 6,
  pdrHz: 0.6,
};

const DURATION = /\b(\d+(?:\.\d+)?)[- ](minutes?|hours?)\b/i;
/** "HR: 80 bpm", "heart rate of 72 beats": lead, number, unit (./ground.ts rewrites the number). */
export const HEART_RATE = /\b(HR:?\s*|heart rate(?: of| was)?\s*)(\d+)(\s*(?:bpm|beats))/i;
/** "60 Hz line noise", "50 Hz artifact" (the mains), as the description states it: number, unit. */
export const MAINS = /\b(50|60)([- ]?Hz\b)(?=[^.]*\b(?:line|mains|noise|artifact|interference)\b)/i;

/** The duration (in minutes) and heart rate a description states, where it states them. */
function statedNumbers(text: string): { minutes?: number; bpm?: number } {
  const d = DURATION.exec(text);
  const hr = HEART_RATE.exec(text);
  return {
    minutes: d ? Number(d[1]) * (/hour/i.test(d[2]) ? 60 : 1) : undefined,
    bpm: hr ? Number(hr[2]) : undefined,
  };
}

/** Numbers of `text` (one section) that contradict the measured facts (duration, heart rate, mains, PDR). */
export function factViolations(
  section: string,
  text: string,
  facts: MeasuredFacts,
  pdrHz: number | null,
): number {
  let v = 0;
  if (section === 'EEG DESCRIPTION/DETAILS') {
    const { minutes, bpm } = statedNumbers(text);
    if (minutes !== undefined && facts.minutes !== undefined)
      if (Math.abs(minutes - facts.minutes) > FACT_TOLERANCE.minutes(facts.minutes)) v++;
    if (
      bpm !== undefined &&
      facts.heartRateBpm !== undefined &&
      Math.abs(bpm - facts.heartRateBpm) > FACT_TOLERANCE.heartRateBpm
    )
      v++;
    const mains = MAINS.exec(text);
    if (mains && facts.lineHz !== undefined && Number(mains[1]) !== facts.lineHz) v++;
  }
  if (section === 'BACKGROUND ACTIVITY' && pdrHz !== null && facts.pdrHz !== undefined)
    if (Math.abs(pdrHz - facts.pdrHz) > FACT_TOLERANCE.pdrHz) v++;
  return v;
}

/**
 * How far the duration and heart rate a description states are from the measured ones, in [0, 0.5):
 * a tie-breaker below one violation, so that among candidates that contradict the facts equally the
 * sentence-by-sentence guide keeps the nearest numbers (the decoder does not read durations from the
 * EEG; its samples spread around them).
 */
export function factDistance(section: string, text: string, facts: MeasuredFacts): number {
  if (section !== 'EEG DESCRIPTION/DETAILS') return 0;
  const { minutes, bpm } = statedNumbers(text);
  let d = 0;
  if (minutes !== undefined && facts.minutes)
    d += Math.min(1, Math.abs(minutes - facts.minutes) / facts.minutes);
  if (bpm !== undefined && facts.heartRateBpm) d += Math.min(1, Math.abs(bpm - facts.heartRateBpm) / 30);
  return d / 4.01;
}

/** Per-sentence labels, by "section: sentence" (a section is scored many times as it grows). */
const sentenceLabels = new Map<string, Set<FindingKind>>();

/**
 * The findings some sentence of `text` denies. The labeler merges a report's statements of one
 * finding (present wins), so "No focal slowing is seen. There is intermittent focal slowing..." reads
 * as present; sentence by sentence, the denial shows.
 */
export function deniedKinds(section: string, text: string): Set<FindingKind> {
  const out = new Set<FindingKind>();
  for (const sentence of sentencesOf(text)) {
    const key = `${section}: ${sentence}`;
    let kinds = sentenceLabels.get(key);
    if (!kinds) {
      kinds = new Set(
        labelReport(key)
          .findings.filter((f) => f.polarity === 'absent')
          .map((f) => f.kind),
      );
      if (sentenceLabels.size > 20_000) sentenceLabels.clear();
      sentenceLabels.set(key, kinds);
    }
    for (const k of kinds) out.add(k);
  }
  return out;
}

/** What a contradicted impression verdict counts, in violations. */
const VERDICT_WEIGHT = 2;

/** The section that states each finding (SECTION_KINDS read the other way). */
const HOME_SECTION: Partial<Record<FindingKind, string>> = Object.fromEntries(
  Object.entries(SECTION_KINDS).flatMap(([section, kinds]) => kinds.map((k) => [k, section])),
);

/** Abnormal findings an impression must not state when the head is sure they are absent. */
const IMPRESSION_KINDS: readonly FindingKind[] = [
  'focal_epileptiform',
  'generalized_epileptiform',
  'seizure',
  'focal_slowing',
  'generalized_slowing',
  'asymmetry',
  'lpd',
  'gpd',
  'lrda',
  'photoparoxysmal_response',
];

/**
 * The impression's verdict the findings call for: abnormal when an abnormal finding is expected
 * present (./findings ABNORMAL_KINDS: what makes a recording abnormal), normal otherwise; from the
 * head's `abnormal` probability only for a model without abnormal finding labels. The findings
 * decide better than the head's own verdict output: on 200 held-out sessions the verdict so derived
 * matched the reference's in 96.5%, the `abnormal` probability at 0.6 in 94.5% (docs/model.md).
 */
export function expectedVerdict(
  probs: Record<string, number>,
  o: GuideOptions = DEFAULT_GUIDE,
): boolean | null {
  const kinds = [...ABNORMAL_KINDS].filter((k) => probs[k] !== undefined);
  if (kinds.length) return kinds.some((k) => expected(k, probs[k], o) === true);
  return expected('abnormal', probs.abnormal, o);
}

/** Words two of which together carry no content ("of the", "in a"). */
const FUNCTION_WORDS = new Set('of the in and a an to is was with over at on by for or were are'.split(' '));

/**
 * A seizure's time as the reports write it, "At 13:05:40 (7 minutes into the recording)", with the
 * repeats the decoder sometimes adds after it (", the recording)"); grounding writes it from the
 * ictal events (./ground.ts), whatever clock the decoder wrote.
 */
export const SEIZURE_TIME =
  /\bAt [\d:]+ \(\d+ minutes? into (?:the recording|recording \d+)\)(?:,? (?:the recording|recording \d+)\))*/g;
const ANY_TIME = /\bAt \d+:[\d:]*/g;

/**
 * A word or electrode said twice in a row, apart, hyphenated or listed ("in the the theta range",
 * "wave-and-slow-slow-s", "spike-and-and-wave", "(T3, C3, C3)"): none of the 800 reports of the
 * default's training set and four held-out sets has one; 23 of 3,000 drafted sections had.
 */
const REPEATED_WORD = /(?<![\p{L}\p{N}])(\p{L}[\p{L}\p{N}]*)(?:\s+|-|,\s*)\1(?![\p{L}\p{N}])/giu;
/**
 * A range of numbers, "8-9 Hz", "15-25 Hz": the references' 513 ranges all have two numbers, the
 * first the smaller (the one exception, "lasting 2-2 seconds", was a generator wart, since fixed);
 * the decoder's "15-25-25-3 Hz" and "8-8 Hz" are lost counts.
 */
const NUMBER_RANGE = /(?<![\p{L}\p{N}.:-])\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)+(?![\p{N}:])/gu;

/**
 * Sentences of `text` where a word pair comes back within 3 words: the decoder's stutter ("delta
 * activity over theta activity over"). In the 3,171 sentences of 200 synthetic references none does;
 * at 4 words apart one does ("abundant left frontal spikes; intermittent left frontal theta
 * slowing"). A seizure time's repeat ("(7 minutes into the recording), the recording)") does not
 * count: grounding rewrites the whole phrase. But a time that does not begin such a phrase counts
 * ("At 12:09:32:34 (8 minutes into the patient had ..."): the decoder lost the sentence there, and
 * grounding cannot write it. And each word said twice in a row (REPEATED_WORD) and each range that
 * is no range (NUMBER_RANGE).
 */
export function stutters(text: string): number {
  const times = text.match(SEIZURE_TIME)?.length ?? 0;
  let n = Math.max(0, (text.match(ANY_TIME)?.length ?? 0) - times);
  n += text.match(REPEATED_WORD)?.length ?? 0;
  for (const [range] of text.matchAll(NUMBER_RANGE)) {
    const parts = range.split('-').map(Number);
    if (parts.length > 2 || !(parts[0] < parts[1])) n++;
  }
  for (const sentence of sentencesOf(text.replace(SEIZURE_TIME, 'At'))) {
    const w = sentence
      .toLowerCase()
      .split(/\s+/)
      .map((x) => x.replace(/[,;]$/, ''));
    const seen = new Map<string, number>();
    for (let i = 0; i + 1 < w.length; i++) {
      if (FUNCTION_WORDS.has(w[i]) && FUNCTION_WORDS.has(w[i + 1])) continue;
      const pair = `${w[i]} ${w[i + 1]}`;
      const last = seen.get(pair);
      if (last !== undefined && i - last <= 3) {
        n++;
        break;
      }
      seen.set(pair, i);
    }
  }
  return n;
}

/**
 * Violations of `text` (one section) against the head's probabilities: confident findings of the
 * section left out plus confidently absent ones stated; for the impression, a normal/abnormal verdict
 * that contradicts the one the findings call for (`expectedVerdict`) and abnormal findings stated against it; in any
 * section, a focal finding stated on the side opposite its measured side, focal discharges in a region
 * away from the detector's focus, focal slowing, LPDs and LRDA away from their measured focus
 * (`foci`); numbers (duration, heart rate, mains, PDR) that contradict the measured ones; and
 * sentences that stutter (`stutters`).
 */
export function violations(
  section: string,
  text: string,
  probs: Record<string, number>,
  sides: FindingSides = {},
  facts: MeasuredFacts = {},
  o: GuideOptions = DEFAULT_GUIDE,
): number {
  const said = labelReport(`${section}: ${text}`);
  const stated = new Set(said.findings.filter((f) => f.polarity === 'present').map((f) => f.kind));
  let v = 0;
  const denied = deniedKinds(section, text);
  for (const k of SECTION_KINDS[section as CelmSectionName] ?? []) {
    const want = expected(k, probs[k], o);
    if (want !== null && want !== stated.has(k)) v++;
    // stated and denied in one section ("No focal slowing is seen. ... There is intermittent focal
    // slowing"): the text contradicts itself, whatever the findings say
    else if (stated.has(k) && denied.has(k)) v++;
    // denying a finding the findings call for is worse than not yet stating it
    if (want === true && denied.has(k) && !stated.has(k)) v++;
  }
  if (section === 'IMPRESSION/INTERPRETATION') {
    // the verdict is the report's main statement: contradicting it outweighs any one detail (a
    // finding stated on the wrong side), so an abnormal impression that names the wrong side still
    // beats a normal one when the findings say abnormal
    const verdict = expectedVerdict(probs, o);
    if (verdict !== null && said.abnormal !== null && said.abnormal !== verdict) v += VERDICT_WEIGHT;
    const named = new Set(said.findings.filter((f) => f.polarity !== 'absent').map((f) => f.kind));
    for (const k of IMPRESSION_KINDS) {
      const want = expected(k, probs[k], o);
      // an abnormal finding the findings call for and its own section states, left out of the
      // impression that sums the sections up (possible ones count as stated: "possible ... discharges")
      if (!named.has(k)) {
        if (want === true && o.described?.stated.has(k)) v++;
        continue;
      }
      if (!stated.has(k)) continue;
      if (want === false) v++;
      // where the findings do not decide, the sections the impression sums up do
      else if (want === null && o.described?.written.has(HOME_SECTION[k] ?? '') && !o.described.stated.has(k))
        v++;
    }
  }
  const regions = section === 'IMPRESSION/INTERPRETATION' ? o.described?.regions : undefined;
  let wrongSide = 0;
  for (const f of said.findings) {
    const before = regions?.get(f.kind as FindingKind);
    if (
      f.polarity !== 'absent' &&
      f.region &&
      before?.length &&
      !before.some((r) => regionsAgree(r, f.region!))
    )
      v++;
    if (f.polarity !== 'present') continue;
    const want = sides[f.kind as keyof FindingSides];
    if (want && (f.side === 'left' || f.side === 'right') && f.side !== want) wrongSide++;
    const measured =
      f.kind === 'focal_epileptiform' ? facts.focusRegion : facts.foci?.[f.kind as FocusKind]?.region;
    if (f.region && measured && !regionsAgree(f.region, measured)) v++;
  }
  // the impression's closing lines name a side the labeler does not tie to a finding ("a potentially
  // epileptogenic focus in the right frontal region"): when every measured side is the same, each
  // mention of the other side is a contradiction
  if (section === 'IMPRESSION/INTERPRETATION') {
    const measured = new Set(Object.values(sides));
    if (measured.size === 1) {
      const other = measured.has('left') ? 'right' : 'left';
      wrongSide = Math.max(wrongSide, text.match(new RegExp(`\\b${other}\\b`, 'gi'))?.length ?? 0);
    }
  }
  return v + wrongSide + factViolations(section, text, facts, said.pdrHz) + stutters(text);
}
