/**
 * EDF / EDF+ / BDF / BDF+ header parsing.
 *
 * Layout (EDF spec 1992, EDF+ 2003, BDF): a 256-byte fixed header, then 256 bytes per signal stored
 * field-major (all labels, then all transducers, ...). Every quirk met in real files is handled here
 * and named in a warning; anything that makes the data unreadable is an EdfError with its byte offset.
 */
import { EdfError, type EdfLocation, type EdfWarning } from './errors.js';
import type { ByteSource } from './source.js';
import { bytesToLatin1, decodeText, isPrintableAscii, trimField } from './text.js';

export type EdfFormat = 'EDF' | 'EDF+C' | 'EDF+D' | 'BDF' | 'BDF+C' | 'BDF+D';

/** Main-header fields: [name, offset, width]. */
export const MAIN_FIELDS = {
  version: ['version', 0, 8],
  patient: ['local patient identification', 8, 80],
  recording: ['local recording identification', 88, 80],
  startdate: ['startdate of recording', 168, 8],
  starttime: ['starttime of recording', 176, 8],
  headerBytes: ['number of bytes in header record', 184, 8],
  reserved: ['reserved', 192, 44],
  records: ['number of data records', 236, 8],
  duration: ['duration of a data record', 244, 8],
  signals: ['number of signals', 252, 4],
} as const satisfies Record<string, readonly [string, number, number]>;

/** Per-signal fields: [name, width]; field k of signal i sits at 256 + ns*sum(widths before k) + i*width. */
export const SIGNAL_FIELDS = [
  ['label', 16],
  ['transducer type', 80],
  ['physical dimension', 8],
  ['physical minimum', 8],
  ['physical maximum', 8],
  ['digital minimum', 8],
  ['digital maximum', 8],
  ['prefiltering', 80],
  ['nr of samples in each data record', 8],
  ['reserved', 32],
] as const;

export type SignalFieldName = (typeof SIGNAL_FIELDS)[number][0];

export function signalFieldOffset(ns: number, field: SignalFieldName, signal: number): number {
  let base = 256;
  for (const [name, width] of SIGNAL_FIELDS) {
    if (name === field) return base + signal * width;
    base += ns * width;
  }
  throw new Error(`unknown signal field ${field}`);
}

/** The raw field bytes as latin-1 strings (1:1 with the bytes): what the writer needs to reproduce a file. */
export interface RawHeaderFields {
  main: Record<keyof typeof MAIN_FIELDS, string>;
  signals: Record<SignalFieldName, string>[];
}

export interface EdfSignal {
  index: number;
  label: string;
  transducer: string;
  physicalDimension: string;
  physicalMin: number;
  physicalMax: number;
  digitalMin: number;
  digitalMax: number;
  prefiltering: string;
  samplesPerRecord: number;
  reserved: string;
  /** samplesPerRecord / recordDuration; may be fractional; 0 when the record duration is 0. */
  sampleRate: number;
  /** An "EDF Annotations" / "BDF Annotations" signal: its samples are TAL bytes, not a waveform. */
  isAnnotation: boolean;
  /** physical = digital * gain + offset. NaN when digital min == max (no scale can be derived). */
  gain: number;
  offset: number;
  /** Byte offset of this signal's samples inside a data record. */
  recordOffset: number;
}

/** EDF+ patient subfields ("code sex birthdate name ..."); null where the file says X (unknown). */
export interface EdfPlusPatient {
  code: string | null;
  sex: 'F' | 'M' | null;
  /** ISO date (yyyy-mm-dd) or null. */
  birthdate: string | null;
  name: string | null;
  additional: string;
}

/** EDF+ recording subfields ("Startdate dd-MMM-yyyy admincode technician equipment ..."). */
export interface EdfPlusRecording {
  startdate: string | null;
  admincode: string | null;
  technician: string | null;
  equipment: string | null;
  additional: string;
}

export interface EdfHeader {
  format: EdfFormat;
  isPlus: boolean;
  isDiscontinuous: boolean;
  bytesPerSample: 2 | 3;
  patientId: string;
  recordingId: string;
  patient: EdfPlusPatient | null;
  recording: EdfPlusRecording | null;
  /** Start of the header's date/time as a local wall-clock ISO string (EDF has no time zone), or null. */
  startDateTime: string | null;
  headerBytes: number;
  reserved: string;
  /** Value of the "number of data records" field (-1 when the writer never closed the file). */
  declaredRecords: number;
  /** Complete data records actually present and used. */
  numRecords: number;
  recordDuration: number;
  numSignals: number;
  /** Bytes in one data record. */
  recordBytes: number;
  signals: EdfSignal[];
  raw: RawHeaderFields;
}

interface ParseContext {
  file: string;
  warnings: EdfWarning[];
  strict: boolean;
}

export interface HeaderOptions {
  /** Turn every warning into an EdfError (code "strict"). */
  strict?: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

function warn(ctx: ParseContext, w: EdfWarning): void {
  if (ctx.strict) throw new EdfError('strict', ctx.file, w.message, w);
  ctx.warnings.push(w);
}

function parseNumber(
  ctx: ParseContext,
  text: string,
  loc: EdfLocation & { field: string },
  integer: boolean,
): number {
  let t = trimField(text);
  if (/^[+-]?\d+,\d*$/.test(t)) {
    // Some European writers use a decimal comma.
    warn(ctx, { code: 'header-field', message: `decimal comma in "${t}" read as a point`, ...loc });
    t = t.replace(',', '.');
  }
  const ok = integer ? /^[+-]?\d+(\.0*)?$/.test(t) : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t);
  if (!ok) {
    const shown = JSON.stringify(text.replace(/[\0]/g, '\\0'));
    throw new EdfError(
      'bad-number',
      ctx.file,
      `expected ${integer ? 'an integer' : 'a number'}, found ${shown}`,
      loc,
    );
  }
  return Number(t);
}

/** "dd.mm.yy" with the EDF 1985-2084 rule; lenient about separators (a common repairable error). */
function parseDate(
  ctx: ParseContext,
  date: string,
  time: string,
): { y: number; mo: number; d: number; h: number; mi: number; s: number } | null {
  const dm = trimField(date)
    .split(/[^0-9]+/)
    .filter(Boolean);
  const tm = trimField(time)
    .split(/[^0-9]+/)
    .filter(Boolean);
  if (dm.length !== 3 || tm.length !== 3) {
    warn(ctx, {
      code: 'bad-date',
      message: `start date/time "${date}" "${time}" not understood; start time unknown`,
      field: MAIN_FIELDS.startdate[0],
      offset: 168,
    });
    return null;
  }
  if (!/^\d\d\.\d\d\.\d\d$/.test(date) || !/^\d\d\.\d\d\.\d\d$/.test(time)) {
    warn(ctx, {
      code: 'bad-date',
      message: `start date/time "${date}" "${time}" not in dd.mm.yy hh.mm.ss form; read leniently`,
      field: MAIN_FIELDS.startdate[0],
      offset: 168,
    });
  }
  const [d, mo, yy] = dm.map(Number);
  const [h, mi, s] = tm.map(Number);
  const y = yy >= 85 ? 1900 + yy : 2000 + yy;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    warn(ctx, {
      code: 'bad-date',
      message: `start date/time "${date}" "${time}" out of range; start time unknown`,
      field: MAIN_FIELDS.startdate[0],
      offset: 168,
    });
    return null;
  }
  return { y, mo, d, h, mi, s };
}

/** "02-MAR-2002" -> ISO "2002-03-02"; null for "X" or malformed. */
export function parseEdfPlusDate(s: string): string | null {
  const m = /^(\d{2})-([A-Za-z]{3})-(\d{4})$/.exec(s);
  if (!m) return null;
  const mo = MONTHS.indexOf(m[2].toUpperCase());
  if (mo < 0) return null;
  return `${m[3]}-${String(mo + 1).padStart(2, '0')}-${m[1]}`;
}

export function formatEdfPlusDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}-${MONTHS[Number(m) - 1]}-${y}`;
}

const unknown = (s: string | undefined): string | null =>
  s === undefined || s === 'X' ? null : s.replace(/_/g, ' ');

function parsePatient(ctx: ParseContext, text: string): EdfPlusPatient {
  const parts = text.split(' ').filter((p) => p.length > 0);
  if (parts.length < 4) {
    warn(ctx, {
      code: 'edfplus-field',
      message: `EDF+ patient field has ${parts.length} of 4 subfields`,
      field: MAIN_FIELDS.patient[0],
      offset: 8,
    });
  }
  const sex = parts[1] === 'F' || parts[1] === 'M' ? parts[1] : null;
  const birthdate = parts[2] && parts[2] !== 'X' ? parseEdfPlusDate(parts[2]) : null;
  if (parts[2] && parts[2] !== 'X' && birthdate === null) {
    warn(ctx, {
      code: 'edfplus-field',
      message: `EDF+ birthdate "${parts[2]}" is not dd-MMM-yyyy`,
      field: MAIN_FIELDS.patient[0],
      offset: 8,
    });
  }
  return {
    code: unknown(parts[0]),
    sex,
    birthdate,
    name: unknown(parts[3]),
    additional: parts.slice(4).join(' '),
  };
}

function parseRecording(ctx: ParseContext, text: string): EdfPlusRecording | null {
  const parts = text.split(' ').filter((p) => p.length > 0);
  if (parts[0] !== 'Startdate') {
    warn(ctx, {
      code: 'edfplus-field',
      message: 'EDF+ recording field does not start with "Startdate"',
      field: MAIN_FIELDS.recording[0],
      offset: 88,
    });
    return null;
  }
  const startdate = parts[1] && parts[1] !== 'X' ? parseEdfPlusDate(parts[1]) : null;
  if (parts[1] && parts[1] !== 'X' && startdate === null) {
    warn(ctx, {
      code: 'edfplus-field',
      message: `EDF+ Startdate "${parts[1]}" is not dd-MMM-yyyy`,
      field: MAIN_FIELDS.recording[0],
      offset: 88,
    });
  }
  return {
    startdate,
    admincode: unknown(parts[2]),
    technician: unknown(parts[3]),
    equipment: unknown(parts[4]),
    additional: parts.slice(5).join(' '),
  };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

function readExact(
  source: ByteSource,
  offset: number,
  length: number,
  what: string,
  field: string,
): Uint8Array {
  const buf = new Uint8Array(length);
  const n = source.read(offset, buf);
  if (n < length) {
    throw new EdfError(
      'truncated',
      source.name,
      `file ends at byte ${source.size}, inside the ${what} (needs ${offset + length} bytes)`,
      { field, offset: offset + n },
    );
  }
  return buf;
}

export function parseHeader(
  source: ByteSource,
  options: HeaderOptions = {},
): { header: EdfHeader; warnings: EdfWarning[] } {
  const ctx: ParseContext = { file: source.name, warnings: [], strict: options.strict ?? false };
  const file = source.name;
  if (source.size === 0) throw new EdfError('truncated', file, 'file is empty', { offset: 0 });
  const main = readExact(source, 0, 256, 'fixed 256-byte header', MAIN_FIELDS.version[0]);

  const rawMain = {} as Record<keyof typeof MAIN_FIELDS, string>;
  const text = {} as Record<keyof typeof MAIN_FIELDS, string>;
  for (const key of Object.keys(MAIN_FIELDS) as (keyof typeof MAIN_FIELDS)[]) {
    const [name, off, width] = MAIN_FIELDS[key];
    const bytes = main.subarray(off, off + width);
    rawMain[key] = bytesToLatin1(bytes);
    text[key] = trimField(decodeText(bytes));
    if (key !== 'version' && !isPrintableAscii(bytes) && !/^[\0]*$/.test(rawMain[key].replace(/[ ]+$/, ''))) {
      warn(ctx, { code: 'non-ascii', message: `non-ASCII bytes in "${name}"`, field: name, offset: off });
    }
  }

  // Version: "0       " is EDF; byte 0xFF + "BIOSEMI" is BDF.
  let bytesPerSample: 2 | 3;
  if (main[0] === 0xff && rawMain.version.slice(1, 8) === 'BIOSEMI') bytesPerSample = 3;
  else if (trimField(rawMain.version) === '0') bytesPerSample = 2;
  else {
    throw new EdfError(
      'not-edf',
      file,
      `not an EDF or BDF file: version field is ${JSON.stringify(rawMain.version)} (expected "0" or 0xFF "BIOSEMI")`,
      { field: MAIN_FIELDS.version[0], offset: 0 },
    );
  }
  const isBdf = bytesPerSample === 3;

  const ns = parseNumber(ctx, rawMain.signals, { field: MAIN_FIELDS.signals[0], offset: 252 }, true);
  if (ns < 1)
    throw new EdfError('bad-header', file, `number of signals is ${ns}`, {
      field: MAIN_FIELDS.signals[0],
      offset: 252,
    });
  const headerBytes = parseNumber(
    ctx,
    rawMain.headerBytes,
    { field: MAIN_FIELDS.headerBytes[0], offset: 184 },
    true,
  );
  if (headerBytes !== 256 * (ns + 1)) {
    throw new EdfError(
      'bad-header',
      file,
      `header size ${headerBytes} disagrees with ${ns} signals (expected ${256 * (ns + 1)})`,
      { field: MAIN_FIELDS.headerBytes[0], offset: 184 },
    );
  }
  const declaredRecords = parseNumber(
    ctx,
    rawMain.records,
    { field: MAIN_FIELDS.records[0], offset: 236 },
    true,
  );
  if (declaredRecords < -1)
    throw new EdfError('bad-header', file, `number of data records is ${declaredRecords}`, {
      field: MAIN_FIELDS.records[0],
      offset: 236,
    });
  const recordDuration = parseNumber(
    ctx,
    rawMain.duration,
    { field: MAIN_FIELDS.duration[0], offset: 244 },
    false,
  );
  if (recordDuration < 0)
    throw new EdfError('bad-header', file, `record duration is negative (${recordDuration})`, {
      field: MAIN_FIELDS.duration[0],
      offset: 244,
    });

  const reserved = text.reserved;
  const plusMatch = /^(EDF|BDF)\+([CD])/.exec(reserved);
  const isPlus = plusMatch !== null;
  const isDiscontinuous = plusMatch?.[2] === 'D';
  if (plusMatch && (plusMatch[1] === 'BDF') !== isBdf) {
    warn(ctx, {
      code: 'header-field',
      message: `reserved field says ${plusMatch[0]} in a ${isBdf ? 'BDF' : 'EDF'} file`,
      field: MAIN_FIELDS.reserved[0],
      offset: 192,
    });
  }
  const format = `${isBdf ? 'BDF' : 'EDF'}${isPlus ? (isDiscontinuous ? '+D' : '+C') : ''}` as EdfFormat;

  // Signal headers.
  const sigBytes = readExact(source, 256, ns * 256, `headers of ${ns} signals`, 'signal headers');
  const rawSignals: Record<SignalFieldName, string>[] = [];
  for (let i = 0; i < ns; i++) rawSignals.push({} as Record<SignalFieldName, string>);
  const sigText: Record<SignalFieldName, string>[] = rawSignals.map(
    () => ({}) as Record<SignalFieldName, string>,
  );
  let base = 0;
  for (const [name, width] of SIGNAL_FIELDS) {
    for (let i = 0; i < ns; i++) {
      const bytes = sigBytes.subarray(base + i * width, base + (i + 1) * width);
      rawSignals[i][name] = bytesToLatin1(bytes);
      sigText[i][name] = trimField(decodeText(bytes));
      if (!isPrintableAscii(bytes) && !/^[ \0]*$/.test(rawSignals[i][name])) {
        warn(ctx, {
          code: 'non-ascii',
          message: `non-ASCII bytes in "${name}"`,
          field: name,
          signal: i,
          offset: 256 + base + i * width,
        });
      }
    }
    base += ns * width;
  }

  const signals: EdfSignal[] = [];
  let recordOffset = 0;
  for (let i = 0; i < ns; i++) {
    const at = (f: SignalFieldName) => ({ field: f, signal: i, offset: signalFieldOffset(ns, f, i) });
    const t = sigText[i];
    const isAnnotation = t.label === 'EDF Annotations' || t.label === 'BDF Annotations';
    const physicalMin = parseNumber(ctx, rawSignals[i]['physical minimum'], at('physical minimum'), false);
    const physicalMax = parseNumber(ctx, rawSignals[i]['physical maximum'], at('physical maximum'), false);
    const digitalMin = parseNumber(ctx, rawSignals[i]['digital minimum'], at('digital minimum'), true);
    const digitalMax = parseNumber(ctx, rawSignals[i]['digital maximum'], at('digital maximum'), true);
    const samplesPerRecord = parseNumber(
      ctx,
      rawSignals[i]['nr of samples in each data record'],
      at('nr of samples in each data record'),
      true,
    );
    if (samplesPerRecord < 0)
      throw new EdfError(
        'bad-header',
        file,
        `negative samples per record (${samplesPerRecord})`,
        at('nr of samples in each data record'),
      );
    const limit = isBdf ? 8388608 : 32768;
    for (const [v, f] of [
      [digitalMin, 'digital minimum'],
      [digitalMax, 'digital maximum'],
    ] as const) {
      if (v < -limit || v > limit - 1) {
        throw new EdfError(
          'bad-header',
          file,
          `${v} is outside the ${isBdf ? '24' : '16'}-bit sample range`,
          at(f),
        );
      }
    }
    let gain = (physicalMax - physicalMin) / (digitalMax - digitalMin);
    let offset = physicalMin - gain * digitalMin;
    if (digitalMax === digitalMin) {
      gain = Number.NaN;
      offset = Number.NaN;
      if (!isAnnotation)
        warn(ctx, {
          code: 'zero-digital-range',
          message: `digital minimum equals digital maximum (${digitalMin}): no physical scale; reading this signal's physical values will fail`,
          ...at('digital minimum'),
        });
    } else if (digitalMax < digitalMin && !isAnnotation) {
      warn(ctx, {
        code: 'header-field',
        message: `digital minimum ${digitalMin} > digital maximum ${digitalMax}`,
        ...at('digital minimum'),
      });
    }
    if (physicalMax === physicalMin && !isAnnotation) {
      warn(ctx, {
        code: 'zero-physical-range',
        message: `physical minimum equals physical maximum (${physicalMin}): every sample reads as that value`,
        ...at('physical minimum'),
      });
    }
    // physical min > max is legal (inverted polarity): the negative gain keeps it, no warning needed.
    if (isAnnotation) {
      gain = 1;
      offset = 0;
    }
    signals.push({
      index: i,
      label: t.label,
      transducer: t['transducer type'],
      physicalDimension: t['physical dimension'],
      physicalMin,
      physicalMax,
      digitalMin,
      digitalMax,
      prefiltering: t.prefiltering,
      samplesPerRecord,
      reserved: t.reserved,
      sampleRate: recordDuration > 0 ? samplesPerRecord / recordDuration : 0,
      isAnnotation,
      gain,
      offset,
      recordOffset,
    });
    recordOffset += samplesPerRecord * bytesPerSample;
  }
  const recordBytes = recordOffset;
  if (recordBytes === 0)
    throw new EdfError('bad-header', file, 'every signal has 0 samples per record: the file holds no data', {
      field: 'nr of samples in each data record',
      signal: 0,
      offset: signalFieldOffset(ns, 'nr of samples in each data record', 0),
    });
  if (recordDuration === 0 && signals.some((s) => !s.isAnnotation && s.samplesPerRecord > 0)) {
    throw new EdfError('bad-header', file, 'record duration 0 is legal only for annotation-only files', {
      field: MAIN_FIELDS.duration[0],
      offset: 244,
    });
  }
  if (signals.some((s) => s.isAnnotation) && !isPlus) {
    // Plain EDF with an annotation signal (e.g. old EDFbrowser exports): annotations are still read.
    warn(ctx, {
      code: 'header-field',
      message: 'annotation signal in a file whose reserved field does not say EDF+/BDF+',
      field: MAIN_FIELDS.reserved[0],
      offset: 192,
    });
  }

  // Count records against the file size.
  const dataBytes = source.size - headerBytes;
  const present = Math.max(0, Math.floor(dataBytes / recordBytes));
  const leftover = dataBytes - present * recordBytes;
  let numRecords: number;
  if (declaredRecords === -1) {
    numRecords = present;
    warn(ctx, {
      code: 'records-unknown',
      message: `number of data records is -1; counted ${present} from the file size`,
      field: MAIN_FIELDS.records[0],
      offset: 236,
    });
    if (leftover > 0)
      warn(ctx, {
        code: 'partial-record',
        message: `file ends with ${leftover} bytes of an incomplete data record, ignored`,
        record: present,
        offset: headerBytes + present * recordBytes,
      });
  } else if (present < declaredRecords) {
    numRecords = present;
    const end = headerBytes + present * recordBytes;
    if (ctx.strict) {
      throw new EdfError(
        'truncated',
        file,
        `file ends at byte ${source.size} in data record ${present} of ${declaredRecords}`,
        { field: MAIN_FIELDS.records[0], record: present, offset: end },
      );
    }
    warn(ctx, {
      code: 'missing-records',
      message: `header declares ${declaredRecords} data records but only ${present} are complete; reading those`,
      field: MAIN_FIELDS.records[0],
      record: present,
      offset: end,
    });
    if (leftover > 0)
      warn(ctx, {
        code: 'partial-record',
        message: `file ends with ${leftover} bytes of an incomplete data record, ignored`,
        record: present,
        offset: end,
      });
  } else {
    numRecords = declaredRecords;
    const end = headerBytes + declaredRecords * recordBytes;
    if (present > declaredRecords) {
      const extra = dataBytes - declaredRecords * recordBytes;
      warn(ctx, {
        code: 'extra-bytes',
        message: `${extra} bytes after the last declared data record, ignored`,
        offset: end,
      });
    } else if (leftover > 0) {
      const message = `file ends with ${leftover} bytes of an incomplete data record, ignored`;
      warn(ctx, { code: 'partial-record', message, record: present, offset: end });
    }
  }

  // Start date/time; EDF+ carries the 4-digit year in the recording field.
  const patient = isPlus ? parsePatient(ctx, text.patient) : null;
  const recording = isPlus ? parseRecording(ctx, text.recording) : null;
  const dt = parseDate(ctx, rawMain.startdate, rawMain.starttime);
  let startDateTime: string | null = null;
  if (dt) {
    let { y } = dt;
    if (recording?.startdate) {
      const [ry, rm, rd] = recording.startdate.split('-').map(Number);
      if (rm === dt.mo && rd === dt.d && ry % 100 === dt.y % 100) y = ry;
      else
        warn(ctx, {
          code: 'edfplus-field',
          message: `EDF+ Startdate ${recording.startdate} disagrees with startdate ${text.startdate}; using the latter`,
          field: MAIN_FIELDS.recording[0],
          offset: 88,
        });
    }
    startDateTime = `${y}-${pad2(dt.mo)}-${pad2(dt.d)}T${pad2(dt.h)}:${pad2(dt.mi)}:${pad2(dt.s)}`;
  }

  return {
    header: {
      format,
      isPlus,
      isDiscontinuous,
      bytesPerSample,
      patientId: text.patient,
      recordingId: text.recording,
      patient,
      recording,
      startDateTime,
      headerBytes,
      reserved,
      declaredRecords,
      numRecords,
      recordDuration,
      numSignals: ns,
      recordBytes,
      signals,
      raw: { main: rawMain, signals: rawSignals },
    },
    warnings: ctx.warnings,
  };
}
