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
 *
 * Version 2 adds six that make focal findings visible to a model trained on a few hundred reports:
 * counts of sharp transients by field (../signal/transients.ts) and left/right excesses of slow power and
 * deficits of alpha power against the homologous electrode. They are non-negative and grow with the
 * evidence, so the recording summary (a mean and a max over segments, then a linear map) can read "one
 * side has spikes" or "one side is slow" without having to learn an absolute difference.
 */
import { CELM_CHANNELS } from '../signal/channels.js';
import { CELM_HOMOLOG, HOMOLOGOUS_PAIRS } from '../signal/spectral.js';
import { detectTransients, median, transientScores } from '../signal/transients.js';

export const FEATURE_NAMES = [
  'log_delta',
  'log_theta',
  'log_alpha',
  'log_beta',
  'log_gamma',
  'log_std',
  'log_kurtosis',
  'log_slope_peak',
  // version 2
  'log_lateralized_spikes',
  'log_focal_spikes',
  'log_generalized_spikes',
  'log_isolated_transients',
  'slow_excess',
  'alpha_deficit',
] as const;
/** Bumped whenever a feature's definition changes (it is part of the embedding cache key). */
export const FEATURES_VERSION = 2;
/** Features per channel of each version: a version's features are a prefix of the next one's. */
const PER_VERSION: Record<number, number> = { 1: 8, 2: 14 };
export const FEATURES_PER_CHANNEL = PER_VERSION[FEATURES_VERSION];

/** Features per channel a model trained with `version` reads. */
export function featuresPerChannel(version: number): number {
  const f = PER_VERSION[version];
  if (f === undefined)
    throw new Error(
      `segment features version ${version} is unknown (this celm knows 1..${FEATURES_VERSION})`,
    );
  return f;
}

const C = CELM_CHANNELS.length;
/** Side of each model channel: 0 left, 1 right, -1 midline (from the homologous pairs, left first). */
const SIDE = CELM_CHANNELS.map((name) =>
  HOMOLOGOUS_PAIRS.some(([l]) => l === name) ? 0 : HOMOLOGOUS_PAIRS.some(([, r]) => r === name) ? 1 : -1,
);
/** Where a version-2 feature sits among a channel's features. */
const featureIndex = (name: (typeof FEATURE_NAMES)[number]) => FEATURE_NAMES.indexOf(name);
const LATERALIZED = featureIndex('log_lateralized_spikes');
const GENERALIZED = featureIndex('log_generalized_spikes');
const ISOLATED = featureIndex('log_isolated_transients');
const SLOW_EXCESS = featureIndex('slow_excess');
const ALPHA_DEFICIT = featureIndex('alpha_deficit');

let scratch: { L: number; z: Float32Array; tmp: Float32Array; d2: Float32Array } | null = null;
function scratchFor(L: number) {
  if (scratch?.L !== L)
    scratch = { L, z: new Float32Array(C * L), tmp: new Float32Array(2 * L), d2: new Float32Array(L - 2) };
  return scratch;
}

/**
 * segment: float32 [22, L] in uV at 200 Hz; bandpower: float32 [22, 5] uV² (the preprocessing's Welch
 * band powers); mask [22] (1 = usable). Writes [22, featuresPerChannel(version)] into out at offset
 * (masked channels are 0).
 */
export function segmentFeatures(
  segment: Float32Array,
  bandpower: Float32Array,
  mask: ArrayLike<number>,
  out: Float32Array,
  offset = 0,
  version = FEATURES_VERSION,
): void {
  const L = segment.length / C;
  const F = featuresPerChannel(version);
  const sc = scratchFor(L);
  const d2abs = sc.d2; // each channel's |second differences|
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
    const med = median(d2abs);
    out[o + 7] = med > 1e-6 ? (Math.log(peak / med) - 2.5) / 0.7 : 0;
  }
  if (F > 8) version2(segment, bandpower, mask, out, offset, F, sc);
}

function version2(
  segment: Float32Array,
  bandpower: Float32Array,
  mask: ArrayLike<number>,
  out: Float32Array,
  offset: number,
  F: number,
  sc: NonNullable<typeof scratch>,
): void {
  transientScores(segment, C, mask, sc.z, sc.tmp);
  const counts = new Float32Array(C * 4); // lateralized, focal, generalized, isolated
  for (const e of detectTransients(segment, C, mask, CELM_HOMOLOG, {}, sc.z)) {
    const k = e.field === 'focal' ? 1 : e.field === 'generalized' ? 2 : 3;
    counts[e.channel * 4 + k]++;
    if (e.lateralized) counts[e.channel * 4]++;
  }
  const slow = (c: number) => Math.log(bandpower[c * 5] + bandpower[c * 5 + 1] + 1e-3);
  const alpha = (c: number) => Math.log(bandpower[c * 5 + 2] + 1e-3);
  for (let c = 0; c < C; c++) {
    if (!mask[c]) continue;
    const o = offset + c * F + 8;
    for (let k = 0; k < 4; k++) out[o + k] = Math.log1p(counts[c * 4 + k]);
    const h = CELM_HOMOLOG[c];
    const paired = h >= 0 && !!mask[h];
    out[o + 4] = paired ? Math.max(0, slow(c) - slow(h)) : 0;
    out[o + 5] = paired ? Math.max(0, alpha(h) - alpha(c)) : 0;
  }
}

/** Findings whose side the measurements give (and the findings prompt carries). */
export const SIDED_KINDS = ['focal_epileptiform', 'focal_slowing', 'asymmetry', 'lpd', 'lrda'] as const;
/** The side of each sided finding, where one is measured or stated. */
export type FindingSides = Partial<Record<(typeof SIDED_KINDS)[number], 'left' | 'right'>>;

/**
 * The side the version-2 features point to over a whole report (all its recordings' segment vectors,
 * [n, 22 * (encoderDim + F)]): lateralized sharp transients for focal epileptiform discharges, slow
 * excess for focal slowing, alpha deficit for asymmetry (the side of lower alpha). A side is given when
 * its channels' summed recording mean is at least twice the other side's and above a floor of
 * occasional false detections; findings with no clear side are left out.
 */
export function measuredSides(
  vectors: Float32Array[],
  encoderDim: number,
  featuresVersion: number,
): FindingSides {
  if (featuresVersion < 2) return {};
  const per = encoderDim + featuresPerChannel(featuresVersion);
  const measures = [
    { kind: 'focal_epileptiform', feature: LATERALIZED, floor: 0.05 },
    { kind: 'focal_slowing', feature: SLOW_EXCESS, floor: 0.5 },
    { kind: 'asymmetry', feature: ALPHA_DEFICIT, floor: 0.5 },
  ] as const;
  const sums = measures.map(() => [0, 0]);
  let n = 0;
  for (const v of vectors) {
    const segs = v.length / (C * per);
    n += segs;
    for (let s = 0; s < segs; s++)
      for (let c = 0; c < C; c++) {
        if (SIDE[c] < 0) continue;
        const o = (s * C + c) * per + encoderDim;
        for (const [i, m] of measures.entries()) sums[i][SIDE[c]] += v[o + m.feature];
      }
  }
  const sides: FindingSides = {};
  if (!n) return sides;
  for (const [i, m] of measures.entries()) {
    const [L, R] = sums[i].map((x) => x / n);
    if (L >= 2 * R && L > m.floor) sides[m.kind] = 'left';
    else if (R >= 2 * L && R > m.floor) sides[m.kind] = 'right';
  }
  return sides;
}

/** Sharp transients the detector counted in one recording, per hour, by field (`measured` output). */
export interface TransientRates {
  /** Focal events the homologous electrode lacks: rate at the electrode with the most, and where. */
  lateralized_per_hour: number;
  lateralized_max: string | null;
  /** Events of a generalized field (rate at the electrode that saw the most). */
  generalized_per_hour: number;
  /** Single-electrode events (electrode pops, contact artifact): rate and electrode. */
  isolated_per_hour: number;
  isolated_max: string | null;
}

/**
 * Per-hour rates of the version-2 transient counts in one recording's segment vectors
 * ([n, 22 * (encoderDim + F)]); null for models without them (features version 1, encoder only).
 */
export function transientRates(
  vectors: Float32Array,
  encoderDim: number,
  featuresVersion: number,
): TransientRates | null {
  if (featuresVersion < 2) return null;
  const per = encoderDim + featuresPerChannel(featuresVersion);
  const n = vectors.length / (C * per);
  if (!n) return null;
  // the channel with the most events of feature k, and its rate
  const busiest = (k: number) => {
    const rate = new Float64Array(C);
    for (let s = 0; s < n; s++)
      for (let c = 0; c < C; c++)
        rate[c] += Math.round(Math.expm1(vectors[(s * C + c) * per + encoderDim + k]));
    let best = 0;
    for (let c = 1; c < C; c++) if (rate[c] > rate[best]) best = c;
    const perHour = Math.round(((rate[best] * 360) / n) * 10) / 10; // 360 ten-second segments an hour
    return { perHour, where: perHour > 0 ? CELM_CHANNELS[best] : null };
  };
  const lat = busiest(LATERALIZED);
  const gen = busiest(GENERALIZED);
  const iso = busiest(ISOLATED);
  return {
    lateralized_per_hour: lat.perHour,
    lateralized_max: lat.where,
    generalized_per_hour: gen.perHour,
    isolated_per_hour: iso.perHour,
    isolated_max: iso.where,
  };
}

/**
 * The largest recording mean of one version-2 feature over the channels of a report's segment vectors
 * (all its recordings' rows, [n, 22 * (encoderDim + F)]): how strongly the most affected electrode
 * shows it. Null for models without the feature.
 */
export function strongestChannelMean(
  vectors: Float32Array[],
  encoderDim: number,
  featuresVersion: number,
  feature: (typeof FEATURE_NAMES)[number],
): number | null {
  const k = featureIndex(feature);
  if (featuresVersion < 1 || k >= featuresPerChannel(featuresVersion)) return null;
  const per = encoderDim + featuresPerChannel(featuresVersion);
  const sum = new Float64Array(C);
  let n = 0;
  for (const v of vectors) {
    const segs = v.length / (C * per);
    n += segs;
    for (let s = 0; s < segs; s++)
      for (let c = 0; c < C; c++) sum[c] += v[(s * C + c) * per + encoderDim + k];
  }
  return n ? Math.max(...sum) / n : null;
}
