/**
 * Self-check of the libtorch backend (not in `npm test`: it needs libtorch-dev and the built addon).
 * Trains a tiny GPT on a repeating token pattern, checks that the loss falls, that weights + AdamW
 * state round-trip through save/load (a resumed run takes bit-identical steps), that greedy decoding
 * reproduces the pattern, and that tidy() frees what it should.
 *   apt-get install -y libtorch-dev && npm run build:native && npx tsc -p . && node dist/bench/ml-runtime/selfcheck.js
 * Exit 0 and 'selfcheck: N passed, 0 failed' when all hold.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Backend,
  loadBackend,
  loadWeights,
  saveWeights,
  type Tensor,
} from '../../src/model/runtime/index.js';
import { GPT } from './models.js';

const be: Backend = loadBackend('torch');
be.setNumThreads(1);
console.log('backend', JSON.stringify(be.describe()));
let passed = 0;
let failed = 0;
function check(name: string, ok: boolean, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `  (${detail})` : ''}`);
  if (ok) passed++;
  else failed++;
}

const cfg = { vocab: 16, ctx: 32, d: 32, layers: 2, heads: 2 };
const B = 4;
// Data: the pattern 0 1 2 ... 11 repeated, each row starting at a different offset.
const pattern = (start: number, n: number) => Int32Array.from({ length: n }, (_, i) => (start + i) % 12);
const rows = (n: number) => {
  const x = new Int32Array(B * n);
  for (let b = 0; b < B; b++) x.set(pattern(b * 3, n), b * n);
  return x;
};
const seq = rows(cfg.ctx + 1);
const xs = new Int32Array(B * cfg.ctx);
const ys = new Int32Array(B * cfg.ctx);
for (let b = 0; b < B; b++) {
  xs.set(seq.subarray(b * (cfg.ctx + 1), b * (cfg.ctx + 1) + cfg.ctx), b * cfg.ctx);
  ys.set(seq.subarray(b * (cfg.ctx + 1) + 1, (b + 1) * (cfg.ctx + 1)), b * cfg.ctx);
}
const idx = be.keep(be.tensorInt(xs, [B, cfg.ctx]));
const tgt = be.keep(be.tensorInt(ys, [B, cfg.ctx]));

be.manualSeed(7);
const model = new GPT(be, cfg);
const opt = be.adamw(model.params.list(), { lr: 3e-3, weightDecay: 0.01 });
const step = (m: GPT, o: typeof opt) =>
  be.tidy(() => {
    o.zeroGrad();
    const l = m.loss(idx, tgt);
    l.backward();
    be.clipGradNorm(m.params.list(), 1);
    o.step();
    return l.item();
  });

const losses: number[] = [];
for (let i = 0; i < 60; i++) losses.push(step(model, opt));
console.log(
  `loss: ${losses
    .filter((_, i) => i % 10 === 0 || i === 59)
    .map((l) => l.toFixed(3))
    .join(' -> ')}`,
);
check(
  'loss falls below half of the first',
  losses[59] < 0.5 * losses[0],
  `${losses[0].toFixed(3)} -> ${losses[59].toFixed(3)}`,
);
check(
  'initial loss near ln(vocab)',
  Math.abs(losses[0] - Math.log(cfg.vocab)) < 0.5,
  `ln 16 = ${Math.log(16).toFixed(3)}`,
);

// Save weights (safetensors) and optimizer state, then rebuild from scratch and load.
const dir = mkdtempSync(join(tmpdir(), 'celm-selfcheck-'));
const wPath = join(dir, 'model.safetensors');
const oPath = join(dir, 'adamw.pt');
saveWeights(wPath, model.params.map, { model: 'selfcheck-gpt', step: '60' });
opt.save(oPath);
console.log(`saved ${statSync(wPath).size} B weights, ${statSync(oPath).size} B optimizer state`);

be.manualSeed(999); // different init, so a no-op load would show
const model2 = new GPT(be, cfg);
const meta = loadWeights(be, wPath, model2.params.map);
check('metadata round-trips', meta.step === '60' && meta.model === 'selfcheck-gpt');
const maxDiff = (a: Tensor, b: Tensor) =>
  be.noGrad(() => be.tidy(() => be.sum(be.mul(be.sub(a, b), be.sub(a, b))).item()));
const logitsDiff = be.noGrad(() => be.tidy(() => maxDiff(model.forward(idx), model2.forward(idx))));
check('loaded model gives identical logits', logitsDiff === 0, `sum sq diff ${logitsDiff}`);

const opt2 = be.adamw(model2.params.list(), { lr: 3e-3, weightDecay: 0.01 });
opt2.load(oPath);
const la = step(model, opt);
const lb = step(model2, opt2);
let pd = 0;
for (const [k, p] of model.params.map) pd += maxDiff(p, model2.params.map.get(k)!);
check(
  'resumed training step is bit-identical',
  la === lb && pd === 0,
  `loss ${la} vs ${lb}, param sq diff ${pd}`,
);

// Greedy decoding continues the pattern.
const prompt = [5, 6, 7];
const out = [...prompt];
be.noGrad(() => {
  for (let i = 0; i < 10; i++)
    be.tidy(() => {
      const x = be.tensorInt(Int32Array.from(out), [1, out.length]);
      const logits = model2.forward(x); // [1, T, V]
      const last = be.narrow(logits, 1, out.length - 1, 1);
      out.push(be.argmax(be.reshape(last, [cfg.vocab]), 0).item());
    });
});
const want = pattern(5, out.length);
check(
  'greedy decoding continues 5 6 7 -> 8 9 10 11 0 ...',
  out.every((t, i) => t === want[i]),
  out.join(' '),
);

// tidy() frees intermediates and hands back only the result.
const probe: Tensor[] = [];
const kept = be.tidy(() => {
  const a = be.randn([4, 4], 1);
  const b = be.mul(a, a);
  probe.push(a, b);
  return be.sum(b);
});
check('tidy disposes intermediates, keeps the result', probe.every((t) => t.disposed) && !kept.disposed);
// Autograd on a known function: d/dx sum(x * x) = 2x; grad handles are tracked by tidy too.
const x0 = be.keep(be.tensor(new Float32Array([1, -2, 3]), [3], true));
let gradHandle: Tensor | null = null;
const g = be.tidy(() => {
  be.sum(be.mul(x0, x0)).backward();
  gradHandle = x0.grad();
  return [...gradHandle!.toFloat32Array()];
});
check(
  'backward gives d/dx sum(x²) = 2x, grad handle freed by tidy',
  g.join(',') === '2,-4,6' && (gradHandle as Tensor | null)?.disposed === true,
  g.join(','),
);
check(
  'grad mode restored after noGrad',
  be.noGrad(() => 1) === 1 && be.tidy(() => be.randn([2], 1, true).requiresGrad),
);

rmSync(dir, { recursive: true, force: true });
console.log(`selfcheck: ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
