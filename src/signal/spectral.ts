/**
 * Spectral measures for quantitative EEG: Welch power spectral density, absolute and relative band
 * powers, posterior dominant rhythm (PDR), spectral edge frequency, hemispheric asymmetry.
 *
 * Conventions (also in docs/preprocessing.md): one-sided PSD in uV^2/Hz (Hann window, constant detrend,
 * 50% overlap, as scipy.signal.welch); band power = sum of PSD bins in [lo, hi) times the bin width;
 * bands delta 0.5-4, theta 4-8, alpha 8-13, beta 13-30, gamma 30-45 Hz; relative power is over
 * 0.5-45 Hz (which leaves out 50/60 Hz mains).
 */
import { CELM_CHANNELS } from './channels.js';
import { fftOf, nextPow2 } from './fft.js';
import { nativeSignal } from './native.js';

export const BANDS = {
  delta: [0.5, 4],
  theta: [4, 8],
  alpha: [8, 13],
  beta: [13, 30],
  gamma: [30, 45],
} as const;

export type BandName = keyof typeof BANDS;
export const BAND_NAMES = Object.keys(BANDS) as BandName[];
export const TOTAL_BAND: [number, number] = [0.5, 45];

export interface Spectrum {
  freqs: Float64Array;
  psd: Float64Array;
  /** Number of averaged windows. */
  windows: number;
}

/** Reusable Welch estimator for a fixed window length (no allocation per call). */
export class Welch {
  readonly nfft: number;
  readonly freqs: Float64Array;
  readonly df: number;
  private readonly win: Float64Array;
  private readonly scale: number;
  private readonly buf: Float64Array;
  private readonly out: Float64Array;

  constructor(
    readonly fs: number,
    readonly nperseg: number,
    readonly noverlap = Math.floor(nperseg / 2),
  ) {
    this.nfft = nextPow2(nperseg);
    this.win = new Float64Array(nperseg);
    let s2 = 0;
    for (let i = 0; i < nperseg; i++) {
      // scipy's periodic Hann ('hann', fftbins=True).
      this.win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nperseg);
      s2 += this.win[i] * this.win[i];
    }
    this.scale = 1 / (fs * s2);
    this.df = fs / this.nfft;
    this.freqs = new Float64Array(this.nfft / 2 + 1);
    for (let k = 0; k < this.freqs.length; k++) this.freqs[k] = k * this.df;
    this.buf = new Float64Array(this.nfft);
    this.out = new Float64Array(2 * this.nfft);
  }

  /** PSD of x[from, from + length) averaged over windows; written into `psd` (nfft/2 + 1 bins). */
  psd(x: ArrayLike<number>, psd: Float64Array, from = 0, length = x.length - from): number {
    const { nperseg, nfft, win, buf, out } = this;
    const f = fftOf(nfft);
    const native = nativeSignal();
    if (native && (x instanceof Float32Array || x instanceof Float64Array))
      return native.welchPsd(
        x,
        from,
        length,
        win,
        this.noverlap,
        buf,
        out,
        psd,
        f.bitrev,
        f.twFwd,
        this.scale,
      );
    psd.fill(0);
    const step = nperseg - this.noverlap;
    let windows = 0;
    for (let s = from; s + nperseg <= from + length; s += step) {
      let mean = 0;
      for (let i = 0; i < nperseg; i++) mean += x[s + i];
      mean /= nperseg;
      for (let i = 0; i < nperseg; i++) buf[i] = (x[s + i] - mean) * win[i];
      f.realTransform(out, buf);
      const half = nfft / 2;
      for (let k = 0; k <= half; k++) {
        const p = out[2 * k] * out[2 * k] + out[2 * k + 1] * out[2 * k + 1];
        psd[k] += k === 0 || k === half ? p : 2 * p;
      }
      windows++;
    }
    if (windows > 0) {
      const sc = this.scale / windows;
      for (let k = 0; k < psd.length; k++) psd[k] *= sc;
    }
    return windows;
  }
}

/** Welch PSD of a whole array (default 4-s windows, 50% overlap). */
export function welch(
  x: ArrayLike<number>,
  fs: number,
  nperseg = Math.min(x.length, Math.round(4 * fs)),
): Spectrum {
  const w = new Welch(fs, nperseg);
  const psd = new Float64Array(w.freqs.length);
  const windows = w.psd(x, psd);
  return { freqs: w.freqs, psd, windows };
}

/** Power in [lo, hi) Hz (uV^2). */
export function bandPower(freqs: Float64Array, psd: ArrayLike<number>, lo: number, hi: number): number {
  const df = freqs[1] - freqs[0];
  let s = 0;
  for (let k = 0; k < freqs.length; k++) if (freqs[k] >= lo && freqs[k] < hi) s += psd[k];
  return s * df;
}

export type BandPowers = Record<BandName, number>;

/** Absolute (uV^2) and relative (fraction of 0.5-45 Hz) band powers. */
export function bandPowers(
  freqs: Float64Array,
  psd: ArrayLike<number>,
): { absolute: BandPowers; relative: BandPowers; total: number } {
  const absolute = {} as BandPowers;
  const relative = {} as BandPowers;
  const total = bandPower(freqs, psd, TOTAL_BAND[0], TOTAL_BAND[1]);
  for (const b of BAND_NAMES) {
    absolute[b] = bandPower(freqs, psd, BANDS[b][0], BANDS[b][1]);
    relative[b] = total > 0 ? absolute[b] / total : 0;
  }
  return { absolute, relative, total };
}

/** Spectral edge frequency: the frequency below which `fraction` of the 0.5-45 Hz power lies. */
export function spectralEdge(freqs: Float64Array, psd: ArrayLike<number>, fraction = 0.9): number {
  const [lo, hi] = TOTAL_BAND;
  let total = 0;
  for (let k = 0; k < freqs.length; k++) if (freqs[k] >= lo && freqs[k] < hi) total += psd[k];
  if (!(total > 0)) return Number.NaN;
  let acc = 0;
  for (let k = 0; k < freqs.length; k++) {
    if (freqs[k] < lo || freqs[k] >= hi) continue;
    const next = acc + psd[k];
    if (next >= fraction * total) {
      // Linear interpolation inside the bin.
      const part = (fraction * total - acc) / psd[k];
      return freqs[k] - (freqs[1] - freqs[0]) / 2 + part * (freqs[1] - freqs[0]);
    }
    acc = next;
  }
  return hi;
}

export interface PdrEstimate {
  /** Peak frequency (Hz), refined by parabolic interpolation of log power. */
  frequency: number;
  /** Peak power over the 1/f background at that frequency (ratio; >= 1.5 to count as a peak). */
  prominence: number;
}

/**
 * Posterior dominant rhythm: the largest spectral peak in 5-14 Hz of a posterior (O1/O2) spectrum that
 * stands above the 1/f background (a log-log line fitted to 2-5 and 15-30 Hz) by at least `minProminence`.
 */
export function pdrFrequency(
  freqs: Float64Array,
  psd: ArrayLike<number>,
  { lo = 5, hi = 14, minProminence = 1.5 } = {},
): PdrEstimate | null {
  // Background fit on log10(psd) vs log10(f).
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let n = 0;
  for (let k = 1; k < freqs.length; k++) {
    const f = freqs[k];
    if (!((f >= 2 && f < lo) || (f > 15 && f <= 30)) || !(psd[k] > 0)) continue;
    const x = Math.log10(f);
    const y = Math.log10(psd[k]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    n++;
  }
  if (n < 3) return null;
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const icept = (sy - slope * sx) / n;
  let best = -1;
  let bestRatio = 0;
  for (let k = 1; k < freqs.length - 1; k++) {
    const f = freqs[k];
    if (f < lo || f > hi) continue;
    if (!(psd[k] >= psd[k - 1] && psd[k] >= psd[k + 1]) || !(psd[k] > 0)) continue;
    const ratio = psd[k] / 10 ** (icept + slope * Math.log10(f));
    if (ratio > bestRatio) {
      bestRatio = ratio;
      best = k;
    }
  }
  if (best < 0 || bestRatio < minProminence) return null;
  const a = Math.log(psd[best - 1]);
  const b = Math.log(psd[best]);
  const c = Math.log(psd[best + 1]);
  const den = a - 2 * b + c;
  const shift = den !== 0 ? (0.5 * (a - c)) / den : 0;
  const df = freqs[1] - freqs[0];
  return { frequency: freqs[best] + Math.max(-0.5, Math.min(0.5, shift)) * df, prominence: bestRatio };
}

/** Homologous left/right electrode pairs for asymmetry indices. */
export const HOMOLOGOUS_PAIRS: [string, string][] = [
  ['Fp1', 'Fp2'],
  ['F3', 'F4'],
  ['F7', 'F8'],
  ['C3', 'C4'],
  ['T3', 'T4'],
  ['T5', 'T6'],
  ['P3', 'P4'],
  ['O1', 'O2'],
  ['A1', 'A2'],
];

/** Index of each channel's homologous channel within `names`, or -1 (midline, or its pair absent). */
export function homologIndex(names: readonly string[]): number[] {
  return names.map((name) => {
    const pair = HOMOLOGOUS_PAIRS.find(([l, r]) => l === name || r === name);
    return pair ? names.indexOf(pair[0] === name ? pair[1] : pair[0]) : -1;
  });
}

/** Homologous channel of each model channel (CELM_CHANNELS order), -1 on the midline. */
export const CELM_HOMOLOG: readonly number[] = homologIndex(CELM_CHANNELS);

/** Asymmetry index (L - R) / (L + R): positive means more power on the left. */
export function asymmetryIndex(left: number, right: number): number {
  const s = left + right;
  return s > 0 ? (left - right) / s : 0;
}
