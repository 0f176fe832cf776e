/**
 * Recording-level measurements on synthetic EDF files with known artifacts: the line-noise amplitude
 * of each channel before the notch, the R-locked ECG artifact, and the hyperventilation delta build-up
 * (through the preprocessing output, as `celm report` reads them).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SignalSynth } from '../../src/datasets/synth/generate.js';
import { findSpec, type RecordingSpec } from '../../src/datasets/synth/spec.js';
import { EdfReader } from '../../src/formats/edf/index.js';
import { measureArtifacts, rPeaks } from '../../src/signal/artifacts.js';
import { preprocessRecording } from '../../src/signal/index.js';
import { hyperventilationInterval, hyperventilationResponse } from '../../src/signal/procedures.js';
import { MEASURES_FILE, recordingMeasures } from '../../src/signal/recording-measures.js';
import { writeSynthEdf } from '../helpers/synth-recording.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('celm-artifacts-test-');

function write(spec: RecordingSpec, name: string): string {
  const path = join(dir, name);
  writeSynthEdf(spec, path);
  return path;
}

/** A normal recording (3 minutes by default) with the artifacts set as asked (no electrode pops). */
function spec(lineNoiseUv: number, ecgInEegUv: number, lineHz: 50 | 60 = 60, seconds = 180): RecordingSpec {
  const s = structuredClone(findSpec('normal', seconds, (x) => !x.artifacts.badElectrode, { lineHz }));
  s.artifacts.lineNoiseUv = lineNoiseUv;
  s.artifacts.ecgInEegUv = ecgInEegUv;
  s.artifacts.pops = [];
  return s;
}

test('line noise: each channel amplitude as generated, at the right mains frequency', () => {
  for (const hz of [60, 50] as const) {
    const s = spec(4, 0, hz);
    const m = measureArtifacts(EdfReader.open(write(s, `line${hz}.edf`)));
    assert.ok(m.line_noise);
    assert.equal(m.line_noise.hz, hz);
    // the generator's own per-electrode amplitudes (4 uV x 0.4..1.4)
    const synth = new SignalSynth(s) as unknown as { lineAmp: Float64Array; names: string[] };
    for (const [name, uv] of Object.entries(m.line_noise.amplitude_uv)) {
      const want = synth.lineAmp[synth.names.indexOf(name)];
      assert.ok(Math.abs(uv - want) < 0.1 * want + 0.2, `${name}: ${uv} uV measured, ${want} generated`);
    }
  }
  const clean = measureArtifacts(EdfReader.open(write(spec(0, 0), 'clean.edf')));
  assert.ok(clean.line_noise && clean.line_noise.max_uv < 0.5, `clean: ${clean.line_noise?.max_uv} uV`);
});

test('ECG artifact: R-locked average largest at the ear, absent without it; heart rate measured', () => {
  const s = spec(0, 10);
  const m = measureArtifacts(EdfReader.open(write(s, 'ecg.edf')));
  assert.ok(m.ecg);
  assert.equal(m.ecg.source, 'EEG EKG1-REF');
  assert.equal(m.ecg.max_channel, 'A1'); // the generator's largest cardiac-field weight
  assert.ok(m.ecg.max_uv > 6, `${m.ecg.max_uv} uV at A1 for a 10-uV QRS`);
  assert.ok(Math.abs(m.ecg.heart_rate_bpm - s.heartBpm) <= 4, `${m.ecg.heart_rate_bpm} vs ${s.heartBpm} bpm`);
  assert.ok(m.ecg.beats >= 20);
  // 10 minutes: ~700 beats average the background down to about 1 uV
  const none = measureArtifacts(EdfReader.open(write(spec(0, 0, 60, 600), 'no-ecg-artifact.edf')));
  assert.ok(none.ecg && none.ecg.max_uv < 1.5, `without the artifact: ${none.ecg?.max_uv} uV`);
  // R peaks of a clean spike train: one per beat, none doubled
  const fs = 200;
  const x = new Float32Array(10 * fs);
  for (let k = 50; k < x.length; k += 160) x[k] = -900; // inverted R waves, 75 bpm
  assert.deepEqual(
    rPeaks(x, fs),
    Array.from({ length: 13 }, (_, i) => 50 + 160 * i),
  );
});

test('hyperventilation: the three annotation styles, a missing end, and the delta build-up', () => {
  const ann = (texts: [number, string][]) => texts.map(([onset, text]) => ({ onset, duration: 0, text }));
  assert.deepEqual(
    hyperventilationInterval(
      ann([
        [10, 'EC'],
        [100, 'HV start'],
        [280, 'HV stop'],
      ]),
      900,
    ),
    [100, 280],
  );
  assert.deepEqual(
    hyperventilationInterval(
      ann([
        [50, 'Hyperventilation begins'],
        [230, 'Hyperventilation ends'],
      ]),
      900,
    ),
    [50, 230],
  );
  assert.deepEqual(
    hyperventilationInterval(
      ann([
        [60, 'HV on'],
        [250, 'HV off'],
      ]),
      900,
    ),
    [60, 250],
  );
  assert.deepEqual(hyperventilationInterval(ann([[60, 'Hyperventilation']]), 900), [60, 240]);
  assert.equal(
    hyperventilationInterval(
      ann([
        [60, 'Photic 5 Hz'],
        [90, 'Eyes open'],
      ]),
      900,
    ),
    null,
  );
  // band powers [n, 22, 5]: frontocentral delta 4x higher in the last third of HV than in its first
  const n = 30;
  const bp = new Float32Array(n * 22 * 5).fill(1);
  const starts = Float64Array.from({ length: n }, (_, i) => i * 10);
  for (let s = 0; s < n; s++)
    if (starts[s] >= 200 && starts[s] < 300) for (let c = 0; c < 22; c++) bp[(s * 22 + c) * 5] = 4;
  const r = hyperventilationResponse([100, 290], bp, starts, new Uint8Array(22).fill(1), 10);
  assert.ok(r);
  assert.ok(Math.abs(r.delta_log_ratio - Math.log(4)) < 1e-3, String(r.delta_log_ratio));
});

test('recording measures: a strong build-up over the generated HV, none without it; cached once', () => {
  const make = (slowingUv: number, name: string) => {
    const s = findSpec('normal', 900, (x) => x.hv !== null && !x.hv.poorEffort && !x.artifacts.badElectrode);
    s.hv = { ...(s.hv as NonNullable<RecordingSpec['hv']>), slowingUv };
    const path = write(s, name);
    const pre = preprocessRecording(path, join(dir, 'pre'));
    return { pre: pre.dir, m: recordingMeasures(pre.dir, path) };
  };
  const hv = make(60, 'hv.edf');
  const flat = make(0, 'flat.edf');
  assert.ok(hv.m.hyperventilation && flat.m.hyperventilation);
  const [up, level] = [hv.m.hyperventilation.delta_log_ratio, flat.m.hyperventilation.delta_log_ratio];
  assert.ok(up > 0.4 && Math.abs(level) < 0.2 && up > level + 0.4, `${up} with, ${level} without`);
  // written beside the preprocessing output and read back as is (the source is not needed again)
  assert.ok(existsSync(join(hv.pre, MEASURES_FILE)));
  assert.deepEqual(recordingMeasures(hv.pre, '/nonexistent.edf'), hv.m);
});
