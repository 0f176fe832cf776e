/**
 * The ictal rhythm (src/signal/ictal.ts): a burst of slow power above the minute around it, or a
 * lateralized lift that lasts; on made-up band powers, then on synthetic EDF files with and without
 * their seizures, through the preprocessing as `celm report` reads them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { findSpec, type RecordingSpec } from '../../src/datasets/synth/spec.js';
import { CELM_CHANNELS } from '../../src/signal/channels.js';
import { EVENT_SCORE, ictalRhythm } from '../../src/signal/ictal.js';
import { preprocessRecording } from '../../src/signal/index.js';
import { recordingMeasures } from '../../src/signal/recording-measures.js';
import { writeSynthEdf } from '../helpers/synth-recording.js';
import { tempDir } from '../helpers/tmp.js';

const C = CELM_CHANNELS.length;
const at = (name: string) => CELM_CHANNELS.indexOf(name as (typeof CELM_CHANNELS)[number]);

/** Band powers [S, C, 5] of `n` segments: slow power `slow(s, c)`, the other bands 1. */
function bands(n: number, slow: (s: number, c: number) => number): Float32Array {
  const b = new Float32Array(n * C * 5).fill(1);
  for (let s = 0; s < n; s++)
    for (let c = 0; c < C; c++) {
      b[(s * C + c) * 5] = slow(s, c) / 2;
      b[(s * C + c) * 5 + 1] = slow(s, c) / 2;
    }
  return b;
}
const n = 60;
const starts = Float64Array.from({ length: n }, (_, s) => s * 10);
const mask = new Uint8Array(C).fill(1);
const none = new Uint8Array(n);
// small deterministic wobble, so that medians are not all equal
const wobble = (s: number, c: number) => 1 + 0.1 * Math.sin(s * 1.7 + c);

test('a 10-s generalized burst stands out; a build-up over minutes and constant focal slowing do not', () => {
  const burst = ictalRhythm(
    bands(n, (s, c) => wobble(s, c) * (s === 30 ? 20 : 1)),
    mask,
    none,
    starts,
  );
  assert.ok(burst && burst.burst > 2.8 && burst.at_s === 300, JSON.stringify(burst));
  // hyperventilation: every channel's slow power doubling then quadrupling over three minutes
  const hv = ictalRhythm(
    bands(n, (s, c) => wobble(s, c) * (s >= 20 && s < 38 ? 1 + (s - 20) / 6 : 1)),
    mask,
    none,
    starts,
  );
  assert.ok(hv && hv.score < 1.6, JSON.stringify(hv));
  // focal slowing: the left temporal channels five times the right all along
  const focal = ictalRhythm(
    bands(n, (s, c) => wobble(s, c) * (c === at('T3') || c === at('F7') ? 5 : 1)),
    mask,
    none,
    starts,
  );
  assert.ok(focal && focal.score < 1.6, JSON.stringify(focal));
  // too few good segments: nothing to compare with
  assert.equal(ictalRhythm(bands(10, wobble), mask, new Uint8Array(10), starts.slice(0, 10)), null);
  // no usable channel: nothing to measure
  assert.equal(ictalRhythm(bands(n, wobble), new Uint8Array(mask.length), none, starts), null);
  // a bad segment is never the burst
  const bad = new Uint8Array(n);
  bad[30] = 1;
  const skipped = ictalRhythm(
    bands(n, (s, c) => wobble(s, c) * (s === 30 ? 20 : 1)),
    mask,
    bad,
    starts,
  );
  assert.ok(skipped && skipped.burst < 1, JSON.stringify(skipped));
});

test('a lift on one side for 40 s and more is lateral; shorter, or on both sides, is not', () => {
  const right = [at('T4'), at('F8'), at('C4')];
  const onset = (len: number, both: boolean) =>
    ictalRhythm(
      bands(n, (s, c) => {
        const lifted = s >= 25 && s < 25 + len && (right.includes(c) || (both && right.includes(c - 1)));
        return wobble(s, c) * (lifted ? 6 : 1);
      }),
      mask,
      none,
      starts,
    );
  const long = onset(6, false);
  assert.ok(long && long.lateral > 1.5 && long.score >= long.lateral + 1, JSON.stringify(long));
  const short = onset(2, false);
  assert.ok(short && short.lateral < 0.5, JSON.stringify(short));
});

test('events: each distinct rise to EVENT_SCORE, strongest first; a lateral one from where its lift began', () => {
  const two = ictalRhythm(
    bands(n, (s, c) => wobble(s, c) * (s === 20 ? 12 : s === 45 ? 30 : s === 1 ? 40 : 1)),
    mask,
    none,
    starts,
  );
  // the burst in the second segment has no minute before it to rise above: not an event
  assert.deepEqual(
    two?.events.map((e) => e.onset_s),
    [450, 200],
    JSON.stringify(two),
  );
  assert.ok(two && two.events[0].score > two.events[1].score && two.events[1].score >= EVENT_SCORE);
  // a right-sided lift growing over 70 s: the event starts where the lift began, not at its peak
  const right = [at('T4'), at('F8'), at('C4')];
  const lift = [2, 2.5, 3, 6, 8, 8, 8, 8];
  const focal = ictalRhythm(
    bands(n, (s, c) => wobble(s, c) * (s >= 25 && s < 33 && right.includes(c) ? lift[s - 25] : 1)),
    mask,
    none,
    starts,
  );
  assert.ok(focal && focal.events.length === 1, JSON.stringify(focal));
  assert.ok(focal.at_s > 250 && focal.events[0].onset_s === 250, JSON.stringify(focal));
  // nothing rises that far: no events
  const flat = ictalRhythm(bands(n, wobble), mask, none, starts);
  assert.deepEqual(flat?.events, []);
});

const dir = tempDir('celm-ictal-test-');
function measured(spec: RecordingSpec, name: string) {
  const path = join(dir, name);
  writeSynthEdf(spec, path);
  return recordingMeasures(preprocessRecording(path, join(dir, 'pre')).dir, path);
}

test('synthetic recordings: a focal and an absence seizure raise the ictal rhythm over the same recording without them, as an event at their onset', () => {
  for (const [profile, type] of [
    ['focal-epilepsy', 'focal'],
    ['generalized-epilepsy', 'generalized'],
  ] as const) {
    const spec = findSpec(profile, 300, (s) => s.seizures.some((z) => z.type === type));
    const withSz = measured(spec, `${type}.edf`).ictal;
    const without = measured({ ...structuredClone(spec), seizures: [] }, `${type}-none.edf`).ictal;
    assert.ok(withSz && without);
    assert.ok(
      withSz.score >= 1.6 && withSz.score > without.score + 0.8,
      `${type}: ${JSON.stringify(withSz)} with, ${JSON.stringify(without)} without`,
    );
    // the seizure is an event, from within 30 s of its onset; without it nothing is there (the
    // generalized profile's spike-and-wave bursts may be events elsewhere: they look like absences)
    const onset = spec.seizures[0].onset;
    const near = (e: { onset_s: number }) => Math.abs(e.onset_s - onset) <= 30;
    assert.ok(withSz.events.some(near), `${type}: onset ${onset}, events ${JSON.stringify(withSz.events)}`);
    assert.ok(!without.events.some(near), `${type} without: ${JSON.stringify(without.events)}`);
  }
});
