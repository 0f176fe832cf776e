/** Builds small EDF files in memory for quirk and fuzz tests, and patches header fields by offset. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EdfWriter, type WriteHeader } from '../../../src/formats/edf/index.js';

export function validEdf(
  dir: string,
  name = 'base.edf',
  records = 10,
  extra: Partial<WriteHeader> = {},
): Uint8Array {
  const header: WriteHeader = {
    format: 'EDF+C',
    patient: { code: 'P-001', sex: 'M', birthdate: '1970-05-04', name: 'Jan Jansen' },
    recording: { admincode: 'A1', technician: 'T', equipment: 'E' },
    startDateTime: '2011-04-04T12:57:02',
    recordDuration: 1,
    signals: [
      {
        label: 'EEG Fp1-REF',
        physicalDimension: 'uV',
        physicalMin: -3200,
        physicalMax: 3200,
        samplesPerRecord: 8,
      },
      {
        label: 'EEG O2-REF',
        physicalDimension: 'uV',
        physicalMin: -3200,
        physicalMax: 3200,
        samplesPerRecord: 8,
      },
    ],
    ...extra,
  };
  const path = join(dir, name);
  const w = EdfWriter.create(path, header, { annotations: [{ onset: 2, duration: 1, text: 'Eyes closed' }] });
  const x = new Float64Array(8 * records);
  for (let k = 0; k < x.length; k++) x[k] = 100 * Math.sin(k / 3);
  w.writeRecords([x, x], records);
  w.close();
  return new Uint8Array(readFileSync(path));
}

/** Overwrites a header field (space padded) in a copy of the bytes. */
export function patch(
  bytes: Uint8Array,
  offset: number,
  width: number,
  text: string | Uint8Array,
): Uint8Array {
  const out = bytes.slice();
  const b =
    typeof text === 'string' ? Uint8Array.from(text.padEnd(width, ' '), (c) => c.charCodeAt(0)) : text;
  out.set(b.subarray(0, width), offset);
  for (let i = b.length; i < width; i++) out[offset + i] = 0x20;
  return out;
}
