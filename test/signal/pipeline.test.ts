import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EdfReader, EdfWriter } from '../../src/formats/edf/index.js';
import { readNpy } from '../../src/formats/npy.js';
import {
  bandPower,
  bidsChannelStatus,
  CELM_CHANNELS,
  DEFAULT_SETTINGS,
  type PreprocessSettings,
  QUALITY_FIELDS,
  runPipeline,
  welch,
} from '../../src/signal/index.js';
import { sharedOrSkip } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { eegLike, LABELS_1020, type SynthChannel, writeSynth } from './synth.js';

const ix = (c: string) => CELM_CHANNELS.indexOf(c as (typeof CELM_CHANNELS)[number]);

/** Runs the pipeline and keeps the segments in memory. */
function run(path: string, settings: PreprocessSettings = DEFAULT_SETTINGS, threads = 1) {
  const reader = EdfReader.open(path);
  const segments: Float32Array[] = [];
  try {
    const result = runPipeline(reader, settings, { segment: (d) => segments.push(d.slice()), threads });
    return { result, segments };
  } finally {
    reader.close();
  }
}

// Agreement with MNE-Python 1.3 on CELM's recipe (filter(0.1, 75), notch_filter(60), resample(200)),
// first 60 s of real recordings. Stated tolerance, away from the first and last 10 s of the fixture:
// max |celm - MNE| < 0.02 uV and relative RMS error < 1e-3 (measured: 0.0034 uV and 4.5e-5).
// The first 10 s (where padding matters) agree within 0.05 uV (measured 0.013 uV).
for (const name of ['Subject00_1.edf', 'Subject00_2.edf']) {
  test(`MNE parity on ${name}: filter + notch + resample`, (t) => {
    const path = sharedOrSkip(t, 'eeg', name);
    if (!path) return;
    const ref = readNpy(`${path}.celm200.npy`);
    assert.deepEqual(ref.shape, [22, 12000]);
    const { result, segments } = run(path);
    const mine = (c: number, k: number) => segments[Math.floor(k / 2000)][c * 2000 + (k % 2000)];
    let maxAbs = 0;
    let edge = 0;
    let se = 0;
    let sr = 0;
    for (let c = 0; c < 22; c++) {
      if (result.channelReports[c].missing) {
        for (let k = 0; k < 12000; k += 97) assert.equal(mine(c, k), 0);
        continue;
      }
      for (let k = 0; k < 12000; k++) {
        const r = ref.data[c * 12000 + k];
        const d = mine(c, k) - r;
        if (k < 2000) edge = Math.max(edge, Math.abs(d));
        else if (k < 10000) {
          maxAbs = Math.max(maxAbs, Math.abs(d));
          se += d * d;
          sr += r * r;
        }
      }
    }
    const rel = Math.sqrt(se / sr);
    assert.ok(maxAbs < 0.02, `max abs error ${maxAbs} uV`);
    assert.ok(rel < 1e-3, `relative RMS error ${rel}`);
    assert.ok(edge < 0.05, `first 10 s: max abs error ${edge} uV`);
    assert.equal(result.channelReports[ix('A2')].source, 'EEG A2-A1');
    assert.equal(result.channelReports[ix('Fpz')].missing, true);
    assert.ok(result.otherSignals.some((s) => s.label === 'ECG ECG' && s.kind === 'ecg'));
  });
}

test('bad channels: flat, saturated, disconnected and noisy are masked; missing ones are zeros', () => {
  const dir = tempDir();
  const channels: SynthChannel[] = LABELS_1020.map((l, i) => ({
    label: `EEG ${l}-REF`,
    fn: eegLike(10, 10 + i),
  }));
  const byName = (n: string) => channels.find((c) => c.label === `EEG ${n}-REF`)!;
  byName('F3').fn = () => 0; // flat
  // Saturated: a big slow wave clipped at the physical range.
  byName('C4').physMin = -100;
  byName('C4').physMax = 100;
  byName('C4').fn = (t) => 400 * Math.sin(2 * Math.PI * 1.3 * t);
  byName('P3').fn = (t, rnd) => 2000 * rnd() + 800 * Math.sin(2 * Math.PI * 0.7 * t); // disconnected
  const base = eegLike(10, 10);
  byName('T4').fn = (t, rnd) => base(t, rnd) * 15; // noisy (much larger than the others)
  channels.push({ label: 'ECG EKG', fn: (t) => 500 * Math.sin(2 * Math.PI * 1.1 * t) });
  const path = writeSynth(dir, 'bad.edf', channels, { seconds: 40 });
  const { result, segments } = run(path);
  const rep = (n: string) => result.channelReports[ix(n)];
  assert.deepEqual(rep('F3').bad, ['flat']);
  assert.ok(rep('C4').bad.includes('saturated'), JSON.stringify(rep('C4')));
  assert.ok(rep('P3').bad.includes('disconnected'), JSON.stringify(rep('P3')));
  assert.ok(rep('T4').bad.includes('noisy'), JSON.stringify(rep('T4')));
  for (const n of ['F3', 'C4', 'P3', 'T4', 'Fpz', 'A1', 'A2']) assert.equal(result.mask[ix(n)], 0, n);
  for (const n of ['C3', 'O1', 'O2', 'Cz', 'Fp1', 'T6']) assert.equal(result.mask[ix(n)], 1, n);
  assert.equal(rep('Fpz').missing, true);
  assert.equal(result.nSegments, 4);
  // Missing channels are zeros in the segments passed on.
  assert.ok(segments[1].subarray(ix('Fpz') * 2000, (ix('Fpz') + 1) * 2000).every((v) => v === 0));
  assert.ok(result.otherSignals.some((s) => s.kind === 'ecg'));
  // Quality: bad channels do not make segments bad.
  const Q = QUALITY_FIELDS.length;
  for (let s = 0; s < result.nSegments; s++) assert.equal(result.quality[s * Q + 4], 0);
});

test('BIDS channels.tsv statuses are honoured', () => {
  const dir = tempDir();
  const channels = LABELS_1020.map((l) => ({ label: l }));
  const path = writeSynth(dir, 'sub-01_task-rest_eeg.edf', channels, { seconds: 20 });
  writeFileSync(
    `${dir}/sub-01_task-rest_channels.tsv`,
    'name\ttype\tunits\tstatus\nFp1\tEEG\tuV\tgood\nO2\tEEG\tuV\tbad\n',
  );
  const reader = EdfReader.open(path);
  const result = runPipeline(reader, DEFAULT_SETTINGS, {
    channelStatus: bidsChannelStatus(path) ?? undefined,
  });
  reader.close();
  assert.deepEqual(result.channelReports[ix('O2')].bad, ['bids']);
  assert.equal(result.mask[ix('O2')], 0);
  assert.equal(result.mask[ix('Fp1')], 1);
});

test('segments and quality flags: artifact fraction, flat segments, length and overlap', () => {
  const dir = tempDir();
  const channels: SynthChannel[] = LABELS_1020.map((l) => ({ label: l }));
  // Seconds 20-25: a huge artifact on O1 (5 of the 10 1-s windows of segment 2).
  const o1 = eegLike();
  channels[LABELS_1020.indexOf('O1')].fn = (t, rnd) =>
    o1(t, rnd) + (t >= 20 && t < 25 ? 1500 : 0) * Math.sin(2 * Math.PI * 3 * t);
  // Seconds 30-40: everything flat (amplifier off).
  for (const c of channels) {
    const f = c.fn ?? eegLike();
    c.fn = (t, rnd) => (t >= 30 ? 0 : f(t, rnd));
  }
  const path = writeSynth(dir, 'q.edf', channels, { seconds: 50 });
  const { result } = run(path);
  const Q = QUALITY_FIELDS.length;
  const q = (s: number, f: (typeof QUALITY_FIELDS)[number]) =>
    result.quality[s * Q + QUALITY_FIELDS.indexOf(f)];
  assert.equal(result.nSegments, 5);
  assert.deepEqual(Array.from(result.segmentStarts), [0, 10, 20, 30, 40]);
  assert.equal(q(0, 'artifact_fraction'), 0);
  assert.ok(
    q(2, 'artifact_fraction') >= 0.4 && q(2, 'artifact_fraction') <= 0.7,
    `${q(2, 'artifact_fraction')}`,
  );
  assert.equal(q(2, 'bad'), 1);
  assert.equal(q(4, 'flat_fraction'), 1);
  assert.equal(q(4, 'bad'), 1);
  assert.equal(q(0, 'bad'), 0);
  // Configurable length and overlap.
  const { result: r2 } = run(path, { ...DEFAULT_SETTINGS, segmentSeconds: 4, overlapSeconds: 2 });
  assert.equal(r2.segmentSamples, 800);
  assert.equal(r2.nSegments, Math.floor((50 - 4) / 2) + 1);
});

test('EDF+D: blocks are processed separately and segments never span a gap', () => {
  const dir = tempDir();
  const path = writeSynth(
    dir,
    'd.edf',
    LABELS_1020.map((l) => ({ label: l })),
    { seconds: 25, blocks: 2, gap: 7 },
  );
  const { result } = run(path);
  assert.equal(result.blocks.length, 2);
  assert.deepEqual(
    result.blocks.map((b) => [b.start, b.segments]),
    [
      [0, 2],
      [32, 2],
    ],
  );
  assert.deepEqual(Array.from(result.segmentStarts), [0, 10, 32, 42]);
});

test('qEEG: PDR from eyes-closed periods, band powers, asymmetry, ratios', () => {
  const dir = tempDir();
  // Posterior 9 Hz rhythm only while eyes are closed (20-60 s); 11 Hz weaker elsewhere.
  const channels: SynthChannel[] = LABELS_1020.map((l) => {
    const post = ['O1', 'O2', 'P3', 'P4'].includes(l);
    const bg = eegLike(
      4,
      l.endsWith('3') || l === 'T3' || l === 'F7' || l === 'T5' || l === 'Fp1' || l === 'O1' ? 12 : 4,
    );
    return {
      label: `EEG ${l}-LE`,
      fn: (t: number, rnd: () => number) =>
        bg(t, rnd) +
        (post
          ? t >= 20 && t < 60
            ? 30 * Math.sin(2 * Math.PI * 9 * t)
            : 6 * Math.sin(2 * Math.PI * 11 * t)
          : 0),
    };
  });
  const path = writeSynth(dir, 'pdr.edf', channels, {
    seconds: 80,
    annotations: [
      { onset: 20, duration: 0, text: 'Eyes closed' },
      { onset: 60, duration: 0, text: 'Eyes open' },
    ],
  });
  const { result } = run(path);
  const q = result.qeeg;
  assert.ok(q.pdr, 'PDR found');
  assert.equal(q.pdr!.source, 'eyes-closed');
  assert.ok(Math.abs(q.pdr!.frequencyHz - 9) < 0.3, `PDR ${q.pdr!.frequencyHz}`);
  // Left channels carry a stronger 4 Hz (theta) component: positive left-right asymmetry in theta.
  assert.ok(q.asymmetry['C3-C4'].theta > 0.5, JSON.stringify(q.asymmetry['C3-C4']));
  assert.ok(q.channels.O1.relative.alpha > q.channels.Fz.relative.alpha);
  assert.ok(q.channels.C3.thetaAlpha > q.channels.C4.thetaAlpha);
  assert.ok(q.global.sef90 > 3 && q.global.sef90 < 45);
  assert.ok(q.regions['left-occipital'].absolute.alpha > 0);
  assert.equal(result.trend.deltaAlpha.length, result.nSegments);
  assert.equal(result.bandpower.length, result.nSegments * 22 * 5);
});

test('mains frequency: detected from the spectrum (50 or 60 Hz) and notched', () => {
  const dir = tempDir();
  for (const mains of [50, 60]) {
    const channels: SynthChannel[] = LABELS_1020.map((l) => {
      const bg = eegLike();
      return { label: l, fn: (t, rnd) => bg(t, rnd) + 15 * Math.sin(2 * Math.PI * mains * t) };
    });
    const path = writeSynth(dir, `mains${mains}.edf`, channels, { seconds: 30, fs: 500 });
    const { result, segments } = run(path, { ...DEFAULT_SETTINGS, lineFreq: 'auto' });
    assert.deepEqual(result.lineFreq, { used: mains, detected: mains });
    // The 15 uV sine (112 uV^2) is gone from the output.
    const c3 = segments[1].subarray(ix('C3') * 2000, (ix('C3') + 1) * 2000);
    const s = welch(c3, 200);
    const p = bandPower(s.freqs, s.psd, mains - 0.5, mains + 0.5);
    assert.ok(p < 0.5, `${mains} Hz power left: ${p} uV^2`);
  }
  const clean = writeSynth(
    dir,
    'clean.edf',
    LABELS_1020.map((l) => ({ label: l })),
    { seconds: 30, fs: 500 },
  );
  const { result } = run(clean, { ...DEFAULT_SETTINGS, lineFreq: 'auto' });
  assert.deepEqual(result.lineFreq, { used: 60, detected: null });
});

test('threads: channels filtered in a worker give identical output', () => {
  const dir = tempDir();
  const path = writeSynth(
    dir,
    'th.edf',
    LABELS_1020.map((l) => ({ label: l })),
    { seconds: 95, fs: 500, blocks: 2 },
  );
  const one = run(path);
  const two = run(path, DEFAULT_SETTINGS, 2);
  assert.equal(two.segments.length, one.segments.length);
  one.segments.forEach((s, i) => {
    assert.deepEqual(two.segments[i], s);
  });
  assert.deepEqual(two.result.mask, one.result.mask);
  assert.deepEqual(two.result.bandpower, one.result.bandpower);
});

test('channels at different sample rates are filtered at their own rates and aligned at 200 Hz', () => {
  const dir = tempDir();
  const path = join(dir, 'mixed.edf');
  const rates = LABELS_1020.map((_, i) => (i % 2 ? 500 : 256));
  const w = EdfWriter.create(path, {
    format: 'EDF+C',
    startDateTime: '2024-01-01T10:00:00',
    recordDuration: 1,
    signals: LABELS_1020.map((l, i) => ({
      label: l,
      physicalDimension: 'uV',
      physicalMin: -500,
      physicalMax: 500,
      samplesPerRecord: rates[i],
    })),
  });
  const seconds = 30;
  w.writeRecords(
    rates.map((fs) =>
      Float64Array.from({ length: seconds * fs }, (_, k) => 20 * Math.sin((2 * Math.PI * 7 * k) / fs)),
    ),
    seconds,
  );
  w.close();
  const { result, segments } = run(path);
  assert.equal(result.nSegments, 3);
  assert.deepEqual(result.warnings, []);
  assert.deepEqual(
    result.filter.map((f) => f.rate),
    [256, 500],
  );
  // The same 7 Hz sine comes out in phase on a 256 Hz and a 500 Hz channel.
  const a = segments[1].subarray(ix('Fp1') * 2000, ix('Fp1') * 2000 + 2000);
  const b = segments[1].subarray(ix('Fp2') * 2000, ix('Fp2') * 2000 + 2000);
  let d = 0;
  for (let k = 0; k < 2000; k++) d = Math.max(d, Math.abs(a[k] - b[k]));
  assert.ok(d < 0.5, `max difference ${d} uV between rates`);
});
