/** Real-world header quirks: each is read the way MNE/EDFlib users would expect, with a named warning. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signalFieldOffset } from '../../../src/formats/edf/header.js';
import { EdfError, EdfReader, EdfWriter } from '../../../src/formats/edf/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { patch, validEdf } from './build.js';

const dir = tempDir();
const base = validEdf(dir);
const NS = 3; // two EEG signals + the annotation signal
const open = (bytes: Uint8Array, strict = false) => EdfReader.fromBytes('quirk.edf', bytes, { strict });
const codes = (r: EdfReader) => r.warnings.map((w) => w.code);
const recordBytes = open(base).header.recordBytes;
const headerBytes = 256 * (NS + 1);

describe('EDF quirks', () => {
  test('the base file is clean', () => {
    const r = open(base);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.header.numRecords, 10);
  });

  test('lowercase and non-standard labels are kept and found case-insensitively', () => {
    const b = patch(base, signalFieldOffset(NS, 'label', 0), 16, 'eeg fp1-ref');
    const r = open(b);
    assert.equal(r.signals[0].label, 'eeg fp1-ref');
    assert.equal(r.resolveChannels(['EEG FP1-REF'])[0].index, 0);
    assert.throws(
      () => r.resolveChannels(['Cz']),
      (e: EdfError) => e.code === 'bad-argument' && /no signal labelled "Cz"/.test(e.message),
    );
  });

  test('non-ASCII header bytes: UTF-8 decoded, else latin-1, with a warning naming the field', () => {
    const utf8 = patch(base, 8, 80, new TextEncoder().encode('P-001 M 04-MAY-1970 José_Müller'));
    const r = open(utf8);
    assert.equal(r.header.patient?.name, 'José Müller');
    const w = r.warnings.find((x) => x.code === 'non-ascii');
    assert.equal(w?.field, 'local patient identification');
    assert.equal(w?.offset, 8);
    const latin = patch(
      base,
      8,
      80,
      Uint8Array.from('P-001 M 04-MAY-1970 Jos\xe9', (c) => c.charCodeAt(0)),
    );
    assert.equal(open(latin).header.patient?.name, 'José');
    const label = patch(base, signalFieldOffset(NS, 'physical dimension', 0), 8, Uint8Array.of(0xb5, 0x56));
    assert.equal(open(label).signals[0].physicalDimension, 'µV');
    const [x] = open(label).readPhysical([0], 0, 1, 'uV');
    assert.equal(open(label).readWindow(0, 1, { channels: [0], unit: 'uV' }).channels[0].unit, 'uV');
    assert.equal(x.length, 8);
  });

  test('number of records -1: counted from the file size, with a warning', () => {
    const r = open(patch(base, 236, 8, '-1'));
    assert.equal(r.header.declaredRecords, -1);
    assert.equal(r.header.numRecords, 10);
    assert.deepEqual(codes(r), ['records-unknown']);
  });

  test('a trailing partial record is ignored with a warning', () => {
    const b = new Uint8Array(base.length + 7);
    b.set(base);
    const r = open(b);
    assert.equal(r.header.numRecords, 10);
    const w = r.warnings.find((x) => x.code === 'partial-record');
    assert.equal(w?.offset, base.length);
    assert.equal(w?.record, 10);
  });

  test('a file cut short in the data: complete records are read (warning), strict mode refuses', () => {
    const cut = base.subarray(0, headerBytes + 6 * recordBytes + 5);
    const r = open(cut);
    assert.equal(r.header.numRecords, 6);
    assert.deepEqual(codes(r), ['missing-records', 'partial-record']);
    assert.throws(
      () => open(cut, true),
      (e: EdfError) =>
        e instanceof EdfError &&
        e.code === 'truncated' &&
        e.location.record === 6 &&
        e.location.offset === headerBytes + 6 * recordBytes,
    );
  });

  test('extra whole records beyond the declared count are ignored with a warning', () => {
    const b = new Uint8Array(base.length + recordBytes);
    b.set(base);
    b.set(base.subarray(headerBytes, headerBytes + recordBytes), base.length);
    const r = open(b);
    assert.equal(r.header.numRecords, 10);
    assert.deepEqual(codes(r), ['extra-bytes']);
  });

  test('physical min > max (inverted polarity) is legal and inverts the values', () => {
    const path = `${dir}/inverted.edf`;
    const w = EdfWriter.create(path, {
      format: 'EDF+C',
      startDateTime: '2020-01-24T04:05:56',
      recordDuration: 1,
      signals: [{ label: 'Fp1', physicalMin: 8711, physicalMax: -8711, samplesPerRecord: 4 }],
    });
    w.writeRecords([[100, -200, 300, 0]], 1);
    w.close();
    const r = EdfReader.open(path);
    assert.deepEqual(r.warnings, []);
    assert.ok(r.signals[0].gain < 0);
    const [x] = r.readPhysical([0], 0, 1);
    assert.deepEqual(
      [...x].map((v) => Math.round(v) + 0),
      [100, -200, 300, 0],
    );
    r.close();
  });

  test('start date years follow the 1985-2084 rule; EDF+ Startdate gives the 4-digit year', () => {
    const plain = (date: string) => {
      let b = patch(base, 192, 44, '');
      b = patch(b, 168, 8, date);
      return open(b).header.startDateTime;
    };
    assert.equal(plain('01.01.85'), '1985-01-01T12:57:02');
    assert.equal(plain('31.12.99'), '1999-12-31T12:57:02');
    assert.equal(plain('01.01.00'), '2000-01-01T12:57:02');
    assert.equal(plain('31.12.84'), '2084-12-31T12:57:02');
    // EDF+: the recording field's Startdate carries the century.
    const plus = patch(patch(base, 88, 80, 'Startdate 04-APR-2011 A1 T E'), 168, 8, '04.04.11');
    assert.equal(open(plus).header.startDateTime, '2011-04-04T12:57:02');
    assert.equal(open(plus).header.recording?.startdate, '2011-04-04');
    const disagree = open(patch(base, 88, 80, 'Startdate 05-APR-2011 A1 T E'));
    assert.equal(disagree.header.startDateTime, '2011-04-04T12:57:02');
    assert.ok(codes(disagree).includes('edfplus-field'));
  });

  test('non-standard date/time separators are read leniently with a warning', () => {
    const r = open(patch(base, 176, 8, '12:57:02'));
    assert.equal(r.header.startDateTime, '2011-04-04T12:57:02');
    assert.deepEqual(codes(r), ['bad-date']);
    const bad = open(patch(base, 168, 8, 'xx.yy.zz'));
    assert.equal(bad.header.startDateTime, null);
  });

  test('EDF+ fields with fewer subfields, and "X" for unknown', () => {
    const r = open(patch(base, 8, 80, 'X X'));
    assert.deepEqual(r.header.patient, {
      code: null,
      sex: null,
      birthdate: null,
      name: null,
      additional: '',
    });
    assert.ok(codes(r).includes('edfplus-field'));
  });

  test('reserved field variants', () => {
    assert.equal(open(patch(base, 192, 44, 'EDF+C extra text')).header.format, 'EDF+C');
    assert.equal(open(patch(base, 192, 44, 'EDF+D')).header.format, 'EDF+D');
    const legacy = open(patch(base, 192, 44, 'reserved'));
    assert.equal(legacy.header.format, 'EDF');
    // An annotation signal in plain EDF is still read (old exporters did this).
    assert.equal(legacy.annotations[0].text, 'Eyes closed');
    assert.ok(codes(legacy).includes('header-field'));
  });

  test('a decimal comma in a number is read with a warning', () => {
    const r = open(patch(base, signalFieldOffset(NS, 'physical maximum', 0), 8, '3200,0'));
    assert.equal(r.signals[0].physicalMax, 3200);
    assert.deepEqual(codes(r), ['header-field']);
  });

  test('digital min == max: other signals read; this one fails naming the field; strict refuses', () => {
    let b = patch(base, signalFieldOffset(NS, 'digital minimum', 1), 8, '0');
    b = patch(b, signalFieldOffset(NS, 'digital maximum', 1), 8, '0');
    const r = open(b);
    assert.ok(codes(r).includes('zero-digital-range'));
    assert.equal(r.readPhysical([0], 0, 1)[0].length, 8);
    assert.throws(
      () => r.readPhysical([1], 0, 1),
      (e: EdfError) =>
        e.code === 'bad-scaling' && e.location.field === 'digital minimum' && e.location.signal === 1,
    );
    assert.throws(
      () => open(b, true),
      (e: EdfError) =>
        e.code === 'strict' && e.location.offset === signalFieldOffset(NS, 'digital minimum', 1),
    );
  });

  test('physical min == max: every sample reads as that value, with a warning', () => {
    const b = patch(base, signalFieldOffset(NS, 'physical maximum', 0), 8, '-3200');
    const r = open(b);
    assert.ok(codes(r).includes('zero-physical-range'));
    assert.ok(r.readPhysical([0], 0, 1)[0].every((v) => v === -3200));
  });

  test('record duration 0 is refused when the file has signal data', () => {
    assert.throws(
      () => open(patch(base, 244, 8, '0')),
      (e: EdfError) => e.code === 'bad-header' && e.location.offset === 244,
    );
  });

  test('annotation TAL garbage: a warning with record and byte offset; strict mode refuses', () => {
    const b = base.slice();
    const annAt = headerBytes + 3 * recordBytes + open(base).signals[2].recordOffset;
    b.set(new TextEncoder().encode('+x\x14\x14\x00'), annAt);
    const r = open(b);
    assert.equal(r.annotations.length, 1);
    const w = r.warnings.find((x) => x.code === 'bad-tal');
    assert.equal(w?.record, 3);
    assert.equal(w?.offset, annAt);
    assert.throws(
      () => open(b, true).annotations,
      (e: EdfError) => e.code === 'bad-record' && e.location.record === 3,
    );
  });

  test('a TAL problem in record 0 is reported once, however the file is queried', () => {
    const b = base.slice();
    const at0 = headerBytes + open(base).signals[2].recordOffset;
    // Keep the time-keeping TAL, break the annotation after it.
    b.set(new TextEncoder().encode('+0\x14\x14\x00+2\x15x\x14Eyes closed\x14\x00'), at0);
    const r = open(b);
    assert.equal(r.startOffset, 0);
    // The broken TAL is skipped; the file's own annotation (stored in record 2) is still read.
    assert.deepEqual(r.annotations, [{ onset: 2, duration: 1, text: 'Eyes closed' }]);
    assert.equal(r.warnings.filter((w) => w.code === 'bad-tal').length, 1);
  });
});
