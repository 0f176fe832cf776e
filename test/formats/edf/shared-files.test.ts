/**
 * celm's reader against the real recordings in ../shared/eeg and the values an independent reader
 * (cross-checked with MNE-Python 1.3) stored beside them.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { EdfReader } from '../../../src/formats/edf/index.js';
import { sharedDir, sharedOrSkip } from '../../helpers/shared.js';

interface Reference {
  header: {
    version: string;
    patient: string;
    recording: string;
    startdate: string;
    starttime: string;
    header_bytes: number;
    reserved: string;
    records: number;
    record_duration: number;
    signals: number;
    bytes_per_sample: number;
  };
  complete_records: number;
  duration_s: number;
  signals: {
    label: string;
    transducer: string;
    dimension: string;
    physical_min: number;
    physical_max: number;
    digital_min: number;
    digital_max: number;
    prefilter: string;
    samples_per_record: number;
    sample_rate: number | null;
    samples: number;
    stats: { mean: number; std: number; min: number; max: number };
    first_2s?: number[];
  }[];
  mne?: { annotations: { onset: number; duration: number; text: string }[] };
}

const files = sharedDir ? readdirSync(join(sharedDir, 'eeg')).filter((f) => /\.(edf|bdf)$/.test(f)) : [];

describe('real files in ../shared/eeg', () => {
  test('fixtures present', (t) => {
    if (!sharedOrSkip(t, 'eeg')) return;
    assert.ok(files.length >= 10, `expected the shared EDF/BDF fixtures, found ${files.length}`);
  });

  for (const name of files) {
    test(name, () => {
      const path = join(sharedDir!, 'eeg', name);
      const ref = JSON.parse(readFileSync(`${path}.reference.json`, 'utf8')) as Reference;
      const r = EdfReader.open(path);
      try {
        const h = r.header;
        assert.equal(h.headerBytes, ref.header.header_bytes);
        assert.equal(h.declaredRecords, ref.header.records);
        assert.equal(h.numRecords, ref.complete_records);
        assert.equal(h.recordDuration, ref.header.record_duration);
        assert.equal(h.numSignals, ref.header.signals);
        assert.equal(h.bytesPerSample, ref.header.bytes_per_sample);
        assert.equal(h.patientId, ref.header.patient);
        assert.equal(h.recordingId, ref.header.recording);
        assert.equal(h.reserved, ref.header.reserved);
        assert.equal(r.duration, ref.duration_s);
        ref.signals.forEach((rs, i) => {
          const s = h.signals[i];
          const where = `${name} signal ${i} (${rs.label})`;
          assert.equal(s.label, rs.label, where);
          assert.equal(s.transducer, rs.transducer, where);
          assert.equal(s.physicalDimension, rs.dimension, where);
          assert.equal(s.physicalMin, rs.physical_min, where);
          assert.equal(s.physicalMax, rs.physical_max, where);
          assert.equal(s.digitalMin, rs.digital_min, where);
          assert.equal(s.digitalMax, rs.digital_max, where);
          assert.equal(s.prefiltering, rs.prefilter, where);
          assert.equal(s.samplesPerRecord, rs.samples_per_record, where);
          if (rs.sample_rate !== null) assert.equal(s.sampleRate, rs.sample_rate, where);
          if (s.isAnnotation) return;
          const [x] = r.readPhysical([i], 0, h.numRecords);
          assert.equal(x.length, rs.samples, where);
          // float32 output: compare with a tolerance relative to the signal's magnitude.
          const scale = Math.max(1e-12, Math.abs(rs.stats.min), Math.abs(rs.stats.max));
          const tol = 2e-6 * scale;
          let sum = 0;
          let min = Number.POSITIVE_INFINITY;
          let max = Number.NEGATIVE_INFINITY;
          for (const v of x) {
            sum += v;
            if (v < min) min = v;
            if (v > max) max = v;
          }
          const mean = sum / x.length;
          let ss = 0;
          for (const v of x) ss += (v - mean) ** 2;
          assert.ok(Math.abs(mean - rs.stats.mean) <= tol, `${where}: mean ${mean} vs ${rs.stats.mean}`);
          assert.ok(Math.abs(Math.sqrt(ss / x.length) - rs.stats.std) <= tol, `${where}: std`);
          assert.ok(Math.abs(min - rs.stats.min) <= tol, `${where}: min ${min} vs ${rs.stats.min}`);
          assert.ok(Math.abs(max - rs.stats.max) <= tol, `${where}: max ${max} vs ${rs.stats.max}`);
          if (rs.first_2s) {
            for (let k = 0; k < rs.first_2s.length; k++) {
              assert.ok(
                Math.abs(x[k] - rs.first_2s[k]) <= tol,
                `${where}: sample ${k}: ${x[k]} vs ${rs.first_2s[k]}`,
              );
            }
          }
        });
        // Annotations as MNE reports them (onsets relative to the first record, sub-second start removed).
        // For annotation-only files MNE crops to its one-sample "data", so its list is a subset with
        // durations cut short: there only onset and text are compared.
        const mine = r.annotations;
        const theirs = ref.mne?.annotations ?? [];
        if (h.recordDuration > 0) assert.equal(mine.length, theirs.length, `${name}: annotation count`);
        for (const a of theirs) {
          const hit = mine.find(
            (m) =>
              m.text === a.text &&
              Math.abs(m.onset - a.onset) < 2e-6 &&
              (h.recordDuration === 0 || Math.abs(m.duration - a.duration) < 1e-9),
          );
          assert.ok(hit, `${name}: annotation ${JSON.stringify(a)} not found`);
        }
        // Real files are read without errors; their quirks are warnings, never data loss.
        for (const w of r.warnings) assert.ok(typeof w.message === 'string' && w.message.length > 0);
      } finally {
        r.close();
      }
    });
  }
});
