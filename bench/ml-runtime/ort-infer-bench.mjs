// ORT (OnnxTracer + OrtSession) vs libtorch, same process, interleaved, 1 and 2 threads.
// SegmentEncoder d=64, 4 layers, 4 heads, 360 segments in batches of 32 (11 x 32 + 1 x 8: two
// traced shapes, sessions from a SessionCache); GPT forward 8 x 256 (d=128, 4 layers, vocab 4000).
// Run: npx tsc -p . && node bench/ml-runtime/ort-infer-bench.mjs [reps]   (needs the libtorch addon)
import { loadavg } from 'node:os';
import { GPT, SegmentEncoder } from '../../dist/bench/ml-runtime/models.js';
import {
  loadBackend,
  loadWeightsFromMap,
  OnnxTracer,
  OrtSession,
  SessionCache,
} from '../../dist/src/model/runtime/index.js';

const reps = Number(process.argv[2] ?? 5);
const be = loadBackend('torch');
be.manualSeed(3);
const med = (s) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)];
async function time(fn, n) {
  await fn();
  const ms = [],
    cpu = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { best: Math.min(...ms), median: med(ms), cpuBest: Math.min(...cpu), cpuMedian: med(cpu) };
}
const weightsOf = (m) =>
  new Map([...m.params.map].map(([k, t]) => [k, { shape: t.shape, data: t.toFloat32Array() }]));
function trace(Model, cfg, weights, inputs, out) {
  const t0 = performance.now();
  const tr = new OnnxTracer();
  const m = new Model(tr.backend, cfg);
  loadWeightsFromMap(tr.backend, weights, m.params.map);
  tr.output(m.forward(...inputs.map(([n, s, d]) => tr.input(n, s, d))), out);
  const bytes = tr.toBytes();
  return { bytes, ms: performance.now() - t0 };
}

const ecfg = { channels: 22, patches: 10, patchLen: 200, d: 64, layers: 4, heads: 4 };
const gcfg = { vocab: 4000, ctx: 256, d: 128, layers: 4, heads: 4 };
const enc = new SegmentEncoder(be, ecfg);
const gpt = new GPT(be, gcfg);
const encW = weightsOf(enc),
  gptW = weightsOf(gpt);
console.log(`encoder params ${enc.params.count()}, GPT params ${gpt.params.count()}`);
const N = 360,
  BS = 32,
  SEG = 22 * 10 * 200;
const xs = new Float32Array(N * SEG).map((_, i) => Math.sin(i * 0.37));
const batches = [];
for (let s = 0; s < N; s += BS)
  batches.push({ B: Math.min(BS, N - s), data: xs.subarray(s * SEG, Math.min(N, s + BS) * SEG) });
const idx32 = Int32Array.from({ length: 8 * 256 }, (_, i) => (i * 7919 + 13) % 4000);
const idxT = be.keep(be.tensorInt(idx32, [8, 256]));

// one-time costs
for (const B of [32, 8]) {
  const r = trace(SegmentEncoder, ecfg, encW, [['x', [B, 22, 10, 200], 'float32']], 'emb');
  const t0 = performance.now();
  const s = await OrtSession.create(r.bytes, { threads: 1 });
  console.log(
    `encoder B=${B}: trace+export ${r.ms.toFixed(0)} ms, ${(r.bytes.length / 1024).toFixed(0)} KiB, session create ${(performance.now() - t0).toFixed(0)} ms`,
  );
  await s.release();
}
{
  const r = trace(GPT, gcfg, gptW, [['idx', [8, 256], 'int64']], 'logits');
  const t0 = performance.now();
  const s = await OrtSession.create(r.bytes, { threads: 1 });
  console.log(
    `GPT 8x256: trace+export ${r.ms.toFixed(0)} ms, ${(r.bytes.length / 2 ** 20).toFixed(1)} MiB, session create ${(performance.now() - t0).toFixed(0)} ms`,
  );
  await s.release();
}

const results = [];
for (const th of [1, 2]) {
  be.setNumThreads(th);
  const cache = new SessionCache();
  const encSession = (B) =>
    cache.get(`enc:${B}`, () =>
      OrtSession.create(
        trace(SegmentEncoder, ecfg, encW, [['x', [B, 22, 10, 200], 'float32']], 'emb').bytes,
        { threads: th },
      ),
    );
  const gptSession = () =>
    cache.get('gpt:8x256', () =>
      OrtSession.create(trace(GPT, gcfg, gptW, [['idx', [8, 256], 'int64']], 'logits').bytes, {
        threads: th,
      }),
    );
  // agreement
  {
    let md = 0,
      mag = 0;
    for (const b of batches.slice(-2)) {
      const o = (await (await encSession(b.B)).run({ x: b.data })).emb.toFloat32Array();
      const r = be.noGrad(() =>
        be.tidy(() => enc.forward(be.tensor(b.data, [b.B, 22, 10, 200])).toFloat32Array()),
      );
      for (let i = 0; i < r.length; i++) {
        md = Math.max(md, Math.abs(o[i] - r[i]));
        mag = Math.max(mag, Math.abs(r[i]));
      }
    }
    const o = (await (await gptSession()).run({ idx: idx32 })).logits.toFloat32Array();
    const r = be.noGrad(() => be.tidy(() => gpt.forward(idxT).toFloat32Array()));
    let gd = 0,
      gm = 0;
    for (let i = 0; i < r.length; i++) {
      gd = Math.max(gd, Math.abs(o[i] - r[i]));
      gm = Math.max(gm, Math.abs(r[i]));
    }
    console.log(
      `${th}T agreement: encoder max|diff| ${md.toExponential(2)} (max|y| ${mag.toFixed(2)}), GPT ${gd.toExponential(2)} (max|y| ${gm.toFixed(2)})`,
    );
  }
  const rows = {
    [`encode 360 (d=64), ORT ${th}T`]: await time(
      async () => {
        for (const b of batches) await (await encSession(b.B)).run({ x: b.data });
      },
      Math.ceil(reps / 2) + 1,
    ),
    [`encode 360 (d=64), torch ${th}T`]: await time(
      () => {
        for (const b of batches)
          be.noGrad(() =>
            be.tidy(() => void enc.forward(be.tensor(b.data, [b.B, 22, 10, 200])).toFloat32Array()),
          );
      },
      Math.ceil(reps / 2) + 1,
    ),
    [`GPT fwd 8x256, ORT ${th}T`]: await time(
      async () => void (await (await gptSession()).run({ idx: idx32 })),
      reps,
    ),
    [`GPT fwd 8x256, torch ${th}T`]: await time(
      () => be.noGrad(() => be.tidy(() => void gpt.forward(idxT).toFloat32Array())),
      reps,
    ),
  };
  for (const [k, r] of Object.entries(rows)) {
    console.log(
      `${k.padEnd(32)} wall best ${r.best.toFixed(0).padStart(6)} median ${r.median.toFixed(0).padStart(6)} | cpu best ${r.cpuBest.toFixed(0).padStart(6)} median ${r.cpuMedian.toFixed(0).padStart(6)} ms | load ${loadavg()[0].toFixed(2)}`,
    );
    results.push({ name: k, ...r, load1: loadavg()[0] });
  }
  await cache.clear();
}
console.log(`JSON ${JSON.stringify(results)}`);
