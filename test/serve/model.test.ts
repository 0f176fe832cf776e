/**
 * Drafts by the report model: a tiny model trained here through the CLI (as test/model/report-model.test.ts
 * does: synthetic recordings, `celm dataset build`, `celm train` with a features-only config), then a
 * server with `modelDir` drafts with it. Training needs the libtorch addon (skips with a message without it).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveServeModel } from '../../src/cli/commands/serve.js';
import { CELM_SECTIONS } from '../../src/clinical/sections.js';
import { CelmError } from '../../src/errors.js';
import { torchAddonPath } from '../../src/model/runtime/index.js';
import { celm } from '../helpers/cli.js';
import { trainTinyModel } from '../helpers/tiny-model.js';
import { tempDir } from '../helpers/tmp.js';
import { type Running, startServer, writeRecording } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON of the API under test
type Json = any;

const hasTorch = torchAddonPath() !== null;
const skip = !hasTorch && 'libtorch addon not built (npm run build:native): no model can be trained here';
const dir = tempDir('celm-serve-model-');
const model = join(dir, 'model'); // trainTinyModel's output
const data = join(dir, 'data');
let srv: Running | null = null;

/** Features-only and as small as the trainer allows: the text is noise, the plumbing is what is tested. */
const TINY = {
  input: 'features',
  vocabSize: 300,
  model: {
    d: 16,
    heads: 2,
    projectorLayers: 1,
    chunk: 8,
    latents: 4,
    perceiverLayers: 1,
    decoderLayers: 1,
    ctx: 160,
    dropout: 0,
  },
  train: { maxSteps: 4, evalEvery: 4, warmupSteps: 1, batchSize: 4, valExamples: 4, lr: 0.003, patience: 0 },
};

before(async () => {
  if (!hasTorch) return;
  trainTinyModel(dir, TINY);
  srv = await startServer(data, { modelDir: model });
});
after(async () => {
  await srv?.server.close();
});

const get = (path: string) => fetch(`${srv!.base}/api${path}`, { headers: srv!.auth });

async function draft(recId: string): Promise<{ events: Json[]; report: Json }> {
  const res = await fetch(`${srv!.base}/api/recordings/${recId}/report`, {
    method: 'POST',
    headers: srv!.auth,
  });
  assert.equal(res.status, 202);
  const job: Json = await res.json();
  const text = await (await get(`/jobs/${job.id}/events`)).text();
  const events = text
    .split('\n\n')
    .filter((b) => b.includes('data: '))
    .map((b) => JSON.parse(/^data: (.*)$/m.exec(b)![1]));
  const last = events.at(-1);
  assert.equal(last.status, 'done', `job ended ${last.status}: ${last.error}`);
  return { events, report: await (await get(`/reports/${last.report}`)).json() };
}

test('with a model folder, report jobs draft with the model: its name in the source, sections, measured values and finding probabilities', {
  skip,
}, async () => {
  const files = tempDir('celm-serve-model-files-');
  const up = await fetch(`${srv!.base}/api/recordings`, {
    method: 'POST',
    headers: { ...srv!.auth, 'Content-Type': 'application/octet-stream', 'X-File-Name': 'm.edf' },
    body: readFileSync(writeRecording(files, 'm.edf', 60)),
  });
  assert.equal(up.status, 201);
  const rec: Json = await up.json();

  const { events, report: r } = await draft(rec.id);
  const stages = new Set(events.map((e) => e.stage));
  for (const s of ['preprocessing', 'encoding', 'writing'])
    assert.ok(stages.has(s), `stage ${s} in ${[...stages].join(', ')}`);
  const progress = events.map((e) => e.progress as number);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i] >= progress[i - 1], progress.join(' '));

  assert.match(r.source, /^celm report model model, trained on \d+ reports of bench$/);
  assert.deepEqual(
    r.sections.map((s: Json) => s.name),
    [...CELM_SECTIONS],
  );
  assert.ok(r.sections.every((s: Json) => s.kind === 'draft' && s.author === 'celm'));
  // Measured values come from the preprocessing, apart from the model's own output.
  assert.equal(r.measurements.durationSec, 60);
  assert.equal(r.measurements.usableChannels, 19);
  assert.ok('pdrHz' in r.measurements);
  // the tiny model reads features version 2, so the detector's rates come along
  assert.equal(typeof r.measurements.sharpTransients.lateralized_per_hour, 'number');
  // the measurements that bear on findings, worded as the Markdown table words them
  const fm = r.measurements.findingMeasures as Record<string, string>;
  assert.deepEqual(Object.keys(fm), [
    'posterior rhythm asymmetry',
    'lateralized slowing',
    'lateralized rhythmic delta',
    'flash trains with generalized discharges',
    'largest ictal-like rise of slow power',
  ]);
  assert.ok(
    Object.values(fm).every((v) => typeof v === 'string' && v.length > 0),
    JSON.stringify(fm),
  );
  const labels = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')).labels as string[];
  const p = r.model_output.finding_probabilities;
  assert.deepEqual(Object.keys(p).sort(), [...labels].sort());
  assert.ok(Object.values(p).every((v) => typeof v === 'number' && v >= 0 && v <= 1));
  assert.equal(r.model_output.model.name, 'model');
  assert.equal(r.model_output.model.runtime, 'onnxruntime');

  // One preprocessing pass, in draftReport's cache layout, read by the viewer's findings timeline.
  const prep = join(data, 'cache', 'preprocessed');
  assert.deepEqual(readdirSync(prep), [rec.sha256.slice(0, 16)]);
  const created = JSON.parse(readFileSync(join(prep, rec.sha256.slice(0, 16), 'index.json'), 'utf8')).created;
  const f: Json = await (await get(`/recordings/${rec.id}/findings`)).json();
  assert.ok(Array.isArray(f.artifacts), 'artifact runs from the shared preprocessing');
  // A second draft reuses it.
  const again = await draft(rec.id);
  assert.equal(
    JSON.parse(readFileSync(join(prep, rec.sha256.slice(0, 16), 'index.json'), 'utf8')).created,
    created,
  );
  assert.equal(again.report.sections.length, 6);

  // Exports: the model output apart from the measured values, clearly labelled.
  const md = await (await get(`/reports/${r.id}/export?format=md`)).text();
  assert.match(md, /Draft source: celm report model model, trained on/);
  assert.match(md, /## Measured values \(quantitative EEG, not generated\)/);
  assert.match(md, /## Model output: finding probabilities \(estimates of the report model/);
  const fhir: Json = await (await get(`/reports/${r.id}/export?format=fhir`)).json();
  assert.match(fhir.extension[0].valueString, /^celm report model model/);
});

test('celm serve --model: a model folder', { skip }, () => {
  const m = resolveServeModel(model);
  assert.equal(m.dir, model);
  assert.match(m.note, /drafts by the report model in .*trained on \d+ reports of bench/);
});

test('celm serve --model none: template drafts; a folder that is not a model: an input error', () => {
  const none = resolveServeModel('none');
  assert.equal(none.dir, null);
  assert.match(none.note, /quantitative-EEG template/);
  assert.throws(() => resolveServeModel(dir), CelmError);
  const r = celm(['serve', '--port', '0', '--data', data, '--model', join(dir, 'nope')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^celm: .*nope: not a celm model folder/);
});
