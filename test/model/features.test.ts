/**
 * Segment features version 2 on synthetic EEG with known findings, as the report uses them: the side
 * the features point to (measuredSides) and the detector's rates (transientRates), from the segment
 * vectors of whole recordings; and a version-1 model still gets its own eight features.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findSpec, type RecordingSpec } from '../../src/datasets/synth/spec.js';
import {
  featuresPerChannel,
  measuredSides,
  segmentFeatures,
  transientRates,
} from '../../src/model/features.js';
import { CELM_CHANNELS } from '../../src/signal/channels.js';
import { BAND_NAMES, BANDS, bandPower, Welch } from '../../src/signal/spectral.js';
import { celmSegments } from '../helpers/synth-recording.js';

const C = CELM_CHANNELS.length;
const L = 2000;

/** Feature vectors [n, 22 * 14] of a spec rendered at 200 Hz (no encoder part). */
function vectors(spec: RecordingSpec, version = 2): Float32Array {
  const F = featuresPerChannel(version);
  const n = Math.floor((spec.duration * 200) / L);
  const out = new Float32Array(n * C * F);
  const welch = new Welch(200, 800);
  const psd = new Float64Array(welch.freqs.length);
  const mask = new Uint8Array(C).fill(1);
  let s = 0;
  for (const { x } of celmSegments(spec)) {
    const bp = new Float32Array(C * 5);
    for (let c = 0; c < C; c++) {
      welch.psd(x.subarray(c * L, (c + 1) * L), psd);
      for (const [b, name] of BAND_NAMES.entries())
        bp[c * 5 + b] = bandPower(welch.freqs, psd, BANDS[name][0], BANDS[name][1]);
    }
    segmentFeatures(x, bp, mask, out, s++ * C * F, version);
  }
  return out;
}

test('right temporal spikes: the features point right, and the detector counts them', () => {
  const spec = findSpec(
    'focal-epilepsy',
    300,
    (s) =>
      s.ieds[0]?.focus?.side === 'right' &&
      s.ieds[0].times.length >= 10 &&
      s.slowing.length === 0 &&
      s.seizures.length === 0 &&
      !s.artifacts.badElectrode,
    { focus: { side: 'right', region: 'temporal' } },
  );
  const v = vectors(spec);
  assert.equal(measuredSides([v], 0, 2).focal_epileptiform, 'right');
  const rates = transientRates(v, 0, 2);
  assert.ok(rates);
  const perHour = (spec.ieds[0].times.length * 3600) / spec.duration;
  assert.ok(
    Math.abs(rates.lateralized_per_hour - perHour) < 0.35 * perHour,
    `${rates.lateralized_per_hour} an hour measured, ${perHour} generated`,
  );
  assert.ok(['T4', 'F8', 'T6', 'A2'].includes(rates.lateralized_max ?? ''), String(rates.lateralized_max));
});

test('left focal slowing points left; a normal recording points nowhere', () => {
  const slow = findSpec(
    'focal-epilepsy',
    300,
    (s) =>
      s.slowing[0]?.kind === 'focal' &&
      s.slowing[0].focus?.side === 'left' &&
      s.slowing[0].continuity === 'continuous',
    { focus: { side: 'left', region: 'temporal' } },
  );
  assert.equal(measuredSides([vectors(slow)], 0, 2).focal_slowing, 'left');
  const normal = findSpec('normal', 300, (s) => !s.artifacts.badElectrode && !s.pdr?.asymmetry);
  const m = measuredSides([vectors(normal)], 0, 2);
  assert.deepEqual(m, {}); // no side for any finding
  // a version-1 model: eight features a channel, nothing measured from them
  assert.equal(vectors(normal, 1).length, Math.floor((300 * 200) / L) * C * 8);
  assert.equal(transientRates(vectors(normal, 1), 0, 1), null);
});
