/**
 * METEOR as NLTK 3.8's `single_meteor_score` computes it (alpha 0.9, beta 3, gamma 0.5).
 *
 * Both token lists are lower-cased, then aligned in three stages, each pairing a hypothesis token with
 * a reference token scanning both lists from the end: exact match; Porter-stem match (the tokens left
 * over carry their stems into the next stage, as in NLTK); WordNet synonym match (a reference token
 * matches when it is a lemma name of a synset of the hypothesis token). With m matches, P = m / |hyp|,
 * R = m / |ref|, Fmean = P R / (alpha P + (1 - alpha) R), and the score is Fmean (1 - gamma (c / m)^beta)
 * where c is the number of chunks of adjacent matches. No match, or an empty side, scores 0.
 */
import { porterStem } from './porter.js';
import { PY_WHITESPACE } from './tokenize13a.js';
import type { WordNet } from './wordnet.js';

export const METEOR_ALPHA = 0.9;
export const METEOR_BETA = 3;
export const METEOR_GAMMA = 0.5;

type Enum = Array<[index: number, word: string]>;
type Match = [hyp: number, ref: number];

/** NLTK's `_match_enums`: removes matched entries from both lists. */
function matchEnums(hyp: Enum, ref: Enum, out: Match[]): void {
  for (let i = hyp.length - 1; i >= 0; i--) {
    const word = hyp[i][1];
    for (let j = ref.length - 1; j >= 0; j--) {
      if (ref[j][1] === word) {
        out.push([hyp[i][0], ref[j][0]]);
        hyp.splice(i, 1);
        ref.splice(j, 1);
        break;
      }
    }
  }
}

function synonymMatch(hyp: Enum, ref: Enum, wordnet: WordNet | null, out: Match[]): void {
  for (let i = hyp.length - 1; i >= 0; i--) {
    const word = hyp[i][1];
    const syns = wordnet?.synonyms(word);
    for (let j = ref.length - 1; j >= 0; j--) {
      const r = ref[j][1];
      if (r === word || syns?.has(r)) {
        out.push([hyp[i][0], ref[j][0]]);
        hyp.splice(i, 1);
        ref.splice(j, 1);
        break;
      }
    }
  }
}

/** Aligns the two token lists; returns the matches sorted by hypothesis position. */
export function meteorAlign(reference: string[], hypothesis: string[], wordnet: WordNet | null): Match[] {
  let hyp: Enum = hypothesis.map((w, i) => [i, w.toLowerCase()]);
  let ref: Enum = reference.map((w, i) => [i, w.toLowerCase()]);
  const matches: Match[] = [];
  matchEnums(hyp, ref, matches);
  hyp = hyp.map(([i, w]) => [i, porterStem(w)]);
  ref = ref.map(([i, w]) => [i, porterStem(w)]);
  matchEnums(hyp, ref, matches);
  synonymMatch(hyp, ref, wordnet, matches);
  return matches.sort((a, b) => a[0] - b[0]);
}

/** The fewest chunks of matches adjacent in both texts. */
export function countChunks(matches: Match[]): number {
  let chunks = 1;
  for (let i = 0; i < matches.length - 1; i++) {
    if (!(matches[i + 1][0] === matches[i][0] + 1 && matches[i + 1][1] === matches[i][1] + 1)) chunks++;
  }
  return chunks;
}

/** METEOR of pre-tokenized texts. `wordnet` null skips the synonym stage (not NLTK's behaviour). */
export function meteorScore(reference: string[], hypothesis: string[], wordnet: WordNet | null): number {
  if (reference.length === 0 || hypothesis.length === 0) return 0;
  const matches = meteorAlign(reference, hypothesis, wordnet);
  const m = matches.length;
  if (m === 0) return 0;
  const precision = m / hypothesis.length;
  const recall = m / reference.length;
  const fmean = (precision * recall) / (METEOR_ALPHA * precision + (1 - METEOR_ALPHA) * recall);
  const frag = countChunks(matches) / m;
  const penalty = METEOR_GAMMA * frag ** METEOR_BETA;
  return (1 - penalty) * fmean;
}

// ---- Tokenizer -------------------------------------------------------------------------------------
// NLTK's METEOR takes tokens; the reference values were made with an untrained Punkt sentence splitter
// followed by the Penn Treebank word tokenizer. This approximates both: sentences end at . ? ! (with
// closing quotes or brackets) before whitespace, except after a lone letter or a number; then the
// Treebank rules (ASCII \b and \d where Python's are Unicode-aware).

const WS = `[${PY_WHITESPACE}]`;
const WS_RUN = new RegExp(`${WS}+`, 'u');
const BREAK_CANDIDATE = new RegExp(`[.?!]['")\\]}]*(${WS}+)(?=(\\S?))`, 'gu');
const NUMBER = /^-?[.,]?\p{Nd}[\p{Nd},.-]*\.?$/u;
const INITIAL = /^\p{L}\.$/u;

/**
 * A rough untrained Punkt: a sentence ends at . ? ! (and closing quotes or brackets) before whitespace,
 * except after a lone initial ("J.") and after a number when the next word starts in lower case.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const m of text.matchAll(BREAK_CANDIDATE)) {
    const gapStart = (m.index ?? 0) + m[0].length - m[1].length;
    const before = text.slice(start, gapStart);
    const lastWord = before.split(WS_RUN).pop() ?? '';
    const next = m[2] ?? '';
    if (INITIAL.test(lastWord)) continue;
    if (NUMBER.test(lastWord) && next !== '' && next !== next.toUpperCase()) continue;
    out.push(before);
    start = gapStart + m[1].length;
  }
  if (text.slice(start).trim() !== '') out.push(text.slice(start));
  return out;
}

const TREEBANK: Array<[RegExp, string]> = [
  // starting quotes
  [/^"/u, '``'],
  [/(``)/gu, ' $1 '],
  [/([ ([{<])("|'{2})/gu, '$1 `` '],
  // punctuation
  [/([:,])([^\p{Nd}])/gu, ' $1 $2'],
  [/([:,])$/gu, ' $1 '],
  [/\.\.\./gu, ' ... '],
  [/[;@#$%&]/gu, ' $& '],
  [new RegExp(`([^.])(\\.)([\\])}>"']*)${WS}*$`, 'gu'), '$1 $2$3 '],
  [/[?!]/gu, ' $& '],
  [/([^'])' /gu, "$1 ' "],
  // parentheses and brackets
  [/[\][(){}<>]/gu, ' $& '],
  [/--/gu, ' -- '],
];

const ENDING: Array<[RegExp, string]> = [
  [/''/gu, " '' "],
  [/"/gu, " '' "],
  [/([^' ])('[sS]|'[mM]|'[dD]|') /gu, '$1 $2 '],
  [/([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /gu, '$1 $2 '],
];

const CONTRACTIONS: RegExp[] = [
  /\b(can)(not)\b/giu,
  /\b(d)('ye)\b/giu,
  /\b(gim)(me)\b/giu,
  /\b(gon)(na)\b/giu,
  /\b(got)(ta)\b/giu,
  /\b(lem)(me)\b/giu,
  /\b(more)('n)\b/giu,
  /\b(wan)(na)(?=\s)/giu,
  / ('t)(is)\b/giu,
  / ('t)(was)\b/giu,
];

/** Every text a CONTRACTIONS pattern can change contains one of these (same flags: same case folding). */
const CONTRACTION_HINT = /cannot|d'ye|gimme|gonna|gotta|lemme|more'n|wanna|'tis|'twas/iu;

/** Penn Treebank word tokenizer (NLTK's TreebankWordTokenizer) on one sentence. */
export function treebankTokenize(sentence: string): string[] {
  let text = sentence;
  for (const [re, rep] of TREEBANK) text = text.replace(re, rep);
  text = ` ${text} `;
  for (const [re, rep] of ENDING) text = text.replace(re, rep);
  if (CONTRACTION_HINT.test(text)) for (const re of CONTRACTIONS) text = text.replace(re, ' $1 $2 ');
  return text.split(WS_RUN).filter((t) => t !== '');
}

/** celm's METEOR tokenizer: sentence split, then Treebank words (approximates NLTK's word_tokenize). */
export function meteorTokenize(text: string): string[] {
  return splitSentences(text).flatMap(treebankTokenize);
}
