/**
 * The Porter stemmer in NLTK's default mode (NLTK_EXTENSIONS), which both NLTK's METEOR and Google's
 * rouge_score use. Written here rather than taken from npm: the stemmers published there (e.g. `natural`)
 * follow the original 1980 algorithm or Martin Porter's later version, which stem words like "dying",
 * "flies", "generously" or "archaeology" differently from NLTK's mode.
 *
 * NLTK's extras over the paper: a table of irregular forms; words of one or two characters are left
 * alone; "ies"/"ied" on four-letter words give "ie"; Step 1c turns y into i only after a consonant that
 * is not the first letter; Step 2 applies "alli" first (then Step 2 again), uses "bli" -> "ble", and adds
 * "fulli" -> "ful" and "logi" -> "log"; the *o test accepts a two-letter vowel-consonant stem.
 *
 * The word is handled as an array of code points, so lengths and positions agree with Python's.
 */

const IRREGULAR: Record<string, string> = {
  sky: 'sky',
  skies: 'sky',
  dying: 'die',
  lying: 'lie',
  tying: 'tie',
  news: 'news',
  innings: 'inning',
  inning: 'inning',
  outings: 'outing',
  outing: 'outing',
  cannings: 'canning',
  canning: 'canning',
  howe: 'howe',
  proceed: 'proceed',
  exceed: 'exceed',
  succeed: 'succeed',
};

type Word = string[];

function isConsonant(w: Word, i: number): boolean {
  const c = w[i];
  if (c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u') return false;
  if (c === 'y') return i === 0 ? true : !isConsonant(w, i - 1);
  return true;
}

/** m in [C](VC){m}[V]: the number of vowel-consonant transitions. */
function measure(w: Word, end = w.length): number {
  let m = 0;
  let prevVowel = false;
  for (let i = 0; i < end; i++) {
    const consonant = isConsonant(w, i);
    if (consonant && prevVowel) m++;
    prevVowel = !consonant;
  }
  return m;
}

function containsVowel(w: Word): boolean {
  for (let i = 0; i < w.length; i++) if (!isConsonant(w, i)) return true;
  return false;
}

function endsDoubleConsonant(w: Word): boolean {
  const n = w.length;
  return n >= 2 && w[n - 1] === w[n - 2] && isConsonant(w, n - 1);
}

/** Condition *o (plus NLTK's two-letter vowel-consonant case). */
function endsCvc(w: Word): boolean {
  const n = w.length;
  if (n >= 3) {
    const last = w[n - 1];
    if (
      isConsonant(w, n - 3) &&
      !isConsonant(w, n - 2) &&
      isConsonant(w, n - 1) &&
      last !== 'w' &&
      last !== 'x' &&
      last !== 'y'
    )
      return true;
  }
  return n === 2 && !isConsonant(w, 0) && isConsonant(w, 1);
}

function endsWith(w: Word, suffix: string): boolean {
  const n = w.length;
  const k = suffix.length; // suffixes are ASCII: one code point per UTF-16 unit
  if (k > n) return false;
  for (let i = 0; i < k; i++) if (w[n - k + i] !== suffix[i]) return false;
  return true;
}

function withSuffix(stem: Word, replacement: string): Word {
  return replacement === '' ? stem : stem.concat(replacement.split(''));
}

type Condition = ((stem: Word) => boolean) | null;
type Rule = [suffix: string, replacement: string, condition: Condition];

/** Applies the first rule whose suffix matches (whether or not its condition holds, no later rule is tried). */
function applyRules(w: Word, rules: Rule[]): Word {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === '*d' && endsDoubleConsonant(w)) {
      const stem = w.slice(0, -2);
      return condition === null || condition(stem) ? withSuffix(stem, replacement) : w;
    }
    if (endsWith(w, suffix)) {
      const stem = w.slice(0, w.length - suffix.length);
      return condition === null || condition(stem) ? withSuffix(stem, replacement) : w;
    }
  }
  return w;
}

const positive = (stem: Word) => measure(stem) > 0;
const greaterThanOne = (stem: Word) => measure(stem) > 1;

function step1a(w: Word): Word {
  if (w.length === 4 && endsWith(w, 'ies')) return withSuffix(w.slice(0, 1), 'ie');
  return applyRules(w, [
    ['sses', 'ss', null],
    ['ies', 'i', null],
    ['ss', 'ss', null],
    ['s', '', null],
  ]);
}

function step1b(w: Word): Word {
  if (endsWith(w, 'ied')) return withSuffix(w.slice(0, -3), w.length === 4 ? 'ie' : 'i');
  if (endsWith(w, 'eed')) {
    const stem = w.slice(0, -3);
    return measure(stem) > 0 ? withSuffix(stem, 'ee') : w;
  }
  let intermediate: Word | null = null;
  for (const suffix of ['ed', 'ing']) {
    if (endsWith(w, suffix)) {
      const stem = w.slice(0, w.length - suffix.length);
      if (containsVowel(stem)) {
        intermediate = stem;
        break;
      }
    }
  }
  if (intermediate === null) return w;
  const last = intermediate[intermediate.length - 1] ?? '';
  return applyRules(intermediate, [
    ['at', 'ate', null],
    ['bl', 'ble', null],
    ['iz', 'ize', null],
    ['*d', last, () => last !== 'l' && last !== 's' && last !== 'z'],
    ['', 'e', (stem) => measure(stem) === 1 && endsCvc(stem)],
  ]);
}

function step1c(w: Word): Word {
  return applyRules(w, [['y', 'i', (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)]]);
}

function step2(w: Word): Word {
  if (endsWith(w, 'alli') && positive(w.slice(0, -4))) return step2(withSuffix(w.slice(0, -4), 'al'));
  return applyRules(w, [
    ['ational', 'ate', positive],
    ['tional', 'tion', positive],
    ['enci', 'ence', positive],
    ['anci', 'ance', positive],
    ['izer', 'ize', positive],
    ['bli', 'ble', positive],
    ['alli', 'al', positive],
    ['entli', 'ent', positive],
    ['eli', 'e', positive],
    ['ousli', 'ous', positive],
    ['ization', 'ize', positive],
    ['ation', 'ate', positive],
    ['ator', 'ate', positive],
    ['alism', 'al', positive],
    ['iveness', 'ive', positive],
    ['fulness', 'ful', positive],
    ['ousness', 'ous', positive],
    ['aliti', 'al', positive],
    ['iviti', 'ive', positive],
    ['biliti', 'ble', positive],
    ['fulli', 'ful', positive],
    // The "l" of "logi" stays with the stem for the measure (so "geo", "theo" work).
    ['logi', 'log', () => measure(w.slice(0, -3)) > 0],
  ]);
}

function step3(w: Word): Word {
  return applyRules(w, [
    ['icate', 'ic', positive],
    ['ative', '', positive],
    ['alize', 'al', positive],
    ['iciti', 'ic', positive],
    ['ical', 'ic', positive],
    ['ful', '', positive],
    ['ness', '', positive],
  ]);
}

function step4(w: Word): Word {
  return applyRules(w, [
    ['al', '', greaterThanOne],
    ['ance', '', greaterThanOne],
    ['ence', '', greaterThanOne],
    ['er', '', greaterThanOne],
    ['ic', '', greaterThanOne],
    ['able', '', greaterThanOne],
    ['ible', '', greaterThanOne],
    ['ant', '', greaterThanOne],
    ['ement', '', greaterThanOne],
    ['ment', '', greaterThanOne],
    ['ent', '', greaterThanOne],
    [
      'ion',
      '',
      (stem) => measure(stem) > 1 && (stem[stem.length - 1] === 's' || stem[stem.length - 1] === 't'),
    ],
    ['ou', '', greaterThanOne],
    ['ism', '', greaterThanOne],
    ['ate', '', greaterThanOne],
    ['iti', '', greaterThanOne],
    ['ous', '', greaterThanOne],
    ['ive', '', greaterThanOne],
    ['ize', '', greaterThanOne],
  ]);
}

function step5a(w: Word): Word {
  if (endsWith(w, 'e')) {
    const stem = w.slice(0, -1);
    const m = measure(stem);
    if (m > 1) return stem;
    if (m === 1 && !endsCvc(stem)) return stem;
  }
  return w;
}

function step5b(w: Word): Word {
  return applyRules(w, [['ll', 'l', () => measure(w, w.length - 1) > 1]]);
}

const cache = new Map<string, string>();
const CACHE_LIMIT = 200_000;

/** NLTK's `PorterStemmer().stem(word)` (lower-cases first, like NLTK's default `to_lowercase=True`). */
export function porterStem(word: string): string {
  const hit = cache.get(word);
  if (hit !== undefined) return hit;
  const result = stemUncached(word);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(word, result);
  return result;
}

function stemUncached(word: string): string {
  const lower = word.toLowerCase();
  // NLTK looks the original word up in its irregular table but returns the entry of the lower-cased one.
  if (Object.hasOwn(IRREGULAR, word)) return IRREGULAR[lower];
  const chars = Array.from(lower);
  if (Array.from(word).length <= 2) return lower;
  let w: Word = chars;
  w = step1a(w);
  w = step1b(w);
  w = step1c(w);
  w = step2(w);
  w = step3(w);
  w = step4(w);
  w = step5a(w);
  w = step5b(w);
  return w.join('');
}
