/**
 * Byte-level BPE tokenizer for the report decoder, in the style of GPT-2: a regex splits text into
 * pre-tokens (words with their leading space, single digits, punctuation runs, whitespace), and BPE
 * merges learned on the report corpus run inside each pre-token over its UTF-8 bytes. The 256 byte
 * tokens are always in the vocabulary, so every string round-trips: `decode(encode(s)) === s`.
 *
 * Why hand-written: the npm packages that tokenize with BPE (js-tiktoken, tiktoken, gpt-tokenizer,
 * gpt-3-encoder, @huggingface/tokenizers, sentencepiece-js ...) only apply existing vocabularies and
 * cannot learn one; `tokenizers` (HuggingFace's Node bindings) can, but is a native Rust build per
 * platform for a job of a few hundred lines; the Python `tokenizers` wheel is no option in a
 * Node-only project. The trainer here is dependency-free, runs in-process and is fast
 * enough. Measured on this project's shared 2-core machine (Node 20, load ~4): 2,000 synthetic reports
 * (`celm synth` text, 2.7 MB, only 671 distinct pre-tokens) train to vocabulary 1024 in 0.13 s and run
 * out of pairs seen twice at 1903 tokens in 0.17 s; the same 2.7 MB with its words replaced in part
 * by random ones (38,500 distinct pre-tokens, likely more than a few thousand real reports have) trains to vocabulary 1024
 * in 0.8 s and 2048 in 1.1 s. Encoding runs at about 25 MB/s once the per-pre-token cache is warm.
 *
 * Ids: the special tokens first (0..n-1, in the order given), then the 256 bytes (n + byte value),
 * then one token per merge in the order learned (n + 256 + rank), so ids order the merges by rank.
 *
 * Text is UTF-8 encoded; lone UTF-16 surrogates (not valid Unicode, but legal in a JS string) are
 * encoded as WTF-8 three-byte sequences so that even they round-trip. Decoding an arbitrary id
 * sequence (e.g. a model's output that cuts a multi-byte character) turns invalid byte sequences into
 * U+FFFD like TextDecoder.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CelmError } from '../errors.js';

/**
 * GPT-2's pre-tokenization pattern with one change: numbers are split into single digits (GPT-2 has
 * ` ?\p{N}+`). Why: the corpus is a few thousand reports, too little for a vocabulary of whole
 * numbers. Left to BPE, frequent values ("10", "20", "35") would become opaque single tokens while
 * rarer ones ("37", "13") were cut arbitrarily, and the decoder would have to learn every value as a
 * separate symbol. With one token per digit (as in LLaMA and PaLM) "9.5 Hz", "35 uV", "14:32:05" and
 * "F7-T3" are spelled from the same ten digits, so a value the model has seen rarely or never is
 * written the same way as a common one. A space before a number stays attached to its first digit
 * (" 1", "0"), which saves a token per number. Other pieces: English contractions ("'s"), letter runs
 * with an optional leading space (" background", " µV"), punctuation runs with an optional leading
 * space (" (", "."), line breaks with the whitespace before them ("\n\n" is one piece, as in GPT-4's
 * pattern; GPT-2 cut it in two), and other whitespace runs, whose last space goes to the next word.
 * Every code point falls in one of the classes (letter, number, whitespace, other), so the pieces
 * cover the text exactly.
 */
const PRETOKEN_RE = /'(?:s|t|re|ve|m|ll|d)| ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}]+|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/** Name of the pre-tokenizer above, stored in the JSON so that a file made with another one is refused. */
export const PRETOKENIZER = 'gpt2-single-digits-v1';
export const TOKENIZER_FORMAT = 'celm-bpe-tokenizer';
export const TOKENIZER_VERSION = 1;

/** Largest vocabulary: pair keys are `a * 2^21 + b`, exact in a double. */
const MAX_VOCAB = 1 << 21;
const KEY = 1 << 21;
/** Distinct pre-tokens kept in the encode cache before it is cleared. */
const CACHE_LIMIT = 100_000;

export interface TrainOptions {
  /** Total vocabulary size, specials and the 256 byte tokens included. */
  vocabSize: number;
  /** Special tokens, ids 0..n-1 in this order (e.g. `<pad>`, `<bos>`, `<eos>`, `<sec:background>`). */
  specials?: readonly string[];
  /**
   * A pair is merged only if it occurs at least this often (default 2). Training stops early, with a
   * smaller vocabulary than asked, when no pair is that frequent.
   */
  minFrequency?: number;
}

export interface DecodeOptions {
  /** Write special tokens as their text (`<bos>`); by default they decode to nothing. */
  keepSpecials?: boolean;
}

/** The JSON form of a tokenizer (`toJSON`, `save`, `fromJSON`, `load`). */
export interface TokenizerJson {
  format: typeof TOKENIZER_FORMAT;
  version: number;
  pretokenizer: string;
  /** Special tokens, ids 0..n-1. */
  specials: string[];
  /**
   * The printable character that stands for each byte in `vocab` and `tokenText` (GPT-2's map:
   * printable ASCII and Latin-1 stand for themselves, space is "Ġ", newline "Ċ").
   */
  byteMap: string[];
  /** Merges in rank order, as the pair of token ids they join; merge i makes id n + 256 + i. */
  merges: [number, number][];
  /** Every token's text through `byteMap` (specials verbatim); for reading, checked on load if present. */
  vocab?: string[];
}

/** Splits text into pre-tokens (see PRETOKEN_RE); concatenating them gives the text back. */
export function pretokenize(text: string): string[] {
  const out: string[] = [];
  forEachPiece(text, (p) => out.push(p));
  return out;
}

function forEachPiece(text: string, fn: (piece: string) => void): void {
  const re = new RegExp(PRETOKEN_RE.source, 'gu');
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    // Never happens (the classes cover every code point); a guard so no text is ever dropped.
    if (m.index > last) fn(text.slice(last, m.index));
    fn(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) fn(text.slice(last));
}

/** GPT-2's bytes_to_unicode: a printable character for each byte. */
function gpt2ByteMap(): string[] {
  const map: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    map[b] = String.fromCodePoint(printable ? b : 256 + extra++);
  }
  return map;
}

/** UTF-8 bytes of a JS string; lone surrogates as WTF-8 (three bytes, like any BMP code point). */
export function utf8Encode(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}

/**
 * Decodes UTF-8 like the WHATWG decoder (TextDecoder: one U+FFFD per maximal invalid subpart), except
 * that encoded surrogates (ED A0..BF xx) decode to the lone surrogate they stand for (WTF-8).
 */
export function utf8Decode(bytes: ArrayLike<number>): string {
  const units: number[] = [];
  let out = '';
  const flush = () => {
    out += String.fromCharCode(...units);
    units.length = 0;
  };
  const emit = (cp: number) => {
    if (cp < 0x10000) units.push(cp);
    else units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    if (units.length > 4096) flush();
  };
  let needed = 0;
  let seen = 0;
  let cp = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (needed === 0) {
      if (b <= 0x7f) emit(b);
      else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        needed = 2;
        cp = b & 0x0f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        needed = 3;
        cp = b & 0x07;
      } else emit(0xfffd);
      continue;
    }
    if (b < lower || b > upper) {
      needed = seen = cp = 0;
      lower = 0x80;
      upper = 0xbf;
      emit(0xfffd);
      i--; // the byte starts afresh
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    if (++seen === needed) {
      emit(cp);
      needed = seen = cp = 0;
    }
  }
  if (needed) emit(0xfffd);
  flush();
  return out;
}

function badFile(source: string, what: string): CelmError {
  return new CelmError('bad-tokenizer', `${source}: ${what}`);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : String(v);
}

function checkSpecials(specials: unknown, where: string): string[] {
  if (!Array.isArray(specials)) throw new Error(`${where} must be an array of strings`);
  const seen = new Set<string>();
  specials.forEach((s, i) => {
    if (typeof s !== 'string' || s.length === 0)
      throw new Error(`${where}[${i}] must be a non-empty string, got ${describe(s)}`);
    if (seen.has(s)) throw new Error(`${where}[${i}] ${JSON.stringify(s)} is listed twice`);
    seen.add(s);
  });
  return [...specials] as string[];
}

interface HeapEntry {
  count: number;
  a: number;
  b: number;
}

/** Before: higher count first, then the smaller pair of ids (a, then b): the fixed tie rule. */
function before(x: HeapEntry, y: HeapEntry): boolean {
  if (x.count !== y.count) return x.count > y.count;
  if (x.a !== y.a) return x.a < y.a;
  return x.b < y.b;
}

class PairHeap {
  private items: HeapEntry[] = [];
  push(e: HeapEntry): void {
    const h = this.items;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): HeapEntry | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

/** Replaces every (a, b) in `s`, left to right without overlap, by `c`; null when there is none. */
function mergePair(s: readonly number[], a: number, b: number, c: number): number[] | null {
  let out: number[] | null = null;
  for (let i = 0; i < s.length; i++) {
    if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
      if (!out) out = s.slice(0, i);
      out.push(c);
      i++;
    } else if (out) out.push(s[i]);
  }
  return out;
}

export class BpeTokenizer {
  private readonly specialList: readonly string[];
  private readonly specialIds: Map<string, number>;
  private readonly mergeList: readonly (readonly [number, number])[];
  /** Pair key -> id of the merged token (its rank plus n + 256). */
  private readonly ranks = new Map<number, number>();
  /** Bytes of every token (empty for specials). */
  private readonly bytes: Uint8Array[] = [];
  private readonly byteMap: readonly string[];
  private readonly cache = new Map<string, readonly number[]>();

  private constructor(
    specials: readonly string[],
    merges: readonly (readonly [number, number])[],
    byteMap?: readonly string[],
  ) {
    this.specialList = Object.freeze([...specials]);
    this.specialIds = new Map(specials.map((s, i) => [s, i]));
    this.mergeList = merges.map(([a, b]) => Object.freeze([a, b] as const));
    this.byteMap = byteMap ? [...byteMap] : gpt2ByteMap();
    const n = specials.length;
    for (let i = 0; i < n; i++) this.bytes.push(new Uint8Array(0));
    for (let b = 0; b < 256; b++) this.bytes.push(Uint8Array.of(b));
    merges.forEach(([a, b], r) => {
      const ba = this.bytes[a];
      const bb = this.bytes[b];
      const m = new Uint8Array(ba.length + bb.length);
      m.set(ba);
      m.set(bb, ba.length);
      this.bytes.push(m);
      this.ranks.set(a * KEY + b, n + 256 + r);
    });
  }

  /**
   * Learns merges from `texts` (each pre-tokenized; distinct pre-tokens are counted once with their
   * frequency). Each step merges the most frequent adjacent pair, ties broken by the smaller pair of
   * ids (first id, then second), so the result depends only on the multiset of pre-tokens: the same
   * texts in any order give the same vocabulary. Pair counts are updated incrementally, touching
   * only the distinct words that contain the merged pair.
   */
  static train(texts: Iterable<string>, options: TrainOptions): BpeTokenizer {
    let specials: string[];
    try {
      specials = checkSpecials(options.specials ?? [], 'specials');
    } catch (e) {
      throw new RangeError(`BpeTokenizer.train: ${(e as Error).message}`);
    }
    const n = specials.length;
    const { vocabSize } = options;
    const minFrequency = options.minFrequency ?? 2;
    if (!Number.isInteger(vocabSize) || vocabSize < n + 256 || vocabSize > MAX_VOCAB)
      throw new RangeError(
        `BpeTokenizer.train: vocabSize must be an integer from ${n + 256} (specials + 256 bytes) to ${MAX_VOCAB}, got ${vocabSize}`,
      );
    if (!Number.isInteger(minFrequency) || minFrequency < 1)
      throw new RangeError(
        `BpeTokenizer.train: minFrequency must be a positive integer, got ${minFrequency}`,
      );

    const pieceCounts = new Map<string, number>();
    for (const text of texts) {
      if (typeof text !== 'string')
        throw new TypeError(`BpeTokenizer.train: texts must be strings, got ${describe(text)}`);
      forEachPiece(text, (p) => pieceCounts.set(p, (pieceCounts.get(p) ?? 0) + 1));
    }
    const words: number[][] = [];
    const freq: number[] = [];
    for (const [piece, count] of pieceCounts) {
      const ids = utf8Encode(piece).map((b) => n + b);
      if (ids.length < 2) continue; // nothing to merge in one byte
      words.push(ids);
      freq.push(count);
    }

    const pairCount = new Map<number, number>();
    /** Pair key -> indices of words that contain (or once contained) it; may repeat. */
    const where = new Map<number, number[]>();
    const addWhere = (k: number, w: number) => {
      const list = where.get(k);
      if (!list) where.set(k, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    };
    words.forEach((s, w) => {
      for (let i = 0; i + 1 < s.length; i++) {
        const k = s[i] * KEY + s[i + 1];
        pairCount.set(k, (pairCount.get(k) ?? 0) + freq[w]);
        addWhere(k, w);
      }
    });
    const heap = new PairHeap();
    for (const [k, count] of pairCount) heap.push({ count, a: Math.floor(k / KEY), b: k % KEY });

    const merges: [number, number][] = [];
    const stamp = new Int32Array(words.length).fill(-1);
    while (n + 256 + merges.length < vocabSize) {
      const top = heap.pop();
      if (!top) break;
      const k = top.a * KEY + top.b;
      const count = pairCount.get(k) ?? 0;
      // Counts of existing pairs only fall, so an entry is either current or too high: re-queue it.
      if (count !== top.count) {
        if (count > 0) heap.push({ count, a: top.a, b: top.b });
        continue;
      }
      if (count < minFrequency) break;
      const c = n + 256 + merges.length;
      const step = merges.length;
      merges.push([top.a, top.b]);
      const delta = new Map<number, number>();
      for (const w of where.get(k) ?? []) {
        if (stamp[w] === step) continue;
        stamp[w] = step;
        const s = words[w];
        const ns = mergePair(s, top.a, top.b, c);
        if (!ns) continue;
        const f = freq[w];
        for (let i = 0; i + 1 < s.length; i++) {
          const p = s[i] * KEY + s[i + 1];
          delta.set(p, (delta.get(p) ?? 0) - f);
        }
        for (let i = 0; i + 1 < ns.length; i++) {
          const p = ns[i] * KEY + ns[i + 1];
          delta.set(p, (delta.get(p) ?? 0) + f);
          if (ns[i] === c || ns[i + 1] === c) addWhere(p, w);
        }
        words[w] = ns;
      }
      where.delete(k);
      for (const [p, d] of delta) {
        if (d === 0) continue;
        const v = (pairCount.get(p) ?? 0) + d;
        if (v > 0) pairCount.set(p, v);
        else pairCount.delete(p);
        if (d > 0) heap.push({ count: v, a: Math.floor(p / KEY), b: p % KEY });
      }
    }
    return new BpeTokenizer(specials, merges);
  }

  /** Number of ids: specials + 256 bytes + merges. */
  get vocabSize(): number {
    return this.bytes.length;
  }

  /** The special tokens, id i is specials[i]. */
  get specials(): readonly string[] {
    return this.specialList;
  }

  /** Number of learned merges. */
  get mergeCount(): number {
    return this.mergeList.length;
  }

  /** Id of a special token; throws for a name that is not one. */
  tokenId(name: string): number {
    const id = this.specialIds.get(name);
    if (id === undefined)
      throw new RangeError(
        `unknown special token ${JSON.stringify(name)} (specials: ${this.specialList.join(' ') || 'none'})`,
      );
    return id;
  }

  isSpecial(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.specialList.length;
  }

  /**
   * Plain text to ids. Never yields a special token: text such as "<bos>" is encoded as ordinary
   * bytes; callers add specials by id (`tokenId`).
   */
  encode(text: string): number[] {
    const out: number[] = [];
    forEachPiece(text, (piece) => {
      let ids = this.cache.get(piece);
      if (!ids) {
        ids = this.encodePiece(piece);
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(piece, ids);
      }
      for (const id of ids) out.push(id);
    });
    return out;
  }

  /** BPE inside one pre-token: repeatedly merge the adjacent pair of lowest rank, all its occurrences. */
  private encodePiece(piece: string): number[] {
    const n = this.specialList.length;
    let ids = utf8Encode(piece).map((b) => n + b);
    while (ids.length > 1) {
      let best = -1;
      let a = 0;
      let b = 0;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.ranks.get(ids[i] * KEY + ids[i + 1]);
        if (r !== undefined && (best < 0 || r < best)) {
          best = r;
          a = ids[i];
          b = ids[i + 1];
        }
      }
      if (best < 0) break;
      ids = mergePair(ids, a, b, best) ?? ids;
    }
    return ids;
  }

  /** Ids to text. Specials decode to nothing unless `keepSpecials`; an unknown id throws. */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    let out = '';
    let buf: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.bytes.length)
        throw new RangeError(
          `decode: ids[${i}] = ${id} is not a token id (vocabulary 0..${this.bytes.length - 1})`,
        );
      if (id < this.specialList.length) {
        if (options.keepSpecials) {
          out += utf8Decode(buf);
          buf = [];
          out += this.specialList[id];
        }
        continue;
      }
      for (const b of this.bytes[id]) buf.push(b);
    }
    return out + utf8Decode(buf);
  }

  /** The bytes a token stands for (empty for a special). */
  tokenBytes(id: number): Uint8Array {
    this.checkId(id);
    return this.bytes[id].slice();
  }

  /**
   * A token for reading: a special's own text, otherwise its bytes through the byte map (GPT-2 style:
   * " background" is "Ġbackground", "\n" is "Ċ"), which also shows a partial UTF-8 character.
   */
  tokenText(id: number): string {
    this.checkId(id);
    if (id < this.specialList.length) return this.specialList[id];
    let s = '';
    for (const b of this.bytes[id]) s += this.byteMap[b];
    return s;
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.bytes.length)
      throw new RangeError(`${id} is not a token id (vocabulary 0..${this.bytes.length - 1})`);
  }

  toJSON(): TokenizerJson {
    const vocab: string[] = [];
    for (let id = 0; id < this.bytes.length; id++) vocab.push(this.tokenText(id));
    return {
      format: TOKENIZER_FORMAT,
      version: TOKENIZER_VERSION,
      pretokenizer: PRETOKENIZER,
      specials: [...this.specialList],
      byteMap: [...this.byteMap],
      merges: this.mergeList.map(([a, b]) => [a, b]),
      vocab,
    };
  }

  /**
   * Rebuilds a tokenizer from `toJSON()`'s object, checking every field; a malformed object throws a
   * CelmError that names the field (prefixed with `source`, e.g. the file name).
   */
  static fromJSON(obj: unknown, source = 'tokenizer JSON'): BpeTokenizer {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
      throw badFile(source, `expected an object, got ${describe(obj)}`);
    const o = obj as Record<string, unknown>;
    if (o.format !== TOKENIZER_FORMAT)
      throw badFile(source, `"format" must be "${TOKENIZER_FORMAT}", got ${describe(o.format)}`);
    if (o.version !== TOKENIZER_VERSION)
      throw badFile(
        source,
        `"version" ${describe(o.version)} is not supported (this build reads ${TOKENIZER_VERSION})`,
      );
    if (o.pretokenizer !== PRETOKENIZER)
      throw badFile(source, `"pretokenizer" must be "${PRETOKENIZER}", got ${describe(o.pretokenizer)}`);
    let specials: string[];
    try {
      specials = checkSpecials(o.specials, '"specials"');
    } catch (e) {
      throw badFile(source, (e as Error).message);
    }
    const n = specials.length;

    const byteMap = o.byteMap;
    if (!Array.isArray(byteMap) || byteMap.length !== 256)
      throw badFile(source, `"byteMap" must be an array of 256 one-character strings`);
    const chars = new Set<string>();
    byteMap.forEach((ch, b) => {
      if (typeof ch !== 'string' || [...ch].length !== 1)
        throw badFile(source, `"byteMap"[${b}] must be a one-character string, got ${describe(ch)}`);
      if (chars.has(ch)) throw badFile(source, `"byteMap"[${b}] ${JSON.stringify(ch)} stands for two bytes`);
      chars.add(ch);
    });

    const merges = o.merges;
    if (!Array.isArray(merges)) throw badFile(source, `"merges" must be an array of [id, id] pairs`);
    if (n + 256 + merges.length > MAX_VOCAB)
      throw badFile(
        source,
        `"merges" has ${merges.length} entries, more than a vocabulary of ${MAX_VOCAB} allows`,
      );
    const pairs: [number, number][] = [];
    const seen = new Set<number>();
    merges.forEach((m, r) => {
      const top = n + 256 + r; // ids a merge may use: bytes and earlier merges
      if (
        !Array.isArray(m) ||
        m.length !== 2 ||
        !m.every((id) => Number.isInteger(id) && id >= n && id < top)
      )
        throw badFile(
          source,
          `"merges"[${r}] must be a pair of token ids from ${n} to ${top - 1} (bytes and earlier merges), got ${JSON.stringify(m)}`,
        );
      const [a, b] = m as [number, number];
      if (seen.has(a * KEY + b))
        throw badFile(source, `"merges"[${r}] ${JSON.stringify(m)} repeats an earlier merge`);
      seen.add(a * KEY + b);
      pairs.push([a, b]);
    });

    const tok = new BpeTokenizer(specials, pairs, byteMap as string[]);
    if (o.vocab !== undefined) {
      if (!Array.isArray(o.vocab) || o.vocab.length !== tok.vocabSize)
        throw badFile(
          source,
          `"vocab" must be an array of ${tok.vocabSize} strings (specials, bytes, merges)`,
        );
      for (let id = 0; id < tok.vocabSize; id++) {
        const want = tok.tokenText(id);
        if (o.vocab[id] !== want)
          throw badFile(
            source,
            `"vocab"[${id}] is ${describe(o.vocab[id])} but specials, byteMap and merges make it ${JSON.stringify(want)}`,
          );
      }
    }
    return tok;
  }

  /** Writes the JSON atomically: a `.<name>.<pid>.partial` file beside `path`, renamed into place. */
  save(path: string): void {
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
    try {
      writeFileSync(tmp, `${JSON.stringify(this.toJSON())}\n`);
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  static load(path: string): BpeTokenizer {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new CelmError('bad-tokenizer', `${path}: cannot read tokenizer file (${(e as Error).message})`);
    }
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw new CelmError('bad-tokenizer', `${path}: not valid JSON (${(e as Error).message})`);
    }
    return BpeTokenizer.fromJSON(obj, path);
  }
}
