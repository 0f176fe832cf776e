/**
 * libtorch backend benchmark (candidate (a) of docs/ml-runtime.md). Workloads:
 *   matmul  1024³ float32 matmul, GFLOP/s
 *   train   the guide's GPT train step: batch 8 x 256 tokens, forward + backward + AdamW
 *   fwd     the same GPT, forward only (no grad), batch 8 x 256 (the guide's ORT comparison)
 *   encode  360 segments (1 h of EEG) through the criss-cross SegmentEncoder, no grad
 *   gemm    train-step matmuls alone (same shapes, fwd + both bwd GEMMs): the floor for any backend
 * Each timing is repeated; best and median are printed, plus one JSON line for run.sh.
 *
 *   npm run build:native && npx tsc -p . && node dist/bench/ml-runtime/torch-bench.js --threads 2
 */
import { loadBackend, type Tensor } from '../../src/model/runtime/index.js';
import { GPT, SegmentEncoder } from './models.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const threads = Number(arg('threads', '2'));
const blasThreads = Number(arg('blas-threads', String(threads))); // OpenBLAS pool (GEMMs)
const reps = Number(arg('reps', '7'));
const workloads = arg('only', 'matmul,train,fwd,encode,gemm').split(',');
const encBatch = Number(arg('enc-batch', '60'));
const encD = Number(arg('enc-d', '128'));

const be = loadBackend('torch');
be.setNumThreads(threads, blasThreads);
be.manualSeed(1);

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const med = (s: number[]) => s[Math.floor(s.length / 2)];
/**
 * Wall time (best, median) and process CPU time (best) per repetition. The machine is shared: with
 * 1 thread, CPU time is close to what the wall time would be on an idle core.
 */
function time(label: string, n: number, warm: number, fn: () => void) {
  for (let i = 0; i < warm; i++) fn();
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = now();
    fn();
    ms.push(now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const r = { best: ms[0], median: med(ms), cpuBest: cpu[0], cpuMedian: med(cpu), n };
  const f = (x: number) => x.toFixed(1).padStart(8);
  console.log(
    `${label.padEnd(44)} wall best ${f(r.best)} median ${f(r.median)} | cpu best ${f(r.cpuBest)} ms`,
  );
  return r;
}

let seed = 12345;
const rnd = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};
const randomTokens = (n: number, vocab: number) =>
  Int32Array.from({ length: n }, () => Math.floor(rnd() * vocab));

const results: Record<string, unknown> = {
  backend: be.describe(),
  threads: threads === blasThreads ? threads : `${threads}/blas${blasThreads}`,
  reps,
  load: (await import('node:os')).loadavg()[0],
};
console.log(`# torch backend`, JSON.stringify(be.describe()), `threads=${threads}`);

if (workloads.includes('matmul')) {
  const n = 1024;
  const a = be.keep(be.randn([n, n], 1));
  const b = be.keep(be.randn([n, n], 1));
  const r = time('matmul 1024^3', reps, 2, () => be.tidy(() => void be.matmul(a, b)));
  results.matmul_gflops = (2 * n ** 3) / (r.best * 1e6);
  console.log(`  -> ${(results.matmul_gflops as number).toFixed(1)} GFLOP/s (best)`);
}

// --ctx 64 shows a shorter-sequence step (the report decoder's targets are a few hundred tokens at most)
const cfg = { vocab: 4000, ctx: Number(arg('ctx', '256')), d: 128, layers: 4, heads: 4 };
const B = 8;
results.ctx = cfg.ctx;
if (workloads.includes('train') || workloads.includes('fwd')) {
  const gpt = new GPT(be, cfg);
  console.log(`GPT params: ${gpt.params.count()}`);
  results.gpt_params = gpt.params.count();
  const idx = be.keep(be.tensorInt(randomTokens(B * cfg.ctx, cfg.vocab), [B, cfg.ctx]));
  const tgt = be.keep(be.tensorInt(randomTokens(B * cfg.ctx, cfg.vocab), [B, cfg.ctx]));
  if (workloads.includes('train')) {
    const opt = be.adamw(gpt.params.list(), { lr: 1e-3, weightDecay: 0.1 });
    let loss = 0;
    const step = () =>
      be.tidy(() => {
        opt.zeroGrad();
        const l = gpt.loss(idx, tgt);
        l.backward();
        be.clipGradNorm(gpt.params.list(), 1);
        opt.step();
        loss = l.item();
      });
    results.train = time(`train step B=8 T=${cfg.ctx} (fwd+bwd+clip+AdamW)`, reps, 2, step);
    console.log(`  loss after ${reps + 2} steps on one batch: ${loss.toFixed(3)}`);
  }
  if (workloads.includes('fwd')) {
    results.fwd = time(`GPT forward B=8 T=${cfg.ctx} (no grad)`, reps, 2, () =>
      be.noGrad(() => be.tidy(() => void gpt.forward(idx))),
    );
  }
}

if (workloads.includes('encode')) {
  const ecfg = { channels: 22, patches: 10, patchLen: 200, d: encD, layers: 4, heads: 4 };
  const enc = new SegmentEncoder(be, ecfg);
  console.log(`SegmentEncoder params: ${enc.params.count()} (d=${encD}, batch ${encBatch})`);
  results.enc_params = enc.params.count();
  const nSeg = 360;
  const seg = new Float32Array(encBatch * 22 * 10 * 200).map(() => rnd() - 0.5);
  const x = be.keep(be.tensor(seg, [encBatch, 22, 10, 200]));
  let out: Float32Array = new Float32Array();
  results.encode = time(
    `encode 360 segments (batches of ${encBatch})`,
    Math.max(3, Math.ceil(reps / 2)),
    1,
    () => {
      for (let done = 0; done < nSeg; done += encBatch)
        be.noGrad(() =>
          be.tidy(() => {
            out = enc.forward(x).toFloat32Array();
          }),
        );
    },
  );
  console.log(
    `  embedding dims ${out.length / encBatch}, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  );
}

if (workloads.includes('gemm')) {
  // Every GEMM of one train step, with the same shapes, each as fwd + 2 backward GEMMs.
  const M = B * cfg.ctx;
  const d = cfg.d;
  const shapes: [number, number][] = []; // [in, out] of each linear, per step
  for (let l = 0; l < cfg.layers; l++) shapes.push([d, 3 * d], [d, d], [d, 4 * d], [4 * d, d]);
  shapes.push([d, cfg.vocab]);
  const mats = shapes.map(([i, o]) => [
    be.keep(be.randn([M, i], 1)),
    be.keep(be.randn([o, i], 1)),
    be.keep(be.randn([M, o], 1)),
  ]);
  const bh = B * cfg.heads;
  const dh = d / cfg.heads;
  const q = be.keep(be.randn([bh, cfg.ctx, dh], 1));
  const att = be.keep(be.randn([bh, cfg.ctx, cfg.ctx], 1));
  let flops = 0;
  for (const [i, o] of shapes) flops += 3 * 2 * M * i * o;
  flops += cfg.layers * 3 * 2 * (2 * bh * cfg.ctx * cfg.ctx * dh);
  results.gemm = time('train-step GEMMs only (linears + attention)', reps, 2, () =>
    be.tidy(() => {
      for (const [x, w, g] of mats as Tensor[][]) {
        be.linear(x, w, null); // y = x wᵀ
        be.matmul(g, w); // dx = g w
        be.matmul(be.transpose(g, 0, 1), x); // dw = gᵀ x
      }
      for (let l = 0; l < cfg.layers; l++)
        for (let r = 0; r < 3; r++) {
          be.matmul(q, be.transpose(q, 1, 2)); // scores-shaped
          be.matmul(att, q); // att @ v-shaped
        }
    }),
  );
  results.step_gflop = flops / 1e9;
  console.log(`  one train step is ${(flops / 1e9).toFixed(1)} GFLOP of GEMM`);
}

console.log(`JSON ${JSON.stringify(results)}`);
