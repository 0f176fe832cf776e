/**
 * Measured per-channel features of a 10-s segment, concatenated to the encoder's per-channel
 * embedding to form the segment vector the report model reads.
 *
 * Why: CELM's encoder (CBraMod) was pretrained on ~27,000 h of EEG on GPUs; the encoder celm can
 * pretrain on 2 CPU cores is far smaller, and its masked-patch objective need not keep the rare, short
 * events a report hinges on (a 70-ms spike every few minutes). These eight numbers per channel are
 * cheap, exactly reproducible and clinically meaningful (band powers are what qEEG reports; slope
 * outliers and kurtosis are classic spike-detector features, Gotman 1982), so the report model gets
 * them whatever the encoder learned. `segmentFeatures: 'encoder'` in the model config turns them off
 * (CELM's encoder-only input); `'features'` uses them alone (an ablation without the encoder).
 */
import { CELM_CHANNELS } from '../signal/channels.js';

export const FEATURE_NAMES = [
  'log_delta',
  'log_theta',
  'log_alpha',
  'log_beta',
  'log_gamma',
  'log_std',
  'log_kurtosis',
  'log_slope_peak',
] as const;
export const FEATURES_PER_CHANNEL = FEATURE_NAMES.length;
/** Bumped whenever a feature's definition changes (it is part of the embedding cache key). */
export const FEATURES_VERSION = 1;

const C = CELM_CHANNELS.length;

/**
 * segment: float32 [22, L] in uV; bandpower: float32 [22, 5] uV² (the preprocessing's Welch band powers);
 * mask [22] (1 = usable). Writes [22, 8] into out at offset (masked channels stay 0).
 */
export function segmentFeatures(
  segment: Float32Array,
  bandpower: Float32Array,
  mask: ArrayLike<number>,
  out: Float32Array,
  offset = 0,
): void {
  const L = segment.length / C;
  const F = FEATURES_PER_CHANNEL;
  const d2abs = new Float32Array(L - 2); // scratch for each channel's |second differences|
  for (let c = 0; c < C; c++) {
    const o = offset + c * F;
    if (!mask[c]) {
      out.fill(0, o, o + F);
      continue;
    }
    // log10 band powers, centred so a typical awake EEG (1-100 uV²) lands near 0..1
    for (let b = 0; b < 5; b++) out[o + b] = (Math.log10(bandpower[c * 5 + b] + 1e-3) - 1) / 2;
    const x = segment.subarray(c * L, (c + 1) * L);
    let mean = 0;
    for (let i = 0; i < L; i++) mean += x[i];
    mean /= L;
    let m2 = 0;
    let m4 = 0;
    for (let i = 0; i < L; i++) {
      const d = x[i] - mean;
      const d2 = d * d;
      m2 += d2;
      m4 += d2 * d2;
    }
    m2 /= L;
    m4 /= L;
    const std = Math.sqrt(m2);
    out[o + 5] = (Math.log10(std + 1e-3) - 1.3) / 0.5;
    out[o + 6] = m2 > 1e-9 ? Math.log(m4 / (m2 * m2) / 3 + 1e-3) : 0; // 0 for Gaussian noise
    // Largest |second difference| over its median: a spike's steep apex stands far above the
    // background's curvature, a sinusoid of any amplitude does not.
    let peak = 0;
    for (let i = 1; i < L - 1; i++) {
      const v = Math.abs(x[i + 1] - 2 * x[i] + x[i - 1]);
      d2abs[i - 1] = v;
      if (v > peak) peak = v;
    }
    const med = quickMedian(d2abs);
    out[o + 7] = med > 1e-6 ? (Math.log(peak / med) - 2.5) / 0.7 : 0;
  }
}

/** Median by selection (modifies a). */
function quickMedian(a: Float32Array): number {
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
