/**
 * The words of the training reports. A sampled candidate that uses a word the training reports never
 * used ("helpeat", "encepriurally") has derailed into sub-word fragments, which a per-token probability
 * floor does not always catch (the repetition penalty makes odd fragments look likely); such
 * candidates are not kept (src/model/report.ts). Its hyphenated compounds ("spike-and-wave",
 * "k-complexes") are kept whole as well: the decoder also derails inside known words' compounds
 * ("sharp wave-and-slow-slow-s", 23 of 3,000 held-out sections), which the word check passes.
 * Saved as `lexicon.json` in the model folder; one written before compounds were kept has none, and
 * then compounds are not checked.
 * Also the two text units the guide and the phrasebook count in: words and sentences.
 */
import type { CelmReportSection } from '../clinical/sections.js';
import { writeFileAtomic } from '../fs-atomic.js';

export interface Lexicon {
  format: 'celm-lexicon';
  version: 1;
  words: string[];
}

/** Lower-case words of letters (hyphenated parts separately; numbers, units and codes are not words). */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/\p{L}+/gu) ?? [];
}

/**
 * Lower-case hyphenated compounds that begin with a word ("spike-and-wave", and the decoder's
 * "spike-3", which no training report has; not the electrode pair "T3-C3" or the range "8-9").
 */
export function compoundsOf(text: string): string[] {
  return text.toLowerCase().match(/(?<![\p{L}\p{N}-])\p{L}+(?:-[\p{L}\p{N}]+)+(?![\p{L}\p{N}-])/gu) ?? [];
}

export function buildLexicon(texts: Iterable<string>): Lexicon {
  const words = new Set<string>();
  for (const t of texts) for (const w of [...wordsOf(t), ...compoundsOf(t)]) words.add(w);
  return { format: 'celm-lexicon', version: 1, words: [...words].sort() };
}

/** Writes the lexicon of `reports`' section texts to `path` (`celm train`, and `celm calibrate` for older models). */
export function writeLexicon(path: string, reports: { report_sections: CelmReportSection[] }[]): void {
  const texts = reports.flatMap((r) => r.report_sections.map((s) => s.section_text));
  writeFileAtomic(path, `${JSON.stringify(buildLexicon(texts))}\n`);
}

const compoundsKnown = new WeakMap<ReadonlySet<string>, boolean>();

/** The words of `text` not in `known`, and its compounds when `known` keeps compounds. */
export function unknownWords(text: string, known: ReadonlySet<string>): string[] {
  let keeps = compoundsKnown.get(known);
  if (keeps === undefined) {
    keeps = [...known].some((w) => w.includes('-'));
    compoundsKnown.set(known, keeps);
  }
  const words = wordsOf(text).filter((w) => !known.has(w));
  return keeps ? [...words, ...compoundsOf(text).filter((w) => !known.has(w))] : words;
}

/** Sentences of a section text (a sentence ends with . ! or ? before white space or the end). */
export function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
