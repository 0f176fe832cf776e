import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyMontage,
  asymmetryIndex,
  bandPowers,
  CELM_CHANNELS,
  montage,
  pdrFrequency,
  qeegSummary,
  spectralEdge,
  welch,
} from '../../src/signal/index.js';
import { lcg } from './synth.js';

test('Welch: a sine in noise peaks at its frequency with power A^2/2', () => {
  const fs = 200;
  const rnd = lcg(3);
  const x = new Float64Array(60 * fs);
  for (let i = 0; i < x.length; i++) x[i] = 10 * Math.sin((2 * Math.PI * 12 * i) / fs) + rnd() * 2;
  const { freqs, psd } = welch(x, fs);
  let best = 0;
  for (let k = 1; k < psd.length; k++) if (psd[k] > psd[best]) best = k;
  assert.ok(Math.abs(freqs[best] - 12) <= freqs[1]);
  const { absolute, relative } = bandPowers(freqs, psd);
  // 12 Hz is alpha (8-13): about 10^2 / 2 = 50 uV^2.
  assert.ok(Math.abs(absolute.alpha - 50) < 3, `alpha power ${absolute.alpha}`);
  assert.ok(relative.alpha > 0.9);
  const sum = Object.values(relative).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-9);
  // White noise variance (1/12 * 4 = 1/3) spreads evenly: SEF90 near 0.5 + 0.9 * 44.5.
  const noise = Float64Array.from({ length: 60 * fs }, () => rnd() * 2);
  const n = welch(noise, fs);
  assert.ok(Math.abs(spectralEdge(n.freqs, n.psd, 0.9) - 40.55) < 2);
});

test('PDR: finds a 9.5 Hz posterior rhythm over 1/f background; none without a peak', () => {
  const fs = 200;
  const rnd = lcg(5);
  let brown = 0;
  const x = new Float64Array(120 * fs);
  const y = new Float64Array(120 * fs);
  for (let i = 0; i < x.length; i++) {
    brown = 0.98 * brown + rnd() * 5;
    y[i] = brown + rnd();
    x[i] = y[i] + 8 * Math.sin((2 * Math.PI * 9.5 * i) / fs);
  }
  const s = welch(x, fs);
  const pdr = pdrFrequency(s.freqs, s.psd);
  assert.ok(pdr && Math.abs(pdr.frequency - 9.5) < 0.15, `pdr ${pdr?.frequency}`);
  const none = welch(y, fs);
  assert.equal(pdrFrequency(none.freqs, none.psd), null);
});

test('asymmetry index', () => {
  assert.equal(asymmetryIndex(3, 1), 0.5);
  assert.equal(asymmetryIndex(0, 0), 0);
});

test('montages: derivations, average reference and masking', () => {
  assert.equal(montage('double-banana').length, 18);
  assert.equal(montage('transverse').length, 20);
  assert.equal(montage('referential').length, 22);
  const n = 5;
  const data = CELM_CHANNELS.map((_, i) => Float32Array.from({ length: n }, (_, k) => i * 10 + k));
  const mask = CELM_CHANNELS.map((c) => (c === 'T3' ? 0 : 1));
  const bb = applyMontage('double-banana', data, mask);
  const ix = (c: string) => CELM_CHANNELS.indexOf(c as (typeof CELM_CHANNELS)[number]);
  const j = bb.labels.indexOf('Fp1-F7');
  assert.equal(bb.data[j][2], data[ix('Fp1')][2] - data[ix('F7')][2]);
  assert.equal(bb.mask[bb.labels.indexOf('F7-T3')], 0);
  assert.equal(bb.mask[bb.labels.indexOf('T3-T5')], 0);
  assert.equal(bb.mask[j], 1);
  const avg = applyMontage('average', data, mask);
  // Average over usable scalp channels (T3 masked, A1/A2 excluded) is subtracted: they sum to zero.
  const k = 3;
  let s = 0;
  avg.labels.forEach((_l, i) => {
    if (avg.mask[i]) s += avg.data[i][k];
  });
  assert.ok(Math.abs(s) < 1e-3);
  assert.equal(avg.labels.length, 20);
  const tr = applyMontage('transverse', data, mask);
  assert.equal(tr.data[tr.labels.indexOf('O1-O2')][0], data[ix('O1')][0] - data[ix('O2')][0]);
});

test('qeegSummary of an in-memory window (viewer API)', () => {
  const fs = 200;
  const rnd = lcg(9);
  const data = CELM_CHANNELS.map((c) =>
    Float32Array.from({ length: 30 * fs }, (_, i) => {
      const t = i / fs;
      const alpha = c === 'O1' || c === 'O2' ? 25 * Math.sin(2 * Math.PI * 10.5 * t) : 0;
      const theta = c === 'T3' ? 20 * Math.sin(2 * Math.PI * 6 * t) : 0;
      return alpha + theta + rnd() * 4;
    }),
  );
  const mask = CELM_CHANNELS.map((c) => (c === 'Fpz' ? 0 : 1));
  const q = qeegSummary(data, mask);
  assert.ok(q.pdr && Math.abs(q.pdr.frequencyHz - 10.5) < 0.2);
  assert.equal(q.channels.Fpz, undefined);
  assert.ok(q.asymmetry['T3-T4'].theta > 0.8);
  assert.ok(q.channels.O1.relative.alpha > 0.8);
});
