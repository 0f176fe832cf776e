/**
 * Loss weights on finding sentences (`train.findingWeight`): which tokens get the weight, the weighted
 * cross-entropy against the backend's own, and a tiny model that trains with it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SPECIAL_TOKENS } from '../../src/model/data.js';
import { findingTokenWeights, weightedCrossEntropy } from '../../src/model/finding-weights.js';
import { loadBackend, torchAddonPath } from '../../src/model/runtime/index.js';
import { BpeTokenizer } from '../../src/model/tokenizer.js';
import { TINY_MODEL_CONFIG, trainTinyModel } from '../helpers/tiny-model.js';
import { tempDir } from '../helpers/tmp.js';

const hasTorch = torchAddonPath() !== null;
const text =
  'The background is well organized. Intermittent focal delta slowing over the right temporal region. ' +
  'No other abnormality.';

test('the tokens of the sentence that states a finding get the weight, the others 1', () => {
  const tok = BpeTokenizer.train([text], { vocabSize: 300, specials: SPECIAL_TOKENS });
  const w = findingTokenWeights(tok, 'BACKGROUND ACTIVITY', text, 3);
  assert.ok(w);
  const ids = tok.encode(` ${text}`);
  assert.equal(w.length, ids.length);
  const weighted = tok.decode(ids.filter((_, i) => w[i] === 3));
  assert.equal(weighted.trim(), 'Intermittent focal delta slowing over the right temporal region.');
  assert.ok(w.every((x) => x === 1 || x === 3));
  // a section whose sentences state nothing of it: no weights
  assert.equal(findingTokenWeights(tok, 'SLEEP', text, 3), null);
  assert.equal(findingTokenWeights(tok, 'BACKGROUND ACTIVITY', 'The background is well organized.', 3), null);
});

test('weighted cross-entropy: unit weights give the plain mean, weights shift it toward their tokens', {
  skip: !hasTorch && 'libtorch addon not built (npm run build:native)',
}, () => {
  const be = loadBackend('torch');
  const N = 5;
  const V = 7;
  const logits = be.randn([N, V], 1.5);
  const targets = Int32Array.from([2, -1, 6, 0, 3]);
  const plain = be.crossEntropy(logits, be.tensorInt(targets, [N]), -1).item();
  const unit = weightedCrossEntropy(be, logits, targets, new Float32Array(N).fill(1)).item();
  assert.ok(Math.abs(plain - unit) < 1e-5, `${plain} vs ${unit}`);
  // by hand: weights 1, -, 4, 1, 1 over the rows' -log softmax
  const x = logits.toFloat32Array();
  const nll = (n: number) => {
    const row = x.subarray(n * V, (n + 1) * V);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    return lse - row[targets[n]];
  };
  const expect = (nll(0) + 4 * nll(2) + nll(3) + nll(4)) / 7;
  const got = weightedCrossEntropy(be, logits, targets, Float32Array.from([1, 9, 4, 1, 1])).item();
  assert.ok(Math.abs(expect - got) < 1e-5, `${expect} vs ${got}`);
});

test('a tiny model trains with findingWeight 3: the validation loss falls', {
  skip: !hasTorch && 'libtorch addon not built (npm run build:native)',
}, () => {
  const dir = tempDir('celm-fweight-');
  const { model } = trainTinyModel(dir, {
    ...TINY_MODEL_CONFIG,
    train: { ...TINY_MODEL_CONFIG.train, findingWeight: 3 },
  });
  const rows = readFileSync(join(model, 'metrics.csv'), 'utf8').trim().split('\n');
  const head = rows[0].split(',');
  const val = rows.slice(1).map((l) => Number(l.split(',')[head.indexOf('val_loss')]));
  assert.ok(val.at(-1)! < val[0] - 0.3, `val loss ${val.join(' -> ')}`);
});
