// Baseline (d): TensorFlow.js 4.22 wasm backend (SIMD, 1 thread) on the same workloads as
// torch-bench.ts: the same GPT (d=128, 4 layers, 4 heads, vocab 4000, batch 8 x 256) train step and
// forward, and the same criss-cross SegmentEncoder on 360 segments. Not a project dependency: install
// it beside the checkout, without install scripts, and point CELM_BENCH_DEPS at it:
//   npm install --prefix /tmp/celm-ml-bench --ignore-scripts @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0
//   CELM_BENCH_DEPS=/tmp/celm-ml-bench node bench/ml-runtime/tfjs-wasm-bench.mjs [--reps 3] [--only train,fwd,encode,matmul]
// tfjs has no AdamW; Adam is used (the optimizer is <1% of a step either way).
import { createRequire } from 'node:module';
import { join } from 'node:path';

const deps = process.env.CELM_BENCH_DEPS ?? '/tmp/celm-ml-bench';
const require = createRequire(join(deps, 'node_modules', 'x.js'));
// The union package: tfjs-core's own CommonJS bundle registers neither gradients nor chained ops.
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');

const args = process.argv.slice(2);
const arg = (n, d) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d);
const reps = Number(arg('reps', '3'));
const only = arg('only', 'matmul,train,fwd,encode').split(',');

await tf.setBackend('wasm');
await tf.ready();

const med = (s) => s[Math.floor(s.length / 2)];
async function time(label, n, warm, fn) {
  for (let i = 0; i < warm; i++) await fn();
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
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const r = { best: ms[0], median: med(ms), cpuBest: cpu[0], cpuMedian: med(cpu), n };
  const f = (x) => x.toFixed(1).padStart(8);
  console.log(
    `${label.padEnd(44)} wall best ${f(r.best)} median ${f(r.median)} | cpu best ${f(r.cpuBest)} ms`,
  );
  return r;
}

const results = { backend: `tfjs ${tf.version_core} ${tf.getBackend()}`, reps };
console.log(
  `# ${results.backend}, SIMD ${await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')}, threads ${await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')}`,
);

if (only.includes('matmul')) {
  const a = tf.randomNormal([1024, 1024]);
  const r = await time('matmul 1024^3', reps + 2, 1, async () => {
    const c = tf.matMul(a, a);
    await c.data();
    c.dispose();
  });
  results.matmul_gflops = (2 * 1024 ** 3) / (r.best * 1e6);
  console.log(`  -> ${results.matmul_gflops.toFixed(1)} GFLOP/s (best)`);
}

const V = 4000;
const T = 256;
const d = 128;
const L = 4;
const H = 4;
const B = 8;
const w = (shape) => tf.variable(tf.randomNormal(shape, 0, 0.02));
const z = (shape) => tf.variable(tf.zeros(shape));
const o = (shape) => tf.variable(tf.ones(shape));
const block = () => ({
  ln1w: o([d]),
  ln1b: z([d]),
  qkvw: w([d, 3 * d]),
  qkvb: z([3 * d]),
  projw: w([d, d]),
  projb: z([d]),
  ln2w: o([d]),
  ln2b: z([d]),
  fcw: w([d, 4 * d]),
  fcb: z([4 * d]),
  fc2w: w([4 * d, d]),
  fc2b: z([d]),
});
const layerNorm = (x, g, b) => {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(g).add(b);
};
const gelu = (x) => x.mul(0.5).mul(tf.tanh(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1));
const lin = (x, wt, b) => {
  const s = x.shape;
  const y = tf.matMul(x.reshape([-1, s[s.length - 1]]), wt);
  return (b ? y.add(b) : y).reshape([...s.slice(0, -1), wt.shape[1]]);
};
const attend = (q, k, v, mask, scale) => {
  let s = tf.matMul(q, k, false, true).mul(scale);
  if (mask) s = s.add(mask);
  return tf.matMul(tf.softmax(s), v);
};
const mlp = (b, x) => x.add(lin(gelu(lin(layerNorm(x, b.ln2w, b.ln2b), b.fcw, b.fcb)), b.fc2w, b.fc2b));

if (only.includes('train') || only.includes('fwd')) {
  const P = {
    wte: w([V, d]),
    wpe: w([T, d]),
    blocks: Array.from({ length: L }, block),
    lnfw: o([d]),
    lnfb: z([d]),
    head: w([d, V]),
  };
  const maskAdd = tf.linalg
    .bandPart(tf.ones([T, T]), -1, 0)
    .sub(1)
    .mul(1e9); // 0 on/below diagonal, -1e9 above
  const idx = tf.tensor2d(
    Int32Array.from({ length: B * T }, (_, i) => (i * 7919 + 13) % V),
    [B, T],
    'int32',
  );
  const tgt = tf.oneHot(idx.reshape([-1]), V);
  // tf.gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks: the embedding's
  // gradient is a one-hot matmul instead (+2.1 GFLOP per step, a few % of the step here).
  const oneHotIdx = tf.oneHot(idx.reshape([-1]), V);
  const embed = tf.customGrad((wte, save) => {
    save([wte]);
    return {
      value: tf.gather(wte, idx),
      gradFunc: (dy) => tf.matMul(oneHotIdx, dy.reshape([B * T, d]), true, false),
    };
  });
  const forward = () => {
    let x = embed(P.wte).add(P.wpe);
    const dh = d / H;
    for (const b of P.blocks) {
      const qkv = lin(layerNorm(x, b.ln1w, b.ln1b), b.qkvw, b.qkvb)
        .reshape([B, T, 3, H, dh])
        .transpose([2, 0, 3, 1, 4]);
      const [q, k, v] = tf.split(qkv, 3, 0).map((t) => t.reshape([B, H, T, dh]));
      const y = attend(q, k, v, maskAdd, 1 / Math.sqrt(dh))
        .transpose([0, 2, 1, 3])
        .reshape([B, T, d]);
      x = x.add(lin(y, b.projw, b.projb));
      x = mlp(b, x);
    }
    return lin(layerNorm(x, P.lnfw, P.lnfb), P.head, null);
  };
  const nParams = tf.util.sizeFromShape;
  const vars = [P.wte, P.wpe, P.lnfw, P.lnfb, P.head, ...P.blocks.flatMap((b) => Object.values(b))];
  console.log(`GPT params: ${vars.reduce((s, v) => s + nParams(v.shape), 0)}`);
  if (only.includes('train')) {
    const opt = tf.train.adam(1e-3);
    results.train = await time('train step B=8 T=256 (fwd+bwd+Adam)', reps, 1, async () => {
      const loss = opt.minimize(
        () => tf.losses.softmaxCrossEntropy(tgt, forward().reshape([B * T, V])),
        true,
        vars,
      );
      await loss.data();
      loss.dispose();
    });
  }
  if (only.includes('fwd'))
    results.fwd = await time('GPT forward B=8 T=256', reps, 1, async () => {
      const y = tf.tidy(forward);
      await y.data();
      y.dispose();
    });
}

if (only.includes('encode')) {
  const C = 22;
  const Pn = 10;
  const Lp = 200;
  const nb = 60;
  const E = {
    patchw: w([Lp, d]),
    patchb: z([d]),
    chan: w([C, 1, d]),
    time: w([Pn, d]),
    blocks: Array.from({ length: L }, block),
    lnfw: o([d]),
    lnfb: z([d]),
  };
  const x = tf.randomNormal([nb, C, Pn, Lp]);
  const hh = H / 2;
  const half = d / 2;
  const dh = half / hh;
  const enc = () => {
    let t = lin(x, E.patchw, E.patchb).add(E.chan).add(E.time);
    for (const b of E.blocks) {
      const parts = lin(layerNorm(t, b.ln1w, b.ln1b), b.qkvw, b.qkvb).reshape([nb, C, Pn, 3, 2, hh, dh]);
      const [sp, tp] = tf.split(parts, 2, 4);
      const s = sp
        .reshape([nb, C, Pn, 3, hh, dh])
        .transpose([3, 0, 2, 4, 1, 5])
        .reshape([3, nb * Pn, hh, C, dh]);
      const [sq, sk, sv] = tf.split(s, 3, 0).map((u) => u.reshape([nb * Pn, hh, C, dh]));
      const ys = attend(sq, sk, sv, null, 1 / Math.sqrt(dh))
        .reshape([nb, Pn, hh, C, dh])
        .transpose([0, 3, 1, 2, 4])
        .reshape([nb, C, Pn, half]);
      const m = tp
        .reshape([nb, C, Pn, 3, hh, dh])
        .transpose([3, 0, 1, 4, 2, 5])
        .reshape([3, nb * C, hh, Pn, dh]);
      const [mq, mk, mv] = tf.split(m, 3, 0).map((u) => u.reshape([nb * C, hh, Pn, dh]));
      const yt = attend(mq, mk, mv, null, 1 / Math.sqrt(dh))
        .reshape([nb, C, hh, Pn, dh])
        .transpose([0, 1, 3, 2, 4])
        .reshape([nb, C, Pn, half]);
      t = t.add(lin(tf.concat([ys, yt], 3), b.projw, b.projb));
      t = mlp(b, t);
    }
    return layerNorm(t, E.lnfw, E.lnfb).mean([1, 2]);
  };
  results.encode = await time('encode 360 segments (batches of 60)', Math.max(2, reps - 1), 0, async () => {
    for (let i = 0; i < 360; i += nb) {
      const y = tf.tidy(enc);
      await y.data();
      y.dispose();
    }
  });
}
console.log(`JSON ${JSON.stringify(results)}`);
