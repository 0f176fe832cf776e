/**
 * EDF+ / BDF+ writer. Streams data records to a temporary file beside the target and renames it into
 * place on close, so a killed writer never leaves a half-written file under the final name.
 *
 * Two uses:
 *  - new recordings (the synthetic corpus, exports): physical values in, annotations as TALs;
 *  - faithful copies (anonymisation, write(read(x))): digital values and the raw header fields of the
 *    source, so a valid file comes out byte for byte as it went in.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EdfError } from './errors.js';
import {
  type EdfFormat,
  type EdfHeader,
  type EdfPlusPatient,
  type EdfPlusRecording,
  formatEdfPlusDate,
  MAIN_FIELDS,
  type RawHeaderFields,
  SIGNAL_FIELDS,
  type SignalFieldName,
} from './header.js';
import { type Annotation, encodeTal } from './tal.js';
import { decodeText, latin1ToBytes, trimField } from './text.js';

export interface SignalSpec {
  label: string;
  transducer?: string;
  physicalDimension?: string;
  physicalMin: number;
  physicalMax: number;
  /** Defaults to the full 16-bit (EDF) or 24-bit (BDF) range. */
  digitalMin?: number;
  digitalMax?: number;
  prefiltering?: string;
  samplesPerRecord: number;
  reserved?: string;
}

export interface WriteHeader {
  format: EdfFormat;
  /** EDF+ patient subfields (unknown ones written as X), or a raw patient field for plain EDF. */
  patient?: Partial<EdfPlusPatient> | string;
  /** EDF+ recording subfields (the Startdate is derived from startDateTime), or a raw field. */
  recording?: Partial<Omit<EdfPlusRecording, 'startdate'>> | string;
  /** Local wall-clock ISO date-time; fractional seconds become the first time-keeping TAL onset. */
  startDateTime: string;
  recordDuration: number;
  /** Signals in file order. With `annotations`, the writer appends the annotation signal itself. */
  signals: SignalSpec[];
  /** Raw header fields of a source file: used wherever they still encode the same value. */
  raw?: RawHeaderFields;
}

export interface WriterOptions {
  /** Annotations (onsets relative to the first record); written as TALs in an added annotation signal. */
  annotations?: Annotation[];
  /** Bytes per record reserved for TALs; default sized from the annotations. */
  annotationBytes?: number;
  /** Data passed to writeRecords is digital (integers), not physical. */
  digital?: boolean;
  /** Number of records the caller will write, used only to size the annotation signal. */
  expectedRecords?: number;
}

type Samples = Float32Array | Float64Array | Int16Array | Int32Array | number[];

/** Formats a number into at most `width` chars, rounding outward so the range still covers the data. */
export function formatNumberField(
  x: number,
  width: number,
  round: 'down' | 'up' | 'nearest' = 'nearest',
): string {
  if (Number.isInteger(x) && String(x).length <= width) return String(x);
  // Binary noise (3276.7000000000003) is not a reason to round outward: 12 significant digits suffice.
  const plain = String(Number(x.toPrecision(12)));
  if (plain.length <= width && !plain.includes('e')) return plain;
  const intLen = String(Math.trunc(Math.abs(x))).length + (x < 0 ? 1 : 0);
  if (intLen > width) throw new Error(`${x} does not fit in ${width} characters`);
  for (let decimals = Math.max(0, width - intLen - 1); decimals >= 0; decimals--) {
    const f = 10 ** decimals;
    const y =
      round === 'down'
        ? Math.floor(x * f) / f
        : round === 'up'
          ? Math.ceil(x * f) / f
          : Math.round(x * f) / f;
    let s = y.toFixed(decimals);
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
    if (s === '-0') s = '0';
    if (s.length <= width) return s;
  }
  throw new Error(`${x} does not fit in ${width} characters`);
}

function subfield(s: string | null | undefined): string {
  if (s === null || s === undefined || s.trim() === '') return 'X';
  return s.trim().replace(/\s+/g, '_');
}

export class EdfWriter {
  readonly path: string;
  private readonly tmp: string;
  private fd: number;
  private readonly header: WriteHeader;
  private readonly signals: SignalSpec[];
  private readonly bytesPerSample: 2 | 3;
  private readonly recordBytes: number;
  private readonly annIndex: number; // index of the writer's annotation signal, or -1
  private readonly annBytes: number;
  private readonly isPlus: boolean;
  private readonly subsecond: number;
  private readonly digital: boolean;
  private pending: Annotation[];
  private records = 0;
  private lastStart = Number.NEGATIVE_INFINITY;
  private closed = false;
  clipped = 0;

  private constructor(path: string, header: WriteHeader, options: WriterOptions) {
    this.path = path;
    this.header = header;
    this.bytesPerSample = header.format.startsWith('BDF') ? 3 : 2;
    this.isPlus = header.format.includes('+');
    this.digital = options.digital ?? false;
    const frac = /\.(\d+)$/.exec(header.startDateTime);
    this.subsecond = frac ? Number(`0.${frac[1]}`) : 0;
    this.pending = [...(options.annotations ?? [])].sort((a, b) => a.onset - b.onset);
    const signals = [...header.signals];
    this.annIndex = -1;
    this.annBytes = 0;
    if (
      options.annotations ||
      (this.isPlus && !signals.some((s) => /^(EDF|BDF) Annotations$/.test(s.label)))
    ) {
      if (!this.isPlus)
        throw new EdfError(
          'bad-argument',
          path,
          `annotations need an EDF+ or BDF+ format, not ${header.format}`,
        );
      this.annBytes =
        options.annotationBytes ??
        sizeAnnotationSlot(this.pending, header.recordDuration, options.expectedRecords, this.subsecond);
      this.annBytes = Math.ceil(this.annBytes / this.bytesPerSample) * this.bytesPerSample;
      this.annIndex = signals.length;
      const label = this.bytesPerSample === 3 ? 'BDF Annotations' : 'EDF Annotations';
      const dmax = this.bytesPerSample === 3 ? 8388607 : 32767;
      signals.push({
        label,
        physicalMin: -dmax - 1,
        physicalMax: dmax,
        digitalMin: -dmax - 1,
        digitalMax: dmax,
        samplesPerRecord: this.annBytes / this.bytesPerSample,
      });
    }
    this.signals = signals;
    this.recordBytes = signals.reduce((n, s) => n + s.samplesPerRecord * this.bytesPerSample, 0);
    if (this.recordBytes === 0)
      throw new EdfError('bad-argument', path, 'no samples per record in any signal');
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
    const head = this.encodeHeader(-1); // validates every field before any file is created
    this.fd = openSync(this.tmp, 'w');
    writeSync(this.fd, head);
  }

  /** Starts a file at `path` (written as a temporary file until close()). */
  static create(path: string, header: WriteHeader, options: WriterOptions = {}): EdfWriter {
    return new EdfWriter(path, header, options);
  }

  /** Header bytes for the given record count. */
  encodeHeader(numRecords: number): Uint8Array {
    const h = this.header;
    const ns = this.signals.length;
    const buf = new Uint8Array(256 * (ns + 1));
    const raw = h.raw;
    // A raw field is kept when it still says the same thing as the value we would write.
    const put = (key: keyof typeof MAIN_FIELDS, value: string, same?: (raw: string) => boolean) => {
      const [name, off, width] = MAIN_FIELDS[key];
      const r = raw?.main[key];
      const keep = r !== undefined && (same ? same(r) : rawText(r) === value);
      this.place(buf, off, width, keep ? r : value, keep, { field: name });
    };
    const bdf = this.bytesPerSample === 3;
    if (bdf) {
      buf[0] = 0xff;
      latin1ToBytes('BIOSEMI', buf, 1, 7);
    } else put('version', '0');
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)/.exec(h.startDateTime);
    if (!m)
      throw new EdfError(
        'bad-argument',
        this.path,
        `start date-time "${h.startDateTime}" is not ISO yyyy-mm-ddThh:mm:ss`,
      );
    const year = Number(m[1]);
    if (year < 1985 || year > 2084)
      throw new EdfError('bad-argument', this.path, `start year ${year} outside the EDF range 1985-2084`);
    put('patient', this.patientField());
    put('recording', this.recordingField(`${m[1]}-${m[2]}-${m[3]}`));
    put('startdate', `${m[3]}.${m[2]}.${m[1].slice(2)}`);
    put('starttime', `${m[4]}.${m[5]}.${m[6]}`);
    put('headerBytes', String(buf.length), (r) => Number(r) === buf.length);
    const plus = this.isPlus
      ? `${bdf ? 'BDF' : 'EDF'}+${h.format.endsWith('D') ? 'D' : 'C'}`
      : bdf
        ? '24BIT'
        : '';
    // Plain EDF leaves the reserved field free ("reserved", "24BIT", ...): a source's text is kept.
    put('reserved', plus, (r) =>
      this.isPlus ? rawText(r).startsWith(plus) : !/^(EDF|BDF)\+/.test(rawText(r)),
    );
    put('records', String(numRecords), (r) => Number(r) === numRecords);
    put('duration', formatNumberField(h.recordDuration, 8), (r) => Number(r) === h.recordDuration);
    put('signals', String(ns), (r) => Number(r) === ns);
    let base = 256;
    for (const [name, width] of SIGNAL_FIELDS) {
      this.signals.forEach((s, i) => {
        const value = this.signalField(s, name);
        const r = raw?.signals[i]?.[name];
        const numeric =
          name.startsWith('physical m') || name.startsWith('digital') || name.startsWith('nr of');
        const keep = r !== undefined && (numeric ? Number(r.trim()) === Number(value) : rawText(r) === value);
        this.place(buf, base + i * width, width, keep ? r : value, keep, { field: name, signal: i });
      });
      base += ns * width;
    }
    return buf;
  }

  /** Writes a field: raw source bytes as they were, or new text that must be printable ASCII. */
  private place(
    buf: Uint8Array,
    off: number,
    width: number,
    text: string,
    isRaw: boolean,
    loc: { field: string; signal?: number },
  ): void {
    if (!isRaw && !/^[\x20-\x7e]*$/.test(text)) {
      throw new EdfError(
        'bad-argument',
        this.path,
        `"${text}" has characters outside printable ASCII, which EDF headers cannot hold`,
        loc,
      );
    }
    if (text.length > width)
      throw new EdfError('bad-argument', this.path, `"${text}" is longer than ${width} characters`, loc);
    latin1ToBytes(text, buf, off, width);
  }

  private patientField(): string {
    const p = this.header.patient;
    if (typeof p === 'string') return p;
    if (!this.isPlus) return '';
    const birth = p?.birthdate ? formatEdfPlusDate(p.birthdate) : 'X';
    const sex = p?.sex === 'F' || p?.sex === 'M' ? p.sex : 'X';
    return [subfield(p?.code), sex, birth, subfield(p?.name), p?.additional ?? ''].join(' ').trimEnd();
  }

  private recordingField(isoDate: string): string {
    const r = this.header.recording;
    if (typeof r === 'string') return r;
    if (!this.isPlus) return '';
    return [
      'Startdate',
      formatEdfPlusDate(isoDate),
      subfield(r?.admincode),
      subfield(r?.technician),
      subfield(r?.equipment),
      r?.additional ?? '',
    ]
      .join(' ')
      .trimEnd();
  }

  private signalField(s: SignalSpec, name: SignalFieldName): string {
    const full = this.bytesPerSample === 3 ? 8388608 : 32768;
    switch (name) {
      case 'label':
        return s.label;
      case 'transducer type':
        return s.transducer ?? '';
      case 'physical dimension':
        return s.physicalDimension ?? '';
      case 'physical minimum':
        return formatNumberField(s.physicalMin, 8, s.physicalMin <= s.physicalMax ? 'down' : 'up');
      case 'physical maximum':
        return formatNumberField(s.physicalMax, 8, s.physicalMin <= s.physicalMax ? 'up' : 'down');
      case 'digital minimum':
        return String(s.digitalMin ?? -full);
      case 'digital maximum':
        return String(s.digitalMax ?? full - 1);
      case 'prefiltering':
        return s.prefiltering ?? '';
      case 'nr of samples in each data record':
        return String(s.samplesPerRecord);
      case 'reserved':
        return s.reserved ?? '';
    }
  }

  /**
   * Appends `count` records. `data[i]` holds count * samplesPerRecord samples of the i-th signal the
   * caller declared (physical values, or digital with { digital: true }). `starts` gives each record's
   * onset for EDF+D (default: contiguous).
   */
  writeRecords(data: Samples[], count: number, starts?: ArrayLike<number>): void {
    if (this.closed) throw new EdfError('bad-argument', this.path, 'writer is closed');
    const declared = this.header.signals;
    if (data.length !== declared.length)
      throw new EdfError(
        'bad-argument',
        this.path,
        `got ${data.length} signal arrays for ${declared.length} signals`,
      );
    declared.forEach((s, i) => {
      if (data[i].length < count * s.samplesPerRecord) {
        throw new EdfError(
          'bad-argument',
          this.path,
          `signal ${i} ("${s.label}") has ${data[i].length} samples; ${count} records need ${count * s.samplesPerRecord}`,
        );
      }
    });
    const buf = new Uint8Array(count * this.recordBytes);
    const view = new DataView(buf.buffer);
    const full = this.bytesPerSample === 3 ? 8388608 : 32768;
    let at = 0;
    for (let r = 0; r < count; r++) {
      const onset = starts ? starts[r] : this.records * this.header.recordDuration;
      if (onset < this.lastStart + this.header.recordDuration - 1e-9 && this.records > 0) {
        throw new EdfError(
          'bad-argument',
          this.path,
          `record ${this.records} starts at ${onset} s, before the previous record ends`,
        );
      }
      this.lastStart = onset;
      this.signals.forEach((s, i) => {
        const n = s.samplesPerRecord;
        if (i === this.annIndex) {
          buf.set(this.talBytes(onset), at);
          at += n * this.bytesPerSample;
          return;
        }
        const src = data[i];
        const dmin = s.digitalMin ?? -full;
        const dmax = s.digitalMax ?? full - 1;
        const gain = (s.physicalMax - s.physicalMin) / (dmax - dmin);
        const off = s.physicalMin - gain * dmin;
        for (let k = 0; k < n; k++) {
          const x = src[r * n + k];
          let d = this.digital ? x : Math.round((x - off) / gain);
          if (d > dmax || d < dmin) this.clipped++;
          if (!(d >= dmin)) d = dmin; // also maps NaN to the minimum
          if (d > dmax) d = dmax;
          if (this.bytesPerSample === 2) view.setInt16(at, d, true);
          else {
            buf[at] = d & 0xff;
            buf[at + 1] = (d >> 8) & 0xff;
            buf[at + 2] = (d >> 16) & 0xff;
          }
          at += this.bytesPerSample;
        }
      });
      this.records++;
    }
    writeSync(this.fd, buf);
  }

  /** TAL bytes for one record: the time-keeping TAL, then as many pending annotations as fit. */
  private talBytes(recordStart: number): Uint8Array {
    const out = new Uint8Array(this.annBytes);
    const tk = encodeTal(recordStart + this.subsecond, null, ['']);
    if (tk.length > out.length)
      throw new EdfError(
        'bad-argument',
        this.path,
        `annotation slot of ${this.annBytes} bytes cannot hold the time-keeping TAL`,
      );
    out.set(tk, 0);
    let at = tk.length;
    const end = recordStart + this.header.recordDuration;
    while (this.pending.length > 0) {
      const a = this.pending[0];
      // An annotation goes in the record that contains its onset, or a later one when that is full.
      if (a.onset >= end && this.header.recordDuration > 0) break;
      const tal = encodeTal(a.onset + this.subsecond, a.duration > 0 ? a.duration : null, [a.text]);
      if (at + tal.length > out.length) break;
      out.set(tal, at);
      at += tal.length;
      this.pending.shift();
    }
    return out;
  }

  /** Finishes the file: writes the record count, flushes, and renames it into place. */
  close(): void {
    if (this.closed) return;
    if (this.pending.length > 0) {
      this.abort();
      throw new EdfError(
        'bad-argument',
        this.path,
        `${this.pending.length} annotation(s) did not fit in the records written (first at ${this.pending[0].onset} s); raise annotationBytes`,
      );
    }
    writeSync(this.fd, this.encodeHeader(this.records), 0, undefined, 0);
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.closed = true;
    renameSync(this.tmp, this.path);
  }

  /** Drops the partial file. */
  abort(): void {
    if (!this.closed) {
      closeSync(this.fd);
      this.closed = true;
    }
    rmSync(this.tmp, { force: true });
  }

  get recordsWritten(): number {
    return this.records;
  }
}

/**
 * Bytes per record for TALs: enough for the busiest record (onsets bucketed by record), with room for
 * the time-keeping TAL; very busy records spill into the following ones instead of bloating all.
 */
function sizeAnnotationSlot(
  annotations: Annotation[],
  recordDuration: number,
  expectedRecords: number | undefined,
  subsecond: number,
): number {
  const tk = encodeTal((expectedRecords ?? 1e6) * recordDuration + subsecond, null, ['']).length;
  if (recordDuration === 0)
    return tk + annotations.reduce((n, a) => n + encodeTal(a.onset, a.duration, [a.text]).length, 0);
  const buckets = new Map<number, number>();
  let largest = 0;
  for (const a of annotations) {
    const len = encodeTal(a.onset + subsecond, a.duration > 0 ? a.duration : null, [a.text]).length;
    largest = Math.max(largest, len);
    const b = Math.floor(a.onset / recordDuration);
    buckets.set(b, (buckets.get(b) ?? 0) + len);
  }
  const busiest = Math.max(0, ...buckets.values());
  return Math.max(tk + largest, Math.min(tk + busiest, 1024), 64 * Math.ceil(tk / 64));
}

/** Turns a parsed header into writer input that reproduces it (raw fields, digital data). */
export function headerForCopy(h: EdfHeader): WriteHeader {
  return {
    format: h.format,
    patient: h.raw.main.patient.trimEnd(),
    recording: h.raw.main.recording.trimEnd(),
    startDateTime: isoFromRaw(h),
    recordDuration: h.recordDuration,
    signals: h.signals.map((s) => ({
      label: s.label,
      transducer: s.transducer,
      physicalDimension: s.physicalDimension,
      physicalMin: s.physicalMin,
      physicalMax: s.physicalMax,
      digitalMin: s.digitalMin,
      digitalMax: s.digitalMax,
      prefiltering: s.prefiltering,
      samplesPerRecord: s.samplesPerRecord,
      reserved: s.reserved,
    })),
    raw: h.raw,
  };
}

function isoFromRaw(h: EdfHeader): string {
  if (h.startDateTime) return h.startDateTime;
  // Unknown start (malformed date field): keep the raw field bytes, any valid date satisfies the encoder.
  return '1985-01-01T00:00:00';
}

/** What a raw (latin-1) field says once decoded the way the reader decodes it. */
function rawText(raw: string): string {
  return trimField(decodeText(Uint8Array.from(raw, (c) => c.charCodeAt(0))));
}
