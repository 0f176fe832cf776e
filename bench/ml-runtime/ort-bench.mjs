// Candidate (c): onnxruntime-node (CPU library shipped in the npm package) for inference, on models
// trained with the torch backend and exported by tracing (onnx-export.ts). Checks that ORT and torch
// agree on the outputs, then times both in the same process, interleaved, at 1 and 2 threads.
// onnxruntime-node is not a project dependency; its install script (a CUDA download) must be skipped:
//   npm install --prefix /tmp/celm-ml-bench --ignore-scripts onnxruntime-node@1.30
//   npm run build:native && npx tsc -p . && CELM_BENCH_DEPS=/tmp/celm-ml-bench node bench/ml-runtime/ort-bench.mjs
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { GPT, SegmentEncoder } from '../../dist/bench/ml-runtime/models.js';
import { OnnxTracer } from '../../dist/bench/ml-runtime/onnx-export.js';
import { loadBackend } from '../../dist/src/model/runtime/index.js';

const deps = process.env.CELM_BENCH_DEPS ?? '/tmp/celm-ml-bench';
const ort = createRequire(join(deps, 'node_modules', 'x.js'))('onnxruntime-node');
const reps = Number(process.argv[process.argv.indexOf('--reps') + 1] || 5);

const be = loadBackend('torch');
be.manualSeed(3);
const med = (s) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)];
async function time(fn, n) {
  await fn();
  const ms = [];
  const cpu = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { best: Math.min(...ms), median: med(ms), cpuBest: Math.min(...cpu), n };
}

/** Traces `make(backend)` into ONNX with the weights of the torch instance. */
function exportOnnx(make, torchModel, inputs, outName) {
  const tr = new OnnxTracer();
  const sym = make(tr.backend);
  for (const [k, t] of sym.params.map) tr.setInitializer(t, torchModel.params.map.get(k).toFloat32Array());
  const ins = inputs.map(([n, s, dt]) => tr.input(n, s, dt));
  tr.output(sym.forward(...ins), outName);
  return tr.toOnnx();
}

const gcfg = { vocab: 4000, ctx: 256, d: 128, layers: 4, heads: 4 };
const ecfg = { channels: 22, patches: 10, patchLen: 200, d: 128, layers: 4, heads: 4 };
const gpt = new GPT(be, gcfg);
const enc = new SegmentEncoder(be, ecfg);
const t0 = performance.now();
const gptOnnx = exportOnnx((b) => new GPT(b, gcfg), gpt, [['idx', [8, 256], 'int64']], 'logits');
const encOnnx = exportOnnx(
  (b) => new SegmentEncoder(b, ecfg),
  enc,
  [['x', [60, 22, 10, 200], 'float32']],
  'emb',
);
console.log(
  `export: GPT ${(gptOnnx.length / 2 ** 20).toFixed(1)} MiB, encoder ${(encOnnx.length / 2 ** 20).toFixed(1)} MiB in ${(performance.now() - t0).toFixed(0)} ms`,
);

const idx32 = Int32Array.from({ length: 8 * 256 }, (_, i) => (i * 7919 + 13) % 4000);
const idxT = be.keep(be.tensorInt(idx32, [8, 256]));
const idxO = new ort.Tensor(
  'int64',
  BigInt64Array.from(idx32, (v) => BigInt(v)),
  [8, 256],
);
const xs = new Float32Array(60 * 22 * 10 * 200).map((_, i) => Math.sin(i * 0.37));
const xT = be.keep(be.tensor(xs, [60, 22, 10, 200]));
const xO = new ort.Tensor('float32', xs, [60, 22, 10, 200]);

const results = [];
for (const th of [1, 2]) {
  be.setNumThreads(th);
  const opts = {
    intraOpNumThreads: th,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  const sg = await ort.InferenceSession.create(gptOnnx, opts);
  const se = await ort.InferenceSession.create(encOnnx, opts);
  if (th === 1) {
    const a = (await sg.run({ idx: idxO })).logits.data;
    const b = be.noGrad(() => be.tidy(() => gpt.forward(idxT).toFloat32Array()));
    const c = (await se.run({ x: xO })).emb.data;
    const e = be.noGrad(() => be.tidy(() => enc.forward(xT).toFloat32Array()));
    const maxd = (p, q) => p.reduce((m, v, i) => Math.max(m, Math.abs(v - q[i])), 0);
    console.log(
      `ORT vs torch max |diff|: GPT logits ${maxd(a, b).toExponential(2)}, encoder embeddings ${maxd(c, e).toExponential(2)}`,
    );
  }
  const rows = {
    [`GPT forward 8x256, ORT ${th}T`]: await time(() => sg.run({ idx: idxO }), reps),
    [`GPT forward 8x256, torch ${th}T`]: await time(
      () => be.noGrad(() => be.tidy(() => void gpt.forward(idxT).toFloat32Array())),
      reps,
    ),
    [`encode 360 segments, ORT ${th}T`]: await time(
      async () => {
        for (let i = 0; i < 6; i++) await se.run({ x: xO });
      },
      Math.ceil(reps / 2),
    ),
    [`encode 360 segments, torch ${th}T`]: await time(
      () => {
        for (let i = 0; i < 6; i++) be.noGrad(() => be.tidy(() => void enc.forward(xT).toFloat32Array()));
      },
      Math.ceil(reps / 2),
    ),
  };
  for (const [k, r] of Object.entries(rows)) {
    console.log(
      `${k.padEnd(36)} wall best ${r.best.toFixed(1).padStart(8)} median ${r.median.toFixed(1).padStart(8)} | cpu best ${r.cpuBest.toFixed(1).padStart(8)} ms`,
    );
    results.push({ name: k, ...r });
  }
}
console.log(`JSON ${JSON.stringify(results)}`);
