/**
 * Sentence openings of the training reports, by section and finding: "Intermittent electrode",
 * "There is 60 Hz", "ECG artifact is". The decoder states an artifact only when a sample happens to
 * offer it (it barely reads its conditioning for artifacts, docs/model.md), so when the findings say
 * one is present and no candidate sentence states it, the sentence guide (./sentence-guide.ts) also
 * lets the model continue these openings: the opening comes from how the training reports phrase the
 * finding, the rest of the sentence (the channels, the side, the wording) from the model.
 * Saved as `phrases.json` in the model folder by `celm calibrate`.
 *
 * An opening is kept when most training sentences that begin with it state the finding (precision at
 * least MIN_PRECISION), it was seen at least twice, and it names no side, so that the model, not the
 * opening, picks the side.
 */
import type { FindingKind } from '../clinical/findings.js';
import type { CelmReportSection } from '../clinical/sections.js';
import { labelReport } from '../eval/clinical/labeler.js';
import { onSide, SIDE_WORD } from './ground.js';
import { SECTION_KINDS } from './guide.js';
import { sentencesOf, wordsOf } from './lexicon.js';

/** What an opening states: a finding of its section, or an abnormal verdict in the impression. */
export type PhraseKey = FindingKind | 'abnormal';

export interface Phrasebook {
  format: 'celm-phrasebook';
  version: 1;
  /** section -> finding (or the impression's "abnormal" verdict) -> openings, best first. */
  openings: Record<string, Partial<Record<PhraseKey, string[]>>>;
  /**
   * section -> opening -> the words (./lexicon.ts wordsOf) of the training sentences that begin with
   * it or state its finding. A sentence the model writes after an opening may use only these: after
   * "There is intermittent focal slowing in the" the training reports go on with a side and a region,
   * and "... in the middle flash frequencies" (words of the photic sentence, fluent to the model) is
   * drift.
   */
  words?: Record<string, Record<string, string[]>>;
  /**
   * section -> what a sentence states (`sentenceKey`) -> the training sentences stating it, with how
   * many times each was written, most frequent first (at most BANK_PER_KEY). Consensus decoding
   * (./consensus.ts) picks, of the model's wordings of a statement, the one closest to these.
   */
  sentences?: Record<string, Record<string, [string, number][]>>;
}

/**
 * Does `sentence` (begun with `opening` of `section`) use only words the reports used after it, and
 * no electrode, number or longer word more than twice? Without the repetition penalty an opening's
 * continuation can loop ("...left frontal region (T3, F7, F7, F8, F7, F3, F7, T3, ...)").
 */
export function keepsToOpening(
  book: Phrasebook,
  section: string,
  opening: string,
  sentence: string,
): boolean {
  const seen = new Map<string, number>();
  for (const t of sentence.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (!/\d/.test(t) && t.length < 4) continue;
    const n = (seen.get(t) ?? 0) + 1;
    if (n > 2) return false;
    seen.set(t, n);
  }
  const known = book.words?.[section]?.[opening];
  if (!known) return true;
  const set = new Set(known);
  return wordsOf(sentence).every((w) => set.has(w));
}

/**
 * Shortest and longest opening, in words. Two words are too little to go on: after "There is" (every
 * LRDA sentence of the training reports starts so) the model wrote anything; after "There is
 * frequent" it writes the LRDA sentence (held-out LRDA F1 0.2 -> 0.5 on 100 sessions).
 */
const MIN_WORDS = 3;
const MAX_WORDS = 8;
/** Openings kept per finding. */
const PER_KIND = 2;
/** Of the sentences that begin with an opening, the share that must state its finding. */
const MIN_PRECISION = 0.8;
/** Openings seen fewer times than this are not kept (the rarest findings have 6-7 training reports). */
const MIN_COUNT = 2;
const SIDED = /\b(left|right|L|R)\b/i;

const IMPRESSION = 'IMPRESSION/INTERPRETATION';

/** The findings of `section` one sentence states as present, and an impression's abnormal verdict. */
export function statedKinds(section: string, sentence: string): PhraseKey[] {
  const kinds = new Set<FindingKind>(SECTION_KINDS[section as keyof typeof SECTION_KINDS] ?? []);
  const said = labelReport(`${section}: ${sentence}`);
  const out: PhraseKey[] = said.findings
    .filter((f) => f.polarity === 'present' && kinds.has(f.kind))
    .map((f) => f.kind);
  if (section === IMPRESSION && said.abnormal === true) out.push('abnormal');
  return out;
}

/** A bank sentence is a stock sentence when the training reports wrote it word for word this many times. */
const STOCK_MIN = 3;

/**
 * The training reports' stock sentences for finding `kind` of `section`: sentences that state that
 * finding alone and were written word for word at least STOCK_MIN times ("Hyperventilation elicited a
 * symmetric build-up that resolved within 60 seconds."), most written first. Where the decoder, given
 * such an opening, drifts into another sentence's words ("...that resolved within 6-25 Hz."), the
 * sentence guide offers these whole (./sentence-guide.ts). A sentence that names a side is one only
 * with the finding's measured `side`: its wordings on either side count together, and it is given on
 * that side ("The alpha rhythm is of lower amplitude on the right (asymmetry)." where the right
 * posterior rhythm is the weaker; the decoder wrote "left", the side most training reports give).
 */
export function stockSentences(
  book: Phrasebook,
  section: string,
  kind: PhraseKey,
  side?: 'left' | 'right',
): string[] {
  const counts = new Map<string, number>();
  for (const [text, n] of book.sentences?.[section]?.[`${kind}+`] ?? []) {
    const sides = new Set(text.match(SIDE_WORD)?.map((w) => w.toLowerCase()));
    if (SIDE_LETTER.test(text) || sides.size > 1 || (sides.size === 1 && !side)) continue;
    const wording = side ? onSide(text, side) : text;
    counts.set(wording, (counts.get(wording) ?? 0) + n);
  }
  return [...counts]
    .filter(([, n]) => n >= STOCK_MIN)
    .sort((a, b) => b[1] - a[1])
    .map(([text]) => text);
}

const SIDE_LETTER = /\b(L|R)\b/;

/** Distinct sentences kept per statement in the bank (the most frequent; PDR sentences differ in their numbers). */
const BANK_PER_KEY = 40;

/**
 * What one sentence of `section` states, as the labeler reads it alone: its findings with their
 * polarity ("sleep_spindles+", "focal_slowing-"), the impression's verdict, and whether it gives a
 * PDR, without sides, regions or numbers, so that the wordings of one statement share a key. Empty
 * when the labeler reads nothing: "No sleep was obtained.", "Clinical correlation is advised.",
 * "Hyperventilation did not produce significant changes." share it within their sections.
 */
export function sentenceKey(section: string, sentence: string): string {
  const r = labelReport(`${section}: ${sentence}`);
  const parts = new Set(r.findings.map((f) => `${f.kind}${f.polarity === 'absent' ? '-' : '+'}`));
  if (r.pdrHz !== null && r.pdrHz !== undefined) parts.add('pdr');
  if (section === IMPRESSION && r.abnormal !== null && r.abnormal !== undefined)
    parts.add(r.abnormal ? 'abnormal' : 'normal');
  return [...parts].sort().join(',');
}

/** The training reports' sentences by section and statement (`Phrasebook.sentences`). */
export function buildSentenceBank(
  reports: Iterable<CelmReportSection[]>,
): NonNullable<Phrasebook['sentences']> {
  const counts = new Map<string, Map<string, Map<string, number>>>();
  for (const sections of reports)
    for (const { section_name: section, section_text: text } of sections)
      for (const sentence of sentencesOf(text)) {
        const key = sentenceKey(section, sentence);
        const bySection = counts.get(section) ?? new Map<string, Map<string, number>>();
        counts.set(section, bySection);
        const byKey = bySection.get(key) ?? new Map<string, number>();
        bySection.set(key, byKey);
        byKey.set(sentence, (byKey.get(sentence) ?? 0) + 1);
      }
  const bank: NonNullable<Phrasebook['sentences']> = {};
  for (const [section, bySection] of counts) {
    bank[section] = {};
    // most frequent first; equals in the order the reports gave them
    for (const [key, byKey] of [...bySection].sort((a, b) => a[0].localeCompare(b[0])))
      bank[section][key] = [...byKey].sort((a, b) => b[1] - a[1]).slice(0, BANK_PER_KEY);
  }
  return bank;
}

export function buildPhrasebook(reports: Iterable<CelmReportSection[]>): Phrasebook {
  const all = [...reports];
  // section -> opening -> { all: sentences beginning with it, kinds: of those, stating each finding,
  // words: of those sentences }
  type Count = { all: number; kinds: Map<PhraseKey, number>; words: Set<string> };
  const counts = new Map<string, Map<string, Count>>();
  // section -> finding -> the words of all its sentences stating it
  const kindWords = new Map<string, Map<PhraseKey, Set<string>>>();
  for (const sections of all)
    for (const { section_name: section, section_text: text } of sections) {
      if (!SECTION_KINDS[section as keyof typeof SECTION_KINDS]?.length && section !== IMPRESSION) continue;
      const bySection = counts.get(section) ?? new Map();
      counts.set(section, bySection);
      for (const sentence of sentencesOf(text)) {
        const words = sentence.split(/\s+/);
        const kinds = statedKinds(section, sentence);
        const used = wordsOf(sentence);
        const byKind = kindWords.get(section) ?? new Map<PhraseKey, Set<string>>();
        kindWords.set(section, byKind);
        for (const k of kinds) {
          const set = byKind.get(k) ?? new Set<string>();
          byKind.set(k, set);
          for (const w of used) set.add(w);
        }
        for (let n = MIN_WORDS; n <= Math.min(MAX_WORDS, words.length - 1); n++) {
          const opening = words.slice(0, n).join(' ');
          const c: Count = bySection.get(opening) ?? { all: 0, kinds: new Map(), words: new Set() };
          bySection.set(opening, c);
          c.all++;
          for (const k of kinds) c.kinds.set(k, (c.kinds.get(k) ?? 0) + 1);
          for (const w of used) c.words.add(w);
        }
      }
    }
  const openings: Phrasebook['openings'] = {};
  const vocab: NonNullable<Phrasebook['words']> = {};
  for (const [section, bySection] of counts) {
    const found: Partial<Record<PhraseKey, { opening: string; score: number }[]>> = {};
    for (const [opening, c] of bySection) {
      if (SIDED.test(opening)) continue;
      for (const [k, n] of c.kinds) {
        if (n < MIN_COUNT || n / c.all < MIN_PRECISION) continue;
        // frequent and precise first; among equals the longer: the model takes over where the
        // training reports' wording parts (the channel, the side), not mid-phrase where it drifts
        const score = (n * n) / c.all + opening.split(' ').length * 1e-3;
        found[k] = [...(found[k] ?? []), { opening, score }];
      }
    }
    const kept: Partial<Record<PhraseKey, string[]>> = {};
    for (const [k, list] of Object.entries(found) as [PhraseKey, { opening: string; score: number }[]][]) {
      const chosen: string[] = [];
      for (const { opening } of list.sort(
        (a, b) => b.score - a.score || a.opening.localeCompare(b.opening),
      )) {
        // one of "Intermittent electrode" and "Intermittent electrode artifact": they lead to the same sentences
        if (chosen.some((o) => opening.startsWith(`${o} `) || o.startsWith(`${opening} `))) continue;
        chosen.push(opening);
        if (chosen.length === PER_KIND) break;
      }
      kept[k] = chosen;
    }
    openings[section] = kept;
    vocab[section] = Object.fromEntries(
      (Object.entries(kept) as [PhraseKey, string[]][]).flatMap(([k, list]) =>
        list.map((o) => [
          o,
          [
            ...new Set([...(bySection.get(o)?.words ?? []), ...(kindWords.get(section)?.get(k) ?? [])]),
          ].sort(),
        ]),
      ),
    );
  }
  return { format: 'celm-phrasebook', version: 1, openings, words: vocab, sentences: buildSentenceBank(all) };
}
