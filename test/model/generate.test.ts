import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/datasets/synth/prng.js';
import { ROW_PAD, ROW_SEGMENT, ROW_SESSION_SEP } from '../../src/model/celm.js';
import { assembleRows, rowBatchArrays } from '../../src/model/data.js';
import { DEFAULT_GENERATE, type Decoder, generate, recomputing, sample } from '../../src/model/generate.js';
import { mbrSelect } from '../../src/model/mbr.js';

const EOS = 0;

/** A language model given as a table: the next-token distribution depends on the last token only. */
function bigram(table: Record<number, number[]>): Decoder {
  return recomputing(async (seqs) =>
    seqs.map((s) => {
      const p = table[s[s.length - 1]] ?? [1, 0, 0, 0, 0, 0];
      return Float32Array.from(p, (x) => Math.log(Math.max(x, 1e-9)));
    }),
  );
}

const plain = { ...DEFAULT_GENERATE, repetitionPenalty: 1, noRepeatNgram: 0, maxTokens: 10, minTokens: 0 };

test('greedy follows the most likely token and stops at the end token', async () => {
  const next = bigram({ 5: [0, 0.9, 0.1, 0, 0, 0], 1: [0, 0, 0.8, 0.2, 0, 0], 2: [0.9, 0, 0, 0.1, 0, 0] });
  assert.deepEqual(await generate(next, [5], EOS, plain), [1, 2]);
});

test('beam search finds a sequence more likely than greedy', async () => {
  // greedy takes 1 (0.6) then is stuck with 0.4 choices; 2 (0.4) leads to a sure end.
  const next = bigram({
    5: [0, 0.6, 0.4, 0, 0, 0],
    1: [0, 0, 0, 0.4, 0.3, 0.3],
    3: [1, 0, 0, 0, 0, 0],
    4: [1, 0, 0, 0, 0, 0],
    2: [1, 0, 0, 0, 0, 0],
  });
  assert.deepEqual(await generate(next, [5], EOS, plain), [1, 3]); // p = 0.24
  assert.deepEqual(await generate(next, [5], EOS, { ...plain, beams: 3, lengthPenalty: 0 }), [2]); // p = 0.4
});

test('maxTokens bounds the output; banned tokens never appear', async () => {
  const loop = bigram({ 5: [0, 0.5, 0.5, 0, 0, 0], 1: [0, 0.9, 0.1, 0, 0, 0], 2: [0, 0.1, 0.9, 0, 0, 0] });
  const out = await generate(loop, [5], EOS, { ...plain, maxTokens: 4 });
  assert.equal(out.length, 4);
  const banned = await generate(loop, [5], EOS, { ...plain, maxTokens: 4 }, new Set([1]));
  assert.ok(!banned.includes(1), `${banned}`);
});

test('repetition control: no-repeat n-grams break a loop that greedy would repeat', async () => {
  const cycle = bigram({
    5: [0, 1, 0, 0, 0, 0],
    1: [0, 0, 0.9, 0.1, 0, 0],
    2: [0.05, 0.9, 0, 0, 0.05, 0],
    3: [1, 0, 0, 0, 0, 0],
    4: [1, 0, 0, 0, 0, 0],
  });
  const looped = await generate(cycle, [5], EOS, { ...plain, maxTokens: 8 });
  assert.deepEqual(looped, [1, 2, 1, 2, 1, 2, 1, 2]);
  const controlled = await generate(cycle, [5], EOS, { ...plain, noRepeatNgram: 2, maxTokens: 8 });
  assert.deepEqual(controlled, [1, 2, 1, 3]); // "1 2" may not come twice: 1 -> 3 -> end
});

test('assembleRows joins sessions with a separator and subsamples evenly when too long', () => {
  const din = 2;
  const a = Float32Array.from([1, 1, 2, 2, 3, 3]); // 3 segments
  const b = Float32Array.from([4, 4]); // 1 segment
  const r = assembleRows([[a], [b]], din);
  assert.deepEqual([...r.type], [ROW_SEGMENT, ROW_SEGMENT, ROW_SEGMENT, ROW_SESSION_SEP, ROW_SEGMENT]);
  assert.deepEqual([...r.pos], [0, 1, 2, 0, 0]);
  assert.deepEqual([...r.data], [1, 1, 2, 2, 3, 3, 0, 0, 4, 4]);
  const short = assembleRows([[a], [b]], din, 3);
  assert.equal(short.type.length, 3);
  assert.deepEqual([...short.data.subarray(0, 2)], [1, 1]); // first row kept
});

test('row batches pad to a multiple of the chunk and never hide every key of a window', () => {
  const din = 1;
  const r = assembleRows([[Float32Array.from([1, 2, 3])]], din);
  const a = rowBatchArrays([r], din, 4, 2, 6);
  assert.equal(a.S, 6);
  assert.deepEqual([...a.type], [ROW_SEGMENT, ROW_SEGMENT, ROW_SEGMENT, ROW_PAD, ROW_PAD, ROW_PAD]);
  assert.deepEqual([...a.rowPad], [0, 0, 0, 1, 1, 1]);
  // window 2 (rows 4-5) is all padding: its first key stays visible so softmax stays finite
  assert.deepEqual([...a.chunkPad], [0, 0, 0, 1, 0, 1]);
});

test('minTokens keeps the end token away until enough tokens are written', async () => {
  const next = bigram({ 5: [0.9, 0.1, 0, 0, 0, 0], 1: [0.9, 0, 0.1, 0, 0, 0], 2: [1, 0, 0, 0, 0, 0] });
  assert.deepEqual(await generate(next, [5], EOS, plain), []);
  assert.deepEqual(await generate(next, [5], EOS, { ...plain, minTokens: 2 }), [1, 2]);
});

test('sampling draws sequences with the model probabilities, reproducibly from its seed', async () => {
  // after 5: token 1 (0.7) or 2 (0.3), then the end
  const next = bigram({ 5: [0, 0.7, 0.3, 0, 0, 0], 1: [1, 0, 0, 0, 0, 0], 2: [1, 0, 0, 0, 0, 0] });
  const o = { ...plain, temperature: 1 };
  const drawn = await sample(next, [5], EOS, o, 2000, new Rng(3));
  const a = drawn.map((s) => s.ids);
  const ones = a.filter((s) => s[0] === 1).length / a.length;
  assert.ok(Math.abs(ones - 0.7) < 0.04, `token 1 in ${ones} of the samples`);
  assert.ok(a.every((s) => s.length === 1));
  // the least probable token each sample took (the end token after it has probability 1)
  for (const s of drawn)
    assert.ok(Math.abs(s.worst - Math.log(s.ids[0] === 1 ? 0.7 : 0.3)) < 1e-6, String(s.worst));
  assert.deepEqual(
    await sample(next, [5], EOS, o, 50, new Rng(9)),
    await sample(next, [5], EOS, o, 50, new Rng(9)),
  );
  // a low temperature concentrates on the most likely token; banned tokens and maxTokens hold
  const cold = await sample(next, [5], EOS, { ...o, temperature: 0.05 }, 200, new Rng(4));
  assert.ok(cold.every((s) => s.ids[0] === 1));
  const loop = bigram({ 5: [0, 0.5, 0.5, 0, 0, 0], 1: [0, 0.5, 0.5, 0, 0, 0], 2: [0, 0.5, 0.5, 0, 0, 0] });
  const long = await sample(loop, [5], EOS, { ...o, maxTokens: 6 }, 30, new Rng(5), new Set([2]));
  assert.ok(long.every((s) => s.ids.length === 6 && s.ids.every((t) => t === 1)));
});

test('MBR keeps the candidate that agrees best with the others', () => {
  const texts = [
    'The patient remained awake throughout the recording.',
    'No sleep was obtained.',
    'Sleep was not recorded.',
    'No sleep was obtained.',
  ];
  assert.equal(mbrSelect(texts), 1); // shares "sleep was" with the third and all of the fourth
  assert.equal(mbrSelect(['only one']), 0);
});
