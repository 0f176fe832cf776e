/**
 * EDF / EDF+ / BDF / BDF+ reader: random access by time window, streaming by record chunks, files of
 * any size (reads by byte range, never the whole file).
 *
 * Time 0 is the start of the first data record; for EDF+ that is the header start time plus the
 * onset of the first record's time-keeping TAL (a sub-second start), as MNE-Python reports it.
 * EDF+D files are never read as continuous: record onsets come from the time-keeping TALs, gaps are
 * listed, and windows over a gap hold NaN (or zero) where nothing was recorded.
 */
import { EdfError, type EdfWarning } from './errors.js';
import { type EdfHeader, type EdfSignal, type HeaderOptions, parseHeader } from './header.js';
import { BufferSource, type ByteSource, FileSource } from './source.js';
import { type Annotation, parseTals } from './tal.js';
import { microvoltFactor } from './units.js';

export type Unit = 'native' | 'uV';

/** A stretch of recording without gaps: consecutive records whose onsets follow without a jump. */
export interface ContiguousBlock {
  start: number;
  duration: number;
  firstRecord: number;
  numRecords: number;
}

export interface Gap {
  start: number;
  end: number;
}

export interface ChannelInfo {
  index: number;
  label: string;
  sampleRate: number;
  /** Unit of the returned values: "uV" when converted, else the file's physical dimension. */
  unit: string;
}

export interface SignalWindow {
  /** Window start and length in seconds (clamped to the recording). */
  start: number;
  duration: number;
  channels: ChannelInfo[];
  /** One array per channel; sample k is at start + (k + firstSampleOffset) / sampleRate. */
  data: Float32Array[];
  /** Time of sample 0 of each channel (the first sample at or after `start`). */
  firstSampleTime: number[];
  /** Parts of the window with no recorded data (EDF+D); their samples are NaN or 0 (see `fill`). */
  gaps: Gap[];
}

export interface ReadOptions {
  /** Signal indices or labels; default: every non-annotation signal. */
  channels?: (number | string)[];
  /** "uV" converts voltage signals to microvolts; other signals keep their unit. Default "native". */
  unit?: Unit;
  /** What fills gaps in EDF+D windows. Default NaN. */
  fill?: 'nan' | 'zero';
}

export interface RecordChunk {
  firstRecord: number;
  numRecords: number;
  /** Onset of the chunk's first record in seconds. */
  start: number;
  /** Record onsets of the chunk (for EDF+D). */
  recordStarts: Float64Array;
  channels: ChannelInfo[];
  data: Float32Array[];
}

export interface OpenOptions extends HeaderOptions {}

const CHUNK_BYTES = 8 << 20;

export class EdfReader {
  readonly header: EdfHeader;
  readonly warnings: EdfWarning[];
  readonly file: string;
  private readonly source: ByteSource;
  private readonly strict: boolean;
  // Computed once: record onsets, blocks (callers must not modify what these getters return).
  private tals: TalScan | null = null;
  private startsCache: Float64Array | null = null;
  private blocksCache: ContiguousBlock[] | null = null;
  private firstOnset: number | null = null;

  private constructor(source: ByteSource, options: OpenOptions) {
    this.source = source;
    this.file = source.name;
    this.strict = options.strict ?? false;
    try {
      const { header, warnings } = parseHeader(source, options);
      this.header = header;
      this.warnings = warnings;
    } catch (err) {
      source.close();
      throw err;
    }
  }

  static open(path: string, options: OpenOptions = {}): EdfReader {
    return new EdfReader(new FileSource(path), options);
  }

  static fromBytes(name: string, bytes: Uint8Array, options: OpenOptions = {}): EdfReader {
    return new EdfReader(new BufferSource(name, bytes), options);
  }

  get signals(): EdfSignal[] {
    return this.header.signals;
  }

  /** Non-annotation signals. */
  get dataSignals(): EdfSignal[] {
    return this.header.signals.filter((s) => !s.isAnnotation);
  }

  get hasAnnotations(): boolean {
    return this.header.signals.some((s) => s.isAnnotation);
  }

  close(): void {
    this.source.close();
  }

  /** Seconds after the header start time at which the first record starts (sub-second EDF+ starts). */
  get startOffset(): number {
    if (this.tals) return this.tals.firstOnset;
    if (this.firstOnset === null)
      this.firstOnset = this.scanTals(Math.min(1, this.header.numRecords)).firstOnset;
    return this.firstOnset;
  }

  /** Start of the first record as a local ISO date-time (with fractional seconds when present). */
  get startDateTime(): string | null {
    const base = this.header.startDateTime;
    if (!base) return null;
    const off = this.startOffset;
    if (off === 0) return base;
    const t = new Date(`${base}Z`).getTime() + Math.round(off * 1e6) / 1e3;
    return new Date(t).toISOString().replace('Z', '');
  }

  /** Onset of every data record in seconds (from time-keeping TALs for EDF+D; computed otherwise). */
  get recordStarts(): Float64Array {
    if (this.header.isDiscontinuous) return this.loadTals().recordStarts;
    if (!this.startsCache) {
      const n = this.header.numRecords;
      this.startsCache = new Float64Array(n);
      for (let r = 0; r < n; r++) this.startsCache[r] = r * this.header.recordDuration;
    }
    return this.startsCache;
  }

  /** Recording length in seconds: end of the last record (gaps included for EDF+D). */
  get duration(): number {
    const n = this.header.numRecords;
    if (n === 0) return 0;
    if (!this.header.isDiscontinuous) return n * this.header.recordDuration;
    const starts = this.recordStarts;
    return starts[n - 1] + this.header.recordDuration;
  }

  /** All annotations of all annotation signals, onsets relative to time 0, sorted by onset. */
  get annotations(): Annotation[] {
    return this.loadTals().annotations;
  }

  /** Contiguous blocks (one for EDF and EDF+C; one per stretch between gaps for EDF+D). */
  get blocks(): ContiguousBlock[] {
    this.blocksCache ??= this.findBlocks();
    return this.blocksCache;
  }

  private findBlocks(): ContiguousBlock[] {
    const n = this.header.numRecords;
    const d = this.header.recordDuration;
    if (n === 0) return [];
    if (!this.header.isDiscontinuous) return [{ start: 0, duration: n * d, firstRecord: 0, numRecords: n }];
    const starts = this.recordStarts;
    const blocks: ContiguousBlock[] = [];
    let first = 0;
    for (let r = 1; r <= n; r++) {
      // A tolerance of a microsecond absorbs the TAL's decimal rounding.
      if (r === n || Math.abs(starts[r] - (starts[r - 1] + d)) > 1e-6) {
        blocks.push({
          start: starts[first],
          duration: starts[r - 1] + d - starts[first],
          firstRecord: first,
          numRecords: r - first,
        });
        first = r;
      }
    }
    return blocks;
  }

  /** Gaps between contiguous blocks (empty for continuous files). */
  get gaps(): Gap[] {
    const b = this.blocks;
    const gaps: Gap[] = [];
    for (let i = 1; i < b.length; i++)
      gaps.push({ start: b[i - 1].start + b[i - 1].duration, end: b[i].start });
    return gaps;
  }

  /** Resolves channel indices or labels (exact, then case-insensitive) to signals. */
  resolveChannels(channels?: (number | string)[]): EdfSignal[] {
    if (!channels) return this.dataSignals;
    return channels.map((c) => {
      if (typeof c === 'number') {
        const s = this.header.signals[c];
        if (!s)
          throw new EdfError(
            'bad-argument',
            this.file,
            `no signal ${c} (the file has ${this.header.numSignals})`,
          );
        return s;
      }
      const exact = this.header.signals.find((s) => s.label === c);
      const found =
        exact ?? this.header.signals.find((s) => s.label.toLowerCase() === c.trim().toLowerCase());
      if (!found) throw new EdfError('bad-argument', this.file, `no signal labelled "${c}"`);
      return found;
    });
  }

  /** The header as it is in the file (256 * (signals + 1) bytes). */
  readHeaderBytes(): Uint8Array {
    const buf = new Uint8Array(this.header.headerBytes);
    this.source.read(0, buf);
    return buf;
  }

  /** Raw bytes of `count` records starting at `first`. */
  readRecordBytes(first: number, count: number): Uint8Array {
    this.checkRecords(first, count);
    const { headerBytes, recordBytes } = this.header;
    const buf = new Uint8Array(count * recordBytes);
    const got = this.source.read(headerBytes + first * recordBytes, buf);
    if (got < buf.length) {
      throw new EdfError('truncated', this.file, 'file shrank while being read', {
        record: first + Math.floor(got / recordBytes),
        offset: headerBytes + first * recordBytes + got,
      });
    }
    return buf;
  }

  /** Digital (integer) samples of one signal over a record range. */
  readDigital(signal: number, first = 0, count = this.header.numRecords - first): Int32Array {
    const sig = this.resolveChannels([signal])[0];
    const spr = sig.samplesPerRecord;
    const out = new Int32Array(spr * count);
    for (let done = 0; done < count; ) {
      const n = Math.min(count - done, this.recordsPerChunk());
      const buf = this.readRecordBytes(first + done, n);
      for (let r = 0; r < n; r++)
        decodeDigital(
          buf,
          r * this.header.recordBytes + sig.recordOffset,
          spr,
          this.header.bytesPerSample,
          out,
          (done + r) * spr,
        );
      done += n;
    }
    return out;
  }

  /** Physical values (float32) of the given signals over a record range, one array per signal. */
  readPhysical(
    channels: (number | string)[] | undefined,
    first: number,
    count: number,
    unit: Unit = 'native',
  ): Float32Array[] {
    this.checkRecords(first, count);
    const sigs = this.resolveChannels(channels);
    const scales = sigs.map((s) => this.scaleOf(s, unit));
    const out = sigs.map((s) => new Float32Array(s.samplesPerRecord * count));
    for (let done = 0; done < count; ) {
      const n = Math.min(count - done, this.recordsPerChunk());
      const buf = this.readRecordBytes(first + done, n);
      this.decodeInto(buf, n, sigs, scales, out, done);
      done += n;
    }
    return out;
  }

  /** Reads a time window of chosen channels; only the records that cover it are read. */
  readWindow(start: number, duration: number, options: ReadOptions = {}): SignalWindow {
    const total = this.duration;
    if (!(start >= 0) || !(duration > 0) || start >= total) {
      throw new EdfError(
        'bad-argument',
        this.file,
        `window start ${start} s, duration ${duration} s is outside the recording (0 to ${total} s)`,
      );
    }
    const end = Math.min(start + duration, total);
    const sigs = this.resolveChannels(options.channels);
    const unit = options.unit ?? 'native';
    const scales = sigs.map((s) => this.scaleOf(s, unit));
    const { recordDuration: d, numRecords } = this.header;
    const starts = this.recordStarts;
    // Records that overlap [start, end).
    let r0 = upperBound(starts, start) - 1;
    if (r0 < 0) r0 = 0;
    if (starts[r0] + d <= start && r0 + 1 < numRecords) r0++;
    let r1 = upperBound(starts, end - 1e-12); // exclusive
    if (r1 <= r0) r1 = r0 + 1;
    const count = r1 - r0;
    const fillValue = options.fill === 'zero' ? 0 : Number.NaN;
    const data: Float32Array[] = [];
    const firstSampleTime: number[] = [];
    const recs = sigs.map((s) => new Float32Array(s.samplesPerRecord * count));
    const buf = this.readRecordBytes(r0, count);
    this.decodeInto(buf, count, sigs, scales, recs, 0);
    sigs.forEach((s, i) => {
      const fs = s.sampleRate;
      const n0 = Math.ceil(start * fs - 1e-9);
      const n1 = Math.ceil(end * fs - 1e-9);
      const out = new Float32Array(Math.max(0, n1 - n0));
      firstSampleTime.push(n0 / fs);
      if (!this.header.isDiscontinuous) {
        // Continuous: sample n of the file is at n / fs.
        out.set(recs[i].subarray(n0 - r0 * s.samplesPerRecord, n1 - r0 * s.samplesPerRecord));
      } else {
        out.fill(fillValue);
        for (let r = 0; r < count; r++) {
          const at = Math.round(starts[r0 + r] * fs) - n0;
          for (let k = 0; k < s.samplesPerRecord; k++) {
            const j = at + k;
            if (j >= 0 && j < out.length) out[j] = recs[i][r * s.samplesPerRecord + k];
          }
        }
      }
      data.push(out);
    });
    const gaps = this.gaps
      .filter((g) => g.end > start && g.start < end)
      .map((g) => ({ start: Math.max(g.start, start), end: Math.min(g.end, end) }));
    return {
      start,
      duration: end - start,
      channels: sigs.map((s, i) => this.channelInfo(s, scales[i].unit)),
      data,
      firstSampleTime,
      gaps,
    };
  }

  /**
   * Streams the recording in chunks of whole records, with memory bounded by the chunk size
   * (default about 8 MB of file bytes per chunk).
   */
  *chunks(
    options: ReadOptions & { recordsPerChunk?: number; firstRecord?: number; numRecords?: number } = {},
  ): Generator<RecordChunk> {
    const sigs = this.resolveChannels(options.channels);
    const unit = options.unit ?? 'native';
    const scales = sigs.map((s) => this.scaleOf(s, unit));
    const per = options.recordsPerChunk ?? this.recordsPerChunk();
    const starts = this.recordStarts;
    const channels = sigs.map((s, i) => this.channelInfo(s, scales[i].unit));
    // A record range (e.g. one of `blocks`) keeps EDF+D chunks from running across a gap.
    const from = options.firstRecord ?? 0;
    const end = from + (options.numRecords ?? this.header.numRecords - from);
    this.checkRecords(from, end - from);
    for (let first = from; first < end; first += per) {
      const n = Math.min(per, end - first);
      const out = sigs.map((s) => new Float32Array(s.samplesPerRecord * n));
      this.decodeInto(this.readRecordBytes(first, n), n, sigs, scales, out, 0);
      yield {
        firstRecord: first,
        numRecords: n,
        start: starts[first],
        recordStarts: starts.slice(first, first + n),
        channels,
        data: out,
      };
    }
  }

  private channelInfo(s: EdfSignal, unit: string): ChannelInfo {
    return { index: s.index, label: s.label, sampleRate: s.sampleRate, unit };
  }

  private recordsPerChunk(): number {
    return Math.max(1, Math.floor(CHUNK_BYTES / this.header.recordBytes));
  }

  private checkRecords(first: number, count: number): void {
    const n = this.header.numRecords;
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > n) {
      throw new EdfError(
        'bad-argument',
        this.file,
        `records ${first}..${first + count - 1} requested; the file has ${n} (0..${n - 1})`,
      );
    }
  }

  private scaleOf(s: EdfSignal, unit: Unit): { gain: number; offset: number; unit: string } {
    if (s.isAnnotation)
      throw new EdfError(
        'bad-argument',
        this.file,
        `signal ${s.index} ("${s.label}") holds annotations, not samples`,
      );
    if (Number.isNaN(s.gain)) {
      throw new EdfError(
        'bad-scaling',
        this.file,
        `digital minimum equals digital maximum (${s.digitalMin}): physical values are undefined`,
        { field: 'digital minimum', signal: s.index },
      );
    }
    const f = unit === 'uV' ? microvoltFactor(s.physicalDimension) : null;
    if (f === null) return { gain: s.gain, offset: s.offset, unit: s.physicalDimension };
    return { gain: s.gain * f, offset: s.offset * f, unit: 'uV' };
  }

  private decodeInto(
    buf: Uint8Array,
    n: number,
    sigs: EdfSignal[],
    scales: { gain: number; offset: number }[],
    out: Float32Array[],
    outRecord: number,
  ): void {
    const { recordBytes, bytesPerSample } = this.header;
    if (bytesPerSample === 2) {
      // buf is our own allocation (offset 0), and record and signal offsets are even: an aligned view.
      const i16 = new Int16Array(buf.buffer, buf.byteOffset, buf.byteLength >> 1);
      for (let i = 0; i < sigs.length; i++) {
        const spr = sigs[i].samplesPerRecord;
        const { gain, offset } = scales[i];
        const dst = out[i];
        for (let r = 0; r < n; r++) {
          let src = (r * recordBytes + sigs[i].recordOffset) >> 1;
          let o = (outRecord + r) * spr;
          const e = o + spr;
          while (o < e) dst[o++] = i16[src++] * gain + offset;
        }
      }
    } else {
      for (let i = 0; i < sigs.length; i++) {
        const spr = sigs[i].samplesPerRecord;
        const { gain, offset } = scales[i];
        const dst = out[i];
        for (let r = 0; r < n; r++) {
          let src = r * recordBytes + sigs[i].recordOffset;
          let o = (outRecord + r) * spr;
          const e = o + spr;
          while (o < e) {
            // 24-bit little-endian two's complement: sign-extend through the top byte.
            const v = buf[src] | (buf[src + 1] << 8) | ((buf[src + 2] << 24) >> 8);
            dst[o++] = v * gain + offset;
            src += 3;
          }
        }
      }
    }
  }

  private loadTals(): TalScan {
    if (!this.tals) this.tals = this.scanTals(this.header.numRecords);
    return this.tals;
  }

  /**
   * Reads the TALs of the first `limit` records: record onsets, annotations, the sub-second start.
   * Only the full scan records warnings, so a partial look at record 0 never reports twice.
   */
  private scanTals(limit: number): TalScan {
    const report = limit === this.header.numRecords;
    const { numRecords, recordDuration, recordBytes, headerBytes, isPlus, bytesPerSample } = this.header;
    const annSigs = this.header.signals.filter((s) => s.isAnnotation);
    const recordStarts = new Float64Array(numRecords);
    for (let r = 0; r < numRecords; r++) recordStarts[r] = r * recordDuration;
    const annotations: Annotation[] = [];
    if (annSigs.length === 0 || numRecords === 0) return { recordStarts, annotations, firstOnset: 0 };
    const lo = Math.min(...annSigs.map((s) => s.recordOffset));
    const hi = Math.max(...annSigs.map((s) => s.recordOffset + s.samplesPerRecord * bytesPerSample));
    // Small records: read whole records in chunks; large records: read just the annotation span.
    const wholeRecords = recordBytes <= 4 * (hi - lo) || recordBytes <= 2048;
    const per = wholeRecords ? this.recordsPerChunk() : 1;
    const spanBuf = new Uint8Array(hi - lo);
    for (let first = 0; first < limit; first += per) {
      const n = Math.min(per, limit - first);
      const buf = wholeRecords ? this.readRecordBytes(first, n) : null;
      for (let r = 0; r < n; r++) {
        const rec = first + r;
        let base = r * recordBytes;
        let bytes = buf;
        if (!bytes) {
          this.source.read(headerBytes + rec * recordBytes + lo, spanBuf);
          bytes = spanBuf;
          base = -lo;
        }
        annSigs.forEach((s, k) => {
          const off = base + s.recordOffset;
          const parsed = parseTals(bytes.subarray(off, off + s.samplesPerRecord * bytesPerSample), k === 0);
          const at = (position: number) => ({
            record: rec,
            signal: s.index,
            offset: headerBytes + rec * recordBytes + s.recordOffset + position,
          });
          for (const p of parsed.problems) this.problem('bad-tal', p.message, at(p.position), report);
          if (k === 0) {
            if (parsed.recordStart !== null) recordStarts[rec] = parsed.recordStart;
            else if (isPlus) {
              // No time-keeping TAL: assume the record follows the previous one.
              recordStarts[rec] = rec > 0 ? recordStarts[rec - 1] + recordDuration : 0;
              this.problem(
                'no-timekeeping',
                'data record has no time-keeping TAL; assumed contiguous',
                at(0),
                report,
              );
            }
          }
          for (const a of parsed.annotations) annotations.push(a);
        });
      }
    }
    const firstOnset = recordStarts[0];
    if (firstOnset !== 0) for (let r = 0; r < numRecords; r++) recordStarts[r] -= firstOnset;
    // Decimal TAL onsets minus the first onset: round to the nanosecond to drop binary noise.
    for (const a of annotations) a.onset = Math.round((a.onset - firstOnset) * 1e9) / 1e9;
    annotations.sort((a, b) => a.onset - b.onset);
    return { recordStarts, annotations, firstOnset };
  }

  private problem(
    code: 'bad-tal' | 'no-timekeeping',
    message: string,
    loc: { record: number; signal: number; offset: number },
    report: boolean,
  ): void {
    if (this.strict) throw new EdfError('bad-record', this.file, message, loc);
    if (report) this.warnings.push({ code, message, ...loc });
  }
}

interface TalScan {
  recordStarts: Float64Array;
  annotations: Annotation[];
  firstOnset: number;
}

function decodeDigital(buf: Uint8Array, at: number, n: number, bps: 2 | 3, out: Int32Array, o: number): void {
  if (bps === 2) {
    for (let k = 0; k < n; k++, at += 2) out[o + k] = ((buf[at] | (buf[at + 1] << 8)) << 16) >> 16;
  } else {
    for (let k = 0; k < n; k++, at += 3)
      out[o + k] = buf[at] | (buf[at + 1] << 8) | ((buf[at + 2] << 24) >> 8);
  }
}

/** Index of the first element greater than x in a sorted array. */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
