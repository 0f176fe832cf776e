import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EdfReader, EdfWriter } from '../../src/formats/edf/index.js';
import { parseWindowQuery, traceWindow } from '../../src/serve/traces.js';
import { tempDir } from '../helpers/tmp.js';
import { LABELS_1020 } from '../signal/synth.js';

const fs = 250;
const seconds = 60;
const COMPONENTS = [
  { f: 0.2, a: 100 },
  { f: 10, a: 20 },
  { f: 40, a: 20 },
  { f: 60, a: 30 },
];
const path = join(tempDir('celm-traces-'), 'tones.edf');
{
  const w = EdfWriter.create(path, {
    format: 'EDF+C',
    startDateTime: '2024-01-01T10:00:00',
    recordDuration: 1,
    signals: LABELS_1020.map((l) => ({
      label: `EEG ${l}-REF`,
      physicalDimension: 'uV',
      physicalMin: -3276.8,
      physicalMax: 3276.7,
      samplesPerRecord: fs,
    })),
  });
  const x = Float64Array.from({ length: seconds * fs }, (_, k) =>
    COMPONENTS.reduce((s, c) => s + c.a * Math.sin((2 * Math.PI * c.f * k) / fs), 0),
  );
  w.writeRecords(
    LABELS_1020.map(() => x),
    seconds,
  );
  w.close();
}
const reader = EdfReader.open(path);
after(() => reader.close());

/** Amplitude of the component at f Hz in a window's channel (least squares on sine and cosine). */
function amplitude(y: number[], f: number, start: number): number {
  let s = 0;
  let c = 0;
  for (let k = 0; k < y.length; k++) {
    const t = start + k / fs;
    s += y[k] * Math.sin(2 * Math.PI * f * t);
    c += y[k] * Math.cos(2 * Math.PI * f * t);
  }
  return (2 * Math.hypot(s, c)) / y.length;
}

function page(q: Record<string, string>): number[] {
  const w = traceWindow(
    reader,
    parseWindowQuery({ start: '20', duration: '20', montage: 'referential', maxPoints: '20000', ...q }),
  );
  assert.equal(w.mode, 'samples');
  return w.data[w.labels.indexOf('C3')] as number[];
}

test('display filters: unfiltered keeps every component', () => {
  const y = page({ lff: 'off', hff: 'off' });
  assert.equal(y.length, 20 * fs);
  for (const c of [COMPONENTS[1], COMPONENTS[2], COMPONENTS[3]])
    assert.ok(Math.abs(amplitude(y, c.f, 20) - c.a) < 0.5, `${c.f} Hz: ${amplitude(y, c.f, 20)}`);
});

test('display filters: LFF removes slow drift, HFF high frequencies, the notch mains; 10 Hz passes', () => {
  const lff = page({ lff: '1', hff: 'off' });
  assert.ok(amplitude(lff, 0.2, 20) < 15, `0.2 Hz after LFF 1 Hz: ${amplitude(lff, 0.2, 20)}`);
  assert.ok(amplitude(lff, 10, 20) > 19.5);
  const hff = page({ lff: 'off', hff: '15' });
  assert.ok(amplitude(hff, 40, 20) < 2, `40 Hz after HFF 15 Hz: ${amplitude(hff, 40, 20)}`);
  assert.ok(amplitude(hff, 10, 20) > 14, `10 Hz after HFF 15 Hz: ${amplitude(hff, 10, 20)}`);
  const notch = page({ lff: 'off', hff: 'off', notch: '60' });
  assert.ok(amplitude(notch, 60, 20) < 1, `60 Hz after notch: ${amplitude(notch, 60, 20)}`);
  assert.ok(Math.abs(amplitude(notch, 40, 20) - 20) < 0.5);
  assert.ok(Math.abs(amplitude(notch, 10, 20) - 20) < 0.2);
});

test('montages: bipolar derivations of identical channels are flat; query errors are one line', () => {
  const w = traceWindow(reader, parseWindowQuery({ start: '5', duration: '10', montage: 'double-banana' }));
  const flat = (w.data[0] as number[]).every((v) => Math.abs(v) < 0.11);
  assert.ok(flat, 'Fp1-F7 of identical signals is zero');
  assert.throws(() => parseWindowQuery({ duration: '0.01' }), /duration must be a number from 0.1 to 600/);
  assert.throws(() => parseWindowQuery({ maxPoints: '5' }), /maxPoints/);
  assert.throws(() => traceWindow(reader, parseWindowQuery({ start: '61' })), /past the end/);
});
