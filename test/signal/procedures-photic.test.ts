/**
 * Photic stimulation trains from the annotations and the generalized discharges they provoke
 * (photoparoxysmal response), and lateralized rhythmic delta: on made-up segments, then on synthetic
 * EDF files through the preprocessing, as `celm report` reads them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Rng } from '../../src/datasets/synth/prng.js';
import { findSpec, type RecordingSpec } from '../../src/datasets/synth/spec.js';
import { CELM_CHANNELS } from '../../src/signal/channels.js';
import { preprocessRecording } from '../../src/signal/index.js';
import { photicResponse, photicTrains } from '../../src/signal/procedures.js';
import { recordingMeasures } from '../../src/signal/recording-measures.js';
import { deltaRhythmicity, lateralizedDeltaChannels } from '../../src/signal/rhythmic-delta.js';
import { writeSynthEdf } from '../helpers/synth-recording.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('celm-photic-test-');
const ann = (rows: [number, number, string][]) =>
  rows.map(([onset, duration, text]) => ({ onset, duration, text }));

test('photic trains: the spellings of the field, annotated or default length, time order', () => {
  assert.deepEqual(
    photicTrains(
      ann([
        [120, 10, 'IPS 15 Hz'],
        [100, 10, 'PS 3Hz'],
        [140, 0, 'Photic stimulation 21 Hz'],
        [145, 0, 'Strobe 24.5 hz'],
        [60, 0, 'HV on'],
        [200, 0, 'eyes closed'],
      ]),
      600,
    ),
    [
      { start_s: 100, end_s: 110, hz: 3 },
      { start_s: 120, end_s: 130, hz: 15 },
      // no duration: up to the next train, 10 s at most
      { start_s: 140, end_s: 145, hz: 21 },
      { start_s: 145, end_s: 155, hz: 24.5 },
    ],
  );
  assert.deepEqual(photicTrains(ann([[10, 0, 'Photic off']]), 600), []);
});

/** Segments [22, 2000] of small noise, with a generalized sharp discharge in those `spiky` says. */
function segments(n: number, spiky: (i: number) => boolean): Float32Array[] {
  const rng = new Rng(5);
  return Array.from({ length: n }, (_, i) => {
    const x = new Float32Array(22 * 2000);
    for (let k = 0; k < x.length; k++) x[k] = rng.normal() * 5;
    if (spiky(i))
      for (const at of [300, 900, 1500])
        for (let c = 0; c < 22; c++)
          for (let d = -8; d <= 8; d++) x[c * 2000 + at + d] += 150 * Math.exp(-(d * d) / 12);
    return x;
  });
}

test('photic response: discharges inside the trains against between them', () => {
  const trains = [100, 120, 140].map((t, i) => ({ start_s: t, end_s: t + 10, hz: [15, 20, 15][i] }));
  const starts = Float64Array.from({ length: 40 }, (_, i) => i * 10);
  const mask = new Uint8Array(22).fill(1);
  const during = (i: number) => trains.some((t) => t.start_s === starts[i]);
  const provoked = segments(40, during);
  const r = photicResponse(trains, starts, 10, mask, (i) => provoked[i], 200);
  assert.ok(r);
  assert.deepEqual(r, {
    trains: 3,
    provoked_trains: 3,
    expected_trains: 0,
    excess_trains: 3,
    between_per_min: 0,
    provoked_hz: [15, 20],
  });
  // the same discharges everywhere (three bursts every 10 s): every train has one by chance too
  const always = segments(40, () => true);
  const a = photicResponse(trains, starts, 10, mask, (i) => always[i], 200);
  assert.ok(a && a.provoked_trains === 3 && Math.abs(a.excess_trains) < 0.3, JSON.stringify(a));
  assert.ok(Math.abs(a.between_per_min - 18) < 0.5, JSON.stringify(a));
  // one spontaneous burst that falls in one train is one train, not its many discharges
  const once = segments(40, (i) => starts[i] === 120);
  const o = photicResponse(trains, starts, 10, mask, (i) => once[i], 200);
  assert.ok(o && o.provoked_trains === 1 && o.excess_trains === 1, JSON.stringify(o));
  assert.deepEqual(o.provoked_hz, [20]);
  // no segment inside a train
  assert.equal(
    photicResponse([{ start_s: 1000, end_s: 1010, hz: 15 }], starts, 10, mask, (i) => always[i], 200),
    null,
  );
});

test('delta rhythmicity: a sinusoid near 1, broadband delta low; lateralized delta without theta', () => {
  const rng = new Rng(9);
  const sine = Float32Array.from(
    { length: 2000 },
    (_, i) => 60 * Math.sin((2 * Math.PI * 1.7 * i) / 200) + rng.normal() * 3,
  );
  assert.ok(deltaRhythmicity(sine, 200) > 0.85, String(deltaRhythmicity(sine, 200)));
  // brown noise: power spread over the whole band
  let v = 0;
  const brown = Float32Array.from({ length: 2000 }, () => {
    v = 0.98 * v + rng.normal() * 10;
    return v;
  });
  assert.ok(deltaRhythmicity(brown, 200) < 0.4, String(deltaRhythmicity(brown, 200)));
  const [T3, T4] = [CELM_CHANNELS.indexOf('T3'), CELM_CHANNELS.indexOf('T4')];
  const delta = new Float32Array(22).fill(10);
  delta[T3] = 30; // three times T4
  const theta = new Float32Array(22).fill(5);
  const all = new Uint8Array(22).fill(1);
  assert.deepEqual(lateralizedDeltaChannels(delta, theta, all), [T3]);
  const noT4 = new Uint8Array(22).fill(1);
  noT4[T4] = 0;
  assert.deepEqual(lateralizedDeltaChannels(delta, theta, noT4), []);
  // theta lateralized with it: sharp periodic discharges, not rhythmic delta
  theta[T3] = 10;
  assert.deepEqual(lateralizedDeltaChannels(delta, theta, all), []);
});

function measured(spec: RecordingSpec, name: string) {
  const path = join(dir, name);
  writeSynthEdf(spec, path);
  return recordingMeasures(preprocessRecording(path, join(dir, 'pre')).dir, path);
}

test('recording measures: the generated LRDA and photoparoxysmal response, and none without them', () => {
  const icu = findSpec('icu', 300, (s) =>
    s.periodic.some((p) => p.kind === 'lrda' && p.prevalence !== 'occasional'),
  );
  const withLrda = measured(icu, 'lrda.edf');
  const without = measured({ ...structuredClone(icu), periodic: [] }, 'no-lrda.edf');
  assert.ok(withLrda.rhythmic_delta && without.rhythmic_delta);
  assert.ok(
    withLrda.rhythmic_delta.fraction > 0.2 && without.rhythmic_delta.fraction < 0.05,
    `${withLrda.rhythmic_delta.fraction} with, ${without.rhythmic_delta.fraction} without`,
  );
  const ppr = findSpec('generalized-epilepsy', 900, (s) => s.photic?.ppr === true);
  const provoked = measured(ppr, 'ppr.edf');
  const calm = structuredClone(ppr);
  (calm.photic as NonNullable<RecordingSpec['photic']>).ppr = false;
  const unprovoked = measured(calm, 'no-ppr.edf');
  assert.ok(provoked.photic && unprovoked.photic);
  assert.ok(
    provoked.photic.excess_trains > unprovoked.photic.excess_trains + 1.5,
    `${JSON.stringify(provoked.photic)} with, ${JSON.stringify(unprovoked.photic)} without`,
  );
});
