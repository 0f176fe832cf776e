/**
 * Consensus decoding (./consensus.ts) on a toy language model whose next sentence is one of four,
 * as the default model's sleep section on a held-out recording: three wordings of "no sleep" and a
 * sentence that says something else.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ConsensusGuide, consensusDecode } from '../../src/model/consensus.js';
import { DEFAULT_GENERATE, recomputing } from '../../src/model/generate.js';

const EOS = 0;
const SENTENCES: [string, number][] = [
  ['The patient remained awake throughout the recording .', 0.47],
  ['No sleep was obtained .', 0.32],
  ['Drowsiness was seen .', 0.12],
  ['Sleep was not recorded .', 0.09],
];
const SPACE = '\n';
const words = [...new Set(SENTENCES.flatMap(([s]) => s.split(' '))), SPACE];
const id = (w: string) => words.indexOf(w) + 1; // 0 is the end token
const V = words.length + 1;
const CONTEXT = [V]; // a section token outside the vocabulary of sentences

/**
 * The toy model: the first word by the table, then the rest of that sentence, then the end token;
 * `spaced`: a line break first, as the impression's lines begin.
 */
const toyModel = (spaced: boolean, sentences: [string, number][] = SENTENCES) =>
  recomputing(async (seqs) =>
    seqs.map((s) => {
      if (spaced && s.length === CONTEXT.length) {
        const p = new Float32Array(V + 1).fill(1e-9);
        p[id(SPACE)] = 1;
        return p.map(Math.log);
      }
      const gen = s.slice(CONTEXT.length + (spaced ? 1 : 0));
      const p = new Float32Array(V + 1).fill(1e-9);
      if (!gen.length) for (const [text, q] of sentences) p[id(text.split(' ')[0])] = q;
      else {
        const sentence = sentences.find(([text]) => id(text.split(' ')[0]) === gen[0])![0].split(' ');
        p[gen.length < sentence.length ? id(sentence[gen.length]) : EOS] = 1;
      }
      return p.map(Math.log);
    }),
  );
const toy = toyModel(false);

const decode = (ids: number[]) =>
  ids
    .map((t) => words[t - 1])
    .join(' ')
    .replace(/^\n ?/, '\n');
const guide = (key: (text: string) => string): ConsensusGuide => ({
  endsSentence: (t) => t === id('.'),
  key: (ids) => key(decode(ids)),
  decode,
  minLogp: -10,
});
const o = { ...DEFAULT_GENERATE, repetitionPenalty: 1, noRepeatNgram: 0, maxTokens: 30 };
/** The findings labeler's reading, for the toy: drowsiness or nothing. */
const reading = (text: string) => (/Drowsiness/.test(text) ? 'drowsiness' : '');

test('of the wordings that say what the greedy sentence says, the one that agrees most with the others', async () => {
  const out = decode(await consensusDecode(toy, CONTEXT, EOS, o, guide(reading)));
  // "No sleep was obtained" shares "sleep was" with "Sleep was not recorded"; the greedy "remained
  // awake" shares no word with either. The drowsiness sentence states something else: no candidate.
  assert.equal(out, 'No sleep was obtained .');
});

test('when every branch states something else, the greedy sentence stays', async () => {
  const out = decode(
    await consensusDecode(
      toy,
      CONTEXT,
      EOS,
      o,
      guide((text) => text),
    ),
  );
  assert.equal(out, 'The patient remained awake throughout the recording .');
});

test('white space before a sentence is taken greedily and the branching happens after it', async () => {
  const out = decode(await consensusDecode(toyModel(true), CONTEXT, EOS, o, guide(reading)));
  assert.equal(out, '\nNo sleep was obtained .');
});

test("with the training reports' wordings as evidence, the wording closest to them wins, even of two", async () => {
  // only two wordings are likely: scored against each other they tie and the greedy one stays
  const two: [string, number][] = [
    ['The patient remained awake throughout the recording .', 0.6],
    ['Sleep was not recorded .', 0.4],
  ];
  const model = toyModel(false, two);
  const plain = decode(await consensusDecode(model, CONTEXT, EOS, o, guide(reading)));
  assert.equal(plain, 'The patient remained awake throughout the recording .');
  // the reports wrote "No sleep was obtained" most: "Sleep was not recorded" shares "sleep was" with it
  const reports: [string, number][] = [
    ['No sleep was obtained.', 15],
    ['The patient remained awake throughout the recording.', 12],
    ['Sleep was not recorded.', 12],
  ];
  const seen: string[][] = [];
  const withBank: ConsensusGuide = {
    ...guide(reading),
    evidence: (candidates) => {
      seen.push(candidates);
      return reports;
    },
  };
  assert.equal(decode(await consensusDecode(model, CONTEXT, EOS, o, withBank)), 'Sleep was not recorded .');
  assert.deepEqual(seen, [
    ['The patient remained awake throughout the recording .', 'Sleep was not recorded .'],
  ]);
});
