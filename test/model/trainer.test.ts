import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { CelmError } from '../../src/errors.js';
import { type Backend, loadBackend, type Tensor, torchAddonPath } from '../../src/model/runtime/index.js';
import { lrAt, mixSeed, runTraining, type TrainHooks, type TrainSchedule } from '../../src/model/trainer.js';
import { tempDir } from '../helpers/tmp.js';

function backendOrSkip(t: TestContext): Backend | null {
  if (!torchAddonPath()) {
    t.skip('the libtorch addon is not built (npm run build:native); skipping');
    return null;
  }
  const be = loadBackend('torch');
  be.setNumThreads(1);
  return be;
}

/** Deterministic uniform [-1, 1) numbers. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

const IN = 8;
const OUT = 4;
const TRUE_W = Float32Array.from({ length: OUT * IN }, prng(99));

/** y = x W*ᵀ + 0.5 + noise, from a PRNG seeded by `seed`. */
function batch(seed: number, n: number): { x: Float32Array; y: Float32Array } {
  const r = prng(seed);
  const x = Float32Array.from({ length: n * IN }, r);
  const y = new Float32Array(n * OUT);
  for (let i = 0; i < n; i++)
    for (let o = 0; o < OUT; o++) {
      let s = 0.5 + 0.01 * r();
      for (let k = 0; k < IN; k++) s += x[i * IN + k] * TRUE_W[o * IN + k];
      y[i * OUT + o] = s;
    }
  return { x, y };
}

/** A linear regression model and hooks; `initSeed` sets its random initial weights. */
function regression(
  be: Backend,
  initSeed: number,
  opts: { abortAt?: number; controller?: AbortController; valLoss?: (evalIndex: number) => number } = {},
): TrainHooks & { w: Tensor; b: Tensor } {
  be.manualSeed(initSeed);
  const w = be.keep(be.randn([OUT, IN], 0.5, true));
  const b = be.keep(be.zeros([OUT], true));
  const val = batch(12345, 64);
  let evals = 0;
  const lossOf = (d: { x: Float32Array; y: Float32Array }) =>
    be.mseLoss(
      be.linear(be.tensor(d.x, [d.x.length / IN, IN]), w, b),
      be.tensor(d.y, [d.y.length / OUT, OUT]),
    );
  return {
    w,
    b,
    params: new Map([
      ['lin.w', w],
      ['lin.b', b],
    ]),
    step(step: number) {
      const loss = lossOf(batch(mixSeed(7, step), 16));
      loss.backward();
      if (opts.abortAt === step) opts.controller?.abort();
      // a random op, to prove the RNG is re-seeded per step (its value feeds a logged metric)
      return { loss: loss.item(), noise: be.rand([1]).item() };
    },
    validate() {
      const v = lossOf(val).item();
      return { loss: opts.valLoss ? opts.valLoss(evals++) : v, mae: Math.sqrt(v) };
    },
  };
}

const schedule = (over: Partial<TrainSchedule> = {}): TrainSchedule => ({
  seed: 3,
  maxSteps: 60,
  lr: 0.05,
  minLr: 0.005,
  warmupSteps: 5,
  weightDecay: 0.01,
  gradClip: 1,
  evalEvery: 10,
  patience: 0,
  ...over,
});

test('lrAt: linear warmup, cosine decay to minLr', () => {
  const s = schedule({ maxSteps: 105, warmupSteps: 5, lr: 1, minLr: 0.1 });
  assert.equal(lrAt(s, 0), 0.2);
  assert.equal(lrAt(s, 4), 1);
  assert.equal(lrAt(s, 5), 1);
  assert.ok(Math.abs(lrAt(s, 55) - 0.55) < 1e-12);
  assert.ok(Math.abs(lrAt(s, 105) - 0.1) < 1e-12);
});

test('trainer: the loss of a tiny regression falls; metrics.csv, loss plot, best weights, checkpoint', (t) => {
  const be = backendOrSkip(t);
  if (!be) return;
  const dir = tempDir();
  const hooks = regression(be, 1);
  const lines: string[] = [];
  const s = runTraining(be, dir, schedule({ maxSteps: 150, evalEvery: 25 }), hooks, {
    label: 'test',
    configHash: 'abc',
    quiet: true,
    onLog: (l) => lines.push(l),
  });
  assert.equal(s.stopReason, 'max-steps');
  assert.equal(s.steps, 150);
  assert.equal(s.evals, 6);
  const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'step,lr,train_loss,val_loss,elapsed_s,grad_norm,noise,val_mae');
  assert.equal(csv.length, 1 + 6, 'one row per evaluation');
  const rows = csv.slice(1).map((l) => l.split(',').map(Number));
  assert.deepEqual(
    rows.map((r) => r[0]),
    [25, 50, 75, 100, 125, 150],
  );
  const val = rows.map((r) => r[3]);
  assert.ok(val[5] < val[0] * 0.1, `val loss fell: ${val.join(' ')}`);
  assert.ok(rows.every((r) => r.every(Number.isFinite)));
  for (const f of ['loss.svg', 'best.safetensors', 'checkpoint/weights.safetensors', 'checkpoint/state.json'])
    assert.ok(existsSync(join(dir, f)), f);
  assert.match(readFileSync(join(dir, 'loss.svg'), 'utf8'), /validation/);
  assert.ok(existsSync(join(dir, 'loss.png')), 'loss.png (resvg is a dependency)');
  assert.ok(
    lines.some((l) => /step 1\/150 .*steps\/s.*ETA/.test(l)),
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => /reached 150 steps/.test(l)));
  // A rerun of a finished run does nothing.
  const again = runTraining(be, dir, schedule({ maxSteps: 150, evalEvery: 25 }), regression(be, 5), {
    label: 'test',
    configHash: 'abc',
    quiet: true,
  });
  assert.equal(again.sessionSteps, 0);
  assert.equal(again.stopReason, 'max-steps');
});

test('trainer: a run stopped at step k and resumed equals an uninterrupted run bit-exactly', (t) => {
  const be = backendOrSkip(t);
  if (!be) return;
  const sched = schedule({ maxSteps: 40, evalEvery: 10, gradClip: 0.5 });
  const a = tempDir();
  const ha = regression(be, 1);
  const sa = runTraining(be, a, sched, ha, { label: 'a', configHash: 'h', quiet: true });
  assert.equal(sa.stopReason, 'max-steps');

  const b = tempDir();
  const controller = new AbortController();
  const hb = regression(be, 1, { abortAt: 16, controller });
  const sb = runTraining(be, b, sched, hb, {
    label: 'b',
    configHash: 'h',
    quiet: true,
    signal: controller.signal,
  });
  assert.equal(sb.stopReason, 'aborted');
  assert.equal(sb.steps, 17, 'the current step finishes, then the loop ends');
  assert.ok(existsSync(join(b, 'checkpoint', 'state.json')));
  // A fresh process would build the model with other random weights: they must be replaced.
  const hc = regression(be, 777);
  const sc = runTraining(be, b, sched, hc, { label: 'b', configHash: 'h', quiet: true });
  assert.equal(sc.resumedFrom, 17);
  assert.equal(sc.stopReason, 'max-steps');
  assert.equal(sc.sessionSteps, 23);
  assert.deepEqual(hc.w.toFloat32Array(), ha.w.toFloat32Array());
  assert.deepEqual(hc.b.toFloat32Array(), ha.b.toFloat32Array());
  const strip = (p: string) =>
    readFileSync(p, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').filter((_, i) => i !== 4)); // elapsed_s differs
  assert.deepEqual(strip(join(b, 'metrics.csv')), strip(join(a, 'metrics.csv')));
  assert.equal(sc.bestValLoss, sa.bestValLoss);
});

test('trainer: early stopping after `patience` evaluations without improvement', (t) => {
  const be = backendOrSkip(t);
  if (!be) return;
  const dir = tempDir();
  const hooks = regression(be, 1, { valLoss: (i) => [1, 0.5, 0.6, 0.55, 0.7, 0.1][i] });
  const s = runTraining(be, dir, schedule({ maxSteps: 100, evalEvery: 5, patience: 3 }), hooks, {
    label: 'es',
    configHash: 'x',
    quiet: true,
  });
  assert.equal(s.stopReason, 'early-stop');
  assert.equal(s.steps, 25, 'best at step 10, then three evaluations without improvement');
  assert.equal(s.bestStep, 10);
  assert.equal(s.bestValLoss, 0.5);
  const rows = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(rows.length, 1 + 5);
});

test('trainer: a checkpoint of another configuration is refused unless restart', (t) => {
  const be = backendOrSkip(t);
  if (!be) return;
  const dir = tempDir();
  const controller = new AbortController();
  runTraining(be, dir, schedule(), regression(be, 1, { abortAt: 2, controller }), {
    label: 'r',
    configHash: 'first',
    quiet: true,
    signal: controller.signal,
  });
  assert.throws(
    () =>
      runTraining(be, dir, schedule(), regression(be, 1), { label: 'r', configHash: 'second', quiet: true }),
    (e: unknown) =>
      e instanceof CelmError && /another configuration/.test(e.message) && /restart/.test(e.message),
  );
  const s = runTraining(be, dir, schedule({ maxSteps: 10 }), regression(be, 1), {
    label: 'r',
    configHash: 'second',
    quiet: true,
    restart: true,
  });
  assert.equal(s.resumedFrom, null);
  assert.equal(s.steps, 10);
  assert.equal(JSON.parse(readFileSync(join(dir, 'checkpoint', 'state.json'), 'utf8')).configHash, 'second');
});
