/**
 * De-identified copies of EDF/BDF files. Only the header's identifying fields change; data records
 * (signal and annotation bytes) are copied unchanged. EDF+ conventions: unknown subfields are "X",
 * so the patient field becomes "X X X X" and the recording field "Startdate <date> X X X".
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EdfError } from './errors.js';
import { formatEdfPlusDate, MAIN_FIELDS } from './header.js';
import { EdfReader } from './reader.js';
import { latin1ToBytes } from './text.js';

export interface AnonymizeOptions {
  /** Patient code to write instead of "X" (e.g. a study id). Printable ASCII, no spaces. */
  patientCode?: string;
  /** Shift the start date by this many days (negative moves it back). */
  shiftDays?: number;
  /** Replace the start date with 01.01.85 (EDF's earliest) and the EDF+ Startdate with X. */
  removeDate?: boolean;
}

export interface AnonymizeResult {
  records: number;
  startDate: string | null;
}

function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

export function anonymizeEdf(input: string, output: string, options: AnonymizeOptions = {}): AnonymizeResult {
  if (sameFile(input, output))
    throw new EdfError(
      'bad-argument',
      input,
      'refusing to overwrite the input file; give another output path',
    );
  if (options.patientCode !== undefined && !/^[\x21-\x7e]{1,80}$/.test(options.patientCode)) {
    throw new EdfError('bad-argument', input, 'patient code must be printable ASCII without spaces');
  }
  const reader = EdfReader.open(input);
  try {
    const h = reader.header;
    const head = reader.readHeaderBytes();
    const put = (key: keyof typeof MAIN_FIELDS, value: string) => {
      const [, off, width] = MAIN_FIELDS[key];
      latin1ToBytes(value, head, off, width);
    };
    let date: string | null = h.startDateTime ? h.startDateTime.slice(0, 10) : null;
    if (options.removeDate) date = null;
    else if (date && options.shiftDays) {
      const t = new Date(`${date}T00:00:00Z`).getTime() + options.shiftDays * 86400e3;
      date = new Date(t).toISOString().slice(0, 10);
      const y = Number(date.slice(0, 4));
      if (y < 1985 || y > 2084)
        throw new EdfError(
          'bad-argument',
          input,
          `shifted start date ${date} is outside EDF's 1985-2084 range`,
        );
    }
    const code = options.patientCode ?? 'X';
    if (h.isPlus) {
      put('patient', `${code} X X X`);
      put('recording', `Startdate ${date ? formatEdfPlusDate(date) : 'X'} X X X`);
    } else {
      put('patient', code);
      put('recording', 'X');
    }
    const [y, m, d] = date ? date.split('-') : ['1985', '01', '01'];
    put('startdate', `${d}.${m}.${y.slice(2)}`);
    // The copy is written beside the output and renamed into place: no half-written file remains.
    const tmp = join(dirname(output), `.${basename(output)}.${process.pid}.partial`);
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, head);
      const per = Math.max(1, Math.floor((8 << 20) / h.recordBytes));
      for (let r = 0; r < h.numRecords; r += per)
        writeSync(fd, reader.readRecordBytes(r, Math.min(per, h.numRecords - r)));
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(fd);
    renameSync(tmp, output);
    return { records: h.numRecords, startDate: date };
  } finally {
    reader.close();
  }
}
