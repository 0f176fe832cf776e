/** The template baseline fed with the preprocessing module's qEEG summary. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CelmError } from '../../../src/errors.js';
import { templateInputFromSignal, templateReport } from '../../../src/eval/baselines/index.js';
import { labelReport } from '../../../src/eval/clinical/labeler.js';
import type { ChannelQeeg, QeegSummary as SignalQeeg } from '../../../src/signal/pipeline.js';

type Bands = { delta: number; theta: number; alpha: number; beta: number; gamma: number };

function channel(total: number, rel: Bands): ChannelQeeg {
  const absolute = Object.fromEntries(Object.entries(rel).map(([k, v]) => [k, v * total])) as Bands;
  return {
    absolute,
    relative: rel,
    deltaAlpha: rel.delta / rel.alpha,
    thetaAlpha: rel.theta / rel.alpha,
    sef90: 20,
    sef95: 25,
  };
}

const normalRel: Bands = { delta: 0.15, theta: 0.15, alpha: 0.5, beta: 0.15, gamma: 0.05 };
const slowRel: Bands = { delta: 0.5, theta: 0.25, alpha: 0.1, beta: 0.1, gamma: 0.05 };

function signalQeeg(leftTemporal: Bands, leftTemporalPower = 100): SignalQeeg {
  const regions: SignalQeeg['regions'] = {};
  for (const region of ['frontal', 'central', 'temporal', 'parietal', 'occipital']) {
    for (const side of ['left', 'right']) {
      const rel = region === 'temporal' && side === 'left' ? leftTemporal : normalRel;
      regions[`${side}-${region}`] = { channels: [], absolute: rel, relative: rel };
    }
  }
  const channels: Record<string, ChannelQeeg> = {};
  for (const [l, r] of [
    ['F3', 'F4'],
    ['T3', 'T4'],
    ['T5', 'T6'],
    ['O1', 'O2'],
  ]) {
    const temporal = l === 'T3' || l === 'T5';
    channels[l] = channel(temporal ? leftTemporalPower : 100, temporal ? leftTemporal : normalRel);
    channels[r] = channel(100, normalRel);
  }
  const asymmetry: SignalQeeg['asymmetry'] = {};
  for (const pair of ['F3-F4', 'T3-T4', 'T5-T6', 'O1-O2'])
    asymmetry[pair] = { delta: 0, theta: 0, alpha: 0, beta: 0, gamma: 0 };
  return {
    bands: { delta: [0.5, 4], theta: [4, 8], alpha: [8, 13], beta: [13, 30], gamma: [30, 45] },
    welch: { windowSeconds: 4, overlap: 0.5, resolutionHz: 0.25 },
    segmentsUsed: 100,
    channels,
    regions,
    global: channel(100, normalRel),
    pdr: { frequencyHz: 9.8, prominence: 4, source: 'eyes-closed', channels: ['O1', 'O2'] },
    asymmetry,
  };
}

test('a normal summary gives a normal template report with its PDR', () => {
  const input = templateInputFromSignal(signalQeeg(normalRel), { durationSec: 1200, sleepSeen: false });
  assert.equal(input.bandPower.length, 10);
  assert.equal(input.pdrHz, 9.8);
  assert.equal(input.asymmetryIndex?.temporal, 0);
  const l = labelReport(JSON.stringify(templateReport(input)));
  assert.equal(l.abnormal, false);
  assert.equal(l.pdrHz, 10);
});

test('slow left temporal power becomes left temporal slowing; low power there an asymmetry', () => {
  const input = templateInputFromSignal(signalQeeg(slowRel, 20), { durationSec: 1200, sleepSeen: true });
  assert.ok((input.asymmetryIndex?.temporal ?? 0) < -0.5);
  const l = labelReport(JSON.stringify(templateReport(input)));
  assert.equal(l.abnormal, true);
  assert.ok(
    l.findings.some((f) => f.kind === 'focal_slowing' && f.side === 'left' && f.region === 'temporal'),
  );
  assert.ok(l.findings.some((f) => f.kind === 'asymmetry' && f.side === 'left'));
});

test('not a qEEG summary throws CelmError', () => {
  assert.throws(
    () => templateInputFromSignal({} as SignalQeeg, { durationSec: 1, sleepSeen: false }),
    CelmError,
  );
});
