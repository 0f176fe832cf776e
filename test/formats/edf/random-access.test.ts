/** Time-window reads, streaming chunks, and files beyond 4 GiB. */
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EdfReader, EdfWriter } from '../../../src/formats/edf/index.js';
import { tempDir } from '../../helpers/tmp.js';

const dir = tempDir();

function mixedRateFile(): string {
  const path = join(dir, 'mixed.edf');
  const w = EdfWriter.create(path, {
    format: 'EDF+C',
    startDateTime: '2024-01-01T00:00:00',
    recordDuration: 2,
    signals: [
      { label: 'Fp1', physicalDimension: 'uV', physicalMin: -1000, physicalMax: 1000, samplesPerRecord: 500 },
      { label: 'ECG', physicalDimension: 'mV', physicalMin: -10, physicalMax: 10, samplesPerRecord: 1000 },
    ],
  });
  const n = 60;
  const a = new Float64Array(500 * n).map((_, k) => ((k * 7919) % 1999) - 999);
  const b = new Float64Array(1000 * n).map((_, k) => Math.sin(k / 50) * 5);
  w.writeRecords([a, b], n);
  w.close();
  return path;
}

test('readWindow returns exactly the samples of the full read, for any window and rate', () => {
  const r = EdfReader.open(mixedRateFile());
  const full = r.readPhysical(undefined, 0, r.header.numRecords);
  let seed = 7;
  const rand = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < 200; i++) {
    const start = Math.round(rand() * 110 * 1000) / 1000;
    const dur = 0.01 + rand() * 12;
    const win = r.readWindow(start, dur);
    const end = Math.min(start + dur, r.duration);
    win.channels.forEach((c, j) => {
      const n0 = Math.ceil(start * c.sampleRate - 1e-9);
      const n1 = Math.ceil(end * c.sampleRate - 1e-9);
      assert.deepEqual(win.data[j], full[j].subarray(n0, n1), `window ${start}+${dur} channel ${c.label}`);
      assert.equal(win.firstSampleTime[j], n0 / c.sampleRate);
    });
  }
  assert.throws(() => r.readWindow(121, 1), /outside the recording/);
  assert.throws(() => r.readWindow(-1, 1), /outside the recording/);
  r.close();
});

test('chunks() streams the same samples as a full read', () => {
  const r = EdfReader.open(mixedRateFile());
  const full = r.readPhysical(['ECG'], 0, r.header.numRecords)[0];
  const parts: Float32Array[] = [];
  let next = 0;
  for (const c of r.chunks({ channels: ['ECG'], recordsPerChunk: 7 })) {
    assert.equal(c.firstRecord, next);
    assert.equal(c.start, next * 2);
    next += c.numRecords;
    parts.push(c.data[0]);
  }
  assert.equal(next, 60);
  const joined = new Float32Array(full.length);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  assert.deepEqual(joined, full);
  r.close();
});

test('files over 4 GiB: header counts, offsets and windows past 4 GiB are exact', () => {
  // A sparse file: one real record written with the writer, the header patched to a large count,
  // the file extended without allocating disk, and a known record written beyond 4 GiB.
  const path = join(dir, 'huge.edf');
  const spr = 256;
  const signals = Array.from({ length: 21 }, (_, i) => ({
    label: `EEG ${i}`,
    physicalDimension: 'uV',
    physicalMin: -3276.8,
    physicalMax: 3276.7,
    digitalMin: -32768,
    digitalMax: 32767,
    samplesPerRecord: spr,
  }));
  const w = EdfWriter.create(path, {
    format: 'EDF',
    patient: 'X',
    recording: 'X',
    startDateTime: '2024-01-01T00:00:00',
    recordDuration: 1,
    signals,
  });
  w.writeRecords(
    signals.map(() => new Float64Array(spr)),
    1,
  );
  w.close();
  const recordBytes = 21 * spr * 2;
  const headerBytes = 256 * 22;
  const records = Math.ceil((4.5 * 2 ** 30) / recordBytes);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from(String(records).padEnd(8, ' ')), 0, 8, 236);
  ftruncateSync(fd, headerBytes + records * recordBytes);
  const last = records - 3;
  const rec = new Int16Array(21 * spr);
  for (let k = 0; k < rec.length; k++) rec[k] = (k % 2000) - 1000;
  writeSync(fd, new Uint8Array(rec.buffer), 0, rec.byteLength, headerBytes + last * recordBytes);
  closeSync(fd);
  assert.ok(statSync(path).size > 2 ** 32);
  const r = EdfReader.open(path);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.header.numRecords, records);
  assert.equal(r.duration, records);
  const win = r.readWindow(last, 1, { channels: ['EEG 3'] });
  assert.equal(win.data[0].length, spr);
  for (let k = 0; k < spr; k++) assert.ok(Math.abs(win.data[0][k] - rec[3 * spr + k] * 0.1) < 1e-3);
  assert.ok(r.readWindow(last + 1, 1).data.every((d) => d.every((v) => Math.abs(v + 0.05) < 0.051)));
  r.close();
});
