/**
 * The sharp-transient detector on synthetic EEG whose spikes, pops and spike-and-wave bursts are known
 * to the sample: spikes are found at their focus and lateralized, pops are isolated, generalized
 * discharges are generalized, and a normal awake recording yields almost nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findSpec, type RecordingSpec } from '../../src/datasets/synth/spec.js';
import { CELM_CHANNELS } from '../../src/signal/channels.js';
import { homologIndex } from '../../src/signal/spectral.js';
import { detectTransients, type Transient } from '../../src/signal/transients.js';
import { celmSegments } from '../helpers/synth-recording.js';

const C = CELM_CHANNELS.length;
const FS = 200;
const HOMOLOG = homologIndex(CELM_CHANNELS);
const ch = (name: string) => CELM_CHANNELS.indexOf(name as (typeof CELM_CHANNELS)[number]);

function detectAll(spec: RecordingSpec): (Transient & { t: number })[] {
  const mask = new Uint8Array(C).fill(1);
  const out: (Transient & { t: number })[] = [];
  for (const { t0, x } of celmSegments(spec))
    for (const e of detectTransients(x, C, mask, HOMOLOG)) out.push({ ...e, t: t0 + e.sample / FS });
  return out;
}

const near = (events: { t: number }[], t: number, tol: number) => events.some((e) => Math.abs(e.t - t) < tol);

test('focal spikes: found at their focus, lateralized to its side', () => {
  const spec = findSpec(
    'focal-epilepsy',
    240,
    (s) =>
      s.ieds[0]?.focus?.side === 'left' &&
      s.ieds[0].times.length >= 8 &&
      !s.artifacts.badElectrode &&
      s.seizures.length === 0 &&
      s.slowing.length === 0,
    { focus: { side: 'left', region: 'temporal' } },
  );
  const ied = spec.ieds[0];
  const events = detectAll(spec);
  const lateral = events.filter((e) => e.lateralized);
  const inside = ied.times.filter((t) => t > 0.5 && t < spec.duration - 0.5 && t % 10 > 0.3 && t % 10 < 9.7);
  const found = inside.filter((t) => near(lateral, t, 0.1));
  assert.ok(
    found.length >= 0.8 * inside.length,
    `lateralized events at ${found.length} of ${inside.length} spikes`,
  );
  const left = new Set(['Fp1', 'F7', 'F3', 'T3', 'T5', 'C3', 'P3', 'O1', 'A1'].map(ch));
  const right = lateral.filter((e) => !left.has(e.channel) && HOMOLOG[e.channel] >= 0);
  assert.ok(right.length <= 2, `${right.length} lateralized events on the right`);
  const far = lateral.filter((e) => !ied.times.some((t) => Math.abs(t - e.t) < 1));
  assert.ok(far.length <= 3, `${far.length} lateralized events away from any spike`);
});

test('electrode pops: isolated to their electrode', () => {
  const spec = findSpec(
    'normal',
    300,
    (s) => s.artifacts.pops.length >= 4 && s.artifacts.badElectrode === 'T4',
  );
  const events = detectAll(spec);
  const e4 = ch('T4');
  const pops = spec.artifacts.pops.filter((p) => p.t % 10 > 0.3 && p.t % 10 < 9.5);
  const hit = pops.filter((p) =>
    events.some((e) => e.channel === e4 && e.field === 'isolated' && Math.abs(e.t - p.t) < 0.2),
  );
  assert.ok(hit.length >= 0.8 * pops.length, `isolated events at ${hit.length} of ${pops.length} pops`);
  const elsewhere = events.filter((e) => e.field === 'isolated' && e.channel !== e4);
  assert.ok(elsewhere.length <= pops.length / 2, `${elsewhere.length} isolated events on other channels`);
});

test('generalized spike-and-wave: a generalized field', () => {
  const spec = findSpec('generalized-epilepsy', 240, (s) => s.ieds[0]?.times.length >= 3);
  const events = detectAll(spec);
  const bursts = spec.ieds[0].times.filter((t) => t % 10 > 0.5 && t % 10 < 8);
  const hit = bursts.filter((t) =>
    events.some((e) => e.field === 'generalized' && e.t > t - 0.1 && e.t < t + 1),
  );
  assert.ok(
    hit.length >= 0.8 * bursts.length,
    `generalized events at ${hit.length} of ${bursts.length} bursts`,
  );
  const lateral = events.filter((e) => e.lateralized).length;
  assert.ok(lateral <= 2, `${lateral} lateralized events in generalized spike-and-wave`);
});

test('a normal awake recording without pops: next to no transients', () => {
  const spec = findSpec(
    'normal',
    300,
    (s) => !s.artifacts.badElectrode && s.states.every((x) => x.state === 'eo' || x.state === 'ec'),
  );
  const events = detectAll(spec);
  const lateral = events.filter((e) => e.lateralized);
  assert.ok(lateral.length <= 3, `${lateral.length} lateralized events in 5 min of normal EEG`);
  assert.ok(events.filter((e) => e.field === 'isolated').length <= 5);
});
