/**
 * What the viewer draws: a window of a recording in a montage, filtered with the display filters of
 * clinical review software (a first-order high-pass "LFF", a second-order Butterworth low-pass "HFF" and
 * a mains notch, all run forward and backward so nothing shifts in time), decimated to the screen as
 * min/max pairs per pixel column so that a spike narrower than a pixel still shows. Also the whole-recording
 * trends (relative band power and a compressed spectral array) sampled at up to ~1,500 positions.
 */
import { CelmError } from '../errors.js';
import type { EdfReader } from '../formats/edf/index.js';
import {
  applyMontage,
  BAND_NAMES,
  type BandName,
  bandPowers,
  CELM_CHANNELS,
  MONTAGES,
  type MontageName,
  mapToCelm,
  Welch,
} from '../signal/index.js';

export interface WindowQuery {
  start: number;
  duration: number;
  montage: MontageName;
  /** High-pass (low-frequency filter) in Hz, or null. */
  lff: number | null;
  /** Low-pass (high-frequency filter) in Hz, or null. */
  hff: number | null;
  /** Mains notch in Hz, or null. */
  notch: number | null;
  /** Screen columns: above this many samples, each channel becomes min/max pairs per column. */
  maxPoints: number;
}

export interface TraceWindow {
  start: number;
  duration: number;
  sampleRate: number;
  montage: MontageName;
  labels: string[];
  /** 1 = drawn from recorded electrodes, 0 = an electrode is missing. */
  mask: number[];
  /** 'samples': one value per sample; 'minmax': [min, max] per column, flattened. */
  mode: 'samples' | 'minmax';
  /** Number of samples or columns per channel. */
  points: number;
  /** Microvolts, rounded to 0.1; null in gaps. */
  data: (number | null)[][];
  gaps: { start: number; end: number }[];
  filters: { lff: number | null; hff: number | null; notch: number | null };
}

/** Per recording: the CELM channel sources and a common display rate. */
interface Layout {
  source: number[];
  fs: number;
}

const layouts = new WeakMap<EdfReader, Layout>();

function layout(reader: EdfReader): Layout {
  let l = layouts.get(reader);
  if (!l) {
    const labels = reader.signals.map((s) => (s.isAnnotation ? 'EDF Annotations' : s.label));
    const { source } = mapToCelm(labels);
    const rates = source.filter((i) => i >= 0).map((i) => reader.signals[i].sampleRate);
    if (rates.length === 0)
      throw new CelmError('no-eeg', 'the recording has no 10-20 EEG channel that celm recognises');
    l = { source, fs: Math.max(...rates) };
    layouts.set(reader, l);
  }
  return l;
}

/** The recording's EEG channels on CELM's 22 positions at one rate (missing ones zero, mask 0). */
function readCelm(
  reader: EdfReader,
  start: number,
  duration: number,
): {
  data: Float32Array[];
  mask: Uint8Array;
  fs: number;
  t0: number;
  gaps: { start: number; end: number }[];
} {
  const { source, fs } = layout(reader);
  const present = source.filter((i) => i >= 0);
  const w = reader.readWindow(start, duration, { channels: present, unit: 'uV' });
  const n = Math.max(1, Math.round(w.duration * fs));
  const t0 = Math.ceil(start * fs - 1e-9) / fs;
  const data: Float32Array[] = [];
  const mask = new Uint8Array(CELM_CHANNELS.length);
  let k = 0;
  for (let c = 0; c < CELM_CHANNELS.length; c++) {
    const out = new Float32Array(n);
    if (source[c] >= 0) {
      const x = w.data[k];
      const rate = w.channels[k].sampleRate;
      if (rate === fs) out.set(x.subarray(0, n));
      else {
        // Display only: linear interpolation of slower channels onto the common rate.
        const off = (w.firstSampleTime[k] - t0) * rate;
        for (let j = 0; j < n; j++) {
          const p = (j * rate) / fs - off;
          const i0 = Math.max(0, Math.min(x.length - 1, Math.floor(p)));
          const i1 = Math.min(x.length - 1, i0 + 1);
          const f = Math.max(0, Math.min(1, p - i0));
          out[j] = x[i0] * (1 - f) + x[i1] * f;
        }
      }
      mask[c] = 1;
      k++;
    }
    data.push(out);
  }
  return { data, mask, fs, t0, gaps: w.gaps };
}

// Display filters ----------------------------------------------------------------------------------------

interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

function highpass1(fc: number, fs: number): Biquad {
  const K = Math.tan((Math.PI * fc) / fs);
  const b0 = 1 / (1 + K);
  return { b0, b1: -b0, b2: 0, a1: (K - 1) / (K + 1), a2: 0 };
}

function lowpass2(fc: number, fs: number): Biquad {
  const w = (2 * Math.PI * fc) / fs;
  const alpha = Math.sin(w) / (2 * Math.SQRT1_2);
  const c = Math.cos(w);
  const a0 = 1 + alpha;
  return {
    b0: (1 - c) / 2 / a0,
    b1: (1 - c) / a0,
    b2: (1 - c) / 2 / a0,
    a1: (-2 * c) / a0,
    a2: (1 - alpha) / a0,
  };
}

function notch2(f0: number, fs: number, q = 25): Biquad {
  const w = (2 * Math.PI * f0) / fs;
  const alpha = Math.sin(w) / (2 * q);
  const c = Math.cos(w);
  const a0 = 1 + alpha;
  return { b0: 1 / a0, b1: (-2 * c) / a0, b2: 1 / a0, a1: (-2 * c) / a0, a2: (1 - alpha) / a0 };
}

/** Runs a biquad over x in place, forward then backward (zero phase), starting from steady state. */
function filtfilt(f: Biquad, x: Float64Array): void {
  for (let pass = 0; pass < 2; pass++) {
    const n = x.length;
    const first = pass === 0 ? x[0] : x[n - 1];
    // Steady-state start for a constant input `first`: y = first * DC gain.
    const dc = (f.b0 + f.b1 + f.b2) / (1 + f.a1 + f.a2);
    let x1 = first;
    let x2 = first;
    let y1 = first * dc;
    let y2 = first * dc;
    for (let j = 0; j < n; j++) {
      const i = pass === 0 ? j : n - 1 - j;
      const xi = x[i];
      const y = f.b0 * xi + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
      x2 = x1;
      x1 = xi;
      y2 = y1;
      y1 = y;
      x[i] = y;
    }
  }
}

export function parseWindowQuery(q: Record<string, string | undefined>): WindowQuery {
  const num = (name: string, def: number | null, lo: number, hi: number): number | null => {
    const v = q[name];
    if (v === undefined || v === '') return def;
    if (v === 'off' || v === 'none' || v === '0') return null;
    const x = Number(v);
    if (!Number.isFinite(x) || x < lo || x > hi)
      throw new CelmError('bad-query', `${name} must be a number from ${lo} to ${hi}, got "${v}"`);
    return x;
  };
  const montage = (q.montage ?? 'double-banana') as MontageName;
  if (!MONTAGES.includes(montage))
    throw new CelmError('bad-query', `montage must be one of ${MONTAGES.join(', ')}, got "${q.montage}"`);
  const start = num('start', 0, 0, 1e9) ?? 0;
  const duration = num('duration', 10, 0.1, 600);
  if (duration === null) throw new CelmError('bad-query', 'duration must be positive');
  const maxPoints = num('maxPoints', 2000, 10, 20000);
  return {
    start,
    duration,
    montage,
    lff: num('lff', 1, 0.01, 100),
    hff: num('hff', 70, 1, 1000),
    notch: num('notch', null, 10, 1000),
    maxPoints: Math.round(maxPoints ?? 2000),
  };
}

/** A page with its values as float32 per channel: NaN in gaps (the binary encoding's form). */
export interface TraceWindowF32 extends Omit<TraceWindow, 'data'> {
  data: Float32Array[];
}

/** The traces of one page (JSON form: numbers, null in gaps). */
export function traceWindow(reader: EdfReader, q: WindowQuery): TraceWindow {
  const w = traceWindowF32(reader, q);
  return {
    ...w,
    // Back from float32 to the 0.1-uV steps as doubles (12.3, not 12.300000190734863).
    data: w.data.map((d) => Array.from(d, (v) => (Number.isNaN(v) ? null : Math.round(v * 10) / 10))),
  };
}

/**
 * A page in the binary encoding (`Accept: application/octet-stream`):
 *
 *   uint32 LE  n: bytes of the header
 *   n bytes    the header: UTF-8 JSON, the JSON response without `data`, plus `valuesPerChannel` and
 *              `dtype: "float32le"`; padded with spaces to a multiple of 4 bytes (with the length word)
 *   float32 LE channel after channel, `valuesPerChannel` each (samples, or min/max pairs per column);
 *              NaN in gaps (null in JSON). The same values as the JSON, to float32 precision.
 */
export function encodeWindowF32(w: TraceWindowF32): Buffer {
  const per = w.data[0]?.length ?? 0;
  const { data, ...meta } = w;
  let head = Buffer.from(JSON.stringify({ ...meta, valuesPerChannel: per, dtype: 'float32le' }), 'utf8');
  const pad = (4 - ((4 + head.length) % 4)) % 4;
  if (pad) head = Buffer.concat([head, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.allocUnsafe(4 + head.length + data.length * per * 4);
  out.writeUInt32LE(head.length, 0);
  head.copy(out, 4);
  let o = 4 + head.length;
  for (const d of data) {
    // Float32Array stores in platform order; write LE explicitly for big-endian hosts.
    for (let i = 0; i < d.length; i++, o += 4) out.writeFloatLE(d[i], o);
  }
  return out;
}

/** The traces of one page, float32 per channel. */
export function traceWindowF32(reader: EdfReader, q: WindowQuery): TraceWindowF32 {
  const total = reader.duration;
  if (q.start >= total)
    throw new CelmError('bad-query', `start ${q.start} s is past the end of the recording (${total} s)`);
  const end = Math.min(total, q.start + q.duration);
  // Margins let the filters settle outside the page.
  // (a short margin even without filters: interpolating slower channels needs the next sample).
  const pad = q.lff ? Math.min(10, Math.max(1, 1.5 / q.lff)) : q.hff || q.notch ? 1 : 0.1;
  const r0 = Math.max(0, q.start - pad);
  const r1 = Math.min(total, end + pad);
  const raw = readCelm(reader, r0, r1 - r0);
  const fs = raw.fs;
  const m = applyMontage(q.montage, raw.data, raw.mask);
  const filters: Biquad[] = [];
  if (q.lff) filters.push(highpass1(q.lff, fs));
  if (q.hff && q.hff < fs / 2) filters.push(lowpass2(q.hff, fs));
  if (q.notch && q.notch < fs / 2) filters.push(notch2(q.notch, fs));
  const i0 = Math.max(0, Math.round((q.start - raw.t0) * fs));
  const n = Math.max(1, Math.min(Math.round((end - q.start) * fs), m.data[0].length - i0));
  const gapSamples = (t: number): boolean => raw.gaps.some((g) => t >= g.start && t < g.end);
  const decimate = n > q.maxPoints;
  const cols = decimate ? q.maxPoints : n;
  // 0.1 uV steps (NaN: no value); the JSON form turns NaN into null.
  const r = (v: number): number => (Number.isFinite(v) ? Math.round(v * 10) / 10 : Number.NaN);
  const data = m.data.map((d, c) => {
    const x = Float64Array.from(d, (v) => (Number.isFinite(v) ? v : 0));
    if (m.mask[c]) for (const f of filters) filtfilt(f, x);
    const out = new Float32Array(decimate ? 2 * cols : n);
    if (!decimate) {
      for (let j = 0; j < n; j++) out[j] = gapSamples(raw.t0 + (i0 + j) / fs) ? Number.NaN : r(x[i0 + j]);
    } else {
      for (let col = 0; col < cols; col++) {
        const a = i0 + Math.floor((col * n) / cols);
        const b = i0 + Math.max(Math.floor(((col + 1) * n) / cols), a - i0 + 1);
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (let j = a; j < b; j++) {
          const v = x[j];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const gap = gapSamples(raw.t0 + a / fs);
        out[2 * col] = gap ? Number.NaN : r(lo);
        out[2 * col + 1] = gap ? Number.NaN : r(hi);
      }
    }
    return out;
  });
  return {
    start: q.start,
    duration: end - q.start,
    sampleRate: fs,
    montage: q.montage,
    labels: m.labels,
    mask: Array.from(m.mask),
    mode: decimate ? 'minmax' : 'samples',
    points: cols,
    data,
    gaps: raw.gaps,
    filters: { lff: q.lff, hff: q.hff, notch: q.notch },
  };
}

export interface Trends {
  /** Position (s from the start) of each trend point. */
  t: number[];
  step: number;
  /** Relative band power (0-1), averaged over the usable scalp channels. */
  relative: Record<BandName, number[]>;
  /** Compressed spectral array: log10 power (uV^2/Hz) at `csaFreqs`, one row per point. */
  csaFreqs: number[];
  csa: number[][];
}

/** Whole-recording trends: a 4-s spectrum every `step` seconds (step chosen for at most ~1,500 points). */
export function computeTrends(reader: EdfReader): Trends {
  const total = reader.duration;
  const step = Math.max(10, Math.ceil(total / 1500 / 10) * 10);
  const { fs, source } = layout(reader);
  const win = Math.min(4, total);
  const welch = new Welch(fs, Math.round(Math.min(2, win) * fs));
  const freqs = welch.freqs;
  const csaIdx: number[] = [];
  freqs.forEach((f, i) => {
    if (f >= 0.5 && f <= 30) csaIdx.push(i);
  });
  const scalp = CELM_CHANNELS.map((c, i) => (c === 'A1' || c === 'A2' || source[i] < 0 ? -1 : i)).filter(
    (i) => i >= 0,
  );
  const relative = Object.fromEntries(BAND_NAMES.map((b) => [b, [] as number[]])) as Record<
    BandName,
    number[]
  >;
  const t: number[] = [];
  const csa: number[][] = [];
  const psd = new Float64Array(freqs.length);
  const avg = new Float64Array(freqs.length);
  for (let s = 0; s + 0.5 < total; s += step) {
    const w = readCelm(reader, s, Math.min(win, total - s));
    avg.fill(0);
    let used = 0;
    for (const c of scalp) {
      const x = w.data[c];
      if (x.length < welch.nperseg) continue;
      let mean = 0;
      for (const v of x) mean += v;
      mean /= x.length;
      const xd = Float64Array.from(x, (v) => (Number.isFinite(v) ? v - mean : 0));
      psd.fill(0);
      if (welch.psd(xd, psd) > 0) {
        for (let k = 0; k < psd.length; k++) avg[k] += psd[k];
        used++;
      }
    }
    if (used) for (let k = 0; k < avg.length; k++) avg[k] /= used;
    const bp = bandPowers(freqs, avg);
    t.push(s);
    for (const b of BAND_NAMES) relative[b].push(Math.round(bp.relative[b] * 1e4) / 1e4);
    csa.push(csaIdx.map((k) => Math.round(Math.log10(avg[k] + 1e-6) * 100) / 100));
  }
  return { t, step, relative, csaFreqs: csaIdx.map((k) => freqs[k]), csa };
}
