/**
 * Incremental decoding (key/value cache, ReportModel.prefill/step and the runners' decoders) against
 * full recomputation (ReportModel.decode over the whole sequence), on a tiny randomly initialised
 * report model: the same next-token logits (to 1e-4) step by step, for one greedy row and for beam-like
 * batches whose rows are duplicated, reordered and dropped, and the same greedy, beam and sampled
 * tokens from generate()/sample(). ONNX Runtime always; libtorch when its addon is built.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/datasets/synth/prng.js';
import { prefixLength, ReportModel, type ReportModelConfig } from '../../src/model/celm.js';
import {
  DEFAULT_GENERATE,
  type Decoder,
  generate,
  type NextLogits,
  nextLogitsOf,
  recomputing,
  sample,
} from '../../src/model/generate.js';
import type { ReportModelFiles } from '../../src/model/model-dir.js';
import { createRunner, type Runner, type RunnerKind } from '../../src/model/runner.js';
import {
  type Backend,
  loadBackend,
  loadWeightsFromMap,
  type NamedArray,
  OnnxTracer,
  OrtSession,
  torchAddonPath,
} from '../../src/model/runtime/index.js';
import { uniform } from '../helpers/random.js';

const hasTorch = torchAddonPath() !== null;

const CFG: ReportModelConfig = {
  segmentDim: 8,
  d: 32,
  heads: 4,
  projectorLayers: 1,
  chunk: 4,
  latents: 4,
  perceiverLayers: 1,
  decoderLayers: 2,
  ctx: 48,
  vocab: 40,
  labels: 3,
  dropout: 0,
  summary: true,
};
const P = prefixLength(CFG);

/** Random weights for every parameter (names and shapes from the model itself), large enough that
 * the logits differ from token to token. */
function randomWeights(): Map<string, NamedArray> {
  const tracer = new OnnxTracer(); // only for the parameter names and shapes
  const model = new ReportModel(tracer.backend, CFG);
  const out = new Map<string, NamedArray>();
  let seed = 7;
  for (const [name, t] of model.params.map) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const isNormWeight = /ln[^.]*\.w$/.test(name); // LayerNorm gains near 1
    const data = isNormWeight ? uniform(n, seed++, 0.8, 1.2) : uniform(n, seed++, -0.3, 0.3);
    out.set(name, { shape: [...t.shape], data });
  }
  return out;
}

const WEIGHTS = randomWeights();
const FILES = {
  dir: 'tiny',
  meta: { model: CFG },
  weights: WEIGHTS,
  encoder: null,
} as unknown as ReportModelFiles;
const PREFIX = uniform(P * CFG.d, 99);

/** Full recomputation on ONNX Runtime: ReportModel.decode traced for each (rows, length). */
function ortRecompute(): NextLogits {
  return async (seqs) => {
    const n = seqs.length;
    const T = seqs[0].length;
    const tracer = new OnnxTracer();
    const be = tracer.backend;
    const pre = tracer.input('prefix', [n, P, CFG.d], 'float32');
    const ids = tracer.input('ids', [n, T], 'int64');
    const model = new ReportModel(be, CFG);
    loadWeightsFromMap(be, WEIGHTS, model.params.map);
    const at = be.tensorInt(Int32Array.of(T - 1), [1]);
    tracer.output(model.decode(pre, ids, be.causalMask(P + T), false, at), 'y');
    const s = await OrtSession.create(tracer.toBytes(), { threads: 1 });
    const prefix = new Float32Array(n * P * CFG.d);
    for (let i = 0; i < n; i++) prefix.set(PREFIX, i * P * CFG.d);
    const y = (await s.run({ prefix, ids: Int32Array.from(seqs.flat()) })).y.toFloat32Array();
    await s.release();
    return seqs.map((_, i) => y.slice(i * CFG.vocab, (i + 1) * CFG.vocab));
  };
}

/** Full recomputation on libtorch. */
function torchRecompute(be: Backend): NextLogits {
  const model = new ReportModel(be, CFG);
  loadWeightsFromMap(be, WEIGHTS, model.params.map);
  return async (seqs) =>
    be.noGrad(() =>
      be.tidy(() => {
        const n = seqs.length;
        const T = seqs[0].length;
        const pre = be.expand(be.tensor(PREFIX, [1, P, CFG.d]), [n, P, CFG.d]);
        const ids = be.tensorInt(Int32Array.from(seqs.flat()), [n, T]);
        const at = be.tensorInt(Int32Array.of(T - 1), [1]);
        const y = model.decode(pre, ids, be.causalMask(P + T), false, at).toFloat32Array();
        return seqs.map((_, i) => y.slice(i * CFG.vocab, (i + 1) * CFG.vocab));
      }),
    );
}

function assertClose(a: Float32Array, b: Float32Array, what: string, tol = 1e-4): void {
  assert.equal(a.length, b.length, what);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  assert.ok(worst < tol, `${what}: max |difference| ${worst}`);
  // and the logits are not trivially flat (the comparison means something)
  assert.ok(Math.max(...a) - Math.min(...a) > 0.1, `${what}: flat logits`);
}

const argmax = (x: Float32Array) => x.indexOf(Math.max(...x));

/**
 * Drives `dec` through a scripted decoding (greedy steps, then rows duplicated, reordered and
 * dropped) and checks every step's logits against `ref` on the rows' full sequences.
 */
async function checkAgainstRecompute(dec: Decoder, ref: NextLogits, label: string): Promise<void> {
  const context = [3, 9, 4];
  // greedy: one row, 10 steps, each token the argmax of the cached logits
  {
    const { decoding, logits } = await dec.start(context, 1);
    let seq = [...context];
    assertClose(logits, (await ref([seq]))[0], `${label} greedy prefill`);
    let l = logits;
    for (let s = 0; s < 10; s++) {
      const t = argmax(l);
      seq = [...seq, t];
      [l] = await decoding.step([0], [t]);
      assertClose(l, (await ref([seq]))[0], `${label} greedy step ${s + 1}`);
    }
    decoding.close();
  }
  // beams: three rows from one context; rows follow their parents as beam search reorders them
  {
    const { decoding, logits } = await dec.start(context, 3);
    assertClose(logits, (await ref([context]))[0], `${label} beam prefill`);
    let seqs = [context, context, context];
    const script: [number[], number[]][] = [
      [
        [0, 0, 0],
        [5, 6, 7],
      ], // the first expansion: every row continues the context
      [
        [2, 0, 1],
        [8, 8, 9],
      ], // reordered
      [
        [1, 1, 0],
        [10, 11, 12],
      ], // a row duplicated, one dropped
      [
        [0, 1, 2],
        [13, 14, 15],
      ], // identity (no copy)
      [
        [2, 0],
        [16, 17],
      ], // fewer rows (a finished hypothesis)
      [
        [1, 0, 0],
        [18, 19, 20],
      ], // and back to three
    ];
    for (const [k, [from, tokens]] of script.entries()) {
      seqs = from.map((r, i) => [...seqs[r], tokens[i]]);
      const got = await decoding.step(from, tokens);
      const want = await ref(seqs);
      assert.equal(got.length, from.length);
      got.forEach((g, i) => {
        assertClose(g, want[i], `${label} beam step ${k + 1} row ${i}`);
      });
    }
    decoding.close();
  }
}

/** generate() and sample() give the same tokens with the cache as with full recomputation. */
async function checkGeneration(dec: Decoder, ref: NextLogits, label: string): Promise<void> {
  const o = { ...DEFAULT_GENERATE, maxTokens: 12, minTokens: 12 }; // no early end: every step runs
  const context = [2, 7];
  assert.deepEqual(
    await generate(dec, context, 0, o),
    await generate(recomputing(ref), context, 0, o),
    `${label} greedy`,
  );
  const beams = { ...o, beams: 3, minTokens: 3 };
  assert.deepEqual(
    await generate(dec, context, 0, beams),
    await generate(recomputing(ref), context, 0, beams),
    `${label} beams`,
  );
  const sampled = { ...o, minTokens: 2, temperature: 1 };
  assert.deepEqual(
    (await sample(dec, context, 0, sampled, 4, new Rng(5))).map((x) => x.ids),
    (await sample(recomputing(ref), context, 0, sampled, 4, new Rng(5))).map((x) => x.ids),
    `${label} samples`,
  );
}

async function withRunner(kind: RunnerKind, fn: (r: Runner) => Promise<void>): Promise<void> {
  const runner = await createRunner(FILES, kind, 1);
  try {
    await fn(runner);
  } finally {
    await runner.dispose();
  }
}

test('ONNX Runtime: cached decoding gives the logits of full recomputation (greedy, beam reorders)', async () => {
  await withRunner('ort', (r) => checkAgainstRecompute(r.decoder(PREFIX), ortRecompute(), 'ort'));
});

test('ONNX Runtime: generate and sample give the same tokens with and without the cache', async () => {
  await withRunner('ort', (r) => checkGeneration(r.decoder(PREFIX), ortRecompute(), 'ort'));
});

test('libtorch: cached decoding gives the logits of full recomputation, and the same tokens', {
  skip: !hasTorch && 'libtorch addon not built (npm run build:native)',
}, async () => {
  const be = loadBackend('torch');
  be.setNumThreads(1);
  await withRunner('torch', async (r) => {
    await checkAgainstRecompute(r.decoder(PREFIX), torchRecompute(be), 'torch');
    await checkGeneration(r.decoder(PREFIX), torchRecompute(be), 'torch');
  });
});

test('nextLogitsOf: a cached decoder as a plain next-token function gives the recomputed logits', async () => {
  await withRunner('ort', async (r) => {
    const seqs = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const got = await nextLogitsOf(r.decoder(PREFIX))(seqs);
    const want = await ortRecompute()(seqs);
    got.forEach((g, i) => {
      assertClose(g, want[i], `row ${i}`);
    });
  });
});

test('the cached decoders of libtorch and ONNX Runtime agree', {
  skip: !hasTorch && 'libtorch addon not built (npm run build:native)',
}, async () => {
  const ctx = [1, 2, 3, 4, 5];
  await withRunner('ort', (ort) =>
    withRunner('torch', async (torch) => {
      const a = await ort.decoder(PREFIX).start(ctx, 2);
      const b = await torch.decoder(PREFIX).start(ctx, 2);
      assertClose(a.logits, b.logits, 'prefill');
      for (const [from, tokens] of [
        [
          [0, 0],
          [6, 7],
        ],
        [
          [1, 0],
          [8, 9],
        ],
      ]) {
        const la = await a.decoding.step(from, tokens);
        const lb = await b.decoding.step(from, tokens);
        la.forEach((l, i) => {
          assertClose(l, lb[i], `step row ${i}`);
        });
      }
      a.decoding.close();
      b.decoding.close();
    }),
  );
});

test('the decoder refuses more rows than it was opened with and steps past the context', async () => {
  await withRunner('ort', async (r) => {
    const { decoding } = await r.decoder(PREFIX).start([1, 2], 2);
    await assert.rejects(decoding.step([0, 0, 0], [1, 2, 3]), /3 rows, opened with 2/);
    // the cache holds ctx positions: the prefix, the context and ctx - P - 2 more tokens
    for (let s = 0; s < CFG.ctx - P - 2; s++) await decoding.step([0], [5]);
    await assert.rejects(decoding.step([0], [5]), /full/);
    decoding.close();
  });
});
