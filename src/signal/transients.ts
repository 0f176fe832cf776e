/**
 * Sharp transients (candidate spikes, sharp waves, electrode pops) in one segment of referential EEG,
 * classified by their spatial field.
 *
 * Method (in the tradition of Gotman's detectors, reduced to what a 10-s segment allows): each channel
 * is filtered with Ricker ("Mexican hat") wavelets whose widths match a spike (20-70 ms) and a sharp wave
 * (70-200 ms); each output is divided by 1.4826 x its median absolute value over the segment, a robust
 * background scale, so an alpha rhythm or slow wave of any amplitude stays near z = 1-2 while a transient
 * that stands out of its own background reaches z > 7. An event's field is the set of channels whose z
 * exceeds a lower threshold within +-30 ms:
 *   - isolated: this channel alone. A spike of cerebral origin always spreads to neighbours through the
 *     skull; a single-electrode transient is an electrode pop or contact artifact.
 *   - focal: a few channels (up to half of the usable ones);
 *   - generalized: half of the usable channels or more (spike-and-wave, vertex waves at high gain).
 * A focal event is lateralized when the homologous channel stays below 40% of its z: that separates a
 * unilateral spike focus from the symmetric normal transients of sleep (vertex waves, K-complexes) and
 * from blinks.
 * Why hand-written: no JavaScript library detects EEG transients, and the few lines here are cheap
 * enough (about 2.7 M multiply-adds per 22-channel segment) to run on every segment of a day.
 */

export type TransientField = 'isolated' | 'focal' | 'generalized';

export interface Transient {
  channel: number;
  /** Sample index of the peak within the segment. */
  sample: number;
  /** Peak z (robust wavelet score). */
  z: number;
  /** Usable channels over the field threshold within the window. */
  channels: number;
  field: TransientField;
  /** Focal and absent from the homologous channel. */
  lateralized: boolean;
}

export interface TransientOptions {
  sampleRate?: number;
  /** Wavelet widths (sigma, seconds). */
  sigmas?: number[];
  /** z an event must reach on its channel. */
  zEvent?: number;
  /** z that counts a channel into an event's field. */
  zField?: number;
  /** Half-width of the field window (s). */
  fieldWindow?: number;
  /** Dead time after an event on the same channel (s). */
  refractory?: number;
}

const DEFAULTS: Required<TransientOptions> = {
  sampleRate: 200,
  sigmas: [0.012, 0.025],
  zEvent: 7,
  zField: 3.5,
  fieldWindow: 0.03,
  refractory: 0.25,
};

/** Unit-energy, zero-mean Ricker wavelet; half of it (it is symmetric): w[0] centre .. w[h] tail. */
function rickerHalf(sigma: number, fs: number): Float64Array {
  const s = sigma * fs;
  const h = Math.ceil(4 * s);
  const full = new Float64Array(2 * h + 1);
  for (let k = -h; k <= h; k++) {
    const u = k / s;
    full[k + h] = (1 - u * u) * Math.exp(-0.5 * u * u);
  }
  let mean = 0;
  for (const v of full) mean += v;
  mean /= full.length;
  let e = 0;
  for (let i = 0; i < full.length; i++) {
    full[i] -= mean;
    e += full[i] * full[i];
  }
  return full.subarray(h).map((v) => v / Math.sqrt(e));
}

const kernelCache = new Map<string, Float64Array[]>();
function kernels(sigmas: number[], fs: number): Float64Array[] {
  const key = `${fs}:${sigmas.join(',')}`;
  const k = kernelCache.get(key) ?? sigmas.map((s) => rickerHalf(s, fs));
  kernelCache.set(key, k);
  return k;
}

/**
 * Robust wavelet z-scores of every usable channel: out [C, L] (0 for masked channels and within half a
 * kernel of the segment's ends). scratch: length >= 2 L.
 */
export function transientScores(
  segment: Float32Array,
  nChannels: number,
  mask: ArrayLike<number>,
  out: Float32Array,
  scratch: Float32Array,
  options: TransientOptions = {},
): void {
  const o = { ...DEFAULTS, ...options };
  const L = segment.length / nChannels;
  const ks = kernels(o.sigmas, o.sampleRate);
  const step = Math.max(1, Math.round(o.sampleRate / 100));
  out.fill(0);
  for (let c = 0; c < nChannels; c++) {
    if (!mask[c]) continue;
    const x = segment.subarray(c * L, (c + 1) * L);
    const z = out.subarray(c * L, (c + 1) * L);
    for (const w of ks) {
      const h = w.length - 1;
      if (L <= 2 * h) continue;
      // Every `step`-th output only: the wavelets pass nothing above ~40 Hz, so evaluating them at
      // 100 Hz moves a peak by at most 5 ms and halves the cost (the detector's only real cost).
      const m = Math.floor((L - 1 - 2 * h) / step) + 1;
      const y = scratch.subarray(0, m);
      for (let j = 0, i = h; j < m; j++, i += step) {
        let acc = w[0] * x[i];
        for (let k = 1; k <= h; k++) acc += w[k] * (x[i - k] + x[i + k]);
        y[j] = Math.abs(acc);
      }
      const sorted = scratch.subarray(L, L + m);
      sorted.set(y);
      const scale = 1.4826 * median(sorted) + 1e-6;
      for (let j = 0, i = h; j < m; j++, i += step) {
        const v = y[j] / scale;
        for (let r = i; r < Math.min(i + step, L - h); r++) if (v > z[r]) z[r] = v;
      }
    }
  }
}

/**
 * Events of one segment. segment: float32 [C, L] uV; mask [C] (1 = usable); homolog[c] = index of the
 * homologous channel, or -1 (midline).
 */
export function detectTransients(
  segment: Float32Array,
  nChannels: number,
  mask: ArrayLike<number>,
  homolog: ArrayLike<number>,
  options: TransientOptions = {},
  scores?: Float32Array,
): Transient[] {
  const o = { ...DEFAULTS, ...options };
  const C = nChannels;
  const L = segment.length / C;
  const z = scores ?? new Float32Array(C * L);
  if (!scores) transientScores(segment, C, mask, z, new Float32Array(2 * L), options);
  let usable = 0;
  for (let c = 0; c < C; c++) if (mask[c]) usable++;
  const half = Math.ceil(usable / 2);
  const win = Math.round(o.fieldWindow * o.sampleRate);
  const dead = Math.round(o.refractory * o.sampleRate);
  const windowMax = (c: number, j: number) => {
    let m = 0;
    const zc = z.subarray(c * L, (c + 1) * L);
    for (let i = Math.max(0, j - win); i <= Math.min(L - 1, j + win); i++) if (zc[i] > m) m = zc[i];
    return m;
  };
  const events: Transient[] = [];
  for (let c = 0; c < C; c++) {
    if (!mask[c]) continue;
    const zc = z.subarray(c * L, (c + 1) * L);
    for (let i = 0; i < L; i++) {
      if (zc[i] <= o.zEvent) continue;
      // the peak: the largest z before the score falls back under the threshold (at most `dead`)
      let j = i;
      for (let k = i + 1; k < Math.min(L, i + dead) && zc[k] > o.zEvent; k++) if (zc[k] > zc[j]) j = k;
      let channels = 0;
      for (let d = 0; d < C; d++) if (mask[d] && windowMax(d, j) > o.zField) channels++;
      const field: TransientField = channels >= half ? 'generalized' : channels <= 1 ? 'isolated' : 'focal';
      const h = homolog[c];
      const lateralized = field === 'focal' && h >= 0 && !!mask[h] && windowMax(h, j) < 0.4 * zc[j];
      events.push({ channel: c, sample: j, z: zc[j], channels, field, lateralized });
      i = j + dead - 1;
    }
  }
  return events;
}

/** Median by selection (reorders a). */
export function median(a: Float32Array): number {
  const k = a.length >> 1;
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}
