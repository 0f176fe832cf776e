import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, type TestContext, test } from 'node:test';
import { generateCorpus } from '../../src/datasets/synth/corpus.js';
import { SegmentEncoder } from '../../src/model/encoder.js';
import { chooseMaskedTokens, parsePretrainConfig } from '../../src/model/pretrain.js';
import { loadBackend, loadWeights, torchAddonPath } from '../../src/model/runtime/index.js';
import { EpochSampler, findPreprocessed, prng, splitRecordings } from '../../src/model/segments.js';
import { mixSeed } from '../../src/model/trainer.js';
import { preprocessRecording } from '../../src/signal/preprocess.js';
import { celm } from '../helpers/cli.js';
import { repoRoot } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('celm-pretrain-');
const pre = join(dir, 'pre');
const config = join(dir, 'tiny.json');
const STEPS = '80';

// Three 2-minute synthetic recordings (36 segments of 10 s), preprocessed.
before(() => {
  const synth = join(dir, 'synth');
  const manifest = generateCorpus({
    count: 3,
    out: synth,
    seed: 11,
    duration: [120, 120],
    profile: 'normal',
    multiRecording: false,
  });
  for (const m of manifest) for (const r of m.recordings) preprocessRecording(join(synth, r), pre);
  writeFileSync(
    config,
    JSON.stringify({
      encoder: { d: 32, layers: 1, heads: 2 },
      train: { batchSize: 8, evalEvery: 20, warmupSteps: 5, lr: 0.005, minLr: 0.001, valSegments: 12 },
    }),
  );
});

function addonOrSkip(t: TestContext): boolean {
  if (torchAddonPath()) return true;
  t.skip('the libtorch addon is not built (npm run build:native); skipping');
  return false;
}

function lastRow(csvPath: string): Record<string, number> {
  const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
  const h = lines[0].split(',');
  const v = lines[lines.length - 1].split(',').map(Number);
  return Object.fromEntries(h.map((k, i) => [k, v[i]]));
}

test('segments: recordings found under a parent, bad segments skipped, split by recording, batches by (seed, step)', () => {
  const recs = findPreprocessed([pre]);
  assert.equal(recs.length, 3);
  assert.ok(recs.every((r) => r.nSegments === 12 && r.good.length > 0 && r.mask.length === 22));
  assert.deepEqual(findPreprocessed([recs[0].dir, pre]).length, 3, 'duplicates dropped');
  const split = splitRecordings(recs, 0.1);
  assert.equal(split.trainIds.length + split.valIds.length, 3);
  assert.ok(split.valIds.length >= 1 && split.trainIds.length >= 1);
  assert.ok(!split.valIds.some((id) => split.trainIds.includes(id)));
  assert.deepEqual(splitRecordings(recs, 0.1).valIds, split.valIds, 'deterministic');
  const s1 = new EpochSampler(100, 5, mixSeed);
  const s2 = new EpochSampler(100, 5, mixSeed);
  assert.deepEqual(s1.batch(7, 32), s2.batch(7, 32));
  s2.batch(0, 32);
  assert.deepEqual(s1.batch(3, 32), s2.batch(3, 32), 'independent of call history');
  const epoch = [0, 1, 2, 3].flatMap((s) => Array.from(s1.batch(s, 25)));
  assert.deepEqual(
    [...epoch].sort((a, b) => a - b),
    Array.from({ length: 100 }, (_, i) => i),
    'an epoch visits every segment once',
  );
});

test('chooseMaskedTokens: half of the usable tokens, never a masked channel', () => {
  const mask = new Uint8Array(2 * 22).fill(1);
  mask[3] = 0;
  for (let c = 0; c < 22; c++) mask[22 + c] = c < 4 ? 1 : 0;
  const t = chooseMaskedTokens(mask, 2, 0.5, prng(1));
  const count = (b: number) => t.subarray(b * 220, (b + 1) * 220).reduce((a, v) => a + v, 0);
  assert.equal(count(0), 105);
  assert.equal(count(1), 20);
  for (let p = 0; p < 10; p++) assert.equal(t[3 * 10 + p], 0);
  for (let c = 4; c < 22; c++) for (let p = 0; p < 10; p++) assert.equal(t[220 + c * 10 + p], 0);
});

test('pretrain config: unknown keys and bad values are named', () => {
  assert.throws(
    () => parsePretrainConfig({ train: { lrr: 1 } }, 'c.json'),
    /c\.json: unknown key 'train\.lrr'/,
  );
  assert.throws(() => parsePretrainConfig({ model: {} }, 'c.json'), /unknown key 'model'/);
  assert.throws(() => parsePretrainConfig({ encoder: { heads: 3 } }, 'c.json'), /encoder\.heads/);
  assert.throws(() => parsePretrainConfig({ train: { lr: 'x' } }, 'c.json'), /'train\.lr' must be a number/);
  assert.equal(parsePretrainConfig({ train: { batchSize: 4 } }, 'c.json').train.batchSize, 4);
});

test('celm pretrain: outputs, masked-patch loss below predicting zeros, encoder loads', (t) => {
  if (!addonOrSkip(t)) return;
  const out = join(dir, 'run');
  const r = celm(['pretrain', '--data', pre, '--out', out, '--config', config, '--steps', STEPS, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const res = JSON.parse(r.stdout);
  assert.equal(res.stop, 'max-steps');
  assert.equal(res.steps, 80);
  for (const f of [
    'encoder.safetensors',
    'encoder.json',
    'metrics.csv',
    'loss.svg',
    'loss.png',
    'checkpoint/state.json',
  ])
    assert.ok(existsSync(join(out, f)), f);
  const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'step,lr,train_loss,val_loss,elapsed_s,grad_norm,fvu,val_fvu,val_zero_loss');
  assert.equal(csv.length, 1 + 4);
  const last = lastRow(join(out, 'metrics.csv'));
  assert.ok(
    last.val_loss < 0.95 * last.val_zero_loss,
    `masked-patch loss ${last.val_loss} is below predicting zeros ${last.val_zero_loss}`,
  );
  const meta = JSON.parse(readFileSync(join(out, 'encoder.json'), 'utf8'));
  assert.deepEqual(meta.encoder, { d: 32, layers: 1, heads: 2 });
  assert.match(meta.encoder_hash, /^[0-9a-f]{16}$/);
  assert.equal(meta.pretrain.summary.stopReason, 'max-steps');
  // The encoder file has exactly the encoder's parameters (no reconstruction head).
  const be = loadBackend('torch');
  be.setNumThreads(1);
  const enc = new SegmentEncoder(be, meta.encoder);
  loadWeights(be, join(out, 'encoder.safetensors'), enc.params.map);
  enc.params.dispose();
});

test('celm pretrain: Ctrl-C writes a checkpoint (exit 130); a rerun resumes to the same weights', async (t) => {
  if (!addonOrSkip(t)) return;
  const full = join(dir, 'run');
  if (!existsSync(join(full, 'encoder.safetensors'))) {
    t.skip('needs the previous test');
    return;
  }
  const out = join(dir, 'interrupted');
  const args = ['pretrain', '--data', pre, '--out', out, '--config', config, '--steps', STEPS];
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'celm.js'), ...args], { stdio: 'pipe' });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (d) => {
    stderr += d;
    if (!sent && /step 1\/80/.test(stderr)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  let stdout = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  const code = await new Promise<number | null>((res) => child.on('close', res));
  assert.equal(code, 130, stderr);
  const first = JSON.parse(stdout);
  assert.equal(first.stop, 'aborted');
  assert.ok(first.steps >= 1 && first.steps < 80, stdout);
  assert.match(stderr, /interrupted at step \d+; rerun the same command to resume/);
  const state = JSON.parse(readFileSync(join(out, 'checkpoint', 'state.json'), 'utf8'));
  assert.equal(state.step, first.steps);
  // another configuration is refused, with the way out named
  const other = celm([...args.slice(0, -1), '90', '--quiet']);
  assert.equal(other.status, 2);
  assert.match(other.stderr, /another configuration.*--restart/);
  const second = celm([...args, '--quiet']);
  assert.equal(second.status, 0, second.stderr);
  const r2 = JSON.parse(second.stdout);
  assert.equal(r2.resumed_from, first.steps);
  assert.equal(r2.steps, 80);
  assert.deepEqual(
    readFileSync(join(out, 'encoder.safetensors')),
    readFileSync(join(full, 'encoder.safetensors')),
    'bit-identical to the uninterrupted run',
  );
});

test('celm pretrain: input errors are one line, exit 2, naming the key or path', () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ train: { lrr: 0.1 } }));
  const empty = join(dir, 'empty');
  mkdirSync(empty, { recursive: true });
  const x = join(dir, 'x');
  for (const [args, re] of [
    [['--data', pre, '--config', bad], /bad\.json: unknown key 'train\.lrr'/],
    [['--data', join(dir, 'nope')], /nope: no such file or folder/],
    [['--data', pre, empty], /empty: no preprocessed recordings/],
    [['--data', pre, '--steps', '0'], /--steps must be an integer >= 1/],
  ] as [string[], RegExp][]) {
    const r = celm(['pretrain', '--out', x, ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
  }
});
