/** The writer: write(read(x)) is byte-identical, and what it writes reads back as it was given. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EdfReader, EdfWriter, headerForCopy, type WriteHeader } from '../../../src/formats/edf/index.js';
import { sharedDir, sharedOrSkip } from '../../helpers/shared.js';
import { tempDir } from '../../helpers/tmp.js';

const dir = tempDir();

function copyThroughWriter(src: string, dst: string): void {
  const r = EdfReader.open(src);
  try {
    const h = r.header;
    const w = EdfWriter.create(dst, headerForCopy(h), { digital: true });
    const data = h.signals.map((s) => r.readDigital(s.index));
    w.writeRecords(data, h.numRecords);
    w.close();
  } finally {
    r.close();
  }
}

test('write(read(x)) is byte-identical for the valid real files', (t) => {
  if (!sharedOrSkip(t, 'eeg')) return;
  const files = readdirSync(join(sharedDir!, 'eeg')).filter((f) => /\.(edf|bdf)$/.test(f));
  let copied = 0;
  for (const name of files) {
    const src = join(sharedDir!, 'eeg', name);
    const r = EdfReader.open(src);
    const valid = r.warnings.every(
      (w) => !['missing-records', 'extra-bytes', 'partial-record', 'records-unknown'].includes(w.code),
    );
    r.close();
    if (!valid) continue;
    const dst = join(dir, `copy-${name}`);
    copyThroughWriter(src, dst);
    assert.ok(readFileSync(src).equals(readFileSync(dst)), `${name}: copy differs`);
    copied++;
  }
  assert.ok(copied >= 10, `copied ${copied} files`);
});

function sine(n: number, fs: number, f: number, amp: number, phase = 0): Float64Array {
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) x[k] = amp * Math.sin(2 * Math.PI * f * (k / fs) + phase);
  return x;
}

const baseHeader = (format: WriteHeader['format']): WriteHeader => ({
  format,
  patient: { code: 'MCH-0234567', sex: 'F', birthdate: '1951-08-02', name: 'Haagse Harry' },
  recording: { admincode: 'EMR-2002', technician: 'Dr. X', equipment: 'celm test' },
  startDateTime: '2002-03-02T10:11:12',
  recordDuration: 1,
  signals: [
    {
      label: 'EEG Fp1-REF',
      physicalDimension: 'uV',
      physicalMin: -500,
      physicalMax: 500,
      samplesPerRecord: 256,
      transducer: 'AgAgCl electrode',
      prefiltering: 'HP:0.1Hz LP:75Hz',
    },
    { label: 'ECG', physicalDimension: 'mV', physicalMin: -5, physicalMax: 5, samplesPerRecord: 512 },
  ],
});

for (const format of ['EDF+C', 'BDF+C'] as const) {
  test(`${format}: physical values, mixed rates, EDF+ fields and annotations read back`, () => {
    const path = join(dir, `new.${format.startsWith('BDF') ? 'bdf' : 'edf'}`);
    const n = 30;
    const eeg = sine(256 * n, 256, 10, 100);
    const ecg = sine(512 * n, 512, 1.2, 2);
    const annotations = [
      { onset: 0, duration: 0, text: 'Recording starts' },
      { onset: 5.25, duration: 10, text: 'Eyes closed' },
      { onset: 5.25, duration: 0, text: 'Überlappung ünïcode' },
      { onset: 29.5, duration: 0.5, text: 'Photic 10 Hz' },
    ];
    const w = EdfWriter.create(path, baseHeader(format), { annotations });
    w.writeRecords([eeg.subarray(0, 256 * 10), ecg.subarray(0, 512 * 10)], 10);
    w.writeRecords([eeg.subarray(256 * 10), ecg.subarray(512 * 10)], 20);
    w.close();
    const r = EdfReader.open(path);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.header.format, format);
    assert.equal(r.header.numRecords, n);
    assert.equal(r.startDateTime, '2002-03-02T10:11:12');
    assert.deepEqual(r.header.patient, {
      code: 'MCH-0234567',
      sex: 'F',
      birthdate: '1951-08-02',
      name: 'Haagse Harry',
      additional: '',
    });
    assert.equal(r.header.recording?.equipment, 'celm test');
    assert.equal(r.header.recording?.technician, 'Dr. X');
    assert.equal(r.dataSignals.length, 2);
    assert.equal(r.signals[1].sampleRate, 512);
    const [a, b] = r.readPhysical(undefined, 0, n);
    const q = (1000 / (format.startsWith('BDF') ? 16777215 : 65535)) * 0.51;
    for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k] - eeg[k]) <= q + 1e-4, `sample ${k}`);
    for (let k = 0; k < b.length; k += 97) assert.ok(Math.abs(b[k] - ecg[k]) <= 0.01);
    // uV normalisation: mV * 1000.
    const [bu] = r.readPhysical(['ECG'], 0, 1, 'uV');
    assert.ok(Math.abs(bu[128] - b[128] * 1000) < 1e-3);
    assert.deepEqual(
      r.annotations.map((x) => [x.onset, x.duration, x.text]),
      annotations.map((x) => [x.onset, x.duration, x.text]),
    );
    r.close();
  });
}

test('EDF+D: gaps are explicit, windows over a gap hold NaN, blocks are not joined', () => {
  const path = join(dir, 'gaps.edf');
  const h = baseHeader('EDF+D');
  h.signals = [h.signals[0]];
  const w = EdfWriter.create(path, h, { annotations: [{ onset: 100.5, duration: 0, text: 'after gap' }] });
  const x = new Float64Array(256 * 4).fill(50);
  // Records at 0,1 then a gap to 100,101.
  w.writeRecords([x], 4, [0, 1, 100, 101]);
  w.close();
  const r = EdfReader.open(path);
  assert.equal(r.header.format, 'EDF+D');
  assert.deepEqual([...r.recordStarts], [0, 1, 100, 101]);
  assert.equal(r.duration, 102);
  assert.deepEqual(r.blocks, [
    { start: 0, duration: 2, firstRecord: 0, numRecords: 2 },
    { start: 100, duration: 2, firstRecord: 2, numRecords: 2 },
  ]);
  assert.deepEqual(r.gaps, [{ start: 2, end: 100 }]);
  const win = r.readWindow(1.5, 99.25);
  assert.equal(win.data[0].length, Math.round(99.25 * 256));
  assert.ok(Math.abs(win.data[0][0] - 50) < 0.01);
  assert.ok(Number.isNaN(win.data[0][256]));
  assert.ok(Math.abs(win.data[0][98.5 * 256] - 50) < 0.01);
  assert.deepEqual(win.gaps, [{ start: 2, end: 100 }]);
  assert.equal(r.readWindow(1.5, 2, { fill: 'zero' }).data[0][300], 0);
  assert.deepEqual(r.annotations, [{ onset: 100.5, duration: 0, text: 'after gap' }]);
  // Streaming one block at a time never runs across the gap.
  const second = r.blocks[1];
  const chunks = [
    ...r.chunks({ firstRecord: second.firstRecord, numRecords: second.numRecords, recordsPerChunk: 1 }),
  ];
  assert.deepEqual(
    chunks.map((c) => c.start),
    [100, 101],
  );
  assert.equal(r.blocks, r.blocks, 'blocks are computed once');
  r.close();
});

test('sub-second start and fractional sample rate', () => {
  const path = join(dir, 'subsecond.edf');
  const h = baseHeader('EDF+C');
  h.startDateTime = '2020-01-24T04:05:56.3945312';
  h.recordDuration = 0.5;
  h.signals = [
    { label: 'Cz', physicalDimension: 'uV', physicalMin: -100, physicalMax: 100, samplesPerRecord: 63 },
  ];
  const w = EdfWriter.create(path, h, { annotations: [{ onset: 1.25, duration: 0, text: 'spike' }] });
  w.writeRecords([new Float64Array(63 * 8)], 8);
  w.close();
  const r = EdfReader.open(path);
  assert.equal(r.signals[0].sampleRate, 126);
  assert.ok(Math.abs(r.startOffset - 0.3945312) < 1e-9);
  assert.equal(r.startDateTime, '2020-01-24T04:05:56.394');
  assert.deepEqual(r.annotations, [{ onset: 1.25, duration: 0, text: 'spike' }]);
  assert.equal(r.duration, 4);
  r.close();
});

test('writer refuses what EDF cannot hold, and leaves no partial file behind', () => {
  const h = baseHeader('EDF+C');
  h.signals = [{ label: 'SpO₂', physicalMin: 0, physicalMax: 100, samplesPerRecord: 1 }];
  assert.throws(() => EdfWriter.create(join(dir, 'bad.edf'), h), /printable ASCII/);
  const h2 = baseHeader('EDF+C');
  h2.startDateTime = '2090-01-01T00:00:00';
  assert.throws(() => EdfWriter.create(join(dir, 'bad2.edf'), h2), /1985-2084/);
  const w = EdfWriter.create(join(dir, 'aborted.edf'), baseHeader('EDF+C'));
  w.abort();
  assert.throws(() => statSync(join(dir, 'aborted.edf')));
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('partial')),
    [],
  );
});

test('values outside the physical range are clipped and counted', () => {
  const h = baseHeader('EDF');
  h.patient = 'anon';
  h.recording = 'test';
  h.signals = [{ label: 'Fp1', physicalMin: -10, physicalMax: 10, samplesPerRecord: 4 }];
  const path = join(dir, 'clip.edf');
  const w = EdfWriter.create(path, h);
  w.writeRecords([[0, 20, -20, 5]], 1);
  w.close();
  assert.equal(w.clipped, 2);
  const r = EdfReader.open(path);
  const [x] = r.readPhysical(undefined, 0, 1);
  assert.deepEqual(
    [...x].map((v) => Math.round(v * 1000) / 1000),
    [0, 10, -10, 5],
  );
  assert.equal(r.header.format, 'EDF');
  assert.equal(r.header.patient, null);
  r.close();
});

test('number fields: binary noise dropped, long values rounded outward to 8 characters', async () => {
  const { formatNumberField } = await import('../../../src/formats/edf/writer.js');
  assert.equal(formatNumberField(3276.7000000000003, 8, 'up'), '3276.7');
  assert.equal(formatNumberField(-3276.8, 8, 'down'), '-3276.8');
  assert.equal(formatNumberField(1234.56789, 8, 'up'), '1234.568');
  assert.equal(formatNumberField(-1234.56789, 8, 'down'), '-1234.57');
  assert.equal(formatNumberField(0.000012345, 8, 'nearest'), '0.000012');
  assert.throws(() => formatNumberField(123456789, 8));
});
