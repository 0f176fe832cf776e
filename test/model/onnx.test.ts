/**
 * ONNX export (OnnxTracer) + onnxruntime-node inference (OrtSession) against libtorch: each op group
 * is built once as a small graph, run on the torch backend and through tracer + ORT on the same
 * inputs and constant weights, and compared output by output (shape, dtype, values).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { GPT, SegmentEncoder } from '../../bench/ml-runtime/models.js';
import {
  type Backend,
  type DType,
  loadBackend,
  loadWeights,
  loadWeightsFromMap,
  type NamedArray,
  OnnxTraceError,
  OnnxTracer,
  OrtSession,
  SessionCache,
  saveWeights,
  type Tensor,
  torchAddonPath,
} from '../../src/model/runtime/index.js';
import { PbMessage } from '../../src/model/runtime/onnx/index.js';
import { uniform } from '../helpers/random.js';
import { tempDir } from '../helpers/tmp.js';

function torchOrSkip(t: TestContext): Backend | null {
  if (!torchAddonPath()) {
    t.skip('the libtorch addon is not built (npm run build:native); skipping the libtorch comparison');
    return null;
  }
  const be = loadBackend('torch');
  be.setNumThreads(1);
  return be;
}

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

interface Input {
  dtype: DType;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}
const f32 = (shape: number[], seed: number, lo = -1, hi = 1): Input => ({
  dtype: 'float32',
  shape,
  data: uniform(numel(shape), seed, lo, hi),
});
const i64 = (shape: number[], data: number[]): Input => ({
  dtype: 'int64',
  shape,
  data: Int32Array.from(data),
});
const bool = (shape: number[], data: number[]): Input => ({
  dtype: 'bool',
  shape,
  data: Uint8Array.from(data),
});

/** A constant weight, identical on both backends. */
const W = (be: Backend, shape: number[], seed: number) => be.tensor(uniform(numel(shape), seed), shape);

type Build = (be: Backend, x: Record<string, Tensor>) => Record<string, Tensor>;
interface Result {
  shape: number[];
  dtype: string;
  data: Float32Array;
}

/** A bool tensor from 0/1 data with Ops only: rows of a causal mask picked by index. */
function boolTensor(be: Backend, data: Uint8Array, shape: number[]): Tensor {
  const table = be.reshape(be.causalMask(2), [4]); // [false, true, false, false]
  const idx = be.tensorInt(
    Int32Array.from(data, (v) => (v ? 1 : 0)),
    [data.length],
  );
  return be.reshape(be.indexSelect(table, 0, idx), shape);
}

function runTorch(be: Backend, build: Build, inputs: Record<string, Input>): Record<string, Result> {
  return be.noGrad(() =>
    be.tidy(() => {
      const x: Record<string, Tensor> = {};
      for (const [k, i] of Object.entries(inputs))
        x[k] =
          i.dtype === 'float32'
            ? be.tensor(i.data as Float32Array, i.shape)
            : i.dtype === 'int64'
              ? be.tensorInt(i.data as Int32Array, i.shape)
              : boolTensor(be, i.data as Uint8Array, i.shape);
      const out: Record<string, Result> = {};
      for (const [k, t] of Object.entries(build(be, x)))
        out[k] = { shape: t.shape, dtype: t.dtype, data: t.toFloat32Array() };
      return out;
    }),
  );
}

async function runOrt(build: Build, inputs: Record<string, Input>): Promise<Record<string, Result>> {
  const tr = new OnnxTracer();
  const x: Record<string, Tensor> = {};
  for (const [k, i] of Object.entries(inputs)) x[k] = tr.input(k, i.shape, i.dtype);
  for (const [k, t] of Object.entries(build(tr.backend, x))) tr.output(t, k);
  const session = await OrtSession.create(tr.toBytes(), { threads: 1 });
  try {
    const res = await session.run(Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.data])));
    const out: Record<string, Result> = {};
    for (const [k, o] of Object.entries(res))
      out[k] = { shape: o.shape, dtype: o.dtype, data: o.toFloat32Array() };
    return out;
  } finally {
    await session.release();
  }
}

/** Max |a - b| relative to max(1, max |b|); non-finite values must match exactly. */
function relErr(a: Float32Array, b: Float32Array): number {
  let mag = 1;
  for (const v of b) if (Number.isFinite(v)) mag = Math.max(mag, Math.abs(v));
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    if (!Number.isFinite(b[i]) || !Number.isFinite(a[i])) {
      if (!Object.is(a[i], b[i])) return Number.POSITIVE_INFINITY;
      continue;
    }
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return err / mag;
}

async function agree(be: Backend, build: Build, inputs: Record<string, Input>, tol = 1e-5): Promise<void> {
  const want = runTorch(be, build, inputs);
  const got = await runOrt(build, inputs);
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
  for (const [k, w] of Object.entries(want)) {
    const g = got[k];
    assert.deepEqual(g.shape, w.shape, `${k}: shape`);
    assert.equal(g.dtype, w.dtype, `${k}: dtype`);
    const e = relErr(g.data, w.data);
    assert.ok(
      e < tol,
      `${k}: relative error ${e} (ORT ${g.data.slice(0, 4)} vs torch ${w.data.slice(0, 4)})`,
    );
  }
}

test('creation ops: constants, zeros/ones, causalMask, arange', async (t) => {
  const be = torchOrSkip(t);
  if (!be) return;
  await agree(
    be,
    (b, x) => ({
      constant: b.add(x.x, W(b, [4], 1)),
      ints: b.add(b.tensorInt(Int32Array.from([3, -2, 7, 1]), [4]), b.arange(4)),
      zeros: b.add(x.x, b.zeros([3, 4])),
      ones: b.mul(x.x, b.ones([1, 4])),
      masked: b.where(b.narrow(b.causalMask(4), 0, 0, 3), x.x, b.zeros([3, 4])),
      arangeF: b.addScalar(b.arange(5), 0.5),
    }),
    { x: f32([3, 4], 2) },
  );
});

test('matmul (batched, broadcast, 1-D) and linear', async (t) => {
  const be = torchOrSkip(t);
  if (!be) return;
  await agree(
    be,
    (b, x) => ({
      batched: b.matmul(x.a, x.b),
      broadcast: b.matmul(x.a, W(b, [5, 6], 3)),
      vecMat: b.matmul(W(b, [5], 4), W(b, [5, 6], 5)),
      matVec: b.matmul(x.a, W(b, [5], 6)),
      dot: b.matmul(W(b, [5], 7), W(b, [5], 8)),
      linear: b.linear(x.a, W(b, [7, 5], 9), W(b, [7], 10)),
      linearNoBias: b.linear(x.a, W(b, [7, 5], 11), null),
      linear1d: b.linear(W(b, [5], 12), W(b, [3, 5], 13), W(b, [3], 14)),
      intMatmul: b.matmul(b.tensorInt(Int32Array.from([1, 2, 3, 4]), [2, 2]), b.arange(2)),
    }),
    { a: f32([2, 3, 4, 5], 1), b: f32([2, 1, 5, 6], 2) },
  );
});

test('elementwise ops with broadcasting and libtorch dtype promotion', async (t) => {
  const be = torchOrSkip(t);
  if (!be) return;
  await agree(
    be,
    (b, x) => ({
      add: b.add(x.a, x.row),
      sub: b.sub(x.col, x.a),
      mul: b.mul(x.a, x.col),
      div: b.div(x.a, b.addScalar(x.pos, 0.1)),
      addScalar: b.addScalar(x.a, 2.5),
      mulScalar: b.mulScalar(x.a, -3),
      neg: b.neg(x.a),
      exp: b.exp(x.a),
      log: b.log(x.pos),
      sqrt: b.sqrt(x.pos),
      tanh: b.tanh(x.a),
      relu: b.relu(x.a),
      gelu: b.gelu(b.mulScalar(x.a, 3)),
      geluTanh: b.gelu(b.mulScalar(x.a, 3), true),
      intPlusFloat: b.add(x.i, x.row),
      intPlusInt: b.add(x.i, x.i),
      intDivInt: b.div(x.i, b.addScalar(b.arange(4), 1)),
      intAddScalar: b.addScalar(x.i, 1),
      intExp: b.exp(b.mulScalar(x.i, 0.1)),
      intNeg: b.neg(x.i),
      intRelu: b.relu(b.sub(x.i, b.tensorInt(Int32Array.from([2]), [1]))),
    }),
    {
      a: f32([2, 3, 4], 1),
      row: f32([4], 2),
      col: f32([3, 1], 3),
      pos: f32([2, 3, 4], 4, 0.1, 5),
      i: i64([3, 4], [0, 1, 2, 3, 4, 5, 6, 7, -8, 9, 10, -11]),
    },
  );
});

test('softmax, logSoftmax, layerNorm, embedding, dropout (eval)', async (t) => {
  const be = torchOrSkip(t);
  if (!be) return;
  await agree(
    be,
    (b, x) => ({
      softmaxLast: b.softmax(b.mulScalar(x.a, 4), -1),
      softmax1: b.softmax(b.mulScalar(x.a, 4), 1),
      logSoftmax: b.logSoftmax(b.mulScalar(x.a, 4), -1),
      logSoftmax0: b.logSoftmax(x.a, 0),
      layerNorm: b.layerNorm(b.mulScalar(x.a, 3), W(b, [5], 7), W(b, [5], 8), 1e-5),
      embedding: b.embedding(W(b, [10, 6], 9), x.idx),
      dropout: b.dropout(x.a, 0.5, false),
    }),
    { a: f32([2, 3, 5], 1), idx: i64([2, 3], [0, 9, 3, 3, 1, 7]) },
  );
});

test('maskedFill, where, attention with and without a mask', async (t) => {
  const be = torchOrSkip(t);
  if (!be) return;
  const B = 2;
  const H = 3;
  const T = 5;
  const dh = 4;
  // padding mask [B, 1, 1, T]: keys at or beyond each sequence's length are hidden
  const lens = [5, 3];
  const pad = Array.from({ length: B * T }, (_, i) => (i % T >= lens[Math.floor(i / T)] ? 1 : 0));
  await agree(
    be,
    (b, x) => ({
      maskedFill: b.maskedFill(x.s, x.pad, -1e4),
      maskedFillInt: b.maskedFill(b.reshape(b.arange(T), [1, 1, 1, T]), x.pad, 7.5),
      where: b.where(x.pad, x.s, b.mulScalar(x.s, 2)),
      whereMixed: b.where(b.causalMask(T), b.arange(T), x.s),
      attention: b.attention(x.q, x.k, x.v, null, 0.5),
      attentionCausal: b.attention(x.q, x.k, x.v, b.causalMask(T), 1 / Math.sqrt(dh)),
      attentionPadding: b.attention(x.q, x.k, x.v, x.pad, 1 / Math.sqrt(dh)),
      attentionCross: b.attention(b.narrow(x.q, 2, 0, 2), x.k, x.v, b.narrow(x.pad, 2, 0, 1), 0.7),
    }),
    {
      q: f32([B, H, T, dh], 1),
      k: f32([B, H, T, dh], 2),
      v: f32([B, H, T, dh], 3),
      s: f32([B, H, T, T], 4),
      pad: bool([B, 1, 1, T], pad),
    },
  );
});

test('reductions: sum, mean (dims, negative dims, keepDim), argmax, topk', async (t) => {
  const be = torchOrSkip(t);
  if (!be) return;
  await agree(
    be,
    (b, x) => {
      const [vals, idx] = b.topk(x.a, 3, -1);
      const [vals1, idx1] = b.topk(x.a, 2, 1);
      return {
        sumAll: b.sum(x.a),
        sumEmptyKeep: b.sum(x.a, [], true),
        sum0: b.sum(x.a, [0]),
        sumNegKeep: b.sum(x.a, [0, -1], true),
        sumBool: b.sum(b.causalMask(4), [1]),
        sumInt: b.sum(b.arange(6)),
        meanAll: b.mean(x.a),
        mean12: b.mean(x.a, [1, 2]),
        meanKeep: b.mean(x.a, [-2], true),
        argmax: b.argmax(x.a, -1),
        argmax0: b.argmax(x.a, 0),
        topkValues: vals,
        topkIndices: idx,
        topkValues1: vals1,
        topkIndices1: idx1,
      };
    },
    { a: f32([2, 3, 6], 5) },
  );
});

test('shape ops: reshape, transpose, permute, narrow, indexSelect, expand, cat, detach, clone', async (t) => {
  const be = torchOrSkip(t);
  if (!be) return;
  await agree(
    be,
    (b, x) => ({
      reshape: b.reshape(x.a, [3, -1]),
      transpose: b.transpose(x.a, -1, 0),
      transposeSame: b.transpose(x.a, 1, -2),
      permute: b.permute(x.a, [-1, 0, 1]),
      contiguous: b.contiguous(b.permute(x.a, [2, 1, 0])),
      narrow: b.narrow(x.a, -1, 1, 2),
      narrowNegStart: b.narrow(x.a, 1, -2, 2),
      narrowFull: b.narrow(x.a, 0, 0, 2),
      indexSelect: b.indexSelect(x.a, 2, b.tensorInt(Int32Array.from([3, 0, 3]), [3])),
      indexSelect0d: b.indexSelect(x.a, 1, b.tensorInt(Int32Array.from([2]), [])),
      expand: b.expand(b.narrow(x.a, 1, 0, 1), [2, 5, 4]),
      expandLead: b.expand(x.col, [2, 3, -1]),
      cat: b.cat([x.a, b.mulScalar(x.a, 2)], -1),
      catMixed: b.cat([b.arange(3), b.tensor(Float32Array.from([0.5]), [1])], 0),
      detach: b.detach(x.a),
      clone: b.clone(x.a),
    }),
    { a: f32([2, 3, 4], 6), col: f32([3, 1], 7) },
  );
});

test('a whole GPT (weights from a safetensors file) and SegmentEncoder agree with libtorch', async (t) => {
  const be = torchOrSkip(t);
  if (!be) return;
  be.manualSeed(7);
  const gcfg = { vocab: 64, ctx: 16, d: 32, layers: 2, heads: 4 };
  const gpt = new GPT(be, gcfg);
  // non-trivial LayerNorm weights and biases (the model initializes them to ones and zeros)
  for (const [k, p] of gpt.params.map)
    if (k.includes('ln') || k.endsWith('.b')) p.copyFrom(be.randn(p.shape, 0.3));
  const path = join(tempDir(), 'gpt.safetensors');
  saveWeights(path, gpt.params.map);
  const idx = Array.from({ length: 2 * 11 }, (_, i) => (i * 37 + 5) % gcfg.vocab);
  const tr = new OnnxTracer();
  const sym = new GPT(tr.backend, gcfg);
  loadWeights(tr.backend, path, sym.params.map); // the unchanged file loader, on the tracer
  tr.nameParameters(sym.params.map);
  tr.output(sym.forward(tr.input('idx', [2, 11], 'int64')), 'logits');
  const s = await OrtSession.create(tr.toBytes(), { threads: 1 });
  const got = (await s.run({ idx: Int32Array.from(idx) })).logits;
  const want = be.noGrad(() =>
    be.tidy(() => gpt.forward(be.tensorInt(Int32Array.from(idx), [2, 11])).toFloat32Array()),
  );
  assert.deepEqual(got.shape, [2, 11, gcfg.vocab]);
  assert.ok(relErr(got.toFloat32Array(), want) < 1e-5, `GPT logits: ${relErr(got.toFloat32Array(), want)}`);
  await s.release();

  const ecfg = { channels: 4, patches: 3, patchLen: 8, d: 16, layers: 2, heads: 4 };
  const enc = new SegmentEncoder(be, ecfg);
  for (const [k, p] of enc.params.map)
    if (k.includes('ln') || k.endsWith('.b')) p.copyFrom(be.randn(p.shape, 0.3));
  const weights = new Map<string, NamedArray>();
  for (const [k, p] of enc.params.map) weights.set(k, { shape: p.shape, data: p.toFloat32Array() });
  const x = uniform(3 * 4 * 3 * 8, 11);
  const tr2 = new OnnxTracer();
  const sym2 = new SegmentEncoder(tr2.backend, ecfg);
  loadWeightsFromMap(tr2.backend, weights, sym2.params.map);
  tr2.output(sym2.forward(tr2.input('x', [3, 4, 3, 8])), 'emb');
  const s2 = await OrtSession.create(tr2.toBytes(), { threads: 1 });
  const emb = (await s2.run({ x })).emb;
  const wantEmb = be.noGrad(() => be.tidy(() => enc.forward(be.tensor(x, [3, 4, 3, 8])).toFloat32Array()));
  assert.deepEqual(emb.shape, [3, 16]);
  assert.ok(
    relErr(emb.toFloat32Array(), wantEmb) < 1e-5,
    `encoder: ${relErr(emb.toFloat32Array(), wantEmb)}`,
  );
  await s2.release();
});

// ---- tests that do not need libtorch ----

test('linear + softmax with fixed weights match plain JS (no libtorch)', async () => {
  const w = Float32Array.from([0.5, -1, 2, 0.25, 0, 1.5]); // [3 out, 2 in]
  const bias = Float32Array.from([0.1, -0.2, 0.3]);
  const x = Float32Array.from([1, 2, -0.5, 0.75]); // [2, 2]
  const tr = new OnnxTracer();
  const be = tr.backend;
  const wp = be.randn([3, 2], 0.02, true); // parameters, filled by loadWeightsFromMap
  const bp = be.zeros([3], true);
  const params = new Map([
    ['w', wp],
    ['b', bp],
  ]);
  loadWeightsFromMap(
    be,
    new Map([
      ['w', { shape: [3, 2], data: w }],
      ['b', { shape: [3], data: bias }],
    ]),
    params,
  );
  tr.nameParameters(params, 'head.');
  const xi = tr.input('x', [2, 2]);
  const logits = be.linear(xi, wp, bp);
  tr.output(be.softmax(logits, -1), 'probs');
  tr.output(be.argmax(logits, -1), 'best');
  tr.output(be.causalMask(2), 'mask');
  const s = await OrtSession.create(tr.toBytes());
  assert.deepEqual(s.inputs, [{ name: 'x', dtype: 'float32', shape: [2, 2] }]);
  assert.deepEqual(s.outputNames, ['probs', 'best', 'mask']);
  const out = await s.run({ x });
  const want: number[] = [];
  const best: number[] = [];
  for (let r = 0; r < 2; r++) {
    const z = [0, 1, 2].map((o) => bias[o] + w[o * 2] * x[r * 2] + w[o * 2 + 1] * x[r * 2 + 1]);
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, b) => a + b, 0);
    want.push(...e.map((v) => v / sum));
    best.push(z.indexOf(m));
  }
  assert.deepEqual(out.probs.shape, [2, 3]);
  assert.equal(out.probs.dtype, 'float32');
  assert.ok(out.probs.data instanceof Float32Array);
  assert.ok(relErr(out.probs.toFloat32Array(), Float32Array.from(want)) < 1e-6);
  assert.equal(out.best.dtype, 'int64');
  assert.deepEqual([...out.best.toInt32Array()], best);
  assert.equal(out.mask.dtype, 'bool');
  assert.ok(out.mask.data instanceof Uint8Array);
  assert.deepEqual([...out.mask.data], [0, 1, 0, 0]);
  // int64 inputs: Int32Array and BigInt64Array give the same result; wrong types are rejected
  const tr2 = new OnnxTracer();
  tr2.output(tr2.backend.mulScalar(tr2.input('i', [3], 'int64'), 2), 'y');
  const s2 = await OrtSession.create(tr2.toBytes());
  const a = await s2.run({ i: Int32Array.from([1, -2, 3]) });
  const b = await s2.run({ i: { data: BigInt64Array.from([1n, -2n, 3n]), shape: [3] } });
  assert.deepEqual([...a.y.toFloat32Array()], [2, -4, 6]);
  assert.deepEqual([...b.y.toFloat32Array()], [2, -4, 6]);
  await assert.rejects(() => s2.run({ i: Float32Array.from([1, 2, 3]) }), /Int32Array or BigInt64Array/);
  await assert.rejects(() => s2.run({ i: Int32Array.from([1, 2]) }), /has 2 values/);
  await assert.rejects(() => s2.run({}), /missing input 'i'/);
  await assert.rejects(
    () => s2.run({ i: Int32Array.from([1, 2, 3]), j: Int32Array.from([1]) }),
    /unknown input/,
  );
  await s.release();
  await s2.release();
  await assert.rejects(() => s2.run({ i: Int32Array.from([1, 2, 3]) }), /after release/);
});

test('rand/randn become random ONNX nodes with the right shape and distribution', async () => {
  const tr = new OnnxTracer();
  tr.output(tr.backend.rand([4000]), 'u');
  tr.output(tr.backend.randn([4000], 2), 'n');
  const s = await OrtSession.create(tr.toBytes());
  const { u, n } = await s.run({});
  const ud = u.toFloat32Array();
  const nd = n.toFloat32Array();
  assert.ok(ud.every((v) => v >= 0 && v < 1));
  const mean = (a: Float32Array) => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(Math.abs(mean(ud) - 0.5) < 0.03);
  const m = mean(nd);
  const sd = Math.sqrt(nd.reduce((x, y) => x + (y - m) ** 2, 0) / nd.length);
  assert.ok(Math.abs(m) < 0.15 && Math.abs(sd - 2) < 0.15, `randn mean ${m} sd ${sd}`);
  await s.release();
});

test('training ops on the tracer throw the inference-only error', () => {
  const tr = new OnnxTracer();
  const be = tr.backend;
  const x = tr.input('x', [2, 3]);
  const p = be.randn([3], 1, true);
  const inferenceOnly = (e: unknown) =>
    e instanceof OnnxTraceError && /inference only/.test((e as Error).message);
  assert.throws(() => be.crossEntropy(x, be.tensorInt(Int32Array.from([0, 1]), [2]), -1), inferenceOnly);
  assert.throws(() => be.mseLoss(x, x), inferenceOnly);
  assert.throws(() => be.adamw([p], { lr: 1e-3 }), inferenceOnly);
  assert.throws(() => be.clipGradNorm([p], 1), inferenceOnly);
  assert.throws(() => be.sum(x).backward(), inferenceOnly);
  assert.throws(() => be.dropout(x, 0.1, true), inferenceOnly);
  assert.equal(be.sum(x).grad(), null);
});

test('the tracer checks shapes, values, names and unloaded parameters like libtorch would', () => {
  const tr = new OnnxTracer();
  const be = tr.backend;
  const x = tr.input('x', [2, 3]);
  assert.deepEqual(be.permute(be.reshape(x, [-1, 1, 2]), [2, -2, 0]).shape, [2, 1, 3]);
  assert.deepEqual(be.sum(x, [-1], true).shape, [2, 1]);
  assert.deepEqual(be.sum(x, undefined, true).shape, []);
  assert.deepEqual(be.mean(x, [], true).shape, [1, 1]);
  assert.deepEqual(be.matmul(x, be.zeros([4, 3, 5])).shape, [4, 2, 5]);
  assert.throws(() => be.reshape(x, [4, -1]), /invalid for input of size 6/);
  assert.throws(() => be.add(x, be.zeros([4])), /cannot be broadcast/);
  assert.throws(() => be.matmul(x, be.zeros([2, 3])), /cannot be multiplied/);
  assert.throws(() => be.narrow(x, 1, 2, 2), /exceeds/);
  assert.throws(() => be.transpose(x, 0, 2), /out of range/);
  assert.throws(() => be.softmax(be.arange(3), 0), /not implemented for int64/);
  assert.throws(() => be.mean(be.arange(3)), /floating point/);
  assert.throws(() => be.exp(x).toFloat32Array(), /not available while tracing/);
  assert.deepEqual([...be.tensor(Float32Array.from([1, 2]), [2]).toFloat32Array()], [1, 2]);
  assert.equal(be.ones([1], true).item(), 1);
  const torchLike = { shape: [2, 3], dtype: 'float32' } as unknown as Tensor;
  assert.throws(() => be.exp(torchLike), /another backend/);
  assert.throws(() => tr.input('x', [1]), /already used/);
  assert.throws(() => tr.toBytes(), /no outputs/);
  tr.output(be.linear(x, be.randn([4, 3], 0.02, true), null), 'y');
  assert.throws(() => tr.toBytes(), /never loaded/);
  assert.ok(tr.toBytes({ allowUnloadedParams: true }).length > 48);
  const sum = tr.summary();
  assert.deepEqual(sum.ops, { Transpose: 1, MatMul: 1, Identity: 1 }); // dead code is dropped
  assert.equal(sum.unloadedParameters, 1);
});

test('SessionCache: one session per key, failures not cached, LRU beyond maxEntries', async () => {
  const tr = new OnnxTracer();
  tr.output(tr.backend.addScalar(tr.input('x', [2]), 1), 'y');
  const bytes = tr.toBytes();
  const cache = new SessionCache({ maxEntries: 2 });
  let created = 0;
  const make = () => {
    created++;
    return OrtSession.create(bytes, { threads: 1 });
  };
  const [a, a2] = await Promise.all([cache.get('x:2', make), cache.get('x:2', make)]);
  assert.equal(a, a2);
  assert.equal(await cache.get('x:2', make), a);
  assert.equal(created, 1);
  const b = await cache.get('x:3', make);
  assert.notEqual(b, a);
  assert.equal(created, 2);
  await assert.rejects(
    cache.get('bad', () => OrtSession.create(new TextEncoder().encode('not an onnx model'))),
    (e: Error) => !/celm: onnxruntime-node/.test(e.message), // ORT's own error, not "not installed"
  );
  assert.deepEqual(cache.keys(), ['x:2', 'x:3']); // nothing evicted for the failure
  await cache.get('x:2', make); // x:2 is now the most recent: adding z evicts x:3
  await cache.get('z', make);
  assert.deepEqual(cache.keys(), ['x:2', 'z']);
  assert.equal(created, 3);
  assert.deepEqual([...(await a.run({ x: Float32Array.from([1, 2]) })).y.toFloat32Array()], [2, 3]);
  await cache.clear();
  assert.equal(cache.size, 0);
  await assert.rejects(() => a.run({ x: Float32Array.from([1, 2]) }), /after release/);
});

test('protobuf writer: varints, negative ints, nested messages', () => {
  const inner = new PbMessage().int(1, 300);
  const m = new PbMessage().int(1, -1).bytes(2, inner).bytes(3, 'é').finish();
  assert.deepEqual(
    [...m],
    [0x08, ...Array(9).fill(0xff), 0x01, 0x12, 3, 0x08, 0xac, 0x02, 0x1a, 2, 0xc3, 0xa9],
  );
});
