/**
 * Posterior rhythm asymmetry (src/signal/posterior-asymmetry.ts): on made-up band powers, then on
 * synthetic EDF files with and without an asymmetric PDR, through the preprocessing as `celm report`
 * reads them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { findSpec } from '../../src/datasets/synth/spec.js';
import { CELM_CHANNELS } from '../../src/signal/channels.js';
import { preprocessRecording } from '../../src/signal/index.js';
import { PDR_PROMINENCE, posteriorAsymmetry } from '../../src/signal/posterior-asymmetry.js';
import { recordingMeasures } from '../../src/signal/recording-measures.js';
import { writeSynthEdf } from '../helpers/synth-recording.js';
import { tempDir } from '../helpers/tmp.js';

const C = CELM_CHANNELS.length;
const at = (name: string) => CELM_CHANNELS.indexOf(name as (typeof CELM_CHANNELS)[number]);
const LEFT = ['O1', 'P3', 'T5'].map(at);
const n = 40;

/**
 * Band powers of `n` segments: every band 1, and in the first 12 (eyes closed) a posterior rhythm of
 * power 20 in band `band`, times `leftGain` on the left posterior channels.
 */
function bands(band: number, leftGain: number): Float32Array {
  const b = new Float32Array(n * C * 5).fill(1);
  for (let s = 0; s < 12; s++)
    for (const c of ['O1', 'O2', 'P3', 'P4', 'T5', 'T6'].map(at))
      b[(s * C + c) * 5 + band] = 20 * (LEFT.includes(c) ? leftGain : 1) * (1 + 0.01 * s);
  return b;
}
const mask = new Uint8Array(C).fill(1);
const none = new Uint8Array(n);
const pdr = (frequencyHz: number, prominence = 40) => ({ frequencyHz, prominence });

test('the weaker side of the posterior rhythm, in its own band, where it is strongest', () => {
  // left alpha at a sixth of the right's power (0.4 amplitude): log(1/6) = -1.79
  const weak = posteriorAsymmetry(bands(2, 1 / 6), mask, none, pdr(9.5));
  assert.ok(weak && Math.abs(weak.log_ratio - Math.log(1 / 6)) < 0.01, JSON.stringify(weak));
  assert.equal(weak.weaker, 'left');
  assert.equal(weak.band, 'alpha');
  assert.equal(weak.segments, 12); // the top 30% of 40 good segments
  // symmetric: 0
  assert.equal(posteriorAsymmetry(bands(2, 1), mask, none, pdr(9.5))?.log_ratio, 0);
  // a slow (6.5 Hz) PDR is compared in theta, where it is; alpha would see nothing
  const slow = posteriorAsymmetry(bands(1, 3), mask, none, pdr(6.5));
  assert.ok(
    slow && slow.band === 'theta' && slow.weaker === 'right' && slow.log_ratio > 1,
    JSON.stringify(slow),
  );
  assert.equal(posteriorAsymmetry(bands(1, 3), mask, none, pdr(9.5))?.log_ratio, 0);
});

test('no prominent PDR, no usable posterior pair or too few segments: not measured', () => {
  assert.equal(posteriorAsymmetry(bands(2, 0.2), mask, none, null), null);
  assert.equal(posteriorAsymmetry(bands(2, 0.2), mask, none, pdr(9.5, PDR_PROMINENCE - 1)), null);
  const noPosterior = new Uint8Array(C).fill(1);
  for (const c of ['O2', 'P4', 'T6'].map(at)) noPosterior[c] = 0;
  assert.equal(posteriorAsymmetry(bands(2, 0.2), noPosterior, none, pdr(9.5)), null);
  // one pair left: it alone decides
  noPosterior[at('O2')] = 1;
  assert.equal(posteriorAsymmetry(bands(2, 0.2), noPosterior, none, pdr(9.5))?.pairs, 1);
  assert.equal(
    posteriorAsymmetry(
      bands(2, 0.2),
      mask,
      Uint8Array.from({ length: n }, (_, s) => (s < 35 ? 1 : 0)),
      pdr(9.5),
    ),
    null,
  );
});

test('synthetic recordings: an asymmetric PDR measures 0.3 and more on its weaker side; the same recording without it does not', () => {
  const dir = tempDir('celm-asymmetry-test-');
  const spec = findSpec('focal-epilepsy', 300, (s) => !!s.pdr?.asymmetry && s.pdr.hz >= 8);
  const asym = spec.pdr?.asymmetry;
  assert.ok(asym);
  const measured = (s: typeof spec, name: string) => {
    const path = join(dir, name);
    writeSynthEdf(s, path);
    return recordingMeasures(preprocessRecording(path, join(dir, 'pre')).dir, path).posterior_asymmetry;
  };
  const withIt = measured(spec, 'asym.edf');
  const symmetric = structuredClone(spec);
  if (symmetric.pdr) symmetric.pdr.asymmetry = null;
  const without = measured(symmetric, 'sym.edf');
  assert.ok(withIt && without, `${JSON.stringify(withIt)} ${JSON.stringify(without)}`);
  assert.ok(
    Math.abs(withIt.log_ratio) >= 0.3 && withIt.weaker === asym.lowSide,
    JSON.stringify({ asym, withIt }),
  );
  assert.ok(Math.abs(without.log_ratio) < 0.3, JSON.stringify(without));
});
