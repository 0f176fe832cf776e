/**
 * The lateralized slowing measure (src/signal/focal-slowing.ts): on made-up band powers, then on a
 * synthetic EDF with continuous focal slowing, through the preprocessing as `celm report` reads it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ELECTRODE_LOCATION } from '../../src/clinical/findings.js';
import { findSpec } from '../../src/datasets/synth/spec.js';
import { regionsAgree } from '../../src/model/guide.js';
import { CELM_CHANNELS } from '../../src/signal/channels.js';
import { slowingFocus } from '../../src/signal/focal-slowing.js';
import { preprocessRecording } from '../../src/signal/index.js';
import { recordingMeasures } from '../../src/signal/recording-measures.js';
import { writeSynthEdf } from '../helpers/synth-recording.js';
import { tempDir } from '../helpers/tmp.js';

const C = CELM_CHANNELS.length;
const at = (name: string) => CELM_CHANNELS.indexOf(name as (typeof CELM_CHANNELS)[number]);
const n = 30;
const mask = new Uint8Array(C).fill(1);
const none = new Uint8Array(n);

/** Band powers of `n` segments, every band 1, delta times `gain[electrode]` where given. */
function bands(gain: Record<string, number>): Float32Array {
  const b = new Float32Array(n * C * 5).fill(1);
  for (let s = 0; s < n; s++) for (const [e, g] of Object.entries(gain)) b[(s * C + at(e)) * 5] = g;
  return b;
}

test('the pair whose slow power differs most, its slower electrode and side', () => {
  // delta 7 (slow power 8) at T4 against 1 (2) at T3: log(2/8); a smaller excess at F3 loses
  const right = slowingFocus(bands({ T4: 7, F3: 3 }), mask, none);
  assert.ok(right && Math.abs(right.log_ratio - Math.log(2 / 8)) < 1e-3, JSON.stringify(right));
  assert.equal(right.side, 'right');
  assert.equal(right.electrode, 'T4');
  assert.equal(right.pairs, 8); // the ear electrodes are references, not compared
  const left = slowingFocus(bands({ O1: 5 }), mask, none);
  assert.deepEqual([left?.side, left?.electrode], ['left', 'O1']);
  assert.equal(slowingFocus(bands({}), mask, none)?.log_ratio, 0);
  // the bigger excess's pair masked: the next one is measured; too few good segments: none
  const noT4 = Uint8Array.from(mask);
  noT4[at('T4')] = 0;
  assert.equal(slowingFocus(bands({ T4: 7, F3: 3 }), noT4, none)?.electrode, 'F3');
  const bad = Uint8Array.from({ length: n }, (_, s) => (s < 25 ? 1 : 0));
  assert.equal(slowingFocus(bands({ T4: 7 }), mask, bad), null);
});

test('synthetic recording: continuous focal slowing is found on its side and in its region', () => {
  const dir = tempDir('celm-focal-slowing-test-');
  const spec = findSpec(
    'focal-epilepsy',
    300,
    (s) =>
      s.slowing.some((x) => x.kind === 'focal' && x.continuity === 'continuous' && x.band === 'delta') &&
      !s.periodic.length,
  );
  const slowing = spec.slowing.find((x) => x.kind === 'focal');
  const path = join(dir, 'slow.edf');
  writeSynthEdf(spec, path);
  const m = recordingMeasures(preprocessRecording(path, join(dir, 'pre')).dir, path).slowing_focus;
  assert.ok(m && slowing?.focus, JSON.stringify(m));
  assert.equal(m.side, slowing.focus.side);
  assert.ok(Math.abs(m.log_ratio) >= 0.17, JSON.stringify(m));
  assert.ok(
    regionsAgree(ELECTRODE_LOCATION[m.electrode].region, slowing.focus.region),
    JSON.stringify({ m, focus: slowing.focus }),
  );
});
