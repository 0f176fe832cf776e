/**
 * The byte-level BPE tokenizer: exact round trips (random unicode, lone surrogates, report prose),
 * training (deterministic, order-independent, same merges as a naive recount-every-step trainer,
 * vocabulary size), digit splitting, special tokens, and JSON save/load with validation.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { planCorpus, specsFor } from '../../src/datasets/synth/corpus.js';
import { Rng } from '../../src/datasets/synth/prng.js';
import { writeReport } from '../../src/datasets/synth/report.js';
import { truthFindings } from '../../src/datasets/synth/truth.js';
import {
  BpeTokenizer,
  pretokenize,
  type TokenizerJson,
  utf8Decode,
  utf8Encode,
} from '../../src/model/tokenizer.js';
import { sharedDir } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const SPECIALS = ['<pad>', '<bos>', '<eos>', '<unk>', '<sep>', '<sec:background>', '<sec:impression>'];

/** mulberry32: a small deterministic generator for the random strings. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const PHRASES = [
  'The background consists of a well-formed 10 Hz posterior dominant rhythm of 45 µV, reactive to eye opening.',
  'The background is continuous and symmetric, with a 9.5 Hz alpha rhythm.',
  'Frequent left temporal sharp waves are seen, maximal at F7-T3 and T3-T5.',
  'Intermittent right temporal delta slowing (2–3 Hz) is present over the background.',
  'At 14:32:05 the patient had a typical event; no electrographic correlate was seen.',
  'Sleep: stage II sleep with vertex waves and symmetric spindles; the background is normal.',
  'IMPRESSION: Abnormal EEG due to focal slowing in the left temporal region.',
  'Photic stimulation at 1-30 Hz produced symmetric driving. Amplitude 35 uV, impedances < 5 kΩ.',
  "The patient's background was reactive; it's a normal awake and drowsy EEG.",
];

/** Report-like corpus: the phrases above with varying numbers, joined into paragraphs. */
function templatedCorpus(n: number, seed = 1): string[] {
  const r = prng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const parts: string[] = [];
    const k = 2 + Math.floor(r() * 4);
    for (let j = 0; j < k; j++) parts.push(PHRASES[Math.floor(r() * PHRASES.length)]);
    parts.push(`HR: ${60 + Math.floor(r() * 40)} bpm. Duration ${20 + Math.floor(r() * 40)} minutes.`);
    out.push(parts.join(i % 3 === 0 ? '\n' : ' '));
  }
  return out;
}

/** A few reports from the synthetic corpus generator (the text the decoder is trained on). */
function synthReports(count: number): string[] {
  const o = { count, seed: 11, out: '/nonexistent' };
  return planCorpus(o).map((plan) => {
    const { specs, setting } = specsFor(plan, {});
    const recs = specs.map((spec, k) => ({
      spec,
      findings: truthFindings(spec),
      file: `t${k}.edf`,
      setting,
    }));
    return writeReport(plan.patient, recs, plan.site, Rng.derive(o.seed, 'report', plan.index)).text;
  });
}

/** Sample reports from ../shared/reports when present (real-world layout and punctuation). */
function sharedReports(): string[] {
  const dir = sharedDir ? join(sharedDir, 'reports') : null;
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

/** Random strings over many kinds of code points: ASCII, Latin-1, CJK, emoji, marks, spaces, controls. */
function randomString(r: () => number, maxLen: number, loneSurrogates: boolean): string {
  const ranges: [number, number][] = [
    [0x20, 0x7e],
    [0x00, 0x1f],
    [0x80, 0x2ff],
    [0x300, 0x36f], // combining marks
    [0x2000, 0x206f], // general punctuation, odd spaces
    [0x4e00, 0x4eff],
    [0xfff0, 0xffff],
    [0x1f300, 0x1f64f], // emoji (surrogate pairs)
    [0x10000, 0x10ffff],
  ];
  let s = '';
  const len = Math.floor(r() * maxLen);
  for (let i = 0; i < len; i++) {
    const x = r();
    if (x < 0.3) s += ' ';
    else if (x < 0.4) s += String.fromCharCode(0x30 + Math.floor(r() * 10));
    else if (loneSurrogates && x < 0.45) s += String.fromCharCode(0xd800 + Math.floor(r() * 0x800));
    else {
      const [lo, hi] = ranges[Math.floor(r() * ranges.length)];
      const cp = lo + Math.floor(r() * (hi - lo + 1));
      s += String.fromCodePoint(cp >= 0xd800 && cp <= 0xdfff ? 0x41 : cp);
    }
  }
  return s;
}

/** Reference trainer: recounts every pair over all words at every step (slow, obviously right). */
function naiveMerges(
  texts: string[],
  vocabSize: number,
  nSpecials: number,
  minFrequency = 2,
): [number, number][] {
  const counts = new Map<string, number>();
  for (const t of texts) for (const p of pretokenize(t)) counts.set(p, (counts.get(p) ?? 0) + 1);
  let words = [...counts].map(([p, c]) => ({
    ids: [...Buffer.from(p, 'utf8')].map((b) => b + nSpecials),
    c,
  }));
  const merges: [number, number][] = [];
  while (nSpecials + 256 + merges.length < vocabSize) {
    const pc = new Map<string, number>();
    for (const w of words)
      for (let i = 0; i + 1 < w.ids.length; i++) {
        const k = `${w.ids[i]},${w.ids[i + 1]}`;
        pc.set(k, (pc.get(k) ?? 0) + w.c);
      }
    let best: [number, number] | null = null;
    let bestCount = 0;
    for (const [k, c] of pc) {
      const [a, b] = k.split(',').map(Number);
      if (c > bestCount || (c === bestCount && best && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestCount = c;
      }
    }
    if (!best || bestCount < minFrequency) break;
    const id = nSpecials + 256 + merges.length;
    merges.push(best);
    const [a, b] = best;
    words = words.map((w) => {
      const out: number[] = [];
      for (let i = 0; i < w.ids.length; i++) {
        if (i + 1 < w.ids.length && w.ids[i] === a && w.ids[i + 1] === b) {
          out.push(id);
          i++;
        } else out.push(w.ids[i]);
      }
      return { ids: out, c: w.c };
    });
  }
  return merges;
}

const corpus = templatedCorpus(400);
const reports = synthReports(40);
const tok = BpeTokenizer.train([...corpus, ...reports], { vocabSize: 1024, specials: SPECIALS });

test('pre-tokenization: words keep their leading space, numbers split into single digits', () => {
  assert.deepEqual(pretokenize('A 10.1 Hz rhythm at 14:32:05, F7-T3.'), [
    'A',
    ' 1',
    '0',
    '.',
    '1',
    ' Hz',
    ' rhythm',
    ' at',
    ' 1',
    '4',
    ':',
    '3',
    '2',
    ':',
    '0',
    '5',
    ',',
    ' F',
    '7',
    '-',
    'T',
    '3',
    '.',
  ]);
  assert.deepEqual(pretokenize("it's 45 µV –  ok\n\n1."), [
    'it',
    "'s",
    ' 4',
    '5',
    ' µV',
    ' –',
    ' ',
    ' ok',
    '\n\n',
    '1',
    '.',
  ]);
  const r = prng(3);
  for (let i = 0; i < 200; i++) {
    const s = randomString(r, 60, true);
    assert.equal(pretokenize(s).join(''), s);
  }
});

test('UTF-8 coding agrees with TextEncoder/TextDecoder', () => {
  const r = prng(5);
  const dec = new TextDecoder();
  for (let i = 0; i < 300; i++) {
    const s = randomString(r, 40, false);
    assert.deepEqual(utf8Encode(s), [...new TextEncoder().encode(s)]);
    // Random bytes, biased to UTF-8 lead and continuation bytes; invalid parts become U+FFFD alike.
    const bytes = Array.from({ length: Math.floor(r() * 30) }, () =>
      r() < 0.5
        ? Math.floor(r() * 256)
        : [0xc3, 0xe2, 0xf0, 0xf4, 0xe0, 0x80, 0x9f, 0xbf, 0x41][Math.floor(r() * 9)],
    );
    const surrogate = bytes.some((b, j) => b === 0xed && bytes[j + 1] >= 0xa0 && bytes[j + 1] <= 0xbf);
    if (!surrogate) assert.equal(utf8Decode(bytes), dec.decode(Uint8Array.from(bytes)), `bytes ${bytes}`);
  }
  // Lone surrogates survive (WTF-8); a cut character decodes to U+FFFD.
  assert.equal(utf8Decode(utf8Encode('a\ud800b\udfff')), 'a\ud800b\udfff');
  assert.equal(utf8Decode([0x61, 0xc2]), 'a\ufffd');
});

test('decode(encode(s)) === s for random strings, unicode and lone surrogates included', () => {
  const untrained = BpeTokenizer.train([], { vocabSize: 300, specials: ['<pad>'] });
  assert.equal(untrained.vocabSize, 257);
  const r = prng(42);
  for (let i = 0; i < 1000; i++) {
    const s = randomString(r, 80, i % 2 === 1);
    for (const t of [tok, untrained]) {
      const ids = t.encode(s);
      assert.equal(t.decode(ids), s, `round trip of ${JSON.stringify(s)}`);
      assert.ok(ids.every((id) => !t.isSpecial(id)));
    }
  }
  assert.deepEqual(tok.encode(''), []);
  assert.equal(tok.decode([]), '');
});

test('decode(encode(s)) === s on report prose, and BPE compresses it', () => {
  const texts = [...corpus.slice(0, 50), ...reports, ...sharedReports(), ...PHRASES];
  let bytes = 0;
  let tokens = 0;
  for (const s of texts) {
    const ids = tok.encode(s);
    assert.equal(tok.decode(ids), s);
    bytes += Buffer.byteLength(s);
    tokens += ids.length;
  }
  // Trained on this kind of text, a 1024 vocabulary gives well over 3 bytes per token.
  assert.ok(bytes / tokens > 3, `bytes per token ${(bytes / tokens).toFixed(2)}`);
});

test('training is deterministic and independent of text order', () => {
  const texts = [...corpus, ...reports];
  const a = BpeTokenizer.train(texts, { vocabSize: 700, specials: SPECIALS });
  const b = BpeTokenizer.train(texts, { vocabSize: 700, specials: SPECIALS });
  const r = prng(9);
  const shuffled = [...texts].sort(() => r() - 0.5);
  const c = BpeTokenizer.train(shuffled, { vocabSize: 700, specials: SPECIALS });
  assert.deepEqual(a.toJSON(), b.toJSON());
  assert.deepEqual(a.toJSON(), c.toJSON());
});

test('incremental pair counting learns the same merges as recounting everything each step', () => {
  const texts = [
    ...templatedCorpus(60, 4),
    ...reports.slice(0, 5),
    'aaaa aaa aaaaa ababab abab',
    '1111 ...... !!!!',
  ];
  for (const [vocabSize, specials] of [
    [600, SPECIALS],
    [400, []],
  ] as const) {
    const t = BpeTokenizer.train(texts, { vocabSize, specials });
    assert.deepEqual(t.toJSON().merges, naiveMerges(texts, vocabSize, specials.length));
  }
  // minFrequency: pairs seen once are not merged, so training stops before the asked size.
  const once = BpeTokenizer.train(['abcdef'], { vocabSize: 1000, minFrequency: 2 });
  assert.equal(once.vocabSize, 256);
  assert.equal(BpeTokenizer.train(['abcdef'], { vocabSize: 1000, minFrequency: 1 }).vocabSize, 256 + 5);
});

test('the vocabulary size asked for is respected', () => {
  assert.equal(tok.vocabSize, 1024);
  assert.equal(tok.toJSON().merges.length, 1024 - 256 - SPECIALS.length);
  for (const vocabSize of [300, 513, 800]) {
    const t = BpeTokenizer.train([...corpus, ...reports], { vocabSize, specials: SPECIALS });
    assert.equal(t.vocabSize, vocabSize);
    assert.ok(t.encode(reports.join(' ')).every((id) => id >= 0 && id < vocabSize));
  }
  // A tiny corpus runs out of pairs: fewer tokens, never more.
  const small = BpeTokenizer.train(['low lower lowest'], { vocabSize: 5000, specials: SPECIALS });
  assert.ok(small.vocabSize > 256 + SPECIALS.length && small.vocabSize < 300);
  assert.throws(
    () => BpeTokenizer.train(corpus, { vocabSize: 260, specials: SPECIALS }),
    /vocabSize must be/,
  );
  assert.throws(() => BpeTokenizer.train(corpus, { vocabSize: 1000.5 }), /vocabSize must be/);
  assert.throws(() => BpeTokenizer.train(corpus, { vocabSize: 1000, specials: ['<a>', '<a>'] }), /twice/);
  assert.throws(() => BpeTokenizer.train(corpus, { vocabSize: 1000, specials: [''] }), /non-empty/);
});

test('frequent words become single tokens', () => {
  for (const word of [' background', ' temporal', ' symmetric', ' Hz', ' rhythm']) {
    const ids = tok.encode(word);
    assert.equal(ids.length, 1, `${JSON.stringify(word)} -> ${ids.map((i) => tok.tokenText(i))}`);
    assert.equal(tok.tokenText(ids[0]), word.replace(' ', 'Ġ'));
  }
  const ids = tok.encode('The background is continuous');
  assert.deepEqual(
    ids.map((i) => tok.tokenText(i)),
    ['The', 'Ġbackground', 'Ġis', 'Ġcontinuous'],
  );
  // An unseen word still encodes (from pieces) and round-trips.
  const rare = tok.encode(' zyxwvutsrq');
  assert.ok(rare.length > 1);
  assert.equal(tok.decode(rare), ' zyxwvutsrq');
});

test('numbers are split into digits: no token spans two digits', () => {
  const digit = (b: number) => b >= 0x30 && b <= 0x39;
  for (let id = 0; id < tok.vocabSize; id++) {
    const bytes = [...tok.tokenBytes(id)];
    const digits = bytes.filter(digit).length;
    assert.ok(digits <= 1, `token ${id} ${tok.tokenText(id)} holds ${digits} digits`);
    if (digits === 1) assert.ok(bytes.length === 1 || (bytes.length === 2 && bytes[0] === 0x20));
  }
  const show = (s: string) => tok.encode(s).map((i) => tok.tokenText(i));
  assert.deepEqual(show('10.1 Hz'), ['1', '0', '.', '1', 'ĠHz']);
  assert.deepEqual(show(' at 14:32:05'), ['Ġat', 'Ġ1', '4', ':', '3', '2', ':', '0', '5']);
  // Digits of numbers never seen in training are the same tokens as those of seen ones.
  assert.deepEqual(tok.encode('987'), [...tok.encode('9'), ...tok.encode('8'), ...tok.encode('7')]);
});

test('special tokens: ids 0..n-1 in order, never produced from text', () => {
  assert.deepEqual(tok.specials, SPECIALS);
  SPECIALS.forEach((s, i) => {
    assert.equal(tok.tokenId(s), i);
    assert.ok(tok.isSpecial(i));
    assert.equal(tok.tokenText(i), s);
    assert.equal(tok.tokenBytes(i).length, 0);
  });
  assert.ok(!tok.isSpecial(SPECIALS.length));
  assert.ok(!tok.isSpecial(-1));
  assert.throws(() => tok.tokenId('<nope>'), /unknown special token "<nope>"/);
  // Text that spells a special is ordinary bytes, even when the training text spelled it too.
  const trained = BpeTokenizer.train(['<bos> <bos> <eos> text <bos>', ...corpus.slice(0, 20)], {
    vocabSize: 600,
    specials: SPECIALS,
  });
  for (const t of [tok, trained]) {
    const text = '<bos>The background<eos> <sec:background>';
    const ids = t.encode(text);
    assert.ok(
      ids.every((id) => id >= SPECIALS.length),
      `specials in ${ids}`,
    );
    assert.equal(t.decode(ids), text);
  }
  const bos = tok.tokenId('<bos>');
  const eos = tok.tokenId('<eos>');
  const ids = [bos, tok.tokenId('<sec:background>'), ...tok.encode(' Normal.'), eos, tok.tokenId('<pad>')];
  assert.equal(tok.decode(ids), ' Normal.');
  assert.equal(tok.decode(ids, { keepSpecials: true }), '<bos><sec:background> Normal.<eos><pad>');
  assert.throws(() => tok.decode([5, tok.vocabSize]), /ids\[1\] = 1024 is not a token id/);
  assert.throws(() => tok.decode([1.5]), /not a token id/);
  assert.throws(() => tok.tokenText(-1), /not a token id/);
});

test('save/load round trip gives identical encodings', () => {
  const dir = tempDir('celm-tok-');
  const path = join(dir, 'tokenizer.json');
  tok.save(path);
  assert.deepEqual(readdirSync(dir), ['tokenizer.json']); // no temporary file left behind
  const loaded = BpeTokenizer.load(path);
  assert.deepEqual(loaded.toJSON(), tok.toJSON());
  assert.equal(loaded.vocabSize, tok.vocabSize);
  const r = prng(77);
  const texts = [...reports, ...PHRASES, ...Array.from({ length: 50 }, () => randomString(r, 50, true))];
  for (const s of texts) assert.deepEqual(loaded.encode(s), tok.encode(s));
  // Plain JSON: survives stringify/parse, merges are id pairs, the byte map is GPT-2's.
  const json = JSON.parse(JSON.stringify(tok)) as TokenizerJson;
  assert.equal(json.version, 1);
  assert.deepEqual(json.specials, SPECIALS);
  assert.equal(json.byteMap[0x20], 'Ġ');
  assert.equal(json.byteMap[0x0a], 'Ċ');
  assert.equal(json.byteMap[0x41], 'A');
  assert.ok(json.merges.every((m) => m.length === 2 && m.every(Number.isInteger)));
  assert.deepEqual(BpeTokenizer.fromJSON(json).toJSON(), json);
  // Without the optional vocab list it loads the same.
  const { vocab: _, ...bare } = json;
  assert.deepEqual(BpeTokenizer.fromJSON(bare).encode(PHRASES[0]), tok.encode(PHRASES[0]));
});

test('fromJSON rejects a corrupted object with a message naming the field', () => {
  const good = JSON.parse(JSON.stringify(tok.toJSON())) as TokenizerJson;
  const n = SPECIALS.length;
  const bad = (edit: (o: Record<string, unknown>) => void, message: RegExp) => {
    const o = structuredClone(good) as unknown as Record<string, unknown>;
    edit(o);
    assert.throws(() => BpeTokenizer.fromJSON(o, 'tok.json'), message);
  };
  bad((o) => {
    o.format = 'other';
  }, /^CelmError: tok\.json: "format" must be "celm-bpe-tokenizer", got "other"/);
  bad((o) => {
    o.version = 2;
  }, /"version" 2 is not supported/);
  bad((o) => {
    o.pretokenizer = 'gpt2';
  }, /"pretokenizer" must be/);
  bad((o) => {
    delete o.specials;
  }, /"specials" must be an array/);
  bad((o) => {
    (o.specials as unknown[])[2] = 7;
  }, /"specials"\[2\] must be a non-empty string, got 7/);
  bad((o) => {
    (o.specials as unknown[])[3] = '<bos>';
  }, /"specials"\[3\] "<bos>" is listed twice/);
  bad((o) => {
    (o.byteMap as unknown[]).pop();
  }, /"byteMap" must be an array of 256/);
  bad((o) => {
    (o.byteMap as unknown[])[5] = 'ab';
  }, /"byteMap"\[5\] must be a one-character string/);
  bad((o) => {
    (o.byteMap as unknown[])[5] = 'A';
  }, /"byteMap"\[65\] "A" stands for two bytes/);
  bad((o) => {
    o.merges = 'x';
  }, /"merges" must be an array/);
  bad((o) => {
    (o.merges as number[][])[10] = [n + 300, n + 5];
  }, /"merges"\[10\] must be a pair of token ids from 7 to 272/);
  bad((o) => {
    (o.merges as number[][])[3] = [1, n + 5];
  }, /"merges"\[3\] must be a pair/);
  bad((o) => {
    (o.merges as number[][])[4] = [n + 1];
  }, /"merges"\[4\] must be a pair/);
  bad((o) => {
    (o.merges as number[][])[20] = [...(o.merges as number[][])[0]];
  }, /"merges"\[20\] .* repeats an earlier merge/);
  bad((o) => {
    (o.vocab as string[])[700] = 'Ġbogus';
  }, /"vocab"\[700\] is "Ġbogus" but specials, byteMap and merges make it/);
  bad((o) => {
    (o.vocab as string[]).pop();
  }, /"vocab" must be an array of 1024 strings/);
  assert.throws(() => BpeTokenizer.fromJSON([1, 2]), /expected an object, got an array/);
  assert.throws(() => BpeTokenizer.fromJSON(null), /expected an object, got null/);

  const dir = tempDir('celm-tok-');
  const path = join(dir, 'broken.json');
  writeFileSync(path, '{"format": "celm-bpe-tokenizer",');
  assert.throws(
    () => BpeTokenizer.load(path),
    (e: Error) => e.message.startsWith(`${path}: not valid JSON`),
  );
  assert.throws(() => BpeTokenizer.load(join(dir, 'missing.json')), /cannot read tokenizer file/);
  writeFileSync(path, JSON.stringify({ ...good, merges: [[0, 1]] }));
  assert.throws(
    () => BpeTokenizer.load(path),
    (e: Error) => e.message.startsWith(`${path}: "merges"[0]`),
  );
});
