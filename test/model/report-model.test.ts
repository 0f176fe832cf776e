/**
 * The report model end to end on a tiny generated benchmark: `celm train` makes the loss fall, the
 * saved model loads back exactly, and `celm report` writes the same text on ONNX Runtime as on
 * libtorch. Training needs the libtorch addon (skips with a message without it).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { prefixLength, ReportModel } from '../../src/model/celm.js';
import { rowBatch } from '../../src/model/data.js';
import { loadModelDir } from '../../src/model/model-dir.js';
import { loadBackend, loadWeightsFromMap, torchAddonPath } from '../../src/model/runtime/index.js';
import { celm } from '../helpers/cli.js';
import { trainTinyModel } from '../helpers/tiny-model.js';
import { tempDir } from '../helpers/tmp.js';

const hasTorch = torchAddonPath() !== null;
const dir = tempDir('celm-model-');
const bench = join(dir, 'bench');
const model = join(dir, 'model');
let edf = '';

before(() => {
  if (!hasTorch) return;
  const { corpus } = trainTinyModel(dir);
  const patient = readdirSync(corpus).find((n) => /^\d+$/.test(n)) as string;
  const session = readdirSync(join(corpus, patient))[0];
  edf = join(
    corpus,
    patient,
    session,
    readdirSync(join(corpus, patient, session)).find((f) => f.endsWith('.edf'))!,
  );
});

test('celm train: validation loss falls and the model folder is complete', {
  skip: !hasTorch && 'libtorch addon not built (npm run build:native)',
}, () => {
  const rows = readFileSync(join(model, 'metrics.csv'), 'utf8').trim().split('\n');
  const head = rows[0].split(',');
  const val = rows.slice(1).map((l) => Number(l.split(',')[head.indexOf('val_loss')]));
  assert.equal(val.length, 3);
  assert.ok(val[2] < val[0] - 0.3, `val loss ${val.join(' -> ')}`);
  for (const f of ['model.json', 'model.safetensors', 'tokenizer.json', 'loss.png', 'checkpoint'])
    assert.ok(readdirSync(model).includes(f), f);
  const meta = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
  assert.equal(meta.format, 'celm-report-model');
  assert.equal(meta.training.stopReason, 'max-steps');
});

test('saved weights load back exactly (same logits)', {
  skip: !hasTorch && 'libtorch addon not built',
}, () => {
  const be = loadBackend('torch');
  const files = loadModelDir(model);
  const m = files.meta.model;
  const a = new ReportModel(be, m);
  const b = new ReportModel(be, m);
  loadWeightsFromMap(be, files.weights, a.params.map);
  loadWeightsFromMap(be, files.weights, b.params.map);
  const logits = (x: ReportModel) =>
    be.noGrad(() =>
      be.tidy(() => {
        const S = 16;
        const rows = {
          data: Float32Array.from({ length: S * m.segmentDim }, (_, i) => Math.sin(i)),
          type: new Uint8Array(S).fill(1),
          pos: Float32Array.from({ length: S }, (_, i) => i),
        };
        const rb = rowBatch(be, [rows], m.segmentDim, m.d, m.chunk);
        const { prefix } = x.compress(rb.rows, rb.rowType, rb.rowPos, rb.chunkPad, rb.rowPad, false);
        const ids = be.tensorInt(Int32Array.from([2, 5, 9, 7]), [1, 4]);
        return x.decode(prefix, ids, be.causalMask(prefixLength(m) + 4), false).toFloat32Array();
      }),
    );
  const la = logits(a);
  assert.deepEqual(la, logits(b));
  // and the weights are the trained ones, not the initialisation
  const fresh = new ReportModel(be, m);
  assert.notDeepEqual(logits(fresh), la);
  for (const x of [a, b, fresh]) x.params.dispose();
});

test('celm report: the same greedy text on ONNX Runtime and libtorch; JSON and Markdown', {
  skip: !hasTorch && 'libtorch addon not built',
}, () => {
  const cache = join(dir, 'cache');
  const run = (runtime: string, format: string) =>
    celm([
      'report',
      edf,
      '--model',
      model,
      '--runtime',
      runtime,
      '--format',
      format,
      '--cache',
      cache,
      '--max-tokens',
      '30',
      '--quiet',
    ]);
  const ort = run('ort', 'json');
  assert.equal(ort.status, 0, ort.stderr);
  const torch = run('torch', 'json');
  assert.equal(torch.status, 0, torch.stderr);
  const a = JSON.parse(ort.stdout);
  const b = JSON.parse(torch.stdout);
  assert.equal(a.report_sections.length, 6);
  assert.deepEqual(a.report_sections, b.report_sections);
  // the compressor's output agrees too (the findings head reads it)
  for (const [k, p] of Object.entries(a.finding_probabilities as Record<string, number>))
    assert.ok(Math.abs(p - b.finding_probabilities[k]) < 2e-3, `${k}: ${p} vs ${b.finding_probabilities[k]}`);
  assert.equal(a.measured.source, 'measured');
  assert.equal(a.measured.recordings.length, 1);
  assert.equal(a.model.runtime, 'onnxruntime');
  const md = run('ort', 'md');
  assert.equal(md.status, 0, md.stderr);
  assert.match(md.stdout, /## BACKGROUND ACTIVITY/);
  assert.match(md.stdout, /Measured values \(quantitative EEG, not generated\)/);
  assert.match(md.stdout, /\| PDR \| posterior rhythm asymmetry \|/);
  const rec = a.measured.recordings[0];
  assert.ok('posterior_asymmetry' in rec && 'ictal' in rec, JSON.stringify(rec));
  const one = celm([
    'report',
    edf,
    '--model',
    model,
    '--sections',
    'sleep,impression/interpretation',
    '--format',
    'json',
    '--cache',
    cache,
    '--quiet',
  ]);
  assert.equal(one.status, 0, one.stderr);
  assert.deepEqual(
    JSON.parse(one.stdout).report_sections.map((s: { section_name: string }) => s.section_name),
    ['SLEEP', 'IMPRESSION/INTERPRETATION'],
  );
});

test('celm report: input errors are one line and exit 2', () => {
  const missing = celm(['report', join(dir, 'nope.edf'), '--quiet']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.edf: no such file/);
  const badSection = celm(['report', join(dir, 'nope.edf'), '--sections', 'histology']);
  assert.equal(badSection.status, 2);
  assert.match(badSection.stderr, /unknown section "histology"/);
  const notModel = celm(['report', join(dir, 'nope.edf'), '--model', dir]);
  assert.equal(notModel.status, 2);
});

test('celm train: unknown config keys are refused, naming the key', () => {
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ train: { learningRate: 1 } }));
  const r = celm(['train', '--data', bench, '--out', join(dir, 'm2'), '--config', join(dir, 'bad.json')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown key 'train\.learningRate'/);
});
