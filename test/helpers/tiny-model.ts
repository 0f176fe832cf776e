import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { celm } from './cli.js';

/** A features-only report model small enough to train in seconds (plumbing, not quality). */
export const TINY_MODEL_CONFIG = {
  input: 'features',
  vocabSize: 400,
  model: {
    d: 32,
    heads: 2,
    projectorLayers: 1,
    chunk: 8,
    latents: 4,
    perceiverLayers: 1,
    decoderLayers: 2,
    ctx: 256,
    dropout: 0,
  },
  // no history dropout: after 60 steps the model would often end sections at once without a history
  train: {
    historyDropout: 0,
    maxSteps: 60,
    evalEvery: 20,
    warmupSteps: 5,
    batchSize: 6,
    valExamples: 12,
    lr: 0.003,
    patience: 0,
  },
};

/**
 * Through the CLI, as a user would: 10 synthetic 2-minute sessions -> `celm dataset build` ->
 * `celm train` with `config` (TINY_MODEL_CONFIG by default). Needs the libtorch addon.
 */
export function trainTinyModel(
  dir: string,
  config: object = TINY_MODEL_CONFIG,
): { corpus: string; bench: string; model: string } {
  const corpus = join(dir, 'corpus');
  const bench = join(dir, 'bench');
  const model = join(dir, 'model');
  let r = celm([
    'synth',
    '--count',
    '10',
    '--out',
    corpus,
    '--seed',
    '5',
    '--duration',
    '2m',
    '--allow-short',
    '--quiet',
  ]);
  assert.equal(r.status, 0, r.stderr);
  r = celm([
    'dataset',
    'build',
    '--source',
    'manifest',
    corpus,
    '--out',
    bench,
    '--split',
    '60/40/0',
    '--quiet',
  ]);
  assert.equal(r.status, 0, r.stderr);
  writeFileSync(join(dir, 'tiny.json'), JSON.stringify(config));
  r = celm([
    'train',
    '--data',
    bench,
    '--out',
    model,
    '--config',
    join(dir, 'tiny.json'),
    '--threads',
    '1',
    '--quiet',
  ]);
  assert.equal(r.status, 0, r.stderr);
  return { corpus, bench, model };
}
