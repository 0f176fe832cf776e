/**
 * Malformed variants of a valid file: truncation at every header byte, garbage in every numeric
 * field, random byte corruption. Each must give an EdfError naming the file (and, for header
 * problems, the field and byte offset) — never another exception, never a hang.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAIN_FIELDS, SIGNAL_FIELDS, signalFieldOffset } from '../../../src/formats/edf/header.js';
import { EdfError, EdfReader } from '../../../src/formats/edf/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { patch, validEdf } from './build.js';

const base = validEdf(tempDir());
const NS = 3;
const HEADER = 256 * (NS + 1);

/** Opens and exercises a file the way `celm info` and a viewer would; returns the error thrown, if any. */
function exercise(bytes: Uint8Array, strict = false): unknown {
  try {
    const r = EdfReader.fromBytes('fuzz.edf', bytes, { strict });
    void r.annotations;
    void r.blocks;
    for (const s of r.dataSignals)
      if (!Number.isNaN(s.gain) && r.header.numRecords > 0) r.readPhysical([s.index], 0, r.header.numRecords);
    if (r.duration > 0 && r.dataSignals.length)
      r.readWindow(0, Math.min(1, r.duration), { channels: [r.dataSignals[0].index] });
    return null;
  } catch (err) {
    return err;
  }
}

function assertEdfError(err: unknown, what: string): EdfError {
  assert.ok(err instanceof EdfError, `${what}: expected an EdfError, got ${err}`);
  assert.ok(err.message.startsWith('fuzz.edf: '), `${what}: message must name the file: ${err.message}`);
  assert.equal(err.message.includes('\n'), false, `${what}: one line`);
  return err;
}

test('truncation at every byte of the header is a "truncated" EdfError with the offset', () => {
  for (let n = 0; n < HEADER; n++) {
    const err = assertEdfError(exercise(base.subarray(0, n)), `cut at ${n}`);
    assert.equal(err.code, 'truncated', `cut at ${n}: ${err.message}`);
    assert.ok(/byte \d+/.test(err.message), `cut at ${n}: ${err.message}`);
  }
});

test('truncation anywhere in the data: complete records read, strict mode raises with record and offset', () => {
  const recordBytes = EdfReader.fromBytes('fuzz.edf', base).header.recordBytes;
  for (let n = HEADER; n < base.length; n += 7) {
    assert.equal(exercise(base.subarray(0, n)), null, `cut at ${n}`);
    const err = assertEdfError(exercise(base.subarray(0, n), true), `strict cut at ${n}`);
    assert.equal(err.code, 'truncated');
    assert.equal(err.location.record, Math.floor((n - HEADER) / recordBytes));
  }
});

const garbage = ['abc', '--1', '1.2.3', '', '0x10', '1e', '   +', '\0\0\0'];

test('garbage in every numeric main-header field names the field and its offset', () => {
  for (const key of ['headerBytes', 'records', 'duration', 'signals'] as const) {
    const [name, off, width] = MAIN_FIELDS[key];
    for (const g of garbage) {
      const err = assertEdfError(exercise(patch(base, off, width, g)), `${name}=${JSON.stringify(g)}`);
      assert.ok(['bad-number', 'bad-header'].includes(err.code), `${name}: ${err.code}`);
      assert.equal(err.location.field, name);
      assert.equal(err.location.offset, off);
    }
  }
});

test('garbage in every numeric signal field names the field, the signal and the offset', () => {
  const numeric = SIGNAL_FIELDS.map(([f]) => f).filter((f) => /minimum|maximum|nr of samples/.test(f));
  for (const field of numeric) {
    const width = SIGNAL_FIELDS.find(([f]) => f === field)![1];
    for (let s = 0; s < NS; s++) {
      for (const g of garbage) {
        const off = signalFieldOffset(NS, field, s);
        const err = assertEdfError(
          exercise(patch(base, off, width, g)),
          `${field}[${s}]=${JSON.stringify(g)}`,
        );
        assert.equal(err.code, 'bad-number');
        assert.equal(err.location.field, field);
        assert.equal(err.location.signal, s);
        assert.equal(err.location.offset, off);
      }
    }
  }
});

test('values that disagree with the header are EdfErrors', () => {
  const cases: [string, Uint8Array, string][] = [
    ['header bytes', patch(base, 184, 8, '768'), 'bad-header'],
    ['signal count', patch(base, 252, 4, '2'), 'bad-header'],
    ['zero signals', patch(base, 252, 4, '0'), 'bad-header'],
    ['negative records', patch(base, 236, 8, '-5'), 'bad-header'],
    ['negative duration', patch(base, 244, 8, '-1'), 'bad-header'],
    [
      'digital min out of range',
      patch(base, signalFieldOffset(NS, 'digital minimum', 0), 8, '-40000'),
      'bad-header',
    ],
    [
      'negative samples',
      patch(base, signalFieldOffset(NS, 'nr of samples in each data record', 0), 8, '-8'),
      'bad-header',
    ],
    ['version', patch(base, 0, 8, 'PK'), 'not-edf'],
  ];
  for (const [what, bytes, code] of cases)
    assert.equal(assertEdfError(exercise(bytes), what).code, code, what);
});

test('random corruption of header and data bytes never escapes as anything but an EdfError', () => {
  // A small deterministic PRNG (mulberry32) so failures are reproducible.
  let seed = 1234;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let trial = 0; trial < 3000; trial++) {
    const b = base.slice();
    const flips = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < flips; i++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    for (const strict of [false, true]) {
      const err = exercise(b, strict);
      if (err !== null) assertEdfError(err, `trial ${trial}`);
    }
  }
});
